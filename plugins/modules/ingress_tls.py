#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ingress_tls
short_description: Check a TLS certificate, store it as a Secret and attach it to an Ingress
version_added: 0.1.0
description:
  - Checks a certificate, its private key and chain before anything is written, more thoroughly than
    C(kubectl create secret tls) (key match only) or the API server (key presence only), with the checks
    every certificate module of the collection runs (see the notes), plus host coverage of O(hosts).
    A leaf without its intermediate does not lead to a trusted root and is refused, so it cannot replace
    a working Secret. Every problem, of the options and of the certificate, is reported in one message.
  - Writes a C(kubernetes.io/tls) Secret with the full chain in C(tls.crt) (and C(ca.crt) when O(ca) is
    given), in the namespace of the Ingress. The Secret is compared by content (certificate and public
    key fingerprints), so a second run sends no write.
  - Attaches C(spec.tls[{hosts, secretName}]) to the Ingress by merging, keeping other TLS entries and
    rules, or creates the Ingress from O(rules).
  - Host-hijack guard, before writing (also in check mode), lists the Ingresses of all namespaces in one
    request (where RBAC allows) and fails or warns when another Ingress that may be served by the same
    controller (same class, or no class) serves one of our hosts from another namespace, whatever the
    path, or, in our namespace, claims one of our host and path pairs or holds a TLS section for one of
    our hosts with a different Secret. An exact host under one of our wildcard hosts counts as ours.
  - Diffs and results show fingerprints, names and dates, never key material.
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
  - kube_edge.lb._attributes.k8s_action_group
  - kube_edge.lb._attributes.controller
  - kube_edge.lb._k8s_auth
  - kube_edge.lb._tls
attributes:
  check_mode:
    support: full
    details:
      - Writes are sent with the server-side C(dryRun=All). Recreating a Secret of another type (O(force))
        is only predicted.
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - With O(generate=self_signed) or O(generate=local_ca) the certificate is kept while it passes every
        check, and reissued otherwise.
options:
  name:
    description: Name of the C(kubernetes.io/tls) Secret.
    type: str
    required: true
  namespace:
    description: Namespace of the Secret and of the Ingress.
    type: str
    default: default
  state:
    description:
      - V(present) checks the certificate, writes the Secret and attaches it to O(ingress).
      - V(absent) removes the O(name) entry from the C(spec.tls) of O(ingress) and deletes the Secret
        (only one managed by this module, unless O(force=true)).
    type: str
    choices: [present, absent]
    default: present
  generate:
    description:
      - For labs. V(self_signed) issues a self-signed certificate for the hosts, V(local_ca) one signed by
        the CA in O(local_ca_dir) (created when missing). The key is ECDSA P-256, made with C(cryptography).
      - The certificate in the Secret is kept while it passes every check.
      - V(none) uses O(certificate) and O(private_key) (or their C(_path) forms).
    type: str
    choices: [none, self_signed, local_ca]
    default: none
  generate_days:
    description: Validity of a generated certificate, in days (1 to 825).
    type: int
    default: 90
  local_ca_dir:
    description:
      - Directory on the controller holding C(ca.crt) and C(ca.key) of the lab CA. Required with O(generate=local_ca).
      - Both must be regular files; a C(ca.key) that group or others can read is refused.
    type: path
  ingress:
    description: Name of the Ingress to attach the Secret to. Without it only the Secret is managed.
    type: str
  hosts:
    description:
      - Host names the certificate must cover and that go into the C(spec.tls) entry.
      - Defaults to the host names of the rules of the Ingress.
    type: list
    elements: str
  ingress_class:
    description:
      - IngressClass of the Ingress (C(spec.ingressClassName)); set on the Ingress when given.
      - The host-hijack guard compares Ingresses of this class and Ingresses without a class.
    type: str
  rules:
    description:
      - Rules to create the Ingress with when it does not exist, or to merge into it (a host and path given
        here replaces that path only; other rules and paths are kept).
    type: list
    elements: dict
    suboptions:
      host:
        description: Host name, for example C(foo.bar.com) or C(*.bar.com). Empty means all hosts.
        type: str
      paths:
        description: Paths of this host.
        type: list
        elements: dict
        required: true
        suboptions:
          path:
            description: URL path.
            type: str
            default: /
          path_type:
            description: How the path matches.
            type: str
            choices: [Prefix, Exact, ImplementationSpecific]
            default: Prefix
          service:
            description: Name of the backend Service.
            type: str
            required: true
          port:
            description: Port number or port name of the Service.
            type: raw
            required: true
  annotations:
    description:
      - Annotations to set on the Ingress, for example C(nginx.ingress.kubernetes.io/ssl-redirect).
      - Values must be strings, as in the API; quote C("true") and numbers in YAML. Other values are refused.
    type: dict
  force:
    description:
      - Replace a Secret of another type (delete and create, as the type is immutable), overwrite or delete a
        Secret not managed by this module, and move hosts from another C(spec.tls) entry of the same Ingress.
    type: bool
    default: false
  hijack_guard:
    description:
      - What to do when another Ingress claims one of our host and path pairs or has a TLS section for one
        of our hosts with another Secret. Only checked when O(ingress) is given.
      - V(ignore) skips the cluster-wide list (one request less).
    type: str
    choices: [fail, warn, ignore]
    default: fail
