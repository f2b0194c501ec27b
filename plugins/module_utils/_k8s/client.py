# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one Kubernetes API client of the collection (shared by metallb_config and ingress_tls).

Private to the collection: may change at any time. Interface (keep this docstring current):

``AUTH_ARGSPEC`` (defined in ``auth.py``)
    Argument spec entries for kubernetes.core's whole connection option set (its ``AUTH_ARG_SPEC``;
    documented by the doc fragment ``kube_edge.lb._k8s_auth``), so one ``module_defaults`` dict
    serves both collections: ``kubeconfig``, ``context``, ``host``, ``api_key`` (no_log),
    ``validate_certs`` (alias ``verify_ssl``), ``ca_cert``, ``client_cert``, ``client_key``, ``proxy``,
    ``no_proxy``, ``proxy_headers``, ``persist_config``, ``impersonate_user``, ``impersonate_groups``,
    each with the ``K8S_AUTH_*`` environment fallback that kubernetes.core uses. ``username`` and
    ``password`` are accepted only to be refused by ``from_params`` with one sentence naming them
    (``UNSUPPORTED_AUTH``). Merge it into a module's argspec with ``dict(AUTH_ARGSPEC, **own_options)``.

``KubeClient.from_params(params, check_mode=False)``
    Builds a client over the official ``kubernetes`` package's configuration and connection pool
    (kubeconfig, in-cluster config, or host + token). No discovery: every call names the
    ``api_version`` (``v1``, ``apps/v1``, ``metallb.io/v1beta1``), the ``plural`` and, for
    namespaced kinds, the ``namespace``. Every method returns plain dicts:

    - ``get(api_version, plural, name, namespace=None)`` -> dict, or None when absent (404)
    - ``list(api_version, plural, namespace=None, label_selector=None)`` -> list of dicts
    - ``create(api_version, plural, body, namespace=None)`` -> created object
    - ``replace(api_version, plural, body, namespace=None)`` -> replaced object (PUT; send the
      live ``metadata.resourceVersion`` for optimistic locking)
    - ``patch(api_version, plural, name, patch, namespace=None, patch_type='merge')`` -> object;
      patch_type is ``merge`` | ``json`` | ``strategic`` (built-in kinds only) | ``apply``
      (server-side apply; pass ``field_manager``)
    - ``delete(api_version, plural, name, namespace=None)`` -> True if deleted, False if absent

    Writes carry ``dryRun=All`` when ``check_mode`` is true, so check mode returns what the server
    would store and persists nothing. ``client.requests`` counts the HTTP requests sent (used by
    tests and benchmarks). Any refusal raises ``DeviceError`` with one readable sentence naming
    the verb, kind, namespace/name, HTTP status and the API server's own message; ``error.status``
    holds the status and ``error.reason`` the API ``reason`` (``AlreadyExists``, ``Conflict``...).

``AUTH_ARGSPEC`` and the checks of those options (``check_auth_params``) live in ``auth.py``.

Helpers: ``is_webhook_unavailable(error)`` tells a not-yet-ready admission webhook (worth
retrying) from a real denial. Objects as diffs and patches see them (``strip_noise``,
``merge_patch``) are in ``merge.py``; the kubeconfig's shape check (``check_kubeconfig``) in
``kubeconfig.py``.
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote, urlencode

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.auth import (
    IMPERSONATION_HEADERS,
    check_auth_params,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.kubeconfig import check_kubeconfig

try:
    import urllib3
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config

    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError as exc:  # the module reports it with missing_required_lib()
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = exc


PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}


class HeaderLine(str):
    """A header name equal only to itself, so one dict sends one line per value: urllib3 joins a
    repeated header with commas, and the API server would read "a, b" as one group name."""

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other


def is_webhook_unavailable(error):
    """True when the API server could not reach an admission webhook (the webhook pod is not
    ready yet: retry), as opposed to a webhook that answered and denied the request."""
    message = str(error)
    return getattr(error, "status", None) == 500 and "failed calling webhook" in message


