# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's worker nodes (tests/lab/nodes.py) answer like ingress-nginx, proved with real requests.

Three nodes on free loopback addresses and ports: two of a plain cluster, one of a cluster with
use-proxy-protocol. Clients are the standard library's (http.client, ssl) and raw sockets for the
PROXY protocol. Skipped only when nginx is not installed (`make setup` installs it).
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAB = os.path.join(REPO, "tests", "lab")
# tests/lab is not a package: load the launcher by path, as test_awx.py loads lab.py.
_SPEC = importlib.util.spec_from_file_location("kube_edge_lab_nodes", os.path.join(LAB, "nodes.py"))
nodes = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(nodes)

PLAIN, PROXIED = "lab-plain", "lab-proxied"
PLAIN_HOSTS = ["dev.example.com", "qas.example.com"]
PROXIED_HOSTS = ["proxied.example.com"]
FAKE_CN = "Kubernetes Ingress Controller Fake Certificate"

pytestmark = pytest.mark.skipif(nodes.find_nginx() is None,
                                reason="nginx is not installed (Debian package nginx; `make setup` installs it)")


def free_addresses(count):
    """Loopback addresses in 127.0.200.0-127.0.250.255 nothing listens on."""
    found = []
    while len(found) < count:
        address = "127.0.%d.%d" % (random.randint(200, 250), random.randint(2, 254))
        if address not in found:
            found.append(address)
    return found


def free_port(addresses):
    while True:
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as probe:
                    probe.bind((address, port))
            return port
        except OSError:
            continue


class Nodes:
    def __init__(self, state_dir, addresses, http_port, https_port, process):
        self.state_dir = state_dir
        self.addresses = addresses
        self.http_port = http_port
        self.https_port = https_port
        self.process = process
        self.ca = os.path.join(state_dir, "lab-ca.pem")


