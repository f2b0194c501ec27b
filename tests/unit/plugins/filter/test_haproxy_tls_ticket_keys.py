# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.kube_edge.lb.plugins.filter.haproxy_tls_ticket_keys import haproxy_tls_ticket_keys


def test_filter_gives_the_sentence_and_no_content_for_a_bad_file():
    result = haproxy_tls_ticket_keys("YWJj\n", rotation_hours=12, age_seconds=5, path="k")
    assert result["content"] == "" and result["problem"].startswith("k line 1 holds a 3-byte key")
    assert len(haproxy_tls_ticket_keys("", rotation_hours=12)["content"].splitlines()) == 3
    with pytest.raises(AnsibleFilterError, match="must be numbers"):
        haproxy_tls_ticket_keys("", rotation_hours="soon")
