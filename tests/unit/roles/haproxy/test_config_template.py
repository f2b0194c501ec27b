# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render roles/haproxy/templates/haproxy.cfg.j2 the way Ansible does (trim_blocks) and check its shape.

``haproxy -c`` on the rendered files runs in the molecule scenarios; here the structure is checked.
"""

from __future__ import annotations

import os
import re

import jinja2
import pytest
import yaml

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "haproxy")

# The chapter's HTTP-mode example, expressed once.
CHAPTER_CLUSTERS = [
    {"name": "rke-cluster-npd", "hostnames": ["dev.example.com", "qas.example.com"],
     "nodes": [{"name": "node01", "address": "192.168.1.101"}, {"name": "node02", "address": "192.168.1.102"},
               {"name": "node03", "address": "192.168.1.103"}]},
    {"name": "rke-cluster-prd", "hostnames": ["example.com", "www.example.com"],
     "nodes": [{"name": "node04", "address": "192.168.1.104"}, {"name": "node05", "address": "192.168.1.105"},
               {"name": "node06", "address": "192.168.1.106"}]},
]


def render(**overrides):
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        variables = yaml.safe_load(handle)
    variables.update(overrides)
    names = [cluster["name"] for cluster in variables["haproxy_clusters"]]
    variables.update(
        ansible_managed="managed", haproxy_errorfile_dir="/etc/haproxy/errors", haproxy_cluster_names=names,
        haproxy_effective_default_cluster=variables["haproxy_default_cluster"] or names[0])
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROLE, "templates")),
                                     trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.get_template("haproxy.cfg.j2").render(**variables)


def section(text, header):
    match = re.search(r"^%s\n(.*?)(?=^\S|\Z)" % re.escape(header), text, re.MULTILINE | re.DOTALL)
    assert match, "no section %r in:\n%s" % (header, text)
    return [line.strip() for line in match.group(1).splitlines() if line.strip()]


CERTS = [{"name": "star.example.com", "cert": "x", "key": "y"}]


def test_http_mode_reproduces_the_chapter_with_fixes():
    text = render(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS, haproxy_default_cluster="rke-cluster-prd")
    assert text.endswith("\n")
    frontend = section(text, "frontend fe_http")
    assert frontend[0] == "bind :80"
    assert frontend[1] == "bind :443 ssl crt /etc/haproxy/certs/star.example.com.pem alpn h2,http/1.1"
    assert "http-request redirect scheme https code 301 unless { ssl_fc }" in frontend
    assert 'http-response set-header Strict-Transport-Security "max-age=63072000" if { ssl_fc }' in frontend
    assert ("acl host_rke-cluster-npd req.hdr(host),field(1,:),lower -m str dev.example.com qas.example.com"
            in frontend)
    # The book referenced undefined ACLs (host_a1-...); here every use_backend names a defined ACL.
    assert "use_backend be_rke-cluster-npd if host_rke-cluster-npd" in frontend
    assert frontend[-1] == "default_backend be_rke-cluster-prd"
    backend = section(text, "backend be_rke-cluster-npd")
    assert "http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host dev.example.com" in backend
    assert ("default-server check inter 2s fall 2 rise 2 ssl verify required ca-file @system-ca "
            "sni req.hdr(host),field(1,:),lower check-sni dev.example.com") in backend
    assert backend[-3:] == ["server node01 192.168.1.101:443", "server node02 192.168.1.102:443",
                            "server node03 192.168.1.103:443"]
    defaults = section(text, "defaults")
    assert "option idle-close-on-response" in defaults and "option forwardfor" in defaults
    assert "hard-stop-after 30s" in section(text, "global")


def test_http_mode_without_default_answers_404_and_verify_none_is_explicit():
    clusters = [dict(CHAPTER_CLUSTERS[0], verify="none")]
    text = render(haproxy_clusters=clusters, haproxy_certificates=CERTS)
    # http-request rules run before use_backend, so the deny must spare the known hosts.
    assert section(text, "frontend fe_http")[-1] == "http-request deny deny_status 404 unless host_rke-cluster-npd"
    assert "ssl verify none sni" in " ".join(section(text, "backend be_rke-cluster-npd"))
    assert "ca-file" not in text


def test_http_mode_without_default_denies_only_unknown_hosts():
    text = render(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_certificates=CERTS)
    frontend = section(text, "frontend fe_http")
    assert frontend[-1] == "http-request deny deny_status 404 unless host_rke-cluster-npd || host_rke-cluster-prd"
    assert not any(line.startswith("default_backend") for line in frontend)


def test_tcp_mode_passes_80_and_443_through_without_the_books_duplicate_bind():
    text = render(haproxy_mode="tcp", haproxy_clusters=CHAPTER_CLUSTERS, haproxy_frontend_address="127.0.3.10",
                  haproxy_proxy_protocol=True)
    assert section(text, "frontend fe_tcp_http")[0] == "bind 127.0.3.10:80"
    https = section(text, "frontend fe_tcp_https")
    assert https[0] == "bind 127.0.3.10:443"
    assert "use_backend be_rke-cluster-prd_https if { req.ssl_sni -i example.com www.example.com }" in https
    assert https[-1] == "default_backend be_rke-cluster-npd_https"
    assert "option tcplog" in section(text, "defaults")
    backend = section(text, "backend be_rke-cluster-npd_https")
    assert backend[:2] == ["balance leastconn", "default-server check inter 2s fall 2 rise 2 send-proxy-v2"]
    assert "server node01 192.168.1.101:443" in backend
    assert "server node01 192.168.1.101:80" in section(text, "backend be_rke-cluster-npd_http")
    assert "ssl" not in " ".join(backend)
    assert "frontend fe_http\n" not in text and "errorfile" not in text


@pytest.mark.parametrize("enabled", [True, False])
def test_prometheus_only_on_request_and_on_loopback(enabled):
    text = render(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_prometheus_enabled=enabled)
    assert ("bind 127.0.0.1:8405" in text) is enabled
    assert "stats auth" not in text
