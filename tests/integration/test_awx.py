# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX / Automation Platform readiness.

- The execution environment definition gives a valid ansible-builder context, and the builder sees
  every third-party library our plugins import (through meta/execution-environment.yml).
- site.yml runs against the embedded lab the way AWX runs a job: a private data dir holding the
  project (the repository's files, as a project sync checks them out, with the collection installed
  from collections/requirements.yml's `type: dir` entry), the inventory, `env/envvars` carrying what
  the credential types inject, and `env/extravars` as a survey sends them; streamed through
  `ansible-runner transmit | ansible-runner worker | ansible-runner process`. The job must be
  `successful`, and a second job must change nothing.

The lab part needs the lab up (`python tests/lab/lab.py up`); without it, it is skipped and says why.
"""

from __future__ import annotations

import ast
import glob
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Import name -> distribution name, where they differ.
DISTRIBUTION = {"yaml": "pyyaml"}
# Libraries ansible-core itself requires: every execution environment has them.
WITH_ANSIBLE_CORE = {"yaml", "jinja2", "markupsafe", "packaging", "resolvelib"}


def tool(name):
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        # A reason, not a silent pass: the dev venv (make setup) provides these tools.
        pytest.skip("%s is not installed (requirements/dev.txt, `make setup`)" % name)
    return found


def run(command, **kwargs):
    result = subprocess.run(command, check=False, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
    assert result.returncode == 0, "%s failed (%d):\n%s" % (" ".join(command), result.returncode, result.stdout[-4000:])
    return result.stdout


# --- execution environment -----------------------------------------------------------------------

def test_builder_create_yields_a_valid_context(tmp_path):
    builder = tool("ansible-builder")
    galaxy = tool("ansible-galaxy")
    # The EE definition expects the collection tarball in build/ next to it (see its header).
    shutil.copy(REPO / "execution-environment.yml", tmp_path / "execution-environment.yml")
    run([galaxy, "collection", "build", "--force", "--output-path", str(tmp_path / "build"), str(REPO)])
    run([builder, "create", "-f", "execution-environment.yml", "-c", "context"], cwd=tmp_path)

    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text()
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    assert 'ARG EE_BASE_IMAGE="%s"' % definition["images"]["base_image"]["name"] in containerfile
    assert "ansible-core" in containerfile and "ansible-runner" in containerfile
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    names = {entry["name"] for entry in requirements["collections"]}
    assert "kubernetes.core" in names
    tarballs = list((context / "_build" / "collections").glob("kube_edge-lb-*.tar.gz"))
    assert len(tarballs) == 1, "the collection tarball must be in the context"
    assert "/build/collections/kube_edge-lb-*.tar.gz" in containerfile
    # The builder stage introspects the installed collections: ours must be installed before it.
    assert containerfile.index("kube_edge-lb-") < containerfile.index("introspect")


def third_party_imports():
    """Top-level modules imported by the collection's plugins that are neither stdlib nor Ansible."""
    found = set()
    for path in (REPO / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    ignored = {"ansible", "ansible_collections", "__future__"}
    return {name for name in found if name not in ignored and name not in sys.stdlib_module_names}


def test_ee_declares_every_library_the_plugins_import(tmp_path):
    builder = tool("ansible-builder")
    (tmp_path / "ansible_collections" / "kube_edge").mkdir(parents=True)
    (tmp_path / "ansible_collections" / "kube_edge" / "lb").symlink_to(REPO)
    output = run([builder, "introspect", "--sanitize", str(tmp_path)])
    data = yaml.safe_load(output.split("\n", 1)[1] if output.startswith("#") else output)
    declared = {re.split(r"[<>=!~ \[;#]", line, maxsplit=1)[0].lower() for line in data.get("python") or []}
    needed = {DISTRIBUTION.get(name, name).lower() for name in third_party_imports() - WITH_ANSIBLE_CORE}
    assert needed <= declared, "meta/ee-requirements.txt misses %s" % sorted(needed - declared)
    assert {"kubernetes", "requests", "cryptography"} <= declared


# --- site.yml through ansible-runner, the AWX way -------------------------------------------------

def load_lab():
    spec = importlib.util.spec_from_file_location("kube_edge_lab", REPO / "tests" / "lab" / "lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def survey_answers():
    """extra_vars as the example site job template's survey sends them (awx/job_templates.yml)."""
    templates = yaml.safe_load((REPO / "awx" / "job_templates.yml").read_text())
    site = next(template for template in templates["job_templates"] if template["playbook"] == "site.yml")
    answers = dict(site.get("extra_vars") or {})
    for question in site["survey_spec"]["spec"]:
        answers[question["variable"]] = question["default"]
    return answers


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
    # The kubeconfig credential's file injector writes the file; its env injector points at it.
    kubeconfig = env_dir / "kubeconfig"
    shutil.copy(lab.KUBECONFIG, kubeconfig)
    envvars = {
        "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (awx_project["collections"], REPO / ".cache" / "collections"),
        "K8S_AUTH_KUBECONFIG": str(kubeconfig),
        # Where the lab's generated certificates are (the lab inventory's kube_edge_lab_state_dir).
        "KUBE_EDGE_LAB_STATE_DIR": lab.STATE_DIR,
    }
    envvars.update(lab.LAB_F5_ENV)  # the BIG-IP credential's env injector
    if os.path.exists(lab.CONTAINERS_CONF):
        envvars["CONTAINERS_CONF"] = lab.CONTAINERS_CONF
    (env_dir / "envvars").write_text(yaml.safe_dump(envvars))
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
