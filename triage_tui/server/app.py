"""HTTP for the reference backend: protocol v1.1 routes over the `Store`.

This module only translates: query strings and bodies in (checked, with a 422 naming
the field), JSON out, `Refused` to the protocol's error shape. Store calls run in a
worker thread so a long ingest never stalls the long-polls waiting on the event loop.

Answers are JSON, but for `GET /v1/queue/ids` (v1.1), which streams NDJSON as the
store's cursor is read. Every answer is JSON `{error, detail}` when it is an error, whatever failed: routing,
a refused rule, a bad body, or a bug (a catch-all turns any exception into a JSON 500).

Item ids are the model's one id grammar (`ID_RE`: 1-512 printable ASCII characters),
and Ozone-style ids carry `/`. So the routes match the path as sent (`raw_path`, not
the percent-decoded path): the id is one percent-encoded segment, decoded by the
handler, and `/v1/items/a%2Fb/claim` claims the item `a/b`. No trailing-slash redirects.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import datetime
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage_tui import countries
from triage_tui.model import ID_RE, Kind, PayloadError, Role, Source
from triage_tui.server.auth import Principal, TokenTable
from triage_tui.server.openapi import openapi
from triage_tui.server.policy import DEFAULT_POLICY, DEFAULT_POLICY_JSON
from triage_tui.filters import Filter, FilterError, parse
from triage_tui.server.query import SORT_NAMES
from triage_tui.server.store import MAX_BATCH, MAX_INGEST, PROTOCOL, TIME_RULE, QueueFilter, Refused, Store, invalid, is_time
from triage_tui.words import plural

log = logging.getLogger("triage_tui.server")

MAX_BODY = 4 * 1024 * 1024
MAX_FILTER = 2000  # characters of `filter=`
MAX_OFFSET = 10**9
MAX_WAIT = 60.0
_CODE_RE = re.compile(r"[A-Za-z0-9_.:#/-]{1,128}")
_AUDIT_CURSOR_RE = re.compile(r"[0-9]{1,18}")
_BEARER = re.compile(r"Bearer ([!-~]{1,512})")

Handler = Callable[[Request], Awaitable[Response]]


def error(status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail, **extra}, status_code=status, headers=headers)


class Notifier:
    """Wakes every waiting long-poll when the store has written a change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass


