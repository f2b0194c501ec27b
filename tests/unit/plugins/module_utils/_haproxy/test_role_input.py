# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The haproxy role's input check: each value for what it is, the cross-field rules, the model."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_input
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_types as t
from ansible_collections.kube_edge.lb.tests.unit.roles.haproxy.rendering import (
    ARGUMENT_SPECS, CHAPTER_CLUSTERS, DEFAULTS, check, role_variables)


def problems_of(**overrides):
    return check(role_variables(**overrides))["problems"]


def tcp_clusters(*addresses):
    return [dict(cluster, frontend_address=address) for cluster, address in zip(CHAPTER_CLUSTERS, addresses)]


def test_every_documented_variable_is_checked_and_has_a_default():
    assert set(role_input.ROLE_VARIABLES) == set(ARGUMENT_SPECS) == set(DEFAULTS)
    assert set(role_input.CLUSTER.fields) == set(ARGUMENT_SPECS["haproxy_clusters"]["options"])
    assert set(role_input.CERTIFICATE.fields) == set(ARGUMENT_SPECS["haproxy_certificates"]["options"])
    assert set(role_input.HEALTH_CHECK.fields) == set(
        ARGUMENT_SPECS["haproxy_clusters"]["options"]["health_check"]["options"])
    assert check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS))["problems"] == []


@pytest.mark.parametrize("kind, good, normalised", [
    (t.HostName(), "Dev.Example.COM", "dev.example.com"),
    (t.HostName(wildcard=True), "*.example.com", "*.example.com"),
    (t.Address(), "2001:db8::0:1", "2001:db8::1"),
    (t.Address(), "node-1.cluster.local", "node-1.cluster.local"),
    (t.PORT, "443", 443),
    (t.Duration(), "500ms", "500ms"),
    (t.UriPath(), "/healthz?full=1&a=%2F", "/healthz?full=1&a=%2F"),
    (t.PortRange(), 31001, [31001, 31001]),
    (t.PortRange(), "30000-32767", [30000, 32767]),
    (t.FilePath(at_names=("@system-ca",)), "@system-ca", "@system-ca"),
    (t.Url(), "https://keyserver.ubuntu.com/pks/lookup?op=get&search=0x3D65", None),
    (t.OneOf(301, 308), "308", 308),
    (t.Boolean(), "yes", True),
    (t.ConfigLine(), "  tune.ssl.cachesize 100000 ", "tune.ssl.cachesize 100000"),
])
def test_kinds_accept_and_normalise(kind, good, normalised):
    assert kind.check(good) == (good if normalised is None else normalised)


@pytest.mark.parametrize("kind, bad", [
    (t.HostName(), "example.com\n"), (t.HostName(), "a b"), (t.HostName(), "-x.com"), (t.HostName(), "x_y.com"),
    (t.HostName(), "a" * 64 + ".com"), (t.HostName(), "*.example.com"), (t.HostName(), 7),
    (t.Address(), "10.0.0.1:80"), (t.Address(), "192.0.2.010"), (t.HostName(), "10.1"), (t.Address(), "fe80::1%eth0"), (t.Address(dns=False), "example.com"),
    (t.PORT, 0), (t.PORT, 65536), (t.PORT, True), (t.PORT, "80 "), (t.PORT, 80.0),
    (t.Duration(), "0s"), (t.Duration(), "2 s"), (t.Duration(), "2s\n"), (t.Duration(), "-1s"),
    (t.UriPath(), "healthz"), (t.UriPath(), "/a b"), (t.UriPath(), "/a#b"), (t.UriPath(), "/%zz"), (t.UriPath(), '/"'),
    (t.UriPath(), "/a\\b"), (t.UriPath(), "/${HOME}"),
    (t.PortRange(), "32767-30000"), (t.PortRange(), "0-10"), (t.PortRange(), "1-70000"), (t.PortRange(), True),
    (t.FilePath(), "relative/path"), (t.FilePath(), "/a b"), (t.FilePath(), "/etc/../shadow"), (t.FilePath(), "/a'"),
    (t.Url(), "ftp://x"), (t.Url(), "http://x y"), (t.Url(), "http://-bad-/"), (t.Url(), "http://x/#frag"),
    (t.OneOf("required", "none"), "none verify"), (t.OneOf(301), True), (t.Boolean(), "maybe"), (t.Boolean(), 1),
    (t.ConfigLine(), "a\nb"), (t.ConfigLine(), "backend evil"), (t.ConfigLine(), "  "), (t.ConfigLine(), "x\u2028y"),
    (t.AnyText(), ""), (t.AnyText(), ["x"]),
])
def test_kinds_refuse(kind, bad):
    with pytest.raises(t.Refused):
        kind.check(bad)


