# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The embedded lab: everything `site.yml` needs, on this machine's loopback.

    python tests/lab/lab.py up       start the worker nodes, the BIG-IP and Kubernetes emulators and lb01
    python tests/lab/lab.py run      up, then `ansible-playbook -i inventories/lab site.yml`, then report
    python tests/lab/lab.py report   what exists and proof that it works
    python tests/lab/lab.py status   which parts are running
    python tests/lab/lab.py down     stop everything `up` started
    python tests/lab/lab.py fault NODE unhealthy|stopped|none
                                     fail a worker node's /healthz (503), stop its nginx, or undo both
    python tests/lab/lab.py pair-probe
                                     (inside the pair's client namespace) one HTTPS request to the VIP

Parts (on 127.0.0.0/8, the lb01 container on the host network; the HAProxy pair in namespaces of its own):
- six worker nodes, each a real nginx configured like ingress-nginx (tests/lab/nodes.py), described
  once in inventories/lab/group_vars/all/clusters.yml, with certificates from the lab CA (certs.py);
- the BIG-IP emulators, one per unit of the lab inventory's BIG-IP pair (f5_ltm_units of its
  f5_devices host: bigip1 on 127.0.0.1:18443 active, bigip2 on :18447 standby, a sync-failover
  group whose config-sync copies the LTM objects), and one Kubernetes API emulator per cluster host of the
  lab inventory (group k8s_clusters, port kube_edge_lab_api_port: 16446 non-production, 16443
  production), each with its own kubeconfig (.cache/lab/kubeconfig-<cluster>) plus one kubeconfig
  holding every cluster as a context named after it (.cache/lab/kubeconfig, what an AWX kubeconfig
  credential would carry) (tests/emulators/, skipped with a message when the file does not exist);
- a systemd container ``kube-edge-lab-lb01`` (podman, host network) from the image that
  scripts/build-image.sh builds, where the haproxy role installs HAProxy;
- the HAProxy pair (group haproxy_pair of the lab inventory): not on loopback but in network
  namespaces of its own, made by molecule/haproxy_pair/topology.sh, the haproxy_pair scenario's
  script, under the lab's names (kelab-*; the scenario's are kepair-*, so both can be up at once):
  a bridge in kelab-lan, the two systemd containers of the inventory (-pair image: HAProxy and
  keepalived preinstalled) in kelab-lb1 and kelab-lb2, two worker nodes in kelab-nodes and the client
  namespace kelab-client, with 192.0.2.0/24 (TEST-NET-1) addresses that exist only there.

Background processes keep pid and log files in .cache/lab/. Dependencies: the standard library,
requests and PyYAML.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

import requests
import yaml

# The real path: loaded through the collection's symlink (.cache/collections/.../kube_edge/lb),
# paths such as <state dir>/../../../shared would otherwise lead elsewhere once normalised.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
STATE_DIR = os.path.join(REPO, ".cache", "lab")
CLUSTERS_FILE = os.path.join(REPO, "inventories", "lab", "group_vars", "all", "clusters.yml")
HOSTS_FILE = os.path.join(REPO, "inventories", "lab", "hosts.yml")
CONTAINERS_CONF = os.path.join(REPO, ".config", "containers", "containers.conf")
CONTAINER = "kube-edge-lab-lb01"
# lb01 sees the lab's state dir read-only here: HAProxy trusts the lab CA (lab-ca.pem) from it.
CONTAINER_STATE_DIR = "/etc/kube-edge-lab"
# HAProxy's runtime API in lb01 (the haproxy role's haproxy_stats_socket default).
HAPROXY_STATS_SOCKET = "/run/haproxy/admin.sock"
# Bumped when the container's run options change, so `up` recreates an older lb01.
CONTAINER_LABEL = "lb01-v2"
BIGIP_PORT = 18443
# Every cluster as a context named after it; kubeconfig_path(cluster) is one cluster's own.
KUBECONFIG = os.path.join(STATE_DIR, "kubeconfig")
# MetalLB's release manifests in the shared reference data (beside the checkout): the lab inventory
# installs MetalLB from them when present.
METALLB_REFERENCE = os.path.join(os.path.dirname(REPO), "shared", "reference", "metallb")
# The lab's BIG-IP login. A lab value, not a secret: the emulator exists only on loopback.
# The lab inventory reads the same F5_* variables, as an AWX credential would inject them.
LAB_F5_ENV = {
    "F5_SERVER": "127.0.0.1",
    "F5_SERVER_PORT": str(BIGIP_PORT),
    "F5_USER": "admin",
    "F5_PASSWORD": "lab-admin",
    "F5_VALIDATE_CERTS": "false",
}
# The HAProxy pair: the scenario's topology script under the lab's namespace prefix and state dir.
PAIR_TOPOLOGY = os.path.join(REPO, "molecule", "haproxy_pair", "topology.sh")
PAIR_PREFIX = "kelab"
PAIR_STATE_DIR = os.path.join(STATE_DIR, "haproxy_pair")
PAIR_GROUP_VARS = os.path.join(REPO, "inventories", "lab", "group_vars", "haproxy_pair", "main.yml")
# Objects the report looks for on each cluster's API (path, label, expected on every lab cluster
# after site.yml; None: listed, not required, as BGP is configured on some clusters only).
K8S_LISTS = (
    ("/apis/metallb.io/v1beta1/ipaddresspools", "MetalLB IPAddressPools", True),
    ("/apis/metallb.io/v1beta1/l2advertisements", "MetalLB L2Advertisements", True),
    ("/apis/metallb.io/v1beta2/bgppeers", "MetalLB BGPPeers", None),
    ("/apis/metallb.io/v1beta1/bgpadvertisements", "MetalLB BGPAdvertisements", None),
    ("/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls", "TLS Secrets", True),
    ("/apis/networking.k8s.io/v1/ingresses", "Ingresses", True),
)


