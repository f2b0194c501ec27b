# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""awx/controller/*.yml are what infra.controller_configuration and the awx.awx modules accept.

Checked against the upstream sources kept in ../shared/reference/awx (see its README):
- each ``controller_<kind>`` list is the one the infra role loops over, and every key of an item is
  one the role reads (``__controller_..._item.<key>`` in its tasks), in infra.controller_configuration
  2.7 and in its successor infra.aap_configuration 3.0;
- every item, as the role hands it to the awx.awx module, passes that module's own
  ``argument_spec`` (ansible-core's ArgumentSpecValidator, the code AnsibleModule runs);
- objects refer to each other by names that exist (credential types, credentials, project, EE,
  inventory);
- surveys never override the inventory: no question has a default or is required, because AWX
  sends every valid default at launch (mixins.py ``_update_unified_job_kwargs``).
Without the reference folder the schema checks skip and say why; the house checks still run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO = Path(__file__).resolve().parents[2]
CONTROLLER = REPO / "awx" / "controller"
REFERENCE = REPO.parent / "shared" / "reference" / "awx"

# controller_<kind> variable -> (infra role, awx.awx module)
KINDS = {
    "controller_credential_types": ("controller_credential_types", "credential_type"),
    "controller_credentials": ("controller_credentials", "credential"),
    "controller_execution_environments": ("controller_execution_environments", "execution_environment"),
    "controller_projects": ("controller_projects", "project"),
    "controller_inventories": ("controller_inventories", "inventory"),
    "controller_inventory_sources": ("controller_inventory_sources", "inventory_source"),
    "controller_templates": ("controller_job_templates", "job_template"),
}
# Credential types AWX ships (managed); ours are in controller_credential_types.
BUILT_IN_CREDENTIAL_TYPES = {"Machine", "Vault", "Source Control"}


def objects():
    merged = {}
    for path in sorted(CONTROLLER.glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text()) or {}).items():
            assert key in KINDS, "%s: %s is not a controller_* variable this test knows" % (path.name, key)
            assert key not in merged, "%s defined twice" % key
            merged[key] = value
    return merged


def reference(*parts):
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip("upstream reference %s is absent (../shared/reference/awx, see its README)" % path)
    return path


class _Unknown:
    """An expression the literal evaluator does not know (e.g. a computed choices list)."""


def _evaluate(node, constants):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_evaluate(item, constants) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_evaluate(k, constants): _evaluate(v, constants) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        return {keyword.arg: _evaluate(keyword.value, constants) for keyword in node.keywords}
    # list(NAME.keys()), as credential_type's choices are written.
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "list" and len(node.args) == 1
            and isinstance(node.args[0], ast.Call) and isinstance(node.args[0].func, ast.Attribute)
            and node.args[0].func.attr == "keys" and isinstance(node.args[0].func.value, ast.Name)
            and node.args[0].func.value.id in constants):
        return list(constants[node.args[0].func.value.id])
    return _Unknown()


def _clean(spec):
    """Drop options whose value the evaluator could not read (they then go unchecked, not wrongly)."""
    cleaned = {}
    for name, option in spec.items():
        option = {key: value for key, value in option.items() if not isinstance(value, _Unknown)}
        if isinstance(option.get("options"), dict):
            option["options"] = _clean(option["options"])
        cleaned[name] = option
    return cleaned


def module_argument_spec(module):
    """The awx.awx module's ``argument_spec = dict(...)``, read from its source without importing it."""
    tree = ast.parse(reference("awx_collection", "plugins", "modules", module + ".py").read_text())
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _evaluate(node.value, {})
            if not isinstance(value, _Unknown):
                constants[node.targets[0].id] = value
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "argument_spec"):
            return _clean(_evaluate(node.value, constants))
    raise AssertionError("no argument_spec in awx.awx %s" % module)


# The infra collections whose role tasks are kept in the reference: (folder, role name prefix).
INFRA = [("infra.controller_configuration", ""), ("infra.aap_configuration", "controller_")]


