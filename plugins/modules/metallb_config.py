#!/usr/bin/python
# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: metallb_config
short_description: Configure MetalLB address pools, advertisements and BGP peers (ConfigMap and CRD eras)
version_added: 0.1.0
description:
  - Declares MetalLB's configuration behind one interface for both eras. For MetalLB v0.12 it writes the
    C(config) ConfigMap (strict keys); for MetalLB v0.13 and later it writes the C(metallb.io) custom
    resources. With O(format=auto) the format is detected from the cluster.
  - Each pool gets the advertisement it needs to be announced (an L2Advertisement for layer 2 pools, a
    BGPAdvertisement per entry of O(address_pools[].bgp_advertisements) for BGP pools); a pool without an
    advertisement would be assigned but never announced.
  - Validates the whole configuration offline with MetalLB's own rules before anything is sent and
    reports every problem at once (the first 20 spelled out, the others counted), including overlaps with
    pools already in the cluster. Overlaps are found by sorting, so thousands of pools validate in well under a second.
  - Reads each kind once and writes only objects that differ, with JSON merge patches. Objects it
    manages carry the label C(app.kubernetes.io/managed-by=kube_edge.lb.metallb_config); O(prune) removes
    managed objects that are no longer declared. Advertisements it made for a declared pool follow the pool
    even without O(prune) (a pool switched from V(layer2) to V(bgp) loses its L2Advertisement).
  - Retries writes while MetalLB's admission webhook is not reachable yet (the controller is starting),
    up to O(webhook_timeout) seconds.
  - Writes are ordered so that no prefix of them announces a pool without what it needs. Secrets, BFD
    profiles, communities, pools and peers come first and advertisements last; advertisements that go away
    are deleted first. When a write is refused, every write this run made is undone in reverse order and the
    task fails with C(changed=false); when an undo is refused too, it fails with C(changed=true) and
    RV(actions) lists the writes still in effect.
  - After a change, reads ConfigurationState (MetalLB 0.15.3 and later) when present and fails when
    MetalLB reports the configuration as Invalid (the run's writes are then undone as well).
  - BGP passwords given in O(peers[].password) are stored in a C(kubernetes.io/basic-auth) Secret that the
    BGPPeer references (CRD era) and never appear in results or diffs; the diff shows C(<secret>) or
    C(<secret, changed>), markers that carry no digest of the password.
  - With O(post_check=true), proves on the cluster that every declared pool hands out addresses (see O(post_check)).
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
      - Writes are sent with the server-side C(dryRun=All), so MetalLB's webhooks still check them and nothing is stored.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  address_pools:
    description: IP address pools.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Pool name (a lowercase DNS label). Also the name of its advertisement.
        type: str
        required: true
      protocol:
        description: How addresses of the pool are announced.
        type: str
        choices: [layer2, bgp]
        default: layer2
      addresses:
        description:
          - CIDRs (V(192.0.2.0/28)) or ranges (V(192.0.2.10-192.0.2.20)), IPv4 or IPv6.
          - A single address is written as a /32 or /128 CIDR.
        type: list
        elements: str
        required: true
      auto_assign:
        description: Whether MetalLB assigns addresses of this pool automatically.
        type: bool
        default: true
      avoid_buggy_ips:
        description: Skip addresses ending in C(.0) and C(.255).
        type: bool
        default: false
      bgp_advertisements:
        description:
          - BGP advertisements of a V(bgp) pool; a BGP pool without any gets one with default settings.
          - Invalid for V(layer2) pools.
        type: list
        elements: dict
        default: []
        suboptions:
          aggregation_length:
            description: IPv4 prefix length to aggregate to (0-32); not shorter than the pool's widest prefix.
            type: int
            default: 32
          aggregation_length_v6:
            description: IPv6 prefix length to aggregate to (0-128).
            type: int
            default: 128
          localpref:
            description: BGP local preference (iBGP).
            type: int
          communities:
            description: Communities, as V(A:B), V(large:A:B:C) or alias names from O(communities).
            type: list
            elements: str
            default: []
          peers:
            description: Names of O(peers) to advertise to (all peers when empty). CRD format only.
            type: list
            elements: str
            default: []
      l2_interfaces:
        description: Interfaces to announce layer 2 pools on (all when empty). CRD format only.
        type: list
        elements: str
        default: []
      node_selectors:
        description:
          - Label selectors (C(matchLabels), C(matchExpressions)) of the nodes that announce this pool.
            CRD format only.
        type: list
        elements: dict
        default: []
  peers:
    description: BGP peers (routers).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Peer name (a lowercase DNS label), the name of its BGPPeer.
        type: str
        required: true
      peer_address:
        description: IP address of the router.
        type: str
        required: true
      peer_asn:
        description: AS number of the router (1-4294967295).
        type: int
        required: true
      my_asn:
        description: AS number MetalLB speaks as (1-4294967295).
        type: int
        required: true
      peer_port:
        description: TCP port of the router (1-16384).
        type: int
        default: 179
      hold_time:
        description: BGP hold time, a duration such as V(90s) or V(1m30s) (0 or at least 3 seconds).
        type: str
      keepalive_time:
        description: BGP keepalive time, not longer than the hold time. FRR backends only.
        type: str
      router_id:
        description: BGP router id to use.
        type: str
      source_address:
        description: Source IP address for the session.
        type: str
      password:
        description:
          - TCP MD5 password. Stored in a managed Secret C(<name>-bgp-password) in the CRD format (removed by O(prune)
            once the password is no longer given).
          - Mutually exclusive with O(peers[].password_secret).
        type: str
      password_secret:
        description:
          - Name of an existing C(kubernetes.io/basic-auth) Secret with a C(password) key in O(namespace). CRD format only.
        type: str
      node_selectors:
        description: Label selectors of the nodes that connect to this peer.
        type: list
        elements: dict
        default: []
      bfd_profile:
        description: Name of a profile in O(bfd_profiles). FRR backends only.
        type: str
      ebgp_multihop:
        description: Allow eBGP multihop (invalid for iBGP peers).
        type: bool
  communities:
    description: BGP community aliases.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Alias name.
        type: str
        required: true
      value:
        description: Community value, V(A:B) or V(large:A:B:C).
        type: str
        required: true
  bfd_profiles:
    description: BFD profiles (FRR backends only).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Profile name.
        type: str
        required: true
      receive_interval:
        description: Minimum receive interval in milliseconds (10-60000).
        type: int
      transmit_interval:
        description: Minimum transmit interval in milliseconds (10-60000).
        type: int
      detect_multiplier:
        description: Detection multiplier (2-255).
        type: int
      echo_interval:
        description: Echo interval in milliseconds (10-60000).
        type: int
      echo_mode:
        description: Enable echo mode.
        type: bool
      passive_mode:
        description: Passive mode.
        type: bool
      minimum_ttl:
        description: Minimum TTL for multi-hop sessions (1-254).
        type: int
  namespace:
    description: Namespace MetalLB runs in; all its configuration lives there.
    type: str
    default: metallb-system
  format:
    description:
      - V(configmap) writes the v0.12 ConfigMap, V(crds) the custom resources of v0.13 and later.
      - V(auto) uses the custom resources when the C(metallb.io) CRDs exist, else the ConfigMap.
    type: str
    choices: [auto, configmap, crds]
    default: auto
  bgp_backend:
    description:
      - The BGP implementation MetalLB runs, for the checks of options it does not support.
      - V(native) rejects BFD, keepalive time, large communities and IPv6 BGP pools; V(frr) and V(frr-k8s)
        require peers on the same nodes to share O(peers[].my_asn) and O(peers[].router_id).
    type: str
    choices: [native, frr, frr-k8s]
    default: frr-k8s
  prune:
    description: Remove managed pools, advertisements, peers, communities, BFD profiles and password Secrets that are no longer declared.
    type: bool
    default: false
  node_networks:
    description:
      - CIDRs of the nodes' networks. When given, every address of a V(layer2) pool must lie inside one of them
        (layer 2 can only answer ARP/NDP on the nodes' own networks).
    type: list
    elements: str
    default: []
  migrate:
    description:
      - Convert an existing v0.12 ConfigMap O(configmap_name) into the equivalent custom resources (the mapping of
        MetalLB's configmaptocrs; peers are named C(peer1), C(peer2)...), apply them together with the declared
        configuration (declared entries win by name), and delete the ConfigMap only after all of them were accepted.
      - Needs the C(metallb.io) CRDs.
    type: bool
    default: false
  configmap_name:
    description: Name of the v0.12 ConfigMap.
    type: str
    default: config
  webhook_timeout:
    description: Seconds to keep retrying a write while MetalLB's admission webhook is unreachable.
    type: int
    default: 60
  post_check:
    description:
      - After applying, create a temporary selector-less Service of type C(LoadBalancer) per declared pool that asks
        for an address from that pool (annotation C(metallb.io/address-pool); C(metallb.universe.tf/address-pool) in
        the v0.12 format) in O(namespace), wait until MetalLB's controller assigns it an address from the pool, then
        delete it. The Services are deleted also when the check fails or times out.
      - Fails when a pool gives no address within O(post_check_timeout) seconds or gives one outside the pool. The
        configuration stays applied; the message says so.
      - Skipped (with a warning) in check mode and with O(state=absent).
      - Needs a running MetalLB controller and a free address in each pool.
    type: bool
    default: false
  post_check_timeout:
    description: Seconds the O(post_check) waits for all pools' addresses.
    type: int
    default: 60
  state:
    description:
      - V(present) applies the configuration.
      - V(absent) removes every object this module manages in O(namespace) (the ConfigMap in the v0.12 format).
    type: str
    choices: [present, absent]
    default: present
seealso:
  - name: MetalLB configuration
    description: Upstream documentation of the custom resources.
    link: https://metallb.universe.tf/configuration/
"""

EXAMPLES = r"""
- name: Layer 2 pool on the nodes' network (current MetalLB)
  kube_edge.lb.metallb_config:
    kubeconfig: ~/.kube/config
    node_networks: [192.168.10.0/24]
    address_pools:
      - name: web
        addresses: [192.168.10.240-192.168.10.250]

- name: BGP with two routers and a community alias
  kube_edge.lb.metallb_config:
    address_pools:
      - name: public
        protocol: bgp
        addresses: [198.51.100.0/26]
        bgp_advertisements:
          - aggregation_length: 32
            communities: [no-export]
    communities:
      - name: no-export
        value: "65535:65281"
    peers:
      - name: tor-a
        peer_address: 10.0.0.1
        peer_asn: 64501
        my_asn: 64500
        hold_time: 90s
        password: "{{ vault_bgp_password }}"
      - name: tor-b
        peer_address: 10.0.0.2
        peer_asn: 64501
        my_asn: 64500
    prune: true

- name: Move a v0.12 ConfigMap to custom resources after upgrading MetalLB
  kube_edge.lb.metallb_config:
    format: crds
    migrate: true
  register: migration

- name: Apply and prove that each pool hands out addresses (a temporary LoadBalancer Service per pool)
  kube_edge.lb.metallb_config:
    address_pools:
      - name: web
        addresses: [192.168.10.240-192.168.10.250]
    post_check: true
    post_check_timeout: 30

- name: The chapter's v0.12 layer 2 ConfigMap
  kube_edge.lb.metallb_config:
    format: configmap
    address_pools:
      - name: default
        addresses: [192.168.1.240/28]
"""

RETURN = r"""
format:
  description: The format used (V(configmap) or V(crds)).
  returned: always
  type: str
  sample: crds
actions:
  description:
    - The writes made (or, in check mode, that would be made), in order.
    - On a failure whose undo failed too, the writes still in effect.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "kind": "IPAddressPool", "name": "web"}]
migrated:
  description:
    - With O(migrate), the configuration read from the v0.12 ConfigMap, in this module's options
      (passwords redacted). Paste it into your variables to keep managing it.
  returned: when a ConfigMap was migrated
  type: dict
  sample: {"address_pools": [{"name": "default", "protocol": "layer2", "addresses": ["192.168.1.240/28"]}]}
configuration_state:
  description: MetalLB's ConfigurationState objects after a change (MetalLB 0.15.3 and later).
  returned: after a change in the CRD format, when MetalLB publishes ConfigurationState
  type: list
  elements: dict
  sample: [{"name": "controller", "result": "Valid", "error_summary": null}]
post_check:
  description: With O(post_check), the address each pool's temporary Service got and after how many seconds.
  returned: when O(post_check) ran and every pool passed
  type: list
  elements: dict
  sample: [{"pool": "web", "service": "kube-edge-lb-check-0-web", "address": "192.168.10.240", "seconds": 1.2}]
requests:
  description: Number of HTTP requests sent to the API server.
  returned: always
  type: int
  sample: 4
"""

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import area as metallb
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import K8S


def main():
    K8S.run_module(metallb)


if __name__ == "__main__":
    main()
