# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's "worker nodes": one real nginx per node, configured the way ingress-nginx renders its template.

Every node is its own nginx master (Debian's ``nginx`` package), started by this launcher with its
own configuration, pid file, logs and temp directories under ``<state-dir>/nodes/<name>/``, and
listening only on the node's address (ports 80 and 443 unless ``--http-port``/``--https-port``).
What a load balancer meets there is what ingress-nginx (``rootfs/etc/nginx/template/nginx.tmpl``)
serves for the lab's Ingresses, one per host name of the node's cluster:

- the catch-all server (``server_name _``, ``default_server`` on both ports) with ``/healthz``
  (200, empty body, only here: health checks must not send an application's host name), the
  self-signed "Kubernetes Ingress Controller Fake Certificate" for unknown or missing SNI, and the
  default backend's ``404 default backend - 404`` for every other path;
- one server per Ingress host with that host's certificate (issued by the lab CA, certs.py), a 308
  redirect to ``https://`` for plain HTTP (ssl-redirect), HSTS on HTTPS, and the path ``/`` proxied to
  the application with ingress-nginx's default headers: ``X-Real-IP`` and ``X-Forwarded-For`` set to
  the connection's address (``use-forwarded-headers: false``: what the client sent is not trusted
  and goes on as ``X-Original-Forwarded-For``), ``X-Forwarded-Proto``/``X-Scheme`` the scheme nginx
  received, ``X-Forwarded-Host``, ``X-Forwarded-Port``;
- ``--proxy-protocol CLUSTER``: that cluster's nodes run with ``use-proxy-protocol: "true"``: every
  connection on both ports must start with a PROXY header (health checks included) and the client
  address comes from it.

The application behind every host is an echo server in this process (one Unix socket per node): it
answers JSON naming the node and cluster and echoing what nginx passed on (``node``, ``cluster``,
``address``, ``scheme``, ``method``, ``path``, ``host``, ``forwarded`` (the ``X-Forwarded-*``
headers), ``original_forwarded_for``, ``client`` (the address nginx saw), ``status``), 200 for every
path except ``/healthz``, which an application does not have (404). Lab-only additions, not in
ingress-nginx: the ``X-Lab-Node``/``X-Lab-Cluster`` response headers, also on the catch-all server.

Faults, per node, as files in ``<state-dir>/nodes/<name>/``: ``unhealthy`` makes ``/healthz``
answer 503 (an unhealthy controller that still serves traffic); ``stopped`` stops that node's nginx
until the file is removed (checked every half second). ``set_fault()`` writes and removes them.

    python tests/lab/nodes.py --state-dir .cache/lab \\
        --node node01,rke-cluster-npd,127.0.1.11 --hostnames rke-cluster-npd=dev.example.com,qas.example.com

Without ``--node`` the nodes and host names come from the lab's one cluster description
(inventories/lab/group_vars/all/clusters.yml, needs PyYAML). Writes ``nodes.log`` (one line per
application request and per nginx start/stop) in the state dir and stops every nginx on SIGTERM/SIGINT.
Dependencies: nginx, the standard library and ``cryptography`` (certs.py).
"""

from __future__ import annotations

import argparse
import ctypes
import http.server
import ipaddress
import json
import logging
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTERS_FILE = os.path.join(REPO, "inventories", "lab", "group_vars", "all", "clusters.yml")
PID_FILE = "nodes.pid"
LOG_FILE = "nodes.log"
NODES_DIR = "nodes"
ECHO_SOCKET = "echo.sock"
FAULTS = {"unhealthy": "/healthz answers 503", "stopped": "nginx is stopped"}
# ingress-nginx's defaults (docs/user-guide/nginx-configuration/configmap.md): hsts, hsts-max-age,
# hsts-include-subdomains, http-redirect-code, ssl-protocols, proxy-real-ip-cidr.
HSTS = "max-age=31536000; includeSubDomains"
REDIRECT_CODE = 308
SSL_PROTOCOLS = "TLSv1.2 TLSv1.3"
REAL_IP_CIDR = "0.0.0.0/0"
DEFAULT_BACKEND_BODY = "default backend - 404"
# A master that died is started again, at most this often (seconds).
RESTART_DELAY = 5

LOG = logging.getLogger("lab.nodes")


def node_dir(state_dir, name):
    return os.path.join(state_dir, NODES_DIR, name)


def set_fault(state_dir, name, fault, on=True):
    """Turn a fault of one node on or off: ``unhealthy`` (/healthz 503) or ``stopped`` (nginx down)."""
    if fault not in FAULTS:
        raise ValueError("fault %r is not one of %s" % (fault, ", ".join(sorted(FAULTS))))
    path = os.path.join(node_dir(state_dir, name), fault)
    if on:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("%s\n" % FAULTS[fault])
    elif os.path.exists(path):
        os.unlink(path)


# --- the application behind the Ingresses --------------------------------------------------------

class EchoHandler(http.server.BaseHTTPRequestHandler):
    """The application of every lab Ingress: says which node and cluster served the request."""

    protocol_version = "HTTP/1.1"
    server_version = "kube-edge-lab-echo"

    def _answer(self, head_only):
        node = self.server.node
        path = self.path.split("?", 1)[0]
        status = 404 if path == "/healthz" else 200
        body = {
            "node": node.name,
            "cluster": node.cluster,
            "address": node.address,
            "scheme": self.headers.get("X-Scheme"),
            "method": self.command,
            "path": self.path,
            "host": self.headers.get("Host"),
            "forwarded": {key.lower(): value for key, value in self.headers.items()
                          if key.lower().startswith("x-forwarded-")},
            "original_forwarded_for": self.headers.get("X-Original-Forwarded-For"),
            "client": self.headers.get("X-Real-IP"),
            "status": status,
        }
        payload = (json.dumps(body, sort_keys=True) + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Lab-Node", node.name)
        self.send_header("X-Lab-Cluster", node.cluster)
        self.end_headers()
        if not head_only:
            self.wfile.write(payload)

    def do_GET(self):  # pylint: disable=invalid-name
        self._answer(head_only=False)

    def do_HEAD(self):  # pylint: disable=invalid-name
        self._answer(head_only=True)

    def do_POST(self):  # pylint: disable=invalid-name
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._answer(head_only=False)

    def address_string(self):
        # A Unix socket peer has no address; the client is the one nginx saw.
        return self.headers.get("X-Real-IP", "-") if getattr(self, "headers", None) else "-"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.info("%s app %s %s %s", self.server.node.name, self.address_string(),
                 self.headers.get("Host", "-") if getattr(self, "headers", None) else "-", format % args)


class EchoServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path, node):
        self.node = node
        if os.path.exists(path):
            os.unlink(path)
        super().__init__(path, EchoHandler)
        os.chmod(path, 0o666)  # nginx's workers may run as another user


# --- nginx ---------------------------------------------------------------------------------------

class Node:
    """One worker node: its nginx master, configuration and state directory."""

    def __init__(self, name, cluster, address, hostnames, state_dir, http_port=80, https_port=443,
                 proxy_protocol=False):
        self.name = name
        self.cluster = cluster
        self.address = address
        self.hostnames = list(hostnames)
        self.state_dir = state_dir
        self.dir = node_dir(state_dir, name)
        self.http_port = http_port
        self.https_port = https_port
        self.proxy_protocol = proxy_protocol
        self.process = None
        self.started = float("-inf")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def render(self, certs_module):
        """nginx.conf for this node, after the certificates it names are in place."""
        fake_cert, fake_key, _new = certs_module.ensure_certificate(
            self.state_dir, "ingress", *certs_module.LAB_CERTIFICATES["ingress"])
        proxy = " proxy_protocol" if self.proxy_protocol else ""
        listen_http = "%s:%d%s" % (self.address, self.http_port, proxy)
        listen_https = "%s:%d%s ssl http2" % (self.address, self.https_port, proxy)
        user = "user root;\n" if os.geteuid() == 0 else ""
        real_ip = ""
        if self.proxy_protocol:
            # The template enables the realip module only with use-forwarded-headers or
            # use-proxy-protocol; with the latter the client address is the PROXY header's.
            real_ip = ("    real_ip_header proxy_protocol;\n    real_ip_recursive on;\n"
                       "    set_real_ip_from %s;\n" % REAL_IP_CIDR)
        servers = []
        for hostname in self.hostnames:
            cert, key, _new = certs_module.ensure_host_certificate(self.state_dir, hostname)
            servers.append(HOST_SERVER % {
                "hostname": hostname, "listen_http": listen_http, "listen_https": listen_https,
                "cert": cert, "key": key, "redirect_code": REDIRECT_CODE,
                "echo": self.path(ECHO_SOCKET),
            })
        return NGINX_CONF % {
            "user": user, "node": self.name, "cluster": self.cluster, "dir": self.dir,
            "real_ip": real_ip, "https_port": self.https_port, "ssl_protocols": SSL_PROTOCOLS, "hsts": HSTS,
            "listen_http": listen_http, "listen_https": listen_https,
            "fake_cert": fake_cert, "fake_key": fake_key,
            "unhealthy": self.path("unhealthy"), "default_backend": DEFAULT_BACKEND_BODY,
            "servers": "".join(servers),
        }

    def prepare(self, certs_module, nginx):
        for sub in ("", "logs", "tmp"):
            os.makedirs(self.path(sub), exist_ok=True)
        with open(self.path("nginx.conf"), "w") as handle:
            handle.write(self.render(certs_module))
        self._stop_stale(nginx)
        test = subprocess.run(self._command(nginx) + ["-t", "-q"], check=False, capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError("%s: nginx refused %s: %s" % (self.name, self.path("nginx.conf"), test.stderr.strip()))

    def _command(self, nginx):
        return [nginx, "-p", self.dir, "-c", self.path("nginx.conf"), "-e", self.path("logs", "error.log")]

    def _stop_stale(self, nginx):
        """A master left behind by a launcher that was killed: stop it if it runs our configuration."""
        try:
            with open(self.path("nginx.pid")) as handle:
                pid = int(handle.read().strip())
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().split(b"\0")
        except (OSError, ValueError):
            return
        if os.path.basename(nginx).encode() in os.path.basename(cmdline[0]) and \
                self.path("nginx.conf").encode() in cmdline:
            LOG.info("%s: stopping the nginx master %d left by an earlier run", self.name, pid)
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
                time.sleep(0.05)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def last_error(self):
        """The last line nginx wrote to this node's error log, to say why it stopped."""
        try:
            with open(self.path("logs", "error.log")) as handle:
                lines = [line.strip() for line in handle if "[emerg]" in line or "[alert]" in line]
        except OSError:
            return "no error log"
        # After bind() retries nginx's last word is "still could not bind()"; the line before names the address.
        telling = [line for line in lines if "failed (" in line] or lines
        return telling[-1] if telling else "see %s" % self.path("logs", "error.log")

    def workers_started(self):
        """True once this master logged that it starts its workers (after every listen socket is bound)."""
        marker = "%d#%d: start worker processes" % (self.process.pid, self.process.pid)
        try:
            with open(self.path("logs", "error.log")) as handle:
                return any(marker in line for line in handle)
        except OSError:
            return False

    def start(self, nginx):
        self.started = time.monotonic()
        self.process = subprocess.Popen(self._command(nginx), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        LOG.info("%s: nginx master %d for %s on %s (%s)", self.name, self.process.pid, self.cluster, self.address,
                 ", ".join(self.hostnames) or "no hosts")

    def stop(self):
        if not self.running():
            return
        self.process.terminate()  # nginx: SIGTERM is the fast shutdown
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        self.started = float("-inf")  # a node stopped on purpose starts again at once
        LOG.info("%s: nginx stopped", self.name)


def _die_with_parent():
    """In the nginx child: get SIGTERM when the launcher dies, even by SIGKILL (Linux prctl)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# The rendering of ingress-nginx's template for the lab, reduced to what nginx without Lua and
# headers-more can do (the balancer, monitoring and WAF parts are left out): the same server
# selection, listeners, certificates, redirects, maps and proxy headers.
NGINX_CONF = """\
# Rendered by tests/lab/nodes.py: %(node)s of %(cluster)s, configured like ingress-nginx.
%(user)spid %(dir)s/nginx.pid;
daemon off;
worker_processes 1;
error_log %(dir)s/logs/error.log notice;

events {
    worker_connections 1024;
}

http {
    default_type text/html;
    client_body_temp_path %(dir)s/tmp/client-body;
    proxy_temp_path %(dir)s/tmp/proxy;
    fastcgi_temp_path %(dir)s/tmp/fastcgi;
    uwsgi_temp_path %(dir)s/tmp/uwsgi;
    scgi_temp_path %(dir)s/tmp/scgi;
    log_format upstreaminfo '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                            '"$http_referer" "$http_user_agent" host=$host sni=$ssl_server_name '
                            'proxy_protocol_addr=$proxy_protocol_addr';
    access_log %(dir)s/logs/access.log upstreaminfo;
    server_tokens off;
    keepalive_timeout 75s;
    server_names_hash_bucket_size 64;
    server_name_in_redirect off;
    port_in_redirect off;
    ssl_protocols %(ssl_protocols)s;
    ssl_session_cache shared:SSL:1m;
%(real_ip)s
    map $http_host $best_http_host {
        default $http_host;
        '' $host;
    }
    map '' $pass_access_scheme {
        default $scheme;
    }
    map '' $pass_server_port {
        default $server_port;
    }
    map $pass_server_port $pass_port {
        %(https_port)d 443;
        default $pass_server_port;
    }
    map "$scheme:$pass_access_scheme" $redirect_to_https {
        default 0;
        "http:http" 1;
        "https:http" 1;
    }
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }
    map $scheme $hsts_header {
        https "%(hsts)s";
        default "";
    }

    ## start server _
    server {
        server_name _;
        listen %(listen_http)s default_server;
        listen %(listen_https)s default_server;
        ssl_certificate %(fake_cert)s;
        ssl_certificate_key %(fake_key)s;
        add_header X-Lab-Node %(node)s always;
        add_header X-Lab-Cluster %(cluster)s always;

        location / {
            # the default backend (no default-backend Service configured)
            default_type text/plain;
            return 404 "%(default_backend)s";
        }

        # health checks in cloud providers require the use of port 80
        location /healthz {
            access_log off;
            if (-f %(unhealthy)s) {
                return 503;
            }
            return 200;
        }

        location /nginx_status {
            allow 127.0.0.1;
            deny all;
            access_log off;
            stub_status on;
        }
    }
    ## end server _
%(servers)s}
"""

HOST_SERVER = """
    ## start server %(hostname)s
    server {
        server_name %(hostname)s;
        listen %(listen_http)s;
        listen %(listen_https)s;
        ssl_certificate %(cert)s;
        ssl_certificate_key %(key)s;

        location / {
            # enforce ssl on server side
            if ($redirect_to_https) {
                return %(redirect_code)d https://$best_http_host$request_uri;
            }
            add_header Strict-Transport-Security $hsts_header always;
            proxy_set_header Host $best_http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Request-ID $request_id;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Host $best_http_host;
            proxy_set_header X-Forwarded-Port $pass_port;
            proxy_set_header X-Forwarded-Proto $pass_access_scheme;
            proxy_set_header X-Forwarded-Scheme $pass_access_scheme;
            proxy_set_header X-Scheme $pass_access_scheme;
            proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;
            proxy_set_header Proxy "";
            proxy_http_version 1.1;
            proxy_connect_timeout 5s;
            proxy_pass http://unix:%(echo)s;
        }
    }
    ## end server %(hostname)s
"""


def find_nginx():
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Lab:
    """Every node of this launcher: nginx masters, echo sockets and the fault watcher."""

    def __init__(self, nodes, state_dir, nginx):
        self.nodes = nodes
        self.state_dir = state_dir
        self.nginx = nginx
        self.servers = []

    def start(self):
        # Imported here so that ``--help`` works without cryptography installed.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import certs  # pylint: disable=import-outside-toplevel,import-error

        for node in self.nodes:
            node.prepare(certs, self.nginx)
            server = EchoServer(node.path(ECHO_SOCKET), node)
            threading.Thread(target=server.serve_forever, name="echo-%s" % node.name, daemon=True).start()
            self.servers.append(server)
        self.watch()
        # Ready when every master has bound its sockets and started its worker; nginx retries a
        # busy address for 2.5 s, then exits.
        waiting = list(self.nodes)
        deadline = time.monotonic() + 10
        while waiting and time.monotonic() < deadline:
            failed = [node for node in waiting if node.process.poll() is not None]
            if failed:
                raise RuntimeError("; ".join("%s: nginx exited at start: %s" % (node.name, node.last_error())
                                             for node in failed))
            waiting = [node for node in waiting if not node.workers_started()]
            time.sleep(0.05)
        if waiting:
            raise RuntimeError("nginx of %s did not start its workers in 10 s" % ", ".join(node.name for node in waiting))

    def watch(self):
        """Start what should run, stop what is marked stopped; a master that died is said once and restarted."""
        for node in self.nodes:
            stopped = os.path.exists(node.path("stopped"))
            if stopped and node.running():
                node.stop()
            elif not stopped and not node.running() and time.monotonic() - node.started >= RESTART_DELAY:
                if node.process is not None:
                    LOG.info("%s: nginx exited with %s (%s); starting it again", node.name, node.process.returncode,
                             node.last_error())
                node.start(self.nginx)

    def stop(self):
        for node in self.nodes:
            node.stop()
        for server in self.servers:
            server.shutdown()
            server.server_close()
            try:
                os.unlink(server.server_address)
            except OSError:
                pass


def parse_node(text):
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError("--node=%r must look like name,cluster,address." % text)
    try:
        ipaddress.ip_address(parts[2])
    except ValueError:
        raise argparse.ArgumentTypeError("--node=%r has address %r, which is not an IP address." % (text, parts[2]))
    if not all(part.replace("-", "").replace("_", "").replace(".", "").isalnum() for part in parts[:2]):
        raise argparse.ArgumentTypeError("--node=%r: name and cluster may hold letters, digits, '.', '-', '_' only."
                                         % text)
    return tuple(parts)


def parse_hostnames(text):
    import certs  # pylint: disable=import-outside-toplevel,import-error

    cluster, sep, names = text.partition("=")
    if not sep or not cluster.strip():
        raise argparse.ArgumentTypeError("--hostnames=%r must look like cluster=host1,host2." % text)
    try:
        return cluster.strip(), [certs.check_hostname(name.strip()) for name in names.split(",") if name.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError("--hostnames=%r: %s" % (text, error))


def lab_description():
    """Nodes and host names of the lab's one cluster description."""
    import yaml  # pylint: disable=import-outside-toplevel

    with open(CLUSTERS_FILE) as handle:
        clusters = (yaml.safe_load(handle) or {}).get("kube_edge_clusters") or []
    nodes = [(node["name"], cluster["name"], node["address"]) for cluster in clusters for node in cluster["nodes"]]
    return nodes, {cluster["name"]: list(cluster.get("hostnames") or []) for cluster in clusters}


def main(argv=None):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--state-dir", default=".cache/lab", help="where configuration, pid, log and certificate files go")
    parser.add_argument("--node", action="append", type=parse_node, metavar="NAME,CLUSTER,ADDRESS",
                        help="a node to run (repeatable); default: the nodes of the lab's cluster description")
    parser.add_argument("--hostnames", action="append", type=parse_hostnames, default=[], metavar="CLUSTER=HOST,...",
                        help="the Ingress hosts of a cluster (repeatable); default: the lab's cluster description")
    parser.add_argument("--proxy-protocol", action="append", default=[], metavar="CLUSTER",
                        help="run this cluster's nodes with use-proxy-protocol (repeatable)")
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--nginx", default=find_nginx(), help="the nginx binary (default: from PATH or /usr/sbin)")
    args = parser.parse_args(argv)

    if not args.nginx:
        parser.error("nginx is not installed (Debian package nginx; `make setup` installs it)")
    hostnames = dict(args.hostnames)
    nodes = args.node
    if not nodes or not args.hostnames:
        try:
            lab_nodes, lab_hostnames = lab_description()
        except (OSError, ImportError, KeyError, TypeError) as error:
            parser.error("give --node and --hostnames: cannot read the lab description %s: %s" % (CLUSTERS_FILE, error))
        nodes = nodes or lab_nodes
        hostnames = hostnames or lab_hostnames
    for port in (args.http_port, args.https_port):
        if not 1 <= port <= 65535:
            parser.error("port %d is outside 1-65535" % port)

    os.makedirs(args.state_dir, exist_ok=True)
    logging.basicConfig(filename=os.path.join(args.state_dir, LOG_FILE), level=logging.INFO,
                        format="%(asctime)s %(message)s")
    state_dir = os.path.abspath(args.state_dir)
    lab = Lab([Node(name, cluster, address, hostnames.get(cluster, []), state_dir, args.http_port, args.https_port,
                    cluster in args.proxy_protocol) for name, cluster, address in nodes], state_dir, args.nginx)
    stop = threading.Event()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        lab.start()
    except (OSError, RuntimeError, ValueError) as error:
        sys.stderr.write("nodes.py: %s\n" % error)
        lab.stop()
        return 1
    pid_path = os.path.join(args.state_dir, PID_FILE)
    with open(pid_path, "w") as handle:
        handle.write("%d\n" % os.getpid())
    sys.stdout.write("nodes ready: %s\n" % ", ".join(
        "%s(%s)=%s" % (node.name, node.cluster, node.address) for node in lab.nodes))
    sys.stdout.flush()
    LOG.info("started pid %d: %d nginx node(s)", os.getpid(), len(lab.nodes))
    while not stop.wait(0.5):
        lab.watch()
    lab.stop()
    LOG.info("stopped")
    try:
        os.unlink(pid_path)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
