# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The F5 API (``F5``) as every F5 area shares it: name/partition/state, the provider, the client.

Private to the collection. The module files (``F5.run_module(pool)``) and the controller action
plugins (``plugins/action/f5_*.py``) run an area through ``_common/module.py``'s ``execute``; the
areas themselves (pool.py, virtual.py, ssl.py...) never import Ansible.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import Api, exit_module
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


def argument_spec(area):
    """The full spec of one F5 module: the object's name, partition and state, the area's options, the provider.

    An area that acts on the whole device rather than on one object (``ha.py``) sets ``DEVICE_WIDE = True``
    and has no name, partition or state.
    """
    spec = {}
    if not getattr(area, "DEVICE_WIDE", False):
        spec.update(
            name=dict(type="str", required=True),
            partition=dict(type="str", default="Common"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        )
    spec.update(area.OPTIONS)
    spec.update(provider_argument_spec())
    return spec


def client_from_provider(provider, **kwargs):
    provider = provider or {}
    problems = []
    if not provider.get("server"):
        problems.append("provider.server is required (or set F5_SERVER).")
    if not provider.get("password"):
        problems.append("provider.password is required (or set F5_PASSWORD).")
    port = provider.get("server_port") or 443
    # Ansible's int check lets a bool through (True == 1); requests refuses a bool timeout with a ValueError.
    if isinstance(port, bool) or not 1 <= port <= 65535:
        problems.append("provider.server_port=%r must be a port number between 1 and 65535." % port)
    timeout = provider.get("timeout")
    if timeout is None:
        timeout = 30
    elif isinstance(timeout, bool) or not 1 <= timeout <= 86400:
        problems.append("provider.timeout=%r must be a number of seconds between 1 and 86400." % timeout)
    ca_path = provider.get("ca_path")
    if ca_path and provider.get("validate_certs", True) and not os.path.exists(ca_path):
        problems.append(
            "provider.ca_path=%r does not exist: name a CA bundle file or a directory of CA certificates." % ca_path
        )
    if problems:
        raise ValidationError(problems)
    return client_lib.F5Client(
        server=provider["server"],
        server_port=port,
        user=provider.get("user") or "admin",
        password=provider["password"],
        validate_certs=provider.get("validate_certs", True),
        ca_path=provider.get("ca_path"),
        auth=provider.get("auth") or "token",
        login_provider=provider.get("login_provider"),
        timeout=timeout,
        **kwargs,
    )


def _make_client(params, check_mode, module=None):
    return client_from_provider(params.get("provider"))


F5 = Api(
    "F5 BIG-IP iControl REST",
    argument_spec=argument_spec,
    make_client=_make_client,
    libraries=[("requests", client_lib.HAS_REQUESTS)],
)

# The names the module files, action plugins and tests have always imported (_common/module.py has the path).
spec_kwargs = F5.spec_kwargs
execute = F5.execute


def run_module(module, area):
    """The module-process path: execute with the module's params and exit through AnsibleModule."""
    exit_module(module, execute(area, module.params, module.check_mode, module._diff))
