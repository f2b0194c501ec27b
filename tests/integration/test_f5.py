# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""F5 through ansible-playbook against the BIG-IP emulator (started standalone, on a free port).

Our modules and role (both modes: create, no-op, check mode, diff, change, bad input, faults,
token expiry) and, as a fidelity cross-check, F5's own f5networks.f5_modules managing pools,
members and virtual servers end to end. Few playbook runs, to keep CI time small.
"""

from __future__ import annotations

import datetime
import json
import os

import pytest

from ansible_collections.kube_edge.lb.tests.emulators import bigip_harness as harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PEER = os.path.join(ROOT, ".cache", "collections", "ansible_collections", "f5networks", "f5_modules")

cryptography = pytest.importorskip("cryptography")  # reason: certificates are generated at test time


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    emulator = harness.EmulatorProcess(str(tmp_path_factory.mktemp("bigip") / "emulator.log"))
    yield emulator
    emulator.stop()


@pytest.fixture()
def fresh(device):
    device.reset()
    return device


def writes(entries):
    return [e for e in entries if e["method"] != "GET" and not e["path"].startswith("/mgmt/shared/auth")]


def make_pair(directory, common_name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
            .sign(key, hashes.SHA256()))
    (directory / "star.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (directory / "star.key").write_bytes(key_pem)
    return key_pem


def run_playbook(device, path, *args):
    return harness.run_playbook(device.port, path, *args)


def changed_items(result):
    """How many tasks or loop items reported changed (the recap counts tasks only).

    The role's save-and-sync handler, which runs once after any change, is not an object of its own
    and is left out (``handler_ran`` tells whether it ran).
    """
    count, in_handler = 0, False
    for line in result.stdout.splitlines():
        if line.startswith("RUNNING HANDLER"):
            in_handler = True
        elif line.startswith("TASK ["):
            in_handler = False
        elif line.startswith("changed: [localhost]") and not in_handler:
            count += 1
    return count


def handler_ran(result):
    return "RUNNING HANDLER [kube_edge.lb.f5_ltm : Save and sync" in result.stdout


def recap(result):
    line = [line for line in result.stdout.splitlines() if line.startswith("localhost")][-1]
    return dict(part.split("=") for part in line.split(":", 1)[1].split())


ROLE_PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    f5_ltm_clusters:
      - name: npd
        vip: 192.0.2.10
        mode: tcp
        nodes: {nodes}
      - name: prd
        vip: 192.0.2.11
        mode: http
        nodes: [{{name: node21, address: 10.2.0.1}}, {{name: node22, address: 10.2.0.2}}]
        certificate: {{cert_path: {dir}/star.crt, key_path: {dir}/star.key, name: star.example.com, allow_self_signed: true}}
  roles:
    - role: kube_edge.lb.f5_ltm
"""


