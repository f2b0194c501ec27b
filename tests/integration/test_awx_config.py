# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""awx/controller/*.yml are what infra.controller_configuration and the awx.awx modules accept.

Checked against the upstream sources kept in ../shared/reference/awx (see its README):
- each ``controller_<kind>`` list is the one the infra role loops over, and every key of an item is
  one the role reads (``__controller_..._item.<key>`` in its tasks);
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


def role_contract(role):
    """(loop variable list name, keys the role reads from an item) from the infra role's tasks."""
    text = reference("infra.aap_configuration", "roles", role, "tasks", "main.yml").read_text()
    loop_var = re.search(r"loop_var:\s*\"?(\w+)", text).group(1)
    loop = re.search(r"loop:\s*\"\{\{.*\belse (\w+) \}\}\"", text).group(1)
    keys = set(re.findall(r"\b%s\.(\w+)" % re.escape(loop_var), text))
    return loop, keys


@pytest.mark.parametrize("variable", sorted(KINDS))
def test_items_are_what_the_infra_role_reads_and_the_awx_module_accepts(variable):
    items = objects()[variable]
    role, module = KINDS[variable]
    loop, keys = role_contract(role)
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
    specs = (module_utils / "_f5" / "module.py").read_text() + (module_utils / "_k8s" / "client.py").read_text()
    for name in ("F5_SERVER", "F5_SERVER_PORT", "F5_USER", "F5_PASSWORD", "F5_VALIDATE_CERTS", "K8S_AUTH_KUBECONFIG"):
        assert "'%s'" % name in specs or '"%s"' % name in specs, name
