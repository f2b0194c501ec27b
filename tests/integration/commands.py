# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The integration tests' way of finding the dev venv's tools and running them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def tool(name):
    """The venv's copy of a command line tool, else the one on PATH; skips the test (with the reason) without."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        # A reason, not a silent pass: the dev venv (make setup) provides these tools.
        pytest.skip("%s is not installed (requirements/dev.txt, `make setup`)" % name)
    return found


def run(command, **kwargs):
    """Run a command; its output, or a failed assertion with the output's tail."""
    result = subprocess.run(command, check=False, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
    assert result.returncode == 0, "%s failed (%d):\n%s" % (" ".join(command), result.returncode, result.stdout[-4000:])
    return result.stdout
