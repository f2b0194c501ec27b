# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ingress_tls module's main(): option handling, results and that no key leaves the module."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._k8s import ingress_objects as ingress_utils
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import chain
from ansible_collections.kube_edge.lb.plugins.modules import ingress_tls
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._tls.pki import Pki, key_pem, pem
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._k8s.test_ingress import Cluster
from ansible_collections.kube_edge.lb.tests.unit.plugins.modules.module_runner import run_module


@pytest.fixture(scope="module")
def pki():
    return Pki("Module")


@pytest.fixture(autouse=True)
def trusted_root(pki, monkeypatch):
    monkeypatch.setattr(chain, "system_anchors", lambda: [pki.root])


@pytest.fixture(scope="module")
def files(tmp_path_factory, pki):
    cert, key = pki.leaf(sans=("foo.bar.com",))
    directory = tmp_path_factory.mktemp("module")
    (directory / "tls.crt").write_text(pem(cert, pki.intermediate))
    (directory / "tls.key").write_text(key_pem(key, passphrase="pw"))
    return {"cert_path": str(directory / "tls.crt"), "key_path": str(directory / "tls.key"), "key": key_pem(key)}


@pytest.fixture()
def client(k8s_emulator, kubeconfig, monkeypatch):
    """The emulator, reached through K8S_AUTH_KUBECONFIG as a module process would be."""
    monkeypatch.setenv("K8S_AUTH_KUBECONFIG", kubeconfig)
    return Cluster(k8s_emulator, kubeconfig)


def test_paths_passphrase_diff_and_no_key_in_output(capsys, client, files):
    args = dict(name="web-tls", cert_path=files["cert_path"], key_path=files["key_path"], key_passphrase="pw",
                hosts=["foo.bar.com"])
    result = run_module(ingress_tls.main, capsys, args, diff=True)
    assert result["changed"] and result["rc"] == 0
    assert result["certificate"]["sans"] == ["foo.bar.com"]
    assert "secret default/web-tls" in result["diff"]["after"]
    assert "PRIVATE KEY" not in result["raw_output"]
    for line in files["key"].splitlines()[1:-1]:
        assert line not in result["raw_output"]
    stored = client.stored("secrets", "default", "web-tls")
    assert stored["metadata"]["labels"][ingress_utils.MANAGED_BY_LABEL] == ingress_utils.MANAGED_BY
    again = run_module(ingress_tls.main, capsys, args)
    assert not again["changed"] and "diff" not in again


def test_needs_cert_and_key(capsys, client):
    result = run_module(ingress_tls.main, capsys, dict(name="web-tls", hosts=["foo.bar.com"]))
    assert result["failed"] and result["msg"] == ("state=present needs certificate and private_key (or certificate_path "
                                                  "and private_key_path), or generate=self_signed|local_ca.")


def test_unreadable_path(capsys, client, files):
    result = run_module(ingress_tls.main, capsys, dict(name="web-tls", cert_path="/nonexistent/tls.crt",
                                                       key_path=files["key_path"]))
    assert result["failed"] and "certificate_path='/nonexistent/tls.crt' cannot be read" in result["msg"]


def test_validation_error_is_one_message_without_traceback(capsys, client, files):
    result = run_module(ingress_tls.main, capsys, dict(name="web-tls", cert_path=files["cert_path"],
                                                       key_path=files["key_path"], hosts=["a.b.bar.com"]))
    assert result["failed"]
    assert "private_key_path=%r is encrypted and private_key_passphrase is not set" % files["key_path"] in result["msg"]
    assert "host 'a.b.bar.com' is not covered" in result["msg"]
    assert "Traceback" not in result["raw_output"] and client.writes == []


def test_generate_rejects_given_cert(capsys, client, files):
    result = run_module(ingress_tls.main, capsys, dict(name="web-tls", generate="self_signed", hosts=["foo.bar.com"],
                                                       cert_path=files["cert_path"]))
    assert result["failed"] and "do not give certificate" in result["msg"]


def test_new_names_and_requests_in_every_result(capsys, client, files):
    args = dict(name="web-tls", certificate_path=files["cert_path"], private_key_path=files["key_path"],
                private_key_passphrase="pw", hosts=["foo.bar.com"])
    result = run_module(ingress_tls.main, capsys, args)
    assert result["rc"] == 0 and result["requests"] == 2  # no ingress: GET Secret + POST Secret
    refused = run_module(ingress_tls.main, capsys, dict(args, ingress="web"))  # no such Ingress, no rules
    assert refused["failed"] and refused["requests"] >= 1


def test_garbage_kubeconfig_is_one_sentence(capsys, client, files, tmp_path):
    """Before: "'str' object does not support item assignment"."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("clusters: just a string\n")
    result = run_module(ingress_tls.main, capsys, dict(name="web-tls", cert_path=files["cert_path"],
                                                       key_path=files["key_path"], key_passphrase="pw",
                                                       hosts=["foo.bar.com"], kubeconfig=str(kubeconfig)))
    assert result["msg"] == ("kubeconfig=%r is not a kubeconfig: clusters must be a list of {name, cluster} mappings."
                             % str(kubeconfig))
    kubeconfig.write_text("- [1, 2\n")
    result = run_module(ingress_tls.main, capsys, dict(name="web-tls", cert_path=files["cert_path"],
                                                       key_path=files["key_path"], key_passphrase="pw",
                                                       hosts=["foo.bar.com"], kubeconfig=str(kubeconfig)))
    assert result["msg"] == "kubeconfig=%r is not valid YAML (line 2)." % str(kubeconfig)
