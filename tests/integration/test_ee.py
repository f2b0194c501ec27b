# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution environment: `make ee-context` (what `make ee` builds from) without manual steps.

- The build context ansible-builder writes is complete: the ee-minimal base, the staged collection
  tarball inside the context, galaxy requirements naming it and kubernetes.core only.
- The galaxy stage's collection install works on the staged tarball as the Containerfile runs it
  (from _build, offline here, our collection only: Galaxy is unreachable), and the builder stage's
  introspection of what got installed finds every third-party library our plugins import.
Building the image itself needs a registry for the base image, which this network cannot reach.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.kube_edge.lb.tests.integration.commands import BIN, run, tool

REPO = Path(__file__).resolve().parents[2]
CONTEXT = REPO / ".cache" / "ee" / "context"
# Import name -> distribution name, where they differ.
DISTRIBUTION = {"yaml": "pyyaml"}
# Libraries ansible-core itself requires: every execution environment has them.
WITH_ANSIBLE_CORE = {"yaml", "jinja2", "markupsafe", "packaging", "resolvelib"}


@pytest.fixture(scope="module")
def context():
    tool("ansible-builder")
    env = dict(os.environ)
    env["PATH"] = "%s:%s" % (BIN, env.get("PATH", ""))
    run(["make", "--no-print-directory", "-s", "ee-context"], cwd=REPO, env=env)
    return CONTEXT


def test_context_is_complete_without_manual_steps(context):
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    containerfile = (context / "Containerfile").read_text()
    base = definition["images"]["base_image"]["name"]
    assert "ee-minimal" in base and 'ARG EE_BASE_IMAGE="%s"' % base in containerfile
    # ansible-core and ansible-runner come with the base: the final stage checks they are there.
    assert "check_ansible" in containerfile and "ansible_core" not in definition["dependencies"]
    staged = context / "_build" / "collections" / "kube_edge-lb.tar.gz"
    assert staged.is_file(), "the collection tarball must be in the context"
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    names = [entry["name"] for entry in requirements["collections"]]
    assert names == ["collections/kube_edge-lb.tar.gz", "kubernetes.core"], names
    assert "COPY _build /build" in containerfile and "WORKDIR /build" in containerfile
    # The builder stage introspects the collections the galaxy stage installed (ours among them).
    assert containerfile.index("collection install") < containerfile.index("introspect")


def third_party_imports(root):
    """Top-level modules imported by the collection's plugins that are neither stdlib nor Ansible."""
    found = set()
    for path in (root / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    ignored = {"ansible", "ansible_collections", "__future__"}
    return {name for name in found if name not in ignored and name not in sys.stdlib_module_names}


def test_galaxy_stage_installs_the_tarball_and_introspection_finds_our_libraries(context, tmp_path):
    # The galaxy stage's command, from _build as its WORKDIR, for our entry (kubernetes.core would
    # come from Galaxy); then the builder stage's introspection of the installed collections.
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    ours = [entry for entry in requirements["collections"] if entry.get("type") == "file"]
    (tmp_path / "ours.yml").write_text(yaml.safe_dump({"collections": ours}))
    installed = tmp_path / "collections"
    # As in the image: no other install of kube_edge.lb in sight (the checkout's would satisfy it).
    clean = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    run([tool("ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-r", str(tmp_path / "ours.yml"),
         "--collections-path", str(installed)], cwd=context / "_build", env=clean)
    collection = installed / "ansible_collections" / "kube_edge" / "lb"
    assert (collection / "meta" / "execution-environment.yml").is_file()
    output = run([tool("ansible-builder"), "introspect", "--sanitize", str(installed)])
    data = yaml.safe_load(output.split("\n", 1)[1] if output.startswith("#") else output)
    declared = {re.split(r"[<>=!~ \[;#]", line, maxsplit=1)[0].lower() for line in data.get("python") or []}
    needed = {DISTRIBUTION.get(name, name).lower() for name in third_party_imports(collection) - WITH_ANSIBLE_CORE}
    assert needed <= declared, "meta/ee-requirements.txt misses %s" % sorted(needed - declared)
    assert {"kubernetes", "requests", "cryptography"} <= declared
    # Only what users need went into the image: no test bed inside the installed collection.
    assert not (collection / "tests").exists() and not (collection / "molecule").exists()
