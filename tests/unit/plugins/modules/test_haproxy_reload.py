# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kube_edge.lb.haproxy_reload through AnsibleModule: clean failures, the deadline, check mode."""

from __future__ import annotations

import socket
import threading
import time

from ansible_collections.kube_edge.lb.plugins.modules import haproxy_reload
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module

SHOW_PROC = "#<PID> <type> <reloads> <uptime> <version>\n1 master 0 0d00h00m01s 3.2.5\n# workers\n7 worker 0 0d00h00m01s 3.2.5\n"


def serve_once(path, answer, pace=0.0):
    """Answer one connection with ``answer``, a byte every ``pace`` seconds (0: all at once)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def serve():
        connection, _address = server.accept()
        with connection:
            connection.recv(100)
            for index in range(len(answer)) if pace else [None]:
                try:
                    connection.sendall(answer.encode() if index is None else answer[index].encode())
                except OSError:
                    return
                time.sleep(pace)
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_reload_without_master_fails_clearly(tmp_path, capsys):
    result = run_module(haproxy_reload.main, capsys, {"master_socket": str(tmp_path / "none.sock"), "timeout": 1})
    assert result["rc"] == 1
    assert "cannot be used" in result["msg"] and "Traceback" not in result["raw_output"]


def test_timeout_out_of_range_is_one_sentence(tmp_path, capsys):
    result = run_module(haproxy_reload.main, capsys, {"master_socket": str(tmp_path / "none.sock"), "timeout": -5})
    assert result["msg"] == "timeout=-5 must be between 1 and 3600 seconds."


def test_check_mode_asks_show_proc_only(tmp_path, capsys):
    path = str(tmp_path / "master.sock")
    thread = serve_once(path, SHOW_PROC)
    result = run_module(haproxy_reload.main, capsys, {"master_socket": path, "timeout": 2}, check_mode=True)
    thread.join()
    assert result["changed"] is True and result["new_workers"] == [7]


def test_trickling_socket_cannot_hold_the_module_past_its_timeout(tmp_path, capsys):
    path = str(tmp_path / "master.sock")
    serve_once(path, SHOW_PROC * 100, pace=0.05)
    started = time.monotonic()
    result = run_module(haproxy_reload.main, capsys, {"master_socket": path, "timeout": 1})
    assert time.monotonic() - started < 1.5
    assert result["failed"] and "did not answer 'show proc' within 1 s" in result["msg"]


class FakeMaster:
    """A master CLI on a UNIX socket: ``show proc`` lists worker 7 until ``reload``, then worker 8 (7 is old)."""

    def __init__(self, path, answer_reload="Success=1\n--\n"):
        self.reloaded = False
        self.answer_reload = answer_reload
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.server.settimeout(5)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            with connection:
                line = connection.recv(100).decode().strip()
                if line == "reload":
                    self.reloaded = True
                    connection.sendall(self.answer_reload.encode())
                elif self.reloaded:
                    connection.sendall(SHOW_PROC.replace("7 worker", "8 worker").encode()
                                       + b"# old workers\n7 worker 1 0d00h00m02s 3.2.5\n")
                else:
                    connection.sendall(SHOW_PROC.encode())

    def close(self):
        self.server.close()


def test_reload_confirms_the_new_worker(tmp_path, capsys):
    master = FakeMaster(str(tmp_path / "master.sock"))
    result = run_module(haproxy_reload.main, capsys, {"master_socket": str(tmp_path / "master.sock"), "timeout": 5})
    master.close()
    assert result["rc"] == 0 and result["changed"] is True
    assert (result["master_pid"], result["new_workers"], result["old_workers"]) == (1, [8], [7])
    assert "output" not in result and result["seconds"] < 5


def test_refused_reload_is_one_sentence_with_the_startup_log(tmp_path, capsys):
    master = FakeMaster(str(tmp_path / "master.sock"), answer_reload="Success=0\n--\n[ALERT] config : parsing [/etc/haproxy/haproxy.cfg:12]\n")
    result = run_module(haproxy_reload.main, capsys, {"master_socket": str(tmp_path / "master.sock"), "timeout": 5})
    master.close()
    assert result["failed"] and result["msg"].startswith("HAProxy refused the reload; the old workers keep serving.")
    assert "haproxy.cfg:12" in result["msg"] and "exception" not in result