def test_role_both_modes_create_noop_check_diff_fault_and_removal(fresh, tmp_path):
    key_pem = make_pair(tmp_path, "*.example.com")
    nodes = json.dumps([{"name": "node%02d" % i, "address": "10.1.0.%d" % i} for i in range(1, 11)])
    play = tmp_path / "role.yml"
    play.write_text(ROLE_PLAY.format(nodes=nodes, dir=tmp_path))

    first_check = run_playbook(fresh, play, "--check")  # nothing exists yet: references are warnings
    assert first_check.returncode == 0, first_check.stdout + first_check.stderr
    assert not writes(fresh.log())
    created = run_playbook(fresh, play)
    assert created.returncode == 0, created.stdout + created.stderr
    # The monitor, the HTTP profile, 4 pools, 1 client-ssl, 1 server-ssl, 4 virtual servers.
    assert changed_items(created) == 12 and handler_ran(created), created.stdout
    prd_443 = fresh.get("/mgmt/tm/ltm/virtual/~Common~prd_443?expandSubcollections=true")
    profiles = sorted(p["fullPath"] for p in prd_443["profilesReference"]["items"])
    assert profiles == ["/Common/kube_edge_http_xff", "/Common/prd_serverssl", "/Common/star.example.com", "/Common/tcp"]
    serverssl = fresh.get("/mgmt/tm/ltm/profile/server-ssl/~Common~prd_serverssl")
    assert (serverssl["peerCertMode"], serverssl["caFile"]) == ("require", "/Common/ca-bundle.crt")
    assert fresh.get("/mgmt/tm/ltm/profile/http/~Common~kube_edge_http_xff")["insertXforwardedFor"] == "enabled"
    npd_80 = fresh.get("/mgmt/tm/ltm/pool/~Common~npd_80?expandSubcollections=true")
    assert len(npd_80["membersReference"]["items"]) == 10 and npd_80["monitor"] == "/Common/kube_edge_ingress_healthz"
    monitor = fresh.get("/mgmt/tm/ltm/monitor/http/~Common~kube_edge_ingress_healthz")
    assert monitor["send"] == "GET /healthz HTTP/1.0\\r\\n\\r\\n" and monitor["destination"] == "*:80"

    before = len(fresh.log())
    checked = run_playbook(fresh, play, "--check", "--diff")
    assert checked.returncode == 0 and int(recap(checked)["changed"]) == 0, checked.stdout
    assert not writes(fresh.log()[before:])
    # The no-op costs 3 requests per task (4 for the client-ssl profile), whatever the number of
    # members: 15 for the TCP cluster (the chapter's setup: monitor, 2 pools, 2 virtual servers) and
    # 22 for HTTP (HTTP profile, 2 pools, client-ssl, server-ssl, 2 virtual servers).
    assert len(fresh.log()) - before == 15 + 22

    # A changed certificate, then a fault on the transaction's commit: the device stays as it was.
    rotated_pem = make_pair(tmp_path, "rotated.example.com")
    rotate = tmp_path / "rotate.yml"
    rotate.write_text(SSL_PLAY.format(dir=tmp_path))
    state = fresh.state()
    fresh.faults(fail_write=6)  # 2 uploads, the transaction, 2 queued writes; the commit is the 6th write
    failed = run_playbook(fresh, rotate, "--diff")
    assert failed.returncode != 0
    assert "BIG-IP refused the transaction" in failed.stdout and "injected fault" in failed.stdout
    assert fresh.state() == state
    converged = run_playbook(fresh, rotate, "--diff")
    assert converged.returncode == 0 and changed_items(converged) == 1, converged.stdout
    assert "replaced" in converged.stdout
    output = created.stdout + checked.stdout + failed.stdout + failed.stderr + converged.stdout
    assert "PRIVATE KEY" not in output
    assert key_pem.decode().splitlines()[1] not in output and rotated_pem.decode().splitlines()[1] not in output

    removed = run_playbook(fresh, play, "-e", "f5_ltm_state=absent")
    assert removed.returncode == 0 and changed_items(removed) == 12, removed.stdout
    assert not fresh.get("/mgmt/tm/ltm/virtual").get("items") and not fresh.get("/mgmt/tm/ltm/pool").get("items")
    assert "star.example.com.key" not in json.dumps(fresh.get("/mgmt/tm/sys/file/ssl-key"))


SSL_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Rotate the HTTP-mode certificate
      kube_edge.lb.f5_client_ssl:
        {{name: star.example.com, certificate_path: {dir}/star.crt, private_key_path: {dir}/star.key, allow_self_signed: true}}
"""


BAD_INPUT_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A pool to point at
      kube_edge.lb.f5_pool: {name: good, monitors: [http]}
    - name: Bad inputs
      kube_edge.lb.f5_pool: "{{ item }}"
      loop:
        - {name: p1, members: [{address: 10.0.0.256, port: 80}]}
        - {name: p2, members: [{address: 10.0.0.1, port: 0}]}
        - {name: p3, members: [{address: 10.0.0.1, port: 70000}]}
        - {name: p4, monitors: [no_such_monitor]}
        - {name: p5, monitors: [http], monitor_quorum: 2}
      register: pool_results
      ignore_errors: true
    - name: Bad virtual servers
      kube_edge.lb.f5_virtual: "{{ item }}"
      loop:
        - {name: v1, destination: 192.0.2.1, port: 80, pool: no_such_pool}
        - {name: v2, destination: 192.0.2.1, port: 443, type: standard, profiles: [no_such_profile], pool: good}
        - {name: v3, destination: 192.0.2.1, port: 443, type: performance-l4, client_ssl_profile: clientssl}
      register: vs_results
      ignore_errors: true
    - name: Every bad input failed with one sentence naming the field
      ansible.builtin.assert:
        that:
          - (pool_results.results + vs_results.results) | selectattr('failed') | list | length == 8
          - pool_results.results[0].msg is search("members\\[0\\].address='10.0.0.256'")
          - pool_results.results[1].msg is search("members\\[0\\].port=0 is the device's any-port wildcard")
          - pool_results.results[2].msg is search("members\\[0\\].port=70000 must be")
          - pool_results.results[3].msg is search("/Common/no_such_monitor not found")
          - pool_results.results[4].msg is search("monitor_quorum=2 must be between 1 and the number of monitors")
          - vs_results.results[0].msg is search("the pool /Common/no_such_pool does not exist")
          - vs_results.results[1].msg is search("the profile /Common/no_such_profile does not exist")
          - vs_results.results[2].msg is search("client_ssl_profile='clientssl' needs type=standard")
"""


