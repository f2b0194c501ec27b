# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one host-name rule shared by the F5 (SNI, certificate names) and HAProxy (server addresses) checks."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.hostnames import is_host_name


@pytest.mark.parametrize("name", ["example.com", "App.Example.COM", "a", "x-1.example.com", "a" * 63 + ".com"])
def test_host_names(name):
    assert is_host_name(name)


@pytest.mark.parametrize(
    "name",
    ["", "-a.com", "a-.com", "a..com", "a.com.", "a" * 64 + ".com", ("a" * 62 + ".") * 4 + "com", "192.0.2.010",
     "a.com\n", "a b.com", "a_b.com", "*.example.com", None, 7],
)
def test_not_host_names(name):
    assert not is_host_name(name)


def test_wildcard_only_when_asked():
    assert is_host_name("*.example.com", wildcard=True)
    assert not is_host_name("*.*.example.com", wildcard=True) and not is_host_name("a.*.com", wildcard=True)
