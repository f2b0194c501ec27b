# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAProxy TLS at the edge (issue 16): handshake cost of an ECDSA+RSA pair, and resumption across reloads.

    python benchmarks/bench_haproxy_tls.py --out FILE [--connections 1500] [--rounds 5] [--no-pin]

Same HAProxy binary as bench_haproxy.py (built once by ``haproxy_build`` into .cache/haproxy/bench) and the
same CPU placement: the client alone on the first CPU, every HAProxy (nbthread 1) on the second.

Metrics:
- ``haproxy_tls_handshake_ratio``: new TLS connections per second of HAProxy CPU (h2load --h1, one request per
  connection, SNI example.com, session cache and tickets off so that no handshake resumes) through a frontend with the
  role's ECDSA+RSA pair (``crt <name>.rsa.pem crt <name>.pem``, as the role's template writes it) vs an
  RSA-2048-only frontend; the median of ``--rounds`` alternating rounds. h2load offers ECDSA, so it gets the
  ECDSA certificate, as every current browser does. The note breaks a connection's cost down: the same frontend
  without TLS (same rounds) and this machine's libcrypto speed for each operation of the handshake, so it shows
  how far the ratio could go if the TLS library added nothing beyond the cryptography.
- ``haproxy_resumed_after_reload``: share of resumed handshakes among 100 clients (Python ssl, TLS 1.3, each
  with its saved session ticket) that reconnect after a master-CLI reload of the role's settings
  (``tls-ticket-keys`` file). Peer: the same with HAProxy's default (new random ticket keys at every start).
  The note adds the share that resumes on the other member of a pair sharing the key file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_haproxy as common  # noqa: E402  (after sys.path: the sibling script is the shared harness)

PAIR, RSA_ONLY, TICKETS, DEFAULT, PEER = "127.0.3.50", "127.0.3.51", "127.0.3.52", "127.0.3.53", "127.0.3.54"
PLAIN = "127.0.3.55"
NAME = "example.com"
CLIENTS = 100


def say(message):
    sys.stderr.write("bench_haproxy_tls: %s\n" % message)
    sys.stderr.flush()


def make_pems(work):
    """A private CA, and an ECDSA P-256 and an RSA-2048 certificate for example.com, each leaf + key in one PEM."""

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    pems = {"ca": os.path.join(work, "ca.crt")}
    with open(pems["ca"], "wb") as handle:
        handle.write(ca.public_bytes(serialization.Encoding.PEM))
    for kind, key in (("ecdsa", ec.generate_private_key(ec.SECP256R1())),
                      ("rsa", rsa.generate_private_key(65537, 2048))):
        leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256()))
        pems[kind] = os.path.join(work, "%s.%s.pem" % (NAME, kind))
        with open(pems[kind], "wb") as handle:
            handle.write(leaf.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return pems


def frontend_config(work, name, address, crts, bind_extra="", global_extra=""):
    """One HAProxy with one frontend answering 200 itself (no origin: only the client side is measured): TLS on
    :443 with the role's cipher settings and ``crts``, or, without ``crts``, plain HTTP on :80 (what a connection
    costs before any handshake)."""
    tls = ""
    bind = "%s:80" % address
    if crts:
        tls = ("    ssl-default-bind-ciphers %s\n    ssl-default-bind-ciphersuites %s\n"
               "    ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2\n" % (
                   ROLE_DEFAULTS["haproxy_ssl_ciphers"], ROLE_DEFAULTS["haproxy_ssl_ciphersuites"]))
        bind = "%s:443 ssl %s alpn h2,http/1.1%s" % (address, " ".join("crt %s" % crt for crt in crts), bind_extra)
    path = os.path.join(work, "%s.cfg" % name)
    with open(path, "w") as handle:
        handle.write("global\n    maxconn 4000\n    nbthread 1\n%s%s"
                     "defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n"
                     "frontend fe\n    bind %s\n"
                     "    http-request return status 200 content-type text/plain string ok\n"
                     % (global_extra, tls, bind))
    return path


def crypto_microseconds():
    """Microseconds per operation of this machine's libcrypto on the server CPU (``openssl speed``, the library
    HAProxy links): RSA-2048 and ECDSA P-256 signatures, and one X25519 operation (a TLS 1.3 server does two:
    its key share and the shared secret)."""
    argv = common.pinned(["openssl", "speed", "-seconds", "1", "rsa2048", "ecdsap256", "ecdhx25519"], 1)
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120).stdout
    per_second = {
        "rsa2048_sign": re.search(r"^rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)", out, re.M),
        "ecdsa_p256_sign": re.search(r"^\s*256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)", out, re.M),
        "x25519": re.search(r"^\s*253 bits ecdh \(X25519\)\s+\S+\s+([\d.]+)", out, re.M),
    }
    return {operation: 1e6 / float(found.group(1)) for operation, found in per_second.items()}


