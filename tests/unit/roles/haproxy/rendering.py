# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The haproxy role's input check and templates, run the way the role runs them.

``role_variables(**overrides)`` is defaults/main.yml plus the overrides; ``check()`` is what the
kube_edge.lb.haproxy_role_input filter returns in tasks/validate.yml; ``render()`` renders a template
of the role with Jinja2 as Ansible's template module does (trim_blocks) from the checked model only.
"""

from __future__ import annotations

import copy
import os

import jinja2
import yaml

from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_input

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "haproxy")
# What vars/main.yml's haproxy_repository_defaults gives on Debian bookworm with haproxy_version 3.2.
REPOSITORY_DEFAULTS = {"Debian": {"url": "http://haproxy.debian.net", "suite": "bookworm-backports-3.2",
                                  "key_url": "https://haproxy.debian.net/haproxy-archive-keyring.gpg"}}
TEMPLATES = ("haproxy.cfg.j2", "haproxy-override.conf.j2", "haproxy.service.j2", "haproxy.sources.j2",
             "haproxy.pref.j2")

with open(os.path.join(ROLE, "defaults", "main.yml")) as _handle:
    DEFAULTS = yaml.safe_load(_handle)
with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as _handle:
    ARGUMENT_SPECS = yaml.safe_load(_handle)["argument_specs"]["main"]["options"]
ENVIRONMENT = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROLE, "templates")), trim_blocks=True,
                                 undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)

# The chapter's two clusters, expressed once.
CHAPTER_CLUSTERS = [
    {"name": "rke-cluster-npd", "hostnames": ["dev.example.com", "qas.example.com"],
     "nodes": [{"name": "node01", "address": "192.168.1.101"}, {"name": "node02", "address": "192.168.1.102"},
               {"name": "node03", "address": "192.168.1.103"}]},
    {"name": "rke-cluster-prd", "hostnames": ["example.com", "www.example.com"],
     "nodes": [{"name": "node04", "address": "192.168.1.104"}, {"name": "node05", "address": "192.168.1.105"},
               {"name": "node06", "address": "192.168.1.106"}]},
]


def role_variables(**overrides):
    variables = copy.deepcopy(DEFAULTS)
    variables["haproxy_repository_defaults"] = copy.deepcopy(REPOSITORY_DEFAULTS)
    variables.update(copy.deepcopy(overrides))
    return variables


def check(variables, distribution="Debian"):
    return role_input.check(variables, distribution=distribution)


def render(config, template="haproxy.cfg.j2"):
    return ENVIRONMENT.get_template(template).render(haproxy_validated=config, ansible_managed="managed")


def render_role(template="haproxy.cfg.j2", **overrides):
    """The rendered template for defaults + overrides, which must pass the input check."""
    result = check(role_variables(**overrides))
    assert result["problems"] == [], result["message"]
    return render(result["config"], template)
