# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret rendering, spec.tls merging, the host-hijack guard and module runs against the Kubernetes API emulator."""

from __future__ import annotations

import base64
import copy
import json
import os
import stat

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import ingress as ing
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import ingress_objects as objs
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import ingress_params
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import bundle as tls
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import fingerprint
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import Pki, key_pem, pem

CHAPTER_RULES = [
    {"host": "foo.bar.com", "paths": [{"path": "/", "path_type": "Prefix", "service": "service1", "port": 80}]},
    {"host": "*.bar.com", "paths": [{"path": "/", "path_type": "Prefix", "service": "service2", "port": 80}]},
]


class Cluster:
    """The in-process Kubernetes API emulator seen through the module's own KubeClient."""

    def __init__(self, emulator, kubeconfig, objects=()):
        self.emulator = emulator
        self.kubeconfig = kubeconfig
        for obj in objects:
            self.put(obj)
        emulator.clear_requests()

    def put(self, obj):
        obj = copy.deepcopy(obj)
        namespace = obj["metadata"].get("namespace")
        if namespace and self.stored("namespaces", None, namespace) is None:
            self.emulator.store.put_object("v1", "namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                                "metadata": {"name": namespace}})
        with self.emulator.store.lock:
            self.emulator.store.put_object(obj["apiVersion"], PLURALS[obj["kind"]], obj)

    def client(self, check_mode=False):
        return KubeClient.from_params({"kubeconfig": self.kubeconfig}, check_mode=check_mode)

    def stored(self, plural, namespace, name):
        group = "networking.k8s.io" if plural == "ingresses" else ""
        with self.emulator.store.lock:
            return copy.deepcopy(self.emulator.store.objects.get((group, plural, namespace, name)))

    def requests(self):
        return [(entry["method"], entry["path"]) for entry in self.emulator.requests()]

    @property
    def writes(self):
        return [(method, path) for method, path in self.requests() if method != "GET"]

    def clear(self):
        self.emulator.clear_requests()


PLURALS = {"Secret": "secrets", "Ingress": "ingresses"}
SECRETS = "/api/v1/namespaces/default/secrets"
INGRESSES = "/apis/networking.k8s.io/v1/namespaces/default/ingresses"


@pytest.fixture()
def cluster(k8s_emulator, kubeconfig):
    return Cluster(k8s_emulator, kubeconfig)


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture(autouse=True)
def trusted_root(pki, monkeypatch):
    """The test root stands in for the system trust store."""
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])


@pytest.fixture(scope="module")
def material(pki):
    cert, key = pki.leaf()
    return {"cert": pem(cert, pki.intermediate), "key": key_pem(key), "ca": pem(pki.root), "leaf": cert, "key_obj": key}


def params(material, **extra):
    base = dict((name, spec.get("default")) for name, spec in ing.OPTIONS.items())
    base.update(name="test-tls", certificate=material["cert"], private_key=material["key"], ingress="web",
                ingress_class="nginx", rules=CHAPTER_RULES)
    base.update(extra)
    return base


def ingress_obj(name, namespace="default", hosts=("foo.bar.com",), ingress_class="nginx", tls_entries=None, path="/"):
    spec = {"rules": [{"host": h, "http": {"paths": [{"path": path, "pathType": "Prefix", "backend": {
        "service": {"name": "svc", "port": {"number": 80}}}}]}} for h in hosts]}
    if ingress_class:
        spec["ingressClassName"] = ingress_class
    if tls_entries is not None:
        spec["tls"] = tls_entries
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": namespace},
            "spec": spec}


def run(cluster, material, check_mode=False, **extra):
    return ing.IngressTls(cluster.client(check_mode), params(material, **extra), check_mode=check_mode).run()


# -- pure parts ------------------------------------------------------------------------------------

def test_render_secret_full_chain_and_ca(pki, material):
    bundle = tls.check_bundle(material["cert"], material["key"], ca=material["ca"], hosts=["foo.bar.com"])
    secret = objs.render_secret("test-tls", "default", bundle)
    assert secret["type"] == "kubernetes.io/tls"
    assert base64.b64decode(secret["data"]["tls.crt"]).decode() == material["cert"]
    assert base64.b64decode(secret["data"]["ca.crt"]).decode() == material["ca"]
    assert secret["metadata"]["labels"] == {objs.MANAGED_BY_LABEL: objs.MANAGED_BY}
    summary = json.dumps(objs.secret_summary(secret))
    assert "PRIVATE" not in summary and secret["data"]["tls.key"][:20] not in summary
    assert fingerprint(material["leaf"]) in summary


