# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The F5 BIG-IP connection option shared by every F5 module (private to the collection)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  provider:
    description:
      - How to reach and log in to the BIG-IP iControl REST API.
      - Set it once for all F5 modules with C(module_defaults) and C(group/kube_edge.lb.f5).
      - Each module run uses one HTTPS connection (keep-alive), logs in once, logs in again once
        if the token expires mid-run, always releases its token, and retries C(503) and
        "connection to mcpd has been lost" answers with backoff.
    type: dict
    suboptions:
      server:
        description:
          - Host name or IP address of the BIG-IP management interface.
          - Can also be set with the E(F5_SERVER) environment variable.
          - Required (here or in the environment).
        type: str
      server_port:
        description:
          - HTTPS port of the management interface.
          - Can also be set with the E(F5_SERVER_PORT) environment variable.
        type: int
        default: 443
      user:
        description:
          - User name to log in with.
          - Can also be set with the E(F5_USER) environment variable.
        type: str
        default: admin
      password:
        description:
          - Password of O(provider.user).
          - Can also be set with the E(F5_PASSWORD) environment variable.
          - Required (here or in the environment).
        type: str
      validate_certs:
        description:
          - Whether to verify the management interface's TLS certificate.
          - Can also be set with the E(F5_VALIDATE_CERTS) environment variable.
        type: bool
        default: true
      ca_path:
        description:
          - A CA bundle to verify the management interface's certificate with.
        type: path
      auth:
        description:
          - C(token) logs in once per module run (C(POST /mgmt/shared/authn/login)) and releases
            the token at the end; needed for remote (RADIUS, LDAP, TACACS) users.
          - C(basic) sends the credentials on every request and saves the login and logout
            requests; local accounts only.
        type: str
        choices: [token, basic]
        default: token
      login_provider:
        description:
          - The login provider for token authentication, for example C(tmos) or the name of a
            remote authentication provider.
        type: str
        default: tmos
      timeout:
        description:
          - Seconds to wait for each answer of the device.
        type: int
        default: 30
"""