def role_contract(collection, role):
    """(loop variable list name, keys the role reads from an item) from the infra role's tasks."""
    text = reference(collection, "roles", role, "tasks", "main.yml").read_text()
    loop_var = re.search(r"loop_var:\s*\"?(\w+)", text).group(1)
    loop = re.search(r"loop:\s*\"\{\{.*\belse (\w+) \}\}\"", text).group(1)
    keys = set(re.findall(r"\b%s\.(\w+)" % re.escape(loop_var), text))
    return loop, keys


@pytest.mark.parametrize("collection, prefix", INFRA)
@pytest.mark.parametrize("variable", sorted(KINDS))
def test_items_are_what_the_infra_role_reads_and_the_awx_module_accepts(variable, collection, prefix):
    items = objects()[variable]
    role, module = KINDS[variable]
    loop, keys = role_contract(collection, prefix + role[len("controller_"):])
    assert loop == variable, "infra role %s loops over %s" % (role, loop)
    validator = ArgumentSpecValidator(module_argument_spec(module))
    for item in items:
        unread = set(item) - keys
        assert not unread, "%s %r: the infra role never reads %s" % (variable, item.get("name"), sorted(unread))
        result = validator.validate(dict(item))
        assert not result.error_messages, "%s %r: %s" % (variable, item.get("name"), result.error_messages)


def test_references_between_objects_resolve():
    found = objects()
    names = {kind: {item["name"] for item in items} for kind, items in found.items()}
    for credential in found["controller_credentials"]:
        assert credential["credential_type"] in names["controller_credential_types"] | BUILT_IN_CREDENTIAL_TYPES
    for project in found["controller_projects"]:
        assert project["default_environment"] in names["controller_execution_environments"]
    for source in found["controller_inventory_sources"]:
        assert source["inventory"] in names["controller_inventories"] and source["source_project"] in names["controller_projects"]
        assert (REPO / source["source_path"]).is_file(), source["source_path"]
    for template in found["controller_templates"]:
        assert set(template["credentials"]) <= names["controller_credentials"], template["name"]
        assert template["project"] in names["controller_projects"] and template["inventory"] in names["controller_inventories"]
        assert template["execution_environment"] in names["controller_execution_environments"]
        assert (REPO / template["playbook"]).is_file(), template["playbook"]


def test_every_template_carries_the_vault_credential_and_one_per_area():
    templates = objects()["controller_templates"]
    vault = {item["name"] for item in objects()["controller_credentials"] if item["credential_type"] == "Vault"}
    assert len(vault) == 1
    for template in templates:
        assert vault & set(template["credentials"]), "%s has no Vault credential" % template["name"]
    assert {template.get("job_tags") for template in templates} >= {"haproxy", "f5", "metallb", "ingress_tls"}


def test_surveys_never_override_the_inventory():
    for template in objects()["controller_templates"]:
        assert not template.get("extra_vars"), "%s: extra_vars override the inventory at every launch" % template["name"]
        for question in (template.get("survey_spec") or {}).get("spec", []):
            where = "%s / %s" % (template["name"], question["variable"])
            assert question.get("default") in (None, ""), "%s: AWX sends a survey default at every launch" % where
            assert not question.get("required"), "%s: a required question forces a value over the inventory" % where
            # A survey answers with strings; "false" would be true to a boolean role variable.
            assert question.get("choices") is None or not set(question["choices"]) & {"true", "false"}, where


def test_survey_defaults_are_sent_upstream():
    """The rule above rests on AWX's launch code: defaults go into extra_vars, answered or not."""
    source = reference("mixins.py").read_text()
    body = source[source.index("def _update_unified_job_kwargs"):source.index("def _survey_element_validation")]
    assert "survey_defaults[variable_key] = default" in body and "extra_vars.update(survey_defaults)" in body


