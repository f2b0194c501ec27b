# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import certificate
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import tls
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.pki import Pki, key_pem, new_key, pem


def test_pem_is_leaf_chain_key_and_idempotent():
    pki = Pki()
    leaf, key = pki.leaf(sans=("*.example.com", "example.com"))
    bundle = tls.check_bundle(pem(leaf), key_pem(key), chain=pem(pki.intermediate), hosts=["dev.example.com"])
    new_pem, before, after = certificate.plan(bundle, None)
    labels = [line.strip("-").split(" ", 1)[1] for line in new_pem.decode().splitlines() if line.startswith("-----BEGIN")]
    assert labels == ["CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"]  # leaf, chain, then the key
    assert before is None and after["subject"] == tls.subject_text(leaf)
    assert "PRIVATE" not in repr(after)
    again, before, _after = certificate.plan(bundle, new_pem)
    assert again == new_pem and before["chain"] == after["chain"]


def test_key_mismatch_is_refused():
    pki = Pki()
    leaf, _key = pki.leaf(sans=("example.com",))
    with pytest.raises(ValidationError, match="key does not match cert"):
        tls.check_bundle(pem(leaf), key_pem(new_key(cache=False)), chain=pem(pki.intermediate))
