# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX / Automation Platform: site.yml runs the way AWX runs the shipped job template.

A private data dir holds the project (the repository's files, as a project sync checks them out,
with the collection installed from collections/requirements.yml's `type: dir` entry) plus a
Vault-encrypted group_vars file beside site.yml, the inventory, `env/envvars` and the files that
the shipped credential types' injectors (awx/controller/credential_types.yml) produce, rendered
from the lab's logins, the Vault credential's password, and `env/extravars` as the site template's
survey sends it unanswered; streamed through `ansible-runner transmit | worker | process`. The job
must be `successful`, and a second job must change nothing. (The EE: tests/integration/test_ee.py;
the objects' schema: tests/integration/test_awx_config.py.)

The lab part needs the lab up (`python tests/lab/lab.py up`); without it, it is skipped and says why.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.kube_edge.lb.tests.integration.commands import BIN, run, tool

REPO = Path(__file__).resolve().parents[2]
CONTROLLER = REPO / "awx" / "controller"
VAULT_PASSWORD = "awx-job-vault-password"


# --- site.yml through ansible-runner, the AWX way -------------------------------------------------

def load_lab():
    from ansible_collections.kube_edge.lb.tests.lab import lab

    return lab


def lab_down_reason(lab):
    clusters, _vip = lab.load_lab_description()
    for process in lab.processes(clusters):
        if os.path.exists(process.script) and not process.pid():
            return "lab part %s is not running" % process.name
    if lab.container_state() != "running":
        return "container %s is not running" % lab.CONTAINER
    return None


def project_files():
    """What a project sync checks out: the tracked (and not ignored) files of the repository."""
    output = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, stdout=subprocess.PIPE).stdout.decode()
    return [name for name in output.split("\0") if name and (REPO / name).is_file()]


def site_template():
    templates = yaml.safe_load((CONTROLLER / "job_templates.yml").read_text())["controller_templates"]
    return next(template for template in templates if template["playbook"] == "site.yml" and not template.get("job_tags"))


def survey_answers():
    """extra_vars as AWX builds them for an unanswered launch: the template's, then every survey default."""
    site = site_template()
    answers = dict(site.get("extra_vars") or {})
    for question in site["survey_spec"]["spec"]:
        if question.get("default") is not None:
            answers[question["variable"]] = question["default"]
    return answers


def inject(type_name, inputs, directory):
    """What AWX does with a credential of a shipped type: write its file templates, return its env."""
    types = yaml.safe_load((CONTROLLER / "credential_types.yml").read_text())["controller_credential_types"]
    injectors = next(item for item in types if item["name"] == type_name)["injectors"]
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    filenames = {}
    for key, template in (injectors.get("file") or {}).items():
        path = directory / ("%s-%s" % (type_name.split()[0].lower(), key.split(".")[-1]))
        path.write_text(environment.from_string(template).render(**inputs))
        path.chmod(0o600)
        filenames[key.split(".")[-1]] = str(path)
    context = dict(inputs, awx={"filename": filenames})
    return {name: environment.from_string(template).render(**context) for name, template in (injectors.get("env") or {}).items()}


@pytest.fixture(scope="module")
def awx_project(tmp_path_factory):
    lab = load_lab()
    reason = lab_down_reason(lab)
    if reason:
        pytest.skip("the lab is not up (%s); start it with `python tests/lab/lab.py up`" % reason)
    root = tmp_path_factory.mktemp("awx")
    project = root / "project"
    for name in project_files():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, project / name)
    # Project sync: install collections/requirements.yml. Our own entry (type: dir, source: .) is
    # installed for real; its dependencies come from the dev collections cache, which stands in for
    # Galaxy/Automation Hub (unreachable here).
    synced = root / "requirements_collections"
    run([tool("ansible-galaxy"), "collection", "install", "--no-deps", "--force", "-p", str(synced), "."],
        cwd=project, env=clean_env())
    assert (synced / "ansible_collections" / "kube_edge" / "lb" / "MANIFEST.json").exists()
    # A Vault-encrypted file in the project, as a team keeps its secrets: only the job's Vault
    # credential lets the play load it.
    probe = project / "group_vars" / "all" / "awx_vault_probe.yml"
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_bytes(VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))]).encrypt(b"kube_edge_awx_vault_probe: decrypted\n"))
    return {"lab": lab, "root": root, "project": project, "collections": synced}


