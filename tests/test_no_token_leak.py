"""The bearer token appears nowhere a human or a log shipper could read it.

A whole session runs — successes, every kind of failure, and a hostile server that
echoes the token back in headers, error details and payload values — with every
logger (httpx and httpcore included) at DEBUG. Then the token must be absent from
every log record, every exception's message, repr, arguments and traceback (with the
locals of our own frames), and the reprs of the backend and its auth.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from test_client import Canned, FaultProxy, Received, closed_port

from triage_tui.backends import QueueQuery
from triage_tui.backends.auth import BearerAuth, Secret
from triage_tui.backends.errors import BackendError, BadPayload, InvalidRequest, Unavailable, Unreachable
from triage_tui.backends.triage import TriageBackend
from triage_tui.model import Action, Decision

Call = Callable[[], Awaitable[Any]]


def _echo(got: Received) -> str:
    return got.headers.get("authorization", "").removeprefix("Bearer ")


def exception_texts(exc: BaseException, *, with_locals: bool) -> list[str]:
    """Every text form of a failed call: what a UI, a log or a crash report would show.

    `with_locals` adds the locals of our own frames, as Sentry or a rich traceback would
    show them. It is off for a hostile server's replies: a frame holding the body the
    server sent holds whatever the server chose to echo, which is its leak, not ours.
    """
    texts = [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc)), repr(vars(exc))]
    if with_locals:
        for frame in traceback.TracebackException.from_exception(exc, capture_locals=True).stack:
            if "triage_tui" in frame.filename:
                texts += [f"{name}={value}" for name, value in (frame.locals or {}).items()]
    return texts


class Session:
    """Runs calls, keeping every exception they raise (and whether a hostile server answered)."""

    def __init__(self) -> None:
        self.failures: list[tuple[BaseException, bool]] = []

    async def ok(self, call: Call) -> Any:
        return await call()

    async def fails(self, kind: type[BackendError], call: Call, *, hostile: bool = False) -> None:
        with pytest.raises(kind) as caught:
            await call()
        self.failures.append((caught.value, hostile))


async def test_the_token_never_leaks(server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "triage_tui"):
        caplog.set_level(logging.DEBUG, logger=name)
    token, other = server.tokens["ana"], server.tokens["ben"]
    wrong = "wrong-token-but-secret-0123456789"
    s = Session()

    async with TriageBackend(server.url, token) as ana, TriageBackend(server.url, other) as ben:
        await s.ok(ana.me)
        await s.ok(ana.policy)
        page = await s.ok(lambda: ana.queue(QueueQuery(), limit=50))
        first = page.items[0]
        await s.ok(lambda: ana.item(first.id))
        await s.ok(lambda: ana.claim(first.id))
        await s.fails(BackendError, lambda: ben.claim(first.id))  # 409
        await s.ok(lambda: ana.decide([Decision.new(first.id, first.version, Action.APPROVE)]))
        await s.ok(lambda: ana.changes(page.seq, wait=0.1))
        await s.ok(ana.audit)
        await s.ok(ana.stats)
        await s.ok(lambda: ana.release(first.id))
        await s.fails(BackendError, lambda: ana.item("it-9999999"))  # 404
        await s.fails(InvalidRequest, lambda: ana.queue(QueueQuery(sort="sideways")))  # 422
        await s.fails(BackendError, lambda: ana.audit(moderator="mod-ben"))  # 403
        leak_checks = [repr(ana), repr(ben), repr(ana._auth), repr(ana._client)]

    async with TriageBackend(server.url, wrong) as stranger:
        await s.fails(BackendError, stranger.me)  # 401
        leak_checks.append(repr(stranger))

    async with FaultProxy() as hostile, TriageBackend(hostile.url, token) as victim:
        # A hostile server echoes the token back in a header, an error detail and a payload value.
        hostile.faults["/v1/me"] = lambda got: Canned(200, {"id": 5, "name": _echo(got), "roles": [_echo(got)]}, {"X-Echo": _echo(got)})
        hostile.faults["/v1/policy"] = lambda got: Canned(503, {"error": "unavailable", "detail": f"token {_echo(got)} is tired"}, {"Retry-After": _echo(got)})
        hostile.faults["/v1/stats"] = lambda got: Canned(422, {"error": "invalid", "detail": _echo(got)}, {"X-Auth": got.headers.get("authorization", "")})
        hostile.faults["/v1/queue"] = lambda got: Canned(200, b"not json " + _echo(got).encode())
        hostile.faults["/v1/decisions"] = lambda got: Canned(302, b"", {"Location": f"http://evil.example/?t={_echo(got)}"})
        hostile.faults["/v1/items/x"] = lambda got: Canned(409, {"error": "claimed", "holder": _echo(got), "detail": _echo(got)})
        await s.fails(BadPayload, victim.me, hostile=True)
        await s.fails(Unavailable, victim.policy, hostile=True)
        await s.fails(InvalidRequest, victim.stats, hostile=True)
        await s.fails(BadPayload, lambda: victim.queue(QueueQuery()), hostile=True)
        await s.fails(Unavailable, victim.audit, hostile=True)
        await s.fails(BackendError, lambda: victim.item("x"), hostile=True)
        assert all(r.headers["authorization"] == f"Bearer {token}" for r in hostile.received)  # it did get it

    async with FaultProxy(default=Canned(hang=True)) as silent, TriageBackend(silent.url, token, timeout=0.2) as waiting:
        await s.fails(Unreachable, waiting.me)
    async with TriageBackend(f"http://127.0.0.1:{closed_port()}", token) as nowhere:
        await s.fails(Unreachable, nowhere.me)

    with pytest.raises(ValueError) as refused:
        TriageBackend("http://moderation.example.com", token)
    s.failures.append((refused.value, False))
    leak_checks += [repr(BearerAuth(token, origin=server.url)), repr(Secret(token)), str(Secret(token))]

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # The capture worked, and the filter had something to do.
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert any(r.name == "httpx" for r in caplog.records)
    assert any("[redacted]" in r.getMessage() for r in caplog.records if r.name.startswith("httpcore"))
    assert len(s.failures) == 14

    for secret in (token, other, wrong):
        for record in caplog.records:
            assert secret not in record.getMessage(), record.name
            assert secret not in str(record.__dict__), record.name
        assert secret not in caplog.text
        for exc, hostile in s.failures:
            for text in exception_texts(exc, with_locals=not hostile):
                assert secret not in text, f"{type(exc).__name__}: {text[:200]}"
        for text in leak_checks:
            assert secret not in text
