# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The last step shared by the API modules' main(): turn an ``execute`` result into the module's exit.

Each API area (``_f5/module.py``, ``_k8s/module.py``) has an ``execute(params, check_mode, diff)`` that
returns a plain result dict and never raises; a module's main() hands it to ``exit_module`` and the
controller action plugins (``plugin_utils/_controller_action.py``) return it as the task result.
Private to the collection.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib


def missing_library(needs):
    """missing_required_lib's sentence for the first ``(name, importable)`` pair not importable, else None."""
    for name, importable in needs:
        if not importable:
            return missing_required_lib(name)
    return None


def unexpected_failure(error):
    """A bug of ours still fails with one sentence; the traceback goes to -vvv."""
    return {
        "failed": True,
        "msg": "unexpected error: %s: %s" % (error.__class__.__name__, error),
        "exception": traceback.format_exc(),
    }


def finish(result, diff, **extra):
    """The success result: the area's ``diff`` kept only when diff mode asked for it, plus ``extra``."""
    changes = result.pop("diff", None)
    if diff and changes is not None:
        result["diff"] = changes
    result.update(extra)
    return result


def exit_module(module, result):
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
