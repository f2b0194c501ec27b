# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive the BIG-IP emulator as a separate process and run playbooks against it.

Shared by tests/integration/test_f5.py and benchmarks/bench_f5.py: start the standalone emulator
on a free 127.0.0.1 port, read its request log, set faults, and run ansible-playbook with the
collection path and the F5_* environment pointing at it (F5 telemetry off).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
EMULATOR = os.path.join(ROOT, "tests", "emulators", "bigip_emulator.py")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmulatorProcess:
    """``python bigip_emulator.py --port N`` in the background; stop() ends exactly that process."""

    def __init__(self, log_path, port=None, extra_args=()):
        self.port = port or free_port()
        self.url = "https://127.0.0.1:%d" % self.port
        self.address = "127.0.0.1:%d" % self.port
        with open(log_path, "w") as handle:
            self.process = subprocess.Popen([sys.executable, EMULATOR, "--port", str(self.port)] + list(extra_args),
                                            stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                self.log()
                return
            except requests.exceptions.ConnectionError:
                if time.time() > deadline or self.process.poll() is not None:
                    self.stop()
                    with open(log_path) as handle:
                        raise RuntimeError("the BIG-IP emulator did not start: %s" % handle.read())
                time.sleep(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def call(self, method, path, **kwargs):
        return requests.request(method, self.url + path, verify=False, timeout=30, **kwargs)

    def log(self):
        return self.call("GET", "/_emulator/requests").json()

    def reset(self):
        self.call("POST", "/_emulator/reset")

    def faults(self, **faults):
        self.call("POST", "/_emulator/faults", json=faults)

    def state(self):
        return self.call("GET", "/_emulator/state").json()

    def get(self, path):
        return self.call("GET", path, auth=("admin", "admin")).json()


def start_pair(directory, device_group="kube_edge_failover", auto_sync=False):
    """An HA pair: (active, standby) emulators, bigip-a and bigip-b, in one sync-failover group."""
    ports = free_port(), free_port()
    units = []
    for index, (name, peer, state) in enumerate((("bigip-a", "bigip-b", "active"), ("bigip-b", "bigip-a", "standby"))):
        args = ["--peer-port", str(ports[1 - index]), "--device-name", name, "--peer-name", peer,
                "--failover-state", state, "--device-group", device_group] + (["--auto-sync"] if auto_sync else [])
        try:
            units.append(EmulatorProcess(os.path.join(directory, "%s.log" % name), ports[index], args))
        except Exception:
            for unit in units:
                unit.stop()
            raise
    return units


def run_playbook(port, path, *args, extra_env=None, timeout=600):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1", "ANSIBLE_STDOUT_CALLBACK": "default", "F5_TELEMETRY_OFF": "true",
        "F5_SERVER": "127.0.0.1", "F5_SERVER_PORT": str(port), "F5_USER": "admin", "F5_PASSWORD": "admin",
        "F5_VALIDATE_CERTS": "false",
    })
    env.update(extra_env or {})
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, str(path)] + list(args)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def tasks_requests(entries):
    """Requests per module run: each run is one login ... token release (token auth)."""
    runs, current = [], None
    for entry in entries:
        if entry["path"] == "/mgmt/shared/authn/login" and current is None:
            current = 0
        if current is not None:
            current += 1
        if entry["method"] == "DELETE" and entry["path"].startswith("/mgmt/shared/authz/tokens/") and current is not None:
            runs.append(current)
            current = None
    return runs
