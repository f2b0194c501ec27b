# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Kubernetes connection options (kubernetes.core's set) and the checks made before any request.

Private to the collection. ``AUTH_ARGSPEC`` is merged into every Kubernetes module's spec and
documented by the doc fragment ``kube_edge.lb._k8s_auth``; ``check_auth_params(params)`` raises one
sentence for an option this client cannot honour or a value a header line cannot carry.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError

AUTH_ARGSPEC = dict(
    kubeconfig=dict(type="path", fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG"])),
    context=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_CONTEXT"])),
    host=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_HOST"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_API_KEY"])),
    validate_certs=dict(type="bool", aliases=["verify_ssl"], fallback=(env_fallback, ["K8S_AUTH_VERIFY_SSL"])),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"], fallback=(env_fallback, ["K8S_AUTH_SSL_CA_CERT"])),
    client_cert=dict(type="path", aliases=["cert_file"], fallback=(env_fallback, ["K8S_AUTH_CERT_FILE"])),
    client_key=dict(type="path", aliases=["key_file"], no_log=False, fallback=(env_fallback, ["K8S_AUTH_KEY_FILE"])),
    proxy=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_PROXY"])),
    no_proxy=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_NO_PROXY"])),
    proxy_headers=dict(
        type="dict",
        apply_defaults=True,  # the K8S_AUTH_PROXY_HEADERS_* fallbacks apply without the dict, as in kubernetes.core
        options=dict(
            proxy_basic_auth=dict(
                type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_PROXY_HEADERS_PROXY_BASIC_AUTH"])
            ),
            basic_auth=dict(type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_PROXY_HEADERS_BASIC_AUTH"])),
            user_agent=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_PROXY_HEADERS_USER_AGENT"])),
        ),
    ),
    persist_config=dict(type="bool", fallback=(env_fallback, ["K8S_AUTH_PERSIST_CONFIG"])),
    impersonate_user=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_IMPERSONATE_USER"])),
    impersonate_groups=dict(type="list", elements="str", fallback=(env_fallback, ["K8S_AUTH_IMPERSONATE_GROUPS"])),
    # Accepted so that a module_defaults dict shared with kubernetes.core validates; refused by
    # from_params. No environment fallback: only an explicit value is refused.
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
)

# Options of kubernetes.core's set that this client cannot honour, and why (one sentence each).
UNSUPPORTED_AUTH = {
    "username": "HTTP basic authentication",
    "password": "HTTP basic authentication",
}
UNSUPPORTED_AUTH_REASON = (
    "Kubernetes API servers no longer accept basic authentication (removed in 1.19) and the "
    "kubernetes client does not send it; use api_key, client_cert and client_key, or a kubeconfig"
)

IMPERSONATION_HEADERS = (("impersonate_user", "Impersonate-User"), ("impersonate_groups", "Impersonate-Group"))
# Options whose values travel in HTTP header lines (the bearer token, impersonation, proxy headers),
# and whether they are secrets (never echoed in a refusal).
HEADER_OPTIONS = (
    ("api_key", True),
    ("impersonate_user", False),
    ("impersonate_groups", False),
    ("proxy_headers.proxy_basic_auth", True),
    ("proxy_headers.basic_auth", True),
    ("proxy_headers.user_agent", False),
)


def _header_safe(value):
    """A header line carries Latin-1 text without control characters (http.client encodes it so)."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return not any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)


def check_auth_params(params):
    """One sentence naming the first connection option this client cannot honour, before any request."""
    for option, what in UNSUPPORTED_AUTH.items():
        if params.get(option) is not None:
            raise KubeEdgeError(
                "%s is not supported by kube_edge.lb (%s): %s." % (option, what, UNSUPPORTED_AUTH_REASON)
            )
    for option, secret in HEADER_OPTIONS:
        parent, dummy, child = option.rpartition(".")
        value = (params.get(parent) or {}).get(child) if parent else params.get(option)
        for item in [value] if isinstance(value, str) else value or []:
            if not _header_safe(item):
                raise KubeEdgeError(
                    "%s%s is sent in an HTTP header line, which takes only Latin-1 text without control "
                    "characters (no line breaks)." % (option, "" if secret else "=%r" % item)
                )
    kubeconfig = params.get("kubeconfig")
    if kubeconfig and not os.path.exists(kubeconfig):
        if "{'" in kubeconfig or '{"' in kubeconfig:  # a dict the path type turned into its repr (not echoed: secrets)
            raise KubeEdgeError(
                "kubeconfig must be the path of a kubeconfig file: a kubeconfig given as a dictionary "
                "(kubernetes.core accepts one) is not supported; write it to a file (a Vault-encrypted "
                "file works) and give its path."
            )
        if os.pathsep in kubeconfig:
            raise KubeEdgeError(
                "kubeconfig=%r names several files separated by %r: kube_edge.lb reads one kubeconfig "
                "file; merge them (kubectl config view --flatten) and give that file." % (kubeconfig, os.pathsep)
            )