def clean_env():
    """The worker's environment: the machine's, less anything this test session configured for Ansible."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "K8S_AUTH_", "F5_"))}
    env["PATH"] = "%s%s%s" % (BIN, os.pathsep, env.get("PATH", ""))
    return env


def awx_job(awx_project, ident):
    lab = awx_project["lab"]
    pdd = awx_project["root"] / ident
    shutil.copytree(awx_project["project"], pdd / "project", symlinks=True)
    # AWX writes the job's inventory into the private data dir.
    shutil.copytree(REPO / "inventories" / "lab", pdd / "inventory")
    env_dir = pdd / "env"
    env_dir.mkdir()
    envvars = {
        "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (awx_project["collections"], REPO / ".cache" / "collections"),
        # Where the lab's generated certificates are (the lab inventory's kube_edge_lab_state_dir).
        "KUBE_EDGE_LAB_STATE_DIR": lab.STATE_DIR,
    }
    # The job's credentials, through the shipped credential types' injectors.
    f5 = lab.LAB_F5_ENV
    envvars.update(inject("BIG-IP iControl REST (kube_edge.lb)", {
        "server": f5["F5_SERVER"], "server_port": f5.get("F5_SERVER_PORT", ""), "user": f5["F5_USER"],
        "password": f5["F5_PASSWORD"], "validate_certs": f5.get("F5_VALIDATE_CERTS", "")}, env_dir))
    envvars.update(inject("Kubeconfig (kube_edge.lb)", {"kubeconfig": Path(lab.KUBECONFIG).read_text()}, env_dir))
    if os.path.exists(lab.CONTAINERS_CONF):
        envvars["CONTAINERS_CONF"] = lab.CONTAINERS_CONF
    (env_dir / "envvars").write_text(yaml.safe_dump(envvars))
    # The Vault credential: AWX hands the password to ansible-playbook; the encrypted group_vars
    # beside site.yml cannot load without it.
    (env_dir / "vault-password").write_text(VAULT_PASSWORD)
    (env_dir / "cmdline").write_text("--vault-password-file %s" % (env_dir / "vault-password"))
    (env_dir / "extravars").write_text(yaml.safe_dump(survey_answers()))
    (env_dir / "settings").write_text(yaml.safe_dump({"suppress_ansible_output": True}))

    out = awx_project["root"] / ("%s-out" % ident)
    worker_dir = awx_project["root"] / ("%s-worker" % ident)
    env = clean_env()
    transmit = subprocess.Popen([tool("ansible-runner"), "transmit", str(pdd), "-p", "site.yml", "--ident", ident],
                                stdout=subprocess.PIPE, env=env)
    worker = subprocess.Popen([tool("ansible-runner"), "worker", "--private-data-dir", str(worker_dir)],
                              stdin=transmit.stdout, stdout=subprocess.PIPE, env=env)
    transmit.stdout.close()
    process = subprocess.run([tool("ansible-runner"), "process", str(out)], stdin=worker.stdout, check=False,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=1800)
    worker.stdout.close()
    assert transmit.wait(60) == 0, "ansible-runner transmit failed"
    assert worker.wait(60) == 0, "ansible-runner worker failed:\n%s" % process.stdout[-3000:]
    # `process` writes the job's artifacts straight under <dir>/artifacts (no ident level).
    artifacts = out / "artifacts"
    status = (artifacts / "status").read_text().strip()
    stats = {}
    for name in glob.glob(str(artifacts / "job_events" / "*.json")):
        with open(name) as handle:
            event = json.load(handle)
        if event.get("event") == "playbook_on_stats":
            stats = event["event_data"]
    stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else process.stdout
    return status, stats, stdout


def test_site_through_ansible_runner_streaming_like_awx(awx_project):
    status, stats, stdout = awx_job(awx_project, "first")
    assert status == "successful", stdout[-6000:]
    assert stats.get("ok"), "no playbook_on_stats event in the job events"

    status, stats, stdout = awx_job(awx_project, "second")
    assert status == "successful", stdout[-6000:]
    changed = {host: count for host, count in (stats.get("changed") or {}).items() if count}
    assert not changed, "second AWX job changed %s:\n%s" % (changed, stdout[-6000:])
