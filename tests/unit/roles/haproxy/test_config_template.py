# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render roles/haproxy/templates/*.j2 from the checked model the way Ansible does and check their shape.

``haproxy -c`` on the rendered files runs in the molecule scenarios; here the structure is checked.
"""

from __future__ import annotations

import re

import pytest

from ansible_collections.kube_edge.lb.tests.unit.roles.haproxy.rendering import (
    CHAPTER_CLUSTERS, check, render, render_role, role_variables)

HOST_ACL = "req.hdr(host),field(1,:),lower"


def section(text, header):
    match = re.search(r"^%s\n(.*?)(?=^\S|\Z)" % re.escape(header), text, re.MULTILINE | re.DOTALL)
    assert match, "no section %r in:\n%s" % (header, text)
    return [line.strip() for line in match.group(1).splitlines() if line.strip() and not line.strip().startswith("#")]


CERTS = [{"name": "star.example.com", "cert": "x", "key": "y"}]


def tcp_clusters(*addresses):
    return [dict(cluster, frontend_address=address) for cluster, address in zip(CHAPTER_CLUSTERS, addresses)]


def test_http_mode_reproduces_the_chapter_with_fixes():
    text = render_role(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS,
                       haproxy_default_cluster="rke-cluster-prd")
    assert text.endswith("\n")
    frontend = section(text, "frontend fe_http")
    assert frontend[0] == "bind :80"
    assert frontend[1] == ("bind :443 ssl crt /etc/haproxy/certs/star.example.com.pem alpn h2,http/1.1 "
                           "tls-ticket-keys /etc/haproxy/tls-ticket-keys")
    assert "http-request redirect scheme https code 301 unless { ssl_fc }" in frontend
    assert 'http-response set-header Strict-Transport-Security "max-age=63072000" if { ssl_fc }' in frontend
    assert "acl host_rke-cluster-npd %s -m str dev.example.com qas.example.com" % HOST_ACL in frontend
    # The book referenced undefined ACLs (host_a1-...); here every use_backend names a defined ACL.
    assert "use_backend be_rke-cluster-npd if host_rke-cluster-npd" in frontend
    assert frontend[-1] == "default_backend be_rke-cluster-prd"
    defaults = section(text, "defaults")
    assert "option idle-close-on-response" in defaults and "option forwardfor" in defaults
    assert "hard-stop-after 30s" in section(text, "global")


def test_http_mode_checks_are_what_ingress_nginx_answers_and_traffic_stays_verified_tls():
    """Plain HTTP/1.0 GET /healthz to port 80 without a Host (ingress-nginx's catch-all server); traffic on 443
    keeps verified TLS with the request's host name as SNI."""
    backend = section(render_role(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS),
                      "backend be_rke-cluster-npd")
    assert backend[:4] == ["balance roundrobin", "option httpchk", "http-check send meth GET uri /healthz ver HTTP/1.0",
                           "http-check expect status 200"]
    assert backend[4] == ("default-server check port 80 inter 2s fall 2 rise 2 ssl verify required "
                          "ca-file @system-ca sni %s pool-purge-delay 30s" % HOST_ACL)
    assert "Host" not in " ".join(backend) and "check-ssl" not in " ".join(backend)
    assert backend[-3:] == ["server node01 192.168.1.101:443", "server node02 192.168.1.102:443",
                            "server node03 192.168.1.103:443"]


def test_per_cluster_checks_fit_traefik_and_tls_and_proxy_protocol():
    traefik = dict(CHAPTER_CLUSTERS[0], proxy_protocol=True,
                   health_check={"port": 8080, "path": "/ping", "host": "Traefik.Example.com", "status": 204, "tls": True})
    backend = section(render_role(haproxy_clusters=[traefik], haproxy_certificates=CERTS), "backend be_rke-cluster-npd")
    assert "http-check send meth GET uri /ping ver HTTP/1.1 hdr Host traefik.example.com" in backend
    assert "http-check expect status 204" in backend
    assert backend[4] == ("default-server check port 8080 inter 2s fall 2 rise 2 check-ssl check-sni traefik.example.com "
                          "send-proxy-v2 check-send-proxy ssl verify required ca-file @system-ca sni %s "
                          "pool-purge-delay 30s" % HOST_ACL)


def test_tls_check_to_plain_nodes_carries_its_own_verification():
    plain = dict(CHAPTER_CLUSTERS[0], backend_tls=False, ca_file="/etc/ssl/lab-ca.pem",
                 health_check={"tls": True, "port": 443, "host": "10.0.0.1"})
    backend = section(render_role(haproxy_clusters=[plain]), "backend be_rke-cluster-npd")
    # An IP address is a Host header but never an SNI.
    assert backend[4] == ("default-server check port 443 inter 2s fall 2 rise 2 check-ssl verify required "
                          "ca-file /etc/ssl/lab-ca.pem pool-purge-delay 30s")
    assert backend[-1] == "server node03 192.168.1.103:80"


def test_http_mode_without_default_answers_404_and_verify_none_is_explicit():
    clusters = [dict(CHAPTER_CLUSTERS[0], verify="none")]
    result = check(role_variables(haproxy_clusters=clusters, haproxy_certificates=CERTS))
    text = render(result["config"])
    # http-request rules run before use_backend, so the deny must spare the known hosts.
    assert "http-request deny deny_status 404 unless host_rke-cluster-npd" in section(text, "frontend fe_http")
    assert "ssl verify none sni" in " ".join(section(text, "backend be_rke-cluster-npd"))
    assert "ca-file" not in text
    assert any("verify none" in warning for warning in result["warnings"])


def test_http_mode_without_default_denies_only_unknown_hosts():
    frontend = section(render_role(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS), "frontend fe_http")
    assert "http-request deny deny_status 404 unless host_rke-cluster-npd || host_rke-cluster-prd" in frontend
    assert not any(line.startswith("default_backend") for line in frontend)


def test_tcp_mode_gives_each_cluster_its_own_front_address():
    text = render_role(haproxy_mode="tcp", haproxy_clusters=tcp_clusters("127.0.3.10", "127.0.3.20"),
                       haproxy_proxy_protocol=True)
    assert section(text, "frontend fe_rke-cluster-npd_http") == ["bind 127.0.3.10:80",
                                                                 "default_backend be_rke-cluster-npd_http"]
    assert section(text, "frontend fe_rke-cluster-prd_https") == ["bind 127.0.3.20:443",
                                                                  "default_backend be_rke-cluster-prd_https"]
    assert "req.ssl_sni" not in text
    assert "option tcplog" in section(text, "defaults")
    backend = section(text, "backend be_rke-cluster-npd_https")
    assert backend[:5] == ["balance leastconn", "option httpchk", "http-check send meth GET uri /healthz ver HTTP/1.0",
                           "http-check expect status 200",
                           "default-server check port 80 inter 2s fall 2 rise 2 send-proxy-v2 check-send-proxy"]
    assert "server node01 192.168.1.101:443" in backend
    assert "server node01 192.168.1.101:80" in section(text, "backend be_rke-cluster-npd_http")
    assert "ssl" not in " ".join(backend)
    assert "frontend fe_http\n" not in text and "errorfile" not in text


@pytest.mark.parametrize("overrides, line", [
    ({}, "http-reuse aggressive"),  # the role's default (benchmarks/bench_haproxy_origin.py)
    ({"haproxy_http_reuse": "always"}, "http-reuse always"),
    ({"haproxy_http_reuse": "safe"}, "http-reuse safe"),
])
def test_http_mode_shares_idle_node_connections_as_asked(overrides, line):
    defaults = section(render_role(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS, **overrides),
                       "defaults")
    assert [entry for entry in defaults if entry.startswith("http-reuse")] == [line]


def test_http_mode_keeps_idle_node_connections_for_the_purge_delay_asked():
    text = render_role(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS, haproxy_pool_purge_delay="1m")
    for backend in ("backend be_rke-cluster-npd", "backend be_rke-cluster-prd"):
        assert section(text, backend)[4].endswith(" sni %s pool-purge-delay 1m" % HOST_ACL)


def test_tcp_mode_has_no_http_reuse_or_pool_settings():
    text = render_role(haproxy_mode="tcp", haproxy_clusters=tcp_clusters("127.0.3.10", "127.0.3.20"),
                       haproxy_http_reuse="always", haproxy_pool_purge_delay="1m")
    assert "http-reuse" not in text and "pool-" not in text


def test_tcp_mode_sni_routing_of_a_shared_address_is_explicit():
    text = render_role(haproxy_mode="tcp", haproxy_clusters=CHAPTER_CLUSTERS, haproxy_frontend_address="127.0.3.10",
                       haproxy_tcp_sni_routing=True, haproxy_default_cluster="rke-cluster-npd")
    assert section(text, "frontend fe_rke-cluster-npd_http") == ["bind 127.0.3.10:80",
                                                                 "default_backend be_rke-cluster-npd_http"]
    https = section(text, "frontend fe_rke-cluster-npd_https")
    assert "use_backend be_rke-cluster-prd_https if { req.ssl_sni -i example.com www.example.com }" in https
    assert https[-1] == "default_backend be_rke-cluster-npd_https"
    assert "frontend fe_rke-cluster-prd_http" not in text


def test_node_ports_pass_through_to_the_port_the_client_asked_for():
    clusters = tcp_clusters("127.0.3.10", "127.0.3.20")
    clusters[1]["node_ports"] = ["30000-30100", 31001]
    text = render_role(haproxy_mode="tcp", haproxy_clusters=clusters)
    assert section(text, "frontend fe_rke-cluster-prd_nodeports") == [
        "bind 127.0.3.20:30000-30100", "bind 127.0.3.20:31001", "default_backend be_rke-cluster-prd_nodeports"]
    backend = section(text, "backend be_rke-cluster-prd_nodeports")
    # No port on the server: HAProxy connects to the port the client connected to; checks keep port 80.
    assert backend[4].startswith("default-server check port 80 ")
    assert backend[5:] == ["server node04 192.168.1.104", "server node05 192.168.1.105", "server node06 192.168.1.106"]
    assert "be_rke-cluster-npd_nodeports" not in text


@pytest.mark.parametrize("enabled", [True, False])
def test_prometheus_only_on_request_and_on_loopback(enabled):
    text = render_role(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_prometheus_enabled=enabled)
    assert ("bind 127.0.0.1:8405" in text) is enabled
    assert "stats auth" not in text


def test_repository_source_and_pin_come_from_the_checked_model():
    result = check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_install_method="repository"))
    sources = render(result["config"], "haproxy.sources.j2")
    assert "URIs: http://haproxy.debian.net\nSuites: bookworm-backports-3.2\nComponents: main\n" in sources
    assert "Signed-By: /etc/apt/keyrings/haproxy-archive-keyring.gpg" in sources
    assert "Pin: version 3.2.*" in render(result["config"], "haproxy.pref.j2")


