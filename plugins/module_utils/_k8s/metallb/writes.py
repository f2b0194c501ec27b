# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MetalLB's writes, all or nothing: each write retried while the webhook starts, journaled, undone on failure.

Private to the collection. ``JournaledWrites`` is the writing half of ``apply.MetallbConfig``: it
sends the planned steps (``plan.Step``), keeps a journal of what reached the API with how to revert
each write, and on a failure undoes the journal in reverse order (``PartialWrite`` when an undo is
refused too). The subclass sets ``client``, ``namespace``, ``webhook_timeout``, ``sleep``,
``actions``, ``predict_only`` and ``journal``.
"""

from __future__ import annotations

import time

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.client import is_webhook_unavailable
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import KINDS
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.plan import (
    recreate_body,
    restore_patch,
    update_patch,
)

CONFIGMAP = ("v1", "configmaps")


class PartialWrite(KubeEdgeError):
    """A write failed and undoing the earlier ones failed too: ``written`` is what is still in effect."""

    def __init__(self, message, written):
        super().__init__(message)
        self.written = written


def describe(actions):
    return ", ".join("%s %s/%s" % (a["action"], a["kind"], a["name"]) for a in actions) or "nothing"


class JournaledWrites:
    """Sending, journaling and undoing the writes of one run (see the module docstring)."""

    def _retrying(self, call, *args, **kwargs):
        """Retry while MetalLB's webhook is unreachable (the controller is still starting)."""
        deadline = time.time() + self.webhook_timeout
        delay = 1.0
        while True:
            try:
                return call(*args, **kwargs)
            except DeviceError as error:
                if not is_webhook_unavailable(error) or time.time() + delay > deadline:
                    raise
                self.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _send(self, action, api_version, plural, name, body=None, undo=None, kind=None):
        """One write; ``undo`` is (action, body) that reverts it, kept in the journal once the write succeeded."""
        self.actions.append({"action": action, "kind": kind, "name": name})
        if self.predict_only:
            return body
        if action == "create":
            answer = self._retrying(self.client.create, api_version, plural, body, namespace=self.namespace)
        elif action == "delete":
            answer = self._retrying(self.client.delete, api_version, plural, name, namespace=self.namespace)
        else:
            answer = self._retrying(self.client.patch, api_version, plural, name, body, namespace=self.namespace)
        if not self.client.check_mode:
            self.journal.append((action, kind, name, undo))
        return answer

    def _write(self, step):
        kind, name = step.obj["kind"], step.obj["metadata"]["name"]
        api_version, plural = KINDS[kind][:2]
        if step.action == "create":
            return self._send("create", api_version, plural, name, step.obj, undo=("delete", None), kind=kind)
        if step.action == "delete":
            return self._send("delete", api_version, plural, name, undo=("create", recreate_body(step.live)), kind=kind)
        written = dict(
            step.obj,
            metadata=dict(
                step.live["metadata"],
                labels=dict(step.live["metadata"].get("labels") or {}, **step.obj["metadata"]["labels"]),
            ),
        )
        return self._send(
            "update",
            api_version,
            plural,
            name,
            update_patch(step.obj, step.live),
            undo=("update", restore_patch(step.live, written)),
            kind=kind,
        )

    def _undo(self, error):
        """Revert the journal in reverse order; -> the error to raise (the original one, or PartialWrite)."""
        undone = []
        for index in range(len(self.journal) - 1, -1, -1):
            action, kind, name, (undo_action, body) = self.journal[index]
            api_version, plural = KINDS[kind][:2] if kind in KINDS else CONFIGMAP
            try:  # the webhook may be restarting: the undo is retried like the writes
                if undo_action == "delete":
                    self._retrying(self.client.delete, api_version, plural, name, namespace=self.namespace)
                elif undo_action == "create":
                    self._retrying(self.client.create, api_version, plural, body, namespace=self.namespace)
                elif body:
                    self._retrying(self.client.patch, api_version, plural, name, body, namespace=self.namespace)
            except KubeEdgeError as undo_error:
                written = [{"action": a, "kind": k, "name": n} for a, k, n, _undo in self.journal[: index + 1]]
                return PartialWrite(
                    "%s. Undoing this run's writes failed too (%s), so these writes are still in effect: %s%s."
                    % (
                        str(error).rstrip("."),
                        undo_error,
                        describe(written),
                        "; undone: %s" % describe(undone) if undone else "",
                    ),
                    written,
                )
            undone.append({"action": action, "kind": kind, "name": name})
        self.journal = []
        if not undone:
            return error
        message = "%s. Every write of this run was undone (%s); the cluster is as it was." % (
            str(error).rstrip("."),
            describe(list(reversed(undone))),
        )
        if isinstance(error, DeviceError):
            return DeviceError(message, status=error.status, body=error.body)
        return KubeEdgeError(message)
