# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Glue between Ansible and the HAProxy logic: argument specs and ``execute`` of haproxy_build and haproxy_reload.

Private to the collection. Like ``_f5/module.py`` and ``_k8s/module.py``: each ``*_execute`` returns
the module's result dict and never raises: our own errors become ``failed``/``msg``, anything else
``unexpected_failure`` (one sentence, the traceback only under -vvv), success goes through ``finish``.
"""

from __future__ import annotations

import os

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import finish, unexpected_failure
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import build, master

BUILD_ARGUMENT_SPEC = dict(
    version=dict(type="str", required=True),
    src=dict(type="str"),
    checksum=dict(type="str"),
    prefix=dict(type="path", default="/usr/local"),
    features=dict(type="list", elements="str"),
    make_args=dict(type="dict", default={}),
    jobs=dict(type="int"),
    build_dir=dict(type="path", default="/var/tmp"),
    force=dict(type="bool", default=False),
)

RELOAD_ARGUMENT_SPEC = dict(
    master_socket=dict(type="path", default="/run/haproxy-master.sock"),
    timeout=dict(type="int", default=30),
)
RELOAD_TIMEOUT_RANGE = (1, 3600)


def build_execute(params, check_mode=False, diff=False, run_command=None, download=None):
    """Run haproxy_build; ``run_command(argv, cwd=None)`` runs a program on the target (raising OSError).

    ``download(url, dest)`` defaults to ``build.download_with_ansible``, looked up at call time.
    """
    try:
        host = build.Host(run_command, download=download or build.download_with_ansible)
        result = build.run(params, host, check_mode, cpu_count=os.cpu_count())
    except KubeEdgeError as error:
        return {"failed": True, "msg": str(error)}
    except Exception as error:  # a bug of ours
        return unexpected_failure(error)
    return finish(result, diff)


def reload_execute(params, check_mode=False, diff=False):
    """Run haproxy_reload: confirm the master answers (check mode) or reload and wait for the new worker."""
    socket_path, timeout = params["master_socket"], params["timeout"]
    try:
        problems = Problems()
        low, high = RELOAD_TIMEOUT_RANGE
        if not low <= timeout <= high:
            problems.add("timeout", timeout, "must be between %d and %d seconds" % (low, high))
        problems.raise_if_any()
        if check_mode:
            state = master.show_proc(socket_path, timeout=timeout)
            if state["master"] is None:
                raise KubeEdgeError("master_socket=%r did not answer 'show proc' like an HAProxy master." % socket_path)
            result = {"changed": True, "new_workers": [worker["pid"] for worker in state["workers"]]}
        else:
            result = master.reload(socket_path, timeout=timeout)
            result.pop("output", None)
            result["changed"] = True
    except KubeEdgeError as error:
        return {"failed": True, "msg": str(error)}
    except Exception as error:  # a bug of ours
        return unexpected_failure(error)
    return finish(result, diff)
