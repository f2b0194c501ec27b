# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAProxy ``crt`` PEM files: the shared certificate checks (``_tls``), then leaf + chain + key written
with its final mode and owner, atomically, only when the content or the attributes differ.

Private to the collection: may change at any time. An area of ``_common/module.py``'s contract
(``OPTIONS``, ``SPEC_KWARGS``, ``LIBRARIES``, ``run()``), run by the module as
``HOST.run_module(certificate)``. Diffs and results carry fingerprints, never key material.
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
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import options as tls_options
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.bundle import existing_facts
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import (
    HAS_CRYPTOGRAPHY,
    PEM_BLOCK,
    iso,
    key_description,
    not_after,
    subject_text,
)

DEFAULT_MODE = "0600"


OPTIONS = dict(
    path=dict(type="path", required=True),
    hosts=dict(type="list", elements="str", default=[]),
    mode=dict(type="raw", default=DEFAULT_MODE),
    owner=dict(type="str"),
    group=dict(type="str"),
    rsa=dict(
        type="dict",
        options=dict(
            path=dict(type="path", required=True),
            certificate=dict(type="str", required=True),
            private_key=dict(type="str", required=True, no_log=True),
            chain=dict(type="str"),
        ),
    ),
    **tls_options.OPTIONS,
)


LIBRARIES = (("cryptography", HAS_CRYPTOGRAPHY),)
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


def _key_kind(bundle):
    """``RSA``, ``ECDSA`` (or another algorithm's name) of the leaf's key."""
    return key_description(bundle.leaf.public_key()).split(" ")[0]


def _bundles(params, hosts, problems):
    """``[(path, bundle)]``: the main pair, and with ``rsa`` the RSA pair served beside it (types checked)."""
    targets = [("", params["path"], params)]
    if params.get("rsa"):
        rsa_params = {key: value for key, value in params.items() if key not in tls_options.MATERIAL + ("rsa",)}
        rsa_params.update(
            certificate=params["rsa"]["certificate"],
            private_key=params["rsa"]["private_key"],
            chain=params["rsa"].get("chain"),
            ca=params.get("ca"),
            ca_path=params.get("ca_path"),
        )
        targets.append(("rsa.", params["rsa"]["path"], rsa_params))
    bundles = []
    for prefix, path, target_params in targets:
        try:
            bundle, dummy = tls_options.prepare(target_params, hosts=hosts)
        except KubeEdgeError as error:
            problems.messages.extend("%s%s" % (prefix, message) for message in getattr(error, "problems", [str(error)]))
            continue
        bundles.append((prefix, path, bundle))
    if params.get("rsa") and len(bundles) == 2:
        for (prefix, _path, bundle), wanted in zip(bundles, ("ECDSA", "RSA")):
            kind = _key_kind(bundle)
            if kind != wanted:
                problems.add_message(
                    "%scertificate (%s) has an %s key, but with rsa set %s must be %s: one ECDSA and one RSA "
                    "certificate per name, never two of the same type."
                    % (prefix, subject_text(bundle.leaf), kind, prefix + "certificate", wanted)
                )
    return [(path, bundle) for dummy_prefix, path, bundle in bundles]


def run(client, params, check_mode=False):
    """Check everything (both pairs with ``rsa``), then write only what differs. Returns the result."""
    problems = Problems()
    mode = parse_mode("mode", params.get("mode", DEFAULT_MODE), problems, secret=True)
    uid, gid = resolve_owner(params.get("owner"), params.get("group"), problems)
    bundles = _bundles(params, params.get("hosts") or (), problems)
    problems.raise_if_any()

    tracker = ChangeTracker()
    changed_any, writes = False, []
    for path, bundle in bundles:
        current, info = read_regular(path)
        file_uid, file_gid = uid, gid
        if info is not None:  # keep the owner of the file we replace unless asked otherwise
            file_uid = info.st_uid if uid == -1 else uid
            file_gid = info.st_gid if gid == -1 else gid
        new_pem = render(bundle)
        changed = current != new_pem or differs(info, mode, file_uid, file_gid)
        before = _view(facts_of(current), info, mode)
        after = dict(facts_of(new_pem), mode="%04o" % mode)
        if file_uid != -1:
            after["owner"] = file_uid
        if file_gid != -1:
            after["group"] = file_gid
        tracker.record(path, before, after if changed else before)
        if changed:
            changed_any = True
            writes.append((path, new_pem, file_uid, file_gid))
    written = []
    for path, new_pem, file_uid, file_gid in [] if check_mode else writes:
        try:
            write_atomically(path, new_pem, mode=mode, uid=file_uid, gid=file_gid)
        except OSError as error:
            raise KubeEdgeError(
                "path=%r cannot be written (%s); %s."
                % (
                    path,
                    error.strerror or error.__class__.__name__,
                    ("already written: %s" % ", ".join(written)) if written else "the file was left as it was",
                )
            ) from error
        written.append(path)
    result = {
        "changed": changed_any,
        "path": params["path"],
        "certificate": bundles[0][1].info(),
        "diff": tracker.diff(),
        "warnings": [warning for dummy_path, bundle in bundles for warning in bundle.warnings],
    }
    if len(bundles) > 1:
        result["rsa_certificate"] = bundles[1][1].info()
    return result