def say(message):
    """Progress for the operator; flushed so it shows up while work goes on."""
    sys.stdout.write("lab: %s\n" % message)
    sys.stdout.flush()


def load_lab_description():
    """The clusters and the front address, from the lab inventory (the one description)."""
    with open(CLUSTERS_FILE) as handle:
        data = yaml.safe_load(handle) or {}
    return data.get("kube_edge_clusters") or [], data.get("kube_edge_vip") or "127.0.2.10"


def k8s_clusters():
    """[(cluster name, API emulator port)] of the lab inventory's k8s_clusters hosts."""
    with open(HOSTS_FILE) as handle:
        inventory = yaml.safe_load(handle) or {}
    hosts = ((((inventory.get("all") or {}).get("children") or {}).get("k8s_clusters") or {}).get("hosts")) or {}
    return [(name, int((variables or {})["kube_edge_lab_api_port"])) for name, variables in hosts.items()]


def bigip_units():
    """[(device name, port)] of the lab's BIG-IP pair, active unit first (f5_ltm_units of its f5_devices host)."""
    with open(HOSTS_FILE) as handle:
        inventory = yaml.safe_load(handle) or {}
    hosts = ((((inventory.get("all") or {}).get("children") or {}).get("f5_devices") or {}).get("hosts")) or {}
    units = next((variables.get("f5_ltm_units") for variables in hosts.values() if (variables or {}).get("f5_ltm_units")),
                 None) or ["127.0.0.1:%d" % BIGIP_PORT]
    return [("bigip%d" % (number + 1), int(unit.rsplit(":", 1)[1])) for number, unit in enumerate(units)]


def pair_containers():
    """[(inventory host, container)] of the lab inventory's haproxy_pair group (empty without the group)."""
    with open(HOSTS_FILE) as handle:
        inventory = yaml.safe_load(handle) or {}
    hosts = ((((inventory.get("all") or {}).get("children") or {}).get("haproxy_pair") or {}).get("hosts")) or {}
    return [(name, (variables or {}).get("ansible_host", name)) for name, variables in hosts.items()]


def pair_description():
    """(VIP, [(node name, address)], first host name) of the pair's group_vars: what the report checks."""
    with open(PAIR_GROUP_VARS) as handle:
        data = yaml.safe_load(handle) or {}
    cluster = (data.get("haproxy_clusters") or [{}])[0]
    return (data["keepalived_instances"][0]["address"],
            [(node["name"], node["address"]) for node in cluster.get("nodes") or []],
            (cluster.get("hostnames") or [""])[0])


def kubeconfig_path(cluster):
    """One cluster's own kubeconfig (its context is named after the cluster)."""
    return os.path.join(STATE_DIR, "kubeconfig-%s" % cluster)


def emulator_kubeconfig_path(cluster):
    """What the cluster's emulator writes at start (fresh token and CA); lab.py renames it."""
    return os.path.join(STATE_DIR, "k8s-%s.emulator-kubeconfig" % cluster)


def write_kubeconfigs():
    """kubeconfig-<cluster> per cluster and the merged kubeconfig, from what the emulators wrote.

    Contexts, clusters and users are named after the cluster, so an inventory host names its
    cluster the same way (context: <cluster>) whichever of the two files it is given.
    """
    merged = {"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": [], "users": [], "contexts": []}
    for cluster, _port in k8s_clusters():
        source = emulator_kubeconfig_path(cluster)
        if not os.path.exists(source):
            continue
        with open(source) as handle:
            emulator = yaml.safe_load(handle)
        own = {"apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": cluster,
               "clusters": [{"name": cluster, "cluster": emulator["clusters"][0]["cluster"]}],
               "users": [{"name": cluster, "user": emulator["users"][0]["user"]}],
               "contexts": [{"name": cluster, "context": dict(emulator["contexts"][0]["context"],
                                                              cluster=cluster, user=cluster)}]}
        write_private_yaml(kubeconfig_path(cluster), own)
        for key in ("clusters", "users", "contexts"):
            merged[key].extend(own[key])
        # The production cluster is the default, as the single-cluster lab's kubeconfig was.
        if cluster.endswith("prd") or "current-context" not in merged:
            merged["current-context"] = cluster
    if merged["contexts"]:
        write_private_yaml(KUBECONFIG, merged)


def write_private_yaml(path, data):
    """A kubeconfig holds a token: readable by its owner only, replaced in one rename."""
    temporary = path + ".tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    os.replace(temporary, path)


