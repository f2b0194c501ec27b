# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Error types shared by every area.

Private to the collection: may change at any time. Modules catch ``KubeEdgeError`` in ``main()``
and turn it into ``fail_json(msg=str(error))``, so the message must be one readable sentence
(or several, one per problem) and must never contain secret material.
"""

from __future__ import annotations


class KubeEdgeError(Exception):
    """Base of every error the collection raises on purpose."""


class ValidationError(KubeEdgeError):
    """Bad input, found before anything was written. Carries every problem found, not just the first."""

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(self._render())

    def _render(self):
        if len(self.problems) == 1:
            return self.problems[0]
        return "%d problems found: %s" % (
            len(self.problems),
            " ".join("(%d) %s" % (index, problem) for index, problem in enumerate(self.problems, 1)),
        )


class Problems:
    """Collects validation problems so that all of them are reported at once.

    >>> problems = Problems()
    >>> problems.add("port", 0, "must be between 1 and 65535")
    >>> problems.raise_if_any()
    """

    def __init__(self):
        self.messages = []

    def add(self, field, value, reason):
        """Record that ``field`` (a dotted path such as ``members[2].port``) holding ``value`` is wrong."""
        self.messages.append("%s=%r %s." % (field, value, reason.rstrip(".")))

    def add_message(self, message):
        self.messages.append(message)

    def extend(self, other):
        self.messages.extend(other.messages)

    def __bool__(self):
        return bool(self.messages)

    def raise_if_any(self):
        if self.messages:
            raise ValidationError(self.messages)

    def checked_input(self, warnings, model):
        """What a role's input check returns: every problem, the warnings, and the model only when
        there is no problem (the role templates nothing from a refused input)."""
        return {
            "problems": self.messages,
            "message": str(ValidationError(self.messages)) if self.messages else "",
            "warnings": warnings,
            "config": {} if self.messages else model(),
        }


class DeviceError(KubeEdgeError):
    """The device or API refused a request; the message says what, where and why."""

    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body
