# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError


def test_single_problem_is_one_sentence():
    problems = Problems()
    problems.add("members[0].port", 70000, "must be between 1 and 65535")
    with pytest.raises(ValidationError) as error:
        problems.raise_if_any()
    assert str(error.value) == "members[0].port=70000 must be between 1 and 65535."


def test_all_problems_are_reported_at_once():
    problems = Problems()
    problems.add("port", 0, "must be between 1 and 65535.")
    problems.add_message("pool 'web' does not exist.")
    with pytest.raises(ValidationError) as error:
        problems.raise_if_any()
    assert error.value.problems == ["port=0 must be between 1 and 65535.", "pool 'web' does not exist."]
    assert str(error.value).startswith("2 problems found: (1) port=0")


def test_no_problem_raises_nothing():
    problems = Problems()
    assert not problems
    problems.raise_if_any()
