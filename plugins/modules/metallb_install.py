#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: metallb_install
short_description: Install MetalLB's release manifests (strictARP, namespace, server-side apply, readiness)
version_added: 0.2.0
description:
  - Prepares kube-proxy and installs MetalLB's release manifests in one task, with the collection's
    own Kubernetes client (no discovery, a handful of requests).
  - "strictARP: reads ConfigMap C(kube-system/kube-proxy); when kube-proxy runs in IPVS mode without
    C(ipvs.strictARP), fails with O(strict_arp=check) or, with O(strict_arp=fix), sets it (one merge
    patch guarded by the read resourceVersion) and restarts the C(kube-system/kube-proxy) DaemonSet the
    way C(kubectl rollout restart) does, so the setting takes effect."
  - "Install: creates or updates the namespace with O(namespace_labels), then applies the objects of
    O(manifests) in their order with server-side apply (field manager C(kube_edge.lb.metallb), conflicts
    forced). Namespace documents of the manifests and kinds in O(skip_kinds) are left out."
  - Reads each kind once per namespace and applies only objects that are not up to date, so a run that
    changes nothing sends no write. An object is up to date when every field of its manifest has the
    declared value and its annotation C(kube-edge.lb/applied-manifest-sha256) holds the digest of that
    manifest; the annotation is how a later release's apply is noticed when it only drops fields.
  - "Readiness (O(wait)): waits until the C(controller) Deployment of the manifests is Available at its
    current generation and the C(metallb-webhook-service) Service of the manifests has a ready endpoint
    (MetalLB v0.13 and later), so that the configuration can be applied next."
  - A refused write or a timeout fails with RV(actions) listing what this run wrote.
author:
  - kube_edge.lb contributors (@kube-edge)
extends_documentation_fragment:
  - kube_edge.lb._attributes
  - kube_edge.lb._attributes.k8s_action_group
  - kube_edge.lb._attributes.controller
  - kube_edge.lb._k8s_auth
attributes:
  check_mode:
    support: full
    details:
      - Writes are server-side dry runs (C(dryRun=All)); objects of a namespace that does not exist yet are
        reported as created without a request. Nothing is waited for.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  install:
    description: Whether to install the manifests. V(false) only runs the strictARP step.
    type: bool
    default: true
  namespace:
    description: MetalLB's namespace; created with O(namespace_labels). Namespaced documents without a namespace go there.
    type: str
    default: metallb-system
  namespace_labels:
    description: Labels of the namespace, such as the pod-security labels MetalLB's speaker needs.
    type: dict
    default: {}
  manifests:
    description:
      - The documents of the release manifests, in order (C(lookup('file', ...) | from_yaml_all)).
      - Only built-in kinds are applied (those of MetalLB's manifests); another kind is refused unless listed in O(skip_kinds).
    type: list
    elements: raw
    default: []
  skip_kinds:
    description: Kinds of O(manifests) to leave out (V(PodSecurityPolicy), removed in Kubernetes 1.25).
    type: list
    elements: str
    default: []
  strict_arp:
    description:
      - V(check) fails when kube-proxy runs in IPVS mode without C(ipvs.strictARP); V(fix) sets it and
        restarts kube-proxy; V(ignore) does not read kube-proxy's configuration.
    type: str
    choices: [ignore, check, fix]
    default: check
  wait:
    description: Wait for the controller Deployment and the webhook endpoints (never in check mode).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for readiness in all.
    type: int
    default: 300
  wait_sleep:
    description: Seconds between two readiness reads.
    type: int
    default: 5
seealso:
  - module: kube_edge.lb.metallb_config
  - name: MetalLB installation
    description: Upstream installation guide (strictARP, manifests).
    link: https://metallb.universe.tf/installation/
"""

EXAMPLES = r"""
- name: Install MetalLB v0.16.1 from a local copy of its manifest
  kube_edge.lb.metallb_install:
    kubeconfig: ~/.kube/config
    strict_arp: fix
    namespace_labels:
      pod-security.kubernetes.io/enforce: privileged
    manifests: "{{ lookup('ansible.builtin.file', 'metallb-native.yaml') | ansible.builtin.from_yaml_all | list }}"
"""

RETURN = r"""
actions:
  description: The writes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "patch", "kind": "ConfigMap", "namespace": "kube-system", "name": "kube-proxy"},
           {"action": "create", "kind": "Deployment", "namespace": "metallb-system", "name": "controller"}]
requests:
  description: Number of HTTP requests sent to the API server.
  returned: always
  type: int
  sample: 15
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import install as metallb_install
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import K8S


def main():
    K8S.run_module(metallb_install)


if __name__ == "__main__":
    main()