def test_bad_input_fails_before_any_write(fresh, tmp_path):
    play = tmp_path / "bad.yml"
    play.write_text(BAD_INPUT_PLAY)
    result = run_playbook(fresh, play)
    assert result.returncode == 0, result.stdout
    assert [e["path"] for e in writes(fresh.log())] == ["/mgmt/tm/ltm/pool"]  # only the good pool


def test_expired_token_mid_run_recovers(fresh, tmp_path):
    play = tmp_path / "token.yml"
    play.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - kube_edge.lb.f5_pool: {name: tok, monitors: [http], members: [{address: 10.3.0.1, port: 80}]}
""")
    fresh.faults(expire_tokens_after=2)  # login works, the token expires before the GET
    result = run_playbook(fresh, play)
    assert result.returncode == 0, result.stdout
    log = fresh.log()
    assert [e["status"] for e in log if e["path"] == "/mgmt/tm/ltm/pool/~Common~tok"] == [401, 404]
    assert sum(1 for e in log if e["path"] == "/mgmt/shared/authn/login") == 2
    assert log[-1]["method"] == "DELETE" and log[-1]["path"].startswith("/mgmt/shared/authz/tokens/")


PEER_PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    provider: {{server: 127.0.0.1, server_port: {port}, user: admin, password: admin, validate_certs: false, no_f5_teem: true}}
  tasks:
    - name: Pools
      f5networks.f5_modules.bigip_pool:
        provider: "{{{{ provider }}}}"
        name: "peer_{{{{ item }}}}"
        monitors: [http]
        lb_method: round-robin
      loop: [80, 443]
    - name: Members
      f5networks.f5_modules.bigip_pool_member:
        provider: "{{{{ provider }}}}"
        pool: "peer_{{{{ item.0 }}}}"
        address: "{{{{ item.1 }}}}"
        port: "{{{{ item.0 }}}}"
        state: "{{{{ 'disabled' if item == [80, '10.5.0.2'] else 'present' }}}}"
      loop: "{{{{ [80, 443] | product(['10.5.0.1', '10.5.0.2']) | list }}}}"
    - name: Virtual servers
      f5networks.f5_modules.bigip_virtual_server:
        provider: "{{{{ provider }}}}"
        name: "peer_{{{{ item }}}}"
        destination: 192.0.2.50
        port: "{{{{ item }}}}"
        type: performance-l4
        profiles: [fastL4]
        pool: "peer_{{{{ item }}}}"
        snat: automap
      loop: [80, 443]
"""

OURS_ON_PEER_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Our pool module reads what the peer made as already converged
      kube_edge.lb.f5_pool:
        name: peer_80
        monitors: [http]
        lb_method: round-robin
        members:
          - {address: 10.5.0.1, port: 80}
          - {address: 10.5.0.2, port: 80, state: disabled}
    - name: Our virtual server module too
      kube_edge.lb.f5_virtual:
        name: peer_80
        destination: 192.0.2.50
        port: 80
        type: performance-l4
        pool: peer_80
        snat: automap
