"""The triage protocol v1.1 client (docs/protocol.md) over one `httpx.AsyncClient`.

Everything the network can do wrong ends here as a `backends.errors` exception, and
everything it returns goes through the model's `from_json` parsers, so callers get
either typed, sanitized data or a typed error — never an httpx exception, a KeyError
or a half-parsed dict.

Safety rules, each for a reason:
- TLS is always verified (certifi, or the profile's `ca_file`); plain `http://` is
  allowed only to loopback, where a local or tunnelled backend lives.
- Redirects are not followed: a 3xx could send the token to another origin, and a
  moved backend is something the moderator's profile should say, not guess.
- Every call has explicit timeouts; the long-poll gets `wait` + 10 s to read.
- Answers are read with a size cap: a broken or hostile backend cannot make us hold
  gigabytes (decompressed size counts).
- The token lives in `auth.BearerAuth`; it is in no URL, no repr, no message, and the
  HTTP libraries' log records are scrubbed of it.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import certifi
import httpx

from triage_tui import __version__
from triage_tui.backends import ALL_SORTS, ALL_TERMS, Capabilities, QueueQuery
from triage_tui.backends.auth import BearerAuth, Secret, check_token
from triage_tui.backends.errors import BackendError, BadItemId, Unreachable, Unsendable, bad_payload, error_for_response, safe_text
from triage_tui.model import (
    ID_RE,  # the protocol's one id grammar
    AuditPage,
    ChangeBatch,
    Claim,
    Decision,
    DecisionResult,
    IdsLine,
    Item,
    Moderator,
    PayloadError,
    Policy,
    QueueCount,
    QueuePage,
    Stats,
    iso,
    parse_results,
)
from triage_tui.words import plural

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
LONG_POLL_MARGIN = 10.0
MAX_WAIT = 60.0
MAX_BATCH = 500
MAX_BODY = 64 * 1024 * 1024  # a 1000-item page or a 1M-character item fits many times over
MAX_ERROR_BODY = 64 * 1024  # enough for any error JSON; the rest of a huge error page is ignored
_USERINFO_RE = re.compile(r"//[^/?#]*@")
_FIRST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_TIME = datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)


def _shown(url: str) -> str:
    """A URL fit for a message: any user:password@ part masked."""
    return _USERINFO_RE.sub("//***@", url)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name localhost: traffic that never leaves the machine."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


URL_RULE = "https://host[:port][/path], or http:// to this machine (127.0.0.0/8, [::1] or localhost)"
"""What a backend URL may be, in every message that refuses one (the CLI's and the config's)."""


def check_base_url(base_url: str) -> httpx.URL:
    """The backend URL, or a ValueError naming it and saying what is wrong."""
    shown = _shown(str(base_url))
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"backend URL {shown!r} is not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"backend URL {shown!r} must be {URL_RULE}")
    if url.userinfo:
        raise ValueError(f"backend URL {shown!r} carries credentials; give the token in the profile, never in a URL")
    if url.query or url.fragment:
        raise ValueError(f"backend URL {shown!r} must not have a query or fragment")
    if url.scheme == "http" and not is_loopback(url.host):
        raise ValueError(
            f"refusing plain http:// for backend URL {shown!r}: the token would cross the network "
            f"unencrypted; it must be {URL_RULE}"
        )
    return url


def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """Verification on, always: the default CA bundle (certifi) or the profile's own CA file."""
    try:
        return ssl.create_default_context(cafile=ca_file or certifi.where())
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ValueError(f"ca_file {ca_file!r}: cannot load CA certificates ({reason})") from None


