# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared certificate options: content or path, every problem at once, the old names."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain, options
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import Pki, key_pem, new_key, pem


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture(autouse=True)
def trusted_root(pki, monkeypatch):
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])


def params(**values):
    base = dict((name, spec.get("default")) for name, spec in options.OPTIONS.items())
    base.update(values)
    return base


def test_paths_and_content_give_the_same_bundle(pki, tmp_path):
    cert, key = pki.leaf()
    (tmp_path / "c.pem").write_text(pem(cert))
    (tmp_path / "k.pem").write_text(key_pem(key))
    (tmp_path / "i.pem").write_text(pem(pki.intermediate))
    by_path, dummy = options.prepare(params(certificate_path=str(tmp_path / "c.pem"), private_key_path=str(tmp_path / "k.pem"),
                                            chain_path=str(tmp_path / "i.pem")))
    by_content, dummy = options.prepare(params(certificate=pem(cert), private_key=key_pem(key), chain=pem(pki.intermediate)))
    assert by_path.tls_crt() == by_content.tls_crt() == pem(cert, pki.intermediate).encode()


def test_every_problem_at_once(pki, tmp_path):
    """Settings, an unreadable file and the certificate's own problems in one message."""
    cert, key = pki.leaf(start_days=-100, days=-1)
    with pytest.raises(ValidationError) as excinfo:
        options.prepare(params(certificate=pem(cert, pki.intermediate), private_key=key_pem(key), min_rsa_bits=1024,
                               ca_path=str(tmp_path / "missing.pem")), hosts=["nope.example.org"])
    message = str(excinfo.value)
    assert "min_rsa_bits=1024 must be between 2048 and 16384." in message
    assert "ca_path=%r cannot be read" % str(tmp_path / "missing.pem") in message


def test_certificate_checks_reported_with_settings(pki):
    cert, key = pki.leaf(start_days=-100, days=-1)
    with pytest.raises(ValidationError) as excinfo:
        options.prepare(params(certificate=pem(cert, pki.intermediate), private_key=key_pem(key), min_days_valid=-1),
                        hosts=["nope.example.org"])
    assert len(excinfo.value.problems) == 3  # min_days_valid, expired, host not covered
    assert "has expired" in str(excinfo.value) and "'nope.example.org' is not covered" in str(excinfo.value)


def test_a_path_given_as_content_is_named(pki, tmp_path):
    cert, key = pki.leaf()
    path = tmp_path / "c.pem"
    path.write_text(pem(cert))
    with pytest.raises(ValidationError, match="certificate=%r names a file; give the file as certificate_path" % str(path)):
        options.prepare(params(certificate=str(path), private_key=key_pem(key)))


def test_f5_paths_in_the_old_options_still_work_with_a_warning(pki, tmp_path):
    cert, key = pki.leaf()
    (tmp_path / "c.pem").write_text(pem(cert, pki.intermediate))
    (tmp_path / "k.pem").write_text(key_pem(key))
    bundle, material = options.prepare(params(certificate=str(tmp_path / "c.pem"), private_key=str(tmp_path / "k.pem")),
                                       paths_as_content_deprecated=True)
    assert bundle.leaf == cert
    assert len(material.warnings) == 2 and "give it as certificate_path" in material.warnings[0]


def test_missing_pair_and_old_names_are_aliases():
    with pytest.raises(ValidationError) as excinfo:
        options.prepare(params())
    assert excinfo.value.problems == ["state=present needs certificate (or certificate_path).",
                                      "state=present needs private_key (or private_key_path)."]
    aliases = dict((alias, name) for name, spec in options.OPTIONS.items() for alias in spec.get("aliases", []))
    assert aliases == {"cert": "certificate", "cert_path": "certificate_path", "key": "private_key",
                       "key_path": "private_key_path", "key_passphrase": "private_key_passphrase"}
    assert options.OPTIONS["private_key"]["no_log"] and options.OPTIONS["private_key_passphrase"]["no_log"]


def test_encrypted_key_with_passphrase(pki):
    key = new_key("rsa")
    cert = pki.leaf(key=key)[0]
    bundle, dummy = options.prepare(params(certificate=pem(cert, pki.intermediate),
                                           private_key=key_pem(key, passphrase="s3cret"), private_key_passphrase="s3cret"))
    assert b"ENCRYPTED" not in bundle.tls_key()


@pytest.mark.parametrize("value", ["files/star.example.com.crt", "star.pem", "~/certs/x.crt"])
def test_a_path_that_is_not_here_is_named_as_such(value):
    problems = options.Problems()
    options.read_material(params(certificate=value), problems)
    assert problems.messages == ["certificate=%r looks like a file path, but is no file here and no PEM; give files as "
                                 "certificate_path." % value]


@pytest.mark.parametrize("option, value", [
    ("private_key_passphrase", "\ud800"), ("certificate", "\ud800"), ("ca_path", "a\x00b"), ("chain_path", "\ud800"),
])
def test_unusable_text_is_one_sentence(pki, option, value):
    """Found by feeding hostile strings through the argument spec: these raised UnicodeEncodeError/ValueError."""
    cert, key = pki.leaf()
    with pytest.raises(ValidationError) as excinfo:
        options.prepare(params(**dict({"certificate": pem(cert, pki.intermediate), "private_key": key_pem(key)},
                                      **{option: value})))
    assert excinfo.value.problems[0].startswith(option)


def test_out_of_range_min_days_valid_still_checks_the_certificate(pki):
    cert, key = pki.leaf(start_days=-100, days=-1)
    with pytest.raises(ValidationError) as excinfo:
        options.prepare(params(certificate=pem(cert, pki.intermediate), private_key=key_pem(key), min_days_valid=10 ** 20))
    assert "min_days_valid=100000000000000000000 must be between 0 and 3650." in excinfo.value.problems
    assert any("has expired" in problem for problem in excinfo.value.problems)
