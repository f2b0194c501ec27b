# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret rendering, spec.tls merging, the host-hijack guard and one module run against a fake client."""

from __future__ import annotations

import base64
import copy
import json
import os
import stat

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import ingress as ing
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import tls
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import Pki, key_pem, pem

CHAPTER_RULES = [
    {"host": "foo.bar.com", "paths": [{"path": "/", "path_type": "Prefix", "service": "service1", "port": 80}]},
    {"host": "*.bar.com", "paths": [{"path": "/", "path_type": "Prefix", "service": "service2", "port": 80}]},
]


class FakeClient:
    """The KubeClient interface over a dict; writes in check mode are counted but not stored."""

    def __init__(self, objects=(), check_mode=False, forbid_cluster_list=False):
        self.objects = {}
        self.calls = []
        self.check_mode = check_mode
        self.forbid_cluster_list = forbid_cluster_list
        for obj in objects:
            self.put(obj)

    @staticmethod
    def plural(obj):
        return {"Secret": "secrets", "Ingress": "ingresses"}[obj["kind"]]

    def put(self, obj):
        obj = copy.deepcopy(obj)
        obj.setdefault("metadata", {}).setdefault("resourceVersion", "1")
        meta = obj["metadata"]
        self.objects[(self.plural(obj), meta.get("namespace"), meta["name"])] = obj

    @property
    def writes(self):
        return [call for call in self.calls if call[0] not in ("get", "list")]

    def get(self, api_version, plural, name, namespace=None):
        self.calls.append(("get", plural, namespace, name))
        return copy.deepcopy(self.objects.get((plural, namespace, name)))

    def list(self, api_version, plural, namespace=None, label_selector=None):
        self.calls.append(("list", plural, namespace, None))
        if namespace is None and self.forbid_cluster_list:
            raise DeviceError("forbidden", status=403)
        return [copy.deepcopy(o) for (p, ns, name), o in sorted(self.objects.items())
                if p == plural and namespace in (None, ns) and name]

    def create(self, api_version, plural, body, namespace=None):
        self.calls.append(("create", plural, namespace, body["metadata"]["name"]))
        if not self.check_mode:
            self.put(body)
        return body

    def patch(self, api_version, plural, name, patch, namespace=None, patch_type="merge"):
        self.calls.append(("patch", plural, namespace, name, copy.deepcopy(patch)))
        if not self.check_mode:
            obj = self.objects[(plural, namespace, name)]
            _merge(obj, patch)
        return None

    def delete(self, api_version, plural, name, namespace=None):
        self.calls.append(("delete", plural, namespace, name))
        if not self.check_mode:
            return self.objects.pop((plural, namespace, name), None) is not None
        return True


def _merge(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture(scope="module")
def material(pki):
    cert, key = pki.leaf()
    return {"cert": pem(cert, pki.intermediate), "key": key_pem(key), "ca": pem(pki.root), "leaf": cert, "key_obj": key}


def params(material, **extra):
    base = dict(name="test-tls", namespace="default", state="present", cert=material["cert"], key=material["key"],
                chain=None, ca=None, key_passphrase=None, reorder_chain=False, generate="none", generate_days=90,
                local_ca_dir=None, ingress="web", hosts=None, ingress_class="nginx", rules=CHAPTER_RULES,
                annotations=None, force=False, hijack_guard="fail", min_days_valid=14, min_rsa_bits=2048,
                allow_self_signed=False)
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


def run(client, material, check_mode=False, **extra):
    return ing.IngressTls(client, params(material, **extra), check_mode=check_mode).run()


# -- pure parts ------------------------------------------------------------------------------------

def test_render_secret_full_chain_and_ca(pki, material):
    bundle = tls.check_bundle(material["cert"], material["key"], ca=material["ca"], hosts=["foo.bar.com"])
    secret = ing.render_secret("test-tls", "default", bundle)
    assert secret["type"] == "kubernetes.io/tls"
    assert base64.b64decode(secret["data"]["tls.crt"]).decode() == material["cert"]
    assert base64.b64decode(secret["data"]["ca.crt"]).decode() == material["ca"]
    assert secret["metadata"]["labels"] == {ing.MANAGED_BY_LABEL: ing.MANAGED_BY}
    summary = json.dumps(ing.secret_summary(secret))
    assert "PRIVATE" not in summary and secret["data"]["tls.key"][:20] not in summary
    assert tls.fingerprint(material["leaf"]) in summary


def test_same_content_ignores_encoding(material):
    bundle = tls.check_bundle(material["cert"], material["key"], hosts=["foo.bar.com"])
    desired = ing.render_secret("s", "default", bundle)
    live = copy.deepcopy(desired)
    # kubectl-style Secret: traditional (SEC1) key encoding, no trailing newline
    live["data"]["tls.key"] = ing.b64(key_pem(material["key_obj"], fmt="traditional").encode())
    live["data"]["tls.crt"] = ing.b64(material["cert"].rstrip().encode())
    assert ing.same_content(live, desired)
    assert ing.secret_patch(live, desired) == {}
    live["metadata"]["labels"] = {"team": "web"}
    assert ing.secret_patch(live, desired) == {"metadata": {"labels": {ing.MANAGED_BY_LABEL: ing.MANAGED_BY}}}
    live["data"]["ca.crt"] = desired["data"]["tls.crt"]
    assert ing.secret_patch(live, desired)["data"]["ca.crt"] is None


def test_render_rules_chapter_example():
    rules = ing.render_rules(CHAPTER_RULES + [{"host": None, "paths": [{"path": "/x", "path_type": "Exact",
                                                                       "service": "s", "port": "http"}]}])
    assert rules[0] == {"host": "foo.bar.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
        "service": {"name": "service1", "port": {"number": 80}}}}]}}
    assert rules[1]["host"] == "*.bar.com"
    assert "host" not in rules[2] and rules[2]["http"]["paths"][0]["backend"]["service"]["port"] == {"name": "http"}