def test_a_refusal_is_one_sentence_naming_the_variable_path_and_the_value():
    clusters = [CHAPTER_CLUSTERS[0], dict(CHAPTER_CLUSTERS[1], nodes=[
        {"name": "node04", "address": "192.168.1.104\n    server evil 203.0.113.66:443"}])]
    result = check(role_variables(haproxy_clusters=clusters))
    assert result["problems"] == [
        "haproxy_clusters[1].nodes[0].address='192.168.1.104\\n    server evil 203.0.113.66:443' "
        "is not an IP address or DNS name."]
    assert result["config"] == {} and result["message"] == result["problems"][0]


def test_every_problem_at_once_and_secrets_never_shown():
    result = check(role_variables(
        haproxy_clusters=[dict(CHAPTER_CLUSTERS[0], verify_host="x verify none", health_check={"port": 70000})],
        haproxy_certificates=[{"name": "star", "cert": "c", "key": ["-----BEGIN secret"]}],
        haproxy_balance="roundrobin\n    server x 1.2.3.4:80", haproxy_frontend_address="0.0.0.0\n"))
    assert result["message"].startswith("5 problems found: (1) ")
    assert "haproxy_clusters[0].verify_host='x verify none' is not a DNS host name." in result["problems"]
    assert "haproxy_clusters[0].health_check.port=70000 is not a port from 1 to 65535." in result["problems"]
    assert "haproxy_certificates[0].key='<secret, not shown>' is not a non-empty string." in result["problems"]
    assert "secret" not in result["message"].replace("<secret, not shown>", "")


@pytest.mark.parametrize("mode", ["never", "safe", "aggressive", "always"])
def test_http_reuse_takes_the_four_haproxy_modes(mode):
    result = check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_http_reuse=mode))
    assert result["problems"] == [] and result["config"]["http_reuse"] == mode


@pytest.mark.parametrize("bad", ["Always", "aggressive\n    server x 1.2.3.4:80", "", True, 1, ["safe"]])
def test_http_reuse_refuses_anything_else_in_one_sentence(bad):
    assert problems_of(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_http_reuse=bad) == [
        "haproxy_http_reuse=%r is not one of never, safe, aggressive, always." % (bad,)]


@pytest.mark.parametrize("bad", ["0s", "30 s", "30s\n    server x 1.2.3.4:80", "-5s", True, ""])
def test_pool_purge_delay_is_a_duration(bad):
    assert problems_of(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_pool_purge_delay=bad) == [
        "haproxy_pool_purge_delay=%r is not a duration such as 500ms, 2s or 1m." % (bad,)]
    assert check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_pool_purge_delay=45))["config"][
        "pool_purge_delay"] == "45"


def test_unknown_and_removed_options_are_named():
    result = check(role_variables(haproxy_clusters=[dict(CHAPTER_CLUSTERS[0], check_host="dev.example.com",
                                                         vip="10.0.0.1")]))
    assert result["problems"] == [
        "haproxy_clusters[0].check_host='dev.example.com' was replaced by health_check.host (checks send no "
        "application host name by default).",
        "haproxy_clusters[0].vip='10.0.0.1' is not an option here (known: %s)." % ", ".join(
            sorted(role_input.CLUSTER.fields))]


