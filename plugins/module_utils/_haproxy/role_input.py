# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``haproxy`` role's input, checked and turned into the one model its templates read.

Private to the collection: may change at any time. ``check(variables, distribution)`` types every
role variable (``ROLE_VARIABLES``), then runs the cross-field checks (unique names, default cluster,
front addresses and listeners that would take another cluster's traffic, ...), and returns
``{"problems": [...], "message": "...", "warnings": [...], "config": {...}}`` (``message``: every
problem in one text, empty without problems). ``config`` is only built when there is
no problem; it holds the normalised values (``haproxy_`` prefix dropped) and what the templates
derive from them (effective per-cluster settings, TCP frontends, repository, binary), so that the
templates receive validated tokens and nothing else.
"""

from __future__ import annotations

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import Problems
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_model
from ansible_collections.kube_edge.lb.plugins.module_utils._haproxy import role_types as t

IDENTIFIER = t.Text(t.IDENTIFIER_RE, "an identifier (letters, digits, '.', '_', '-'; at most 63)")
BALANCE = t.OneOf("roundrobin", "static-rr", "leastconn", "first", "source", "random")
VERIFY = t.OneOf("required", "none")
CA_FILE = t.FilePath(at_names=("@system-ca",))

HEALTH_CHECK = t.Record(
    {
        "port": t.PORT,
        "path": t.UriPath(),
        "host": t.Address(empty=True),
        "status": t.Integer(100, 599, "an HTTP status from 100 to 599"),
        "tls": t.Boolean(),
    }
)
NODE = t.Record({"name": IDENTIFIER, "address": t.Address()}, required=("name", "address"))
CLUSTER = t.Record(
    {
        "name": IDENTIFIER,
        "nodes": t.ListOf(NODE, min_items=1),
        "hostnames": t.ListOf(t.HostName()),
        "frontend_address": t.Address(dns=False),
        "node_ports": t.ListOf(t.PortRange()),
        "verify": VERIFY,
        "ca_file": CA_FILE,
        "verify_host": t.HostName(),
        "backend_tls": t.Boolean(),
        "backend_port": t.PORT,
        "http_port": t.PORT,
        "https_port": t.PORT,
        "balance": BALANCE,
        "proxy_protocol": t.Boolean(),
        "health_check": HEALTH_CHECK,
    },
    required=("name", "nodes"),
    removed={
        "check_host": "was replaced by health_check.host (checks send no application host name by default)",
        "health_check_path": "was replaced by health_check.path",
    },
)
# The RSA certificate served beside an entry's ECDSA one for the same names (clients without ECDSA support).
RSA_CERTIFICATE = t.Record(
    {"cert": t.AnyText(), "key": t.AnyText(), "chain": t.AnyText()},
    required=("cert", "key"),
    secret=("key",),
)
CERTIFICATE = t.Record(
    {
        "name": IDENTIFIER,
        "cert": t.AnyText(),
        "key": t.AnyText(),
        "chain": t.AnyText(),
        "rsa": RSA_CERTIFICATE,
        "ca": t.AnyText(),
        "hosts": t.ListOf(t.HostName(wildcard=True)),
        "allow_self_signed": t.Boolean(),
    },
    required=("name", "cert", "key"),
    secret=("key",),
)

# Every variable of meta/argument_specs.yml, with what it is (a unit test keeps the two in step).
ROLE_VARIABLES = {
    "haproxy_install_method": t.OneOf("package", "repository", "source"),
    "haproxy_version": t.Text(r"^[0-9]{1,2}\.[0-9]{1,2}$", "a HAProxy series such as 3.2"),
    "haproxy_repository_url": t.Url(),
    "haproxy_repository_suite": t.Text(r"^[A-Za-z0-9][A-Za-z0-9._+/-]*$", "an apt suite name", empty=True),
    "haproxy_repository_components": t.ListOf(t.Text(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", "an apt component"), 1),
    "haproxy_repository_key_url": t.Url(),
    "haproxy_source_version": t.Text(
        r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,3}(?:-dev[0-9]{1,3})?$", "a HAProxy release such as 3.2.5"
    ),
    "haproxy_source_url": t.Url(),
    "haproxy_source_checksum": t.Text(r"^sha256:[0-9A-Fa-f]{64}$", "sha256:<64 hex digits>", empty=True),
    "haproxy_source_tarball": t.Text(r"^[^\x00-\x1f\x7f]+$", "a controller file path", empty=True),
    "haproxy_source_features": t.ListOf(t.Text(r"^[A-Z0-9_]{1,40}$", "a USE_* option name such as OPENSSL")),
    "haproxy_source_make_args": t.MapOf(
        t.Text(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", "a make variable name"),
        t.Text(r"^[^\x00-\x1f\x7f]*$", "a value without control characters"),
    ),
    "haproxy_source_jobs": t.Integer(0, 1024),
    "haproxy_source_build_packages": t.ListOf(t.Text(r"^[A-Za-z0-9][A-Za-z0-9.+_:-]*$", "a package name")),
    "haproxy_source_prefix": t.FilePath(),
    "haproxy_mode": t.OneOf("tcp", "http"),
    "haproxy_clusters": t.ListOf(CLUSTER),
    "haproxy_default_cluster": t.Text(t.IDENTIFIER_RE, "a cluster name", empty=True),
    "haproxy_certificates": t.ListOf(CERTIFICATE),
    "haproxy_frontend_address": t.Address(dns=False, empty=True),
    "haproxy_tcp_sni_routing": t.Boolean(),
    "haproxy_http_port": t.PORT,
    "haproxy_https_port": t.PORT,
    "haproxy_backend_http_port": t.PORT,
    "haproxy_backend_https_port": t.PORT,
    "haproxy_health_check_port": t.PORT,
    "haproxy_health_check_path": t.UriPath(),
    "haproxy_health_check_host": t.Address(empty=True),
    "haproxy_health_check_status": t.Integer(100, 599, "an HTTP status from 100 to 599"),
    "haproxy_health_check_tls": t.Boolean(),
    "haproxy_balance": BALANCE,
    "haproxy_check_interval": t.Duration(),
    "haproxy_check_fall": t.Integer(1, 100),
    "haproxy_check_rise": t.Integer(1, 100),
    "haproxy_redirect_code": t.OneOf(301, 302, 303, 307, 308),
    "haproxy_hsts_max_age": t.Integer(0, 1000000000),
    "haproxy_backend_tls": t.Boolean(),
    "haproxy_backend_verify": VERIFY,
    "haproxy_backend_ca_file": CA_FILE,
    "haproxy_http_reuse": t.OneOf("never", "safe", "aggressive", "always"),
    "haproxy_pool_purge_delay": t.Duration(),
    "haproxy_certificate_min_days_valid": t.Integer(0, 3650),
    "haproxy_certificate_allow_self_signed": t.Boolean(),
    "haproxy_proxy_protocol": t.Boolean(),
    "haproxy_ssl_ciphers": t.Text(r"^[A-Za-z0-9_:+!@=.-]+$", "an OpenSSL cipher list"),
    "haproxy_ssl_ciphersuites": t.Text(r"^[A-Za-z0-9_:]+$", "a TLS 1.3 cipher-suite list"),
    "haproxy_ssl_bind_options": t.Words(
        (
            "prefer-client-ciphers",
            "no-tls-tickets",
            "no-sslv3",
            "no-tlsv10",
            "no-tlsv11",
            "no-tlsv12",
            "no-tlsv13",
            "force-tlsv12",
            "force-tlsv13",
        ),
        takes_value=("ssl-min-ver", "ssl-max-ver"),
        values=("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
    ),
    "haproxy_ssl_curves": t.Text(
        r"^[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*$", "a curve list such as X25519:prime256v1", empty=True
    ),
    "haproxy_maxconn": t.Integer(1, 10000000),
    "haproxy_nbthread": t.Integer(0, 4096),
    "haproxy_hard_stop_after": t.Duration(),
    "haproxy_timeout_connect": t.Duration(),
    "haproxy_timeout_client": t.Duration(),
    "haproxy_timeout_server": t.Duration(),
    "haproxy_timeout_http_request": t.Duration(),
    "haproxy_timeout_http_keep_alive": t.Duration(),
    "haproxy_master_socket": t.FilePath(),
    "haproxy_reload_timeout": t.Integer(1, 3600),
    "haproxy_stats_socket": t.FilePath(),
    "haproxy_prometheus_enabled": t.Boolean(),
    "haproxy_prometheus_address": t.Address(dns=False),
    "haproxy_prometheus_port": t.PORT,
    "haproxy_global_extra": t.ListOf(t.ConfigLine()),
    "haproxy_defaults_extra": t.ListOf(t.ConfigLine()),
    "haproxy_config_path": t.FilePath(),
    "haproxy_certificate_dir": t.FilePath(),
    "haproxy_tls_tickets": t.Boolean(),
    "haproxy_tls_ticket_rotation": t.Integer(1, 8760, "a number of hours from 1 to 8760"),
    "haproxy_tls_ticket_keys_path": t.FilePath(),
}
REPOSITORY_DEFAULTS = t.Record(
    {"url": t.Url(empty=False), "suite": ROLE_VARIABLES["haproxy_repository_suite"], "key_url": t.Url(empty=False)},
    required=("url", "suite", "key_url"),
)


def _shown(value):
    """The value as a refusal shows it: long values cut, so one sentence stays one readable sentence."""
    if isinstance(value, str) and len(value) > 80:
        return value[:60] + "..."
    return value


SECRET = "<secret, not shown>"


def walk(kind, value, path, problems, secret=False):
    """``value`` normalised by ``kind``; a refusal is added to ``problems`` and gives ``None``."""
    if isinstance(kind, t.ListOf):
        if not isinstance(value, list):
            problems.add(path, _shown(value), "is not a list")
            return None
        if len(value) < kind.min_items:
            problems.add(
                path, value, "needs at least %d entr%s" % (kind.min_items, "y" if kind.min_items == 1 else "ies")
            )
        return [walk(kind.item, item, "%s[%d]" % (path, index), problems) for index, item in enumerate(value)]
    if isinstance(kind, t.Record):
        if not isinstance(value, dict):
            problems.add(path, _shown(value), "is not a dict")
            return None
        result = {}
        for key in value:
            if key in kind.removed:
                problems.add("%s.%s" % (path, key), _shown(value[key]), kind.removed[key])
            elif key not in kind.fields:
                problems.add(
                    "%s.%s" % (path, _shown(key)),
                    _shown(value[key]),
                    "is not an option here (known: %s)" % ", ".join(sorted(kind.fields)),
                )
        for name, field in kind.fields.items():
            if value.get(name) is not None:
                result[name] = walk(field, value[name], "%s.%s" % (path, name), problems, name in kind.secret)
            elif name in kind.required:
                problems.add("%s.%s" % (path, name), None, "is required")
                result[name] = None
            else:
                result[name] = None
        return result
    if isinstance(kind, t.MapOf):
        if not isinstance(value, dict):
            problems.add(path, _shown(value), "is not a dict")
            return None
        return {
            walk(kind.key, key, "%s (key)" % path, problems): walk(
                kind.value, item, "%s.%s" % (path, _shown(key)), problems
            )
            for key, item in value.items()
        }
    try:
        return kind.check(value)
    except t.Refused as refusal:
        problems.add(path, SECRET if secret else _shown(value), str(refusal))
        return None


def check(variables, distribution=None):
    """Every problem of the role's input, the warnings, and (without problems) the templates' model."""
    problems = Problems()
    values = {}
    for name, kind in ROLE_VARIABLES.items():
        if name not in variables:
            problems.add(name, None, "is not set (meta/argument_specs.yml documents it, defaults/main.yml sets it)")
            values[name] = None
        else:
            values[name] = walk(kind, variables[name], name, problems)
    repository = role_model.repository(
        values, variables.get("haproxy_repository_defaults") or {}, distribution, problems, REPOSITORY_DEFAULTS, walk
    )
    warnings = []
    # The cross-field rules read normalised values, so they run once every value is what it should be.
    clusters = []
    if not problems:
        clusters = role_model.effective_clusters(values)
        role_model.cross_checks(values, clusters, problems, warnings)
    return problems.checked_input(warnings, lambda: _model(values, clusters, repository))


def _model(values, clusters, repository):
    """The templates' model: the variables without their prefix plus what the templates derive."""
    config = {name[len("haproxy_") :]: value for name, value in values.items()}
    # The model is a fact that verbose output shows: private keys stay in the variable they came from.
    config["certificates"] = [
        dict(
            {key: item for key, item in certificate.items() if key not in ("key", "rsa")},
            rsa={"cert": certificate["rsa"]["cert"], "chain": certificate["rsa"]["chain"]}
            if certificate["rsa"]
            else None,
        )
        for certificate in values["haproxy_certificates"]
    ]
    config.update(role_model.model(values, clusters, repository))
    return config
