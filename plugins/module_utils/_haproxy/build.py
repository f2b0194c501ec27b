# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build HAProxy from a release tarball: validate the request, decide, build, verify, install.

Private to the collection: may change at any time. The decision (``plan``) is pure; the side
effects go through a small ``Host`` object whose ``run`` is ``AnsibleModule.run_command`` in
production and a fake in unit tests.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import tempfile

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import archive, flags
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import toolchain as toolchain_lib
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.version import parse_vv

OFFICIAL_URL = "https://www.haproxy.org/download/{branch}/src/haproxy-{version}.tar.gz"
_CHECKSUM_RE = re.compile(r"^sha256:([0-9a-fA-F]{64})$")
MAX_JOBS = 1024
MAKE_OUTPUT_TAIL_LINES = 15


def is_url(src):
    return bool(re.match(r"^(https?|ftp)://", src or ""))


class BuildRequest:
    """The validated inputs of one ``haproxy_build`` run."""

    def __init__(self, params, cpu_count=None, toolchain=None):
        problems = Problems()
        self.version = str(params["version"]).strip()
        flags.check_version(self.version, problems)
        valid_version = not problems
        self.prefix = params.get("prefix") or "/usr/local"
        self.src = params.get("src") or (
            OFFICIAL_URL.format(branch=".".join(self.version.split(".")[:2]), version=self.version)
            if valid_version
            else None
        )
        self.checksum = None
        checksum = params.get("checksum")
        if checksum:
            match = _CHECKSUM_RE.match(checksum.strip())
            if not match:
                problems.add("checksum", checksum, "must have the form sha256:<64 hex digits>")
            else:
                self.checksum = match.group(1).lower()
        elif is_url(self.src):
            problems.add("checksum", checksum, "is required when src is a URL (%s)" % self.src)
        if self.src and not is_url(self.src) and not os.path.isfile(self.src):
            problems.add("src", self.src, "is neither a URL nor an existing file on the target")
        self.toolchain = toolchain
        if params.get("features") is None:
            self.features = flags.default_features(self.version, toolchain) if valid_version else []
        else:
            self.features = flags.normalise_features(params["features"])
        if valid_version:
            flags.check_features(self.version, self.features, problems)
        self.make_args = flags.parse_make_args(params.get("make_args"), problems)
        jobs = params.get("jobs")
        if jobs is not None and not 1 <= jobs <= MAX_JOBS:
            problems.add("jobs", jobs, "must be between 1 and %d" % MAX_JOBS)
        self.jobs = jobs or cpu_count or 1
        self.build_dir = params.get("build_dir") or "/var/tmp"
        for field, path in (("build_dir", self.build_dir), ("prefix", self.prefix)):
            if os.path.exists(path) and not os.path.isdir(path):
                problems.add(field, path, "exists and is not a directory")
        self.force = bool(params.get("force"))
        problems.raise_if_any()
        self.command = flags.make_command(self.version, self.features, self.make_args, self.jobs, toolchain)
        self.build_options = flags.build_options(self.command)

    def check_toolchain(self):
        """Before a build: make, a compiler and every requested library are installed (one message for all)."""
        if self.toolchain is not None:
            flags.check_toolchain(self.features, self.make_args, self.toolchain).raise_if_any()

    @property
    def binary(self):
        return os.path.join(self.prefix, "sbin", "haproxy")

    @property
    def previous_binary(self):
        return self.binary + ".previous"

    @property
    def stamp_path(self):
        return os.path.join(self.prefix, "share", "haproxy", "build-info.json")

    @property
    def errorfiles_dir(self):
        return os.path.join(self.prefix, "share", "haproxy", "errors")

    def stamp(self, sha256):
        return {
            "version": self.version,
            "sha256": sha256,
            "build_options": self.build_options,
            "features": self.features,
        }


def plan(request, sha256, installed, stamp):
    """Return the reasons to build (an empty list means the installed binary already matches).

    ``installed`` is ``parse_vv()`` of the installed binary or ``None``; ``stamp`` the stored
    build-info dict or ``None``. The installed binary is the truth for version and features; the
    stamp covers what ``-vv`` cannot show reliably (tarball checksum, extra make variables).
    """
    reasons = []
    if request.force:
        reasons.append("force=true")
    if installed is None:
        reasons.append("no binary at %s" % request.binary)
    else:
        if installed["numeric_version"] != request.version:
            reasons.append("installed version %s differs from %s" % (installed["numeric_version"], request.version))
        missing = sorted(set(request.features) - set(installed["features"]))
        if missing:
            reasons.append("installed binary lacks %s" % ", ".join("+" + name for name in missing))
    if stamp is None:
        if installed is not None:
            reasons.append("no build stamp at %s" % request.stamp_path)
    else:
        if stamp.get("sha256") != sha256:
            reasons.append("tarball checksum differs from the one the binary was built from")
        if stamp.get("build_options") != request.build_options:
            reasons.append("build options differ from %s" % " ".join(stamp.get("build_options") or []))
    return reasons


