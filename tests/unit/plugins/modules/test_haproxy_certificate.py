# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import stat

from ansible_collections.kube_edge.lb.plugins.modules import haproxy_certificate
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.pki import Pki, key_pem, new_key, pem
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module


def test_writes_0600_leaf_chain_key_then_noop(tmp_path, capsys):
    pki = Pki()
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


def test_mismatched_key_is_refused_and_nothing_written(tmp_path, capsys):
    pki = Pki()
    leaf, _key = pki.leaf(sans=("example.com",))
    other = key_pem(new_key(cache=False))
    path = str(tmp_path / "x.pem")
    result = run_module(haproxy_certificate.main, capsys, {
        "path": path, "certificate": pem(leaf), "chain": pem(pki.intermediate), "private_key": other})
    assert result["rc"] == 1 and "key does not match cert" in result["msg"]
    assert "BEGIN" not in result["msg"]
    assert not os.path.exists(path)
