# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A set of directories and files written in one module run (the ``file_set`` module's area).

Private to the collection: may change at any time. Why: a ``template``/``copy`` task costs five round
trips to the host even when nothing changes (home directory, remote temporary directory, stat, file,
cleanup); a role that renders its files on the controller and hands them all to this area pays one.

Order of work: every input is checked (modes, owners, validate commands) before anything is
touched; then the directories, then the files in the order given, each one only when its content,
mode or owner differ. A file with ``validate`` is written as a candidate next to the target with
its final mode and owner, the command runs on it, and only an accepted candidate is renamed over
the target (``_common/files.write_atomically``). A file given as ``secret_content`` never shows its
content: its diff carries markers only, and a refused candidate's command output is withheld (it
could quote the file). A failure half-way names what was already changed.
"""

from __future__ import annotations

import os
import shlex
import stat

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import secret_markers
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._common.files import (
    differs,
    parse_mode,
    read_regular,
    resolve_owner,
    write_atomically,
)

PLACEHOLDER = "%s"
VALIDATE_OUTPUT_LIMIT = 2000

_OWNERSHIP = {
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "mode": {"type": "str", "required": True},
}

OPTIONS = {
    "directories": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": dict({"path": {"type": "path", "required": True}}, **_OWNERSHIP),
    },
    "files": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": dict(
            {
                "path": {"type": "path", "required": True},
                "content": {"type": "str"},
                "secret_content": {"type": "str", "no_log": True},
                "validate": {"type": "str"},
            },
            **_OWNERSHIP,
        ),
        "mutually_exclusive": [["content", "secret_content"]],
        "required_one_of": [["content", "secret_content"]],
    },
}


class ValidateRefused(KubeEdgeError):
    """A candidate file the validate command did not accept: the refusal, then what the command said."""

    def __init__(self, refusal, said):
        super().__init__("%s; %s." % (refusal, said.rstrip(".")))
        self.refusal, self.said = refusal, said


def make_client(params, check_mode, module=None):
    """What runs a validate command (no shell): AnsibleModule.run_command; unit tests pass their own."""
    if module is None:
        raise KubeEdgeError("file_set runs validate commands through its module; there is none here.")
    return lambda argv: module.run_command(argv, check_rc=False)


def _validate_argv(field, value, problems):
    """The validate command split like a shell would (no shell runs it), with exactly one %s argument."""
    if value is None:
        return None
    try:
        argv = shlex.split(value)
    except ValueError as error:
        problems.add(field, value, "cannot be split into arguments (%s)" % error)
        return None
    if not argv or PLACEHOLDER in argv[0]:
        problems.add(field, value, "must start with the command, e.g. 'haproxy -c -f %s'")
        return None
    if sum(argument.count(PLACEHOLDER) for argument in argv) != 1:
        problems.add(field, value, "must name the candidate file exactly once, as %s")
        return None
    if any("\x00" in argument for argument in argv):
        problems.add(field, value, "holds a NUL byte")
        return None
    return argv


def _absolute(field, value, problems):
    if not isinstance(value, str) or not value or "\x00" in value:
        problems.add(field, value, "is not a path")
        return None
    return os.path.abspath(value)


def _checked(params):
    """Every directory and file entry checked; all problems at once, before anything is touched."""
    problems = Problems()
    directories, files, seen = [], [], set()
    for kind, entries in (("directories", params.get("directories") or []), ("files", params.get("files") or [])):
        for index, entry in enumerate(entries):
            where = "%s[%d]" % (kind, index)
            path = _absolute(where + ".path", entry.get("path"), problems)
            if path is not None and path in seen:
                problems.add(where + ".path", entry.get("path"), "is listed twice")
            seen.add(path)
            item_problems = Problems()
            mode = parse_mode(where + ".mode", entry.get("mode"), item_problems)
            uid, gid = resolve_owner(entry.get("owner"), entry.get("group"), item_problems)
            # resolve_owner names the bare option; say which entry it was.
            problems.messages.extend(
                message if message.startswith(where) else "%s.%s" % (where, message)
                for message in item_problems.messages
            )
            checked = {"path": path, "mode": mode, "uid": uid, "gid": gid}
            if kind == "files":
                secret = entry.get("secret_content") is not None
                content = entry.get("secret_content") if secret else entry.get("content")
                if content is None:
                    problems.add(where, "(no content)", "needs content or secret_content")
                    content = ""
                checked.update(
                    content=content.encode("utf-8", "surrogateescape"),
                    secret=secret,
                    validate=_validate_argv(where + ".validate", entry.get("validate"), problems),
                )
                files.append(checked)
            else:
                directories.append(checked)
    problems.raise_if_any()
    return directories, files


def _attributes(mode, uid, gid):
    return "mode: %04o\nowner: %s\ngroup: %s\n" % (
        mode,
        "(unchanged)" if uid == -1 else uid,
        "(unchanged)" if gid == -1 else gid,
    )


def _attributes_of(info, uid, gid):
    if info is None:
        return ""
    return _attributes(stat.S_IMODE(info.st_mode), info.st_uid if uid != -1 else -1, info.st_gid if gid != -1 else -1)


def _plan_directory(entry):
    """The diff entry of one directory that is missing or differs in mode or owner; None when it is as asked."""
    try:
        info = os.lstat(entry["path"])
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise KubeEdgeError("path=%r cannot be read (%s)." % (entry["path"], error.strerror)) from error
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise KubeEdgeError("path=%r exists and is not a directory; it is left as it was." % entry["path"])
    if not differs(info, entry["mode"], entry["uid"], entry["gid"]):
        return None
    return {
        "before_header": entry["path"],
        "after_header": entry["path"],
        "before": "state: absent\n"
        if info is None
        else "state: directory\n" + _attributes_of(info, entry["uid"], entry["gid"]),
        "after": "state: directory\n" + _attributes(entry["mode"], entry["uid"], entry["gid"]),
    }


def _plan_file(entry):
    """``(content changed, attributes changed, diff entries)`` for one file."""
    current, info = read_regular(entry["path"])
    uid, gid = entry["uid"], entry["gid"]
    content_changed = current != entry["content"]
    attributes_changed = differs(info, entry["mode"], uid, gid)
    diffs = []
    if content_changed:
        if entry["secret"]:
            before, after = secret_markers(current, entry["content"])
            before = "" if before is None else before + "\n"
            after = after + "\n"
        else:
            before = "" if current is None else current.decode("utf-8", "replace")
            after = entry["content"].decode("utf-8", "replace")
        diffs.append({"before_header": entry["path"], "after_header": entry["path"], "before": before, "after": after})
    if attributes_changed:
        diffs.append(
            {
                "before_header": entry["path"] + " (attributes)",
                "after_header": entry["path"] + " (attributes)",
                "before": _attributes_of(info, uid, gid),
                "after": _attributes(entry["mode"], uid, gid),
            }
        )
    return content_changed or info is None, attributes_changed, diffs


def _validator(runner, entry):
    argv_template = entry["validate"]

    def validate(candidate):
        argv = [argument.replace(PLACEHOLDER, candidate) for argument in argv_template]
        rc, stdout, stderr = runner(argv)
        if rc == 0:
            return
        if entry["secret"]:
            said = "its output is withheld because the file is secret"
        else:
            output = ((stderr or "") + (stdout or "")).strip()
            said = "it said: %s" % output[-VALIDATE_OUTPUT_LIMIT:] if output else "it printed nothing"
        raise ValidateRefused(
            "path=%r: the candidate was refused by %r (exit %d), so the live file was left as it was"
            % (entry["path"], " ".join(argv_template), rc),
            said,
        )

    return validate


def _apply_attributes(path, mode, uid, gid):
    if uid != -1 or gid != -1:
        os.chown(path, uid, gid, follow_symlinks=False)
    os.chmod(path, mode)  # after chown: chown clears setuid/setgid bits


def run(client, params, check_mode=False):
    """Check everything, then create/fix the directories and write the files that differ. The result dict."""
    directories, files = _checked(params)
    changed_paths, diffs, written = [], [], []

    def failed(path, error):
        done = ("already changed: %s" % ", ".join(written)) if written else "nothing was changed"
        if isinstance(error, ValidateRefused):
            done = ("already changed: %s" % ", ".join(written)) if written else "nothing else was changed"
            return KubeEdgeError("%s (%s); %s." % (error.refusal, done, error.said.rstrip(".")))
        return KubeEdgeError(
            "path=%r cannot be written (%s); %s." % (path, getattr(error, "strerror", None) or error, done)
        )

    for entry in directories:
        change = _plan_directory(entry)
        if change is None:
            continue
        changed_paths.append(entry["path"])
        diffs.append(change)
        if check_mode:
            continue
        try:
            if not os.path.isdir(entry["path"]):
                os.mkdir(entry["path"], 0o700)  # tightened first, opened to its mode once owned right
            _apply_attributes(entry["path"], entry["mode"], entry["uid"], entry["gid"])
        except OSError as error:
            raise failed(entry["path"], error) from error
        written.append(entry["path"])

    for entry in files:
        content_changed, attributes_changed, file_diffs = _plan_file(entry)
        if not (content_changed or attributes_changed):
            continue
        changed_paths.append(entry["path"])
        diffs.extend(file_diffs)
        if check_mode:
            continue
        try:
            if content_changed:
                validate = _validator(client, entry) if entry["validate"] else None
                write_atomically(
                    entry["path"],
                    entry["content"],
                    mode=entry["mode"],
                    uid=entry["uid"],
                    gid=entry["gid"],
                    validate=validate,
                )
            else:  # same content: only mode/owner, no new inode, nothing to validate
                _apply_attributes(entry["path"], entry["mode"], entry["uid"], entry["gid"])
        except (OSError, ValidateRefused) as error:
            raise failed(entry["path"], error) from error
        except KubeEdgeError as error:  # write_atomically's own sentence (missing directory...)
            raise failed(entry["path"], error) from error
        written.append(entry["path"])

    return {"changed": bool(changed_paths), "changed_paths": changed_paths, "diff": diffs}
