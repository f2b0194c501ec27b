# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile strings in every haproxy role variable: refused, or in the config as the one token intended.

Each case takes a complete, valid input (three of them: HTTP mode with the repository method, TCP mode
with a front address per cluster and NodePorts, TCP mode with SNI routing of a shared address),
replaces ONE value anywhere in it (every leaf of every variable, every list entry, dict key and
container) with a hostile value (newlines, '#', quotes, backslashes, braces, spaces, HAProxy
keywords glued to a valid value, arbitrary unicode, wrong types), and runs the role's input check.

- Refused: the check gave sentences, and never raised.
- Accepted: the role's templates are rendered from the model, exactly as tasks/configure.yml does, and
  every line must keep the shape it has with a benign value of the same kind (keyword, number of
  tokens, number of '#', quote, backslash and brace characters). A raw ``*_extra`` line or the
  bind-option words may only change their own line. Every string in the model must be free of
  whitespace and HAProxy syntax characters, except those few. A difference counts as an injection
  that reached the config.

Two tests: a deterministic sweep (every position x every payload of SWEEP_PAYLOADS, glued after and
inside the valid value) and a Hypothesis search (any base, position and value). Counts over both:
``role_input_cases`` (cases run) and ``injections_reaching_config`` (target 0) are written as JSON to
$KUBE_EDGE_FUZZ_REPORT when it is set. $KUBE_EDGE_FUZZ_EXAMPLES sets the number of Hypothesis cases
(default 400, derandomized; a set value also randomizes them).
"""

from __future__ import annotations

import copy
import json
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_input
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_types as t
from ansible_collections.kube_edge.lb.tests.unit.roles.haproxy.rendering import check, render, role_variables

EXAMPLES = int(os.environ.get("KUBE_EDGE_FUZZ_EXAMPLES") or 400)

# Fragments that would change haproxy.cfg (or the apt source, or the unit) if they got through.
PAYLOADS = [
    "\n    server evil 203.0.113.66:443", "\r\nuse_backend be_evil if TRUE", " verify none", "\nbackend be_evil",
    " # hidden", "#", '"', "'", "\\", "{", "}", "${HOME}", "\t", "\x00", "\u2028", "\x85", " ", ";", "%[src]",
    "/../etc", ":80", "\n", " if TRUE", "\nURIs: http://203.0.113.66", "\nExecStartPre=/bin/sh -c id",
    " ssl-min-ver TLSv1.0", "\u00a0", "\x0b", "\x1b[31m"]
# Strings that are not rendered into any file (module arguments, PEM content) or are raw lines by design.
UNRENDERED = {"source_tarball", "source_make_args"}
RAW_LINES = {"global_extra", "defaults_extra"}
SYNTAX = re.compile(r"[\s#\"'\\{}$\x00-\x1f\x7f]")
STRING_KINDS = (t.Text, t.Address, t.Duration, t.Url, t.AnyText)


def _clusters(tcp):
    clusters = []
    for index, (name, host) in enumerate([("rke-cluster-npd", "dev.example.com"), ("rke-cluster-prd", "example.com")]):
        cluster = {
            "name": name, "hostnames": [host, "www." + host],
            "nodes": [{"name": "node%d1" % index, "address": "192.0.2.1%d" % index},
                      {"name": "node%d2" % index, "address": "node%d2.cluster.local" % index}],
            "frontend_address": "192.0.2.%d" % (100 + index), "verify": "required", "ca_file": "/etc/ssl/ca.pem",
            "verify_host": "ingress.local", "backend_tls": True, "backend_port": 443, "http_port": 80,
            "https_port": 443, "balance": "roundrobin", "proxy_protocol": True,
            "health_check": {"port": 8080, "path": "/ping", "host": "health.example.com", "status": 200, "tls": True}}
        if tcp:
            cluster["node_ports"] = ["30000-30100", 31001]
        clusters.append(cluster)
    return clusters


COMMON = dict(
    haproxy_repository_url="http://192.0.2.5:8080/debian", haproxy_repository_suite="bookworm-backports-3.2",
    haproxy_repository_key_url="https://keys.example.com/haproxy.asc", haproxy_source_url="https://example.com/h.tgz",
    haproxy_source_checksum="sha256:" + "0" * 64, haproxy_source_tarball="/tmp/haproxy.tar.gz",
    haproxy_source_features=["OPENSSL"], haproxy_source_make_args={"CPU": "native"},
    haproxy_source_build_packages=["gcc"], haproxy_health_check_host="health.example.com",
    haproxy_global_extra=["tune.ssl.cachesize 100000"], haproxy_defaults_extra=["option log-health-checks"],
    haproxy_prometheus_enabled=True, haproxy_nbthread=2, haproxy_default_cluster="rke-cluster-prd",
    haproxy_certificates=[{"name": "star.example.com", "cert": "CERT", "key": "KEY", "chain": "CHAIN", "ca": "CA",
                           "hosts": ["*.example.com"], "allow_self_signed": True}])
SHARED_TCP = _clusters(tcp=True)
for _cluster in SHARED_TCP:
    _cluster.pop("frontend_address")
    _cluster["node_ports"] = [] if _cluster["name"].endswith("npd") else ["31001"]
BASES = {
    "http": role_variables(haproxy_mode="http", haproxy_install_method="repository", haproxy_frontend_address="192.0.2.10",
                           haproxy_clusters=_clusters(tcp=False), **COMMON),
    "tcp": role_variables(haproxy_mode="tcp", haproxy_install_method="source", haproxy_clusters=_clusters(tcp=True),
                          **COMMON),
    "tcp_sni": role_variables(haproxy_mode="tcp", haproxy_install_method="package", haproxy_frontend_address="192.0.2.10",
                              haproxy_tcp_sni_routing=True, haproxy_clusters=SHARED_TCP, **COMMON),
}


def leaves(kind, value, path):
    """(path, kind, is_key) of every value position in ``value``; containers are positions too."""
    found = [(path, kind, False)]
    if isinstance(kind, t.ListOf):
        for index, item in enumerate(value):
            found += leaves(kind.item, item, path + (index,))
    elif isinstance(kind, t.Record):
        for name, field in kind.fields.items():
            if name in value:
                found += leaves(field, value[name], path + (name,))
    elif isinstance(kind, t.MapOf):
        for key, item in value.items():
            found += [(path + (key,), kind.key, True)] + leaves(kind.value, item, path + (key,))
    return found


LEAVES = {name: [leaf for variable, kind in role_input.ROLE_VARIABLES.items()
                 for leaf in leaves(kind, base[variable], (variable,))] for name, base in BASES.items()}
LEAVES["http"].append((("haproxy_repository_defaults", "Debian", "suite"), role_input.REPOSITORY_DEFAULTS.fields["suite"],
                       False))


def replaced(base, path, value, is_key):
    variables = copy.deepcopy(base)
    parent = variables
    for step in path[:-1]:
        parent = parent[step]
    if is_key:
        parent[value] = parent.pop(path[-1])
    else:
        parent[path[-1]] = value
    return variables


def original_of(base, path):
    value = base
    for step in path:
        value = value[step]
    return value


def hostile(original):
    text = str(original) if isinstance(original, (str, int)) and not isinstance(original, bool) else "x"
    payload = st.sampled_from(PAYLOADS)
    return st.one_of(
        payload,
        st.builds(lambda glue, front: text + glue if front else glue + text, payload, st.booleans()),
        st.builds(lambda at, glue: text[:at] + glue + text[at:], st.integers(0, len(text)), payload),
        st.builds(lambda glue: text.upper() + glue + text, payload),
        st.text(max_size=30),
        st.text(alphabet=st.characters(codec="ascii"), max_size=30),
        st.integers(-10, 100000), st.booleans(), st.none(), st.floats(allow_nan=True),
        st.lists(st.text(max_size=5), max_size=2), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))


def templates_for(config):
    names = ["haproxy.cfg.j2", "haproxy-override.conf.j2"]
    names += {"source": ["haproxy.service.j2"], "repository": ["haproxy.sources.j2", "haproxy.pref.j2"]}.get(
        config["install_method"], [])
    return {name: render(config, name) for name in names}


def shape(line):
    words = line.split()
    return (words[0] if words else "", len(words), tuple(line.count(char) for char in "#\"'\\{}"), line.count("\n"))


def difference(benign, tested, free_line=None):
    """Why ``tested`` does not have the shape of ``benign`` ('' when it has); ``free_line`` may differ in one line."""
    for name, text in benign.items():
        lines, other = text.split("\n"), tested[name].split("\n")
        if len(lines) != len(other):
            return "%s: %d lines instead of %d" % (name, len(other), len(lines))
        changed = [(a, b) for a, b in zip(lines, other) if shape(a) != shape(b)]
        if free_line is not None and len(changed) == 1 and changed[0][1].strip().endswith(free_line):
            continue
        if changed:
            return "%s: %r instead of %r" % (name, changed[0][1], changed[0][0])
    return ""


def syntax_in_model(config, path=()):
    """The first string of the model (outside raw lines and unrendered values) holding a syntax character."""
    if isinstance(config, dict):
        items = config.items()
    elif isinstance(config, list):
        items = enumerate(config)
    else:
        return path if isinstance(config, str) and SYNTAX.search(config) else None
    for key, value in items:
        if path == () and key in UNRENDERED | RAW_LINES | {"ssl_bind_options"}:
            continue
        if path[:1] == ("certificates",) and key in ("cert", "chain", "ca"):
            continue
        found = syntax_in_model(value, path + (key,))
        if found:
            return found
    return None


def normalised(kind, value):
    """(accepted, normalised value) of ``value`` as ``kind`` alone, containers included."""
    problems = Problems()
    clean = role_input.walk(kind, value, "value", problems)
    return not problems, clean


COUNTS = {"role_input_cases": 0, "refused": 0, "accepted": 0, "injections_reaching_config": 0}
INJECTIONS = []
BENIGN = {name: templates_for(check(base)["config"]) for name, base in BASES.items()}
# The payloads every position meets in the sweep (glued after and inside its valid value).
SWEEP_PAYLOADS = ["\n    server evil 203.0.113.66:443", "\r\nbackend be_evil", " verify none", " # hidden", '"',
                  "\\", "{", "\u2028"]


def benign_value(kind, clean, value):
    """An input of the same kind as the accepted ``value`` that certainly is benign."""
    if isinstance(kind, t.PortRange):
        return "%d-%d" % tuple(clean)
    if isinstance(kind, (t.ListOf, t.Record, t.MapOf)):
        return value  # its entries are fuzzed one by one
    return clean


def run_case(base_name, path, kind, is_key, value):
    """One hostile value at one position: refused with sentences, or rendered with the intended shape."""
    base = BASES[base_name]
    result = check(replaced(base, path, value, is_key))  # never raises
    COUNTS["role_input_cases"] += 1
    if result["problems"]:
        COUNTS["refused"] += 1
        assert result["config"] == {}
        assert all(problem.startswith("haproxy_") and problem.endswith(".") for problem in result["problems"])
        return
    COUNTS["accepted"] += 1
    config = result["config"]
    ok, clean = normalised(kind, value)
    if is_key or (ok and isinstance(kind, STRING_KINDS + (t.ConfigLine, t.Words)) and clean not in ("", None)):
        benign = BENIGN[base_name]  # the same kind of token (or line): the base's own value
    else:  # numbers, booleans, choices, port ranges, containers, empty or absent values
        benign_result = check(replaced(base, path, benign_value(kind, clean, value), False))
        assert benign_result["problems"] == [], (path, value, benign_result["message"])
        benign = templates_for(benign_result["config"])
    free_line = clean if isinstance(kind, (t.ConfigLine, t.Words)) and ok else None
    problem = difference(benign, templates_for(config), free_line)
    if not problem and syntax_in_model(config):
        problem = "syntax character in the model at %r" % (syntax_in_model(config),)
    if problem:
        COUNTS["injections_reaching_config"] += 1
        INJECTIONS.append("%s <- %r: %s" % (".".join(map(str, path)), value, problem))


def write_report():
    report = os.environ.get("KUBE_EDGE_FUZZ_REPORT")
    if report:
        with open(report, "w") as handle:
            json.dump({"role_input_cases": COUNTS["role_input_cases"],
                       "injections_reaching_config": COUNTS["injections_reaching_config"],
                       "role_input_refused": COUNTS["refused"], "role_input_accepted": COUNTS["accepted"]}, handle)


def test_sweep_every_position_with_every_payload():
    """Deterministic: each position of each base meets each payload, glued after and inside its value."""
    for base_name in sorted(BASES):
        for path, kind, is_key in LEAVES[base_name]:
            text = path[-1] if is_key else original_of(BASES[base_name], path)
            text = str(text) if isinstance(text, (str, int)) and not isinstance(text, bool) else "x"
            for payload in SWEEP_PAYLOADS:
                for value in (text + payload, text[:1] + payload + text[1:]):
                    run_case(base_name, path, kind, is_key, value)
    write_report()
    assert COUNTS["injections_reaching_config"] == 0, INJECTIONS[:10]


def test_no_hostile_value_reaches_the_config():
    """Random: Hypothesis picks the base, the position and the hostile value (any type, any text)."""
    before = COUNTS["role_input_cases"]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize=not os.environ.get("KUBE_EDGE_FUZZ_EXAMPLES"), suppress_health_check=list(HealthCheck))
    @given(st.data())
    def case(data):
        base_name = data.draw(st.sampled_from(sorted(BASES)))
        path, kind, is_key = data.draw(st.sampled_from(LEAVES[base_name]))
        value = data.draw(hostile(path[-1] if is_key else original_of(BASES[base_name], path)))
        run_case(base_name, path, kind, is_key, str(value) if is_key else value)

    case()
    write_report()
    assert COUNTS["role_input_cases"] - before >= EXAMPLES
    assert COUNTS["refused"] > 0 and COUNTS["accepted"] > 0
    assert COUNTS["injections_reaching_config"] == 0, INJECTIONS[:10]


def test_every_variable_is_fuzzed():
    """No variable (and no option of a cluster, node, health check or certificate) escapes the fuzzing."""
    fuzzed = {path[0] for leaves_of_base in LEAVES.values() for path, _kind, _key in leaves_of_base}
    assert fuzzed >= set(role_input.ROLE_VARIABLES)
    cluster_fields = {path[2] for path, _kind, _key in LEAVES["tcp"] if path[0] == "haproxy_clusters" and len(path) > 2}
    assert cluster_fields == set(role_input.CLUSTER.fields)