def tracker_for(request, sha256, installed, stamp):
    """Before/after of the managed binary, for ``changed`` and the diff."""
    tracker = ChangeTracker()
    before = None
    if installed is not None:
        before = {
            "version": installed["numeric_version"],
            "features": installed["features"],
            "sha256": (stamp or {}).get("sha256"),
            "build_options": (stamp or {}).get("build_options"),
        }
    after = dict(before or {})
    after.update(
        {
            "version": request.version,
            "sha256": sha256,
            "build_options": request.build_options,
            "features": sorted(set(request.features) | set((installed or {}).get("features") or [])),
        }
    )
    tracker.record(request.binary, before, after)
    return tracker


def sha256_file(path, field="src"):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise KubeEdgeError("%s=%r cannot be read: %s." % (field, path, error.strerror or error)) from error
    return digest.hexdigest()


def detect_os_family(os_release="/etc/os-release"):
    """``Debian`` or ``RedHat`` from /etc/os-release, else ``None`` (for package names in messages)."""
    try:
        with open(os_release) as handle:
            text = handle.read().lower()
    except OSError:
        return None
    ids = " ".join(re.findall(r"^(?:id|id_like)=\"?([^\"\n]*)", text, re.MULTILINE))
    if "debian" in ids or "ubuntu" in ids:
        return "Debian"
    if any(name in ids for name in ("rhel", "fedora", "centos")):
        return "RedHat"
    return None


