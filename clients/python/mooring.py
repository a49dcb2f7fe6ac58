"""Mooring client for Python, standard library only (Python >= 3.8).

One module to copy next to a script: API-key authentication, device status through the balena v7
OData API, environment variables, RFC 9421 request signing (HMAC-SHA256, docs/signatures.md), the
event feed and stream (docs/events.md), and Standard Webhooks verification.

    import mooring
    client = mooring.Client("http://127.0.0.1:8080", api_key=os.environ["MOORING_API_KEY"])
    for device in client.fleet_status("admin/thermostats"):
        print(device["uuid"], "online" if device["is_online"] else device["api_heartbeat_state"])

Errors from the server are `MooringError` with the HTTP status and, on Mooring's own endpoints, the
stable error code. Nothing here logs or prints a credential.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import http.client
import json
import os
import re
import time
import urllib.parse
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "Client",
    "MooringError",
    "SigningKey",
    "SseEvent",
    "WebhookVerificationError",
    "content_digest",
    "decode_secret",
    "odata_query",
    "odata_string",
    "parse_sse",
    "sign_request",
    "sign_webhook",
    "verify_webhook",
]

__version__ = "0.1.0"

USER_AGENT = "mooring-python/" + __version__

# Device fields read for a status. `mooring_last_heartbeat_at` is Mooring's addition to the balena
# device (docs/devices.md): the time of the device's last poll, the true "last seen".
STATUS_FIELDS = ("id", "uuid", "device_name", "is_online", "api_heartbeat_state", "mooring_last_heartbeat_at")

JsonValue = Any
QueryValue = Union[str, int, Sequence[str], None]


class MooringError(Exception):
    """A refused or failed request.

    status: the HTTP status (0 when the server could not be reached).
    code: Mooring's stable error code (`unauthorized`, `not_found`, ...) when the answer carried one.
    retry_after: seconds to wait before retrying a 429 or 503, when the server said.
    """

    def __init__(
        self,
        message: str,
        status: int = 0,
        code: Optional[str] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


# --------------------------------------------------------------------------------------------------
# OData queries


def odata_string(value: str) -> str:
    """An OData string literal: quoted, with every ' doubled (`O'Brien` -> `'O''Brien'`)."""
    if not isinstance(value, str):
        raise TypeError("odata_string takes a str")
    return "'" + value.replace("'", "''") + "'"


def odata_query(options: Mapping[str, QueryValue]) -> str:
    """The query string (without `?`) for OData options such as `$filter`, `$select`, `$top`.

    Names keep their `$`; values are percent-encoded with `urllib.parse.quote`, so spaces, quotes,
    `&`, `#` and `+` in a `$filter` reach the server intact. A list value is joined with commas
    (`$select=["uuid", "is_online"]`). `None` values are left out.

    >>> odata_query({"$filter": "device_name eq 'O''Brien & co'", "$top": 5})
    '$filter=device_name%20eq%20%27O%27%27Brien%20%26%20co%27&$top=5'
    """
    parts = []
    for name, value in options.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(value)
        # `,` `(` `)` `/` `$` `:` are safe in a query value and keep $select/$expand readable in logs.
        encoded = urllib.parse.quote(str(value), safe=",()/$:")
        parts.append(urllib.parse.quote(name, safe="$") + "=" + encoded)
    return "&".join(parts)


# --------------------------------------------------------------------------------------------------
# RFC 9421 request signing (docs/signatures.md)


def decode_secret(secret: str) -> bytes:
    """The bytes of a signing secret as Mooring returns it: base64url without padding.

    Python's `base64.urlsafe_b64decode` refuses unpadded input, so the padding is added first.
    Standard base64 (`+`, `/`, padded) is accepted too. Raises ValueError for anything else.
    """
    text = secret.strip().replace("-", "+").replace("_", "/").rstrip("=")
    try:
        # validate=True: a stray character is an error, not silently skipped as by default.
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("the signing secret is not base64url") from error


def content_digest(body: bytes) -> str:
    """The RFC 9530 `Content-Digest` value for a body: `sha-256=:<base64>:`."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


