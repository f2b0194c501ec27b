# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ingress TLS: requests and wall time of a no-op run for 20 apps, ours vs kubernetes.core.k8s, and
how many bad certificate bundles each lets into the cluster.

    python benchmarks/bench_ingress_tls.py --out FILE

Both sides run through ansible-playbook against the Kubernetes API emulator (in-process, random
127.0.0.1 port), with the same 20 apps: a kubernetes.io/tls Secret (full chain) attached to an
Ingress. The peer writes the same Secret and Ingress with two kubernetes.core.k8s tasks per app (the
usual hand-written way); it checks neither the certificate nor other Ingresses. The objects are
seeded first (ours with the module's own code in-process, the peer's exactly as its definitions
say), so the one measured run per side changes nothing. Bad bundles go through the module's code
and through the plain Secret POST the peer sends. Bounded: under a minute on 2 idle cores.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
sys.path.insert(0, COLLECTIONS)
APPS = 20

OURS = """
- name: ingress_tls for {apps} apps
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Secret and Ingress per app
      kube_edge.lb.ingress_tls:
        name: app{{{{ item }}}}-tls
        namespace: ours
        certificate_path: {d}/app{{{{ item }}}}.crt
        private_key_path: {d}/app{{{{ item }}}}.key
        ca_path: {d}/ca.crt
        ingress: app{{{{ item }}}}
        ingress_class: nginx
        rules:
          - host: app{{{{ item }}}}.example.test
            paths:
              - service: app{{{{ item }}}}
                port: 80
      loop: "{{{{ range({apps}) | list }}}}"
"""

PEER = """
- name: kubernetes.core.k8s for {apps} apps
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Secret per app
      kubernetes.core.k8s:
        definition:
          apiVersion: v1
          kind: Secret
          type: kubernetes.io/tls
          metadata:
            name: app{{{{ item }}}}-tls
            namespace: peer
          data:
            tls.crt: "{{{{ lookup('ansible.builtin.file', '{d}/app' ~ item ~ '.crt') | b64encode }}}}"
            tls.key: "{{{{ lookup('ansible.builtin.file', '{d}/app' ~ item ~ '.key') | b64encode }}}}"
      loop: "{{{{ range({apps}) | list }}}}"
      no_log: true
    - name: Ingress per app
      kubernetes.core.k8s:
        definition:
          apiVersion: networking.k8s.io/v1
          kind: Ingress
          metadata:
            name: app{{{{ item }}}}
            namespace: peer
          spec:
            ingressClassName: nginx
            tls:
              - hosts:
                  - app{{{{ item }}}}.peer.example.test
                secretName: app{{{{ item }}}}-tls
            rules:
              - host: app{{{{ item }}}}.peer.example.test
                http:
                  paths:
                    - path: /
                      pathType: Prefix
                      backend:
                        service:
                          name: app{{{{ item }}}}
                          port:
                            number: 80
      loop: "{{{{ range({apps}) | list }}}}"
"""


def load_emulator():
    from ansible_collections.kube_edge.lb.tests.emulators import k8s_fixtures
    return k8s_fixtures.load_emulator_module()


