# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""f5_monitor_http logic: send spelling, checks, create / no-op / change / delete against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._f5 import monitor_http, objects, pool
from ansible_collections.kube_edge.lb.tests.unit.plugins.module_utils._f5.f5_helpers import members, monitor_params, pool_params


def converge(emulator, check_mode=False, **params):
    with emulator.client() as client:
        result = monitor_http.run(client, monitor_params(**params), check_mode)
    result["requests"] = client.request_count
    return result


def test_line_breaks_compare_equal_in_either_spelling():
    escaped = objects.desired_object(monitor_http, monitor_params())["settings"]["send"]
    real = objects.desired_object(monitor_http, monitor_params(send="GET /healthz HTTP/1.0\r\n\r\n"))["settings"]["send"]
    assert escaped == real == "GET /healthz HTTP/1.0\\r\\n\\r\\n"


@pytest.mark.parametrize("value,expected", [
    (dict(address=None, port=80), "*:80"), (dict(address="10.0.0.1", port=8080), "10.0.0.1:8080"),
    (dict(address="2001:db8::1", port=80), "2001:db8::1.80"), (dict(address=None, port=0), "*:*"),
    (dict(address=None, port=None), None),
])
def test_destination_spelling(value, expected):
    assert objects.desired_object(monitor_http, monitor_params(**value))["settings"]["destination"] == expected


def test_bad_input_reported_at_once():
    with pytest.raises(ValidationError) as excinfo:
        objects.desired_object(monitor_http, monitor_params(
            name="..", send="GET /healthz HTTP/1.1\\r\\n\\r\\n", receive="200\x07", address="10.0.0.300", port=70000,
            interval=20, timeout=16))
    text = str(excinfo.value)
    assert len(excinfo.value.problems) == 6, text
    for expected in ("name='..'", "send='GET /healthz HTTP/1.1\\\\r\\\\n\\\\r\\\\n' uses HTTP/1.1 without a Host header",
                     "receive='200\\x07' contains control characters", "address='10.0.0.300'", "port=70000",
                     "interval=20 must be less than timeout=16"):
        assert expected in text


@pytest.mark.parametrize("send", ["healthz", "GET /a\x00 HTTP/1.0", "GET /healthz HTTP/1.0\\r\\nX: y\x1b"])
def test_send_that_is_no_request_is_refused(send):
    with pytest.raises(ValidationError, match="^send="):
        objects.desired_object(monitor_http, monitor_params(send=send))


def test_create_noop_change_and_delete(emulator):
    created = converge(emulator)
    assert created["writes"] == ["POST /mgmt/tm/ltm/monitor/http"] and created["requests"] == 4
    status, body = emulator.get("/mgmt/tm/ltm/monitor/http/~Common~healthz_80")
    assert body["send"] == "GET /healthz HTTP/1.0\\r\\n\\r\\n" and body["destination"] == "*:80"
    assert body["defaultsFrom"] == "/Common/http" and body["recv"] == "^HTTP/1\\.[01] 200"
    noop = converge(emulator)
    assert not noop["changed"] and noop["requests"] == 3 and noop["monitor"] == created["monitor"]
    changed = converge(emulator, interval=10, timeout=31, receive="")
    assert changed["writes"] == ["PATCH /mgmt/tm/ltm/monitor/http/~Common~healthz_80"]
    before = changed["diff"]["before"]["HTTP monitor /Common/healthz_80"]
    after = changed["diff"]["after"]["HTTP monitor /Common/healthz_80"]
    assert (before["interval"], after["interval"], before["receive"], after["receive"]) == (5, 10, "^HTTP/1\\.[01] 200", "")
    assert "recv" not in emulator.get("/mgmt/tm/ltm/monitor/http/~Common~healthz_80")[1]
    assert not converge(emulator, interval=10, timeout=31, receive="")["changed"]
    assert converge(emulator, state="absent")["changed"]
    assert not converge(emulator, state="absent")["changed"]


def test_check_mode_predicts_and_writes_nothing(emulator):
    before = emulator.state()
    predicted = converge(emulator, check_mode=True)
    assert predicted["changed"] and emulator.state() == before
    assert converge(emulator)["monitor"] == predicted["monitor"]


def test_interval_checked_against_the_device_timeout(emulator):
    converge(emulator)
    with pytest.raises(ValidationError, match="interval=20 must be less than timeout=16"):
        converge(emulator, interval=20, timeout=None)


def test_parent_cannot_change_and_must_exist(emulator):
    converge(emulator)
    with pytest.raises(ValidationError, match="does not change after creation"):
        converge(emulator, parent="http_head_f5")
    with pytest.raises(ValidationError, match="the HTTP monitor /Common/nosuch does not exist"):
        converge(emulator, name="other", parent="nosuch")
    assert "does not exist" in converge(emulator, check_mode=True, name="other", parent="nosuch")["warnings"][0]


def test_in_use_monitor_is_not_deleted(emulator):
    converge(emulator)
    with emulator.client() as client:
        pool.run(client, pool_params(monitors=["healthz_80"], members=members(2)))
    with pytest.raises(DeviceError, match="the deletion of HTTP monitor /Common/healthz_80"):
        converge(emulator, state="absent")
