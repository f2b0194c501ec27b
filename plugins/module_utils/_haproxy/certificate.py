# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAProxy ``crt`` PEM files: the shared certificate checks (``_tls``), then leaf + chain + key written
with its final mode and owner, atomically, only when the content or the attributes differ.

Private to the collection: may change at any time. ``execute(params, check_mode, diff)`` is what the
module's main() runs; it returns the result and never raises. Diffs and results carry fingerprints,
never key material.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError, Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._common.files import (
    differs,
    parse_mode,
    read_regular,
    resolve_owner,
    write_atomically,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import (
    finish,
    missing_library,
    unexpected_failure,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import options as tls_options
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.bundle import existing_facts
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import (
    HAS_CRYPTOGRAPHY,
    PEM_BLOCK,
    iso,
    not_after,
    subject_text,
)

DEFAULT_MODE = "0600"


def argument_spec():
    spec = dict(
        path=dict(type="path", required=True),
        hosts=dict(type="list", elements="str", default=[]),
        mode=dict(type="raw", default=DEFAULT_MODE),
        owner=dict(type="str"),
        group=dict(type="str"),
    )
    spec.update(tls_options.OPTIONS)
    return spec


SPEC_KWARGS = dict(
    mutually_exclusive=tls_options.MUTUALLY_EXCLUSIVE,
    required_one_of=[("certificate", "certificate_path"), ("private_key", "private_key_path")],
)


def render(bundle):
    """One PEM as HAProxy loads it: leaf first, then intermediates, then the unencrypted key."""
    return bundle.tls_crt() + bundle.tls_key()


def facts_of(pem):
    """Identifying facts of an existing PEM file's content, or ``None`` when there is no file."""
    if pem is None:
        return None
    blocks = [match.group(0) for match in PEM_BLOCK.finditer(pem)]
    certs = b"\n".join(block for block in blocks if block.startswith(b"-----BEGIN CERTIFICATE"))
    keys = b"\n".join(block for block in blocks if b"PRIVATE KEY-----" in block.split(b"\n", 1)[0])
    facts = existing_facts(certs or None, keys or None)
    if facts["leaf"] is None:
        return {"chain": None, "key": facts["key"]}
    return {
        "chain": facts["chain"],
        "key": facts["key"],
        "subject": subject_text(facts["leaf"]),
        "not_after": iso(not_after(facts["leaf"])),
    }


def _view(facts, info, mode):
    if facts is None:
        return None
    view = dict(facts)
    if info is not None:
        view["mode"] = "%04o" % (info.st_mode & 0o7777)
        view["owner"], view["group"] = info.st_uid, info.st_gid
    else:
        view["mode"] = "%04o" % mode
    return view


def run(params, check_mode=False):
    """Check everything, then write only what differs. Returns the result (diff included)."""
    problems = Problems()
    mode = parse_mode("mode", params.get("mode", DEFAULT_MODE), problems, secret=True)
    uid, gid = resolve_owner(params.get("owner"), params.get("group"), problems)
    try:
        bundle, dummy = tls_options.prepare(params, hosts=params.get("hosts") or ())
    except KubeEdgeError as error:
        problems.messages.extend(getattr(error, "problems", [str(error)]))
        bundle = None
    problems.raise_if_any()

    path = params["path"]
    current, info = read_regular(path)
    if info is not None:  # keep the owner of the file we replace unless asked otherwise
        uid = info.st_uid if uid == -1 else uid
        gid = info.st_gid if gid == -1 else gid
    new_pem = render(bundle)
    changed = current != new_pem or differs(info, mode, uid, gid)
    tracker = ChangeTracker()
    before = _view(facts_of(current), info, mode)
    after = dict(facts_of(new_pem), mode="%04o" % mode)
    if uid != -1:
        after["owner"] = uid
    if gid != -1:
        after["group"] = gid
    tracker.record(path, before, after if changed else before)
    if changed and not check_mode:
        try:
            write_atomically(path, new_pem, mode=mode, uid=uid, gid=gid)
        except OSError as error:
            raise KubeEdgeError(
                "path=%r cannot be written (%s); the file was left as it was."
                % (path, error.strerror or error.__class__.__name__)
            ) from error
    return {
        "changed": changed,
        "path": path,
        "certificate": bundle.info(),
        "diff": tracker.diff(),
        "warnings": list(bundle.warnings),
    }


def execute(params, check_mode=False, diff=False):
    """The module's result for these validated params; never raises."""
    missing = missing_library([("cryptography", HAS_CRYPTOGRAPHY)])
    if missing:
        return {"failed": True, "msg": missing}
    try:
        result = run(params, check_mode)
    except KubeEdgeError as error:
        return {"failed": True, "msg": str(error)}
    except Exception as error:  # a bug of ours
        return unexpected_failure(error)
    return finish(result, diff)
