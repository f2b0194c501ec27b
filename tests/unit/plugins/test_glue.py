# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Adding an option to a module touches its area, its documentation and its tests, never the glue.

The module files' code (everything but DOCUMENTATION/EXAMPLES/RETURN) and the controller action
plugins name their API and area and nothing else: no option name appears in them, and the action
plugins only bind ``api`` and ``area`` (``module_utils/_common/module.py`` does the rest).
"""

from __future__ import annotations

import ast
import os

import pytest
import yaml

PLUGINS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins")
DOC_NAMES = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def sources(kind):
    folder = os.path.join(PLUGINS, kind)
    return sorted(name[:-3] for name in os.listdir(folder) if name.endswith(".py") and not name.startswith("_"))


def parse(kind, name):
    with open(os.path.join(PLUGINS, kind, name + ".py")) as handle:
        return ast.parse(handle.read())


def option_names(options):
    for name, option in (options or {}).items():
        yield name
        yield from option.get("aliases") or ()
        yield from option_names(option.get("suboptions"))


def documented_options(tree):
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return set(option_names(yaml.safe_load(node.value.value).get("options")))
    raise AssertionError("no DOCUMENTATION")


def code_words(tree):
    """Every string constant, name and attribute of the code outside the documentation strings.

    Imported names are left out: the area module of ingress_tls is ``ingress``, as is one of its options.
    """
    imported = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    for word in _code_words(tree):
        if word not in imported:
            yield word


def _code_words(tree):
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in DOC_NAMES:
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        for inner in ast.walk(node):
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                yield inner.value
            elif isinstance(inner, ast.Name):
                yield inner.id
            elif isinstance(inner, ast.Attribute):
                yield inner.attr
            elif isinstance(inner, ast.keyword) and inner.arg:
                yield inner.arg


# Words the glue legitimately uses that some module also has as an option name.
GLUE_WORDS = {"main", "module", "api", "area", "annotations", "__name__", "__main__", "ActionModule"}


@pytest.mark.parametrize("name", sources("modules"))
def test_module_file_code_names_no_option(name):
    tree = parse("modules", name)
    options = documented_options(tree)
    assert options, "%s documents no options" % name
    leaked = options.intersection(code_words(tree)) - GLUE_WORDS
    assert not leaked, "%s's code names options %s: they belong in its area (module_utils)" % (name, sorted(leaked))


@pytest.mark.parametrize("name", [name for name in sources("action") if name in sources("modules")])
def test_action_plugin_binds_api_and_area_only(name):
    tree = parse("action", name)
    options = documented_options(parse("modules", name))
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert [node.name for node in classes] == ["ActionModule"]
    statements = [node for node in classes[0].body if not isinstance(node, ast.Expr)]
    assert len(statements) == 1 and isinstance(statements[0], ast.Assign), "only `api, area = API, area`"
    assert [target.id for target in statements[0].targets[0].elts] == ["api", "area"]
    leaked = options.intersection(code_words(tree)) - GLUE_WORDS
    assert not leaked, "%s names options %s" % (name, sorted(leaked))
