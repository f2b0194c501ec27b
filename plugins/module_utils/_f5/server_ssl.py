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
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.files import (
    CERT_KIND,
    checksum,
    file_write,
    remove_uploads,
    upload_name,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.references import exists, outcome
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.pem import KEY_BLOCK_TYPES, PEM_BLOCK

KIND = "ltm/profile/server-ssl"
LABEL = "server-ssl profile"
RESULT = "profile"
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
    kinds = set(kind for kind, dummy in PEM_BLOCK.findall(content))
    if b"CERTIFICATE" not in kinds or kinds.intersection(KEY_BLOCK_TYPES) or b"PRIVATE KEY" in content:
        raise ValidationError(["ca_certificate=%r is not a PEM certificate bundle (CERTIFICATE blocks only)." % path])
    return content


def prepare(client, desired_object, check_mode):
    """A local CA bundle: install it as a certificate file object when the device's checksum differs.

    Returns ({"writes": [...], "records": [(label, before, after)], "cleanup"}, upload or None), through
    the F5 upload path (``files.py``) that f5_client_ssl's files take too.
    """
    path = desired_object["params"].get("ca_certificate")
    if not path:
        return {}, None
    content = _read_bundle(path)
    ca_file = desired_object["settings"]["ca_file"]
    data = client.get(
        object_url(CERT_KIND, *split_full_path(ca_file)), params={"$select": "fullPath,checksum"}, missing_ok=True
    )
    wanted = checksum(content)
    if data and data.get("checksum") == wanted:
        return {}, None
    label = "CA certificate " + ca_file
    record = (label, {"checksum": data.get("checksum")} if data else None, {"checksum": wanted})
    uploaded = []

    def upload():
        uploaded.append(client.upload(upload_name(ca_file), content))

    def cleanup():  # the installed copy is the device's; the uploaded one is a temporary file
        remove_uploads(client, uploaded)

    return {
        "writes": [file_write(CERT_KIND, ca_file, bool(data), label)],
        "records": [record],
        "cleanup": cleanup,
    }, upload


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
