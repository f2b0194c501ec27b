# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Extract a release tarball into a build directory without letting any entry land outside it.

Private to the collection: may change at any time. Standard library only, no Ansible imports.
Every Python the modules support (3.9+) gets the same checks: tarfile's extraction filters exist
only on newer releases, so nothing here relies on them. Each entry is written by this code, one at
a time, and its destination is resolved against the build directory *after* the entries before
it exist, so a symlink extracted first cannot carry a later path out of the tree. Files are opened
exclusively and without following links; hard links become copies of files already extracted;
devices, FIFOs and anything else are refused.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import shutil
import tarfile
import zlib

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError

_LZMA_ERRORS: tuple[type[Exception], ...]
try:
    from lzma import LZMAError

    _LZMA_ERRORS = (LZMAError,)
except ImportError:  # a Python built without lzma cannot open .xz tarballs at all
    _LZMA_ERRORS = ()

# Decompressors raise their own types for corrupt data, next to tarfile's and the OS's.
_CORRUPT = (tarfile.TarError, EOFError, ValueError, zlib.error, gzip.BadGzipFile) + _LZMA_ERRORS

# A HAProxy release is ~4,000 entries and ~30 MB unpacked; these bounds stop a decompression bomb.
MAX_MEMBERS = 50000
MAX_TOTAL_BYTES = 1 << 30


class UnsafeArchive(KubeEdgeError):
    """The tarball is unreadable or holds an entry that must not be extracted."""


def _refuse(src, name, reason):
    raise UnsafeArchive("src=%r: the tarball entry %r %s; nothing of it was used." % (src, name, reason))


def _member_path(src, name):
    """The entry's relative path, normalised; absolute paths and ``..`` components are refused."""
    if not name or "\x00" in name:
        _refuse(src, name, "has an empty or invalid name")
    if name.startswith("/") or posixpath.isabs(name):
        _refuse(src, name, "is an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        _refuse(src, name, "contains '..'")
    return "/".join(parts)


def _inside(root, path):
    return path == root or path.startswith(root + os.sep)


def _resolved(root, relative):
    """Where ``relative`` really points now, following the links already extracted."""
    return os.path.realpath(os.path.join(root, relative))


def _check_inside(src, root, name, relative):
    target = _resolved(root, relative)
    if not _inside(root, target):
        _refuse(src, name, "would land outside the build directory (through a link)")
    parent = os.path.dirname(target)
    if not _inside(root, os.path.realpath(parent)):
        _refuse(src, name, "would land outside the build directory (through a link)")
    return target


def _write_file(archive, member, target, data=None):
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    mode = 0o755 if member.mode & 0o111 else 0o644
    # O_EXCL: an entry never overwrites (or writes through) something already in the tree.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(target, flags, mode)
    with os.fdopen(descriptor, "wb") as handle:
        stream = data if data is not None else archive.extractfile(member)
        if stream is not None:
            shutil.copyfileobj(stream, handle)
    os.chmod(target, mode)


def extract(tarball, destination, src=None):
    """Extract ``tarball`` below ``destination`` (an existing, private directory).

    ``src`` is how the operator named the tarball, for messages. Raises ``UnsafeArchive`` with one
    sentence for an unreadable archive or the first entry that is not a plain file, directory or
    link staying inside ``destination``.
    """
    src = src if src is not None else tarball
    root = os.path.realpath(destination)
    try:
        archive = tarfile.open(tarball)  # noqa: SIM115 - closed by the `with archive:` below; opened apart so a corrupt file has its own message
    except _CORRUPT + (OSError,) as error:
        raise UnsafeArchive("src=%r is not a readable tar archive (%s)." % (src, error)) from error
    extracted_files = {}
    links = []
    total = 0
    try:
        with archive:
            for count, member in enumerate(archive, 1):
                if count > MAX_MEMBERS:
                    raise UnsafeArchive(
                        "src=%r has more than %d entries; it is not a HAProxy release." % (src, MAX_MEMBERS)
                    )
                relative = _member_path(src, member.name)
                if not relative:
                    continue  # the archive's root itself
                total += max(member.size, 0)
                if total > MAX_TOTAL_BYTES:
                    raise UnsafeArchive(
                        "src=%r unpacks to more than %d MiB; it is not a HAProxy release."
                        % (src, MAX_TOTAL_BYTES >> 20)
                    )
                target = _check_inside(src, root, member.name, relative)
                if member.isdir():
                    os.makedirs(target, mode=0o755, exist_ok=True)
                    if not _inside(root, os.path.realpath(target)) or not os.path.isdir(target):
                        _refuse(src, member.name, "is a directory that cannot be created inside the build directory")
                elif member.isfile():
                    _write_file(archive, member, target)
                    extracted_files[relative] = target
                elif member.issym():
                    link = member.linkname
                    if not link or link.startswith("/") or "\x00" in link:
                        _refuse(src, member.name, "is a link to an absolute path")
                    lexical = posixpath.normpath(posixpath.join(posixpath.dirname(relative), link))
                    if lexical == ".." or lexical.startswith("../"):
                        _refuse(src, member.name, "is a link pointing outside the build directory")
                    if not _inside(root, os.path.realpath(os.path.join(os.path.dirname(target), link))):
                        _refuse(src, member.name, "is a link pointing outside the build directory")
                    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
                    os.symlink(link, target)
                    links.append((member.name, target))
                elif member.islnk():
                    source = _member_path(src, member.linkname)
                    if source not in extracted_files:
                        _refuse(src, member.name, "is a hard link to something that is not a file of this tarball")
                    with open(extracted_files[source], "rb") as data:
                        _write_file(archive, member, target, data)
                    extracted_files[relative] = target
                else:
                    _refuse(src, member.name, "is a device, FIFO or other special file")
            # A link judged inside when it was made can point elsewhere once later links exist.
            for name, path in links:
                if not _inside(root, os.path.realpath(path)):
                    _refuse(src, name, "is a link pointing outside the build directory")
    except UnsafeArchive:
        raise
    except _CORRUPT as error:
        raise UnsafeArchive("src=%r is not a readable tar archive (%s)." % (src, error)) from error
    except OSError as error:
        raise UnsafeArchive(
            "src=%r cannot be extracted into %s: %s." % (src, destination, error.strerror or error)
        ) from error
    return root


def release_directory(root, src):
    """The single top directory with a Makefile (``haproxy-X.Y.Z/``) that a release tarball unpacks to."""
    tops = [os.path.join(root, name) for name in sorted(os.listdir(root))]
    tops = [
        path
        for path in tops
        if os.path.isdir(path) and not os.path.islink(path) and os.path.isfile(os.path.join(path, "Makefile"))
    ]
    if len(tops) != 1:
        raise UnsafeArchive(
            "src=%r has no single top directory with a Makefile; is it a HAProxy release tarball?" % src
        )
    return tops[0]
