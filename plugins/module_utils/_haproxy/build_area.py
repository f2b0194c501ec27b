# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The haproxy_build area (``_common/module.py``'s contract): its options, its client and ``run()``.

Private to the collection. The client is the target host (``build.Host``): commands through the
module's ``run_command``, downloads with Ansible's URL helper. The build itself is ``build.py``.
"""

from __future__ import annotations

import os

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import build

OPTIONS = dict(
    version=dict(type="str", required=True),
    src=dict(type="str"),
    checksum=dict(type="str"),
    prefix=dict(type="path", default="/usr/local"),
    features=dict(type="list", elements="str"),
    make_args=dict(type="dict", default={}),
    jobs=dict(type="int"),
    build_dir=dict(type="path", default="/var/tmp"),
    force=dict(type="bool", default=False),
)


def make_client(params, check_mode, module=None):
    """The target host; ``build.download_with_ansible`` is looked up now, so tests can replace it."""

    def run_command(argv, cwd=None):
        return module.run_command(argv, cwd=cwd, handle_exceptions=False)

    return build.Host(run_command if module is not None else None, download=build.download_with_ansible)


def run(host, params, check_mode=False):
    return build.run(params, host, check_mode, cpu_count=os.cpu_count())