def test_merge_rules_keeps_others_and_replaces_same_path():
    live = ingress_obj("web", hosts=("foo.bar.com", "other.com"))["spec"]["rules"]
    merged = ing.merge_rules(live, ing.render_rules(CHAPTER_RULES))
    assert [r["host"] for r in merged] == ["foo.bar.com", "other.com", "*.bar.com"]
    assert merged[0]["http"]["paths"][0]["backend"]["service"]["name"] == "service1"
    assert ing.merge_rules(merged, ing.render_rules(CHAPTER_RULES)) == merged


def test_annotation_values_are_strings():
    assert ing.annotation_values({"a": True, "b": 80, "c": "x"}) == {"a": "true", "b": "80", "c": "x"}


def test_merge_tls_without_clobbering():
    others = [{"hosts": ["a.com"], "secretName": "a-tls"}]
    entries, problems = ing.merge_tls(others, "test-tls", ["foo.bar.com"])
    assert entries == others + [{"hosts": ["foo.bar.com"], "secretName": "test-tls"}] and not problems
    again = ing.merge_tls(entries, "test-tls", ["foo.bar.com"])[0]
    assert again == entries


def test_merge_tls_conflict_needs_force():
    live = [{"hosts": ["foo.bar.com"], "secretName": "old-tls"}, {"hosts": ["x.com", "foo.bar.com"], "secretName": "x"}]
    problems = ing.merge_tls(live, "test-tls", ["foo.bar.com"])[1]
    assert len(problems) == 2 and "force=true" in problems[0]
    entries, problems = ing.merge_tls(live, "test-tls", ["foo.bar.com"], force=True)
    assert not problems
    assert entries == [{"hosts": ["x.com"], "secretName": "x"}, {"hosts": ["foo.bar.com"], "secretName": "test-tls"}]


def test_find_conflicts():
    spec = {"rules": ing.render_rules(CHAPTER_RULES)}
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
    messages = ing.find_conflicts("default", "web", "nginx", spec, "test-tls", ["foo.bar.com"], others)
    assert messages == [
        "host 'foo.bar.com' path '/' is already claimed by Ingress evil/thief.",
        "host 'foo.bar.com' already has a TLS section in Ingress evil/tls-holder with Secret evil/stolen.",
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
    problems = ing.Problems()
    ing.validate_params(params(material, **{field: value}), problems)
    assert fragment in " ".join(problems.messages)


# -- one run ---------------------------------------------------------------------------------------

def test_create_then_noop(material):
    client = FakeClient()
    result = run(client, material)
    assert result["changed"]
    assert [c[:2] for c in client.writes] == [("create", "secrets"), ("create", "ingresses")]
    stored = client.objects[("ingresses", "default", "web")]
    assert stored["spec"]["tls"] == [{"hosts": ["foo.bar.com", "*.bar.com"], "secretName": "test-tls"}]
    assert stored["spec"]["ingressClassName"] == "nginx"
    client.calls = []
    result = run(client, material)
    assert not result["changed"] and client.writes == []
    assert len(client.calls) == 2  # one LIST of Ingresses, one GET of the Secret
    assert result["certificate"]["subject"] == "CN=foo.bar.com"


def test_attach_to_existing_ingress_keeps_other_tls(material):
    existing = ingress_obj("web", hosts=("foo.bar.com", "a.com"), tls_entries=[{"hosts": ["a.com"], "secretName": "a"}])
    client = FakeClient([existing])
    result = run(client, material, rules=None, hosts=["foo.bar.com"])
    patch = client.writes[-1][4]
    assert patch["spec"] == {"tls": [{"hosts": ["a.com"], "secretName": "a"},
                                     {"hosts": ["foo.bar.com"], "secretName": "test-tls"}]}
    assert patch["metadata"] == {"resourceVersion": "1"}
    assert "ingress default/web" in result["diff"]["after"]


def test_hosts_default_to_rule_hosts_and_must_be_covered(material):
    client = FakeClient([ingress_obj("web", hosts=("foo.bar.com", "qa1.api.bar.com"))])
    with pytest.raises(ValidationError, match="host 'qa1.api.bar.com' is not covered"):
        run(client, material, rules=None)
    assert client.writes == []


def test_check_mode_predicts_without_storing(material):
    client = FakeClient(check_mode=True)
    result = run(client, material, check_mode=True)
    assert result["changed"] and client.objects == {}
    assert result["diff"]["before"] == {}


def test_secret_type_change_needs_force(material):
    opaque = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "test-tls", "namespace": "default"},
              "data": {"password": "eA=="}}
    client = FakeClient([opaque])
    with pytest.raises(ValidationError, match="has type Opaque; the type is immutable, set force=true"):
        run(client, material)
    assert client.writes == []
    result = run(client, material, force=True)
    assert result["changed"]
    assert [c[:2] for c in client.writes[:2]] == [("delete", "secrets"), ("create", "secrets")]
    assert client.objects[("secrets", "default", "test-tls")]["type"] == "kubernetes.io/tls"


