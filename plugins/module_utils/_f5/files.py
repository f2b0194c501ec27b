# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate and key files on the BIG-IP (sys/file/ssl-cert, sys/file/ssl-key), installed from uploads.

Private to the collection. The one upload path of every F5 area that installs a file (f5_client_ssl's
certificate, key and chain, f5_server_ssl's CA bundle): compare with the device's checksum, upload
to the device's download folder, create or update the file object from it (inside the area's
transaction), and remove the uploaded copy afterwards.
"""

from __future__ import annotations

import hashlib

from ansible_collections.kube_edge.lb.plugins.module_utils._f5.client import Write, object_url
from ansible_collections.kube_edge.lb.plugins.module_utils._f5.common import split_full_path

CERT_KIND = "sys/file/ssl-cert"
KEY_KIND = "sys/file/ssl-key"
DOWNLOADS = "/var/config/rest/downloads/"


def checksum(content):
    """The device's checksum form: SHA1:<size>:<sha1 hex>."""
    return "SHA1:%d:%s" % (len(content), hashlib.sha1(content).hexdigest())


def upload_name(path):
    """The name the content of the file object ``path`` is uploaded as."""
    return "kube_edge_" + split_full_path(path)[1]


def file_write(kind, path, exists, label):
    """The write that makes the file object ``path`` of ``kind`` from its upload (``upload_name``)."""
    partition, name = split_full_path(path)
    source = "file://" + DOWNLOADS + upload_name(path)
    if exists:
        return Write("PATCH", object_url(kind, partition, name), {"sourcePath": source}, label=label)
    return Write(
        "POST", "/mgmt/tm/%s" % kind, {"name": name, "partition": partition, "sourcePath": source}, label=label
    )


def remove_uploads(client, paths):
    """Remove uploaded copies (one may hold a private key); best effort, the writes succeeded or failed already."""
    for path in paths:
        try:
            client.request("POST", "/mgmt/tm/util/unix-rm", body={"command": "run", "utilCmdArgs": path})
        except Exception:  # a left-over upload is overwritten by the next one
            pass
