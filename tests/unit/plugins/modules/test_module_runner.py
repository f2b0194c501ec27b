# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The in-process module runner gives main() the process state of a module process, whatever ran before."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.modules import f5_server_ssl
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules import module_runner
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module

pytestmark = pytest.mark.skipif(
    module_runner.module_internal is None or not hasattr(module_runner.module_internal, "is_controller"),
    reason="ansible-core before 2.19 has no controller/module switch for warnings",
)


def test_warnings_reach_the_result_after_controller_code_was_imported(emulator, capsys):
    # What importing controller code (ansible._internal, as an action plugin does) sets; set by hand
    # because ansible-test runs module tests where controller code cannot be imported.
    saved = module_runner.module_internal.is_controller
    module_runner.module_internal.is_controller = True
    try:
        args = {"provider": emulator.provider(), "name": "plain", "verify": False}
        first = run_module(f5_server_ssl.main, capsys, args)
        assert first["changed"] and "does not check the nodes' certificates" in str(first["warnings"])
        again = run_module(f5_server_ssl.main, capsys, args)
        # Only this run's warnings: none left over from the first main() in the same process.
        assert len(again["warnings"]) == len(first["warnings"])
        assert module_runner.module_internal.is_controller  # restored for the controller tests that follow
    finally:
        module_runner.module_internal.is_controller = saved
