# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in-process (against an emulator where it needs one) and return its JSON result."""

from __future__ import annotations

import contextlib
import json

import pytest

try:  # ansible-core 2.19+
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # 2.16-2.18: the classic way
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args):
        previous = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = previous


try:  # ansible-core 2.19+: module.warn() asks this process-global flag where a warning goes
    from ansible.module_utils import _internal as module_internal
    from ansible.module_utils.common import warnings as module_warnings
except ImportError:  # 2.16-2.18: warnings always go to the module result
    module_internal = module_warnings = None


@contextlib.contextmanager
def module_process():
    """The process-global state a module process starts with, for one in-process main().

    Importing any controller code (``ansible.plugins.action``, ``ansible.errors``... as the action
    plugin tests do) sets ``is_controller``, after which ``module.warn()`` prints through Display
    instead of recording the warning for ``exit_json``: warnings vanished from the results of module
    tests that ran after them. Warnings and deprecations recorded by an earlier main() are dropped too.
    """
    if module_internal is None or not hasattr(module_internal, "is_controller"):
        yield
        return
    saved = module_internal.is_controller
    module_internal.is_controller = False
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()
    try:
        yield
    finally:
        module_internal.is_controller = saved
        module_warnings._global_warnings.clear()
        module_warnings._global_deprecations.clear()


def run_module(main, capsys, args, check_mode=False, diff=False):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args), module_process():
        with pytest.raises(SystemExit) as excinfo:
            main()
    output = capsys.readouterr().out
    result = json.loads(output[output.index("{"):])
    result["rc"] = excinfo.value.code
    result["raw_output"] = output
    return result