def test_same_content_ignores_encoding(material):
    bundle = tls.check_bundle(material["cert"], material["key"], hosts=["foo.bar.com"])
    desired = objs.render_secret("s", "default", bundle)
    live = copy.deepcopy(desired)
    # kubectl-style Secret: traditional (SEC1) key encoding, no trailing newline
    live["data"]["tls.key"] = objs.b64(key_pem(material["key_obj"], fmt="traditional").encode())
    live["data"]["tls.crt"] = objs.b64(material["cert"].rstrip().encode())
    assert objs.same_content(live, desired)
    assert objs.secret_patch(live, desired) == {}
    live["metadata"]["labels"] = {"team": "web"}
    assert objs.secret_patch(live, desired) == {"metadata": {"labels": {objs.MANAGED_BY_LABEL: objs.MANAGED_BY}}}
    live["data"]["ca.crt"] = desired["data"]["tls.crt"]
    assert objs.secret_patch(live, desired)["data"]["ca.crt"] is None


def test_render_rules_chapter_example():
    catch_all = {"host": None, "paths": [{"path": "/x", "path_type": "Exact", "service": "s", "port": "http"}]}
    rules = objs.render_rules(CHAPTER_RULES + [catch_all])
    assert rules[0] == {"host": "foo.bar.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
        "service": {"name": "service1", "port": {"number": 80}}}}]}}
    assert rules[1]["host"] == "*.bar.com"
    assert "host" not in rules[2] and rules[2]["http"]["paths"][0]["backend"]["service"]["port"] == {"name": "http"}


def test_merge_rules_keeps_others_and_replaces_same_path():
    live = ingress_obj("web", hosts=("foo.bar.com", "other.com"))["spec"]["rules"]
    merged = objs.merge_rules(live, objs.render_rules(CHAPTER_RULES))
    assert [r["host"] for r in merged] == ["foo.bar.com", "other.com", "*.bar.com"]
    assert merged[0]["http"]["paths"][0]["backend"]["service"]["name"] == "service1"
    assert objs.merge_rules(merged, objs.render_rules(CHAPTER_RULES)) == merged


def test_annotation_values_must_be_strings():
    """Before: null and [1] were sent as the strings "None" and "[1]"."""
    problems = Problems()
    objs.check_annotations({"a": None, "b": [1], "c": True, "d": "x", "bad key!": "y"}, problems)
    assert problems.messages == [
        "annotations['a']=None must be a string; quote it in YAML.",
        "annotations['b']=[1] must be a string; quote it in YAML.",
        "annotations['c']=True must be a string; quote it in YAML (\"true\").",
        "annotations['bad key!']='y' has a key that is not a qualified name ([DNS-subdomain prefix/]name of at "
        "most 63 characters).",
    ]


def test_merge_tls_without_clobbering():
    others = [{"hosts": ["a.com"], "secretName": "a-tls"}]
    entries, problems = objs.merge_tls(others, "test-tls", ["foo.bar.com"])
    assert entries == others + [{"hosts": ["foo.bar.com"], "secretName": "test-tls"}] and not problems
    again = objs.merge_tls(entries, "test-tls", ["foo.bar.com"])[0]
    assert again == entries


def test_merge_tls_conflict_needs_force():
    live = [{"hosts": ["foo.bar.com"], "secretName": "old-tls"}, {"hosts": ["x.com", "foo.bar.com"], "secretName": "x"}]
    problems = objs.merge_tls(live, "test-tls", ["foo.bar.com"])[1]
    assert len(problems) == 2 and "force=true" in problems[0]
    entries, problems = objs.merge_tls(live, "test-tls", ["foo.bar.com"], force=True)
    assert not problems
    assert entries == [{"hosts": ["x.com"], "secretName": "x"}, {"hosts": ["foo.bar.com"], "secretName": "test-tls"}]


