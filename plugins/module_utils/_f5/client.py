# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one iControl REST client shared by every F5 module (private to the collection).

One ``requests.Session`` per module run (keep-alive: one TLS handshake), token login with one
transparent re-login on 401, the token released on close, 503 / "mcpd lost" retried with backoff,
transactions, and device errors turned into one readable sentence.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote, unquote

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as import_error:  # the module reports missing_required_lib('requests')
    requests = None  # type: ignore[assignment]  # HAS_REQUESTS guards every use of the missing library
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = import_error

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError

# What the common mcpd codes mean, in words an operator can act on.
MCPD_MEANINGS = {
    "01020036": "not found",
    "01020066": "already exists",
    "0107003a": "the node IP address is already used by another node",
    "01070734": "configuration conflict",
    "01070712": "it references an object that does not exist",
    "01070110": "the node is still used by a pool member",
    "01070265": "the pool is still used by a virtual server",
    "01070621": "the profile is still used by a virtual server",
    "01071349": "the file is still used by a profile",
    "01070083": "monitor rule conflict",
}
KIND_NAMES = {
    "ltm/pool": "pool",
    "ltm/node": "node",
    "ltm/virtual": "virtual server",
    "ltm/virtual-address": "virtual address",
    "sys/file/ssl-cert": "certificate",
    "sys/file/ssl-key": "key",
    "ltm/profile/client-ssl": "client-ssl profile",
    "ltm/profile/server-ssl": "server-ssl profile",
    "ltm/profile/http": "HTTP profile",
    "ltm/monitor/http": "HTTP monitor",
}
TRANSIENT_STATUSES = (502, 503, 504)
MCPD_LOST = "connection to mcpd has been lost"


def _segment(partition, name):
    """~Partition~name, percent-encoded: ``%`` (route domains) goes as %25, and no ``#``/``?``/``/`` can cut the path."""
    return "~%s~%s" % (quote(str(partition), safe=""), quote(str(name), safe=":"))


def object_url(kind, partition, name, sub=None, sub_partition=None, sub_name=None):
    """/mgmt/tm/<kind>/~Partition~name[/<sub>/~P~subname], each name percent-encoded."""
    url = "/mgmt/tm/%s/%s" % (kind, _segment(partition, name))
    if sub:
        url += "/" + sub
        if sub_name:
            url += "/" + _segment(sub_partition or partition, sub_name)
    return url


def describe_path(path):
    """/mgmt/tm/ltm/pool/~Common~web/members/~Common~1.2.3.4:80 -> 'pool /Common/web member /Common/1.2.3.4:80'."""
    match = re.match(r"^/mgmt/tm/(.+?)/~([^/]+)(?:/(\w+)(?:/~([^/]+))?)?$", path.split("?", 1)[0])
    if not match:
        return path.split("?", 1)[0]
    kind, obj, sub, sub_obj = match.groups()
    text = "%s %s" % (KIND_NAMES.get(kind, kind.rsplit("/", 1)[-1]), "/" + unquote(obj.replace("~", "/")))
    if sub:
        text += " %s" % {"members": "member", "profiles": "profile"}.get(sub, sub)
        if sub_obj:
            text += " /" + unquote(sub_obj.replace("~", "/"))
    return text


def error_sentence(method, path, status, body, action=None):
    """One readable sentence for a refused request: what, where, the mcpd code's meaning, the device text."""
    message = None
    if isinstance(body, dict):
        message = body.get("message")
    elif body:
        message = re.sub(r"<[^>]+>", " ", str(body))
        message = " ".join(message.split())[:200]
    message = (message or "no message").strip()
    if message.startswith("transaction failed:"):
        message = message[len("transaction failed:") :].strip()
    meaning = ""
    match = re.match(r"^([0-9a-fA-F]{8}):\d+:\s*(.*)$", message)
    if match:
        code, text = match.group(1).lower(), match.group(2)
        meaning = MCPD_MEANINGS.get(code)
        message = "%s (mcpd %s%s)" % (text.rstrip("."), code, ": " + meaning if meaning else "")
    where = action or "%s %s" % (method, describe_path(path))
    return "BIG-IP refused %s: %s [HTTP %s]." % (where, message.rstrip("."), status)


