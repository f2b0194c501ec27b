# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LTM server-ssl profiles (/mgmt/tm/ltm/profile/server-ssl): TLS from the BIG-IP to the nodes, verified.

The built-in /Common/serverssl has ``peerCertMode ignore``: it encrypts but accepts any
certificate. Verification is ``peerCertMode require`` with a ``caFile`` (a certificate file object
on the device), and optionally ``authenticateName`` (the name the node's certificate must carry)
and ``serverName`` (the SNI sent). A CA bundle given as a local file is uploaded and installed
in the same transaction as the profile change; idempotency rests on the device's SHA1 checksum.
Converged by objects.run. Private to the collection.
"""

from __future__ import annotations

import hashlib
import sys

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import objects
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import Write, object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import (
    BUILTIN_PROFILES,
    check_dns_name,
    check_reference,
    full_path,
    split_full_path,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.references import exists, outcome

KIND = "ltm/profile/server-ssl"
CERT_KIND = "sys/file/ssl-cert"
LABEL = "server-ssl profile"
RESULT = "profile"
PEM_CERT = b"-----BEGIN CERTIFICATE-----"
# The module's options besides name, partition, state and provider (see _f5/module.py).
OPTIONS = dict(
    parent=dict(type="str", default="serverssl"),
    verify=dict(type="bool", default=True),
    ca_file=dict(type="str"),
    ca_certificate=dict(type="path"),
    authenticate_name=dict(type="str"),
    server_name=dict(type="str"),
    description=dict(type="str"),
)
FIELDS = (
    ("parent", "defaultsFrom", objects.identity, objects.identity),
    ("verify", "peerCertMode", lambda verify: "require" if verify else "ignore", lambda mode: mode == "require"),
    ("ca_file", "caFile", objects.none_if_empty, objects.text_or_empty),
    ("authenticate_name", "authenticateName", objects.none_if_empty, objects.text_or_empty),
    ("server_name", "serverName", objects.none_if_empty, objects.text_or_empty),
    ("description", "description", objects.none_if_empty, objects.text_or_empty),
)
IMMUTABLE = ()
# What the device gives a new profile for unmanaged settings (the /Common/serverssl parent's values).
CREATE_DEFAULTS = {
    "parent": "/Common/serverssl",
    "verify": False,
    "ca_file": "",
    "authenticate_name": "",
    "server_name": "",
    "description": "",
}
NOT_VERIFIED = (
    "verify=false: the %s does not check the nodes' certificates, so anything on the path to the "
    "nodes can impersonate them; give a ca_file or ca_certificate and verify=true."
)


def ca_object_name(params):
    """The certificate file object for ``ca_certificate``: ``ca_file`` when given, else <profile>_ca.crt."""
    return params.get("ca_file") or "%s_ca.crt" % params["name"]


def desired(params, partition, problems):
    settings = dict((option, None) for option, _field, _to, _from in FIELDS)
    parent = params.get("parent") or "serverssl"
    if check_reference(problems, "parent", parent, partition):
        settings["parent"] = full_path(parent, partition, BUILTIN_PROFILES)
    settings["verify"] = params.get("verify")
    ca_file = params.get("ca_file")
    if params.get("ca_certificate"):
        ca_file = ca_object_name(params)
    if ca_file == "":
        settings["ca_file"] = ""
    elif ca_file is not None and check_reference(problems, "ca_file", ca_file, partition):
        settings["ca_file"] = full_path(ca_file, partition, ("ca-bundle.crt", "default.crt", "f5-ca-bundle.crt"))
    for option in ("authenticate_name", "server_name"):
        value = params.get(option)
        if value == "":
            settings[option] = ""
        elif value is not None and check_dns_name(problems, option, value, wildcard=option == "authenticate_name"):
            settings[option] = value.lower()
    description = params.get("description")
    if description is not None and any(ord(char) < 32 or ord(char) == 127 for char in description):
        problems.add("description", description, "contains control characters")
    else:
        settings["description"] = description
    if settings["verify"] and ca_file == "":
        problems.add("ca_file", ca_file, "cannot be removed while verify=true (the device verifies against it)")
    return settings


def _read_bundle(path):
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except (OSError, IOError) as error:
        raise ValidationError(
            ["ca_certificate=%r cannot be read (%s)." % (path, error.strerror or error.__class__.__name__)]
        ) from error
    if PEM_CERT not in content or b"PRIVATE KEY" in content:
        raise ValidationError(["ca_certificate=%r is not a PEM certificate bundle (CERTIFICATE blocks only)." % path])
    return content


def checksum(content):
    """The device's checksum form: SHA1:<size>:<sha1 hex>."""
    return "SHA1:%d:%s" % (len(content), hashlib.sha1(content).hexdigest())


def prepare(client, desired_object, check_mode):
    """A local CA bundle: install it as a certificate file object when the device's checksum differs.

    Returns ({"writes": [...], "records": [(label, before, after)]}, upload or None).
    """
    params = desired_object["params"]
    path = params.get("ca_certificate")
    if not path:
        return {}, None
    content = _read_bundle(path)
    partition, name = split_full_path(desired_object["settings"]["ca_file"])
    url = object_url(CERT_KIND, partition, name)
    data = client.get(url, params={"$select": "fullPath,checksum"}, missing_ok=True)
    wanted = checksum(content)
    if data and data.get("checksum") == wanted:
        return {}, None
    upload_name = "kube_edge_%s" % name
    source = "file:///var/config/rest/downloads/%s" % upload_name
    label = "CA certificate /%s/%s" % (partition, name)
    if data:
        write = Write("PATCH", url, {"sourcePath": source}, label=label)
    else:
        write = Write(
            "POST", "/mgmt/tm/" + CERT_KIND, {"name": name, "partition": partition, "sourcePath": source}, label=label
        )
    record = (label, {"checksum": data.get("checksum")} if data else None, {"checksum": wanted})

    def cleanup():
        try:  # the installed copy is the device's; the uploaded one is a temporary file
            client.request(
                "POST", "/mgmt/tm/util/unix-rm", body={"command": "run", "utilCmdArgs": source[len("file://") :]}
            )
        except Exception:  # best effort: a left-over upload is harmless and overwritten next time
            pass

    return {"writes": [write], "records": [record], "cleanup": cleanup}, lambda: client.upload(upload_name, content)


def references(client, desired, after, current, check_mode):
    """verify=true needs a CA file; a CA file or parent the change newly names must exist."""
    problems = []
    if after["verify"] and not after["ca_file"]:
        raise ValidationError(
            [
                "verify=true needs ca_file (a certificate file on the device, for example ca-bundle.crt) "
                "or ca_certificate (a local PEM bundle to install) for the %s %s." % (LABEL, after["full_path"])
            ]
        )
    for option, kind in (("parent", KIND), ("ca_file", CERT_KIND)):
        value = after[option]
        if not value or value in ("/Common/serverssl",) or (current is not None and current[option] == value):
            continue
        if option == "ca_file" and desired["params"].get("ca_certificate"):
            continue  # installed by this run, in the same transaction
        if not exists(client, kind, value):
            problems.append(
                "%s=%r: the %s %s does not exist on the device."
                % (option, value, "server-ssl profile" if option == "parent" else "certificate file", value)
            )
    return outcome(problems, check_mode)


def absent_writes(desired, current):
    """The CA file this module installed for the profile (<name>_ca.crt) goes with it."""
    if current["ca_file"] != "/%s/%s_ca.crt" % (desired["partition"], desired["name"]):
        return []
    partition, name = split_full_path(current["ca_file"])
    return [Write("DELETE", object_url(CERT_KIND, partition, name), label="CA certificate " + current["ca_file"])]


def warn(after):
    return [NOT_VERIFIED % ("%s %s" % (LABEL, after["full_path"]))] if not after["verify"] else []


def run(client, params, check_mode=False):
    return objects.run(sys.modules[__name__], client, params, check_mode)
