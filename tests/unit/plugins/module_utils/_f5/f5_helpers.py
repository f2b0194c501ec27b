# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helpers for the F5 area: the BIG-IP emulator in-process, clients and generated certificates."""

from __future__ import annotations

import datetime
import json
import os

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import F5Client
from ansible_collections.kube_edge.lb.tests.emulators import bigip_emulator

HERE = os.path.dirname(os.path.abspath(__file__))


def load_emulator():
    """The BIG-IP emulator module (tests that build devices of their own, such as HA pairs, use it)."""
    return bigip_emulator


class Emulator:
    """An in-process emulator with helpers to read its request log and set faults."""

    def __init__(self):
        self.module = load_emulator()
        self.server = self.module.start_in_thread()
        self.port = self.server.server_address[1]
        self.url = "https://127.0.0.1:%d" % self.port
        self.device = self.server.device

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        with self.server.lock:
            self.device.reset()

    def requests(self):
        with self.server.lock:
            return json.loads(json.dumps(self.device.log))

    def clear_log(self):
        with self.server.lock:
            del self.device.log[:]

    def writes(self):
        return [entry for entry in self.requests() if entry["method"] != "GET" and "/authn/" not in entry["path"]
                and "/authz/" not in entry["path"]]

    def faults(self, **faults):
        return requests.post(self.url + "/_emulator/faults", json=faults, verify=False, timeout=10).json()

    def get(self, path):
        response = requests.get(self.url + path, auth=("admin", "admin"), verify=False, timeout=10)
        return response.status_code, response.json()

    def state(self):
        """A comparable copy of the whole device configuration."""
        with self.server.lock:
            return repr(sorted((kind, list(objs.items())) for kind, objs in self.device.store.items()))

    def client(self, **kwargs):
        kwargs.setdefault("backoff", 0)
        return F5Client("127.0.0.1", "admin", "admin", server_port=self.port, validate_certs=False, **kwargs)

    def provider(self, **extra):
        provider = {"server": "127.0.0.1", "server_port": self.port, "user": "admin", "password": "admin",
                    "validate_certs": False}
        provider.update(extra)
        return provider


def make_pair(directory, common_name="*.example.com", prefix="site"):
    """A self-signed EC certificate (SAN = the common name) and its key, written as <prefix>.crt / <prefix>.key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(str(directory), prefix + ".crt")
    key_path = os.path.join(str(directory), prefix + ".key")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with open(key_path, "wb") as handle:
        handle.write(key_pem)
    return cert_path, key_path, key_pem


def pool_params(**overrides):
    params = dict(name="web_80", partition="Common", state="present", description=None, lb_method=None,
                  monitors=["http"], monitor_quorum=None, members=None, members_mode="exclusive", node_partition=None)
    params.update(overrides)
    return params


def members(count, port=80, base="10.0", **extra):
    result = []
    for index in range(count):
        member = dict(address="%s.%d.%d" % (base, index // 250, index % 250 + 1), port=port, name=None, state="enabled",
                      ratio=1, priority_group=0, connection_limit=0, description=None)
        member.update(extra)
        result.append(member)
    return result


def virtual_params(**overrides):
    params = dict(name="web_vs_80", partition="Common", state="present", destination="192.0.2.10", port=80,
                  type="performance-l4", pool=None, profiles=None, client_ssl_profile=None, snat="automap",
                  enabled=True, vlans=None, irules=None, description=None)
    params.update(overrides)
    return params


def ssl_params(cert_path, key_path, **overrides):
    params = dict(name="star", partition="Common", state="present", certificate_path=cert_path, private_key_path=key_path,
                  private_key_passphrase=None, chain_path=None, cert_key_name=None, parent="clientssl", ciphers=None,
                  server_name=None, allow_self_signed=True)  # make_pair's certificates are self-signed
    params.update(overrides)
    return params


def monitor_params(**overrides):
    params = dict(name="healthz_80", partition="Common", state="present", parent="http",
                  send="GET /healthz HTTP/1.0\\r\\n\\r\\n", receive="^HTTP/1\\.[01] 200", receive_disable=None,
                  address=None, port=80, interval=5, timeout=16, description=None)
    params.update(overrides)
    return params


def http_profile_params(**overrides):
    params = dict(name="http_xff", partition="Common", state="present", parent="http", insert_x_forwarded_for=True,
                  description=None)
    params.update(overrides)
    return params


def server_ssl_params(**overrides):
    params = dict(name="nodes_tls", partition="Common", state="present", parent="serverssl", verify=True,
                  ca_file=None, ca_certificate=None, authenticate_name=None, server_name=None, description=None)
    params.update(overrides)
    return params