def write_material(directory):
    """20 app certificates from one test CA, plus a matrix of bad bundles (all made now)."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls import pki as factory

    ca = factory.Pki("Bench")

    def write(name, cert_text, key_text):
        with open(os.path.join(directory, name + ".crt"), "w") as handle:
            handle.write(cert_text)
        with open(os.path.join(directory, name + ".key"), "w") as handle:
            handle.write(key_text)

    with open(os.path.join(directory, "ca.crt"), "w") as handle:  # the test CA's root, trusted through `ca`
        handle.write(factory.pem(ca.root))
    for index in range(APPS):
        cert, key = ca.leaf(sans=("app%d.example.test" % index, "app%d.peer.example.test" % index))
        write("app%d" % index, factory.pem(cert, ca.intermediate), factory.key_pem(key))
    good, good_key = ca.leaf(sans=("foo.bar.com",))
    cases = {}
    expired, expired_key = ca.leaf(sans=("foo.bar.com",), start_days=-30, days=-1)
    cases["expired"] = (factory.pem(expired, ca.intermediate), factory.key_pem(expired_key))
    future, future_key = ca.leaf(sans=("foo.bar.com",), start_days=3, days=90)
    cases["not-yet-valid"] = (factory.pem(future, ca.intermediate), factory.key_pem(future_key))
    cases["mismatched-key"] = (factory.pem(good, ca.intermediate), factory.key_pem(factory.new_key("ec", cache=False)))
    cases["reversed-chain"] = (factory.pem(ca.intermediate, good), factory.key_pem(good_key))
    cases["missing-intermediate"] = (factory.pem(good, ca.root), factory.key_pem(good_key))
    cases["leaf-without-chain"] = (factory.pem(good), factory.key_pem(good_key))
    weak_key = factory.new_key("rsa", bits=1024)
    weak = ca.leaf(sans=("foo.bar.com",), key=weak_key)[0]
    cases["rsa-1024"] = (factory.pem(weak, ca.intermediate), factory.key_pem(weak_key))
    cn_only, cn_key = ca.leaf(sans=None)
    cases["cn-only"] = (factory.pem(cn_only, ca.intermediate), factory.key_pem(cn_key))
    nested, nested_key = ca.leaf(sans=("*.foo.bar.com",))  # a wildcard does not cover its apex
    cases["wrong-host"] = (factory.pem(nested, ca.intermediate), factory.key_pem(nested_key))
    client_only, client_key = ca.leaf(sans=("foo.bar.com",), eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    cases["client-auth-only"] = (factory.pem(client_only, ca.intermediate), factory.key_pem(client_key))
    cases["encrypted-key"] = (factory.pem(good, ca.intermediate), factory.key_pem(good_key, passphrase="x"))
    cases["garbage"] = ("not a certificate\n", factory.key_pem(good_key))
    rsa_root_key = factory.new_key("rsa")
    old_root = factory.make_cert("Old Root", rsa_root_key, ca=True)
    sha1 = factory.make_cert("foo.bar.com", good_key, issuer=old_root, issuer_key=rsa_root_key,
                             sans=["foo.bar.com"], hash_alg="sha1")
    cases["sha1"] = (factory.pem(sha1), factory.key_pem(good_key))
    for name, (cert_text, key_text) in cases.items():
        write("bad-" + name, cert_text, key_text)
    return sorted(cases)


def playbook(directory, name, text, **fields):
    path = os.path.join(directory, name)
    with open(path, "w") as handle:
        handle.write(text.format(d=directory, apps=APPS, **fields))
    return path


def run(path, env):
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    started = time.monotonic()
    result = subprocess.run([binary, "-i", "localhost,", "-c", "local", "-e",
                             "ansible_python_interpreter=%s" % sys.executable, path],
                            env=env, capture_output=True, text=True, timeout=170, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (path, (result.stdout + result.stderr)[-3000:]))
    return elapsed, result.stdout


def measure(emulator, path, env):
    """One ansible-playbook run over objects that are already as wanted: requests, writes, seconds."""
    emulator.clear_requests()
    elapsed = run(path, env)[0]
    requests = [entry for entry in emulator.requests() if not entry["path"].startswith("/_emulator")]
    writes = [entry for entry in requests if entry["method"] not in ("GET",)]
    return elapsed, len(requests), len(writes)


def module_params(**options):
    """The module's defaults (from its argspec) with ``options`` on top, as AnsibleModule would pass them."""
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import ingress
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import K8S

    params = dict((name, spec.get("default")) for name, spec in K8S.argument_spec(ingress).items())
    params.update(options)
    return params


def root_pem(directory):
    with open(os.path.join(directory, "ca.crt")) as handle:
        return handle.read()


def seed_ours(kubeconfig, directory):
    """Create the 20 apps in-process with the module's own code (the playbook run is then a no-op)."""
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.ingress import IngressTls

    client = KubeClient.from_params({"kubeconfig": kubeconfig})
    for index in range(APPS):
        with open(os.path.join(directory, "app%d.crt" % index)) as cert, open(os.path.join(directory, "app%d.key" % index)) as key:
            params = module_params(name="app%d-tls" % index, namespace="ours", certificate=cert.read(),
                                   private_key=key.read(), ca=root_pem(directory),
                                   ingress="app%d" % index, ingress_class="nginx",
                                   rules=[{"host": "app%d.example.test" % index, "paths": [
                                       {"path": "/", "path_type": "Prefix", "service": "app%d" % index, "port": 80}]}])
        IngressTls(client, params).run()


