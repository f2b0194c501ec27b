# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""haproxy_certificate's area: the shared checks, then a key file written safely (issue 12)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common import files
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import certificate
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.module import HOST
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import subject_text
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import Pki, key_pem, new_key, pem


def execute(args, check_mode=False, diff=False):
    """What the module's main() runs for these validated arguments."""
    return HOST.execute(certificate, args, check_mode, diff)


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture(autouse=True)
def trusted_root(pki, monkeypatch):
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])


@pytest.fixture()
def args(pki, tmp_path):
    leaf, key = pki.leaf(sans=("*.example.com", "example.com"))
    values = dict((name, spec.get("default")) for name, spec in certificate.OPTIONS.items())
    values.update(path=str(tmp_path / "star.pem"), certificate=pem(leaf), chain=pem(pki.intermediate),
                  private_key=key_pem(key), hosts=["dev.example.com"])
    return values


def test_pem_is_leaf_chain_key_and_idempotent(args):
    first = execute(args, diff=True)
    assert first["changed"] is True, first
    content = open(args["path"], "rb").read().decode()
    labels = [line.strip("-").split(" ", 1)[1] for line in content.splitlines() if line.startswith("-----BEGIN")]
    assert labels == ["CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"]  # leaf, chain, then the key
    assert first["diff"]["before"] == {} and first["diff"]["after"][args["path"]]["mode"] == "0600"
    assert "PRIVATE" not in repr(first)
    assert stat.S_IMODE(os.stat(args["path"]).st_mode) == 0o600
    second = execute(args, diff=True)
    assert second["changed"] is False and "diff" in second and second["diff"]["after"] == {}
    assert second["certificate"]["subject"] == subject_text(pki_leaf(args))


def pki_leaf(args):
    from cryptography import x509
    return x509.load_pem_x509_certificate(args["certificate"].encode())


def test_check_mode_writes_nothing(args):
    result = execute(args, check_mode=True)
    assert result["changed"] is True and not os.path.exists(args["path"])


def test_planted_symlink_at_the_old_temporary_name_is_not_followed(args, tmp_path):
    """Before: the temporary file was '.<name>.tmp', opened without O_EXCL/O_NOFOLLOW, so a link there
    made root write the private key into the link's target."""
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    os.symlink(str(victim), str(tmp_path / ".star.pem.tmp"))
    result = execute(args)
    assert result["changed"] is True, result
    assert victim.read_text() == "untouched\n"
    assert "PRIVATE KEY" in open(args["path"]).read()


def test_symlink_at_the_target_is_replaced_not_followed(args, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    os.symlink(str(victim), args["path"])
    assert execute(args)["changed"] is True
    assert victim.read_text() == "untouched\n" and not os.path.islink(args["path"])


def test_file_has_its_final_mode_before_it_is_in_place(args, monkeypatch):
    """Before: the mode was applied after the move, so the key was 0644 for a moment."""
    seen = []
    real_rename = os.rename

    def rename(source, target):
        seen.append(stat.S_IMODE(os.lstat(source).st_mode))
        real_rename(source, target)

    monkeypatch.setattr(files.os, "rename", rename)
    args["mode"] = "0640"
    assert execute(args)["changed"] is True
    assert seen == [0o640]


@pytest.mark.parametrize("mode, message", [
    ("0999", "mode='0999' is not an octal file mode"),
    ("u+rwx", "mode='u+rwx' is not an octal file mode"),
    ("0644", "mode='0644' gives others access to a private key"),
])
def test_bad_mode_is_refused_before_any_write(args, mode, message):
    """Before: the file was written first and stayed 0644 when the mode was invalid."""
    args["mode"] = mode
    result = execute(args)
    assert result["failed"] is True and message in result["msg"]
    assert not os.path.exists(args["path"])


def test_mode_change_alone_rewrites_with_the_new_mode(args):
    execute(args)
    args["mode"] = "0400"
    assert execute(args)["changed"] is True
    assert stat.S_IMODE(os.stat(args["path"]).st_mode) == 0o400
    assert execute(args)["changed"] is False


def test_failed_write_leaves_the_old_file_and_no_temporary(args, tmp_path, monkeypatch):
    execute(args)
    before = open(args["path"], "rb").read()
    args["mode"] = "0400"  # a change, so the module writes

    def broken_fsync(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    assert execute(args)["failed"] is True
    assert open(args["path"], "rb").read() == before
    assert stat.S_IMODE(os.stat(args["path"]).st_mode) == 0o600
    assert sorted(os.listdir(str(tmp_path))) == ["star.pem"]


def test_failed_write_is_one_sentence_and_cleans_up(args, tmp_path, monkeypatch):
    def broken_fsync(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    result = execute(args)
    assert result == {"failed": True, "warnings": [],
                      "msg": "path=%r cannot be written (No space left on device); the file was left as it was."
                      % args["path"]}
    assert os.listdir(str(tmp_path)) == []


def test_key_mismatch_and_expiry_reported_together(pki, args):
    expired, dummy = pki.leaf(sans=("*.example.com",), start_days=-100, days=-1)
    args.update(certificate=pem(expired), private_key=key_pem(new_key(cache=False)))
    result = execute(args)
    assert result["msg"].startswith("2 problems found") and "does not match" in result["msg"]
    assert "has expired" in result["msg"] and "BEGIN" not in result["msg"]


def test_unknown_owner_refused_before_any_write(args):
    args["owner"] = "no-such-user-kube-edge"
    result = execute(args)
    assert "owner='no-such-user-kube-edge' is not a user on this host." in result["msg"]
    assert not os.path.exists(args["path"])
