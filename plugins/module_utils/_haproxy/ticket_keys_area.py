# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``haproxy_ticket_keys`` module's area: read the ticket-key file and work out the keys to install.

Private to the collection: may change at any time. One round trip on the play's first host instead of a
stat and a slurp, and the file's age measured on the host's own clock (not the controller's now against
the host's mtime). The rotation itself is ``role_ticket_keys.rotate``; nothing is written here, the role
installs the content on every host. A bad file is reported in ``problem`` (file and line, never a key)
rather than as a failure, because the task runs with no_log, which would hide the sentence.
"""

from __future__ import annotations

import math
import time

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._common.files import read_regular
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_ticket_keys

OPTIONS = {
    "path": {"type": "path", "required": True},
    "rotation_hours": {"type": "float", "required": True},
}


def run(client, params, check_mode=False, now=time.time):
    """``content`` to install (rotated when due), ``rotated``, ``problem``; never writes, never changed."""
    path = params["path"]
    rotation_hours = params["rotation_hours"]
    if not rotation_hours or math.isnan(rotation_hours) or rotation_hours <= 0:
        raise KubeEdgeError("rotation_hours=%r is not a number of hours above 0." % rotation_hours)
    current, info = read_regular(path)
    text = None
    if current is not None:
        try:
            text = current.decode("ascii")
        except UnicodeDecodeError:
            return {
                "changed": False,
                "content": "",
                "rotated": False,
                "problem": "%s is not text; HAProxy's tls-ticket-keys takes one base64 key per line." % path,
            }
    age = None if info is None else max(0.0, now() - info.st_mtime)
    try:
        content = role_ticket_keys.rotate(text or "", age, float(rotation_hours), path)
    except role_ticket_keys.TicketKeyError as error:
        return {"changed": False, "content": "", "rotated": False, "problem": str(error)}
    return {"changed": False, "content": content, "rotated": content != text, "problem": ""}
