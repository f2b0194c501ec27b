# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``haproxy`` role's cross-field rules and the model its templates read.

Private to the collection: may change at any time. Works on values ``role_input`` has already
normalised. The rules: names unique, the default cluster exists, a host name belongs to one
cluster, HTTP mode has host names to route by, and in TCP mode no listener takes another cluster's
traffic (plain TCP on port 80 cannot be routed by name, so each cluster gets its own front address;
SNI routing of a shared address is an explicit choice).
"""

from __future__ import annotations

import ipaddress

# HAProxy's own defaults for the two install paths it ships files to, and the source prefix layout.
PACKAGED = {"binary": "/usr/sbin/haproxy", "errorfile_dir": "/etc/haproxy/errors"}


def _names(values):
    return ", ".join("'%s'" % value for value in values)


def repository(values, defaults, distribution, problems, defaults_kind, walk):
    """The effective deb822 source of the repository method (given values over the distribution's defaults)."""
    if values["haproxy_install_method"] != "repository":
        return {}
    given = {key: values["haproxy_repository_" + key] for key in ("url", "suite", "key_url")}
    if None in given.values():
        return {}
    table = {"url": "", "suite": "", "key_url": ""}
    if not all(given.values()):
        if distribution not in defaults:
            problems.add(
                "haproxy_install_method",
                "repository",
                "knows no repository for %s: set haproxy_repository_url, haproxy_repository_suite and "
                "haproxy_repository_key_url" % (distribution or "this distribution"),
            )
            return {}
        table = walk(defaults_kind, defaults[distribution], "haproxy_repository_defaults.%s" % distribution, problems)
        if table is None or None in table.values():
            return {}
    key_url = given["key_url"] or table["key_url"]
    # apt reads binary keyrings from *.gpg and ASCII-armoured keys from *.asc.
    keyring = "/etc/apt/keyrings/haproxy-archive-keyring.%s" % ("gpg" if key_url.endswith(".gpg") else "asc")
    return {
        "url": given["url"] or table["url"],
        "suite": given["suite"] or table["suite"],
        "key_url": key_url,
        "keyring": keyring,
        "components": values["haproxy_repository_components"],
    }


def _health_check(values, given):
    given = given or {}

    def pick(key):
        return given[key] if given.get(key) is not None else values["haproxy_health_check_" + key]

    check = {key: pick(key) for key in ("port", "path", "host", "status", "tls")}
    # Without a host name the check speaks HTTP/1.0, which needs no Host header: ingress-nginx then
    # answers from its catch-all server, the only one with /healthz.
    check["version"] = "HTTP/1.1" if check["host"] else "HTTP/1.0"
    is_name = check["host"] and not _is_ip(check["host"])
    check["sni"] = check["host"] if check["tls"] and is_name else ""
    return check


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def effective_clusters(values):
    """Each cluster with every setting resolved (its own value, else the role-wide one)."""
    http = values["haproxy_mode"] == "http"
    clusters = []
    for index, given in enumerate(values["haproxy_clusters"]):

        def pick(key, fallback, given=given):
            return given[key] if given[key] is not None else fallback

        tls = pick("backend_tls", values["haproxy_backend_tls"])
        address = given["frontend_address"]
        clusters.append(
            {
                "index": index,
                "name": given["name"],
                "hostnames": given["hostnames"] or [],
                "nodes": given["nodes"],
                "balance": pick("balance", values["haproxy_balance"] if http else "leastconn"),
                "verify": pick("verify", values["haproxy_backend_verify"]),
                "ca_file": pick("ca_file", values["haproxy_backend_ca_file"]),
                "verify_host": given["verify_host"] or "",
                "backend_tls": tls,
                "backend_port": pick(
                    "backend_port", values["haproxy_backend_https_port" if tls else "haproxy_backend_http_port"]
                ),
                "http_port": pick("http_port", values["haproxy_backend_http_port"]),
                "https_port": pick("https_port", values["haproxy_backend_https_port"]),
                "proxy_protocol": pick("proxy_protocol", values["haproxy_proxy_protocol"]),
                "frontend_address": address if address is not None else values["haproxy_frontend_address"],
                "frontend_address_path": (
                    "haproxy_clusters[%d].frontend_address" % index
                    if address is not None
                    else "haproxy_frontend_address"
                ),
                "node_ports": [
                    "%d-%d" % tuple(span) if span[0] != span[1] else str(span[0]) for span in given["node_ports"] or []
                ],
                "node_port_spans": given["node_ports"] or [],
                "check": _health_check(values, given["health_check"]),
            }
        )
    return clusters


def _duplicates(problems, entries, what):
    """``entries``: (path, value, owner label); a value seen before is a problem naming its first owner."""
    seen = {}
    for path, value, owner in entries:
        if value in seen:
            problems.add(path, value, "is already %s %s" % (what, seen[value]))
        else:
            seen[value] = owner


def cross_checks(values, clusters, problems, warnings):
    """The rules that involve more than one value; adds to ``problems`` and ``warnings``."""
    if values["haproxy_tls_tickets"] and "no-tls-tickets" in values["haproxy_ssl_bind_options"].split(" "):
        problems.add(
            "haproxy_ssl_bind_options",
            values["haproxy_ssl_bind_options"],
            "holds no-tls-tickets, which turns off the resumption haproxy_tls_tickets=true asks for; drop one of them",
        )
    if not clusters:
        problems.add("haproxy_clusters", [], "is empty: describe at least one cluster with name and nodes")
        return
    _duplicates(
        problems,
        [("haproxy_clusters[%d].name" % c["index"], c["name"], "haproxy_clusters[%d]" % c["index"]) for c in clusters],
        "the name of",
    )
    _duplicates(
        problems,
        [
            ("haproxy_clusters[%d].nodes[%d].name" % (c["index"], i), node["name"], "cluster '%s'" % c["name"])
            for c in clusters
            for i, node in enumerate(c["nodes"])
        ],
        "a node name in",
    )
    _duplicates(
        problems,
        [
            ("haproxy_clusters[%d].hostnames[%d]" % (c["index"], i), host, "cluster '%s'" % c["name"])
            for c in clusters
            for i, host in enumerate(c["hostnames"])
        ],
        "routed to",
    )
    _duplicates(
        problems,
        [
            ("haproxy_certificates[%d].name" % i, cert["name"], "haproxy_certificates[%d]" % i)
            for i, cert in enumerate(values["haproxy_certificates"])
        ],
        "the name of",
    )
    names = [c["name"] for c in clusters]
    default = values["haproxy_default_cluster"]
    if default and default not in names:
        problems.add("haproxy_default_cluster", default, "is not one of the clusters (%s)" % _names(names))
    downloads = not (values["haproxy_source_tarball"] or values["haproxy_source_checksum"])
    if values["haproxy_install_method"] == "source" and downloads:
        problems.add(
            "haproxy_source_checksum", "", "is required to download the tarball (or set haproxy_source_tarball)"
        )
    if values["haproxy_mode"] == "http":
        _http_rules(values, clusters, problems, warnings)
    else:
        _tcp_rules(values, clusters, problems, warnings)
    _listener_conflicts(_listeners(values, clusters), problems)


def _http_rules(values, clusters, problems, warnings):
    for cluster in clusters:
        path = "haproxy_clusters[%d]" % cluster["index"]
        if not cluster["hostnames"]:
            problems.add(path + ".hostnames", [], "is empty, and HTTP mode routes by host name")
        if cluster["node_port_spans"]:
            problems.add(
                path + ".node_ports",
                cluster["node_ports"],
                "needs haproxy_mode tcp (HTTP mode publishes 80 and 443 only)",
            )
        if cluster["frontend_address"] != values["haproxy_frontend_address"]:
            warnings.append(
                "%s.frontend_address applies to TCP mode only; HTTP mode listens on "
                "haproxy_frontend_address and routes by host name." % path
            )
        if cluster["backend_tls"] and cluster["verify"] == "none":
            warnings.append(
                "%s ('%s') does not verify the certificates of its nodes (verify none), so anyone on "
                "the path can impersonate them." % (path, cluster["name"])
            )


def _groups(clusters):
    groups = {}
    for cluster in clusters:
        groups.setdefault(cluster["frontend_address"], []).append(cluster)
    return groups


def _tcp_rules(values, clusters, problems, warnings):
    groups = _groups(clusters)
    default = values["haproxy_default_cluster"]
    if len(groups) > 1 and "" in groups:
        for cluster in groups[""]:
            problems.add(
                cluster["frontend_address_path"],
                "",
                "means all addresses for cluster '%s', so its listeners would also take the traffic of "
                "the other clusters' front addresses; give each cluster its own frontend_address" % cluster["name"],
            )
    for address, members in groups.items():
        if len(members) == 1:
            continue
        others = _names(c["name"] for c in members)
        if not values["haproxy_tcp_sni_routing"]:
            problems.add(
                members[-1]["frontend_address_path"],
                address,
                "is the front address of clusters %s: plain TCP on port 80 cannot be routed by name, so one "
                "cluster would get the others' traffic; give each cluster its own frontend_address, or set "
                "haproxy_tcp_sni_routing (443 routed by SNI, 80 to haproxy_default_cluster)" % others,
            )
        elif default not in [c["name"] for c in members]:
            problems.add(
                "haproxy_default_cluster",
                default,
                "is not one of the clusters %s sharing front address '%s': with haproxy_tcp_sni_routing, "
                "port 80 and TLS without a known SNI go to the default cluster, so name one of them"
                % (others, address),
            )
        else:
            for cluster in members:
                if cluster["name"] != default and not cluster["hostnames"]:
                    problems.add(
                        "haproxy_clusters[%d].hostnames" % cluster["index"],
                        [],
                        "is empty, so SNI routing on '%s' would never send this cluster traffic" % address,
                    )
    for cluster in clusters:
        if cluster["node_port_spans"]:
            warnings.append(
                "haproxy_clusters[%d].node_ports publishes ports %s of cluster '%s' on %s: every "
                "NodePort Service there (internal ones too) is reachable through the load balancer."
                % (
                    cluster["index"],
                    ",".join(cluster["node_ports"]),
                    cluster["name"],
                    cluster["frontend_address"] or "all addresses",
                )
            )
            for i, node in enumerate(cluster["nodes"]):
                if ":" in node["address"]:
                    problems.add(
                        "haproxy_clusters[%d].nodes[%d].address" % (cluster["index"], i),
                        node["address"],
                        "is an IPv6 address, which node_ports cannot pass through (HAProxy reads the last "
                        "colon as the port); use an IPv4 address or a DNS name",
                    )
        if cluster["check"]["tls"] and cluster["verify"] == "none":
            warnings.append(
                "haproxy_clusters[%d] ('%s') does not verify the certificates its TLS health checks meet."
                % (cluster["index"], cluster["name"])
            )


def _listeners(values, clusters):
    """(address, low, high, path, shown value) of every port HAProxy will listen on."""
    http_port, https_port = values["haproxy_http_port"], values["haproxy_https_port"]
    listeners = []
    if values["haproxy_mode"] == "http":
        address = values["haproxy_frontend_address"]
        listeners.append((address, http_port, http_port, "haproxy_http_port", http_port))
        if values["haproxy_certificates"]:
            listeners.append((address, https_port, https_port, "haproxy_https_port", https_port))
    else:
        for address in _groups(clusters):
            listeners.append((address, http_port, http_port, "haproxy_http_port", http_port))
            listeners.append((address, https_port, https_port, "haproxy_https_port", https_port))
        for cluster in clusters:
            for i, (low, high) in enumerate(cluster["node_port_spans"]):
                listeners.append(
                    (
                        cluster["frontend_address"],
                        low,
                        high,
                        "haproxy_clusters[%d].node_ports[%d]" % (cluster["index"], i),
                        cluster["node_ports"][i],
                    )
                )
    if values["haproxy_prometheus_enabled"]:
        port = values["haproxy_prometheus_port"]
        listeners.append((values["haproxy_prometheus_address"], port, port, "haproxy_prometheus_port", port))
    return listeners


def _listener_conflicts(listeners, problems):
    """Two listeners on overlapping ports of one address (or of all addresses) are refused; the problem
    names the one that comes later in the input."""
    # Sorted by low port, a listener can only overlap the ones that start before it ends: O(n log n)
    # for disjoint ranges, whatever the number of clusters.
    ordered = sorted(enumerate(listeners), key=lambda item: (item[1][1], item[1][2]))
    reported = set()
    for position, (sequence, (address, low, high, path, shown)) in enumerate(ordered):
        for other_sequence, other in ordered[position + 1 :]:
            if other[1] > high:
                break
            if address != other[0] and "" not in (address, other[0]):
                continue
            first, later = sorted([(sequence, (address, low, high, path, shown)), (other_sequence, other)])
            where = address or other[0] or "*"
            if (first[1][3], later[1][3], where) not in reported:
                reported.add((first[1][3], later[1][3], where))
                problems.add(
                    later[1][3],
                    later[1][4],
                    "overlaps %s (%s) on front address '%s': one listener would "
                    "take the other's traffic" % (first[1][3], first[1][4], where),
                )


def _bind(address, port):
    return "%s:%s" % (address, port)


def model(values, clusters, repository):
    """What the templates read besides the normalised variables."""
    if values["haproxy_install_method"] == "source":
        prefix = values["haproxy_source_prefix"].rstrip("/")
        files = {"binary": prefix + "/sbin/haproxy", "errorfile_dir": prefix + "/share/haproxy/errors"}
    else:
        files = dict(PACKAGED)
    default = values["haproxy_default_cluster"]
    frontends = []
    if values["haproxy_mode"] == "tcp":
        for address, members in _groups(clusters).items():
            owner = members[0]["name"] if len(members) == 1 else default
            routes = [
                {"backend": "be_%s_https" % c["name"], "hostnames": c["hostnames"]}
                for c in members
                if len(members) > 1 and c["hostnames"]
            ]
            frontends.append(
                {
                    "name": "fe_%s_http" % owner,
                    "binds": [_bind(address, values["haproxy_http_port"])],
                    "default_backend": "be_%s_http" % owner,
                    "sni_routes": [],
                }
            )
            frontends.append(
                {
                    "name": "fe_%s_https" % owner,
                    "binds": [_bind(address, values["haproxy_https_port"])],
                    "default_backend": "be_%s_https" % owner,
                    "sni_routes": routes,
                }
            )
        for cluster in clusters:
            if cluster["node_ports"]:
                frontends.append(
                    {
                        "name": "fe_%s_nodeports" % cluster["name"],
                        "binds": [_bind(cluster["frontend_address"], span) for span in cluster["node_ports"]],
                        "default_backend": "be_%s_nodeports" % cluster["name"],
                        "sni_routes": [],
                    }
                )
    return dict(
        files,
        clusters=clusters,
        tcp_frontends=frontends,
        repository=repository,
        cluster_names=[c["name"] for c in clusters],
    )