def test_unmanaged_secret_with_other_content_needs_force(pki, material):
    other_cert, other_key = pki.leaf()
    other_bundle = tls.check_bundle(pem(other_cert, pki.intermediate), key_pem(other_key), hosts=["foo.bar.com"])
    foreign = ing.render_secret("test-tls", "default", other_bundle)
    foreign["metadata"]["labels"] = {}
    client = FakeClient([foreign])
    with pytest.raises(ValidationError, match="not managed by kube_edge.lb.ingress_tls; set force=true"):
        run(client, material)
    assert client.writes == []


def test_hijack_guard_fail_warn_ignore(material):
    thief = ingress_obj("thief", namespace="evil", hosts=("foo.bar.com",))
    client = FakeClient([thief])
    with pytest.raises(ValidationError, match="Host-hijack guard: host 'foo.bar.com' path '/' is already claimed"):
        run(client, material)
    assert client.writes == []
    result = run(client, material, hijack_guard="warn")
    assert result["changed"] and any("evil/thief" in w for w in result["warnings"])
    client.calls = []
    run(client, material, hijack_guard="ignore")
    assert [c[0] for c in client.calls] == ["get", "get"]


def test_cluster_list_forbidden_falls_back_to_namespace(material):
    client = FakeClient(forbid_cluster_list=True)
    result = run(client, material)
    assert any("only checked namespace default" in w for w in result["warnings"])


def test_bad_certificate_writes_nothing(pki):
    cert, key = pki.leaf(days=3)
    client = FakeClient()
    with pytest.raises(ValidationError, match="min_days_valid"):
        run(client, {"cert": pem(cert, pki.intermediate), "key": key_pem(key)})
    assert client.writes == []


def test_missing_ingress_without_rules(material):
    with pytest.raises(ValidationError, match="does not exist in namespace 'default'; give rules"):
        run(FakeClient(), material, rules=None)


def test_absent_removes_entry_and_secret(material):
    client = FakeClient()
    run(client, material)
    client.calls = []
    result = ing.IngressTls(client, params(material, state="absent"), check_mode=False).run()
    assert result["changed"]
    assert "tls" not in client.objects[("ingresses", "default", "web")]["spec"]
    assert ("secrets", "default", "test-tls") not in client.objects
    result = ing.IngressTls(client, params(material, state="absent"), check_mode=False).run()
    assert not result["changed"]


def test_generate_local_ca_is_kept_while_valid(tmp_path, material):
    client = FakeClient()
    options = dict(cert=None, key=None, generate="local_ca", local_ca_dir=str(tmp_path / "ca"))
    first = run(client, material, **options)
    assert first["changed"] and first["certificate"]["issuer"] == "CN=kube_edge.lb lab CA"
    assert stat.S_IMODE(os.stat(str(tmp_path / "ca" / "ca.key")).st_mode) == 0o600
    second = run(client, material, **options)
    assert not second["changed"]
    assert second["certificate"]["fingerprint_sha256"] == first["certificate"]["fingerprint_sha256"]


def test_generate_self_signed(material):
    client = FakeClient()
    result = run(client, material, cert=None, key=None, generate="self_signed")
    assert result["certificate"]["subject"] == result["certificate"]["issuer"] == "CN=foo.bar.com"
    assert result["certificate"]["sans"] == ["foo.bar.com", "*.bar.com"]
    assert not run(client, material, cert=None, key=None, generate="self_signed")["changed"]