def test_names_hosts_and_default_cluster_cross_checks():
    duplicate = dict(CHAPTER_CLUSTERS[1], name="rke-cluster-npd", hostnames=["example.com", "dev.example.com"])
    problems = problems_of(haproxy_clusters=[CHAPTER_CLUSTERS[0], duplicate], haproxy_default_cluster="rke-cluster-qas")
    assert problems == [
        "haproxy_clusters[1].name='rke-cluster-npd' is already the name of haproxy_clusters[0].",
        "haproxy_clusters[1].hostnames[1]='dev.example.com' is already routed to cluster 'rke-cluster-npd'.",
        "haproxy_default_cluster='rke-cluster-qas' is not one of the clusters ('rke-cluster-npd', 'rke-cluster-npd')."]
    assert problems_of(haproxy_clusters=[]) == [
        "haproxy_clusters=[] is empty: describe at least one cluster with name and nodes."]
    node_twice = dict(CHAPTER_CLUSTERS[1], nodes=[{"name": "node01", "address": "10.0.0.9"}])
    assert problems_of(haproxy_clusters=[CHAPTER_CLUSTERS[0], node_twice]) == [
        "haproxy_clusters[1].nodes[0].name='node01' is already a node name in cluster 'rke-cluster-npd'."]


def test_http_mode_needs_host_names_and_refuses_node_ports():
    cluster = {"name": "a", "nodes": [{"name": "n1", "address": "10.0.0.1"}], "node_ports": [31001]}
    assert problems_of(haproxy_clusters=[cluster]) == [
        "haproxy_clusters[0].hostnames=[] is empty, and HTTP mode routes by host name.",
        "haproxy_clusters[0].node_ports=['31001'] needs haproxy_mode tcp (HTTP mode publishes 80 and 443 only)."]


def test_tcp_mode_refuses_two_clusters_on_one_front_address():
    problems = problems_of(haproxy_mode="tcp", haproxy_clusters=tcp_clusters("127.0.3.10", "127.0.3.10"))
    assert len(problems) == 1
    assert problems[0].startswith(
        "haproxy_clusters[1].frontend_address='127.0.3.10' is the front address of clusters 'rke-cluster-npd', "
        "'rke-cluster-prd': plain TCP on port 80 cannot be routed by name")
    # The same through the role-wide address, and a wildcard next to a cluster's own address.
    assert problems_of(haproxy_mode="tcp", haproxy_clusters=CHAPTER_CLUSTERS, haproxy_frontend_address="127.0.3.10")[0] \
        .startswith("haproxy_frontend_address='127.0.3.10' is the front address of clusters")
    wildcard = problems_of(haproxy_mode="tcp", haproxy_clusters=[tcp_clusters("127.0.3.10")[0], CHAPTER_CLUSTERS[1]])
    assert wildcard[0].startswith("haproxy_frontend_address='' means all addresses for cluster 'rke-cluster-prd'")


def test_tcp_sni_routing_is_an_explicit_choice_with_a_default_cluster():
    shared = dict(haproxy_mode="tcp", haproxy_clusters=CHAPTER_CLUSTERS, haproxy_frontend_address="127.0.3.10",
                  haproxy_tcp_sni_routing=True)
    assert problems_of(**shared)[0].startswith("haproxy_default_cluster='' is not one of the clusters")
    assert problems_of(haproxy_default_cluster="rke-cluster-prd", **shared) == []
    no_names = [CHAPTER_CLUSTERS[0], dict(CHAPTER_CLUSTERS[1], hostnames=[])]
    unnamed = {**shared, "haproxy_clusters": no_names, "haproxy_default_cluster": "rke-cluster-npd"}
    assert problems_of(**unnamed) == [
        "haproxy_clusters[1].hostnames=[] is empty, so SNI routing on '127.0.3.10' would never send this cluster "
        "traffic."]