def create_app(store: Store, tokens: TokenTable, *, policy_json: dict[str, Any] | None = None) -> Starlette:
    """The Starlette app; `policy_json` is what `GET /v1/policy` serves (it must match store.policy)."""
    served_policy = policy_json if policy_json is not None else DEFAULT_POLICY_JSON
    if policy_json is None and store.policy is not DEFAULT_POLICY:
        raise ValueError("a store with a custom policy needs the policy JSON to serve")
    notifier = Notifier()

    def authed(handler: Callable[[Request, Principal], Awaitable[Response]]) -> Handler:
        async def wrapped(request: Request) -> Response:
            match = _BEARER.fullmatch(request.headers.get("authorization", ""))
            who = tokens.lookup(match.group(1)) if match else None
            if who is None:
                return error(401, "unauthorized", "a valid bearer token is required", {"WWW-Authenticate": "Bearer"})
            try:
                return await handler(request, who)
            except Refused as exc:
                return error(exc.status, exc.error, exc.detail, **exc.extra)
            except PayloadError as exc:
                return error(422, "invalid", str(exc))

        return wrapped

    def item_id(request: Request) -> str:
        """The path's item id: one percent-encoded segment (see the module docstring)."""
        try:
            value = unquote(request.path_params["item_id"], errors="strict")
        except UnicodeDecodeError:
            value = ""
        if not ID_RE.fullmatch(value):
            raise invalid("item_id", "expected 1-512 printable ASCII characters without spaces, percent-encoded")
        return value

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "protocol": PROTOCOL})

    async def schema(request: Request) -> Response:
        return JSONResponse(openapi())

    async def me(request: Request, who: Principal) -> Response:
        return JSONResponse(who.to_json())

    async def policy(request: Request, who: Principal) -> Response:
        return JSONResponse(served_policy)

    async def queue(request: Request, who: Principal) -> Response:
        q = Query(request)
        f = q.view()
        limit = q.integer("limit", 200, 1, 1000)
        cursor = q.text("cursor", 4096)
        offset = q.integer("offset", None, 0, MAX_OFFSET)
        q.done()
        if cursor is not None and offset is not None:
            raise invalid("offset", "give a cursor or an offset, not both")
        return JSONResponse(await run_in_threadpool(store.queue, who, f, cursor=cursor, limit=limit, offset=offset))

    async def count(request: Request, who: Principal) -> Response:
        q = Query(request)
        f = q.view()
        q.done()
        return JSONResponse(await run_in_threadpool(store.count, who, f))

    async def ids(request: Request, who: Principal) -> Response:
        """NDJSON, written as the store's cursor is read (store.ids): the server holds
        one chunk of ids at a time, whatever the size of the queue."""
        q = Query(request)
        f = q.view()
        q.done()
        lines = (json.dumps(line).encode() + b"\n" for line in store.ids(who, f))
        return StreamingResponse(lines, media_type="application/x-ndjson")  # a sync iterator: read in a worker thread

    async def changes(request: Request, who: Principal) -> Response:
        q = Query(request)
        since = q.integer("since", None, 0, 2**62)
        if since is None:
            raise invalid("since", "required: the seq of the page or feed answer you have")
        wait = q.number("wait", 0.0, 0.0, MAX_WAIT)
        limit = q.integer("limit", 500, 1, 1000)
        q.done()
        end = time.monotonic() + wait
        while True:
            answer = await run_in_threadpool(store.changes, who, since, limit)
            left = end - time.monotonic()
            if answer["changes"] or left <= 0:
                return JSONResponse(answer)
            since = max(since, answer["seq"])  # past the changes hidden from `who`: not read again
            await notifier.wait(min(left, 0.5))
            if await request.is_disconnected():  # the client gave up: stop holding the request
                return Response(status_code=204)

    async def item(request: Request, who: Principal) -> Response:
        return JSONResponse(await run_in_threadpool(store.item, who, item_id(request)))

    async def claim(request: Request, who: Principal) -> Response:
        iid = item_id(request)
        if request.method == "DELETE":
            await run_in_threadpool(store.release, who, iid)
            notifier.notify()
            return Response(status_code=204)
        body = await read_json(request, empty={})
        if not isinstance(body, dict):  # `null` too: no body is not the JSON null
            raise invalid("body", 'expected an object like {"ttl": 300}')
        ttl = body.get("ttl", 300)
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 5 <= ttl <= 3600:
            raise invalid("ttl", "expected seconds, 5..3600")
        answer = await run_in_threadpool(store.claim, who, iid, float(ttl))
        notifier.notify()
        return JSONResponse(answer)

    async def decisions(request: Request, who: Principal) -> Response:
        if request.method == "GET":
            q = Query(request)
            since = q.time("since")
            cursor = int(q.pattern("cursor", _AUDIT_CURSOR_RE, "a cursor from next_cursor") or 0)
            limit = q.integer("limit", 200, 1, 1000)
            moderator = q.text("moderator", 128)
            q.done()
            return JSONResponse(await run_in_threadpool(store.audit, who, since=since, cursor=cursor, limit=limit, moderator=moderator))
        body = await read_json(request)
        batch = body.get("decisions") if isinstance(body, dict) else None
        if not isinstance(batch, list) or not 1 <= len(batch) <= MAX_BATCH:
            raise invalid("decisions", f"expected a list of 1..{plural(MAX_BATCH, 'decision')}")
        results = await run_in_threadpool(store.decide, who, batch)
        notifier.notify()
        return JSONResponse({"results": results})

    async def stats(request: Request, who: Principal) -> Response:
        return JSONResponse(await run_in_threadpool(store.stats, who))

    async def ingest(request: Request, who: Principal) -> Response:
        if Role.ADMIN not in who.roles:
            raise Refused(403, "forbidden", "only an admin may ingest items")
        body = await read_json(request)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_INGEST:
            raise invalid("items", f"expected a list of 1..{plural(MAX_INGEST, 'item')}")
        answer = await run_in_threadpool(store.add_items, items)
        notifier.notify()
        return JSONResponse(answer)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = exc.headers if isinstance(exc, HTTPException) else None  # 405 carries Allow
        path = request.url.path
        if status == 405:
            return error(405, "method_not_allowed", f"{request.method} is not allowed on {path}", headers)
        if status == 404:
            return error(404, "not_found", f"no route {path}", headers)
        return error(status, "error", "the request failed", headers)

    routes = [
        Route("/v1/health", health),
        Route("/openapi.json", schema),
        Route("/v1/me", authed(me)),
        Route("/v1/policy", authed(policy)),
        Route("/v1/queue", authed(queue)),
        Route("/v1/queue/changes", authed(changes)),
        Route("/v1/queue/count", authed(count)),
        Route("/v1/queue/ids", authed(ids)),
        Route("/v1/items", authed(ingest), methods=["POST"]),
        Route("/v1/items/{item_id:str}", authed(item)),
        Route("/v1/items/{item_id:str}/claim", authed(claim), methods=["POST", "DELETE"]),
        Route("/v1/decisions", authed(decisions), methods=["GET", "POST"]),
        Route("/v1/stats", authed(stats)),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.router.redirect_slashes = False  # a path with a trailing slash is another path, never a 307
    app.add_middleware(Guard)
    app.state.notifier = notifier
    return app


class Guard:
    """Around every request: route on the path as the client sent it (`%2F` inside an
    item id stays in the id), and turn any exception into a JSON 500 — a bug, never the
    user's error — logged with its traceback. Starlette's own last resort answers
    text/plain and re-raises, which made uvicorn reset the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path")
        if raw is not None:
            scope = {**scope, "path": raw.decode("latin-1")}
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if started:  # the answer is half sent: nothing to do but let the connection end
                raise
            await error(500, "internal", "the server failed to answer this request; the error is in its log")(scope, receive, send)


_REQUIRED = object()


async def read_json(request: Request, *, empty: Any = _REQUIRED) -> Any:
    """The body as JSON, refusing more than MAX_BODY bytes before reading them all;
    `empty` is what no body at all means (by default: a 422)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(413, "too_large", f"request bodies are limited to {plural(MAX_BODY, 'byte')}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, "too_large", f"request bodies are limited to {plural(MAX_BODY, 'byte')}")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if empty is not _REQUIRED:
            return empty
        raise invalid("body", "expected a JSON object")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid("body", f"not valid JSON ({exc})") from None
    except RecursionError:
        raise invalid("body", "nested too deeply") from None


class Query:
    """Query parameters read one by one; unknown ones are refused so typos are not silent.

    A typed parameter given empty (`since=`) is refused, not read as absent: the schema
    says what each one holds, and an empty string is none of those. Free text (`q`,
    an opaque queue cursor, `moderator`, a `filter` expression) given empty is absent."""

    def __init__(self, request: Request) -> None:
        self._params = request.query_params
        self._used: set[str] = set()

    def _get(self, name: str) -> str | None:
        self._used.add(name)
        values = self._params.getlist(name)
        if len(values) > 1:
            raise invalid(name, "given more than once")
        return values[0] if values else None

    def _typed(self, name: str) -> str | None:
        value = self._get(name)
        if value == "":
            raise invalid(name, "empty; leave the parameter out instead")
        return value

    def view(self) -> QueueFilter:
        """The parameters every read of the queue takes: the queue, the order, v1's
        per-field filters and v1.1's `filter=` expression."""
        return QueueFilter(
            queue=self.choice("queue", ("open", "escalated"), "open"),
            sort=self.choice("sort", SORT_NAMES, "deadline"),
            kind=self.choice("kind", tuple(k.value for k in Kind), None),
            source=self.choice("source", tuple(s.value for s in Source), None),
            country=self.country("country"),
            reason=self.pattern("reason", _CODE_RE, "a reason code"),
            min_reports=self.integer("min_reports", None, 0, 10**9),
            q=self.text("q", 500),
            expr=self.filter("filter"),
        )

    def filter(self, name: str) -> Filter:
        """A filter expression, parsed by the one parser of the language (filters.parse).
        One that does not parse is a 400 `bad_filter` with the parser's message and the
        bad token's span (characters of the expression, end exclusive)."""
        value = self.text(name, MAX_FILTER)
        if value is None:
            return Filter()
        try:
            return parse(value)
        except FilterError as exc:
            raise Refused(400, "bad_filter", f"{name}: {exc.message}", start=exc.start, end=exc.end,
                          token=value[exc.start:exc.end], incomplete=exc.incomplete) from None

    def done(self) -> None:
        unknown = sorted(set(self._params.keys()) - self._used)
        if unknown:
            raise invalid(unknown[0], f"unknown parameter; allowed: {', '.join(sorted(self._used))}")

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None) -> Any:
        value = self._typed(name)
        if value is None:
            return default
        if value not in allowed:
            raise invalid(name, f"expected one of {', '.join(allowed)}")
        return value

    def pattern(self, name: str, rx: re.Pattern[str], what: str) -> str | None:
        value = self._typed(name)
        if value is None:
            return None
        if not rx.fullmatch(value):
            raise invalid(name, f"expected {what}")
        return value

    def country(self, name: str) -> str | None:
        """An assigned ISO 3166-1 alpha-2 code, by the one check every country passes."""
        value = self._typed(name)
        if value is not None and (problem := countries.problem(value)) is not None:
            raise invalid(name, problem)
        return value

    def integer(self, name: str, default: int | None, lo: int, hi: int) -> Any:
        value = self._typed(name)
        if value is None:
            return default
        if not re.fullmatch(r"[0-9]{1,19}", value) or not lo <= int(value) <= hi:  # not \d: "٣" is no number here
            raise invalid(name, f"expected a whole number {lo}..{hi}")
        return int(value)

    def number(self, name: str, default: float, lo: float, hi: float) -> float:
        value = self._typed(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not lo <= number <= hi:
            raise invalid(name, f"expected a number {lo:g}..{hi:g}")
        return number

    def text(self, name: str, max_len: int) -> str | None:
        value = self._get(name)
        if value is None or value == "":
            return None
        if len(value) > max_len:
            raise invalid(name, f"longer than {plural(max_len, 'character')}")
        return value

    def time(self, name: str) -> float | None:
        value = self._typed(name)
        if value is None:
            return None
        if not is_time(value):
            raise invalid(name, f"expected {TIME_RULE}")
        return datetime.fromisoformat(value).timestamp()

