# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Path options of the controller actions: found like copy's src, Vault files decrypted, temp files removed."""

from __future__ import annotations

import os
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.kube_edge.lb.plugins.plugin_utils._controller_action import ControllerAction, path_options

VAULT_PASSWORD = b"unit-test-vault-password"

# Every shape a path option can take in an argument spec; no option name of a real module is assumed.
SPEC = dict(
    certificate=dict(type="path", aliases=["cert_path"]),
    bundle=dict(type="list", elements="path"),
    provider=dict(type="dict", options=dict(ca_path=dict(type="path"), user=dict(type="str"))),
    items=dict(type="list", elements="dict", options=dict(file=dict(type="path"), name=dict(type="str"))),
    output_dir=dict(type="path"),
    label=dict(type="str"),
)


class ReadingAction(ControllerAction):
    """Reads every file it is given, as a module would, and records what it saw."""

    seen = {}

    def argument_spec(self):
        return SPEC, {}

    def execute(self, params, check_mode, diff):
        for label, container, keys in path_options(SPEC, params):
            assert len({container[key] for key in keys}) == 1, "an alias kept another value"
            path = container[keys[0]]
            content = open(path, "rb").read().decode() if os.path.isfile(path) else None
            ReadingAction.seen[label] = (path, content)
        return {"changed": False}


@pytest.fixture
def layout(tmp_path):
    """A playbook directory with files/ and a role with files/, like a user's project."""
    playbook_dir = tmp_path / "project"
    role = playbook_dir / "roles" / "edge"
    (role / "tasks").mkdir(parents=True)
    (role / "tasks" / "main.yml").write_text("- ansible.builtin.debug:\n")
    (role / "files").mkdir()
    (role / "files" / "role.crt").write_text("role certificate\n")
    (playbook_dir / "files").mkdir()
    (playbook_dir / "files" / "web.crt").write_text("playbook files certificate\n")
    (playbook_dir / "beside.pem").write_text("beside the playbook\n")
    vaulted = VaultLib([("default", VaultSecret(VAULT_PASSWORD))]).encrypt(b"secret key material\n")
    (playbook_dir / "files" / "web.key").write_bytes(vaulted)
    return playbook_dir, role


def run_action(layout, args, in_role=False, vault=True):
    playbook_dir, role = layout
    loader = DataLoader()
    loader.set_basedir(str(playbook_dir))
    if vault:
        loader.set_vault_secrets([("default", VaultSecret(VAULT_PASSWORD))])
    search = [str(role), str(role / "tasks")] if in_role else [str(playbook_dir)]
    task = MagicMock(args=args, check_mode=False, diff=False, async_val=0, action="kube_edge.lb.reading", environment=None)
    task.get_search_path.return_value = search
    connection = MagicMock()
    connection._shell.tmpdir = "/nonexistent"
    action = ReadingAction(task, connection, MagicMock(), loader, MagicMock(template=lambda value: value), None)
    action._load_name = "kube_edge.lb.reading"
    ReadingAction.seen = {}
    return action.run(task_vars={}), loader


def test_relative_paths_resolve_like_copy_from_any_working_directory(layout, tmp_path, monkeypatch):
    playbook_dir, role = layout
    monkeypatch.chdir(tmp_path)  # the shell stands elsewhere
    result, dummy = run_action(layout, {
        "certificate": "web.crt", "bundle": ["beside.pem", "files/web.crt"],
        "provider": {"ca_path": "web.crt", "user": "ops"}, "items": [{"file": "beside.pem", "name": "a"}, {"name": "b"}],
        "label": "web.crt"})
    seen = ReadingAction.seen
    assert seen["certificate"] == (str(playbook_dir / "files" / "web.crt"), "playbook files certificate\n")
    assert seen["bundle[0]"][1] == "beside the playbook\n" and seen["bundle[1]"][1] == "playbook files certificate\n"
    assert seen["provider.ca_path"][1] == "playbook files certificate\n"
    assert seen["items[0].file"][1] == "beside the playbook\n" and "items[1].file" not in seen
    assert result["invocation"]["module_args"]["certificate"] == str(playbook_dir / "files" / "web.crt")
    assert result["invocation"]["module_args"]["label"] == "web.crt"  # not a path option: untouched


def test_role_files_come_first_and_absolute_paths_stay(layout):
    playbook_dir, role = layout
    absolute = str(playbook_dir / "beside.pem")
    run_action(layout, {"certificate": "role.crt", "bundle": [absolute]}, in_role=True)
    assert ReadingAction.seen["certificate"] == (str(role / "files" / "role.crt"), "role certificate\n")
    assert ReadingAction.seen["bundle[0]"] == (absolute, "beside the playbook\n")


def test_vaulted_file_is_decrypted_for_the_module_and_removed_after(layout):
    playbook_dir, role = layout
    result, loader = run_action(layout, {"certificate": "web.key"})
    real_path, content = ReadingAction.seen["certificate"]
    assert content == "secret key material\n"
    assert real_path != str(playbook_dir / "files" / "web.key") and not os.path.exists(real_path)
    assert not loader._tempfiles
    # What the task shows is the user's file, not the temporary copy.
    assert result["invocation"]["module_args"]["certificate"] == str(playbook_dir / "files" / "web.key")
    assert "secret key material" not in repr(result)


def test_vaulted_file_without_a_vault_password_is_one_sentence(layout):
    with pytest.raises(AnsibleActionFail, match=r"^certificate='web.key' cannot be decrypted: "):
        run_action(layout, {"certificate": "web.key"}, vault=False)


def test_missing_paths_mean_the_playbook_directory_and_reach_the_module(layout, tmp_path, monkeypatch):
    playbook_dir, role = layout
    monkeypatch.chdir(tmp_path)
    run_action(layout, {"output_dir": ".lab-ca", "certificate": "nope.crt"})
    assert ReadingAction.seen["output_dir"] == (str(playbook_dir / ".lab-ca"), None)
    assert ReadingAction.seen["certificate"] == (str(playbook_dir / "nope.crt"), None)


def test_directories_resolve_without_decryption(layout):
    playbook_dir, role = layout
    run_action(layout, {"output_dir": "files"})
    assert ReadingAction.seen["output_dir"] == (str(playbook_dir / "files"), None)


def test_an_alias_resolves_under_the_option_name(layout):
    playbook_dir, dummy_role = layout
    result, dummy_loader = run_action(layout, {"cert_path": "web.crt"})
    assert ReadingAction.seen["certificate"] == (str(playbook_dir / "files" / "web.crt"), "playbook files certificate\n")
    assert result["invocation"]["module_args"]["cert_path"] == str(playbook_dir / "files" / "web.crt")