def test_listeners_that_overlap_are_refused():
    clusters = tcp_clusters("127.0.3.10", "127.0.3.20")
    clusters[1]["node_ports"] = ["30000-32767", "31001", "400-500"]
    problems = problems_of(haproxy_mode="tcp", haproxy_clusters=clusters)
    assert problems == [
        "haproxy_clusters[1].node_ports[2]='400-500' overlaps haproxy_https_port (443) on front address "
        "'127.0.3.20': one listener would take the other's traffic.",
        "haproxy_clusters[1].node_ports[1]='31001' overlaps haproxy_clusters[1].node_ports[0] (30000-32767) on "
        "front address '127.0.3.20': one listener would take the other's traffic."]
    assert problems_of(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_prometheus_enabled=True,
                       haproxy_prometheus_port=80, haproxy_prometheus_address="127.0.0.1") == [
        "haproxy_prometheus_port=80 overlaps haproxy_http_port (80) on front address '127.0.0.1': one listener "
        "would take the other's traffic."]


def test_node_ports_warn_and_refuse_ipv6_nodes():
    clusters = tcp_clusters("127.0.3.10", "127.0.3.20")
    clusters[1] = dict(clusters[1], node_ports=[31001], nodes=[{"name": "v6", "address": "2001:db8::4"}])
    result = check(role_variables(haproxy_mode="tcp", haproxy_clusters=clusters))
    assert result["problems"] == [
        "haproxy_clusters[1].nodes[0].address='2001:db8::4' is an IPv6 address, which node_ports cannot pass "
        "through (HAProxy reads the last colon as the port); use an IPv4 address or a DNS name."]
    assert "internal ones too" in result["warnings"][0]


def test_install_method_rules():
    assert problems_of(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_install_method="source") == [
        "haproxy_source_checksum='' is required to download the tarball (or set haproxy_source_tarball)."]
    result = check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_install_method="repository"), "Rocky")
    assert result["problems"] == [
        "haproxy_install_method='repository' knows no repository for Rocky: set haproxy_repository_url, "
        "haproxy_repository_suite and haproxy_repository_key_url."]
    hostile = role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_install_method="repository")
    hostile["haproxy_repository_defaults"]["Debian"]["suite"] = "bookworm\nURIs: http://evil"
    assert check(hostile)["problems"] == [
        "haproxy_repository_defaults.Debian.suite='bookworm\\nURIs: http://evil' is not an apt suite name."]


def test_model_resolves_each_cluster_and_leaves_private_keys_out():
    cluster = dict(CHAPTER_CLUSTERS[0], backend_tls=False, balance="leastconn", health_check={"path": "/ping"})
    result = check(role_variables(haproxy_clusters=[cluster], haproxy_certificates=[
        {"name": "star.example.com", "cert": "CERT", "key": "KEY"}], haproxy_check_interval="1s"))
    config = result["config"]
    assert config["check_interval"] == "1s" and config["binary"] == "/usr/sbin/haproxy"
    effective = config["clusters"][0]
    assert (effective["backend_port"], effective["balance"], effective["verify"]) == (80, "leastconn", "required")
    assert effective["check"] == {"port": 80, "path": "/ping", "host": "", "status": 200, "tls": False,
                                  "version": "HTTP/1.0", "sni": ""}
    assert config["certificates"] == [{"name": "star.example.com", "cert": "CERT", "chain": None, "ca": None,
                                       "hosts": None, "allow_self_signed": None, "rsa": None}]
    assert "KEY" not in repr(result)


def test_values_from_templating_are_read_like_yaml_values():
    """Jinja gives strings where YAML gave numbers and booleans: both are read the same."""
    result = check(role_variables(haproxy_clusters=CHAPTER_CLUSTERS, haproxy_http_port="8080",
                                  haproxy_backend_tls="false", haproxy_redirect_code="308"))
    assert (result["config"]["http_port"], result["config"]["backend_tls"], result["config"]["redirect_code"]) == \
        (8080, False, 308)
