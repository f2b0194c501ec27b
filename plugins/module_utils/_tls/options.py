# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one set of certificate options (documented by the ``kube_edge.lb._tls`` doc fragment) and the
step from those options to a checked bundle, shared by ingress_tls, haproxy_certificate and
f5_client_ssl.

Private to the collection: may change at any time. No Ansible import: the dicts below are plain
argument-spec entries that each module merges into its own spec.
"""

from __future__ import annotations

import os
import re

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems, ValidationError
from ansible_collections.kube_edge.lb.plugins.module_utils._tls.bundle import (
    DEFAULT_MIN_DAYS_VALID,
    DEFAULT_MIN_RSA_BITS,
    check_bundle,
)

# Each material option comes as content or as ``<name>_path`` (a file where the module runs).
MATERIAL = ("certificate", "private_key", "chain", "ca")
# Old spellings kept working (ingress_tls: cert, key, *_path, key_passphrase; haproxy_certificate: key_passphrase).
OPTIONS = dict(
    certificate=dict(type="str", aliases=["cert"]),
    certificate_path=dict(type="path", aliases=["cert_path"]),
    private_key=dict(type="str", no_log=True, aliases=["key"]),
    private_key_path=dict(type="path", no_log=False, aliases=["key_path"]),
    private_key_passphrase=dict(type="str", no_log=True, aliases=["key_passphrase"]),
    chain=dict(type="str"),
    chain_path=dict(type="path"),
    ca=dict(type="str"),
    ca_path=dict(type="path"),
    reorder_chain=dict(type="bool", default=False),
    allow_self_signed=dict(type="bool", default=False),
    min_days_valid=dict(type="int", default=DEFAULT_MIN_DAYS_VALID),
    min_rsa_bits=dict(type="int", default=DEFAULT_MIN_RSA_BITS),
)
MUTUALLY_EXCLUSIVE = [(name, name + "_path") for name in MATERIAL]
SMALLEST_RSA_BITS = 2048  # min_rsa_bits may raise the bar, never lower it below this
MAX_MIN_DAYS_VALID = 3650
PATH_LIKE = re.compile(r"^[\w.~/+-]{1,1024}$")


def _looks_like_a_file(value):
    """A one-line value without a PEM header that names an existing file: a path given as content."""
    return (
        bool(value) and "-----BEGIN" not in value and "\n" not in value and len(value) < 4096 and os.path.isfile(value)
    )


def _looks_like_a_path(value):
    """One line with a dot, dash or tilde (never in base64 DER) and slashes or a file suffix: a path that
    is not here (relative to somewhere else, or on another host)."""
    return (
        bool(PATH_LIKE.match(value))
        and any(char in value for char in ".-~")
        and ("/" in value or value.lower().endswith((".pem", ".crt", ".cer", ".key", ".der")))
    )


def _encodable(value):
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeError:
        return False
    return True


def _read(field, path, problems):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, IOError, ValueError) as error:  # ValueError: a NUL byte in the path
        problems.add(field, path, "cannot be read (%s)" % (getattr(error, "strerror", None) or "not a usable path"))
        return None


class Material:
    """The certificate options resolved to bytes, with the label each message should use."""

    def __init__(self):
        self.values = dict((name, None) for name in MATERIAL)
        self.labels = {}
        self.warnings = []
        self.passphrase = None

    def __getitem__(self, name):
        return self.values[name]


def read_material(params, problems, paths_as_content_deprecated=False):
    """Resolve ``<name>``/``<name>_path`` for each material option; problems go to ``problems``.

    ``paths_as_content_deprecated`` (f5_client_ssl, whose certificate/private_key/chain were file paths
    before the first release): a one-line value naming an existing file is read as that file, with a warning.
    """
    material = Material()
    for option in ("private_key_passphrase",) + tuple(name + suffix for name in MATERIAL for suffix in ("", "_path")):
        if not _encodable(params.get(option)):
            problems.add_message("%s holds text that is not valid Unicode (an unpaired surrogate)." % option)
            params = dict(params, **{option: None})
    for name in MATERIAL:
        path = params.get(name + "_path")
        value = params.get(name)
        if path and value:  # the argument specs say so too; this holds wherever params come from
            problems.add_message("give %s or %s_path, not both." % (name, name))
        if path:
            material.values[name] = _read(name + "_path", path, problems)
            material.labels[name] = "%s_path=%r" % (name, path)
        elif isinstance(value, str) and _looks_like_a_file(value):
            if paths_as_content_deprecated:
                material.values[name] = _read(name, value, problems)
                material.labels[name] = "%s=%r" % (name, value)
                material.warnings.append(
                    "%s=%r is a file path; give it as %s_path (a path in %s is deprecated and "
                    "will be read as PEM content in 1.0.0)." % (name, value, name, name)
                )
            else:
                problems.add(name, value, "names a file; give the file as %s_path and content as %s" % (name, name))
        elif isinstance(value, str) and _looks_like_a_path(value):
            problems.add(
                name, value, "looks like a file path, but is no file here and no PEM; give files as %s_path" % name
            )
        elif value is not None:
            material.values[name] = value
    material.passphrase = params.get("private_key_passphrase")
    return material


def check_settings(params, problems):
    """The numeric options, validated for what they are."""
    bits = params.get("min_rsa_bits", DEFAULT_MIN_RSA_BITS)
    if bits is not None and not SMALLEST_RSA_BITS <= bits <= 16384:
        problems.add("min_rsa_bits", bits, "must be between %d and 16384" % SMALLEST_RSA_BITS)
    days = params.get("min_days_valid", DEFAULT_MIN_DAYS_VALID)
    if days is not None and not 0 <= days <= MAX_MIN_DAYS_VALID:
        problems.add("min_days_valid", days, "must be between 0 and %d" % MAX_MIN_DAYS_VALID)


def require_pair(material, problems, why="state=present"):
    for name in ("certificate", "private_key"):
        if material[name] is None and name not in material.labels:
            problems.add_message("%s needs %s (or %s_path)." % (why, name, name))


def check(params, material, hosts=(), now=None, **overrides):
    """``check_bundle`` over the resolved material and the module's settings; raises ValidationError."""
    days = params.get("min_days_valid", DEFAULT_MIN_DAYS_VALID)
    if days is not None and not 0 <= days <= MAX_MIN_DAYS_VALID:
        days = DEFAULT_MIN_DAYS_VALID  # already reported by check_settings; check the rest meanwhile
    options = dict(
        chain=material["chain"],
        ca=material["ca"],
        private_key_passphrase=material.passphrase,
        hosts=hosts,
        min_days_valid=days,
        min_rsa_bits=params.get("min_rsa_bits", DEFAULT_MIN_RSA_BITS),
        allow_self_signed=params.get("allow_self_signed", False),
        reorder_chain=params.get("reorder_chain", False),
        now=now,
        labels=material.labels,
    )
    options.update(overrides)
    return check_bundle(material["certificate"], material["private_key"], **options)


def prepare(params, hosts=(), now=None, paths_as_content_deprecated=False):
    """Read, validate and check in one step, every problem at once: ``(bundle, material)``."""
    problems = Problems()
    check_settings(params, problems)
    material = read_material(params, problems, paths_as_content_deprecated)
    require_pair(material, problems)
    bundle = None
    if material["certificate"] is not None and material["private_key"] is not None:
        try:
            bundle = check(params, material, hosts=hosts, now=now)
        except ValidationError as error:
            problems.messages.extend(error.problems)
    problems.raise_if_any()
    return bundle, material
