# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs kube_edge.lb.metallb_install on the controller, without a module process (see plugin_utils/_controller_action.py)."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb import install as metallb_install
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.module import K8S
from ansible_collections.kube_edge.lb.plugins.plugin_utils._controller_action import ControllerAction


class ActionModule(ControllerAction):
    api, area = K8S, metallb_install
