# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import master

SHOW_PROC_26 = """#<PID>          <type>          <reloads>       <uptime>        <version>
2245            master          1 [failed: 0]   0d00h00m21s     2.6.12-1+deb12u3
# workers
2301            worker          0               0d00h00m02s     2.6.12-1+deb12u3
# old workers
2247            worker          1               0d00h00m21s     2.6.12-1+deb12u3
# programs

"""


def test_parse_show_proc():
    state = master.parse_show_proc(SHOW_PROC_26)
    assert state["master"]["pid"] == 2245
    assert [worker["pid"] for worker in state["workers"]] == [2301]
    assert [worker["pid"] for worker in state["old_workers"]] == [2247]


class FakeMaster:
    """Answers ``show proc``; after ``reload`` the worker pid changes once ``delay`` polls passed."""

    def __init__(self, delay=2, fail=False, answer=""):
        self.worker, self.delay, self.fail, self.answer, self.polls = 100, delay, fail, answer, 0
        self.reloaded = False

    def send(self, _path, line, _timeout=None, partial=False):
        if line == "reload":
            self.reloaded = True
            return self.answer
        if self.reloaded and not self.fail:
            self.polls += 1
            if self.polls >= self.delay:
                return "1 master 1 x 2.6\n# workers\n200 worker 0 x 2.6\n# old workers\n100 worker 1 x 2.6\n"
            raise KubeEdgeError("re-executing")
        return "1 master 0 x 2.6\n# workers\n%d worker 0 x 2.6\n" % self.worker


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_reload_waits_for_a_new_worker():
    clock = Clock()
    fake = FakeMaster(delay=3)
    result = master.reload("/sock", clock=clock, sleep=clock.sleep, send=fake.send)
    assert result["new_workers"] == [200] and result["old_workers"] == [100] and result["master_pid"] == 1


def test_reload_without_new_worker_fails_after_timeout():
    clock = Clock()
    with pytest.raises(KubeEdgeError, match="No new HAProxy worker within 5 s"):
        master.reload("/sock", timeout=5, clock=clock, sleep=clock.sleep, send=FakeMaster(fail=True).send)


def test_refused_reload_reports_the_startup_log():
    clock = Clock()
    fake = FakeMaster(answer="Success=0\n--\n[ALERT] config : parsing error\n")
    with pytest.raises(KubeEdgeError, match="parsing error"):
        master.reload("/sock", clock=clock, sleep=clock.sleep, send=fake.send)


def test_command_over_a_real_unix_socket(tmp_path):
    path = str(tmp_path / "master.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def serve():
        connection, _address = server.accept()
        assert connection.recv(100) == b"show proc\n"
        connection.sendall(SHOW_PROC_26.encode())
        connection.close()

    thread = threading.Thread(target=serve)
    thread.start()
    assert master.show_proc(path)["master"]["pid"] == 2245
    thread.join()
    server.close()
    os.unlink(path)
    with pytest.raises(KubeEdgeError, match="master_socket='.*' cannot be used"):
        master.show_proc(path)


class TricklingServer:
    """A UNIX socket peer that accepts, reads the command and then sends one byte every ``pace`` seconds forever."""

    def __init__(self, path, payload=SHOW_PROC_26.encode() * 1000, pace=0.05):
        self.path, self.payload, self.pace = path, payload, pace
        self.stop = threading.Event()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(8)
        self.server.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                connection, _address = self.server.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection):
        with connection:
            for byte in self.payload:
                if self.stop.wait(self.pace):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def trickler(tmp_path):
    server = TricklingServer(str(tmp_path / "trickle.sock"))
    yield server
    server.close()


def test_command_deadline_holds_against_a_trickling_socket(trickler):
    started = time.monotonic()
    with pytest.raises(master.AnswerTimeout, match="did not answer 'show proc' within 1 s"):
        master.command(trickler.path, "show proc", timeout=1)
    assert time.monotonic() - started < 1.5
    started = time.monotonic()
    partial = master.command(trickler.path, "reload", timeout=0.5, partial=True)
    assert time.monotonic() - started < 1.0 and 0 < len(partial) < len(trickler.payload)


def test_reload_deadline_holds_against_a_trickling_socket(trickler):
    started = time.monotonic()
    with pytest.raises(KubeEdgeError):
        master.reload(trickler.path, timeout=1)
    assert time.monotonic() - started < 1.5


def test_reload_deadline_covers_every_poll():
    # A master whose every answer takes 0.8 s: the old per-call timeouts let each poll run its own clock.
    def slow_send(_path, line, timeout=10.0, partial=False):
        time.sleep(min(0.8, timeout))
        if timeout < 0.8 and not partial:
            raise master.AnswerTimeout("slow")
        return "1 master 0 x 2.6\n# workers\n100 worker 0 x 2.6\n"

    started = time.monotonic()
    with pytest.raises(KubeEdgeError, match="No new HAProxy worker within 2 s"):
        master.reload("/sock", timeout=2, send=slow_send)
    assert time.monotonic() - started < 2.5
