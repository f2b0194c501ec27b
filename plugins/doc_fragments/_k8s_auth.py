# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kubernetes connection options shared by metallb_config and ingress_tls (private to the collection).

The same option names, aliases and environment variables as kubernetes.core's k8s_auth_options, so one
``module_defaults`` dict serves both collections (``_k8s/auth.py`` AUTH_ARGSPEC)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file.
      - When neither O(kubeconfig) nor O(host) is given, C(~/.kube/config) is used, or the
        in-cluster service account when the module runs inside a pod.
      - Can also be set with the E(K8S_AUTH_KUBECONFIG) environment variable.
      - Unlike M(kubernetes.core.k8s), one file only (no list separated by V(:)) and no kubeconfig
        given as a dictionary; both are refused with a message saying so.
    type: path
  context:
    description:
      - The kubeconfig context to use instead of its current context.
      - Can also be set with the E(K8S_AUTH_CONTEXT) environment variable.
    type: str
  host:
    description:
      - URL of the Kubernetes API server, for example C(https://k8s.example.com:6443).
      - Overrides the server of the kubeconfig context.
      - Can also be set with the E(K8S_AUTH_HOST) environment variable.
    type: str
  api_key:
    description:
      - Bearer token used to authenticate to the API server.
      - Can also be set with the E(K8S_AUTH_API_KEY) environment variable.
    type: str
  validate_certs:
    description:
      - Whether to verify the API server's TLS certificate.
      - When unset, the kubeconfig decides (verification is on unless it says C(insecure-skip-tls-verify)).
      - Can also be set with the E(K8S_AUTH_VERIFY_SSL) environment variable.
    type: bool
    aliases: [verify_ssl]
  ca_cert:
    description:
      - Path to a CA bundle used to verify the API server's certificate.
      - Can also be set with the E(K8S_AUTH_SSL_CA_CERT) environment variable.
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description:
      - Path to a client certificate for TLS client authentication.
      - Can also be set with the E(K8S_AUTH_CERT_FILE) environment variable.
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Path to the private key of O(client_cert).
      - Can also be set with the E(K8S_AUTH_KEY_FILE) environment variable.
    type: path
    aliases: [key_file]
  proxy:
    description:
      - HTTP proxy URL used to reach the API server.
      - Can also be set with the E(K8S_AUTH_PROXY) environment variable.
      - Proxy settings of the environment (E(HTTPS_PROXY)) are not used.
    type: str
  no_proxy:
    description:
      - Comma-separated hosts, domains, IP addresses and CIDR networks reached without O(proxy),
        for example V(localhost,.example.com,10.0.0.0/8).
      - Can also be set with the E(K8S_AUTH_NO_PROXY) environment variable.
    type: str
  proxy_headers:
    description:
      - Headers sent to O(proxy).
    type: dict
    suboptions:
      proxy_basic_auth:
        description:
          - V(username:password) for the proxy's basic authentication (C(Proxy-Authorization) header).
          - Can also be set with the E(K8S_AUTH_PROXY_HEADERS_PROXY_BASIC_AUTH) environment variable.
        type: str
      basic_auth:
        description:
          - V(username:password) sent to the proxy as an C(Authorization) header.
          - Can also be set with the E(K8S_AUTH_PROXY_HEADERS_BASIC_AUTH) environment variable.
        type: str
      user_agent:
        description:
          - C(User-Agent) header sent to the proxy.
          - Can also be set with the E(K8S_AUTH_PROXY_HEADERS_USER_AGENT) environment variable.
        type: str
  persist_config:
    description:
      - Whether the kubernetes client writes refreshed credentials (OIDC refresh tokens, for example)
        back to O(kubeconfig). Off by default.
      - A Vault-encrypted kubeconfig is read from a temporary decrypted copy; nothing is written back
        to the encrypted file.
      - Can also be set with the E(K8S_AUTH_PERSIST_CONFIG) environment variable.
    type: bool
  impersonate_user:
    description:
      - User to act as (C(Impersonate-User) header); the authenticated account needs the
        C(impersonate) verb on C(users).
      - Can also be set with the E(K8S_AUTH_IMPERSONATE_USER) environment variable.
    type: str
  impersonate_groups:
    description:
      - Groups to act as (one C(Impersonate-Group) header each); requires C(impersonate) on C(groups).
      - Can also be set with the E(K8S_AUTH_IMPERSONATE_GROUPS) environment variable (comma-separated).
    type: list
    elements: str
  username:
    description:
      - Accepted so that a C(module_defaults) dict shared with kubernetes.core validates, and refused
        when set, because Kubernetes API servers no longer accept HTTP basic authentication.
        Use O(api_key), O(client_cert) and O(client_key), or a kubeconfig.
    type: str
  password:
    description:
      - Refused when set, like O(username).
    type: str
requirements:
  - kubernetes (the official Python client) on the host that runs the module
notes:
  - The module calls the API directly with the kind's known API version and plural, without
    discovery requests.
"""