def read_stamp(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _atomic_write(path, text, mode=0o644):
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


class Host:
    """Side effects of a build, behind one object so that tests can replace it."""

    def __init__(self, run_command, download=None, root="/", which=shutil.which):
        self.run_command = run_command  # (argv, cwd=None) -> (rc, stdout, stderr); may raise OSError
        self.download = download  # (url, dest) -> None; raises KubeEdgeError
        self.root = root  # where the toolchain probes look ("/" but in unit tests)
        self.which = which

    def run(self, argv, cwd=None):
        try:
            return self.run_command(argv, cwd=cwd)
        except OSError as error:
            raise KubeEdgeError("%s cannot be run: %s." % (argv[0], error.strerror or error)) from error

    def installed(self, binary):
        if os.path.isdir(binary) or not os.access(binary, os.X_OK):
            return None
        rc, out, _err = self.run([binary, "-vv"])
        if rc != 0:
            return None
        return parse_vv(out)

    def toolchain(self):
        os_family = detect_os_family(os.path.join(self.root, "etc", "os-release"))
        return toolchain_lib.detect(self.root, self.which, os_family=os_family)


def build_and_install(request, host, sha256):
    """Build in a scratch directory, verify ``-vv``, then install atomically keeping the previous binary.

    Returns the ``parse_vv`` dict of the installed binary. The scratch directory is removed whatever
    happens; a failure before the install leaves the installed binary untouched, one after it says so.
    """
    try:
        os.makedirs(request.build_dir, exist_ok=True)
        scratch = tempfile.mkdtemp(dir=request.build_dir, prefix="haproxy-%s-" % request.version)
    except OSError as error:
        raise KubeEdgeError(
            "build_dir=%r cannot hold a scratch directory: %s." % (request.build_dir, error.strerror or error)
        ) from error
    try:
        return _build_in(scratch, request, host, sha256)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _build_in(scratch, request, host, sha256):
    tarball = request.src
    if is_url(request.src):
        tarball = os.path.join(scratch, "haproxy-%s.tar.gz" % request.version)
        host.download(request.src, tarball)
        actual = sha256_file(tarball)
        if actual != request.checksum:
            raise KubeEdgeError(
                "checksum='sha256:%s' does not match the download from %s (sha256:%s)."
                % (request.checksum, request.src, actual)
            )
    tree = os.path.join(scratch, "tree")
    os.mkdir(tree, 0o700)
    source_dir = archive.release_directory(archive.extract(tarball, tree, src=request.src), request.src)
    rc, out, err = host.run(request.command, cwd=source_dir)
    if rc != 0:
        tail = "\n".join(((out or "") + "\n" + (err or "")).strip().splitlines()[-MAKE_OUTPUT_TAIL_LINES:])
        raise KubeEdgeError(
            "make failed (rc=%d); the installed binary is unchanged. Last lines of its output: %s" % (rc, tail)
        )
    built = os.path.join(source_dir, "haproxy")
    if not os.path.isfile(built):
        raise KubeEdgeError("make succeeded but left no haproxy binary; is src=%r a HAProxy release?" % request.src)
    rc, out, err = host.run([built, "-vv"])
    if rc != 0:
        raise KubeEdgeError("The new binary does not run (rc=%d): %s" % (rc, (err or out).strip()[:500]))
    info = parse_vv(out)
    if info["numeric_version"] != request.version:
        raise KubeEdgeError(
            "version=%r but the tarball built HAProxy %s; src points at another release."
            % (request.version, info["numeric_version"])
        )
    missing = sorted(set(request.features) - set(info["features"]))
    if missing:
        raise KubeEdgeError(
            "The new binary lacks %s although they were requested; the installed binary is unchanged."
            % ", ".join("+" + name for name in missing)
        )
    try:
        _install_binary(built, request.binary, request.previous_binary)
    except OSError as error:
        raise KubeEdgeError(
            "Installing %s failed: %s; the installed binary is unchanged." % (request.binary, error.strerror or error)
        ) from error
    try:
        errorfiles = glob.glob(os.path.join(source_dir, "examples", "errorfiles", "*.http"))
        if errorfiles:
            os.makedirs(request.errorfiles_dir, exist_ok=True)
            for path in errorfiles:
                shutil.copyfile(path, os.path.join(request.errorfiles_dir, os.path.basename(path)))
        _atomic_write(request.stamp_path, json.dumps(request.stamp(sha256), indent=2, sort_keys=True) + "\n")
    except OSError as error:
        raise KubeEdgeError(
            "HAProxy %s is installed at %s, but writing its error pages or build stamp below %s "
            "failed: %s." % (request.version, request.binary, request.prefix, error.strerror or error)
        ) from error
    return info


def _install_binary(built, binary, previous):
    """Copy next to the target, keep the old one as ``.previous``, then rename over it (atomic)."""
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    # A fresh name (never a planted link), removed again if anything below fails.
    descriptor, staged = tempfile.mkstemp(dir=os.path.dirname(binary), prefix=".haproxy-")
    try:
        with os.fdopen(descriptor, "wb") as target, open(built, "rb") as source:
            shutil.copyfileobj(source, target)
        os.chmod(staged, 0o755)
        if os.path.exists(binary):
            shutil.copy2(binary, previous)
        os.replace(staged, binary)
    except OSError:
        if os.path.exists(staged):
            os.unlink(staged)
        raise


def download_with_ansible(url, dest):
    """Stream ``url`` to ``dest`` with Ansible's URL helper (proxy and certificate handling included)."""
    from ansible.module_utils.urls import open_url  # imported here so the pure parts need no Ansible

    try:
        response = open_url(url, timeout=60)
        with open(dest, "wb") as handle:
            shutil.copyfileobj(response, handle)
    # open_url raises urllib's, http.client's, ssl's and its own error types for a server that is
    # unreachable or refuses; each is a problem with src to report, not a bug.
    except Exception as error:
        raise KubeEdgeError(
            "src=%r cannot be downloaded: %s." % (url, getattr(error, "reason", None) or error)
        ) from error


def run(params, host, check_mode, cpu_count=None):
    """Everything the module does, returning the result dict (``changed``, facts, ``diff``)."""
    request = BuildRequest(params, cpu_count=cpu_count, toolchain=host.toolchain())
    sha256 = request.checksum if is_url(request.src) else sha256_file(request.src)
    if request.checksum and sha256 != request.checksum:
        raise KubeEdgeError(
            "checksum='sha256:%s' does not match src=%r (sha256:%s)." % (request.checksum, request.src, sha256)
        )
    installed = host.installed(request.binary)
    stamp = read_stamp(request.stamp_path)
    reasons = plan(request, sha256, installed, stamp)
    if reasons:
        request.check_toolchain()
    result = {
        "changed": bool(reasons),
        "reasons": reasons,
        "binary": request.binary,
        "build_options": request.build_options,
        "previous_binary": None,
    }
    if reasons:
        result["diff"] = tracker_for(request, sha256, installed, stamp).diff()
    else:
        result["diff"] = {"before": {}, "after": {}}
    if reasons and not check_mode:
        had_binary = installed is not None
        installed = build_and_install(request, host, sha256)
        result["previous_binary"] = request.previous_binary if had_binary else None
    if installed is not None and (not reasons or not check_mode):
        result.update(
            version=installed["numeric_version"], features=installed["features"], ssl_library=installed["ssl_library"]
        )
    else:
        result.update(version=request.version, features=request.features, ssl_library=None)
    return result