def test_credential_type_injectors_give_what_the_modules_read():
    types = {item["name"]: item for item in objects()["controller_credential_types"]}
    for item in types.values():
        fields = {field["id"] for field in item["inputs"]["fields"]}
        assert set(item["inputs"].get("required", [])) <= fields
        assert not item["injectors"].get("extra_vars"), "%s: secrets go through env or files" % item["name"]
        assert not any(name.startswith("ANSIBLE_") for name in item["injectors"].get("env", {})), "reserved by AWX"
    assert set(types["BIG-IP iControl REST (kube_edge.lb)"]["injectors"]["env"]) == {
        "F5_SERVER", "F5_SERVER_PORT", "F5_USER", "F5_PASSWORD", "F5_VALIDATE_CERTS"}
    assert types["Kubeconfig (kube_edge.lb)"]["injectors"]["env"] == {"K8S_AUTH_KUBECONFIG": "{{ awx.filename.kubeconfig }}"}
    tls = types["TLS certificate and key (kube_edge.lb)"]["injectors"]
    assert set(tls["file"]) == {"template.certificate", "template.private_key"}
    assert set(tls["env"]) == {"KUBE_EDGE_TLS_CERT_FILE", "KUBE_EDGE_TLS_KEY_FILE"}
    # The variables the env injectors set are those the modules fall back to (their argument specs).
    module_utils = REPO / "plugins" / "module_utils"
    specs = (module_utils / "_f5" / "module.py").read_text() + (module_utils / "_k8s" / "auth.py").read_text()
    for name in ("F5_SERVER", "F5_SERVER_PORT", "F5_USER", "F5_PASSWORD", "F5_VALIDATE_CERTS", "K8S_AUTH_KUBECONFIG"):
        assert "'%s'" % name in specs or '"%s"' % name in specs, name


# --- the kubeconfig credential's account: docs/rbac/kube-edge-automation.yml -----------------------

RBAC_PLAY = """
- name: Every request metallb_config and ingress_tls make, against the Kubernetes emulator
  hosts: localhost
  gather_facts: false
  tasks:
    - name: MetalLB pools, a BGP peer with a password, an advertisement
      kube_edge.lb.metallb_config: &metallb
        namespace: metallb-system
        address_pools:
          - {{name: web, addresses: [192.168.10.240-192.168.10.250]}}
          - {{name: pub, protocol: bgp, addresses: [198.51.100.0/26], bgp_advertisements: [{{peers: [tor-a]}}]}}
        peers:
          - {{name: tor-a, peer_address: 10.0.0.1, peer_asn: 64501, my_asn: 64500, password: md5-secret}}
    - name: Check mode, then prune, then removal
      kube_edge.lb.metallb_config:
        <<: *metallb
        address_pools: [{{name: web, addresses: [192.168.10.224/28]}}]
        peers: []
        prune: true
      check_mode: true
    - name: Prune
      kube_edge.lb.metallb_config:
        <<: *metallb
        address_pools: [{{name: web, addresses: [192.168.10.224/28]}}]
        peers: []
        prune: true
    - name: Remove
      kube_edge.lb.metallb_config:
        <<: *metallb
        state: absent
    - name: A TLS Secret and its Ingress
      kube_edge.lb.ingress_tls: &tls
        name: shop-tls
        namespace: default
        certificate_path: {d}/web.crt
        private_key_path: {d}/web.key
        ca_path: {d}/ca.crt
        ingress: shop
        ingress_class: nginx
        rules:
          - host: shop.example.com
            paths: [{{service: shop, port: 80}}]
    - name: Replace the certificate
      kube_edge.lb.ingress_tls:
        <<: *tls
        certificate_path: {d}/other.crt
        private_key_path: {d}/other.key
    - name: Remove the Secret
      kube_edge.lb.ingress_tls:
        <<: *tls
        state: absent
"""


