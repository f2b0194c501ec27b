# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate, chain and key files plus the client-ssl profile that uses them.

The certificate options and their checks are the collection's one certificate library (``_tls``),
so this module refuses what ingress_tls and haproxy_certificate refuse. Idempotency rests on the
device's SHA1 ``checksum`` of each file. A certificate and key that a profile uses are replaced
together in one transaction. The key is never put in a result, a diff
or a message: only names and the certificate's fingerprints are. Private to the collection.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import Write, object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import (
    check_name,
    full_path,
    object_identity,
    split_full_path,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.files import (
    CERT_KIND,
    KEY_KIND,
    checksum,
    file_write,
    remove_uploads,
    upload_name,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._tls import options as tls_options
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import (
    HAS_CRYPTOGRAPHY,
    PEM_BLOCK,
    key_is_encrypted,
    to_bytes,
)

PROFILE_KIND = "ltm/profile/client-ssl"
# The module's options besides name, partition, state and provider (see _f5/module.py): the shared
# certificate options (doc fragment kube_edge.lb._tls) and the profile's own.
OPTIONS = dict(
    cert_key_name=dict(type="str", no_log=False),
    parent=dict(type="str", default="clientssl"),
    ciphers=dict(type="str"),
    server_name=dict(type="str"),
)
OPTIONS.update(tls_options.OPTIONS)
LIBRARIES = [("cryptography", HAS_CRYPTOGRAPHY)]


def _certificate_count(data):
    return sum(1 for block_type, dummy in PEM_BLOCK.findall(to_bytes(data) or b"") if block_type == b"CERTIFICATE")


def load_material(params):
    """Read and check the certificate options with the collection's checks (every problem at once).

    What is uploaded: the files as given when they already are what the device needs (so the
    device's checksums of earlier uploads still match), otherwise the leaf, the intermediates and
    the decrypted key as PEM. An encrypted key is uploaded decrypted: the BIG-IP loads it at
    start-up without a prompt, as the ssl-key object would with its ``passphrase``. The key bytes
    stay in this dict only.
    """
    hosts = [params["server_name"]] if params.get("server_name") else ()
    bundle, material = tls_options.prepare(params, hosts=hosts, paths_as_content_deprecated=True)
    given_cert, given_key, given_chain = (to_bytes(material[name]) for name in ("certificate", "private_key", "chain"))
    leaf_only = _certificate_count(given_cert) == 1 and b"-----BEGIN CERTIFICATE-----" in given_cert
    cert_bytes = given_cert if leaf_only else bundle.leaf_pem()
    key_bytes = bundle.tls_key() if key_is_encrypted(given_key) or b"-----BEGIN" not in given_key else given_key
    if given_chain is not None and leaf_only and b"-----BEGIN CERTIFICATE-----" in given_chain:
        chain_bytes = given_chain
    else:
        chain_bytes = bundle.intermediates_pem() or None
    info = bundle.info()
    info.update(sha256_fingerprint=info["fingerprint_sha256"].replace(":", ""), checksum=checksum(cert_bytes))
    return {
        "cert": cert_bytes,
        "key": key_bytes,
        "chain": chain_bytes,
        "info": info,
        "warnings": material.warnings + bundle.warnings,
    }


def desired_profile(params, has_chain=None):
    problems = Problems()
    for field in ("name", "partition"):
        check_name(problems, field, params.get(field))
    base = params.get("cert_key_name") or params.get("name")
    check_name(problems, "cert_key_name", base)
    problems.raise_if_any()
    partition = params.get("partition") or "Common"
    return {
        **object_identity(params, partition),
        "parent": full_path(params.get("parent") or "clientssl", partition, ("clientssl",)),
        "cert": "/%s/%s.crt" % (partition, base),
        "key": "/%s/%s.key" % (partition, base),
        "chain": "/%s/%s-chain.crt" % (partition, base) if has_chain else None,
        "chain_path": "/%s/%s-chain.crt" % (partition, base),
        "ciphers": params.get("ciphers"),
        "server_name": params.get("server_name"),
    }


def normalise_profile(data):
    if data is None:
        return None
    chain = (data.get("certKeyChain") or [{}])[0]
    return {
        "name": data["name"],
        "partition": data.get("partition", "Common"),
        "full_path": data.get("fullPath"),
        "parent": data.get("defaultsFrom") if data.get("defaultsFrom") not in (None, "none") else None,
        "cert": chain.get("cert") or data.get("cert"),
        "key": chain.get("key") or data.get("key"),
        "chain": (chain.get("chain") or data.get("chain"))
        if (chain.get("chain") or data.get("chain")) not in (None, "none")
        else None,
        "ciphers": data.get("ciphers"),
        "server_name": data.get("serverName") if data.get("serverName") != "none" else None,
    }


def _files(client, kind, partition):
    data = client.get(
        "/mgmt/tm/%s" % kind, params={"$select": "fullPath,checksum", "$filter": "partition eq %s" % partition}
    )
    return dict((item["fullPath"], item.get("checksum")) for item in (data or {}).get("items") or [])


def run(client, params, check_mode=False):
    desired_profile(params)  # names first: a bad name is refused before the files are read
    material = load_material(params) if (params.get("state") or "present") == "present" else None
    desired = desired_profile(params, has_chain=bool(material and material["chain"]))
    profile_data = client.get(object_url(PROFILE_KIND, desired["partition"], desired["name"]), missing_ok=True)
    current = normalise_profile(profile_data)
    certs = _files(client, CERT_KIND, desired["partition"])
    tracker = ChangeTracker()
    writes, uploads = [], []

    if desired["state"] == "absent":
        if current:
            writes.append(
                Write(
                    "DELETE",
                    object_url(PROFILE_KIND, desired["partition"], desired["name"]),
                    label="client-ssl profile " + desired["full_path"],
                )
            )
        keys = _files(client, KEY_KIND, desired["partition"]) if (desired["cert"] in certs) else {}
        for kind, path, present in (
            (CERT_KIND, desired["cert"], desired["cert"] in certs),
            (KEY_KIND, desired["key"], desired["key"] in keys),
            (CERT_KIND, desired["chain_path"], desired["chain_path"] in certs),
        ):
            if present:
                writes.append(Write("DELETE", object_url(kind, *split_full_path(path)), label=path))
        tracker.record("client-ssl profile " + desired["full_path"], _view(current, certs, None), None)
        after = None
    else:
        cert_sum = material["info"]["checksum"]
        cert_changed = certs.get(desired["cert"]) != cert_sum
        chain_changed = bool(desired["chain"]) and certs.get(desired["chain"]) != checksum(material["chain"])
        paired = current is not None and current["cert"] == desired["cert"] and current["key"] == desired["key"]
        keys = None
        key_changed = False
        if cert_changed or not paired:
            # Same certificate + a profile that pairs it with our key name = the same key (the
            # device refuses mismatched pairs), so the key is only read when that does not hold.
            keys = _files(client, KEY_KIND, desired["partition"])
            key_changed = keys.get(desired["key"]) != checksum(material["key"])
        for changed, kind, path, content in (
            (cert_changed, CERT_KIND, desired["cert"], material["cert"]),
            (key_changed, KEY_KIND, desired["key"], material["key"]),
            (chain_changed, CERT_KIND, desired["chain"], material["chain"]),
        ):
            if changed:
                exists = path in (keys or {}) if kind == KEY_KIND else path in certs
                uploads.append((upload_name(path), content))
                writes.append(file_write(kind, path, exists, path))
        after = dict(
            current
            or {
                "name": desired["name"],
                "partition": desired["partition"],
                "full_path": desired["full_path"],
                "ciphers": None,
                "server_name": None,
            }
        )
        after.update(parent=desired["parent"], cert=desired["cert"], key=desired["key"], chain=desired["chain"])
        for key in ("ciphers", "server_name"):
            if desired[key] is not None:
                after[key] = desired[key]
        if after != current:
            body = {
                "defaultsFrom": after["parent"],
                "certKeyChain": [
                    {
                        "name": split_full_path(desired["cert"])[1][:-4],
                        "cert": after["cert"],
                        "key": after["key"],
                        "chain": after["chain"] or "none",
                    }
                ],
            }
            if desired["ciphers"] is not None:
                body["ciphers"] = desired["ciphers"]
            if desired["server_name"] is not None:
                body["serverName"] = desired["server_name"]
            if current is None:
                body.update(name=desired["name"], partition=desired["partition"])
                writes.append(
                    Write(
                        "POST", "/mgmt/tm/%s" % PROFILE_KIND, body, label="client-ssl profile " + desired["full_path"]
                    )
                )
            else:
                writes.append(
                    Write(
                        "PATCH",
                        object_url(PROFILE_KIND, desired["partition"], desired["name"]),
                        body,
                        label="client-ssl profile " + desired["full_path"],
                    )
                )
        before_view = _view(current, certs, keys)
        after_view = _view(
            after,
            dict(
                certs,
                **{desired["cert"]: cert_sum},
                **({desired["chain"]: checksum(material["chain"])} if desired["chain"] else {}),
            ),
            None,
            key_replaced=key_changed and keys is not None and desired["key"] in keys,
        )
        tracker.record("client-ssl profile " + desired["full_path"], before_view, after_view)

    if writes and not check_mode:
        paths = []
        try:
            for name, content in uploads:
                paths.append(client.upload(name, content))
            client.apply(writes)
        finally:
            remove_uploads(client, paths)  # the uploaded copies (one holds the private key) must not linger
    result = {
        "changed": tracker.changed or bool(writes),
        "profile": after,
        "writes": [w.summary() for w in writes],
        "diff": tracker.diff(),
        "warnings": list(material["warnings"]) if material else [],
    }
    if material:
        result["certificate"] = material["info"]
    return result


def _view(profile, certs, keys, key_replaced=False):
    """What the diff shows: names, the certificate checksums, never key material."""
    if profile is None:
        return None
    view = dict(profile)
    view["cert"] = {"name": profile["cert"], "checksum": certs.get(profile["cert"])} if profile.get("cert") else None
    view["chain"] = (
        {"name": profile["chain"], "checksum": certs.get(profile["chain"])} if profile.get("chain") else None
    )
    view["key"] = {"name": profile["key"], "replaced": key_replaced} if profile.get("key") else None
    return view
