# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files the Ansible way: a user's project in a fresh directory, run from somewhere else.

The project holds files/ beside the playbook (a certificate, a Vault-encrypted key and kubeconfig)
and a role with its own files/. ansible-playbook runs with the shell in another directory and
``--vault-password-file``: relative paths must resolve like copy's src and the vaulted files must
reach the modules decrypted, against the Kubernetes and BIG-IP emulators.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
VAULT_PASSWORD = "integration-vault-password"

pytest.importorskip("cryptography")  # reason: certificates are generated at test time


def load_pki():
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    return importlib.import_module("ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki")


def load_bigip_harness():
    spec = importlib.util.spec_from_file_location("bigip_harness", os.path.join(ROOT, "tests", "emulators", "bigip_harness.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def vault_encrypt(path):
    from ansible.parsing.vault import VaultLib, VaultSecret
    vault = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))])
    path.write_bytes(vault.encrypt(path.read_bytes()))


@pytest.fixture()
def project(tmp_path):
    """<tmp>/project: files/{web.crt,web.key (vaulted),ca.crt}, and the same in roles/edge_ssl/files/."""
    pki_module = load_pki()
    pki = pki_module.Pki("FilesVault")
    leaf, key = pki.leaf(sans=("shop.example.com",))
    directory = tmp_path / "project"
    for files in (directory / "files", directory / "roles" / "edge_ssl" / "files"):
        files.mkdir(parents=True)
        (files / "web.crt").write_text(pki_module.pem(leaf, pki.intermediate))
        (files / "web.key").write_text(pki_module.key_pem(key))
        vault_encrypt(files / "web.key")
        (files / "ca.crt").write_text(pki_module.pem(pki.root))  # the private root the chain leads to
    (directory / "vault-pass").write_text(VAULT_PASSWORD + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return directory, elsewhere, pki_module.key_pem(key)


def run_from(elsewhere, playbook, env):
    env = dict(env)
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable,
               "--vault-password-file", str(playbook.parent / "vault-pass"), str(playbook)]
    return subprocess.run(command, env=env, cwd=str(elsewhere), capture_output=True, text=True, timeout=300, check=False)


INGRESS_PLAY = """
- name: A certificate from files/, a vaulted key and a vaulted kubeconfig, all relative
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Store the certificate
      kube_edge.lb.ingress_tls: &tls
        name: shop-tls
        namespace: default
        kubeconfig: kubeconfig
        certificate_path: web.crt
        private_key_path: files/web.key
        ca_path: ca.crt
        hosts: [shop.example.com]
      register: first
    - name: Same again
      kube_edge.lb.ingress_tls: *tls
      register: second
    - name: Converged once, unchanged after
      ansible.builtin.assert:
        that: [first is changed, second is not changed]
"""


def test_ingress_tls_reads_project_files_and_vault(project, k8s_emulator, k8s_env):
    directory, elsewhere, key_pem = project
    kubeconfig = directory / "files" / "kubeconfig"
    kubeconfig.write_bytes(open(k8s_emulator.kubeconfig, "rb").read())
    vault_encrypt(kubeconfig)
    playbook = directory / "site.yml"
    playbook.write_text(textwrap.dedent(INGRESS_PLAY))
    env = dict(k8s_env)
    env.pop("K8S_AUTH_KUBECONFIG")  # the vaulted project file is the only way in
    result = run_from(elsewhere, playbook, env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    with k8s_emulator.store.lock:
        secret = k8s_emulator.store.objects.get(("", "secrets", "default", "shop-tls"))
    assert base64.b64decode(secret["data"]["tls.key"]).decode().strip() == key_pem.strip()
    assert key_pem.strip() not in result.stdout + result.stderr


ROLE_TASKS = """
- name: Client SSL profile from the role's files/
  kube_edge.lb.f5_client_ssl:
    name: shop.example.com
    certificate_path: web.crt
    private_key_path: web.key
    ca_path: ca.crt
"""

F5_PLAY = """
- name: A role whose files/ hold the certificate and the vaulted key
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply the role
      ansible.builtin.include_role:
        name: edge_ssl
    - name: Apply it again, which must change nothing
      ansible.builtin.include_role:
        name: edge_ssl
"""


@pytest.fixture(scope="module")
def bigip(tmp_path_factory):
    harness = load_bigip_harness()
    emulator = harness.EmulatorProcess(str(tmp_path_factory.mktemp("bigip") / "emulator.log"))
    yield harness, emulator
    emulator.stop()


def test_f5_client_ssl_reads_role_files_and_vault(project, bigip):
    harness, emulator = bigip
    emulator.reset()
    directory, elsewhere, key_pem = project
    tasks = directory / "roles" / "edge_ssl" / "tasks"
    tasks.mkdir()
    (tasks / "main.yml").write_text(textwrap.dedent(ROLE_TASKS))
    playbook = directory / "site.yml"
    playbook.write_text(textwrap.dedent(F5_PLAY))
    env = dict(os.environ, F5_SERVER="127.0.0.1", F5_SERVER_PORT=str(emulator.port), F5_USER="admin",
               F5_PASSWORD="admin", F5_VALIDATE_CERTS="false", F5_TELEMETRY_OFF="true", ANSIBLE_STDOUT_CALLBACK="default")
    result = run_from(elsewhere, playbook, env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    recap = [line for line in result.stdout.splitlines() if line.startswith("localhost")][-1]
    assert "changed=1 " in recap, output[-3000:]
    keys = emulator.get("/mgmt/tm/sys/file/ssl-key").get("items", [])
    assert [k for k in keys if k["name"].startswith("shop.example.com")], keys
    assert key_pem.strip() not in output