def lab_environment():
    """Environment for podman and Ansible: the lab's containers.conf and the lab credentials."""
    env = dict(os.environ)
    if os.path.exists(CONTAINERS_CONF):
        env.setdefault("CONTAINERS_CONF", CONTAINERS_CONF)
    for key, value in LAB_F5_ENV.items():
        env.setdefault(key, value)
    env.setdefault("K8S_AUTH_KUBECONFIG", KUBECONFIG)
    env.setdefault("KUBE_EDGE_LAB_STATE_DIR", STATE_DIR)
    env.setdefault("ANSIBLE_CONFIG", os.path.join(REPO, "ansible.cfg"))
    collections = os.path.join(REPO, ".cache", "collections")
    if os.path.isdir(collections):
        env.setdefault("ANSIBLE_COLLECTIONS_PATH", collections)
    return env


# --- background processes ------------------------------------------------------------------------

class Process:
    """A background process of the lab, known by its pid file."""

    def __init__(self, name, script, args, ready, written=()):
        self.name = name
        # Files the process writes at start: removed first, so `ready` never sees an older run's.
        self.written = written
        self.script = os.path.join(REPO, script)
        self.args = args
        self.ready = ready
        self.pid_file = os.path.join(STATE_DIR, "%s.pid" % name)
        self.log_file = os.path.join(STATE_DIR, "%s.log" % name)
        # The arguments it was started with: a changed cluster description restarts it.
        self.args_file = os.path.join(STATE_DIR, "%s.args" % name)

    def outdated(self):
        """Why the running process no longer fits (its arguments changed), or '' when it does."""
        try:
            with open(self.args_file) as handle:
                started_with = json.load(handle)
        except (OSError, ValueError):
            # Started by a lab.py that kept no arguments (Python worker nodes, a single BIG-IP).
            return "started by an older lab.py"
        return "its arguments changed" if started_with != self.args else ""

    def pid(self):
        try:
            with open(self.pid_file) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid

    def start(self):
        if not os.path.exists(self.script):
            say("%s: skipped, %s does not exist yet" % (self.name, os.path.relpath(self.script, REPO)))
            return False
        pid = self.pid()
        if pid and self.outdated():
            say("%s: restarting pid %d: %s" % (self.name, pid, self.outdated()))
            self.stop()
            pid = None
        if pid:
            say("%s: already running (pid %d)" % (self.name, pid))
            return True
        say("%s: starting %s" % (self.name, os.path.relpath(self.script, REPO)))
        with open(self.args_file, "w") as handle:
            json.dump(self.args, handle)
        for path in self.written:
            if os.path.exists(path):
                os.unlink(path)
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, self.script] + self.args,
                cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        with open(self.pid_file, "w") as handle:
            handle.write("%d\n" % process.pid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("lab: %s exited with code %s; see %s" % (self.name, process.returncode, self.log_file))
            if self.ready():
                say("%s: ready (pid %d, log %s)" % (self.name, process.pid, os.path.relpath(self.log_file, REPO)))
                return True
            time.sleep(0.2)
        raise SystemExit("lab: %s did not become ready in 30 s; see %s" % (self.name, self.log_file))

    def stop(self):
        pid = self.pid()
        if not pid:
            say("%s: not running" % self.name)
            return
        say("%s: stopping pid %d" % (self.name, pid))
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.pid():
            time.sleep(0.1)
        if self.pid():
            os.kill(pid, signal.SIGKILL)
        try:
            os.unlink(self.pid_file)
        except OSError:
            pass


def port_open(address, port):
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def node_list(clusters):
    return [(node["name"], cluster["name"], node["address"]) for cluster in clusters for node in cluster["nodes"]]


def processes(clusters):
    nodes = node_list(clusters)
    node_args = ["--state-dir", STATE_DIR]
    for name, cluster, address in nodes:
        node_args += ["--node", "%s,%s,%s" % (name, cluster, address)]
    for cluster in clusters:
        node_args += ["--hostnames", "%s=%s" % (cluster["name"], ",".join(cluster.get("hostnames") or []))]

    def nodes_ready():
        return all(port_open(address, 443) and port_open(address, 80) for _n, _c, address in nodes)

    def k8s_ready(port, kubeconfig):
        return lambda: port_open("127.0.0.1", port) and os.path.exists(kubeconfig)

    def bigip_ready(port):
        return lambda: port_open("127.0.0.1", port)

    units = bigip_units()
    bigips = []
    for number, (device, port) in enumerate(units):
        # The lab login on the command line is fine: a loopback-only emulator with a lab value.
        args = ["--port", str(port), "--user", LAB_F5_ENV["F5_USER"], "--password", LAB_F5_ENV["F5_PASSWORD"]]
        if len(units) == 2:
            peer, peer_port = units[1 - number]
            args += ["--peer-port", str(peer_port), "--device-name", device, "--peer-name", peer,
                     "--failover-state", "active" if number == 0 else "standby"]
        # The first unit keeps the single-device lab's process name (and pid file).
        bigips.append(Process("bigip" if number == 0 else device, "tests/emulators/bigip_emulator.py", args,
                              bigip_ready(port)))
    return [Process("nodes", "tests/lab/nodes.py", node_args, nodes_ready)] + bigips + [
        # HTTPS, as a real API server: client-go (kubectl) sends kubeconfig credentials only over TLS.
        Process("k8s-%s" % cluster, "tests/emulators/k8s_emulator.py",
                ["--port", str(port), "--kubeconfig", emulator_kubeconfig_path(cluster), "--tls"],
                k8s_ready(port, emulator_kubeconfig_path(cluster)), written=(emulator_kubeconfig_path(cluster),))
        for cluster, port in k8s_clusters()
    ]


# Started by the single-cluster lab.py (port 16443): stopped by up and down, its port is a cluster's now.
LEGACY_PROCESSES = (Process("k8s", "tests/emulators/k8s_emulator.py", [], lambda: False),)


# --- the lb01 container --------------------------------------------------------------------------

def podman(args, check=True, capture=True):
    if not shutil.which("podman"):
        raise SystemExit("lab: podman is not installed; `make setup` installs it")
    result = subprocess.run(["podman"] + args, env=lab_environment(), check=False, text=True,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.PIPE if capture else None)
    if check and result.returncode != 0:
        raise SystemExit("lab: podman %s failed: %s" % (" ".join(args), (result.stderr or "").strip()))
    return result


def container_state():
    """'running', 'stopped' or None when the container does not exist."""
    if not shutil.which("podman"):
        return None
    result = podman(["container", "inspect", "--format", '{{.State.Running}} {{index .Config.Labels "kube-edge-lab"}}',
                     CONTAINER], check=False)
    if result.returncode != 0:
        return None
    running, _sep, label = result.stdout.strip().partition(" ")
    if label != CONTAINER_LABEL:
        return "outdated"
    return "running" if running == "true" else "stopped"


def build_image():
    script = os.path.join(REPO, "scripts", "build-image.sh")
    if not os.path.exists(script):
        return None
    say("lb01: building (or reusing) the systemd image with scripts/build-image.sh; the first build takes ~1 minute")
    result = subprocess.run(["bash", script], cwd=REPO, env=lab_environment(), check=False, text=True,
                            stdout=subprocess.PIPE)
    lines = [line.strip() for line in (result.stdout or "").splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        raise SystemExit("lab: scripts/build-image.sh failed (exit %d)" % result.returncode)
    return lines[-1]


def start_container():
    state = container_state()
    if state == "running":
        say("lb01: container %s already running" % CONTAINER)
        return
    if state == "outdated":
        say("lb01: recreating %s (made by an older lab.py)" % CONTAINER)
        podman(["rm", "--force", "--time", "5", CONTAINER])
        state = None
    if state == "stopped":
        say("lb01: starting the existing container %s" % CONTAINER)
        podman(["start", CONTAINER])
    else:
        image = build_image()
        if image is None:
            say("lb01: skipped, scripts/build-image.sh does not exist yet")
            return
        say("lb01: starting container %s from %s (systemd, host network)" % (CONTAINER, image))
        podman(["run", "--detach", "--name", CONTAINER, "--hostname", "lb01", "--network", "host",
                "--systemd", "always", "--cap-add", "SYS_ADMIN", "--label", "kube-edge-lab=%s" % CONTAINER_LABEL,
                "--volume", "%s:%s:ro" % (STATE_DIR, CONTAINER_STATE_DIR), image, "/sbin/init"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result = podman(["exec", CONTAINER, "systemctl", "is-system-running"], check=False)
        if result.stdout.strip() in ("running", "degraded"):
            say("lb01: systemd is %s" % result.stdout.strip())
            return
        time.sleep(1)
    raise SystemExit("lab: systemd in %s did not finish booting in 60 s" % CONTAINER)


def pair_topology(command, image=None):
    """topology.sh up|down|status for the lab's pair; the completed process (output captured)."""
    env = lab_environment()
    env.update(KUBE_EDGE_PAIR_PREFIX=PAIR_PREFIX, KUBE_EDGE_PAIR_STATE_DIR=PAIR_STATE_DIR,
               KUBE_EDGE_PAIR_CONTAINERS=" ".join(container for _host, container in pair_containers()))
    if image:
        env["KUBE_EDGE_PAIR_IMAGE"] = image
    return subprocess.run(["bash", PAIR_TOPOLOGY, command], cwd=REPO, env=env, check=False, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def pair_state():
    """'running' when every part of the pair is up, None without a pair in the inventory, else what is not."""
    if not pair_containers() or not os.path.exists(PAIR_TOPOLOGY):
        return None
    result = pair_topology("status")
    if result.returncode == 0:
        return "running"
    return "; ".join(line for line in result.stdout.splitlines() if line.endswith(("absent", "stopped"))) or "down"


def start_pair():
    if not pair_containers():
        say("pair: the lab inventory has no haproxy_pair group")
        return
    if not os.path.exists(PAIR_TOPOLOGY):
        say("pair: skipped, %s does not exist yet" % os.path.relpath(PAIR_TOPOLOGY, REPO))
        return
    if pair_state() == "running":
        image = None
        say("pair: namespaces %s-*, nodes and containers already up" % PAIR_PREFIX)
    else:
        image = build_image()
        if image is None:
            say("pair: skipped, scripts/build-image.sh does not exist yet")
            return
        image = image.replace("/kube-edge-bookworm:", "/kube-edge-bookworm-pair:")
        say("pair: making namespaces %s-*, the nodes and containers %s from %s (topology.sh up)"
            % (PAIR_PREFIX, ", ".join(container for _host, container in pair_containers()), image))
    result = pair_topology("up", image)
    if result.returncode != 0:
        raise SystemExit("lab: topology.sh up failed (exit %d): %s" % (result.returncode, result.stdout.strip()[-1500:]))
    say("pair: up (VIP %s, reached from the namespace %s-client)" % (pair_description()[0], PAIR_PREFIX))


def stop_pair():
    if not pair_containers() or not os.path.exists(PAIR_TOPOLOGY):
        return
    say("pair: removing containers, nodes and namespaces %s-* (topology.sh down)" % PAIR_PREFIX)
    pair_topology("down")


def stop_container():
    if container_state() is None:
        say("lb01: no container %s" % CONTAINER)
        return
    say("lb01: removing container %s" % CONTAINER)
    podman(["rm", "--force", "--time", "5", CONTAINER])


# --- commands ------------------------------------------------------------------------------------

def cmd_up(_args):
    os.makedirs(STATE_DIR, exist_ok=True)
    clusters, _vip = load_lab_description()
    say("certificates: generating the lab's certificates in %s (reused while valid)" % os.path.relpath(STATE_DIR, REPO))
    before = node_certificates()
    subprocess.run([sys.executable, os.path.join(REPO, "tests", "lab", "certs.py"), "--state-dir", STATE_DIR]
                   + ["--hostname=%s" % host for cluster in clusters for host in cluster.get("hostnames") or []],
                   check=True)
    renewed = bool(before) and node_certificates() != before
    if renewed:
        # The nodes' nginx must load the new certificates, and HAProxy the new CA.
        say("certificates: the lab CA or a host certificate was renewed; restarting the nodes")
        processes(clusters)[0].stop()
    for process in LEGACY_PROCESSES:
        if process.pid():
            process.stop()
    for process in processes(clusters):
        process.start()
    write_kubeconfigs()
    if not os.path.isdir(METALLB_REFERENCE):
        for cluster, _port in k8s_clusters():
            if os.path.exists(kubeconfig_path(cluster)):
                ensure_namespace(cluster, "metallb-system")
    start_container()
    start_pair()
    if renewed and container_state() == "running":
        say("lb01: reloading HAProxy (if installed) so that it trusts the renewed lab CA")
        podman(["exec", CONTAINER, "systemctl", "try-reload-or-restart", "haproxy"], check=False)
    say("up. Next: ansible-playbook -i inventories/lab site.yml (or `make run`); stop with `make lab-down`")
    return 0


def node_certificates():
    """Modification times of the CA and the host certificates the nodes serve (empty before the first up)."""
    names = [name for name in os.listdir(STATE_DIR) if name == "lab-ca.pem" or name.startswith("host-")] \
        if os.path.isdir(STATE_DIR) else []
    return {name: os.path.getmtime(os.path.join(STATE_DIR, name)) for name in names}


def cmd_down(_args):
    clusters, _vip = load_lab_description()
    stop_pair()
    stop_container()
    for process in reversed(processes(clusters) + list(LEGACY_PROCESSES)):
        if process in LEGACY_PROCESSES and not process.pid():
            continue
        process.stop()
    say("down")
    return 0


def cmd_status(_args):
    clusters, _vip = load_lab_description()
    running = 0
    for process in processes(clusters):
        pid = process.pid()
        exists = os.path.exists(process.script)
        running += bool(pid)
        print("%-20s %s" % (process.name, "running (pid %d)" % pid if pid else "stopped" if exists else "not built yet"))
    state = container_state()
    running += state == "running"
    print("%-20s %s" % ("lb01", "container %s %s" % (CONTAINER, state) if state else "no container"))
    if pair_containers():
        pair = pair_state()
        running += pair == "running"
        print("%-20s %s" % ("pair", "namespaces %s-*, nodes and containers %s" % (PAIR_PREFIX, pair) if pair == "running"
                                    else "not up: %s" % pair))
    return 0 if running else 3


def cmd_run(args):
    cmd_up(args)
    playbook = shutil.which("ansible-playbook", path=os.path.dirname(sys.executable)) or "ansible-playbook"
    extra = list(args.ansible_args or [])
    if extra[:1] == ["--"]:  # `lab.py run -- --tags f5`: the separator is not ansible-playbook's
        extra = extra[1:]
    command = [playbook, "-i", "inventories/lab", "site.yml"] + extra
    say("running: %s" % " ".join(command))
    result = subprocess.run(command, cwd=REPO, env=lab_environment(), check=False)
    if result.returncode != 0:
        say("site.yml failed (exit %d); the lab is still up: inspect it, then `make lab-down`" % result.returncode)
        return result.returncode
    return cmd_report(args)


# --- report --------------------------------------------------------------------------------------

class Check:
    def __init__(self):
        self.failures = 0

    def line(self, ok, text):
        if not ok:
            self.failures += 1
        print("  [%s] %s" % ("ok" if ok else "FAIL", text))


def https_through(vip, hostname, path="/"):
    """GET https://<hostname><path> sent to the VIP with SNI and Host set, as a browser would."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the lab's certificate is self-signed; we report its fingerprint
    raw = socket.create_connection((vip, 443), timeout=5)
    tls = context.wrap_socket(raw, server_hostname=hostname)
    fingerprint = hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()
    connection = http.client.HTTPConnection(vip, 443, timeout=5)
    connection.sock = tls
    connection.request("GET", path, headers={"Host": hostname})
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, body, fingerprint


def http_through(vip, hostname):
    connection = http.client.HTTPConnection(vip, 80, timeout=5)
    connection.request("GET", "/", headers={"Host": hostname})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, response.getheader("Location")


# Runs in lb01 (its python3): HAProxy's `show stat` as CSV lines, from the runtime API.
SHOW_STAT = (
    "import socket, sys\n"
    "client = socket.socket(socket.AF_UNIX); client.settimeout(5); client.connect(sys.argv[1])\n"
    "client.sendall(b'show stat\\n')\n"
    "sys.stdout.write(b''.join(iter(lambda: client.recv(65536), b'')).decode())\n"
)


def haproxy_server_states():
    """[(backend, server, status, last check)] of every server HAProxy in lb01 reports, or a string saying why not."""
    if container_state() != "running":
        return "lb01 is not running"
    result = podman(["exec", CONTAINER, "python3", "-c", SHOW_STAT, HAPROXY_STATS_SOCKET], check=False)
    if result.returncode != 0:
        return "no runtime API at %s in lb01 (has site.yml run?): %s" % (
            HAPROXY_STATS_SOCKET, (result.stderr or "").strip()[-200:])
    states = []
    for line in result.stdout.splitlines():
        fields = line.split(",")
        if line.startswith("#") or len(fields) < 18 or fields[1] in ("FRONTEND", "BACKEND"):
            continue
        # show stat columns: 17 status, 36 check_status, 37 check_code (HAProxy's management guide).
        last_check = " ".join(field for field in fields[36:38] if field) if len(fields) > 37 else ""
        states.append((fields[0], fields[1], fields[17], last_check))
    return states if states else "HAProxy reports no servers"


def report_haproxy_checks(check, clusters):
    """Every node of every backend UP, as HAProxy's own health checks see it."""
    states = haproxy_server_states()
    if isinstance(states, str):
        check.line(False, "HAProxy health checks: %s" % states)
        return
    nodes = {name for name, _cluster, _address in node_list(clusters)}
    by_backend = {}
    for backend, server, status, last_check in states:
        by_backend.setdefault(backend, []).append((server, status, last_check))
    for backend, servers in sorted(by_backend.items()):
        down = ["%s %s (%s)" % (server, status, last_check) for server, status, last_check in servers
                if not status.startswith("UP")]
        check.line(not down, "backend %s: %d/%d nodes UP%s" % (
            backend, len(servers) - len(down), len(servers), "; " + ", ".join(down) if down else ""))
    unknown = sorted({server for _backend, server, _status, _check in states} - nodes)
    if unknown:
        check.line(False, "HAProxy has servers the cluster description does not list: %s" % ", ".join(unknown))


def report_haproxy(check, clusters, vip):
    print("HAProxy on lb01, front address %s (HTTP mode, host-name routing):" % vip)
    if not port_open(vip, 443):
        check.line(False, "nothing listens on %s:443 (has site.yml run?)" % vip)
        return
    report_haproxy_checks(check, clusters)
    for cluster in clusters:
        nodes = {node["name"] for node in cluster["nodes"]}
        for hostname in cluster.get("hostnames") or []:
            seen = set()
            fingerprint = ""
            answer = {}
            try:
                # Round robin: a few rounds reach every node of the cluster when all are UP.
                for _attempt in range(3 * len(nodes)):
                    status, body, fingerprint = https_through(vip, hostname, "/lab-report")
                    answer = json.loads(body) if status == 200 else {}
                    if answer.get("cluster") != cluster["name"]:
                        check.line(False, "https://%s/ -> %s %s (expected cluster %s)"
                                   % (hostname, status, body[:80], cluster["name"]))
                        break
                    seen.add(answer["node"])
                    if seen == nodes:
                        break
                else:
                    check.line(False, "https://%s/ reached only %s of %s" % (
                        hostname, ",".join(sorted(seen)), ",".join(sorted(nodes))))
                if seen == nodes:
                    forwarded = answer.get("forwarded") or {}
                    check.line(True, "https://%s/ -> 200 from %s via every node (%s); X-Forwarded-For=%s; "
                               "certificate sha256 %s..." % (hostname, cluster["name"], ",".join(sorted(seen)),
                                                             forwarded.get("x-forwarded-for", "-"), fingerprint[:16]))
                status, location = http_through(vip, hostname)
                check.line(status in (301, 302, 307, 308) and (location or "").startswith("https://"),
                           "http://%s/ -> %s %s" % (hostname, status, location or "(no Location)"))
            except (OSError, ValueError, http.client.HTTPException) as error:
                check.line(False, "https://%s/ via %s failed: %s" % (hostname, vip, error))


def vip_holders(vip):
    """The pair's containers holding the VIP (each one's addresses, read in the container)."""
    holders = []
    for host, container in pair_containers():
        shown = podman(["exec", container, "ip", "-4", "-o", "addr", "show"], check=False).stdout
        if " %s/" % vip in shown:
            holders.append("%s (%s)" % (host, container))
    return holders


def cmd_pair_probe(_args):
    """Run inside the client namespace: one HTTPS request through the VIP, the node's answer as JSON."""
    vip, _nodes, hostname = pair_description()
    try:
        status, body, fingerprint = https_through(vip, hostname, "/lab-report")
        answer = json.loads(body) if status == 200 else {"status": status, "body": body[:200]}
    except (OSError, ValueError, http.client.HTTPException) as error:
        answer = {"error": str(error)}
    else:
        answer["certificate_sha256"] = fingerprint
    print(json.dumps(answer))
    return 0


def report_pair(check):
    """Who holds the VIP; requests from the client namespace through the VIP reach every node."""
    if not pair_containers():
        return
    vip, nodes, hostname = pair_description()
    print("HAProxy pair, VIP %s in the namespaces %s-* (TCP mode, keepalived):" % (vip, PAIR_PREFIX))
    state = pair_state()
    if state != "running":
        check.line(False, "not up: %s (python tests/lab/lab.py up)" % state)
        return
    holders = vip_holders(vip)
    check.line(len(holders) == 1, "VIP %s held by %s" % (vip, ", ".join(holders) or "no host (has site.yml run?)"))
    seen = set()
    answer = {}
    # Round robin: a few requests reach every node when all are UP.
    for _attempt in range(3 * len(nodes)):
        # Each request a new process in the client namespace: the VIP exists only on the pair's bridge.
        result = subprocess.run(["ip", "netns", "exec", "%s-client" % PAIR_PREFIX, sys.executable,
                                 os.path.abspath(__file__), "pair-probe"],
                                check=False, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            answer = json.loads(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            answer = {"error": result.stdout.strip()[-200:]}
        if "node" not in answer:
            break
        seen.add(answer["node"])
        if seen == {name for name, _address in nodes}:
            break
    check.line(seen == {name for name, _address in nodes},
               "from %s-client: https://%s/ via %s reached %s%s" % (
                   PAIR_PREFIX, hostname, vip, ",".join(sorted(seen)) or "no node",
                   " of cluster %s; certificate sha256 %s... (the node's: TLS passed through)"
                   % (answer.get("cluster"), answer.get("certificate_sha256", "")[:16]) if "node" in answer
                   else ": %s" % json.dumps(answer)[:200]))


def report_bigip(check):
    """Each unit's LTM objects; in a pair, the sync status and the standby holding what the active has."""
    seen = {}
    for device, port in bigip_units():
        found = report_bigip_unit(check, device, port)
        if found is not None:
            seen[device] = found
    if len(seen) == 2:
        (active, objects), (standby, copied) = list(seen.items())
        check.line(objects == copied, "%s holds the same pools and virtual servers as %s (config-sync)%s" % (
            standby, active, "" if objects == copied else ": missing %s" % ", ".join(sorted(objects - copied)[:6])))


def report_bigip_unit(check, device, port):
    """Report one unit; the set of its pool and virtual server paths, or None when it cannot be read."""
    print("BIG-IP emulator %s on 127.0.0.1:%d:" % (device, port))
    if not port_open("127.0.0.1", port):
        check.line(False, "not running (python tests/lab/lab.py up)")
        return None
    env = lab_environment()
    session = requests.Session()
    session.auth = (env["F5_USER"], env["F5_PASSWORD"])
    base = "https://127.0.0.1:%d/mgmt/tm/ltm" % port
    try:
        requests.packages.urllib3.disable_warnings()  # pylint: disable=no-member
        # verify= per request: a session-level value loses to REQUESTS_CA_BUNDLE from the environment.
        pools = session.get(base + "/pool?expandSubcollections=true", timeout=10, verify=False).json().get("items", [])
        virtuals = session.get(base + "/virtual?expandSubcollections=true", timeout=10, verify=False).json().get("items", [])
        sync = session.get("https://127.0.0.1:%d/mgmt/tm/cm/sync-status" % port, timeout=10, verify=False).json()
        failover = session.get("https://127.0.0.1:%d/mgmt/tm/cm/device" % port, timeout=10, verify=False).json()
    except (requests.RequestException, ValueError) as error:
        check.line(False, "REST query failed: %s" % error)
        return None
    status = sync_status_of(sync)
    state = next((unit.get("failoverState") for unit in failover.get("items") or []
                  if unit.get("selfDevice") == "true"), "?")
    check.line(status in ("In Sync", "Standalone"), "failover state %s, sync status %s" % (state, status))
    check.line(bool(pools), "%d pool(s)" % len(pools))
    for pool in pools:
        members = ((pool.get("membersReference") or {}).get("items")) or []
        names = ",".join(member.get("name", "?") for member in members)
        print("      pool %s monitor=%s members=%s" % (pool.get("fullPath"), (pool.get("monitor") or "").strip(), names))
    check.line(bool(virtuals), "%d virtual server(s)" % len(virtuals))
    for virtual in virtuals:
        profiles = [profile.get("name") for profile in ((virtual.get("profilesReference") or {}).get("items") or [])]
        print("      virtual %s destination=%s pool=%s profiles=%s"
              % (virtual.get("fullPath"), virtual.get("destination"), virtual.get("pool"), ",".join(profiles)))
    return {"pool " + item.get("fullPath", "?") for item in pools} | {"virtual " + item.get("fullPath", "?") for item in virtuals}


def sync_status_of(body):
    """The status description of a /mgmt/tm/cm/sync-status answer (entries -> nestedStats -> entries -> status)."""
    for entry in (body.get("entries") or {}).values():
        status = (((entry.get("nestedStats") or {}).get("entries") or {}).get("status") or {}).get("description")
        if status:
            return status
    return "?"


def kube_session(cluster):
    with open(kubeconfig_path(cluster)) as handle:
        config = yaml.safe_load(handle)
    cluster = config["clusters"][0]["cluster"]
    user = (config.get("users") or [{}])[0].get("user") or {}
    session = requests.Session()
    session.verify = False
    if cluster.get("certificate-authority"):
        session.verify = cluster["certificate-authority"]
    if user.get("token"):
        session.headers["Authorization"] = "Bearer %s" % user["token"]
    return session, cluster["server"].rstrip("/")


def ensure_namespace(cluster, name):
    """Without MetalLB's manifests the lab only configures MetalLB; its namespace must then exist."""
    session, server = kube_session(cluster)
    response = session.post(server + "/api/v1/namespaces", json={"apiVersion": "v1", "kind": "Namespace",
                                                                 "metadata": {"name": name}},
                            timeout=10, verify=session.verify)
    if response.status_code not in (200, 201, 409):
        raise SystemExit("lab: cannot create namespace %s in %s: HTTP %d %s"
                         % (name, cluster, response.status_code, response.text[:200]))
    say("k8s-%s: no MetalLB manifests in %s; namespace %s exists for its configuration"
        % (cluster, os.path.relpath(METALLB_REFERENCE, REPO), name))


def report_k8s(check, cluster, port):
    print("Cluster %s (Kubernetes API emulator on 127.0.0.1:%d):" % (cluster, port))
    if not port_open("127.0.0.1", port) or not os.path.exists(kubeconfig_path(cluster)):
        check.line(False, "not running (python tests/lab/lab.py up)")
        return
    try:
        session, server = kube_session(cluster)
        requests.packages.urllib3.disable_warnings()  # pylint: disable=no-member
        for path, label, expected in K8S_LISTS:
            response = session.get(server + path, timeout=10, verify=session.verify)
            if response.status_code == 404:
                check.line(not expected, "%s: none" % label)
                continue
            body = response.json()
            items = body.get("items") if "items" in body else [body]
            names = ["%s/%s" % (item["metadata"].get("namespace", "-"), item["metadata"]["name"]) for item in items]
            check.line(expected is None or bool(names) == expected, "%s: %s" % (label, ", ".join(names) if names else "none"))
            if label == "Ingresses":
                for item in items:
                    for tls in (item.get("spec") or {}).get("tls") or []:
                        check.line(True, "ingress %s uses secret %s for %s" % (
                            item["metadata"]["name"], tls.get("secretName"), ",".join(tls.get("hosts") or [])))
    except (OSError, requests.RequestException, ValueError, KeyError, IndexError) as error:
        check.line(False, "Kubernetes query failed: %s" % error)


def cmd_report(_args):
    clusters, vip = load_lab_description()
    print("== kube_edge.lb lab report ==")
    cmd_status(None)
    check = Check()
    report_haproxy(check, clusters, vip)
    report_pair(check)
    report_bigip(check)
    for cluster, port in k8s_clusters():
        report_k8s(check, cluster, port)
    print("Stop the lab with `make lab-down` (python tests/lab/lab.py down).")
    if check.failures:
        print("%d check(s) failed." % check.failures)
        return 1
    return 0


def cmd_fault(args):
    """Inject or clear a worker node's fault (tests/lab/nodes.py watches the flag files)."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:  # when lab.py is loaded by path (benchmarks, tests)
        sys.path.insert(0, here)
    import nodes  # tests/lab/nodes.py  pylint: disable=import-outside-toplevel,import-error

    clusters, _vip = load_lab_description()
    names = [name for name, _cluster, _address in node_list(clusters)]
    if args.node not in names:
        raise SystemExit("lab: node %r is not in %s (nodes: %s)" % (args.node, os.path.relpath(CLUSTERS_FILE, REPO),
                                                                    ", ".join(names)))
    for fault in nodes.FAULTS:
        nodes.set_fault(STATE_DIR, args.node, fault, on=fault == args.fault)
    say("%s: %s" % (args.node, nodes.FAULTS.get(args.fault, "no fault")))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="The kube_edge.lb embedded lab on loopback.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("up", "down", "status", "report"):
        sub.add_parser(name)
    sub.add_parser("pair-probe", help="(run by report inside the pair's client namespace) one request to the VIP")
    run = sub.add_parser("run", help="up, site.yml on the lab inventory, report")
    run.add_argument("ansible_args", nargs=argparse.REMAINDER, help="extra ansible-playbook arguments")
    fault = sub.add_parser("fault", help="fail or stop one worker node, or clear its fault")
    fault.add_argument("node")
    fault.add_argument("fault", choices=["unhealthy", "stopped", "none"])
    args = parser.parse_args(argv)
    return {"up": cmd_up, "down": cmd_down, "status": cmd_status, "report": cmd_report, "run": cmd_run,
            "fault": cmd_fault, "pair-probe": cmd_pair_probe}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
