# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run an API module's logic inside Ansible's worker process instead of a module process.

The F5 and Kubernetes modules only talk to an HTTP API, so they have nothing to do on a managed
host, and their files (certificates, keys, kubeconfigs) live on the controller. Run as module
processes they paid, on every task, a Python start, the AnsiballZ payload and the imports of
``ansible.module_utils.basic`` and the API library (``requests``: ~0.3 s; ``kubernetes``: ~1.8 s),
far more than their few requests. The strategy loads an action plugin's class in the main process,
so its imports happen once per playbook and every worker inherits them.

A subclass names the module's argument spec and ``execute`` (``_f5/module.py``, ``_k8s/module.py``:
the same functions the module's ``main()`` calls). Private to the collection.
"""

from __future__ import annotations

import contextlib
import json
import os

from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


class ControllerAction(ActionBase):
    """Validate like AnsibleModule, execute here, mask no_log values in the result."""

    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def argument_spec(self):
        """(argument_spec, dict of mutually_exclusive/required_if/... for the validator)."""
        raise NotImplementedError

    def execute(self, params, check_mode, diff):
        """The module's result dict for these validated params; never raises."""
        raise NotImplementedError

    @contextlib.contextmanager
    def task_environment(self):
        """The task's ``environment:`` in os.environ while it runs, as a module process would see it
        (F5_*/K8S_AUTH_* fallbacks, proxies). The worker is this task's own process; restored anyway."""
        environment = {}
        self._compute_environment_string(environment)
        saved = dict(os.environ)
        os.environ.update((str(key), str(value)) for key, value in environment.items())
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        spec, spec_kwargs = self.argument_spec()
        with self.task_environment():
            # Fails the task (AnsibleActionFail) with AnsibleModule's own sentences for bad arguments.
            validation, dummy = self.validate_argument_spec(spec, **spec_kwargs)
            # What a module process would receive: plain JSON types, not the tagged str/int subclasses of
            # task arguments that libraries such as PyYAML refuse to serialise.
            params = json.loads(json.dumps(validation.validated_parameters))
            outcome = self.execute(params, check_mode=self._task.check_mode, diff=self._task.diff)
        hidden = validation._no_log_values
        for warning in outcome.pop("warnings", None) or []:
            display.warning(remove_values(warning, hidden))
        outcome["invocation"] = {"module_args": params}
        result.update(remove_values(outcome, hidden))
        return result
