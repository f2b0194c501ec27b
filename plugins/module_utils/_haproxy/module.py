# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The target host as the HAProxy areas' API (``HOST``): their options only, no shared client.

Private to the collection. The module files (``HOST.run_module(build_area)``) run an area
(``build_area.py``, ``reload.py``) through ``_common/module.py``'s ``execute``, like the F5 and
Kubernetes modules; an area that needs a client makes its own (``build_area.make_client``). Nothing
here counts requests: these modules send none.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.module import Api


def argument_spec(area):
    return dict(area.OPTIONS)


def no_client(params, check_mode, module=None):
    return None


HOST = Api("the target host", argument_spec=argument_spec, make_client=no_client, counts_requests=False)