def test_find_conflicts():
    spec = {"rules": objs.render_rules(CHAPTER_RULES)}
    others = [
        ingress_obj("thief", namespace="evil", hosts=("foo.bar.com",)),                       # same host+path
        ingress_obj("other-class", namespace="evil", hosts=("foo.bar.com",), ingress_class="traefik"),
        ingress_obj("no-class", namespace="evil", hosts=("foo.bar.com",), ingress_class=None, path="/api"),
        ingress_obj("tls-holder", namespace="evil", hosts=("z.com",),
                    tls_entries=[{"hosts": ["foo.bar.com"], "secretName": "stolen"}]),
        ingress_obj("sharer", namespace="default", hosts=("y.com",),
                    tls_entries=[{"hosts": ["foo.bar.com"], "secretName": "test-tls"}]),  # same Secret: fine
        ingress_obj("web", namespace="default", hosts=("foo.bar.com",)),                  # ourselves
    ]
    messages = objs.find_conflicts("default", "web", "nginx", spec, "test-tls", ["foo.bar.com"], others)
    assert messages == [
        "host 'foo.bar.com' is already served by Ingress evil/thief, in another namespace (any path there counts).",
        "host 'foo.bar.com' is already served by Ingress evil/no-class, in another namespace (any path there counts).",
        "host 'foo.bar.com' is already served by Ingress evil/tls-holder, in another namespace (any path there counts).",
    ]


def test_find_conflicts_same_namespace_and_wildcards():
    spec = {"rules": objs.render_rules(CHAPTER_RULES)}
    others = [
        ingress_obj("neighbour", hosts=("foo.bar.com",), path="/api"),        # same namespace, other path: fine
        ingress_obj("clash", hosts=("foo.bar.com",)),                         # same namespace, same path
        ingress_obj("holder", hosts=("z.com",), tls_entries=[{"hosts": ["foo.bar.com"], "secretName": "x"}]),
        ingress_obj("under-our-wildcard", namespace="evil", hosts=("shop.bar.com",)),
        ingress_obj("their-wildcard", namespace="evil", hosts=("*.foo.bar.com", "other.org")),
    ]
    messages = objs.find_conflicts("default", "web", "nginx", spec, "test-tls", ["foo.bar.com", "*.bar.com"], others)
    assert messages == [
        "host 'foo.bar.com' path '/' is already claimed by Ingress default/clash.",
        "host 'foo.bar.com' already has a TLS section in Ingress default/holder with Secret default/x.",
        "host 'shop.bar.com' is already served by Ingress evil/under-our-wildcard, in another namespace (any path "
        "there counts).",
    ]


@pytest.mark.parametrize("field, value, fragment", [
    ("hosts", ["10.0.0.1"], "hosts[0]='10.0.0.1' is not a valid Ingress host"),
    ("hosts", ["a.*.com"], "is not a valid Ingress host"),
    ("name", "Bad_Name", "name='Bad_Name' is not a valid Secret name"),
    ("rules", [{"host": "a.com", "paths": [{"path": "a//b", "path_type": "Prefix", "service": "s", "port": 80}]}],
     "rules[0].paths[0].path='a//b'"),
    ("rules", [{"host": "a.com", "paths": [{"path": "/", "path_type": "Prefix", "service": "s", "port": 70000}]}],
     "must be between 1 and 65535"),
])
def test_validate_params(material, field, value, fragment):
    problems = Problems()
    ingress_params.validate_params(params(material, **{field: value}), problems)
    assert fragment in " ".join(problems.messages)


# -- one run ---------------------------------------------------------------------------------------

def test_create_then_noop(cluster, material):
    result = run(cluster, material)
    assert result["changed"]
    assert cluster.writes == [("POST", SECRETS), ("POST", INGRESSES)]
    stored = cluster.stored("ingresses", "default", "web")
    assert stored["spec"]["tls"] == [{"hosts": ["foo.bar.com", "*.bar.com"], "secretName": "test-tls"}]
    assert stored["spec"]["ingressClassName"] == "nginx"
    cluster.clear()
    result = run(cluster, material)
    assert not result["changed"]
    # one LIST of Ingresses across namespaces, one GET of the Secret, no write
    assert cluster.requests() == [("GET", "/apis/networking.k8s.io/v1/ingresses"), ("GET", SECRETS + "/test-tls")]
    assert result["certificate"]["subject"] == "CN=foo.bar.com"


def test_attach_to_existing_ingress_keeps_other_tls(cluster, material):
    cluster.put(ingress_obj("web", hosts=("foo.bar.com", "a.com"), tls_entries=[{"hosts": ["a.com"], "secretName": "a"}]))
    result = run(cluster, material, rules=None, hosts=["foo.bar.com"])
    assert cluster.writes == [("POST", SECRETS), ("PATCH", INGRESSES + "/web")]
    assert cluster.stored("ingresses", "default", "web")["spec"]["tls"] == [
        {"hosts": ["a.com"], "secretName": "a"}, {"hosts": ["foo.bar.com"], "secretName": "test-tls"}]
    assert "ingress default/web" in result["diff"]["after"]


