# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate, chain and key files plus the client-ssl profile that uses them.

Idempotency rests on the device's SHA1 ``checksum`` of each file. A certificate and key that a
profile uses are replaced together in one transaction. The key is never put in a result, a diff
or a message: only names and the certificate's fingerprints are. Private to the collection.
"""

from __future__ import annotations

import hashlib

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    HAS_CRYPTOGRAPHY = True
except ImportError:  # reported as missing_required_lib('cryptography') before the login
    HAS_CRYPTOGRAPHY = False

from ansible_collections.kube_edge.lb.plugins.module_utils._common.diff import ChangeTracker
from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import Write, object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import check_name, full_path, split_full_path

CERT_KIND = "sys/file/ssl-cert"
KEY_KIND = "sys/file/ssl-key"
PROFILE_KIND = "ltm/profile/client-ssl"
# The module's options besides name, partition, state and provider (see _f5/module.py).
OPTIONS = dict(
    certificate=dict(type="path"),
    private_key=dict(type="path", no_log=False),
    private_key_passphrase=dict(type="str", no_log=True),
    chain=dict(type="path"),
    cert_key_name=dict(type="str", no_log=False),
    parent=dict(type="str", default="clientssl"),
    ciphers=dict(type="str"),
    server_name=dict(type="str"),
)
REQUIRED_IF = [("state", "present", ("certificate", "private_key"))]
LIBRARIES = [("cryptography", HAS_CRYPTOGRAPHY)]


def checksum(content):
    """The device's checksum form: SHA1:<size>:<sha1 hex>."""
    return "SHA1:%d:%s" % (len(content), hashlib.sha1(content).hexdigest())


def _read(problems, field, path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, IOError, TypeError) as error:
        problems.add(field, path, "cannot be read (%s)" % (getattr(error, "strerror", None) or error.__class__.__name__))
        return None


def _public_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_material(params):
    """Read and check the local files (all problems at once). The key bytes stay in this dict only."""
    if not HAS_CRYPTOGRAPHY:
        raise ValidationError(["the Python library 'cryptography' is required to check certificates and keys."])
    problems = Problems()
    cert_bytes = _read(problems, "certificate", params.get("certificate"))
    key_bytes = _read(problems, "private_key", params.get("private_key"))
    chain_bytes = _read(problems, "chain", params["chain"]) if params.get("chain") else None
    cert = key = None
    if cert_bytes is not None:
        try:
            cert = x509.load_pem_x509_certificate(cert_bytes)
        except ValueError:
            problems.add("certificate", params["certificate"], "is not a PEM certificate")
    if key_bytes is not None:
        passphrase = params.get("private_key_passphrase")
        try:
            key = load_pem_private_key(key_bytes, password=passphrase.encode() if passphrase else None)
        except TypeError:
            problems.add("private_key", params["private_key"], "is encrypted; set private_key_passphrase")
        except ValueError:
            problems.add("private_key", params["private_key"], "is not a PEM private key (or the passphrase is wrong)")
    if chain_bytes is not None:
        try:
            if not x509.load_pem_x509_certificates(chain_bytes):
                raise ValueError("empty")
        except ValueError:
            problems.add("chain", params["chain"], "is not a PEM certificate bundle")
    if cert is not None and key is not None and _public_der(cert.public_key()) != _public_der(key.public_key()):
        problems.add("private_key", params["private_key"], "does not belong to certificate=%r (the public keys differ)" % params["certificate"])
    problems.raise_if_any()
    expires = cert.not_valid_after_utc if hasattr(cert, "not_valid_after_utc") else cert.not_valid_after
    return {
        "cert": cert_bytes, "key": key_bytes, "chain": chain_bytes,
        "info": {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
                 "not_after": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "sha256_fingerprint": cert.fingerprint(hashes.SHA256()).hex(),
                 "checksum": checksum(cert_bytes)},
    }


def desired_profile(params):
    problems = Problems()
    for field in ("name", "partition"):
        check_name(problems, field, params.get(field))
    base = params.get("cert_key_name") or params.get("name")
    check_name(problems, "cert_key_name", base)
    problems.raise_if_any()
    partition = params.get("partition") or "Common"
    return {
        "name": params["name"], "partition": partition, "full_path": "/%s/%s" % (partition, params["name"]),
        "state": params.get("state") or "present",
        "parent": full_path(params.get("parent") or "clientssl", partition, ("clientssl",)),
        "cert": "/%s/%s.crt" % (partition, base), "key": "/%s/%s.key" % (partition, base),
        "chain": "/%s/%s-chain.crt" % (partition, base) if params.get("chain") else None,
        "chain_path": "/%s/%s-chain.crt" % (partition, base),
        "ciphers": params.get("ciphers"), "server_name": params.get("server_name"),
    }


def normalise_profile(data):
    if data is None:
        return None
    chain = (data.get("certKeyChain") or [{}])[0]
    return {
        "name": data["name"], "partition": data.get("partition", "Common"), "full_path": data.get("fullPath"),
        "parent": data.get("defaultsFrom") if data.get("defaultsFrom") not in (None, "none") else None,
        "cert": chain.get("cert") or data.get("cert"), "key": chain.get("key") or data.get("key"),
        "chain": (chain.get("chain") or data.get("chain")) if (chain.get("chain") or data.get("chain")) not in (None, "none") else None,
        "ciphers": data.get("ciphers"), "server_name": data.get("serverName") if data.get("serverName") != "none" else None,
    }


