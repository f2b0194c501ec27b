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
import tarfile
import tempfile

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import flags
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy.version import parse_vv

OFFICIAL_URL = "https://www.haproxy.org/download/{branch}/src/haproxy-{version}.tar.gz"
_CHECKSUM_RE = re.compile(r"^sha256:([0-9a-fA-F]{64})$")


def is_url(src):
    return bool(re.match(r"^(https?|ftp)://", src or ""))


class BuildRequest:
    """The validated inputs of one ``haproxy_build`` run."""

    def __init__(self, params, cpu_count=None, os_family=None):
        problems = Problems()
        self.version = str(params["version"]).strip()
        flags.check_version(self.version, problems)
        valid_version = not problems
        self.prefix = params.get("prefix") or "/usr/local"
        self.src = params.get("src") or (
            OFFICIAL_URL.format(branch=".".join(self.version.split(".")[:2]), version=self.version)
            if valid_version else None)
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
        if params.get("features") is None:
            self.features = flags.default_features(self.version) if valid_version else []
        else:
            self.features = flags.normalise_features(params["features"])
        if valid_version:
            flags.check_features(self.version, self.features, problems)
        self.make_args = flags.parse_make_args(params.get("make_args"), problems)
        jobs = params.get("jobs")
        if jobs is not None and jobs < 1:
            problems.add("jobs", jobs, "must be 1 or more")
        self.jobs = jobs or cpu_count or 1
        self.build_dir = params.get("build_dir") or "/var/tmp"
        self.force = bool(params.get("force"))
        self.os_family = os_family
        problems.raise_if_any()
        self.command = flags.make_command(self.version, self.features, self.make_args, self.jobs, os_family)
        self.build_options = flags.build_options(self.command)

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
        return {"version": self.version, "sha256": sha256, "build_options": self.build_options,
                "features": self.features}


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
        before = {"version": installed["numeric_version"], "features": installed["features"],
                  "sha256": (stamp or {}).get("sha256"), "build_options": (stamp or {}).get("build_options")}
    after = dict(before or {})
    after.update({"version": request.version, "sha256": sha256, "build_options": request.build_options,
                  "features": sorted(set(request.features) | set((installed or {}).get("features") or []))})
    tracker.record(request.binary, before, after)
    return tracker


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def detect_os_family(os_release="/etc/os-release"):
    """``Debian`` or ``RedHat`` from /etc/os-release, else ``None`` (then Lua names are left to make)."""
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


def _safe_extract(tarball, destination):
    """Extract refusing absolute paths, ``..`` and links leaving the tree."""
    with tarfile.open(tarball) as archive:
        root = os.path.realpath(destination)
        for member in archive.getmembers():
            target = os.path.realpath(os.path.join(destination, member.name))
            if not (target == root or target.startswith(root + os.sep)) or member.isdev():
                raise KubeEdgeError("src: the tarball entry %r would land outside the build directory." % member.name)
            if member.issym() or member.islnk():
                link = os.path.realpath(os.path.join(os.path.dirname(target), member.linkname))
                if not link.startswith(root + os.sep):
                    raise KubeEdgeError("src: the tarball link %r points outside the build directory." % member.name)
        if hasattr(tarfile, "data_filter"):
            archive.extractall(destination, filter="data")
        else:
            archive.extractall(destination)  # members checked above
    tops = [path for path in glob.glob(os.path.join(destination, "*")) if os.path.isfile(os.path.join(path, "Makefile"))]
    if len(tops) != 1:
        raise KubeEdgeError("src: the tarball has no single top directory with a Makefile; is it a HAProxy release?")
    return tops[0]


class Host:
    """Side effects of a build, behind one object so that tests can replace it."""

    def __init__(self, run_command, download=None):
        self.run_command = run_command  # (argv, cwd=None) -> (rc, stdout, stderr)
        self.download = download        # (url, dest) -> None

    def installed(self, binary):
        if not os.access(binary, os.X_OK):
            return None
        rc, out, err = self.run_command([binary, "-vv"])
        if rc != 0:
            return None
        return parse_vv(out)


