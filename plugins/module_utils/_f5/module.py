# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Glue between AnsibleModule and the F5 logic: the provider argspec and the run/exit plumbing.

Private to the collection. The logic itself (pool.py, virtual.py, ssl.py) never imports Ansible.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import client as client_lib

PROVIDER_OPTIONS = dict(
    server=dict(type="str", fallback=(env_fallback, ["F5_SERVER"])),
    server_port=dict(type="int", default=443, fallback=(env_fallback, ["F5_SERVER_PORT"])),
    user=dict(type="str", default="admin", fallback=(env_fallback, ["F5_USER"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["F5_PASSWORD"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["F5_VALIDATE_CERTS"])),
    ca_path=dict(type="path"),
    auth=dict(type="str", default="token", choices=["token", "basic"]),
    login_provider=dict(type="str", default="tmos"),
    timeout=dict(type="int", default=30),
)


def provider_argument_spec():
    return dict(provider=dict(type="dict", options=PROVIDER_OPTIONS, apply_defaults=True))


def client_from_provider(provider, **kwargs):
    provider = provider or {}
    problems = []
    if not provider.get("server"):
        problems.append("provider.server is required (or set F5_SERVER).")
    if not provider.get("password"):
        problems.append("provider.password is required (or set F5_PASSWORD).")
    port = provider.get("server_port") or 443
    if not 1 <= port <= 65535:
        problems.append("provider.server_port=%r must be a port number between 1 and 65535." % port)
    if problems:
        from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
        raise ValidationError(problems)
    return client_lib.F5Client(
        server=provider["server"], server_port=port, user=provider.get("user") or "admin",
        password=provider["password"], validate_certs=provider.get("validate_certs", True),
        ca_path=provider.get("ca_path"), auth=provider.get("auth") or "token",
        login_provider=provider.get("login_provider"), timeout=provider.get("timeout") or 30, **kwargs)


def run_module(module, run):
    """Build the client, run ``run(client, params, check_mode)``, always release the token, exit."""
    if not client_lib.HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(client_lib.REQUESTS_IMPORT_ERROR))
    client = None
    try:
        client = client_from_provider(module.params.get("provider"))
        with client:
            result = run(client, module.params, module.check_mode)
    except KubeEdgeError as error:
        extra = {}
        if client is not None:
            extra["requests"] = client.request_count
        status = getattr(error, "status", None)
        if status:
            extra["status"] = status
        module.fail_json(msg=str(error), **extra)
    except Exception as error:  # a bug of ours: still one sentence, the traceback goes to -vvv
        module.fail_json(msg="unexpected error: %s: %s" % (error.__class__.__name__, error), exception=traceback.format_exc())
    diff = result.pop("diff", None)
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if module._diff and diff is not None:
        result["diff"] = diff
    result["requests"] = client.request_count
    module.exit_json(**result)
