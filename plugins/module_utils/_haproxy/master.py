# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HAProxy master CLI (``-S /run/haproxy-master.sock``): ``show proc`` and a confirmed reload.

Private to the collection: may change at any time. Standard library only, so the benchmark can
use it too. ``systemctl reload`` only says that SIGUSR2 was sent; this module says whether a new
worker actually took over, and reports the startup errors when it did not.
"""

from __future__ import annotations

import socket
import time

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError

# The master's answers are a few KiB; a peer sending more is not an HAProxy master.
MAX_ANSWER_BYTES = 1 << 20


class AnswerTimeout(KubeEdgeError):
    """The master did not finish its answer before the deadline."""


def command(socket_path, line, timeout=10.0, partial=False, clock=time.monotonic):
    """Send one command to the master CLI and return everything it answers until it closes.

    ``timeout`` bounds the whole exchange (connect, send and every read together), so a peer that
    trickles bytes cannot hold the caller past it. At the deadline the answer so far is returned
    when ``partial`` is true, else ``AnswerTimeout`` is raised.
    """
    deadline = clock() + timeout
    chunks, size = [], 0
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.settimeout(max(deadline - clock(), 0.001))
        client.connect(socket_path)
        client.settimeout(max(deadline - clock(), 0.001))
        client.sendall(line.encode() + b"\n")
        # Half-close: the master answers at once but would keep an idle connection open for seconds.
        client.shutdown(socket.SHUT_WR)
        while True:
            remaining = deadline - clock()
            if remaining <= 0:
                raise socket.timeout()
            client.settimeout(remaining)
            chunk = client.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise KubeEdgeError(
                    "master_socket=%r answered %r with more than %d bytes; it is not an HAProxy "
                    "master CLI." % (socket_path, line, MAX_ANSWER_BYTES)
                )
    except socket.timeout:
        if not partial:
            raise AnswerTimeout(
                "master_socket=%r did not answer %r within %g s." % (socket_path, line, round(timeout, 1))
            ) from None
    except OSError as error:
        raise KubeEdgeError(
            "master_socket=%r cannot be used: %s. Is HAProxy running in master-worker mode "
            "with -S %s?" % (socket_path, error.strerror or error, socket_path)
        ) from error
    finally:
        client.close()
    return b"".join(chunks).decode("utf-8", "replace")


def parse_show_proc(text):
    """``show proc`` -> ``{'master': {...}, 'workers': [...], 'old_workers': [...]}`` (pids as int)."""
    result = {"master": None, "workers": [], "old_workers": [], "programs": []}
    section = "workers"
    for line in text.splitlines():
        stripped = line.strip()
        lowered = stripped.lower()
        if lowered.startswith("# old workers"):
            section = "old_workers"
            continue
        if lowered.startswith("# programs"):
            section = "programs"
            continue
        if lowered.startswith("# workers"):
            section = "workers"
            continue
        words = stripped.split()
        if len(words) < 2 or not words[0].isdigit():
            continue
        entry = {"pid": int(words[0]), "type": words[1], "version": words[-1]}
        if words[1] == "master":
            result["master"] = entry
        else:
            result[section].append(entry)
    return result


def show_proc(socket_path, timeout=10.0):
    return parse_show_proc(command(socket_path, "show proc", timeout))


def reload(
    socket_path, timeout=30.0, interval=0.2, clock=time.monotonic, sleep=time.sleep, send=command, reply_timeout=2.0
):
    """Reload through the master CLI and wait until a new worker serves, all within ``timeout`` seconds.

    Newer masters answer ``reload`` with ``Success=0|1`` and the startup log; older ones (2.6) re-execute
    and keep the connection open, so the answer is only awaited for ``reply_timeout`` seconds and the
    new worker is then confirmed through ``show proc`` either way. Every exchange gets only what is
    left of the one deadline, so a master that answers slowly (or a peer that trickles bytes) cannot
    stretch the wait.
    Returns ``{'master_pid', 'new_workers', 'old_workers', 'output', 'seconds'}``. Raises
    ``KubeEdgeError`` when the master reports a failed reload or no new worker appears in time
    (the old workers keep serving in both cases).
    """
    started = clock()
    deadline = started + timeout

    def remaining():
        return max(deadline - clock(), 0.001)

    before = parse_show_proc(send(socket_path, "show proc", remaining()))
    if before["master"] is None:
        raise KubeEdgeError("master_socket=%r did not answer 'show proc' like an HAProxy master." % socket_path)
    old = set(worker["pid"] for worker in before["workers"])
    try:
        output = send(socket_path, "reload", min(reply_timeout, remaining()), partial=True)
    except KubeEdgeError:
        output = ""  # masters before 2.7 re-execute at once and may drop the connection
    if "Success=0" in output:
        raise KubeEdgeError(
            "HAProxy refused the reload; the old workers keep serving. Startup log: %s"
            % output.replace("Success=0", "").strip()[-2000:]
        )
    while True:
        sleep(min(interval, remaining()))
        try:
            now = parse_show_proc(send(socket_path, "show proc", remaining()))
        except KubeEdgeError:
            now = None  # the master is re-executing; ask again
        if now is not None and now["workers"] and not old & set(worker["pid"] for worker in now["workers"]):
            return {
                "master_pid": now["master"]["pid"] if now["master"] else None,
                "new_workers": [worker["pid"] for worker in now["workers"]],
                "old_workers": [worker["pid"] for worker in now["old_workers"]],
                "output": output.strip(),
                "seconds": round(clock() - started, 3),
            }
        if clock() >= deadline:
            raise KubeEdgeError(
                "No new HAProxy worker within %s s after the reload (workers still %s); "
                "the old configuration keeps serving. Check 'journalctl -u haproxy'." % (timeout, sorted(old))
            )
