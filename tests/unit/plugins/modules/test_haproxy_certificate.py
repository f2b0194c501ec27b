# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain
from ansible_collections.kube_edge.lb.plugins.modules import haproxy_certificate
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import Pki, key_pem, new_key, pem
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module


@pytest.fixture()
def pki(monkeypatch):
    pki = Pki()
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])
    return pki


def test_writes_0600_leaf_chain_key_then_noop(pki, tmp_path, capsys):
    leaf, key = pki.leaf(sans=("*.example.com", "example.com"))
    path = str(tmp_path / "star.example.com.pem")
    args = {"path": path, "certificate": pem(leaf), "chain": pem(pki.intermediate), "private_key": key_pem(key),
            "hosts": ["dev.example.com"]}
    first = run_module(haproxy_certificate.main, capsys, args, diff=True)
    assert first["rc"] == 0 and first["changed"] is True, first["raw_output"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "PRIVATE KEY" not in first["raw_output"].replace(key_pem(key), "")  # only the masked argument
    assert first["diff"]["before"] == {} and first["diff"]["after"][path]["subject"]
    second = run_module(haproxy_certificate.main, capsys, args, diff=True)
    assert second["changed"] is False


def test_mismatched_key_is_refused_and_nothing_written(pki, tmp_path, capsys):
    leaf, _key = pki.leaf(sans=("example.com",))
    other = key_pem(new_key(cache=False))
    path = str(tmp_path / "x.pem")
    result = run_module(haproxy_certificate.main, capsys, {
        "path": path, "certificate": pem(leaf), "chain": pem(pki.intermediate), "private_key": other})
    assert result["rc"] == 1 and "private_key does not match certificate" in result["msg"]
    assert "BEGIN" not in result["msg"]
    assert not os.path.exists(path)


def test_old_option_name_and_path_variants(pki, tmp_path, capsys):
    leaf, key = pki.leaf(sans=("example.com",))
    (tmp_path / "leaf.pem").write_text(pem(leaf, pki.intermediate))
    (tmp_path / "key.pem").write_text(key_pem(key, passphrase="pw"))
    result = run_module(haproxy_certificate.main, capsys, {
        "path": str(tmp_path / "out.pem"), "certificate_path": str(tmp_path / "leaf.pem"),
        "private_key_path": str(tmp_path / "key.pem"), "key_passphrase": "pw"})
    assert result["rc"] == 0 and result["changed"] is True, result["raw_output"]
    assert "ENCRYPTED" not in (tmp_path / "out.pem").read_text()


def test_invalid_mode_is_one_sentence(pki, tmp_path, capsys):
    leaf, key = pki.leaf(sans=("example.com",))
    result = run_module(haproxy_certificate.main, capsys, {
        "path": str(tmp_path / "x.pem"), "certificate": pem(leaf, pki.intermediate), "private_key": key_pem(key),
        "mode": "rwx"})
    assert result["rc"] == 1 and result["msg"] == "mode='rwx' is not an octal file mode such as '0600'."
    assert not os.path.exists(str(tmp_path / "x.pem"))


def _pair_args(pki, tmp_path, main_kind, rsa_kind):
    main_leaf, main_key = pki.leaf(sans=("example.com",), key=new_key(main_kind))
    rsa_leaf, rsa_key = pki.leaf(sans=("example.com",), key=new_key(rsa_kind))
    return {
        "path": str(tmp_path / "example.com.pem"), "certificate": pem(main_leaf), "chain": pem(pki.intermediate),
        "private_key": key_pem(main_key), "hosts": ["example.com"],
        "rsa": {"path": str(tmp_path / "example.com.rsa.pem"), "certificate": pem(rsa_leaf),
                "chain": pem(pki.intermediate), "private_key": key_pem(rsa_key)},
    }


def test_ecdsa_and_rsa_pair_written_side_by_side_then_noop(pki, tmp_path, capsys):
    args = _pair_args(pki, tmp_path, "ec", "rsa")
    first = run_module(haproxy_certificate.main, capsys, args, diff=True)
    assert first["rc"] == 0 and first["changed"] is True, first["raw_output"]
    assert set(first["diff"]["after"]) == {args["path"], args["rsa"]["path"]}
    for path in (args["path"], args["rsa"]["path"]):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # No key material in the output, whatever else it echoes (ansible-core < 2.21 adds the
    # invocation's arguments, certificates included, with the no_log keys masked).
    for key in (args["private_key"], args["rsa"]["private_key"]):
        body = [line for line in key.splitlines() if line and not line.startswith("-----")]
        assert not any(line in first["raw_output"] for line in body)
    assert "PRIVATE KEY" not in first["raw_output"]
    assert run_module(haproxy_certificate.main, capsys, args, diff=True)["changed"] is False


@pytest.mark.parametrize("main_kind, rsa_kind, sentence", [
    ("rsa", "rsa", "certificate (CN=example.com"),
    ("ec", "ec", "rsa.certificate (CN=example.com"),
])
def test_two_certificates_of_one_type_refused_before_any_write(pki, tmp_path, capsys, main_kind, rsa_kind, sentence):
    args = _pair_args(pki, tmp_path, main_kind, rsa_kind)
    result = run_module(haproxy_certificate.main, capsys, args)
    assert result["rc"] == 1 and "never two of the same type" in result["msg"], result["msg"]
    assert not os.path.exists(args["path"]) and not os.path.exists(args["rsa"]["path"])


def test_ecdsa_certificate_with_an_rsa_key_refused(pki, tmp_path, capsys):
    args = _pair_args(pki, tmp_path, "ec", "rsa")
    args["private_key"] = key_pem(new_key("rsa"))
    result = run_module(haproxy_certificate.main, capsys, args)
    assert result["rc"] == 1 and "private_key does not match certificate" in result["msg"], result["msg"]
    assert "BEGIN" not in result["msg"]
    assert not os.path.exists(args["path"]) and not os.path.exists(args["rsa"]["path"])