def _files(client, kind, partition):
    data = client.get("/mgmt/tm/%s" % kind, params={"$select": "fullPath,checksum", "$filter": "partition eq %s" % partition})
    return dict((item["fullPath"], item.get("checksum")) for item in (data or {}).get("items") or [])


def _file_write(kind, path, exists, source, label):
    partition, name = split_full_path(path)
    if exists:
        return Write("PATCH", object_url(kind, partition, name), {"sourcePath": source}, label=label)
    return Write("POST", "/mgmt/tm/%s" % kind, {"name": name, "partition": partition, "sourcePath": source}, label=label)


def _upload_name(path):
    return "kube_edge_" + split_full_path(path)[1]


def run(client, params, check_mode=False):
    desired = desired_profile(params)
    material = load_material(params) if desired["state"] == "present" else None
    profile_data = client.get(object_url(PROFILE_KIND, desired["partition"], desired["name"]), missing_ok=True)
    current = normalise_profile(profile_data)
    certs = _files(client, CERT_KIND, desired["partition"])
    tracker = ChangeTracker()
    writes, uploads = [], []

    if desired["state"] == "absent":
        if current:
            writes.append(Write("DELETE", object_url(PROFILE_KIND, desired["partition"], desired["name"]), label="client-ssl profile " + desired["full_path"]))
        keys = _files(client, KEY_KIND, desired["partition"]) if (desired["cert"] in certs) else {}
        for kind, path, present in ((CERT_KIND, desired["cert"], desired["cert"] in certs), (KEY_KIND, desired["key"], desired["key"] in keys),
                                    (CERT_KIND, desired["chain_path"], desired["chain_path"] in certs)):
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
        for changed, kind, path, content in ((cert_changed, CERT_KIND, desired["cert"], material["cert"]),
                                             (key_changed, KEY_KIND, desired["key"], material["key"]),
                                             (chain_changed, CERT_KIND, desired["chain"], material["chain"])):
            if changed:
                exists = path in (keys or {}) if kind == KEY_KIND else path in certs
                uploads.append((_upload_name(path), content))
                writes.append(_file_write(kind, path, exists, "file:///var/config/rest/downloads/%s" % _upload_name(path), path))
        after = dict(current or {"name": desired["name"], "partition": desired["partition"], "full_path": desired["full_path"],
                                 "ciphers": None, "server_name": None})
        after.update(parent=desired["parent"], cert=desired["cert"], key=desired["key"], chain=desired["chain"])
        for key in ("ciphers", "server_name"):
            if desired[key] is not None:
                after[key] = desired[key]
        if after != current:
            body = {"defaultsFrom": after["parent"],
                    "certKeyChain": [{"name": split_full_path(desired["cert"])[1][:-4], "cert": after["cert"], "key": after["key"],
                                      "chain": after["chain"] or "none"}]}
            if desired["ciphers"] is not None:
                body["ciphers"] = desired["ciphers"]
            if desired["server_name"] is not None:
                body["serverName"] = desired["server_name"]
            if current is None:
                body.update(name=desired["name"], partition=desired["partition"])
                writes.append(Write("POST", "/mgmt/tm/%s" % PROFILE_KIND, body, label="client-ssl profile " + desired["full_path"]))
            else:
                writes.append(Write("PATCH", object_url(PROFILE_KIND, desired["partition"], desired["name"]), body,
                                    label="client-ssl profile " + desired["full_path"]))
        before_view = _view(current, certs, keys)
        after_view = _view(after, dict(certs, **{desired["cert"]: cert_sum}, **({desired["chain"]: checksum(material["chain"])} if desired["chain"] else {})),
                           None, key_replaced=key_changed and keys is not None and desired["key"] in keys)
        tracker.record("client-ssl profile " + desired["full_path"], before_view, after_view)

    if writes and not check_mode:
        paths = []
        try:
            for name, content in uploads:
                paths.append(client.upload(name, content))
            client.apply(writes)
        finally:
            for path in paths:  # the uploaded copies (one holds the private key) must not linger
                try:
                    client.request("POST", "/mgmt/tm/util/unix-rm", body={"command": "run", "utilCmdArgs": path})
                except Exception:  # best effort; the writes above already succeeded or failed on their own
                    pass
    result = {"changed": tracker.changed or bool(writes), "profile": after, "writes": [w.summary() for w in writes], "diff": tracker.diff(), "warnings": []}
    if material:
        result["certificate"] = material["info"]
    return result


def _view(profile, certs, keys, key_replaced=False):
    """What the diff shows: names, the certificate checksums, never key material."""
    if profile is None:
        return None
    view = dict(profile)
    view["cert"] = {"name": profile["cert"], "checksum": certs.get(profile["cert"])} if profile.get("cert") else None
    view["chain"] = {"name": profile["chain"], "checksum": certs.get(profile["chain"])} if profile.get("chain") else None
    view["key"] = {"name": profile["key"], "replaced": key_replaced} if profile.get("key") else None
    return view