def test_hosts_default_to_rule_hosts_and_must_be_covered(cluster, material):
    cluster.put(ingress_obj("web", hosts=("foo.bar.com", "qa1.api.bar.com")))
    with pytest.raises(ValidationError, match="host 'qa1.api.bar.com' is not covered"):
        run(cluster, material, rules=None)
    assert cluster.writes == []


def test_check_mode_predicts_without_storing(cluster, material):
    result = run(cluster, material, check_mode=True)
    assert result["changed"] and cluster.stored("secrets", "default", "test-tls") is None
    assert cluster.stored("ingresses", "default", "web") is None
    assert result["diff"]["before"] == {}
    assert [entry["query"] for entry in cluster.emulator.requests() if entry["method"] == "POST"] == [
        "dryRun=All", "dryRun=All"]


def test_secret_type_change_needs_force(cluster, material):
    cluster.put({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                 "metadata": {"name": "test-tls", "namespace": "default"}, "data": {"password": "eA=="}})
    with pytest.raises(ValidationError, match="has type Opaque; the type is immutable, set force=true"):
        run(cluster, material)
    assert cluster.writes == []
    result = run(cluster, material, force=True)
    assert result["changed"]
    assert cluster.writes[:2] == [("DELETE", SECRETS + "/test-tls"), ("POST", SECRETS)]
    assert cluster.stored("secrets", "default", "test-tls")["type"] == "kubernetes.io/tls"


def test_unmanaged_secret_with_other_content_needs_force(cluster, pki, material):
    other_cert, other_key = pki.leaf()
    other_bundle = tls.check_bundle(pem(other_cert, pki.intermediate), key_pem(other_key), hosts=["foo.bar.com"])
    foreign = objs.render_secret("test-tls", "default", other_bundle)
    foreign["metadata"]["labels"] = {}
    cluster.put(foreign)
    with pytest.raises(ValidationError, match="not managed by kube_edge.lb.ingress_tls; set force=true"):
        run(cluster, material)
    assert cluster.writes == []


def test_hijack_guard_fail_warn_ignore(cluster, material):
    cluster.put(ingress_obj("thief", namespace="evil", hosts=("foo.bar.com",)))
    with pytest.raises(ValidationError, match="Host-hijack guard: host 'foo.bar.com' is already served by Ingress evil/thief"):
        run(cluster, material)
    assert cluster.writes == []
    result = run(cluster, material, hijack_guard="warn")
    assert result["changed"] and any("evil/thief" in w for w in result["warnings"])
    cluster.clear()
    run(cluster, material, hijack_guard="ignore")
    assert cluster.requests() == [("GET", INGRESSES + "/web"), ("GET", SECRETS + "/test-tls")]


def test_cluster_list_forbidden_falls_back_to_namespace(cluster, material):
    cluster.emulator.faults(fail=[{"method": "GET", "path_contains": "/apis/networking.k8s.io/v1/ingresses",
                                   "status": 403, "reason": "Forbidden", "message": "RBAC: no cluster-wide list"}])
    result = run(cluster, material)
    assert any("only checked namespace default" in w for w in result["warnings"])
    assert ("GET", INGRESSES) in cluster.requests()


def test_bad_certificate_writes_nothing(cluster, pki):
    cert, key = pki.leaf(days=3)
    with pytest.raises(ValidationError, match="min_days_valid"):
        run(cluster, {"cert": pem(cert, pki.intermediate), "key": key_pem(key)})
    with pytest.raises(ValidationError, match="does not lead to a trusted root"):
        run(cluster, {"cert": pem(cert), "key": key_pem(key)}, min_days_valid=2)  # the leaf without its intermediate
    assert cluster.writes == []


def test_missing_ingress_without_rules(cluster, material):
    with pytest.raises(ValidationError, match="does not exist in namespace 'default'; give rules"):
        run(cluster, material, rules=None)


def test_absent_removes_entry_and_secret(cluster, material):
    run(cluster, material)
    result = ing.IngressTls(cluster.client(), params(material, state="absent"), check_mode=False).run()
    assert result["changed"]
    assert "tls" not in cluster.stored("ingresses", "default", "web")["spec"]
    assert cluster.stored("secrets", "default", "test-tls") is None
    result = ing.IngressTls(cluster.client(), params(material, state="absent"), check_mode=False).run()
    assert not result["changed"]


