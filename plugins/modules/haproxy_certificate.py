#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: haproxy_certificate
short_description: Write an HAProxy certificate PEM after checking the key, chain and validity
version_added: 0.1.0
description:
  - Writes one PEM file as HAProxy's C(crt) keyword loads it, server certificate first, then the
    intermediates, then the private key, with mode C(0600) by default.
  - Before anything is written it checks that the key matches the certificate, that the chain is in
    order and complete, that no certificate expires within O(min_days_valid) days and, when O(hosts) is
    given, that the certificate covers them. Every problem is reported in one message; an existing file
    is left untouched.
  - Key material never appears in the result, the diff or error messages; fingerprints identify the certificate and key.
requirements:
  - cryptography (on the target; C(python3-cryptography) on Debian)
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Certificate subjects, fingerprints and expiry dates, never key material.
  idempotent:
    support: full
options:
  path:
    description: Where the PEM file is written, for example C(/etc/haproxy/certs/star.example.com.pem).
    type: path
    required: true
  certificate:
    description: The server certificate in PEM, optionally followed by its intermediates.
    type: str
    required: true
  private_key:
    description: The private key in PEM matching O(certificate).
    type: str
    required: true
  key_passphrase:
    description: Passphrase of an encrypted O(private_key); the file is written with the key decrypted, as HAProxy needs it.
    type: str
  chain:
    description: Intermediate certificates in PEM, added after the server certificate.
    type: str
  hosts:
    description: Host names the certificate must cover (subjectAltName DNS entries, one-label wildcards).
    type: list
    elements: str
    default: []
  min_days_valid:
    description: Refuse certificates that expire within this many days.
    type: int
    default: 14
  allow_self_signed:
    description: Accept a self-signed server certificate (labs and tests only).
    type: bool
    default: false
  reorder_chain:
    description: Put the server certificate and intermediates in the right order instead of refusing a misordered bundle.
    type: bool
    default: false
  mode:
    description: File mode of the PEM file.
    type: str
    default: '0600'
  owner:
    description: Owner of the PEM file; unchanged when not set (HAProxy reads certificates as root before dropping privileges).
    type: str
  group:
    description: Group of the PEM file; unchanged when not set.
    type: str
"""

EXAMPLES = r"""
- name: Install the wildcard certificate for the HTTP-mode frontend
  kube_edge.lb.haproxy_certificate:
    path: /etc/haproxy/certs/star.example.com.pem
    certificate: "{{ lookup('ansible.builtin.file', 'files/star.example.com.crt') }}"
    chain: "{{ lookup('ansible.builtin.file', 'files/intermediate.crt') }}"
    private_key: "{{ vault_star_example_com_key }}"
    hosts: [example.com, dev.example.com]
"""

RETURN = r"""
path:
  description: The PEM file.
  returned: always
  type: str
  sample: /etc/haproxy/certs/star.example.com.pem
certificate:
  description: Facts about the server certificate written (or that would be written).
  returned: always
  type: dict
  sample:
    subject: CN=*.example.com
    sans: ["*.example.com", example.com]
    not_after: "2027-01-01T00:00:00+00:00"
    days_left: 402
    fingerprint_sha256: "AB:CD:..."
    public_key_sha256: "12:34:..."
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import certificate
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import tls


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            certificate=dict(type="str", required=True),
            private_key=dict(type="str", required=True, no_log=True),
            key_passphrase=dict(type="str", no_log=True),
            chain=dict(type="str"),
            hosts=dict(type="list", elements="str", default=[]),
            min_days_valid=dict(type="int", default=14),
            allow_self_signed=dict(type="bool", default=False),
            reorder_chain=dict(type="bool", default=False),
            mode=dict(type="str", default="0600"),
            owner=dict(type="str"),
            group=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    if not tls.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"))
    params = module.params
    path = params["path"]
    try:
        bundle = tls.check_bundle(
            params["certificate"], params["private_key"], chain=params["chain"], key_passphrase=params["key_passphrase"],
            hosts=params["hosts"], min_days_valid=params["min_days_valid"],
            allow_self_signed=params["allow_self_signed"], reorder_chain=params["reorder_chain"])
        current = None
        if os.path.exists(path):
            with open(path, "rb") as handle:
                current = handle.read()
        new_pem, before, after = certificate.plan(bundle, current)
    except KubeEdgeError as error:
        module.fail_json(msg=str(error))
    for warning in bundle.warnings:
        module.warn(warning)

    tracker = ChangeTracker()
    tracker.record(path, before, after if new_pem != current else before)
    changed = new_pem != current
    if changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            module.fail_json(msg="path=%r: the directory %s does not exist." % (path, directory))
        temporary = os.path.join(directory, ".%s.tmp" % os.path.basename(path))
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(new_pem)
        module.atomic_move(temporary, path)
    file_args = dict(path=path, mode=params["mode"], owner=params["owner"], group=params["group"])
    if os.path.exists(path):
        changed = module.set_fs_attributes_if_different(module.load_file_common_arguments(file_args), changed)
    elif module.check_mode:
        changed = True
    result = dict(changed=changed, path=path, certificate=bundle.info())
    if module._diff:
        result["diff"] = tracker.diff()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