notes:
  - The Secret carries the label C(app.kubernetes.io/managed-by=kube_edge.lb.ingress_tls) and the
    annotations C(kube-edge.lb/certificate-sha256) and C(kube-edge.lb/not-after).
  - A no-op run sends two requests (one LIST of Ingresses, one GET of the Secret), or one GET without O(ingress).
requirements:
  - cryptography
seealso:
  - module: kubernetes.core.k8s
  - name: Kubernetes TLS Secrets
    description: The C(kubernetes.io/tls) Secret type.
    link: https://kubernetes.io/docs/concepts/configuration/secret/#tls-secrets
"""

EXAMPLES = r"""
- name: Certificate from files, attached to an existing Ingress
  kube_edge.lb.ingress_tls:
    name: shop-tls
    namespace: shop
    certificate_path: /etc/pki/shop/fullchain.pem
    private_key_path: /etc/pki/shop/privkey.pem
    ingress: shop

- name: The chapter's example, with the Ingress created from rules
  kube_edge.lb.ingress_tls:
    name: test-tls
    namespace: default
    certificate: "{{ lookup('ansible.builtin.file', 'bar.com.crt') }}"
    chain: "{{ lookup('ansible.builtin.file', 'intermediate.crt') }}"
    private_key: "{{ bar_com_key }}"
    ingress: name-virtual-host-ingress
    ingress_class: nginx
    annotations:
      nginx.ingress.kubernetes.io/ssl-redirect: "true"
    rules:
      - host: foo.bar.com
        paths:
          - service: service1
            port: 80
      - host: "*.bar.com"
        paths:
          - service: service2
            port: 80

- name: Lab certificate from a local CA on the controller
  kube_edge.lb.ingress_tls:
    name: demo-tls
    namespace: demo
    generate: local_ca
    local_ca_dir: "{{ playbook_dir }}/.lab-ca"
    ingress: demo
"""

RETURN = r"""
certificate:
  description: Facts about the certificate now in the Secret.
  returned: when O(state=present)
  type: dict
  contains:
    subject:
      description: Subject (RFC 4514).
      type: str
      sample: CN=foo.bar.com
    issuer:
      description: Issuer (RFC 4514).
      type: str
      sample: CN=R11,O=Let's Encrypt,C=US
    sans:
      description: subjectAltName DNS names.
      type: list
      elements: str
      sample: [foo.bar.com, "*.bar.com"]
    serial_number:
      description: Serial number, hexadecimal.
      type: str
    not_before:
      description: Start of validity (UTC, ISO 8601).
      type: str
    not_after:
      description: End of validity (UTC, ISO 8601).
      type: str
      sample: "2027-02-23T10:00:00Z"
    days_left:
      description: Whole days until RV(certificate.not_after).
      type: int
      sample: 89
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate (DER).
      type: str
    key_type:
      description: Key algorithm and size or curve.
      type: str
      sample: ECDSA P-256
    public_key_sha256:
      description: SHA-256 of the public key (SubjectPublicKeyInfo); identifies the private key without showing it.
      type: str
    chain:
      description: Subjects of the intermediates written after the leaf.
      type: list
      elements: str
secret:
  description: Name, namespace and a summary (type, fingerprints, dates) of the Secret.
  returned: when O(state=present)
  type: dict
ingress:
  description: Name, namespace and resulting C(spec.tls) of the Ingress.
  returned: when O(ingress) is given and O(state=present)
  type: dict
hosts:
  description: Host names checked against the certificate and listed in the C(spec.tls) entry.
  returned: when O(state=present)
  type: list
  elements: str
requests:
  description: How many HTTP requests the run sent to the API server.
  returned: always, once the client is made
  type: int
  sample: 2
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import ingress
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import K8S


def main():
    K8S.run_module(ingress)


if __name__ == "__main__":
    main()