def test_generate_local_ca_is_kept_while_valid(cluster, tmp_path, material):
    options = dict(certificate=None, private_key=None, generate="local_ca", local_ca_dir=str(tmp_path / "ca"))
    first = run(cluster, material, **options)
    assert first["changed"] and first["certificate"]["issuer"] == "CN=kube_edge.lb lab CA"
    assert stat.S_IMODE(os.stat(str(tmp_path / "ca" / "ca.key")).st_mode) == 0o600
    second = run(cluster, material, **options)
    assert not second["changed"]
    assert second["certificate"]["fingerprint_sha256"] == first["certificate"]["fingerprint_sha256"]


def test_generate_self_signed(cluster, material):
    result = run(cluster, material, certificate=None, private_key=None, generate="self_signed")
    assert result["certificate"]["subject"] == result["certificate"]["issuer"] == "CN=foo.bar.com"
    assert result["certificate"]["sans"] == ["foo.bar.com", "*.bar.com"]
    assert not run(cluster, material, certificate=None, private_key=None, generate="self_signed")["changed"]


def test_bad_host_and_expired_certificate_reported_together(cluster, pki):
    """Before: only the first problem (the host) was reported."""
    cert, key = pki.leaf(start_days=-100, days=-1)
    with pytest.raises(ValidationError) as excinfo:
        run(cluster, {"cert": pem(cert, pki.intermediate), "key": key_pem(key)}, hosts=["10.0.0.1", "foo.bar.com"])
    assert excinfo.value.problems[0] == "hosts[0]='10.0.0.1' is not a valid Ingress host (lowercase DNS name, " \
                                        "wildcard only as '*.' prefix, no IP)."
    assert "has expired" in excinfo.value.problems[1] and len(excinfo.value.problems) == 2
    assert cluster.requests() == []  # nothing read, nothing written


def test_null_annotation_refused_before_any_request(cluster, material):
    with pytest.raises(ValidationError, match=r"annotations\['nginx.ingress.kubernetes.io/ssl-redirect'\]=None must be a string"):
        run(cluster, material, annotations={"nginx.ingress.kubernetes.io/ssl-redirect": None})
    assert cluster.requests() == []


def test_string_annotations_reach_the_ingress(cluster, material):
    run(cluster, material, annotations={"nginx.ingress.kubernetes.io/ssl-redirect": "true"})
    annotations = cluster.stored("ingresses", "default", "web")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/ssl-redirect"] == "true"


def test_hijack_guard_reports_in_check_mode(cluster, material):
    cluster.put(ingress_obj("thief", namespace="evil", hosts=("foo.bar.com",), path="/other"))
    cluster.clear()
    with pytest.raises(ValidationError, match="evil/thief, in another namespace"):
        run(cluster, material, check_mode=True)
    # one LIST across namespaces and the Secret's GET; nothing else
    assert cluster.requests() == [("GET", "/apis/networking.k8s.io/v1/ingresses"), ("GET", SECRETS + "/test-tls")]


def test_local_ca_dir_that_is_a_file(cluster, tmp_path, material):
    """Before: a traceback (NotADirectoryError)."""
    (tmp_path / "ca").write_text("not a directory")
    with pytest.raises(ValidationError, match="local_ca_dir='.*/ca' is not a directory."):
        run(cluster, material, certificate=None, private_key=None, generate="local_ca", local_ca_dir=str(tmp_path / "ca"))


def test_world_readable_ca_key_is_refused(cluster, tmp_path, material):
    """Before: accepted."""
    options = dict(certificate=None, private_key=None, generate="local_ca", local_ca_dir=str(tmp_path / "ca"))
    run(cluster, material, **options)
    os.chmod(str(tmp_path / "ca" / "ca.key"), 0o644)
    with pytest.raises(ValidationError, match="ca.key has mode 0644, readable by others than its owner"):
        run(cluster, material, **options)


def test_generate_cross_field_checks(cluster, material):
    with pytest.raises(ValidationError) as excinfo:
        run(cluster, material, generate="local_ca", generate_days=0)
    assert excinfo.value.problems == [
        "generate='local_ca' issues its own certificate; do not give certificate or private_key.",
        "generate='local_ca' needs local_ca_dir (the directory of the lab CA).",
        "generate_days=0 must be between 1 and 825.",
    ]