def role_defaults():

    with open(os.path.join(common.REPO, "roles", "haproxy", "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)


ROLE_DEFAULTS = role_defaults()


def handshakes(address, count, server_pid, scheme="https"):
    """(new TLS connections per second, per second of server CPU, cipher): h2load, one request per connection,
    20 clients, ``count`` connections. On this shared 2-core machine the one client CPU caps the rate (h2load
    spends more per handshake than an ECDSA server), so the server's CPU time per handshake (from /proc) is
    the capacity figure: what one HAProxy core sustains."""
    h2load = shutil.which("h2load")
    argv = common.pinned([h2load, "--h1", "-t1", "-c20", "-n%d" % count, "-H", "Connection: close",
                          "--connect-to=%s:%d" % (address, 443 if scheme == "https" else 80),
                          "%s://%s/" % (scheme, NAME)], 0)
    cpu_before, started = common.cpu_seconds([server_pid]), time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=300).stdout
    seconds, cpu = time.monotonic() - started, common.cpu_seconds([server_pid]) - cpu_before
    done = int(re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", out).group(1))
    cipher = re.search(r"Cipher: (\S+)", out)
    return done / seconds, done / max(cpu, 0.01), cipher.group(1) if cipher else "?"


def served_key_types(address):
    """The key type of the certificate the pair frontend serves to a default client and to an RSA-only one."""
    types = []
    for rsa_only in (False, True):  # TLS 1.2 with an ECDHE-RSA suite only: a client without ECDSA
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # only the served key type is looked at
        if rsa_only:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
        with socket.create_connection((address, 443), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=NAME) as tls:
                der = tls.getpeercert(binary_form=True)
        types.append(type(x509.load_der_x509_certificate(der).public_key()).__name__.lstrip("_"))
    return types


def ssl_library(haproxy):
    out = subprocess.run([haproxy, "-vv"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"Running on OpenSSL version : (.+)", out)
    return "HAProxy %s on %s" % (common.VERSION, found.group(1).strip() if found else "an unknown TLS library")


def client_context(ca):
    context = ssl.create_default_context(cafile=ca)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def connect(context, address, session=None):
    """One HTTPS request; returns (session, resumed). TLS 1.3 tickets arrive after the handshake, so the
    response is read before the session is taken."""
    with socket.create_connection((address, 443), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=NAME, session=session) as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
            while tls.recv(4096):
                pass
            return tls.session, tls.session_reused


def resumed_share(context, sessions, address):
    return sum(connect(context, address, session)[1] for session in sessions) / len(sessions)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--connections", type=int, default=1500, help="new connections per handshake round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating handshake rounds (the median counts)")
    parser.add_argument("--no-pin", action="store_true", help="let the scheduler place client and servers")
    args = parser.parse_args()
    common.OPTIONS["pin"] = not args.no_pin
    subprocess.run([os.path.join(common.REPO, "molecule", "haproxy_shared", "fetch_artifacts.sh")], check=True,
                   stdout=subprocess.DEVNULL)
    common.haproxy_build()
    if shutil.which("h2load") is None:
        say("installing nghttp2-client (h2load) from apt")
        subprocess.run(["apt-get", "install", "-y", "-qq", "nghttp2-client"], check=True, capture_output=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    haproxy = os.path.join(common.PREFIX, "sbin", "haproxy")
    work = tempfile.mkdtemp(prefix="bench-haproxy-tls-")
    processes = common.Processes()
    results = {}
    try:
        pems = make_pems(work)
        # Full handshakes only: no session cache, no tickets.
        no_resume = "    tune.ssl.cachesize 0\n"
        servers = {"pair": (PAIR, [pems["rsa"], pems["ecdsa"]]), "rsa": (RSA_ONLY, [pems["rsa"]])}
        for name, (address, crts) in servers.items():
            config = frontend_config(work, name, address, crts, " no-tls-tickets", no_resume)
            processes.start(name, common.pinned([haproxy, "-db", "-f", config], 1))
            common.wait_port(address, 443)
        processes.start("plain", common.pinned([haproxy, "-db", "-f", frontend_config(work, "plain", PLAIN, [])], 1))
        common.wait_port(PLAIN, 80)
        plain = []
        offered = served_key_types(PAIR)
        rates = {name: [] for name in servers}
        capacity = {name: [] for name in servers}
        ciphers = {}
        for _round in range(args.rounds):
            for name, (address, _crts) in servers.items():
                rate, per_cpu, ciphers[name] = handshakes(address, args.connections, processes.procs[name].pid)
                rates[name].append(rate)
                capacity[name].append(per_cpu)
            plain.append(handshakes(PLAIN, args.connections, processes.procs["plain"].pid, "http")[1])
        for name in ("pair", "rsa", "plain"):
            processes.stop(name)
        crypto = crypto_microseconds()
        say("handshakes/s %s; per server CPU second %s (%s)" % (
            {k: [round(v) for v in vs] for k, vs in rates.items()},
            {k: [round(v) for v in vs] for k, vs in capacity.items()}, ciphers))
        ratios = [pair / rsa_only for pair, rsa_only in zip(capacity["pair"], capacity["rsa"])]
        placement = "unpinned"
        if common.cpu_split():
            placement = "h2load on CPU %s, HAProxy (nbthread 1) on CPU %s" % common.cpu_split()
        # What the ratio could reach if the TLS library spent nothing beyond the cryptography: the connection
        # without TLS, plus the server's two X25519 operations, plus one signature.
        plain_us = 1e6 / statistics.median(plain)
        floor_us = {kind: plain_us + 2 * crypto["x25519"] + crypto[sign]
                    for kind, sign in (("pair", "ecdsa_p256_sign"), ("rsa", "rsa2048_sign"))}
        spent_us = {name: 1e6 / statistics.median(capacity[name]) for name in servers}
        breakdown = (
            "per connection, HAProxy CPU: %.0f us without TLS, %.0f us ECDSA, %.0f us RSA; this libcrypto (openssl "
            "speed on the server CPU): RSA-2048 sign %.0f us, ECDSA P-256 sign %.0f us, X25519 %.0f us x2; so the "
            "cryptography explains %.0f of the ECDSA handshake's %.0f us and the ratio could reach %.2f if the TLS "
            "library added nothing else (%s)" % (
                plain_us, spent_us["pair"], spent_us["rsa"], crypto["rsa2048_sign"], crypto["ecdsa_p256_sign"],
                crypto["x25519"], floor_us["pair"] - plain_us, spent_us["pair"] - plain_us,
                floor_us["rsa"] / floor_us["pair"], ssl_library(haproxy)))
        say(breakdown)
        results["haproxy_tls_handshake_ratio"] = {
            "value": round(statistics.median(ratios), 2), "unit": "ratio", "peer": 1.0, "target": ">= 2",
            "note": "new TLS connections per second of HAProxy CPU (h2load --h1 -c20, %d connections of one request, "
                    "no session cache or tickets, server CPU from /proc): %.0f/s with the role's ECDSA P-256 + "
                    "RSA-2048 pair (a client that offers ECDSA got %s, one that offers only RSA signatures got %s) "
                    "vs %.0f/s with RSA-2048 only; median of %d alternating rounds "
                    "(ratios %.2f-%.2f); %s; wall-clock rates %.0f/s vs %.0f/s are capped by the one client CPU "
                    "(h2load's own handshake work); peer = RSA-only against itself; %s" % (
                        args.connections, statistics.median(capacity["pair"]), offered[0], offered[1],
                        statistics.median(capacity["rsa"]), args.rounds, min(ratios), max(ratios), placement,
                        statistics.median(rates["pair"]), statistics.median(rates["rsa"]), breakdown)}

        # Resumption after a reload: the role's settings (a ticket-key file) vs HAProxy's defaults.
        # The collection's own code, importable only once .cache/collections is on sys.path.
        sys.path.insert(0, os.path.join(common.REPO, ".cache", "collections"))
        from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import (  # pylint: disable=import-outside-toplevel
            master,
            role_ticket_keys,
        )

        keys = os.path.join(work, "tls-ticket-keys")
        with open(keys, "w") as handle:
            handle.write(role_ticket_keys.rotate("", None, 12, keys))
        os.chmod(keys, 0o600)
        setups = {"tickets": (TICKETS, " tls-ticket-keys %s" % keys), "default": (DEFAULT, "")}
        context = client_context(pems["ca"])
        shares = {}
        for name, (address, bind_extra) in setups.items():
            config = frontend_config(work, name, address, [pems["rsa"], pems["ecdsa"]], bind_extra)
            socket_path = os.path.join(work, "%s-master.sock" % name)
            processes.start(name, [haproxy, "-W", "-db", "-f", config, "-S", socket_path])
            common.wait_port(address, 443)
            sessions = [connect(context, address)[0] for _client in range(CLIENTS)]
            before = resumed_share(context, sessions, address)
            master.reload(socket_path, timeout=10)
            shares[name] = resumed_share(context, sessions, address)
            say("%s: resumed before reload %.2f, after %.2f" % (name, before, shares[name]))
            if name == "tickets":
                # The other member of a pair: its own process, the same key file.
                peer_config = frontend_config(work, "peer", PEER, [pems["rsa"], pems["ecdsa"]], bind_extra)
                processes.start("peer", [haproxy, "-db", "-f", peer_config])
                common.wait_port(PEER, 443)
                shares["peer"] = resumed_share(context, sessions, PEER)
                processes.stop("peer")
            processes.stop(name)
        results["haproxy_resumed_after_reload"] = {
            "value": round(shares["tickets"], 3), "unit": "share", "peer": round(shares["default"], 3),
            "target": ">= 0.95",
            "note": "%d Python ssl clients (TLS 1.3, ECDSA+RSA frontend) each save their session ticket, the master "
                    "CLI reloads, they reconnect with it: with the role's tls-ticket-keys file vs HAProxy's default "
                    "(peer: new random ticket keys in every new worker); a second HAProxy reading the same key file "
                    "(the other member of a pair) resumed %.0f%% of the same sessions" % (
                        CLIENTS, shares["peer"] * 100)}
    finally:
        processes.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
    say("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