def seed_peer(emulator, directory):
    """Store exactly what the peer's definitions say (its file lookups strip the trailing newline)."""
    for index in range(APPS):
        data = {}
        for key, suffix in (("tls.crt", ".crt"), ("tls.key", ".key")):
            with open(os.path.join(directory, "app%d%s" % (index, suffix)), "rb") as handle:
                data[key] = base64.b64encode(handle.read().rstrip()).decode()
        emulator.store.put_object("v1", "secrets", {
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "app%d-tls" % index, "namespace": "peer"}, "data": data})
        host = "app%d.peer.example.test" % index  # ours guards its hosts: the peer gets its own
        emulator.store.put_object("networking.k8s.io/v1", "ingresses", {
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "app%d" % index, "namespace": "peer"},
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": [host], "secretName": "app%d-tls" % index}],
                     "rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                         "service": {"name": "app%d" % index, "port": {"number": 80}}}}]}}]}})


def bad_bundles(emulator, kubeconfig, directory, cases):
    """Each bad bundle through the module's code, and as the plain Secret POST kubectl or
    kubernetes.core.k8s would send (the API server only checks that tls.crt and tls.key exist)."""
    from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import KubeClient
    from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.ingress import IngressTls

    client = KubeClient.from_params({"kubeconfig": kubeconfig})
    refused = {}
    for name in cases:
        with open(os.path.join(directory, "bad-%s.crt" % name), "rb") as cert, \
                open(os.path.join(directory, "bad-%s.key" % name), "rb") as key:
            cert_bytes, key_bytes = cert.read(), key.read()
        try:
            IngressTls(client, module_params(name="bad-" + name, namespace="ours", certificate=cert_bytes,
                                             private_key=key_bytes, ca=root_pem(directory), hosts=["foo.bar.com"])).run()
        except KubeEdgeError as error:
            refused[name] = str(error)
        try:
            client.create("v1", "secrets", {
                "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                "metadata": {"name": "bad-" + name, "namespace": "peer"},
                "data": {"tls.crt": base64.b64encode(cert_bytes).decode(), "tls.key": base64.b64encode(key_bytes).decode()}},
                namespace="peer")
        except KubeEdgeError:
            pass
    return refused


def stored_secrets(emulator, namespace):
    with emulator.store.lock:
        return set(name for (group, plural, ns, name) in emulator.store.objects if plural == "secrets" and ns == namespace)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-ingress-tls-")
    emulator = load_emulator().K8sEmulator(port=0).start()
    try:
        kubeconfig = emulator.write_kubeconfig(os.path.join(workdir, "kubeconfig"))
        for namespace in ("ours", "peer"):
            emulator.store.put_object("v1", "namespaces", {"metadata": {"name": namespace}})
        cases = write_material(workdir)
        env = dict(os.environ, K8S_AUTH_KUBECONFIG=kubeconfig, TMPDIR=workdir, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS),
                   ANSIBLE_CONFIG=os.environ.get("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg")))
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        seed_ours(kubeconfig, workdir)
        seed_peer(emulator, workdir)
        ours_time, ours_requests, ours_writes = measure(emulator, playbook(workdir, "ours.yml", OURS), env)
        peer_time, peer_requests, peer_writes = measure(emulator, playbook(workdir, "peer.yml", PEER), env)
        refused = bad_bundles(emulator, kubeconfig, workdir, cases)
        ours_let_in = len([name for name in stored_secrets(emulator, "ours") if name.startswith("bad-")])
        peer_let_in = len([name for name in stored_secrets(emulator, "peer") if name.startswith("bad-")])
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    results = {
        "ingress_tls_noop_requests": {
            "value": ours_requests, "unit": "requests", "peer": peer_requests, "target": "lower than peer",
            "note": "HTTP requests of a no-op run for %d apps (Secret + Ingress each); ours sent %d writes, "
                    "kubernetes.core.k8s %d (its no-op PATCHes)." % (APPS, ours_writes, peer_writes)},
        "ingress_tls_requests_ratio": {
            "value": round(peer_requests / float(ours_requests), 2), "unit": "x", "peer": None, "target": ">= 2",
            "note": "kubernetes.core.k8s requests / ingress_tls requests, no-op run, %d apps; ours also does the "
                    "certificate checks and a cluster-wide host-hijack scan." % APPS},
        "ingress_tls_noop_wall_s": {
            "value": round(ours_time, 2), "unit": "s", "peer": round(peer_time, 2), "target": "lower than peer",
            "note": "Wall time of the no-op ansible-playbook run for %d apps against the emulator." % APPS},
        "ingress_tls_wall_ratio": {
            "value": round(peer_time / ours_time, 2), "unit": "x", "peer": None, "target": "> 1",
            "note": "kubernetes.core.k8s wall time / ingress_tls wall time (no-op run; one task per app for us, "
                    "two for the peer)."},
        "ingress_tls_bad_bundles_written": {
            "value": ours_let_in, "unit": "secrets", "peer": peer_let_in, "target": "0",
            "note": "Of %d bad bundles (%s), how many ended up as Secrets in the cluster." % (
                len(cases), ", ".join(cases))},
    }
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
    print(json.dumps(results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
