# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.ingress_tls through ansible-playbook against the Kubernetes API emulator.

Certificates and keys are generated in tmp_path at test time. Two playbook runs in all (one
with -vvv --diff whose whole output must not contain any key material), to keep CI time small.
"""

from __future__ import annotations

import base64
import importlib
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")


def load_pki():
    """The test PKI factory, through the collection path `make setup` links (fails, never skips)."""
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    return importlib.import_module("ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki")


def playbook_env(k8s_env):
    env = dict(k8s_env)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)
    env.setdefault("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_NOCOLOR"] = "1"
    return env


def run_playbook(path, env, *args):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, path] + list(args)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def stored(emulator, group, plural, namespace, name):
    with emulator.store.lock:
        return emulator.store.objects.get((group, plural, namespace, name))


@pytest.fixture()
def material(tmp_path):
    pki_module = load_pki()
    pki = pki_module.Pki("Integration")
    files = {}

    def write(name, text):
        path = tmp_path / name
        path.write_text(text)
        files[name] = str(path)

    leaf, key = pki.leaf(sans=("foo.bar.com", "*.bar.com"))
    other, other_key = pki.leaf(sans=("foo.bar.com", "*.bar.com"))
    expired, expired_key = pki.leaf(start_days=-30, days=-1)
    write("fullchain.pem", pki_module.pem(leaf, pki.intermediate))
    write("key.pem", pki_module.key_pem(key, passphrase="pass-phrase-1"))
    write("other.pem", pki_module.pem(other, pki.intermediate))
    write("other-leaf-only.pem", pki_module.pem(other))
    write("other.key", pki_module.key_pem(other_key))
    write("expired.pem", pki_module.pem(expired, pki.intermediate))
    write("expired.key", pki_module.key_pem(expired_key))
    write("ca.pem", pki_module.pem(pki.root))
    files["secrets"] = [pki_module.key_pem(k) for k in (key, other_key, expired_key)]
    files["secrets"].append(pki_module.key_pem(key, passphrase="pass-phrase-1"))
    return files


def seed(emulator):
    """A namespace with a stranger claiming a host, and a legacy Opaque Secret."""
    emulator.store.put_object("v1", "namespaces", {"metadata": {"name": "evil"}})
    emulator.store.put_object("networking.k8s.io/v1", "ingresses", {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "thief", "namespace": "evil"},
        "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "x", "port": {"number": 80}}}}]}}]}})
    emulator.store.put_object("v1", "secrets", {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "legacy", "namespace": "default"}, "data": {"token": base64.b64encode(b"x").decode()}})


PLAYBOOK = """
- name: ingress_tls against the emulator
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/kube_edge.lb.k8s:
      namespace: default
  vars:
    app: &app
      name: test-tls
      certificate_path: {d}/fullchain.pem
      private_key_path: {d}/key.pem
      private_key_passphrase: pass-phrase-1
      ca_path: {d}/ca.pem
      ingress: name-virtual-host-ingress
      ingress_class: nginx
      rules:
        - host: foo.bar.com
          paths: [{{service: service1, port: 80}}]
        - host: "*.bar.com"
          paths: [{{service: service2, port: 80}}]
  tasks:
    - name: Create the Secret and the chapter's Ingress
      kube_edge.lb.ingress_tls: *app
      register: first
    - name: Same again
      kube_edge.lb.ingress_tls: *app
      register: second
    - name: Another certificate, in check mode
      kube_edge.lb.ingress_tls:
        <<: *app
        certificate_path: {d}/other.pem
        private_key_path: {d}/other.key
        private_key_passphrase: null
      check_mode: true
      register: check
    - name: An expired certificate
      kube_edge.lb.ingress_tls:
        <<: *app
        certificate_path: {d}/expired.pem
        private_key_path: {d}/expired.key
        private_key_passphrase: null
      register: expired
      ignore_errors: true
    - name: A mismatched key
      kube_edge.lb.ingress_tls:
        <<: *app
        private_key_path: {d}/other.key
        private_key_passphrase: null
      register: mismatch
      ignore_errors: true
    - name: A leaf without its intermediate does not replace the working Secret
      kube_edge.lb.ingress_tls:
        <<: *app
        certificate_path: {d}/other-leaf-only.pem
        private_key_path: {d}/other.key
        private_key_passphrase: null
      register: leaf_only
      ignore_errors: true
    - name: A host someone else already serves, in check mode
      kube_edge.lb.ingress_tls: &hijack
        name: shop-tls
        certificate_path: {d}/other.pem
        private_key_path: {d}/other.key
        ca_path: {d}/ca.pem
        hosts: [foo.bar.com]
        ingress: shop
        ingress_class: nginx
        rules:
          - host: shop.example.com
            paths: [{{service: shop, path: /checkout, port: 80}}]
      check_mode: true
      register: hijack_check
      ignore_errors: true
    - name: A host someone else already serves
      kube_edge.lb.ingress_tls: *hijack
      register: hijack
      ignore_errors: true
    - name: Replace an Opaque Secret without force (the options' old names)
      kube_edge.lb.ingress_tls:
        name: legacy
        cert_path: {d}/other.pem
        key_path: {d}/other.key
        ca_path: {d}/ca.pem
        hosts: [foo.bar.com]
      register: legacy_noforce
      ignore_errors: true
    - name: Replace an Opaque Secret with force
      kube_edge.lb.ingress_tls:
        name: legacy
        cert_path: {d}/other.pem
        key_path: {d}/other.key
        ca_path: {d}/ca.pem
        hosts: [foo.bar.com]
        force: true
      register: legacy_force
    - name: Results are as expected
      ansible.builtin.assert:
        that:
          - first is changed
          - second is not changed
          - check is changed
          - check.diff.before['secret default/test-tls']['tls.crt'].fingerprint_sha256 == first.certificate.fingerprint_sha256
          - expired is failed and 'has expired' in expired.msg
          - first.requests >= 4 and second.requests == 2
          - mismatch is failed and 'private_key_path=' in mismatch.msg and 'does not match certificate_path=' in mismatch.msg
          - leaf_only is failed and 'does not lead to a trusted root' in leaf_only.msg
          - hijack_check is failed and "host 'shop.example.com' is already served by Ingress evil/thief" in hijack_check.msg
          - hijack is failed and "host 'shop.example.com' is already served by Ingress evil/thief" in hijack.msg
          - legacy_noforce is failed and 'has type Opaque' in legacy_noforce.msg
          - legacy_force is changed
"""


def test_ingress_tls_end_to_end(k8s_emulator, k8s_env, material, tmp_path):
    seed(k8s_emulator)
    playbook = tmp_path / "play.yml"
    playbook.write_text(textwrap.dedent(PLAYBOOK.format(d=tmp_path)))
    env = playbook_env(k8s_env)
    result = run_playbook(str(playbook), env, "-vvv", "--diff")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]

    secret = stored(k8s_emulator, "", "secrets", "default", "test-tls")
    assert secret["type"] == "kubernetes.io/tls"
    chain = base64.b64decode(secret["data"]["tls.crt"]).decode()
    assert chain == open(material["fullchain.pem"]).read()  # full chain; check mode stored nothing
    assert b"ENCRYPTED" not in base64.b64decode(secret["data"]["tls.key"])
    ingress = stored(k8s_emulator, "networking.k8s.io", "ingresses", "default", "name-virtual-host-ingress")
    assert ingress["spec"]["tls"] == [{"hosts": ["foo.bar.com", "*.bar.com"], "secretName": "test-tls"}]
    assert [r["host"] for r in ingress["spec"]["rules"]] == ["foo.bar.com", "*.bar.com"]
    assert stored(k8s_emulator, "", "secrets", "default", "shop-tls") is None  # the guard stopped it before any write
    assert stored(k8s_emulator, "networking.k8s.io", "ingresses", "default", "shop") is None
    assert stored(k8s_emulator, "", "secrets", "default", "legacy")["type"] == "kubernetes.io/tls"

    # No key material anywhere in the -vvv --diff output: not the PEM, not a line of it, not its base64.
    assert "PRIVATE KEY-----" not in output and "pass-phrase-1" not in output
    for key_text in material["secrets"]:
        for line in key_text.splitlines()[1:-1]:
            assert line not in output
        assert base64.b64encode(key_text.encode()).decode()[:40] not in output
    assert secret["data"]["tls.key"][:40] not in output


def test_no_op_request_count(k8s_emulator, k8s_env, material, tmp_path):
    """A second run of a Secret-only task sends one GET of the Secret, and nothing else."""
    playbook = tmp_path / "noop.yml"
    playbook.write_text(textwrap.dedent("""
        - name: No-op run
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Secret only, twice
              kube_edge.lb.ingress_tls:
                name: plain-tls
                certificate_path: {d}/other.pem
                private_key_path: {d}/other.key
                ca_path: {d}/ca.pem
                hosts: [foo.bar.com, api.bar.com]
              register: run
              loop: [1, 2]
            - name: Second is a no-op
              ansible.builtin.assert:
                that:
                  - run.results[0] is changed
                  - run.results[1] is not changed
        """.format(d=tmp_path)))
    env = playbook_env(k8s_env)
    result = run_playbook(str(playbook), env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    log = [(entry["method"], entry["path"]) for entry in k8s_emulator.requests()]
    assert log == [("GET", "/api/v1/namespaces/default/secrets/plain-tls"), ("POST", "/api/v1/namespaces/default/secrets"),
                   ("GET", "/api/v1/namespaces/default/secrets/plain-tls")]
