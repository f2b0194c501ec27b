# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB configuration, in parts (private to the collection):

- ``fields``: the one field table (option -> CRD field -> v0.12 key) and the module's options;
- ``model``: module options -> model, value parsers;
- ``checks``, ``validate``, ``validate_peers``, ``validate_pools``: MetalLB's offline rules, per section;
- ``render_crds`` / ``render_configmap``: the objects of each era, and what change detection compares;
- ``migration``: the strict v0.12 ConfigMap parser;
- ``plan`` (pure), ``apply`` and ``writes``: the ordered writes, sent all or nothing (journaled, undone on failure);
- ``post_check``: the opt-in proof that each pool hands out addresses;
- ``area``: options, libraries and ``run(client, params, check_mode)`` for the module;
- ``install_plan`` (pure) and ``install``: the area of ``metallb_install`` (strictARP, namespace,
  release manifests by server-side apply, readiness).
"""