class SigningKey:
    """An HMAC-SHA256 signing key: the key's public id (`keyId`) and its secret (`signing.secret`)."""

    def __init__(self, key_id: str, secret: Union[str, bytes]) -> None:
        self.key_id = key_id
        self._secret = decode_secret(secret) if isinstance(secret, str) else bytes(secret)
        if len(self._secret) < 32:
            raise ValueError("an hmac-sha256 signing secret has at least 32 bytes")

    def __repr__(self) -> str:  # never the secret
        return "SigningKey(key_id=%r)" % self.key_id

    def sign(self, base: bytes) -> bytes:
        return hmac.new(self._secret, base, hashlib.sha256).digest()


def _authority(url: urllib.parse.SplitResult) -> str:
    host = (url.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = "[" + host + "]"
    default = 443 if url.scheme == "https" else 80
    return host if url.port in (None, default) else "%s:%d" % (host, url.port)


def sign_request(
    method: str,
    url: str,
    key: SigningKey,
    body: Optional[bytes] = None,
    created: Optional[int] = None,
    nonce: Optional[str] = None,
    label: str = "sig1",
) -> Dict[str, str]:
    """Headers that sign a request under Mooring's RFC 9421 profile.

    `url` is the exact URL that will be sent (path and query not re-encoded afterwards). Covers
    `@method`, `@authority`, `@path`, `@query` when there is a query, and `content-digest` when
    there is a body; parameters `created`, `keyid`, `alg`, `nonce` (16 random bytes). Returns
    `signature-input`, `signature` and, with a body, `content-digest`. Sign every attempt anew:
    a nonce is accepted once.
    """
    parts = urllib.parse.urlsplit(url)
    values = {
        "@method": method.upper(),
        "@authority": _authority(parts),
        "@path": parts.path or "/",
        "@query": "?" + parts.query if parts.query else "",
    }
    components = ["@method", "@authority", "@path"]
    if parts.query:
        components.append("@query")
    headers: Dict[str, str] = {}
    if body is not None:
        headers["content-digest"] = values["content-digest"] = content_digest(body)
        components.append("content-digest")
    if created is None:
        created = int(time.time())
    if nonce is None:
        nonce = base64.urlsafe_b64encode(os.urandom(16)).decode("ascii").rstrip("=")
    params = '(%s);created=%d;keyid="%s";alg="hmac-sha256";nonce="%s"' % (
        " ".join('"%s"' % c for c in components),
        created,
        key.key_id,
        nonce,
    )
    lines = ['"%s": %s' % (c, values[c]) for c in components]
    lines.append('"@signature-params": ' + params)
    signature = key.sign("\n".join(lines).encode("utf-8"))
    headers["signature-input"] = "%s=%s" % (label, params)
    headers["signature"] = "%s=:%s:" % (label, base64.b64encode(signature).decode("ascii"))
    return headers


# --------------------------------------------------------------------------------------------------
# Standard Webhooks (https://www.standardwebhooks.com)


class WebhookVerificationError(Exception):
    """The webhook is not authentic, or too old or too new to be accepted."""


def _webhook_secret(secret: Union[str, bytes]) -> bytes:
    if isinstance(secret, bytes):
        return secret
    text = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("a webhook secret is whsec_ followed by base64") from error


def sign_webhook(secret: Union[str, bytes], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value (`v1,<base64>`) for a message: HMAC-SHA256 of `id.timestamp.body`."""
    signed = ("%s.%d." % (msg_id, timestamp)).encode("utf-8") + body
    digest = hmac.new(_webhook_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_webhook(
    secret: Union[str, bytes],
    headers: Mapping[str, str],
    body: Union[bytes, str],
    tolerance_seconds: int = 300,
    now: Optional[float] = None,
) -> JsonValue:
    """Checks a Standard Webhooks delivery and returns its JSON payload.

    `headers` needs `webhook-id`, `webhook-timestamp` and `webhook-signature` (any letter case).
    `body` must be the raw bytes received, before any JSON parsing. Accepts the message when one of
    the space-separated `v1,` signatures matches (several appear while a secret is being rotated;
    `v1a,` Ed25519 signatures are ignored here) and the timestamp is within `tolerance_seconds` of
    `now`. Raises WebhookVerificationError otherwise. Comparisons are constant-time.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    timestamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    current = time.time() if now is None else now
    if sent_at < current - tolerance_seconds:
        raise WebhookVerificationError("the message is too old")
    if sent_at > current + tolerance_seconds:
        raise WebhookVerificationError("the message timestamp is too far in the future")
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    expected = sign_webhook(secret, msg_id, sent_at, raw)[len("v1,"):].encode("ascii")
    matched = False
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        # Every candidate is compared, so the time taken does not depend on which one matched.
        if version == "v1" and hmac.compare_digest(value.encode("ascii", "replace"), expected):
            matched = True
    if not matched:
        raise WebhookVerificationError("no matching signature")
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        raise WebhookVerificationError("the payload is not JSON") from None


# --------------------------------------------------------------------------------------------------
# Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html)


class SseEvent:
    """One dispatched Server-Sent Event: `event` type (default "message"), `data`, `id`, `retry`."""

    __slots__ = ("event", "data", "id", "retry")

    def __init__(self, event: str, data: str, id: Optional[str], retry: Optional[int]) -> None:
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry

    def json(self) -> JsonValue:
        return json.loads(self.data)

    def __repr__(self) -> str:
        return "SseEvent(event=%r, id=%r, data=%r)" % (self.event, self.id, self.data)


_LINE_END = re.compile(rb"\r\n|\r|\n")


def _split_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Complete lines of a byte stream ending in CRLF, LF or CR, decoded as UTF-8 (BOM dropped)."""
    buffer = b""
    first = True
    for chunk in chunks:
        if first and chunk:
            first = False
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
        buffer += chunk
        start = 0
        for match in _LINE_END.finditer(buffer):
            if match.group() == b"\r" and match.end() == len(buffer):
                break  # perhaps the first half of a CRLF split across chunks: wait for the next one
            yield buffer[start : match.start()].decode("utf-8", "replace")
            start = match.end()
        buffer = buffer[start:]
    if buffer.endswith(b"\r"):
        yield buffer[:-1].decode("utf-8", "replace")
    # Anything else left is an unterminated line: it can never complete an event.


def parse_sse(chunks: Iterable[bytes]) -> Iterator[SseEvent]:
    """Parses a Server-Sent Events byte stream into events, as a browser's EventSource does.

    Comments (`: keep-alive`) are skipped; `data` lines are joined with newlines; an `id` stays set
    for the following events (the last one is what `Last-Event-ID` sends); an event is dispatched at
    a blank line if it had at least one `data` line. A `retry` field without data is reported as an
    event with type "" and empty data, so callers can honour it.
    """
    data: List[str] = []
    event = ""
    last_id: Optional[str] = None
    retry: Optional[int] = None
    for line in _split_lines(chunks):
        if line == "":
            if data:
                yield SseEvent(event or "message", "\n".join(data), last_id, retry)
            elif retry is not None:
                yield SseEvent("", "", last_id, retry)
            data, event, retry = [], "", None
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            if "\0" not in value:
                last_id = value
        elif name == "retry":
            if value.isdigit():
                retry = int(value)


# --------------------------------------------------------------------------------------------------
# The client


class Client:
    """A Mooring server, called with an API key (`Authorization: Bearer`) or a signing key.

    api_url: `http://host:port` or `https://…`, without a path.
    api_key: a named key (`mk_u_…`), e.g. from `mooring key create monitoring --scope read --never`.
    signing_key: a SigningKey instead of (or with) the API key: every request is RFC 9421-signed.
    timeout: seconds for connecting and for each read.
    """

    def __init__(
        self,
        api_url: str,
        api_key: Optional[str] = None,
        signing_key: Optional[SigningKey] = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urllib.parse.urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("api_url must be http://host[:port] or https://host[:port]")
        if parts.query or parts.fragment or parts.username:
            raise ValueError("api_url must not contain credentials, a query or a fragment")
        if api_key is not None and signing_key is not None:
            raise ValueError("give api_key or signing_key, not both (the server refuses both at once)")
        self._url = parts
        self._base = "%s://%s" % (parts.scheme, parts.netloc)
        self._api_key = api_key
        self._signing_key = signing_key
        self.timeout = timeout

    def __repr__(self) -> str:  # never the key
        return "Client(%r)" % self._base

    # -- HTTP ------------------------------------------------------------------------------------

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._url.scheme == "https" else http.client.HTTPConnection
        return cls(self._url.hostname or "", self._url.port, timeout=timeout)

    def _target(self, path: str, query: Optional[Union[str, Mapping[str, QueryValue]]]) -> str:
        if not path.startswith("/"):
            raise ValueError("path must start with /")
        if isinstance(query, Mapping):
            query = odata_query(query)
        return path + ("?" + query if query else "")

    def _headers(self, method: str, target: str, body: Optional[bytes], extra: Mapping[str, str]) -> Dict[str, str]:
        headers = {"accept": "application/json", "user-agent": USER_AGENT}
        if body is not None:
            headers["content-type"] = "application/json"
        headers.update(extra)
        if self._signing_key is not None:
            headers.update(sign_request(method, self._base + target, self._signing_key, body))
        elif self._api_key is not None:
            headers["authorization"] = "Bearer " + self._api_key
        return headers

    def _open(
        self,
        method: str,
        path: str,
        query: Optional[Union[str, Mapping[str, QueryValue]]] = None,
        body: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        target = self._target(path, query)
        conn = self._connect(self.timeout if timeout is None else timeout)
        try:
            conn.request(method, target, body=body, headers=self._headers(method, target, body, headers or {}))
            return conn, conn.getresponse()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            raise MooringError("cannot reach %s: %s" % (self._base, error)) from None

    def request(
        self,
        method: str,
        path: str,
        query: Optional[Union[str, Mapping[str, QueryValue]]] = None,
        body: JsonValue = None,
        timeout: Optional[float] = None,
    ) -> JsonValue:
        """Sends one request; returns the parsed JSON answer (None for an empty one).

        `query` is a ready query string or a mapping for `odata_query`; `body` is JSON-encoded.
        Redirects are not followed (a credential never goes to another address).
        """
        raw = None if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        conn, res = self._open(method, path, query, raw, timeout=timeout)
        try:
            payload = res.read()
        except (OSError, http.client.HTTPException) as error:
            raise MooringError("connection to %s lost: %s" % (self._base, error)) from None
        finally:
            conn.close()
        if res.status >= 300:
            raise _error_from(res, payload)
        if not payload:
            return None
        if "json" not in (res.getheader("content-type") or ""):
            return payload.decode("utf-8", "replace")
        return json.loads(payload.decode("utf-8"))

    def odata(self, resource: str, **options: QueryValue) -> List[Dict[str, JsonValue]]:
        """Rows of a v7 resource. Options are OData names without `$`: filter, select, orderby, top,
        skip, expand. Quote string values with `odata_string`, e.g.
        `client.odata("device", filter="device_name eq " + odata_string(name), select=["uuid"])`.
        """
        answer = self.request("GET", "/v7/" + resource, {"$" + k: v for k, v in options.items()})
        return answer["d"]

    # -- identity ----------------------------------------------------------------------------------

    def whoami(self) -> Dict[str, JsonValue]:
        """The calling actor (`GET /actor/v1/whoami`)."""
        return self.request("GET", "/actor/v1/whoami")

    # -- fleets and devices ------------------------------------------------------------------------

    def fleet_id(self, fleet: Union[int, str]) -> int:
        """A fleet's id from its id or slug (`admin/thermostats`)."""
        if isinstance(fleet, int):
            return fleet
        rows = self.odata("application", filter="slug eq " + odata_string(fleet.lower()), select="id")
        if not rows:
            raise MooringError("no fleet %s" % odata_string(fleet), 404, "not_found")
        return rows[0]["id"]

    def device(self, uuid: str) -> Dict[str, JsonValue]:
        """All fields of one device, by uuid; MooringError(status=404) when it is unknown or hidden."""
        rows = self.odata("device", filter="uuid eq " + odata_string(uuid))
        if not rows:
            raise MooringError("no device %s" % odata_string(uuid), 404, "not_found")
        return rows[0]

    def device_status(self, uuid: str) -> Dict[str, JsonValue]:
        """`{uuid, device_name, is_online, api_heartbeat_state, last_heartbeat}` of one device.

        api_heartbeat_state is `online`, `timeout`, `offline` or `unknown` (never seen);
        last_heartbeat is the time of the device's last poll (ISO 8601), None if it never polled.
        """
        rows = self.odata("device", filter="uuid eq " + odata_string(uuid), select=list(STATUS_FIELDS))
        if not rows:
            raise MooringError("no device %s" % odata_string(uuid), 404, "not_found")
        return _status(rows[0])

    def is_online(self, uuid: str) -> bool:
        return bool(self.device_status(uuid)["is_online"])

    def fleet_status(self, fleet: Union[int, str], offline_only: bool = False) -> List[Dict[str, JsonValue]]:
        """The status of every device of a fleet (see `device_status`), by name; with offline_only,
        only the devices that timed out or are offline (not the ones never seen)."""
        condition = "belongs_to__application eq %d" % self.fleet_id(fleet)
        if offline_only:
            condition += " and (api_heartbeat_state eq 'timeout' or api_heartbeat_state eq 'offline')"
        rows = self.odata("device", filter=condition, select=list(STATUS_FIELDS), orderby="device_name asc")
        return [_status(row) for row in rows]

    # -- environment variables ---------------------------------------------------------------------

    def _env_target(self, fleet: Optional[Union[int, str]], device: Optional[str]) -> Tuple[str, str, int]:
        if (fleet is None) == (device is None):
            raise ValueError("give fleet= or device=")
        if fleet is not None:
            return "application_environment_variable", "application", self.fleet_id(fleet)
        return "device_environment_variable", "device", self.device(device or "")["id"]

    def env_vars(self, fleet: Optional[Union[int, str]] = None, device: Optional[str] = None) -> Dict[str, str]:
        """The environment variables of a fleet, or a device's own, as a dict."""
        resource, field, owner = self._env_target(fleet, device)
        rows = self.odata(resource, filter="%s eq %d" % (field, owner), select=["name", "value"])
        return {row["name"]: row["value"] for row in rows}

    def set_env_var(
        self, name: str, value: str, fleet: Optional[Union[int, str]] = None, device: Optional[str] = None
    ) -> None:
        """Creates or updates a variable of a fleet or a device."""
        resource, field, owner = self._env_target(fleet, device)
        existing = self.odata(
            resource, filter="%s eq %d and name eq %s" % (field, owner, odata_string(name)), select="id"
        )
        if existing:
            self.request("PATCH", "/v7/%s(%d)" % (resource, existing[0]["id"]), body={"value": value})
        else:
            self.request("POST", "/v7/" + resource, body={field: owner, "name": name, "value": value})

    def delete_env_var(
        self, name: str, fleet: Optional[Union[int, str]] = None, device: Optional[str] = None
    ) -> bool:
        """Deletes a variable; False when there was none of that name."""
        resource, field, owner = self._env_target(fleet, device)
        existing = self.odata(
            resource, filter="%s eq %d and name eq %s" % (field, owner, odata_string(name)), select="id"
        )
        for row in existing:
            self.request("DELETE", "/v7/%s(%d)" % (resource, row["id"]))
        return bool(existing)

    # -- events (docs/events.md) ---------------------------------------------------------------------

    def events(
        self,
        after: Optional[int] = None,
        types: Optional[Sequence[str]] = None,
        fleet: Optional[Union[int, str]] = None,
        limit: Optional[int] = None,
        wait: Optional[int] = None,
    ) -> Dict[str, JsonValue]:
        """One page of the event feed: `{"events": [...], "next": cursor}`.

        after: the cursor to read after (`next` of the previous page); types: e.g.
        `["device.offline", "device.online"]` or `["device.*"]`; fleet: a fleet id or slug; wait:
        seconds to hold an empty answer until an event arrives (long poll).
        """
        query = {
            "after": after,
            "types": ",".join(types) if types else None,
            "fleet": None if fleet is None else self.fleet_id(fleet),
            "limit": limit,
            "wait": wait,
        }
        timeout = self.timeout + (wait or 0)
        return self.request("GET", "/mooring/v1/events", _plain_query(query), timeout=timeout)

    def iter_events(
        self,
        after: int = 0,
        types: Optional[Sequence[str]] = None,
        fleet: Optional[Union[int, str]] = None,
        limit: int = 100,
        wait: int = 25,
        follow: bool = True,
    ) -> Iterator[Dict[str, JsonValue]]:
        """Every event after `after`, page by page, as a generator; with follow=True it keeps
        long-polling for new events forever (stop by breaking out of the loop). Each event's `id` is
        the cursor to store to resume later."""
        cursor = after
        fleet = None if fleet is None else self.fleet_id(fleet)
        while True:
            page = self.events(after=cursor, types=types, fleet=fleet, limit=limit, wait=wait if follow else 0)
            for event in page["events"]:
                yield event
            cursor = page["next"]
            if not follow and not page["events"]:
                return

    def stream_events(
        self,
        last_event_id: Optional[int] = None,
        types: Optional[Sequence[str]] = None,
        fleet: Optional[Union[int, str]] = None,
        reconnect: bool = True,
        read_timeout: float = 45.0,
    ) -> Iterator[Dict[str, JsonValue]]:
        """Events from the Server-Sent Events stream, as a generator of event dicts.

        Without last_event_id the stream starts with the next event; with it, right after that
        cursor. After a disconnect (network, server restart, a `reconnect` event, silence longer than
        read_timeout; the server sends a keep-alive every 15 s) it reconnects with `Last-Event-ID`,
        so no event is missed. A revoked credential ends it with MooringError(status=401).
        """
        cursor = last_event_id
        fleet = None if fleet is None else self.fleet_id(fleet)
        delay = 1.0
        while True:
            query = _plain_query({"types": ",".join(types) if types else None, "fleet": fleet})
            headers = {"accept": "text/event-stream"}
            if cursor is not None:
                headers["last-event-id"] = str(cursor)
            try:
                conn, res = self._open("GET", "/mooring/v1/events/stream", query, headers=headers, timeout=read_timeout)
            except MooringError:
                if not reconnect:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            try:
                if res.status != 200:
                    raise _error_from(res, res.read())
                delay = 1.0
                for sse in parse_sse(_chunks(res)):
                    if sse.event == "unauthorized":
                        raise MooringError("the stream was closed: the credential is no longer valid", 401, "unauthorized")
                    if sse.event == "reconnect":
                        break
                    if sse.retry is not None:
                        delay = sse.retry / 1000.0
                    if not sse.data:
                        continue
                    event = sse.json()
                    if sse.id is not None and sse.id.isdigit():
                        cursor = int(sse.id)
                    yield event
            except (OSError, http.client.HTTPException):
                pass  # disconnected or silent for too long: resume below
            finally:
                conn.close()
            if not reconnect:
                return
            time.sleep(min(delay, 30.0))


def _chunks(res: http.client.HTTPResponse) -> Iterator[bytes]:
    """What has arrived so far, without waiting for a full buffer (events must not sit in one)."""
    while True:
        chunk = res.read1(65536) if hasattr(res, "read1") else res.readline()
        if not chunk:
            return
        yield chunk


def _plain_query(values: Mapping[str, Any]) -> str:
    return urllib.parse.urlencode([(k, str(v)) for k, v in values.items() if v is not None], quote_via=urllib.parse.quote, safe=",*")


def _status(row: Mapping[str, JsonValue]) -> Dict[str, JsonValue]:
    return {
        "uuid": row.get("uuid"),
        "device_name": row.get("device_name"),
        "is_online": row.get("is_online"),
        "api_heartbeat_state": row.get("api_heartbeat_state"),
        "last_heartbeat": row.get("mooring_last_heartbeat_at"),
    }


def _error_from(res: http.client.HTTPResponse, payload: bytes) -> MooringError:
    text = payload.decode("utf-8", "replace")
    code = None
    message = text.strip() or res.reason
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        code = parsed["error"].get("code")
        message = parsed["error"].get("message") or message
    elif isinstance(parsed, str):
        message = parsed  # balena endpoints answer a JSON string
    challenge = res.getheader("www-authenticate") if res.status == 401 else None
    if challenge and "error=" in challenge:
        # Signature refusals say why there (docs/signatures.md, "Failure reasons").
        message = (message if text.strip() else "unauthorized") + " (" + challenge + ")"
    elif not text.strip() and res.status == 401:
        message = "unauthorized"
    retry = res.getheader("retry-after")
    return MooringError(
        "%d %s" % (res.status, message[:500]),
        status=res.status,
        code=code,
        retry_after=int(retry) if retry and retry.isdigit() else None,
    )


def _main(argv: Optional[Sequence[str]] = None) -> int:
    """`python3 -m mooring`: a few monitoring commands (see examples/)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python3 -m mooring", description=__doc__.split("\n")[0])
    parser.add_argument("--api-url", default=os.environ.get("MOORING_URL", "http://127.0.0.1:8080"))
    commands = parser.add_subparsers(dest="command", required=True)
    online = commands.add_parser("online", help="exit 0 when the device is online, 1 when not")
    online.add_argument("uuid")
    status = commands.add_parser("status", help="status of every device of a fleet")
    status.add_argument("fleet", help="fleet slug (org/name) or id")
    tail = commands.add_parser("events", help="follow the event stream (Ctrl-C to stop)")
    tail.add_argument("--fleet", help="fleet slug (org/name) or id")
    tail.add_argument("--types", help="comma-separated, e.g. device.online,device.offline")
    args = parser.parse_args(argv)
    key = os.environ.get("MOORING_API_KEY")
    if not key:
        parser.error("set MOORING_API_KEY (never put a key on the command line)")
    client = Client(args.api_url, api_key=key)
    try:
        if args.command == "online":
            device = client.device_status(args.uuid)
            print("online" if device["is_online"] else device["api_heartbeat_state"])
            return 0 if device["is_online"] else 1
        if args.command == "status":
            for device in client.fleet_status(int(args.fleet) if args.fleet.isdigit() else args.fleet):
                print("%-32s %-8s %s" % (device["uuid"], device["api_heartbeat_state"], device["last_heartbeat"] or "-"))
            return 0
        types = args.types.split(",") if args.types else None
        fleet = int(args.fleet) if args.fleet and args.fleet.isdigit() else args.fleet
        for event in client.stream_events(types=types, fleet=fleet):
            print(json.dumps(event), flush=True)
        return 0
    except MooringError as error:
        print("mooring: %s" % error, file=__import__("sys").stderr)
        return 3 if error.status in (401, 403) else 4 if error.status == 404 else 6 if error.status == 0 else 7
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(_main())