def wait_listening(address, port, up=True, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((address, port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise AssertionError("%s:%d is %s after %d s" % (address, port, "not listening" if up else "still listening", timeout))


@pytest.fixture(scope="module")
def lab_nodes():
    # A short directory: the echo sockets live in it and Unix socket paths are limited to 107 bytes.
    state_dir = tempfile.mkdtemp(prefix="lab-nodes-")
    addresses = free_addresses(3)
    http_port, https_port = free_port(addresses), free_port(addresses)
    command = [sys.executable, os.path.join(LAB, "nodes.py"), "--state-dir", state_dir,
               "--http-port", str(http_port), "--https-port", str(https_port),
               "--node", "a1,%s,%s" % (PLAIN, addresses[0]), "--node", "a2,%s,%s" % (PLAIN, addresses[1]),
               "--node", "p1,%s,%s" % (PROXIED, addresses[2]),
               "--hostnames", "%s=%s" % (PLAIN, ",".join(PLAIN_HOSTS)),
               "--hostnames", "%s=%s" % (PROXIED, ",".join(PROXIED_HOSTS)),
               "--proxy-protocol", PROXIED]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for address in addresses:
            for port in (http_port, https_port):
                if process.poll() is not None:
                    raise AssertionError("nodes.py exited: %s" % process.stdout.read())
                wait_listening(address, port)
        yield Nodes(state_dir, addresses, http_port, https_port, process)
    finally:
        masters = []
        for name in ("a1", "a2", "p1"):
            try:
                with open(os.path.join(nodes.node_dir(state_dir, name), "nginx.pid")) as handle:
                    masters.append(int(handle.read()))
            except (OSError, ValueError):
                pass
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(20)
        shutil.rmtree(state_dir, ignore_errors=True)
        # SIGTERM to the launcher stops every nginx master it started.
        assert [pid for pid in masters if os.path.exists("/proc/%d" % pid)] == []


def request(address, port, path="/", host=None, sni=None, tls=False, ca=None, headers=None, proxy_header=b"",
            version="HTTP/1.1"):
    """One request on a fresh connection; returns (status, headers dict, body, peer certificate or None)."""
    raw = socket.create_connection((address, port), timeout=5)
    raw.sendall(proxy_header)
    peer = None
    sock = raw
    if tls:
        if ca:
            context = ssl.create_default_context(cafile=ca)
        else:  # to look at whatever certificate the node serves, the self-signed fake one included
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        sock = context.wrap_socket(raw, server_hostname=sni)
        peer = sock.getpeercert(binary_form=True)
    lines = ["GET %s %s" % (path, version)]
    if host is not None:
        lines.append("Host: %s" % host)
    lines += ["%s: %s" % item for item in (headers or {}).items()]
    lines += ["Connection: close", "", ""]
    sock.sendall("\r\n".join(lines).encode())
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read().decode("utf-8", "replace")
    answer = (response.status, {key.lower(): value for key, value in response.getheaders()}, body, peer)
    sock.close()
    return answer


def certificate_subject(der):
    from cryptography import x509  # pylint: disable=import-outside-toplevel

    certificate = x509.load_der_x509_certificate(der)
    return {attribute.oid._name: attribute.value for attribute in certificate.subject}  # pylint: disable=protected-access


def proxy_v1(source, destination, port):
    return ("PROXY TCP4 %s %s 40000 %d\r\n" % (source, destination, port)).encode()


def proxy_v2(source, destination, port):
    """The binary header HAProxy's send-proxy-v2 writes (PROXY, TCP over IPv4)."""
    addresses = socket.inet_aton(source) + socket.inet_aton(destination) + struct.pack("!HH", 40000, port)
    return b"\r\n\r\n\x00\r\nQUIT\n" + b"\x21\x11" + struct.pack("!H", len(addresses)) + addresses


# --- the catch-all server ------------------------------------------------------------------------

def test_healthz_lives_in_the_catch_all_server(lab_nodes):
    address, port = lab_nodes.addresses[0], lab_nodes.http_port
    # What HAProxy's `option httpchk GET /healthz` sends: HTTP/1.0 without Host.
    status, headers, body, _peer = request(address, port, "/healthz", version="HTTP/1.0")
    assert (status, body) == (200, "")
    assert headers["x-lab-node"] == "a1"
    # The node's address as Host is not a server name either.
    assert request(address, port, "/healthz", host=address)[0] == 200


def test_healthz_with_an_application_host_is_not_the_health_endpoint(lab_nodes):
    address = lab_nodes.addresses[0]
    # Plain HTTP: the host's server redirects (ssl-redirect), as it does for every path.
    status, headers, _body, _peer = request(address, lab_nodes.http_port, "/healthz", host="dev.example.com")
    assert status == 308
    assert headers["location"] == "https://dev.example.com/healthz"
    # HTTPS with that host: the application gets the path, and has no /healthz.
    status, _headers, body, _peer = request(address, lab_nodes.https_port, "/healthz", host="dev.example.com",
                                            sni="dev.example.com", tls=True, ca=lab_nodes.ca)
    assert status == 404
    assert json.loads(body)["node"] == "a1"


def test_unknown_host_gets_the_default_backend(lab_nodes):
    address = lab_nodes.addresses[1]
    status, headers, body, _peer = request(address, lab_nodes.http_port, "/", host="unknown.example.com")
    assert (status, body) == (404, "default backend - 404")
    assert headers["x-lab-node"] == "a2"
    status, _headers, body, peer = request(address, lab_nodes.https_port, "/", host="unknown.example.com",
                                           sni="unknown.example.com", tls=True)
    assert (status, body) == (404, "default backend - 404")
    assert certificate_subject(peer) == {"organizationName": "Acme Co", "commonName": FAKE_CN}


# --- the Ingress hosts ---------------------------------------------------------------------------

def test_plain_http_is_redirected_with_308(lab_nodes):
    for host in PLAIN_HOSTS:
        status, headers, _body, _peer = request(lab_nodes.addresses[1], lab_nodes.http_port, "/app?x=1", host=host)
        assert status == 308
        assert headers["location"] == "https://%s/app?x=1" % host


def test_each_host_has_its_certificate_from_the_lab_ca(lab_nodes):
    for host in PLAIN_HOSTS:
        # Verified against the lab CA with the host name checked: the CA, not one leaf, is trusted.
        status, headers, body, peer = request(lab_nodes.addresses[0], lab_nodes.https_port, "/where", host=host,
                                              sni=host, tls=True, ca=lab_nodes.ca)
        assert status == 200
        assert certificate_subject(peer) == {"commonName": host}
        assert headers["strict-transport-security"] == nodes.HSTS
        answer = json.loads(body)
        assert (answer["node"], answer["cluster"], answer["host"], answer["scheme"]) == ("a1", PLAIN, host, "https")


def test_unknown_or_missing_sni_gets_the_fake_certificate(lab_nodes):
    for sni in ("unknown.example.com", None):
        _status, _headers, _body, peer = request(lab_nodes.addresses[0], lab_nodes.https_port, "/",
                                                 host="dev.example.com", sni=sni, tls=True)
        assert certificate_subject(peer) == {"organizationName": "Acme Co", "commonName": FAKE_CN}
    with pytest.raises(ssl.SSLCertVerificationError):
        request(lab_nodes.addresses[0], lab_nodes.https_port, "/", host="dev.example.com", sni="unknown.example.com",
                tls=True, ca=lab_nodes.ca)


def test_forwarded_headers_are_not_trusted(lab_nodes):
    """use-forwarded-headers false: X-Forwarded-For is the connection's address, the client's goes on aside."""
    status, _headers, body, _peer = request(lab_nodes.addresses[0], lab_nodes.https_port, "/", host="qas.example.com",
                                            sni="qas.example.com", tls=True, ca=lab_nodes.ca,
                                            headers={"X-Forwarded-For": "127.0.3.99", "X-Forwarded-Proto": "http"})
    answer = json.loads(body)
    assert status == 200
    assert answer["forwarded"]["x-forwarded-for"] == answer["client"] == "127.0.0.1"
    assert answer["forwarded"]["x-forwarded-proto"] == "https"
    assert answer["forwarded"]["x-forwarded-port"] == "443"
    assert answer["original_forwarded_for"] == "127.0.3.99"


# --- use-proxy-protocol --------------------------------------------------------------------------

def test_proxy_protocol_nodes_take_the_client_address_from_the_header(lab_nodes):
    address = lab_nodes.addresses[2]
    header = proxy_v2("127.0.3.77", address, lab_nodes.https_port)
    status, _headers, body, _peer = request(address, lab_nodes.https_port, "/", host="proxied.example.com",
                                            sni="proxied.example.com", tls=True, ca=lab_nodes.ca, proxy_header=header)
    answer = json.loads(body)
    assert status == 200
    assert answer["client"] == answer["forwarded"]["x-forwarded-for"] == "127.0.3.77"
    status, headers, _body, _peer = request(address, lab_nodes.http_port, "/x", host="proxied.example.com",
                                            proxy_header=proxy_v1("127.0.3.78", address, lab_nodes.http_port))
    assert (status, headers["location"]) == (308, "https://proxied.example.com/x")


def test_proxy_protocol_is_required_on_every_connection_health_checks_too(lab_nodes):
    address = lab_nodes.addresses[2]
    header = proxy_v2("127.0.3.77", address, lab_nodes.http_port)
    assert request(address, lab_nodes.http_port, "/healthz", version="HTTP/1.0", proxy_header=header)[0] == 200
    # Without the header nginx reads the request line as a broken PROXY header and drops the connection.
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        request(address, lab_nodes.http_port, "/healthz", version="HTTP/1.0")
    with pytest.raises((ssl.SSLError, ConnectionError)):
        request(address, lab_nodes.https_port, "/", host="proxied.example.com", sni="proxied.example.com", tls=True)


# --- faults --------------------------------------------------------------------------------------

def test_unhealthy_flag_fails_healthz_but_traffic_goes_on(lab_nodes):
    address = lab_nodes.addresses[1]
    nodes.set_fault(lab_nodes.state_dir, "a2", "unhealthy")
    try:
        assert request(address, lab_nodes.http_port, "/healthz", version="HTTP/1.0")[0] == 503
        assert request(address, lab_nodes.https_port, "/", host="dev.example.com", sni="dev.example.com", tls=True,
                       ca=lab_nodes.ca)[0] == 200
    finally:
        nodes.set_fault(lab_nodes.state_dir, "a2", "unhealthy", on=False)
    assert request(address, lab_nodes.http_port, "/healthz", version="HTTP/1.0")[0] == 200


def test_stopped_flag_stops_one_node_only(lab_nodes):
    stopped, other = lab_nodes.addresses[1], lab_nodes.addresses[0]
    nodes.set_fault(lab_nodes.state_dir, "a2", "stopped")
    try:
        wait_listening(stopped, lab_nodes.http_port, up=False)
        assert request(other, lab_nodes.http_port, "/healthz", version="HTTP/1.0")[0] == 200
    finally:
        nodes.set_fault(lab_nodes.state_dir, "a2", "stopped", on=False)
    wait_listening(stopped, lab_nodes.http_port)
    assert request(stopped, lab_nodes.http_port, "/healthz", version="HTTP/1.0")[0] == 200


def test_nodes_listen_only_on_their_own_address(lab_nodes):
    for address in ("127.0.0.1", free_addresses(1)[0]):
        if address in lab_nodes.addresses:
            continue
        with pytest.raises(OSError):
            socket.create_connection((address, lab_nodes.http_port), timeout=1).close()


def test_nginx_refuses_bad_input_before_starting(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(LAB, "nodes.py"), "--state-dir", str(tmp_path),
                             "--node", "n1,c1,127.0.200.1", "--hostnames", "c1=bad_name;"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "is not a DNS name" in result.stderr
