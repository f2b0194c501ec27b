# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ingress_tls's options (``OPTIONS``) and every check of them, all problems at once and before the
cluster is read: names as the API server validates them, rules, annotations, what the options mean
together, and (when those are wrong already) the certificate checks too, so one run reports everything.

Private to the collection: may change at any time. No client and no Ansible here.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.ingress_objects import (
    BAD_PATH_PARTS,
    DNS_LABEL,
    DNS_SUBDOMAIN,
    IPV4,
    PORT_NAME,
    check_annotations,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import options as tls_options

OPTIONS = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    generate=dict(type="str", choices=["none", "self_signed", "local_ca"], default="none"),
    generate_days=dict(type="int", default=90),
    local_ca_dir=dict(type="path"),
    ingress=dict(type="str"),
    hosts=dict(type="list", elements="str"),
    ingress_class=dict(type="str"),
    rules=dict(
        type="list",
        elements="dict",
        options=dict(
            host=dict(type="str"),
            paths=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    path=dict(type="str", default="/"),
                    path_type=dict(type="str", choices=["Prefix", "Exact", "ImplementationSpecific"], default="Prefix"),
                    service=dict(type="str", required=True),
                    port=dict(type="raw", required=True),
                ),
            ),
        ),
    ),
    annotations=dict(type="dict"),
    force=dict(type="bool", default=False),
    hijack_guard=dict(type="str", choices=["fail", "warn", "ignore"], default="fail"),
)
OPTIONS.update(tls_options.OPTIONS)
MAX_GENERATE_DAYS = 825  # what browsers accepted for a private CA's leaf; labs renew long before


def valid_host(host):
    """An Ingress host: DNS-1123 subdomain, wildcard only as the whole left-most label, not an IP."""
    if not host or IPV4.match(host) or ":" in host:
        return False
    name = host[2:] if host.startswith("*.") else host
    return bool(DNS_SUBDOMAIN.match(name)) and "*" not in name


def validate_params(params, problems):
    """Shape checks on the module options that the argspec cannot express."""
    if params.get("name") and not DNS_SUBDOMAIN.match(params["name"]):
        problems.add("name", params["name"], "is not a valid Secret name (lowercase DNS-1123 subdomain)")
    if params.get("namespace") and not DNS_LABEL.match(params["namespace"]):
        problems.add("namespace", params["namespace"], "is not a valid namespace name (lowercase DNS-1123 label)")
    if params.get("ingress") and not DNS_SUBDOMAIN.match(params["ingress"]):
        problems.add("ingress", params["ingress"], "is not a valid Ingress name (lowercase DNS-1123 subdomain)")
    if params.get("ingress_class") and not DNS_SUBDOMAIN.match(params["ingress_class"]):
        problems.add("ingress_class", params["ingress_class"], "is not a valid IngressClass name")
    for index, host in enumerate(params.get("hosts") or []):
        if not valid_host(host):
            problems.add(
                "hosts[%d]" % index,
                host,
                "is not a valid Ingress host (lowercase DNS name, wildcard only as '*.' prefix, no IP)",
            )
    for index, rule in enumerate(params.get("rules") or []):
        where = "rules[%d]" % index
        if rule.get("host") and not valid_host(rule["host"]):
            problems.add(where + ".host", rule["host"], "is not a valid Ingress host")
        if not rule.get("paths"):
            problems.add(where + ".paths", rule.get("paths"), "must list at least one path")
        for path_index, path in enumerate(rule.get("paths") or []):
            pwhere = "%s.paths[%d]" % (where, path_index)
            value = path.get("path") or "/"
            if path.get("path_type", "Prefix") in ("Exact", "Prefix"):
                if (
                    not value.startswith("/")
                    or any(part in value for part in BAD_PATH_PARTS)
                    or value.endswith("/..")
                    or value.endswith("/.")
                ):
                    problems.add(
                        pwhere + ".path",
                        value,
                        "must be an absolute path without '//', '/./', '/../' or '%2f' for path_type Exact or Prefix",
                    )
            if not path.get("service") or not DNS_LABEL.match(path["service"]):
                problems.add(pwhere + ".service", path.get("service"), "is not a valid Service name")
            port = path.get("port")
            if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
                if not 1 <= int(port) <= 65535:
                    problems.add(pwhere + ".port", port, "must be between 1 and 65535")
            elif not isinstance(port, str) or not PORT_NAME.match(port):
                problems.add(pwhere + ".port", port, "must be a port number or a Service port name")


def validate_cross_fields(params, problems):
    """What the options mean together: material or generation, never both, and what each needs."""
    generate = params.get("generate") or "none"
    given = [name for name in ("certificate", "private_key") if params.get(name) or params.get(name + "_path")]
    if generate != "none" and given:
        problems.add("generate", generate, "issues its own certificate; do not give %s" % " or ".join(given))
    if generate == "local_ca" and not params.get("local_ca_dir"):
        problems.add("generate", generate, "needs local_ca_dir (the directory of the lab CA)")
    days = params.get("generate_days")
    if generate != "none" and days is not None and not 1 <= days <= MAX_GENERATE_DAYS:
        problems.add("generate_days", days, "must be between 1 and %d" % MAX_GENERATE_DAYS)
    if params.get("state", "present") == "present" and generate == "none":
        missing = [
            name for name in ("certificate", "private_key") if not (params.get(name) or params.get(name + "_path"))
        ]
        if missing:
            problems.add_message(
                "state=present needs %s (or %s), or generate=self_signed|local_ca."
                % (" and ".join(missing), " and ".join(name + "_path" for name in missing))
            )
    check_annotations(params.get("annotations"), problems)
    tls_options.check_settings(params, problems)


def check_params(params, now=None):
    """Every input problem at once (options, files, the certificate itself), before the cluster is read.

    Returns the resolved certificate material; raises ValidationError.
    """
    problems = Problems()
    validate_params(params, problems)
    validate_cross_fields(params, problems)
    material = tls_options.read_material(params, problems)
    if (
        problems
        and (params.get("generate") or "none") == "none"
        and params.get("state") != "absent"
        and material["certificate"] is not None
        and material["private_key"] is not None
    ):
        # The options are wrong already: add what the certificate checks find (against the valid hosts).
        hosts = [host for host in params.get("hosts") or [] if valid_host(host)]
        try:
            tls_options.check(params, material, hosts=hosts, now=now)
        except ValidationError as error:
            problems.messages.extend(error.problems)
    problems.raise_if_any()
    return material
