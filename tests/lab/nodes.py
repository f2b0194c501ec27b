# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's "worker nodes": six loopback web servers standing in for ingress controllers.

Two clusters, as in the chapter: a non-production cluster (node01-03 on 127.0.1.11-13) and a
production one (node04-06 on 127.0.1.21-23). Every node answers HTTP on port 80 and HTTPS on port
443 with an ingress-like self-signed certificate (like ingress-nginx's "Kubernetes Ingress
Controller Fake Certificate"; generated at start by certs.py, reused while valid), so that a load balancer in front of them meets
what it meets in a real cluster:

- ``/healthz`` answers 200 ``ok`` (GET and HEAD), the ingress health endpoint the chapter's
  HAProxy and F5 monitors probe;
- any other path answers 200 with a JSON body naming the node and its cluster and echoing the
  ``Host`` and ``X-Forwarded-*`` headers, so a test can prove where a request went and what the
  load balancer told the backend.

Run it in the foreground: ``python tests/lab/nodes.py --state-dir .cache/lab``; it writes
``nodes.pid``, ``nodes.log`` (one line per request) and the certificate (``ingress-cert.pem``,
``ingress-key.pem``) there, and stops cleanly on SIGTERM/SIGINT. ``--node name,cluster,address``
(repeatable) replaces the default topology; ``--http-port``/``--https-port`` let tests use free ports.

Dependencies: the standard library and ``cryptography`` (certificate generation, certs.py).
"""

from __future__ import annotations

import argparse
import http.server
import ipaddress
import json
import logging
import os
import signal
import socketserver
import ssl
import sys
import threading

# The chapter's topology: one non-production and one production cluster of three nodes each.
DEFAULT_NODES = (
    ("node01", "rke-cluster-npd", "127.0.1.11"),
    ("node02", "rke-cluster-npd", "127.0.1.12"),
    ("node03", "rke-cluster-npd", "127.0.1.13"),
    ("node04", "rke-cluster-prd", "127.0.1.21"),
    ("node05", "rke-cluster-prd", "127.0.1.22"),
    ("node06", "rke-cluster-prd", "127.0.1.23"),
)

PID_FILE = "nodes.pid"
LOG_FILE = "nodes.log"

LOG = logging.getLogger("lab.nodes")


class NodeHandler(http.server.BaseHTTPRequestHandler):
    """Answers like an ingress controller's default backend, plus an echo of what the LB sent."""

    protocol_version = "HTTP/1.1"
    server_version = "kube-edge-lab-node"

    def _send(self, status, body, content_type, head_only=False):
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Lab-Node", self.server.node_name)
        self.send_header("X-Lab-Cluster", self.server.cluster)
        self.end_headers()
        if not head_only:
            self.wfile.write(payload)

    def _answer(self, head_only):
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200, "ok", "text/plain; charset=utf-8", head_only)
            return
        forwarded = {
            key.lower(): value for key, value in self.headers.items() if key.lower().startswith("x-forwarded-")
        }
        body = {
            "node": self.server.node_name,
            "cluster": self.server.cluster,
            "address": self.server.server_address[0],
            "scheme": self.server.scheme,
            "method": self.command,
            "path": self.path,
            "host": self.headers.get("Host"),
            "forwarded": forwarded,
            "client": self.client_address[0],
        }
        self._send(200, json.dumps(body, sort_keys=True) + "\n", "application/json", head_only)

    def do_GET(self):  # pylint: disable=invalid-name
        self._answer(head_only=False)

    def do_HEAD(self):  # pylint: disable=invalid-name
        self._answer(head_only=True)

    def do_POST(self):  # pylint: disable=invalid-name
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._answer(head_only=False)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.info("%s %s %s:%s %s", self.server.node_name, self.client_address[0],
                 self.server.scheme, self.server.server_address[1], format % args)


class NodeServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """One listener of one node (a node has two: HTTP and HTTPS)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, node_name, cluster, scheme, ssl_context=None):
        self.node_name = node_name
        self.cluster = cluster
        self.scheme = scheme
        self.ssl_context = ssl_context
        super().__init__(address, NodeHandler, bind_and_activate=True)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, so a slow or silent client
        # (a TCP-only health check) never blocks the accept loop.
        if self.ssl_context is not None:
            request.settimeout(10)
            request = self.ssl_context.wrap_socket(request, server_side=True)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        # A client that hangs up mid-handshake (a TCP health check does exactly that) is normal.
        LOG.debug("%s: connection from %s ended early: %s", self.node_name, client_address[0], sys.exc_info()[1])


class Lab:
    """All listeners of all nodes, each served by its own thread."""

    def __init__(self, nodes, state_dir, http_port=80, https_port=443):
        self.nodes = nodes
        self.state_dir = state_dir
        self.http_port = http_port
        self.https_port = https_port
        self.servers = []
        self.threads = []

    def start(self):
        # Imported here so that ``--help`` works without cryptography installed.
        import certs  # pylint: disable=import-outside-toplevel,import-error

        organisation, common_name, dns_names = certs.LAB_CERTIFICATES["ingress"]
        cert_path, key_path, _new = certs.ensure_certificate(
            self.state_dir, "ingress", organisation, common_name, dns_names,
            [address for _name, _cluster, address in self.nodes])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        for name, cluster, address in self.nodes:
            self.servers.append(NodeServer((address, self.http_port), name, cluster, "http"))
            self.servers.append(NodeServer((address, self.https_port), name, cluster, "https", context))
        for server in self.servers:
            thread = threading.Thread(target=server.serve_forever, name="%s-%s" % (server.node_name, server.scheme),
                                      daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self):
        # Ask every serve_forever loop to end at once, then wait: one by one would take
        # half a second (the poll interval) per listener.
        stoppers = [threading.Thread(target=server.shutdown) for server in self.servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(5)
        for server in self.servers:
            server.server_close()


def parse_node(text):
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError("--node=%r must look like name,cluster,address." % text)
    try:
        ipaddress.ip_address(parts[2])
    except ValueError:
        raise argparse.ArgumentTypeError("--node=%r has address %r, which is not an IP address." % (text, parts[2]))
    return tuple(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--state-dir", default=".cache/lab", help="where pid, log and certificate files go")
    parser.add_argument("--node", action="append", type=parse_node, metavar="NAME,CLUSTER,ADDRESS",
                        help="a node to serve (repeatable); default: the chapter's six nodes")
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--https-port", type=int, default=443)
    args = parser.parse_args(argv)

    os.makedirs(args.state_dir, exist_ok=True)
    logging.basicConfig(
        filename=os.path.join(args.state_dir, LOG_FILE),
        level=logging.INFO,
        format="%(asctime)s %(message)s",
    )
    lab = Lab(args.node or list(DEFAULT_NODES), args.state_dir, args.http_port, args.https_port)
    try:
        lab.start()
    except OSError as error:
        sys.stderr.write("nodes.py: cannot listen: %s\n" % error)
        return 1
    pid_path = os.path.join(args.state_dir, PID_FILE)
    with open(pid_path, "w") as handle:
        handle.write("%d\n" % os.getpid())

    stop = threading.Event()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.stdout.write("nodes ready: %s\n" % ", ".join(
        "%s(%s)=%s" % (name, cluster, address) for name, cluster, address in lab.nodes))
    sys.stdout.flush()
    LOG.info("started pid %d: %d listeners", os.getpid(), len(lab.servers))
    while not stop.wait(1.0):
        pass
    lab.stop()
    LOG.info("stopped")
    try:
        os.unlink(pid_path)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
