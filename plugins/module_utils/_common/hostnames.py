# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a DNS host name is, once for every area (an SNI name, a certificate name, a server address).

Private to the collection. Kubernetes object names follow the API server's own rules instead
(``_k8s/ingress_objects.py``), and BIG-IP object names the device's (``_f5/common.py``).
"""

from __future__ import annotations

import re

DNS_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# The last label is not all digits (RFC 1123 2.1), so that 192.0.2.010 is never read as a host name.
HOST_NAME_RE = re.compile(r"(?=.{1,253}$)(?:%s\.)*(?![0-9]+$)%s" % (DNS_LABEL, DNS_LABEL))


def is_host_name(value, wildcard=False):
    """A DNS host name (RFC 1123 labels, any case); ``*.example.com`` only when ``wildcard``."""
    if not isinstance(value, str):
        return False
    if wildcard and value.startswith("*."):
        value = value[2:]
    return bool(HOST_NAME_RE.fullmatch(value.lower()))