def build_and_install(request, host, sha256):
    """Build in a scratch directory, verify ``-vv``, then install atomically keeping the previous binary.

    Returns the ``parse_vv`` dict of the installed binary. On failure the scratch directory is kept
    and named in the error; the installed binary is untouched.
    """
    os.makedirs(request.build_dir, exist_ok=True)
    scratch = tempfile.mkdtemp(dir=request.build_dir, prefix="haproxy-%s-" % request.version)
    tarball = request.src
    if is_url(request.src):
        tarball = os.path.join(scratch, "haproxy-%s.tar.gz" % request.version)
        host.download(request.src, tarball)
        actual = sha256_file(tarball)
        if actual != request.checksum:
            shutil.rmtree(scratch, ignore_errors=True)
            raise KubeEdgeError("checksum='sha256:%s' does not match the download from %s (sha256:%s)."
                                % (request.checksum, request.src, actual))
    source_dir = _safe_extract(tarball, scratch)
    rc, out, err = host.run_command(request.command, cwd=source_dir)
    if rc != 0:
        tail = "\n".join((err or out).strip().splitlines()[-15:])
        raise KubeEdgeError("make failed (rc=%d) in %s: %s" % (rc, source_dir, tail))
    built = os.path.join(source_dir, "haproxy")
    rc, out, err = host.run_command([built, "-vv"])
    if rc != 0:
        raise KubeEdgeError("The new binary %s does not run (rc=%d): %s" % (built, rc, (err or out).strip()[:500]))
    info = parse_vv(out)
    if info["numeric_version"] != request.version:
        raise KubeEdgeError("version=%r but the tarball built HAProxy %s; src points at another release."
                            % (request.version, info["numeric_version"]))
    missing = sorted(set(request.features) - set(info["features"]))
    if missing:
        raise KubeEdgeError("The new binary lacks %s although they were requested; see %s."
                            % (", ".join("+" + name for name in missing), source_dir))
    _install_binary(built, request.binary, request.previous_binary)
    errorfiles = glob.glob(os.path.join(source_dir, "examples", "errorfiles", "*.http"))
    if errorfiles:
        os.makedirs(request.errorfiles_dir, exist_ok=True)
        for path in errorfiles:
            shutil.copyfile(path, os.path.join(request.errorfiles_dir, os.path.basename(path)))
    _atomic_write(request.stamp_path, json.dumps(request.stamp(sha256), indent=2, sort_keys=True) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)
    return info


def _install_binary(built, binary, previous):
    """Copy next to the target, keep the old one as ``.previous``, then rename over it (atomic)."""
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    staged = os.path.join(os.path.dirname(binary), ".haproxy.new")
    shutil.copyfile(built, staged)
    os.chmod(staged, 0o755)
    if os.path.exists(binary):
        shutil.copy2(binary, previous)
    os.replace(staged, binary)


def download_with_ansible(url, dest):
    """Stream ``url`` to ``dest`` with Ansible's URL helper (proxy and certificate handling included)."""
    from ansible.module_utils.urls import open_url  # imported here so the pure parts need no Ansible

    response = open_url(url, timeout=60)
    with open(dest, "wb") as handle:
        shutil.copyfileobj(response, handle)


def run(params, host, check_mode, cpu_count=None, os_family=None):
    """Everything the module does, returning the result dict (``changed``, facts, ``diff``)."""
    request = BuildRequest(params, cpu_count=cpu_count, os_family=os_family)
    sha256 = request.checksum if is_url(request.src) else sha256_file(request.src)
    if request.checksum and sha256 != request.checksum:
        raise KubeEdgeError("checksum='sha256:%s' does not match src=%r (sha256:%s)." % (request.checksum, request.src, sha256))
    installed = host.installed(request.binary)
    stamp = read_stamp(request.stamp_path)
    reasons = plan(request, sha256, installed, stamp)
    result = {"changed": bool(reasons), "reasons": reasons, "binary": request.binary,
              "build_options": request.build_options, "previous_binary": None}
    if reasons:
        result["diff"] = tracker_for(request, sha256, installed, stamp).diff()
    else:
        result["diff"] = {"before": {}, "after": {}}
    if reasons and not check_mode:
        had_binary = installed is not None
        installed = build_and_install(request, host, sha256)
        result["previous_binary"] = request.previous_binary if had_binary else None
    if installed is not None and (not reasons or not check_mode):
        result.update(version=installed["numeric_version"], features=installed["features"],
                      ssl_library=installed["ssl_library"])
    else:
        result.update(version=request.version, features=request.features, ssl_library=None)
    return result
