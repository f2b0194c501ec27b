# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The haproxy_reload area (``_common/module.py``'s contract): its options, their check and ``run()``.

Private to the collection. It needs no client: it talks to the master CLI socket (``master.py``).
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import master

OPTIONS = dict(
    master_socket=dict(type="path", default="/run/haproxy-master.sock"),
    timeout=dict(type="int", default=30),
)
TIMEOUT_RANGE = (1, 3600)


def check_params(params):
    problems = Problems()
    low, high = TIMEOUT_RANGE
    if not low <= params["timeout"] <= high:
        problems.add("timeout", params["timeout"], "must be between %d and %d seconds" % (low, high))
    problems.raise_if_any()


def run(client, params, check_mode=False):
    """Confirm the master answers (check mode) or reload and wait for the new worker."""
    socket_path, timeout = params["master_socket"], params["timeout"]
    if check_mode:
        state = master.show_proc(socket_path, timeout=timeout)
        if state["master"] is None:
            raise KubeEdgeError("master_socket=%r did not answer 'show proc' like an HAProxy master." % socket_path)
        return {"changed": True, "new_workers": [worker["pid"] for worker in state["workers"]]}
    result = master.reload(socket_path, timeout=timeout)
    result.pop("output", None)
    result["changed"] = True
    return result