def api_path(api_version, plural, name=None, namespace=None):
    """``/api/v1/namespaces/ns/secrets/name`` or ``/apis/group/version/...``."""
    prefix = "/api/" + api_version if "/" not in api_version else "/apis/" + api_version
    parts = [prefix]
    if namespace:
        parts.append("namespaces/" + quote(namespace, safe=""))
    parts.append(plural)
    if name:
        parts.append(quote(name, safe=""))
    return "/".join(parts)


class KubeClient:
    """Typed, discovery-free calls over the official client's configuration and connection pool."""

    def __init__(self, api_client, check_mode=False, timeout=30, headers=None):
        self.api_client = api_client
        self.headers = list(headers or [])  # (name, value) pairs sent on every request (impersonation)
        self.configuration = api_client.configuration
        self.check_mode = check_mode
        self.timeout = timeout
        self.requests = 0

    @property
    def request_count(self):
        """The F5 client's name for the same count, so ``execute`` reads one attribute for every API."""
        return self.requests

    @classmethod
    def from_params(cls, params, check_mode=False):
        if not HAS_KUBERNETES:
            raise KubeEdgeError('The Python library "kubernetes" is required: %s' % KUBERNETES_IMPORT_ERROR)
        check_auth_params(params)
        configuration = k8s_client.Configuration()
        kubeconfig = params.get("kubeconfig")
        host = params.get("host")
        try:
            if kubeconfig or params.get("context") or not host:
                default = os.path.expanduser("~/.kube/config")
                if kubeconfig or os.path.exists(default):
                    check_kubeconfig(kubeconfig or default)
                if kubeconfig or os.path.exists(default) or not _in_cluster():
                    k8s_config.load_kube_config(
                        config_file=kubeconfig,
                        context=params.get("context"),
                        client_configuration=configuration,
                        persist_config=bool(params.get("persist_config")),
                    )
                else:
                    k8s_config.load_incluster_config(client_configuration=configuration)
        except KubeEdgeError:
            raise
        except Exception as exc:  # the loaders raise ConfigException, IOError, yaml errors...
            raise KubeEdgeError(
                "Cannot load the Kubernetes client configuration (kubeconfig=%r, context=%r): %s"
                % (kubeconfig, params.get("context"), exc)
            ) from exc
        if host:
            configuration.host = host
        if params.get("api_key"):
            configuration.api_key = {"authorization": "Bearer " + params["api_key"]}
        if params.get("validate_certs") is not None:
            configuration.verify_ssl = params["validate_certs"]
        for option, attribute in (
            ("ca_cert", "ssl_ca_cert"),
            ("client_cert", "cert_file"),
            ("client_key", "key_file"),
            ("proxy", "proxy"),
            ("no_proxy", "no_proxy"),
        ):
            if params.get(option):
                setattr(configuration, attribute, params[option])
        proxy_headers = {key: value for key, value in (params.get("proxy_headers") or {}).items() if value}
        if proxy_headers:
            configuration.proxy_headers = urllib3.util.make_headers(**proxy_headers)
        headers = []
        for option, header in IMPERSONATION_HEADERS:
            value = params.get(option)
            # One header line per group: the API server reads each line as one group.
            headers.extend((header, item) for item in ([value] if isinstance(value, str) else value or []) if item)
        return cls(k8s_client.ApiClient(configuration), check_mode=check_mode, headers=headers)

    # -- transport -------------------------------------------------------------------------------

    def request(self, method, path, body=None, query=None, content_type="application/json", what=None):
        """One HTTP request; returns (status, parsed JSON body). Raises DeviceError on >= 400."""
        query = [(key, value) for key, value in (query or []) if value is not None]
        url = self.configuration.host.rstrip("/") + path
        if query:
            url += "?" + urlencode(query)
        headers = {"Accept": "application/json", "User-Agent": "kube_edge.lb"}
        if body is not None:
            headers["Content-Type"] = content_type
        auth = self.configuration.auth_settings().get("BearerToken")
        if auth and auth.get("value"):
            headers["Authorization"] = auth["value"]
        for name, value in self.headers:
            headers[HeaderLine(name)] = value
        payload = None if body is None else json.dumps(body).encode("utf-8")
        self.requests += 1
        try:
            response = self.api_client.rest_client.pool_manager.request(
                method, url, body=payload, headers=headers, timeout=self.timeout, retries=False
            )
        except Exception as exc:  # urllib3 connection, TLS and timeout errors
            raise DeviceError(
                "Cannot reach the Kubernetes API at %s (%s %s): %s" % (self.configuration.host, method, path, exc)
            ) from exc
        data = response.data or b""
        try:
            parsed = json.loads(data.decode("utf-8")) if data else None
        except ValueError:
            parsed = None
        if response.status >= 400:
            raise self._error(method, what or path, response.status, parsed, data)
        return response.status, parsed

    @staticmethod
    def _error(method, what, status, parsed, raw):
        verb = {"GET": "read", "POST": "create", "PUT": "replace", "PATCH": "patch", "DELETE": "delete"}.get(
            method, method
        )
        if isinstance(parsed, dict) and parsed.get("message"):
            detail = parsed["message"]
        else:
            detail = raw.decode("utf-8", "replace").strip()[:300] or "no details"
        error = DeviceError(
            "The Kubernetes API refused to %s %s: HTTP %s: %s" % (verb, what, status, detail),
            status=status,
            body=parsed,
        )
        error.reason = parsed.get("reason") if isinstance(parsed, dict) else None
        return error

    def _write_query(self, extra=None):
        query = list(extra or [])
        if self.check_mode:
            query.append(("dryRun", "All"))
        return query

    @staticmethod
    def _what(plural, name, namespace, body=None):
        kind = (body or {}).get("kind") or plural
        return "%s %s" % (kind, "%s/%s" % (namespace, name) if namespace else name)

    # -- verbs -----------------------------------------------------------------------------------

    def get(self, api_version, plural, name, namespace=None):
        try:
            return self.request(
                "GET", api_path(api_version, plural, name, namespace), what=self._what(plural, name, namespace)
            )[1]
        except DeviceError as error:
            if error.status == 404:
                return None
            raise

    def list(self, api_version, plural, namespace=None, label_selector=None):
        what = "%s in %s" % (plural, "namespace %s" % namespace if namespace else "all namespaces")
        data = self.request(
            "GET",
            api_path(api_version, plural, None, namespace),
            query=[("labelSelector", label_selector)],
            what="the list of " + what,
        )[1]
        items = (data or {}).get("items") or []
        kind = (data or {}).get("kind", "")
        for item in items:  # list items come without apiVersion/kind; make them whole objects
            item.setdefault("apiVersion", api_version)
            if kind.endswith("List"):
                item.setdefault("kind", kind[:-4])
        return items

    def create(self, api_version, plural, body, namespace=None):
        name = body.get("metadata", {}).get("name")
        return self.request(
            "POST",
            api_path(api_version, plural, None, namespace),
            body=body,
            query=self._write_query(),
            what=self._what(plural, name, namespace, body),
        )[1]

    def replace(self, api_version, plural, body, namespace=None):
        name = body["metadata"]["name"]
        return self.request(
            "PUT",
            api_path(api_version, plural, name, namespace),
            body=body,
            query=self._write_query(),
            what=self._what(plural, name, namespace, body),
        )[1]

    def patch(
        self, api_version, plural, name, patch, namespace=None, patch_type="merge", field_manager=None, force=None
    ):
        extra = [("fieldManager", field_manager)]
        if force is not None:
            extra.append(("force", "true" if force else "false"))
        return self.request(
            "PATCH",
            api_path(api_version, plural, name, namespace),
            body=patch,
            query=self._write_query(extra),
            content_type=PATCH_CONTENT_TYPES[patch_type],
            what=self._what(plural, name, namespace, patch if isinstance(patch, dict) else None),
        )[1]

    def delete(self, api_version, plural, name, namespace=None):
        try:
            self.request(
                "DELETE",
                api_path(api_version, plural, name, namespace),
                query=self._write_query(),
                what=self._what(plural, name, namespace),
            )
        except DeviceError as error:
            if error.status == 404:
                return False
            raise
        return True


def _in_cluster():
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and os.path.exists(
        "/var/run/secrets/kubernetes.io/serviceaccount/token"
    )
