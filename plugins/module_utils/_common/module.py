# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one path from a module's parameters to its result, for every area (F5, Kubernetes, HAProxy).

Private to the collection. Two things meet here:

An **area** is a module of ``module_utils`` that does one module's work (``_f5/pool.py``,
``_k8s/ingress.py``, ``_k8s/metallb/area.py``, ``_haproxy/certificate.py``...). It never imports
Ansible and offers:

- ``OPTIONS``: its own options (AnsibleModule argument spec entries);
- ``SPEC_KWARGS`` (optional): the validator's other arguments (``mutually_exclusive``, ``required_if``...);
- ``LIBRARIES`` (optional): ``(name, importable)`` pairs of the Python libraries it needs;
- ``check_params(params)`` (optional): checks that need no client, run before the client is made;
- ``make_client(params, check_mode, module)`` (optional): its own client, when the API's is not what it needs;
- ``run(client, params, check_mode)``: the work; returns the result dict (``changed``, what it
  manages, ``diff``, ``warnings``; ``failed``/``msg`` for a failure it reports itself) or raises
  ``KubeEdgeError`` with one sentence.

An **API** (:class:`Api`: ``_f5/module.py``'s ``F5``, ``_k8s/module.py``'s ``K8S``,
``_haproxy/module.py``'s ``HOST``) is what every area of one API shares: the options every module
of it has (provider, authentication), the libraries its client needs, how its client is made from
the parameters, and whether the client counts requests.

``execute(api, area, params, check_mode, diff)`` runs an area and turns any outcome into the
result dict, never raising: the same for a module's ``main()`` (``Api.run_module``, through
AnsibleModule) and for the controller action plugins (``plugin_utils/_controller_action.py``).
Every result of an API that counts requests carries ``requests`` (0 when no client was made) and
every result carries ``warnings`` (a list, possibly empty) that the caller hands to Ansible. A module
file and an action plugin therefore name their API and area and nothing else: a new option touches
the area, the module's documentation and the tests only.
"""

from __future__ import annotations

import contextlib
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError


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


def failure_of(error):
    """The result of a ``KubeEdgeError``: its sentence, and the API's status code when it has one."""
    failure = {"failed": True, "msg": str(error)}
    status = getattr(error, "status", None)
    if status:
        failure["status"] = status
    return failure


class Api:
    """What every area of one API shares (see the module docstring)."""

    def __init__(self, name, argument_spec, make_client, libraries=(), counts_requests=True):
        self.name = name
        self._argument_spec = argument_spec
        self._make_client = make_client
        self.libraries = tuple(libraries)
        self.counts_requests = counts_requests

    def argument_spec(self, area):
        """The module's full argument spec: the API's own options around the area's ``OPTIONS``."""
        return self._argument_spec(area)

    @staticmethod
    def spec_kwargs(area):
        """What AnsibleModule (or an action plugin's validator) needs besides the spec."""
        return dict(getattr(area, "SPEC_KWARGS", None) or {})

    def make_client(self, area, params, check_mode, module=None):
        make = getattr(area, "make_client", None) or self._make_client
        return make(params, check_mode, module)

    def execute(self, area, params, check_mode=False, diff=False, module=None):
        return execute(self, area, params, check_mode, diff, module)

    def run_module(self, area):
        """A module file's main(): validate with AnsibleModule, execute, exit with the result."""
        module = AnsibleModule(
            argument_spec=self.argument_spec(area), supports_check_mode=True, **self.spec_kwargs(area)
        )
        exit_module(module, self.execute(area, module.params, module.check_mode, module._diff, module))


def execute(api, area, params, check_mode=False, diff=False, module=None):
    """Check, make the client, run ``area.run(client, params, check_mode)``; the result dict, never raises.

    On success: the area's result (+ ``diff`` when asked); on failure ``failed``/``msg`` (+ ``status``
    for an API refusal, ``exception`` for a bug of ours). Always ``warnings``, and ``requests`` when
    the API counts them. A client that is a context manager (the F5 token) is always released.
    """
    missing = missing_library(api.libraries + tuple(getattr(area, "LIBRARIES", ())))
    client = None
    if missing:
        result = {"failed": True, "msg": missing}
    else:
        try:
            if hasattr(area, "check_params"):
                area.check_params(params)  # bad input fails before a client is made
            client = api.make_client(area, params, check_mode, module)
            with client if hasattr(client, "__exit__") else contextlib.nullcontext():
                result = finish(area.run(client, params, check_mode), diff)
        except KubeEdgeError as error:
            result = failure_of(error)
        except Exception as error:  # a bug of ours
            result = unexpected_failure(error)
    result["warnings"] = list(result.get("warnings") or ())
    if api.counts_requests:
        result["requests"] = client.request_count if client is not None else 0
    return result


def exit_module(module, result):
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
