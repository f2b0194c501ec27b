# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller side of the F5 modules: run their logic inside Ansible's worker process.

An F5 module only talks to the iControl REST API, so it has nothing to do on a managed host.
Running it as a module process would cost a Python start, the AnsiballZ payload and the imports of
``ansible.module_utils.basic`` and ``requests`` on every task: more than the REST calls themselves
(about 0.6 s against 0.07 s per task on the loopback emulator). The action plugins
``plugins/action/f5_*.py`` therefore validate the task's arguments with the module's own spec and
call the same ``_f5/module.py`` ``execute`` that the module's ``main()`` calls. Private to the
collection.
"""

from __future__ import annotations

from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.kube_edge.lb.plugins.module_utils._f5.module import argument_spec, execute, spec_kwargs

display = Display()


class F5ControllerAction(ActionBase):
    """Validate like AnsibleModule, run the F5 area's logic here, mask no_log values in the result."""

    AREA = None  # the _f5 logic module (pool, virtual, ssl) a subclass runs
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        # Fails the task (AnsibleActionFail) with AnsibleModule's own sentences for bad arguments.
        validation, dummy = self.validate_argument_spec(argument_spec(self.AREA), **spec_kwargs(self.AREA))
        params = validation.validated_parameters
        outcome = execute(self.AREA, params, check_mode=self._task.check_mode, diff=self._task.diff)
        hidden = validation._no_log_values
        for warning in outcome.pop("warnings", None) or []:
            display.warning(remove_values(warning, hidden))
        outcome["invocation"] = {"module_args": params}
        result.update(remove_values(outcome, hidden))
        return result
