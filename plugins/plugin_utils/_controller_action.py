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

A subclass names the module's API and area (``api = F5``, ``area = pool``) and nothing else: the
spec, the validator's arguments and ``execute`` come from them (``module_utils/_common/module.py``),
as they do for the module's ``main()``. Private to the collection.

Files: every option of type ``path`` (suboptions and lists of paths included) is looked up like
``copy``'s ``src`` (the role's ``files/``, the role, the playbook's ``files/`` and directory, or an
absolute path) and read through Ansible's loader, so a Vault-encrypted certificate or key reaches the
module decrypted, in a private temporary file removed when the task ends. A module process (the module
file run by other means) opens its paths as given, on the host it runs on: nothing is looked up or
decrypted there.
"""

from __future__ import annotations

import contextlib
import json
import os
from types import ModuleType

from ansible.errors import AnsibleActionFail, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import Api

display = Display()


def path_options(spec, params, prefix=""):
    """(label, container, keys) of every set option of type path in params, suboptions included.

    ``label`` is how error sentences name the field (``provider.ca_path``, ``items[0].file``);
    ``keys`` are the option's name and the aliases present (the validator keeps both, same value).
    """
    for name, option in spec.items():
        value = params.get(name)
        if value is None:
            continue
        kind = option.get("type", "str")
        label = prefix + name
        if kind == "path":
            yield label, params, [name] + [alias for alias in option.get("aliases") or () if alias in params]
        elif kind == "list" and option.get("elements") == "path":
            for index in range(len(value)):
                yield "%s[%d]" % (label, index), value, [index]
        elif option.get("options") and kind == "dict" and isinstance(value, dict):
            yield from path_options(option["options"], value, label + ".")
        elif option.get("options") and kind == "list":
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from path_options(option["options"], item, "%s[%d]." % (label, index))


class ControllerAction(ActionBase):
    """Validate like AnsibleModule, execute here, mask no_log values in the result."""

    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    api: Api | None = None  # the module's Api (``_common/module.py``), e.g. _f5/module.py's F5
    area: ModuleType | None = None  # the module's area, e.g. _f5/pool.py

    def argument_spec(self):
        """(argument_spec, dict of mutually_exclusive/required_if/... for the validator)."""
        return self.api.argument_spec(self.area), self.api.spec_kwargs(self.area)

    def execute(self, params, check_mode, diff):
        """The module's result dict for these validated params; never raises."""
        return self.api.execute(self.area, params, check_mode, diff)

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

    def controller_path(self, label, value):
        """(path the module opens, path to show, temporary file to remove or None) for one path option."""
        try:
            found = self._find_needle("files", value)
        except AnsibleFileNotFound:
            # Not there (yet): a directory the module creates, or a file it reports as unreadable by
            # name. A relative path still means the playbook's directory, never the shell's.
            missing = os.path.join(self._loader.get_basedir(), value)
            return missing, missing, None
        if not os.path.isfile(found):
            return found, found, None
        try:
            real = self._loader.get_real_file(found, decrypt=True)
        except AnsibleError as error:
            raise AnsibleActionFail("%s=%r cannot be decrypted: %s" % (label, value, error.message)) from error
        return real, found, (real if real != found else None)

    @contextlib.contextmanager
    def controller_files(self, spec, params):
        """(params the module gets, params to show): real paths in both, decrypted copies for the module only."""
        shown = json.loads(json.dumps(params))
        temporary = []
        try:
            # Both walks meet the same options in the same order: the copies have the same shape.
            for (label, container, keys), shown_at in zip(
                list(path_options(spec, params)), list(path_options(spec, shown))
            ):
                real, found, decrypted = self.controller_path(label, container[keys[0]])
                for key in keys:
                    container[key], shown_at[1][key] = real, found
                if decrypted:
                    temporary.append(decrypted)
            yield params, shown
        finally:
            for path in temporary:
                self._loader.cleanup_tmp_file(path)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        spec, spec_kwargs = self.argument_spec()
        with self.task_environment():
            # Fails the task (AnsibleActionFail) with AnsibleModule's own sentences for bad arguments.
            validation, dummy = self.validate_argument_spec(spec, **spec_kwargs)
            # What a module process would receive: plain JSON types, not the tagged str/int subclasses of
            # task arguments that libraries such as PyYAML refuse to serialise.
            params = json.loads(json.dumps(validation.validated_parameters))
            with self.controller_files(spec, params) as (params, shown):
                outcome = self.execute(params, check_mode=self._task.check_mode, diff=self._task.diff)
        hidden = validation._no_log_values
        for warning in outcome.pop("warnings", None) or []:
            display.warning(remove_values(warning, hidden))
        outcome["invocation"] = {"module_args": shown}
        result.update(remove_values(outcome, hidden))
        return result