class F5Client:
    """A session against one BIG-IP. Use as a context manager so the token is always released."""

    def __init__(
        self,
        server,
        user=None,
        password=None,
        server_port=443,
        validate_certs=True,
        ca_path=None,
        auth="token",
        login_provider="tmos",
        timeout=30,
        retries=3,
        backoff=1.0,
        sleep=time.sleep,
        session=None,
    ):
        if not HAS_REQUESTS:
            raise DeviceError("the Python library 'requests' is required")
        self.base = "https://%s:%s" % (server if ":" not in server else "[%s]" % server, server_port)
        self.server = server
        self.user = user
        self._password = password
        self.auth = auth
        self.login_provider = login_provider or "tmos"
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update({"Content-Type": "application/json", "Connection": "keep-alive"})
        # Passed on every request: a session-level verify loses against REQUESTS_CA_BUNDLE in the environment.
        self.verify = (ca_path or True) if validate_certs else False
        if not validate_certs:
            try:
                requests.packages.urllib3.disable_warnings()
            except AttributeError:  # a requests without the vendored urllib3 alias
                pass
        self.token = None
        self.transaction_id = None
        self.request_count = 0
        self.version = None
        if auth == "basic":
            self.session.auth = (user, password)

    # ---- lifecycle -------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def login(self):
        body = {"username": self.user, "password": self._password, "loginProviderName": self.login_provider}
        self.session.headers.pop("X-F5-Auth-Token", None)
        response = self._send("POST", "/mgmt/shared/authn/login", json_body=body, authenticate=False)
        if response.status_code != 200:
            raise DeviceError(
                error_sentence(
                    "POST",
                    "/mgmt/shared/authn/login",
                    response.status_code,
                    self._decode(response),
                    action="the login to %s as user %r" % (self.base, self.user),
                ),
                status=response.status_code,
            )
        data = self._decode(response) or {}
        token = (data.get("token") or {}).get("token")
        if not token:
            raise DeviceError("BIG-IP login to %s returned no token." % self.base)
        self.token = token
        self.session.headers["X-F5-Auth-Token"] = token

    def close(self):
        """Release the token (a BIG-IP allows 100 live tokens per user) and the connection."""
        if self.token:
            token, self.token = self.token, None
            try:
                self._send("DELETE", "/mgmt/shared/authz/tokens/%s" % token, authenticate=False, retry=False)
            except Exception:  # releasing is best effort: the token expires on its own
                pass
            self.session.headers.pop("X-F5-Auth-Token", None)
        self.session.close()

    # ---- requests --------------------------------------------------------------------------
    def _send(self, method, path, params=None, json_body=None, data=None, headers=None, authenticate=True, retry=True):
        if authenticate and self.auth == "token" and not self.token:
            self.login()
        attempts = (self.retries + 1) if retry else 1
        relogged = False
        attempt = 0
        while True:
            attempt += 1
            try:
                self.request_count += 1
                response = self.session.request(
                    method,
                    self.base + path,
                    params=params,
                    data=data if data is not None else (json.dumps(json_body) if json_body is not None else None),
                    headers=headers,
                    timeout=self.timeout,
                    verify=self.verify,
                )
            except requests.exceptions.SSLError as error:
                raise DeviceError(
                    "TLS to BIG-IP %s failed (%s); set provider.validate_certs=false or provider.ca_path for a "
                    "self-signed device." % (self.base, str(error).split("(", maxsplit=1)[0].strip() or "certificate")
                ) from error
            except requests.exceptions.RequestException as error:
                if method == "GET" and attempt < attempts:
                    self._sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                raise DeviceError("cannot reach BIG-IP %s: %s." % (self.base, error.__class__.__name__)) from error
            if response.status_code == 401 and authenticate and self.auth == "token" and not relogged:
                relogged = True  # the token expired mid-run: log in again, once
                self.login()
                attempt -= 1
                continue
            if self._transient(response) and attempt < attempts:
                self._sleep(self.backoff * (2 ** (attempt - 1)))
                continue
            self._note_version(response)
            return response

    @staticmethod
    def _transient(response):
        if response.status_code in TRANSIENT_STATUSES:
            return True
        return response.status_code == 500 and MCPD_LOST in (response.text or "")

    def _note_version(self, response):
        if self.version is None and "ver=" in (response.text or "")[:600]:
            match = re.search(r"[?&]ver=([0-9.]+)", response.text[:600])
            if match:
                self.version = match.group(1)

    @staticmethod
    def _decode(response):
        try:
            return response.json()
        except ValueError:
            return response.text

    def request(self, method, path, params=None, body=None, missing_ok=False, action=None):
        """Send one request; returns the decoded JSON (``None`` for a 404 when ``missing_ok``)."""
        headers = None
        if (
            self.transaction_id
            and method != "GET"
            and path.startswith("/mgmt/tm/")
            and not path.startswith("/mgmt/tm/transaction")
        ):
            headers = {"X-F5-REST-Coordination-Id": str(self.transaction_id)}
        response = self._send(method, path, params=params, json_body=body, headers=headers)
        if response.status_code == 404 and missing_ok:
            return None
        data = self._decode(response)
        if response.status_code >= 400:
            raise DeviceError(
                error_sentence(method, path, response.status_code, data, action),
                status=response.status_code,
                body=data if isinstance(data, dict) else None,
            )
        if not isinstance(data, (dict, list)):
            raise DeviceError(
                "BIG-IP answered %s %s with a non-JSON body (HTTP %s)."
                % (method, describe_path(path), response.status_code)
            )
        return data

    def get(self, path, params=None, missing_ok=False):
        return self.request("GET", path, params=params, missing_ok=missing_ok)

    def upload(self, file_name, content, chunk=7 * 1024 * 1024):
        """Upload bytes to /var/config/rest/downloads/<file_name> (not transactional: a temp file)."""
        total = len(content)
        start = 0
        while True:
            end = min(start + chunk, total) - 1
            headers = {
                "Content-Type": "application/octet-stream",
                "Content-Range": "%d-%d/%d" % (start, max(end, 0), total),
            }
            response = self._send(
                "POST",
                "/mgmt/shared/file-transfer/uploads/%s" % file_name,
                data=content[start : end + 1],
                headers=headers,
            )
            if response.status_code >= 400:
                raise DeviceError(
                    error_sentence(
                        "POST",
                        "upload of %s" % file_name,
                        response.status_code,
                        self._decode(response),
                        "the upload of %s" % file_name,
                    ),
                    status=response.status_code,
                )
            start = end + 1
            if start >= total:
                return "/var/config/rest/downloads/%s" % file_name

    # ---- writes ----------------------------------------------------------------------------
    def apply(self, writes):
        """Run a plan of writes: one request when it is a single write, else one transaction.

        ``writes`` is a list of ``Write``. A failed transaction leaves the device as it was.
        """
        if not writes:
            return []
        if len(writes) == 1:
            write = writes[0]
            return [self.request(write.method, write.path, body=write.body, action=write.describe())]
        transaction = self.request("POST", "/mgmt/tm/transaction", body={})
        self.transaction_id = transaction["transId"]
        trans_path = "/mgmt/tm/transaction/%s" % self.transaction_id
        committed = False
        try:
            for write in writes:
                self.request(write.method, write.path, body=write.body, action=write.describe())
            self.transaction_id = None
            action = "the transaction (%s)" % "; ".join(write.describe() for write in writes)
            result = self.request("PATCH", trans_path, body={"state": "VALIDATING"}, action=action)
            committed = True
            if isinstance(result, dict) and result.get("state") not in (None, "COMPLETED"):
                raise DeviceError(
                    "BIG-IP transaction %s ended in state %s: %s."
                    % (result.get("transId"), result.get("state"), result.get("failureReason") or "no reason given")
                )
            return [result]
        finally:
            self.transaction_id = None
            if not committed:
                try:  # discard the queue so nothing of it can be committed later
                    self._send("DELETE", trans_path, retry=False)
                except Exception:  # the device drops idle transactions on its own
                    pass


class Write:
    """One planned write: method, path, body and a readable label."""

    def __init__(self, method, path, body=None, label=None):
        self.method = method
        self.path = path
        self.body = body
        self.label = label

    def describe(self):
        verb = {
            "POST": "the creation of",
            "PATCH": "the update of",
            "PUT": "the replacement of",
            "DELETE": "the deletion of",
        }[self.method]
        return "%s %s" % (verb, self.label or describe_path(self.path))

    def summary(self):
        return "%s %s" % (self.method, self.path)

    def __repr__(self):
        return "Write(%s %s)" % (self.method, self.path)