def test_source_unit_runs_the_built_binary():
    unit = render_role("haproxy.service.j2", haproxy_clusters=CHAPTER_CLUSTERS, haproxy_install_method="source",
                       haproxy_source_tarball="/tmp/haproxy.tar.gz", haproxy_source_prefix="/opt/haproxy")
    assert "ExecStart=/opt/haproxy/sbin/haproxy -Ws -f $CONFIG -p $PIDFILE $EXTRAOPTS" in unit
    assert "LimitNOFILE=17024" in unit


def test_ecdsa_and_rsa_pair_is_two_crt_files_rsa_first():
    certs = [{"name": "star.example.com", "cert": "ec", "key": "k", "rsa": {"cert": "r", "key": "k2"}}]
    frontend = section(render_role(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=certs,
                                   haproxy_tls_tickets=False, haproxy_default_cluster="rke-cluster-prd"),
                       "frontend fe_http")
    assert frontend[1] == ("bind :443 ssl crt /etc/haproxy/certs/star.example.com.rsa.pem "
                           "crt /etc/haproxy/certs/star.example.com.pem alpn h2,http/1.1")


def test_ticket_keys_and_no_tls_tickets_together_are_refused():
    result = check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS,
                                  haproxy_ssl_bind_options="ssl-min-ver TLSv1.2 no-tls-tickets"))
    assert result["problems"] == [
        "haproxy_ssl_bind_options='ssl-min-ver TLSv1.2 no-tls-tickets' holds no-tls-tickets, which turns off the "
        "resumption haproxy_tls_tickets=true asks for; drop one of them."]


def test_rsa_key_never_reaches_the_model():
    certs = [{"name": "a", "cert": "ec", "key": "k", "rsa": {"cert": "r", "key": "SECRET"}}]
    result = check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=certs))
    assert "SECRET" not in repr(result["config"]) and result["config"]["certificates"][0]["rsa"] == {
        "cert": "r", "chain": None}