def _in_range(name: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or not lo <= value <= hi:
        raise ValueError(f"{name} must be {lo:g}..{hi:g}, not {value!r}")


def _item_path(item_id: str, suffix: str = "") -> str:
    """`/v1/items/<id>`, the id percent-encoded whole so it is always one path segment:
    `/` becomes %2F, and the ids `.` and `..` are %2E-encoded, or the URL would drop them
    as dot segments (RFC 3986). Every id the grammar admits is reachable this way."""
    if not isinstance(item_id, str) or not ID_RE.fullmatch(item_id):
        raise BadItemId(f"not an item id: {safe_text(str(item_id)[:60])!r}")
    segment = quote(item_id, safe="") if item_id not in (".", "..") else item_id.replace(".", "%2E")
    return f"/v1/items/{segment}{suffix}"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class TriageBackend:
    """The reference protocol's backend. Use as `async with TriageBackend(url, token) as b:`."""

    name = "triage"
    capabilities = Capabilities(claims=True, versions=True, escalation=True, scoped_removal=True, change_feed=True,
                                sorted_pages=True, filter_fields=ALL_TERMS, sorts=ALL_SORTS, filter_expressions=True,
                                counts=True, offsets=True, id_streams=True)

    def __init__(
        self,
        base_url: str,
        token: str | Secret,
        *,
        ca_file: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        token_from: str | None = None,
    ) -> None:
        """`token_from` says where the token came from ("$TRIAGE_TUI_TOKEN", a profile's
        token source), so that a rejected token's message names what to check."""
        secret = check_token(token)
        del token  # from here on only the masked Secret is in this frame (tracebacks with locals)
        url = check_base_url(base_url)
        self.base_url = str(url).rstrip("/")
        self.token_from = token_from
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._auth = BearerAuth(secret, origin=url)
        self._client = httpx.AsyncClient(
            base_url=url,
            auth=self._auth,
            headers={"User-Agent": f"triage-tui/{__version__}", "Accept": "application/json"},
            timeout=self._timeout,
            verify=_ssl_context(ca_file),
            follow_redirects=False,
            transport=transport,
            # Environment proxies only for https (CONNECT tunnels): a loopback http:// token
            # must not be handed to an HTTP_PROXY in clear.
            trust_env=url.scheme == "https",
        )

    def __repr__(self) -> str:
        # getattr: a traceback with locals may repr a backend whose __init__ raised.
        return f"TriageBackend({getattr(self, 'base_url', '<not constructed>')!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- the protocol ------------------------------------------------------

    async def me(self) -> Moderator:
        return await self._get("/v1/me", Moderator.from_json)

    async def policy(self) -> Policy:
        return await self._get("/v1/policy", Policy.from_json)

    async def queue(self, query: QueueQuery, *, cursor: str | None = None, limit: int = 200, offset: int | None = None) -> QueuePage:
        """A page after `cursor`, or (v1.1) the `limit` rows from position `offset`, as the
        queue was at the page's `seq`; not both."""
        _in_range("limit", limit, 1, 1000)
        params = query.params()
        params["limit"] = str(int(limit))
        if cursor is not None:
            params["cursor"] = cursor
        if offset is not None:
            if cursor is not None:
                raise ValueError("give a cursor or an offset, not both")
            _in_range("offset", offset, 0, 10**9)
            params["offset"] = str(int(offset))
        return await self._get("/v1/queue", QueuePage.from_json, params=params)

    async def count(self, query: QueueQuery) -> QueueCount:
        """How many items the view holds (v1.1): one request, no rows."""
        return await self._get("/v1/queue/count", QueueCount.from_json, params=query.params())

    def ids(self, query: QueueQuery) -> IdStream:
        """The ids of the view in its order, streamed in one request (v1.1): iterate with
        `async for`; the stream's `seq` is set before the first id comes."""
        return IdStream(self, query)

    async def changes(self, since: int, *, wait: float = 0, limit: int = 500) -> ChangeBatch:
        _in_range("since", since, 0, 2**62)
        _in_range("wait", wait, 0, MAX_WAIT)
        _in_range("limit", limit, 1, 1000)
        t = self._timeout
        # The server may hold the answer `wait` seconds; never give the read less than that plus a margin.
        timeout = httpx.Timeout(connect=t.connect, read=max(t.read or 0.0, wait + LONG_POLL_MARGIN), write=t.write, pool=t.pool)
        params = {"since": str(int(since)), "wait": f"{wait:g}", "limit": str(int(limit))}
        return await self._get("/v1/queue/changes", ChangeBatch.from_json, params=params, timeout=timeout)

    async def item(self, item_id: str) -> Item:
        return await self._get(_item_path(item_id), Item.from_json)

    async def claim(self, item_id: str, ttl: float = 300) -> Claim:
        _in_range("ttl", ttl, 5, 3600)
        path = _item_path(item_id, "/claim")
        data = await self._call("POST", path, body={"ttl": ttl})
        return self._parse(data, lambda v: Claim.from_json(v, "claim"), f"POST {path}")

    async def release(self, item_id: str) -> None:
        await self._call("DELETE", _item_path(item_id, "/claim"), want_body=False)

    async def decide(self, decisions: Sequence[Decision]) -> tuple[DecisionResult, ...]:
        """One batch, one transaction on the server; results come back in order, one per decision."""
        if not decisions:
            return ()
        if len(decisions) > MAX_BATCH:
            raise ValueError(f"at most {plural(MAX_BATCH, 'decision')} per request, not {len(decisions):,}")
        where = "POST /v1/decisions"
        data = await self._call("POST", "/v1/decisions", body={"decisions": [d.to_json() for d in decisions]})
        results = self._parse(data, parse_results, where)
        if len(results) != len(decisions):
            raise bad_payload(PayloadError("response.results", f"expected {plural(len(decisions), 'result')}, got {len(results):,}"), where=where)
        for i, (d, r) in enumerate(zip(decisions, results, strict=True)):
            if r.id != d.id:
                raise bad_payload(PayloadError(f"response.results[{i}].id", "does not match the decision sent at that position"), where=where)
        return results

    async def audit(self, *, since: datetime | None = None, cursor: str | None = None, limit: int = 200, moderator: str | None = None) -> AuditPage:
        _in_range("limit", limit, 1, 1000)
        params = {"limit": str(int(limit))}
        if since is not None:  # within the protocol's times (1970-2199): nothing was decided outside them
            params["since"] = iso(min(max(since, _FIRST_TIME), _LAST_TIME))
        if cursor is not None:
            params["cursor"] = cursor
        if moderator is not None:
            params["moderator"] = moderator
        return await self._get("/v1/decisions", AuditPage.from_json, params=params)

    async def stats(self) -> Stats:
        return await self._get("/v1/stats", Stats.from_json)

    # -- transport -----------------------------------------------------------

    async def _get(self, path: str, parse: Callable[[object], T], *, params: dict[str, str] | None = None, timeout: httpx.Timeout | None = None) -> T:
        data = await self._call("GET", path, params=params, timeout=timeout)
        return self._parse(data, parse, f"GET {path}")

    def _parse(self, data: object, parse: Callable[[object], T], where: str) -> T:
        try:
            return parse(data)
        except PayloadError as exc:
            raise bad_payload(exc, where=where, redact=self._auth.redact) from None
        except RecursionError:  # nesting json.loads accepts but the model's recursion does not
            raise bad_payload(PayloadError("body", "nested too deeply"), where=where) from None

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: object = None,
        timeout: httpx.Timeout | None = None,
        want_body: bool = True,
    ) -> object:
        """Send one request; return the decoded JSON of a 2xx, or raise a BackendError."""
        where = f"{method} {path}"
        request = build_request(self._client, method, path, params=params, body=body, where=where,
                                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        response, raw = await send_bounded(self._client, request, target=str(self.base_url), where=where, redact=self._auth.redact)
        if not 200 <= response.status_code < 300:
            raise error_for_response(response.status_code, _json_or_none(raw), response.headers, where=where, redact=self._auth.redact,
                                     token_from=self.token_from)
        if not want_body:
            return None
        if not raw.strip():
            raise bad_payload(PayloadError("body", "empty; expected a JSON object"), where=where, status=response.status_code)
        return decode_json(raw, where=where, status=response.status_code, redact=self._auth.redact)


def build_request(client: httpx.AsyncClient, method: str, path: str, *, params: Any = None, body: object = None,
                  headers: dict[str, str] | None = None, where: str, timeout: Any = httpx.USE_CLIENT_DEFAULT) -> httpx.Request:
    """The request, or Unsendable when it cannot be made here (a body or header that does
    not encode): the sender must know that nothing left this machine, because a failure
    after sending leaves the outcome unknown and asks for a resend instead."""
    try:
        return client.build_request(method, path, params=params, json=body, headers=headers, timeout=timeout)
    except (UnicodeError, TypeError, ValueError, httpx.InvalidURL) as exc:
        raise Unsendable(f"{type(exc).__name__}: {safe_text(str(exc), limit=200)} ({where})") from None


async def send_bounded(client: httpx.AsyncClient, request: httpx.Request, *, target: str, where: str,
                       redact: Callable[[str], str]) -> tuple[httpx.Response, bytes]:
    """Send one request and read at most MAX_BODY of a 2xx (MAX_ERROR_BODY of an error):
    a hostile or broken server cannot make the client hold an endless body. Transport
    failures become Unreachable, with any secret the message echoes redacted."""
    with transport_errors(target=target, where=where, redact=redact):
        response = await client.send(request, stream=True)
        try:
            ok = 200 <= response.status_code < 300
            raw = await _read(response, MAX_BODY if ok else MAX_ERROR_BODY, strict=ok)
        finally:
            await response.aclose()
    return response, raw


@contextmanager
def transport_errors(*, target: str, where: str, redact: Callable[[str], str]) -> Iterator[None]:
    """httpx's failures as the backend errors they mean, with any secret they echo redacted."""
    try:
        yield
    except BackendError:
        raise
    except httpx.LocalProtocolError as exc:  # an illegal header value: refused before a byte was written
        raise Unsendable(f"LocalProtocolError: {safe_text(str(exc), redact, limit=200)} ({where})") from None
    except httpx.TimeoutException as exc:
        raise Unreachable(f"{where}: no answer from {target} in time ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        said = safe_text(str(exc), redact) or type(exc).__name__
        raise Unreachable(f"{where}: cannot reach {target}: {said}") from None


class IdStream:
    """`GET /v1/queue/ids` as an async iterator of ids: each NDJSON line goes through the
    model (`IdsLine`) and is checked for its place — `{"seq"}` first, `{"total"}` last and
    equal to the ids that came — so a cut or garbled stream is a BadPayload, never a
    short list taken for the whole. A line is read with a size cap (MAX_BODY).

    One request, read once: the iterator is the stream itself (the `Backend.ids`
    signature), and `aclose()` ends the request early, for a caller that wants only the
    first ids (`contextlib.aclosing`)."""

    PATH = "/v1/queue/ids"

    def __init__(self, backend: TriageBackend, query: QueueQuery) -> None:
        self._backend = backend
        self._query = query
        self._reading: AsyncGenerator[str, None] | None = None
        self.seq: int | None = None  # the feed position the ids were read at
        self.total: int | None = None  # set once the stream is whole

    def __aiter__(self) -> IdStream:
        return self

    async def __anext__(self) -> str:
        if self._reading is None:
            self._reading = self._ids()
        return await anext(self._reading)

    async def aclose(self) -> None:
        """Stop reading and close the request (a no-op once the stream has ended)."""
        if self._reading is not None:
            await self._reading.aclose()

    async def _ids(self) -> AsyncGenerator[str, None]:
        b = self._backend
        where = f"GET {self.PATH}"
        redact = b._auth.redact
        request = build_request(b._client, "GET", self.PATH, params=self._query.params(), where=where)
        count = 0
        with transport_errors(target=b.base_url, where=where, redact=redact):
            response = await b._client.send(request, stream=True)
            try:
                if not 200 <= response.status_code < 300:
                    raw = await _read(response, MAX_ERROR_BODY, strict=False)
                    raise error_for_response(response.status_code, _json_or_none(raw), response.headers, where=where,
                                             redact=redact, token_from=b.token_from)
                n = 0
                async for raw_line in _lines(response, MAX_BODY, where):
                    line = b._parse(decode_json(raw_line, where=where, status=response.status_code, redact=redact),
                                    lambda v: IdsLine.from_json(v, f"line[{n}]"), where)
                    if (line.seq is not None) != (n == 0) or self.total is not None:
                        raise bad_payload(PayloadError(f"line[{n}]", "out of place: seq comes first, total last"), where=where)
                    n += 1
                    if line.seq is not None:
                        self.seq = line.seq
                    elif line.total is not None:
                        if line.total != count:
                            raise bad_payload(PayloadError(f"line[{n - 1}].total", f"says {line.total:,}; {plural(count, 'id')} came"), where=where)
                        self.total = line.total
                    for item_id in line.ids:
                        count += 1
                        yield item_id
            finally:
                await response.aclose()
        if self.total is None:
            raise bad_payload(PayloadError("body", f"ended after {plural(count, 'id')} without its total: cut short"), where=where)


async def _lines(response: httpx.Response, limit: int, where: str) -> AsyncIterator[bytes]:
    """The non-empty lines of a streamed body, each at most `limit` bytes."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        if len(buffer) > limit:
            raise bad_payload(PayloadError("body", f"a line longer than {plural(limit, 'byte')}"), where=where, status=response.status_code)
        for line in lines:
            if line.strip():
                yield line
    if buffer.strip():
        yield buffer


def decode_json(raw: bytes, *, where: str, status: int, redact: Callable[[str], str]) -> object:
    """A 2xx body as JSON (no NaN or Infinity); anything else is a typed BadPayload."""
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        problem = f"not valid JSON ({safe_text(str(exc), redact, limit=200)})"
        raise bad_payload(PayloadError("body", problem), where=where, status=status) from None


async def _read(response: httpx.Response, limit: int, *, strict: bool) -> bytes:
    """The (decoded) body, at most `limit` bytes: over it, `strict` raises; otherwise it is cut."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            if strict:
                where = f"{response.request.method} {response.request.url.path}"
                raise bad_payload(PayloadError("body", f"larger than {plural(limit, 'byte')}"), where=where, status=response.status_code)
            return b""
        chunks.append(chunk)
    return b"".join(chunks)


def _json_or_none(raw: bytes) -> object:
    """An error body as JSON if it is JSON; a proxy's HTML error page is just None."""
    try:
        return json.loads(raw, parse_constant=_no_constants) if raw.strip() else None
    except (ValueError, RecursionError):
        return None
