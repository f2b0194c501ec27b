# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs kube_edge.lb.f5_config_sync on the controller, without a module process (see plugin_utils/_controller_action.py)."""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import ha
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import execute, provider_argument_spec
from ansible_collections.kube_edge.lb.plugins.plugin_utils._controller_action import ControllerAction


class ActionModule(ControllerAction):
    # Its own spec: no name, partition or state (it acts on the whole device, not on one object).
    def argument_spec(self):
        return dict(ha.OPTIONS, **provider_argument_spec()), {}

    def execute(self, params, check_mode, diff):
        return execute(ha, params, check_mode, diff)