def rbac_rules():
    """[(namespace or None for cluster-wide, apiGroup, resource, verb)] the shipped RBAC grants the account."""
    shipped = yaml.safe_load((REPO / "docs" / "rbac" / "kube-edge-automation.yml").read_text())
    assert shipped["kind"] == "List"
    documents = shipped["items"]
    roles = {(doc["kind"], doc["metadata"]["name"]): doc["rules"] for doc in documents if doc["kind"] in ("Role", "ClusterRole")}
    granted = set()
    for doc in documents:
        if doc["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        assert doc["subjects"] == [{"kind": "ServiceAccount", "name": "kube-edge-automation", "namespace": "kube-edge-automation"}]
        scope = doc["metadata"].get("namespace") if doc["kind"] == "RoleBinding" else None
        for rule in roles[(doc["roleRef"]["kind"], doc["roleRef"]["name"])]:
            granted.update((scope, group, resource, verb)
                           for group in rule["apiGroups"] for resource in rule["resources"] for verb in rule["verbs"])
    return granted


def request_rights(entry):
    """(namespace or None, apiGroup, resource, verb) a request needs; None for discovery and the test hooks."""
    parts = entry["path"].split("?")[0].strip("/").split("/")
    if parts[0] == "api" and len(parts) > 2:
        group, rest = "", parts[2:]
    elif parts[0] == "apis" and len(parts) > 3:
        group, rest = parts[1], parts[3:]
    else:
        return None  # /api, /apis, /version: discovery, granted to every authenticated account
    namespace = None
    if rest[0] == "namespaces" and len(rest) > 2:
        namespace, rest = rest[1], rest[2:]
    elif rest[0] == "namespaces":
        return None if entry["method"] == "GET" and len(rest) == 2 else ("?", group, "namespaces", entry["method"])
    verb = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(entry["method"])
    if verb is None:
        verb = "get" if len(rest) > 1 else "list"
    return namespace, group, rest[0], verb


def test_rbac_covers_every_request_of_the_kubernetes_modules(k8s_emulator, k8s_env, tmp_path):
    import subprocess
    import sys
    import textwrap

    from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls import pki as pki_module

    pki = pki_module.Pki("Rbac")
    for stem, host in (("web", "shop.example.com"), ("other", "shop.example.com")):
        leaf, key = pki.leaf(sans=(host,))
        (tmp_path / (stem + ".crt")).write_text(pki_module.pem(leaf, pki.intermediate))
        (tmp_path / (stem + ".key")).write_text(pki_module.key_pem(key))
    (tmp_path / "ca.crt").write_text(pki_module.pem(pki.root))
    k8s_emulator.store.put_object("v1", "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "metallb-system"}})
    playbook = tmp_path / "rbac.yml"
    playbook.write_text(textwrap.dedent(RBAC_PLAY.format(d=tmp_path)))
    env = dict(k8s_env, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"))
    env["PATH"] = str(Path(sys.executable).parent) + ":" + env.get("PATH", "")
    k8s_emulator.clear_requests()
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                             "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    granted = rbac_rules()
    needed = {rights for rights in map(request_rights, k8s_emulator.requests()) if rights}
    missing = {(ns, group, resource, verb) for ns, group, resource, verb in needed
               if (ns, group, resource, verb) not in granted and (None, group, resource, verb) not in granted}
    assert not missing, "docs/rbac/kube-edge-automation.yml does not grant %s" % sorted(missing, key=str)
    # Least privilege: every granted right is one the modules use (within the namespaces exercised).
    used = {(group, resource, verb) for ns, group, resource, verb in needed}
    unused = {(group, resource, verb) for ns, group, resource, verb in granted} - used
    assert unused <= ALLOWED_UNEXERCISED, "granted but never requested: %s" % sorted(unused - ALLOWED_UNEXERCISED)


# Granted for paths this run does not take: updates of every MetalLB kind, BFD profiles and
# communities, the v0.12 ConfigMap (format=configmap, migrate=true), post_check's probe Services and
# the events it reads when a probe gets no address.
ALLOWED_UNEXERCISED = (
    {("metallb.io", kind, verb) for kind in ("ipaddresspools", "l2advertisements", "bgpadvertisements", "bgppeers")
     for verb in ("patch",)}
    | {("metallb.io", kind, verb) for kind in ("bfdprofiles", "communities") for verb in ("create", "patch", "delete")}
    | {("", "configmaps", verb) for verb in ("get", "list", "create", "patch", "delete")}
    | {("", "services", verb) for verb in ("get", "create", "delete")}
    | {("", "events", "list")}
    | {("", "secrets", "list")}
)