"""


@pytest.mark.skipif(not os.path.isdir(PEER), reason="f5networks.f5_modules is not installed (make setup installs it)")
def test_f5_modules_manage_the_emulator_end_to_end(fresh, tmp_path):
    play = tmp_path / "peer.yml"
    play.write_text(PEER_PLAY.format(port=fresh.port))
    first = run_playbook(fresh, play)
    assert first.returncode == 0, first.stdout + first.stderr
    assert changed_items(first) == 8
    second = run_playbook(fresh, play)
    assert second.returncode == 0 and int(recap(second)["changed"]) == 0, second.stdout
    pool_80 = fresh.get("/mgmt/tm/ltm/pool/~Common~peer_80?expandSubcollections=true")
    states = dict((m["name"], m["session"]) for m in pool_80["membersReference"]["items"])
    assert states == {"10.5.0.1:80": "monitor-enabled", "10.5.0.2:80": "user-disabled"}
    ours = tmp_path / "ours.yml"
    ours.write_text(OURS_ON_PEER_PLAY)
    cross = run_playbook(fresh, ours)
    assert cross.returncode == 0 and int(recap(cross)["changed"]) == 0, cross.stdout


PEER_L7_PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    provider: {{server: 127.0.0.1, server_port: {port}, user: admin, password: admin, validate_certs: false, no_f5_teem: true}}
  tasks:
    - name: F5's own HTTP monitor module
      f5networks.f5_modules.bigip_monitor_http:
        provider: "{{{{ provider }}}}"
        name: peer_healthz
        parent: /Common/http
        send: "GET /healthz HTTP/1.0\\\\r\\\\n\\\\r\\\\n"
        receive: "200"
        ip: "*"
        port: 80
        interval: 5
        timeout: 16
    - name: F5's own HTTP profile module
      f5networks.f5_modules.bigip_profile_http:
        provider: "{{{{ provider }}}}"
        name: peer_xff
        parent: /Common/http
        insert_xforwarded_for: true
    - name: F5's own server-ssl profile module
      f5networks.f5_modules.bigip_profile_server_ssl:
        provider: "{{{{ provider }}}}"
        name: peer_nodes
        parent: /Common/serverssl
        server_certificate: require
        ca_file: /Common/ca-bundle.crt
        server_name: www.example.com
        authenticate_name: www.example.com
"""

OURS_ON_PEER_L7_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Our monitor module reads what the peer made as converged
      kube_edge.lb.f5_monitor_http:
        name: peer_healthz
        send: "GET /healthz HTTP/1.0\\\\r\\\\n\\\\r\\\\n"
        receive: "200"
        port: 80
        interval: 5
        timeout: 16
    - name: Our HTTP profile module too
      kube_edge.lb.f5_http_profile: {name: peer_xff, insert_x_forwarded_for: true}
    - name: Our server-ssl module too
      kube_edge.lb.f5_server_ssl:
        name: peer_nodes
        ca_file: ca-bundle.crt
        server_name: www.example.com
        authenticate_name: www.example.com
"""


@pytest.mark.skipif(not os.path.isdir(PEER), reason="f5networks.f5_modules is not installed (make setup installs it)")
def test_f5_modules_make_the_l7_objects_ours_read_them_converged(fresh, tmp_path):
    play = tmp_path / "peer_l7.yml"
    play.write_text(PEER_L7_PLAY.format(port=fresh.port))
    first = run_playbook(fresh, play)
    assert first.returncode == 0, first.stdout + first.stderr
    assert changed_items(first) == 3, first.stdout
    second = run_playbook(fresh, play)
    assert second.returncode == 0 and int(recap(second)["changed"]) == 0, second.stdout
    ours = tmp_path / "ours_l7.yml"
    ours.write_text(OURS_ON_PEER_L7_PLAY)
    cross = run_playbook(fresh, ours)
    assert cross.returncode == 0 and int(recap(cross)["changed"]) == 0, cross.stdout


ANY_PORT_AND_MONITOR_BAD_INPUT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Bad monitors and an any-port virtual server without the opt-in
      kube_edge.lb.f5_monitor_http: "{{ item }}"
      loop:
        - {name: m1, send: "GET /healthz HTTP/1.1\\\\r\\\\n\\\\r\\\\n"}
        - {name: m2, port: 80, interval: 20, timeout: 10}
        - {name: "..", port: 80}
      register: monitor_results
      ignore_errors: true
    - name: Port 0 needs any_port
      kube_edge.lb.f5_virtual: {name: v0, destination: 192.0.2.1, port: 0}
      register: any_result
      ignore_errors: true
    - name: Every bad input failed with one sentence naming the field
      ansible.builtin.assert:
        that:
          - monitor_results.results | selectattr('failed') | list | length == 3
          - monitor_results.results[0].msg is search("uses HTTP/1.1 without a Host header")
          - monitor_results.results[1].msg is search("interval=20 must be less than timeout=10")
          - monitor_results.results[2].msg is search("name='..' is not a valid BIG-IP object name")
          - any_result.msg is search("port=0 is the device's any-port wildcard; set any_port=true")
"""


def test_monitor_and_any_port_bad_input_fails_before_any_write(fresh, tmp_path):
    play = tmp_path / "bad_l7.yml"
    play.write_text(ANY_PORT_AND_MONITOR_BAD_INPUT)
    result = run_playbook(fresh, play)
    assert result.returncode == 0, result.stdout
    assert not writes(fresh.log())
