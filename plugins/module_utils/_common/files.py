# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writing files that may hold secrets: final mode and owner from the first byte, never through a link.

Private to the collection: may change at any time. ``write_atomically()`` creates a randomly named
temporary file next to the target with ``O_CREAT|O_EXCL|O_NOFOLLOW`` (a planted file or symlink makes
it fail instead of writing elsewhere), gives it its mode and owner before any content, fsyncs it and
renames it over the target, so readers see the old file or the new one and nothing in between. A
``validate`` callable checks that candidate (its path) before the rename. On any failure, a refused
candidate included, the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import stat

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def parse_mode(field, value, problems, secret=False):
    """An octal file mode ('0600', '600', 0o600 given as an int) -> int; ``None`` after a problem.

    ``secret``: the file holds a private key, so no permission for others is accepted.
    """
    mode = None
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    elif (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and 3 <= len(value) <= 4
        and all(char in "01234567" for char in value)
    ):
        mode = int(value, 8)
    if mode is None or not 0 <= mode <= 0o7777:
        problems.add(field, value, "is not an octal file mode such as '0600'")
        return None
    if secret and mode & 0o007:
        problems.add(field, value, "gives others access to a private key; use '0600' or '0640'")
        return None
    if not mode & 0o400:
        problems.add(field, value, "must let the owner read the file")
        return None
    return mode


def resolve_owner(owner, group, problems):
    """User and group names (or numeric ids) -> (uid or -1, gid or -1); unknown names are problems."""
    uid = gid = -1
    if owner not in (None, ""):
        try:
            uid = int(owner) if str(owner).isascii() and str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
        except (KeyError, ValueError, UnicodeError):  # ValueError: NUL byte; UnicodeError: lone surrogate
            problems.add("owner", owner, "is not a user on this host")
    if group not in (None, ""):
        try:
            gid = int(group) if str(group).isascii() and str(group).isdigit() else grp.getgrnam(group).gr_gid
        except (KeyError, ValueError, UnicodeError):
            problems.add("group", group, "is not a group on this host")
    return uid, gid


def read_regular(path):
    """``(content, stat)`` of a regular file at ``path`` without following a symlink, or ``(None, None)``
    when there is none (a symlink or another kind of file counts as none: it will be replaced)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return None, None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None, None
        chunks = []
        while True:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks), info
    finally:
        os.close(descriptor)


def write_atomically(path, content, mode=0o600, uid=-1, gid=-1, validate=None):
    """Replace ``path`` with ``content`` owned by uid/gid (-1: the writer's) with ``mode``, atomically.

    ``validate(candidate_path)``, when given, runs on the complete candidate (final mode and owner)
    before the rename and raises to refuse it; the target is then left as it was."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise KubeEdgeError("path=%r: the directory %s does not exist." % (path, directory))
    if os.path.isdir(path) and not os.path.islink(path):
        raise KubeEdgeError("path=%r is a directory." % path)
    temporary = os.path.join(directory, ".%s.%s.tmp" % (os.path.basename(path), secrets.token_hex(8)))
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW, 0o600)
    try:
        try:
            if uid != -1 or gid != -1:
                os.fchown(descriptor, uid, gid)
            os.fchmod(descriptor, mode)  # after fchown: chown clears setuid/setgid bits
            view = memoryview(content)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if validate is not None:
            validate(temporary)
        os.rename(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    try:  # the rename itself is durable only once the directory is synced
        directory_descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_descriptor)
        finally:
            os.close(directory_descriptor)
    except OSError:
        pass


def differs(info, mode, uid, gid):
    """The existing file's stat does not have this mode and owner."""
    if info is None:
        return True
    return (
        stat.S_IMODE(info.st_mode) != mode or (uid != -1 and info.st_uid != uid) or (gid != -1 and info.st_gid != gid)
    )
