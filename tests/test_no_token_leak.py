"""The bearer token appears nowhere a human or a log shipper could read it.

A whole session runs — successes, every kind of failure, and a hostile server that
echoes the token back in headers, error details and payload values — with every
logger (httpx and httpcore included) at DEBUG. Then the token must be absent from
every log record, every exception's message, repr, arguments and traceback (with the
locals of our own frames), and the reprs of the backend and its auth.
"""

from __future__ import annotations

import ast
import io
import logging
import re
import signal
import string
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_client import Canned, FaultProxy, Received, closed_port

from triage_tui.backends import QueueQuery
from triage_tui.backends.auth import BearerAuth, Secret, _redact, _variants
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


# ---------------------------------------------------------------------------
# Redaction masks the secret and nothing else: a redacted line still reads as the line it was.


@contextmanager
def formatted_logs() -> Iterator[io.StringIO]:
    """What a log file would hold: a real handler on the root logger, every library at DEBUG."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in saved[1]:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def response_headers(log: str) -> list[tuple[int, dict[bytes, bytes]]]:
    """httpcore's `receive_response_headers.complete` lines, parsed back into Python values.

    The line is a Python literal; if redaction had eaten a quote or a bracket, it would not parse.
    """
    found = []
    for line in log.splitlines():
        if "receive_response_headers.complete return_value=" in line:
            _, status, _, headers = ast.literal_eval(line.split("return_value=", 1)[1])
            found.append((status, {name.lower(): value for name, value in headers}))
    return found


async def test_header_logs_keep_their_structure_and_lose_only_the_token(server) -> None:
    token = server.tokens["ana"]
    echoed = {"X-Echo": f"Bearer {token}", "X-Raw": token, "X-Theirs": "Bearer someone-elses-token-0123",
              "WWW-Authenticate": 'Bearer realm="triage", error="invalid_token"', "X-Note": "a valid bearer token is required"}
    with formatted_logs() as out:
        async with FaultProxy(server.url) as hostile, TriageBackend(hostile.url, token) as ana:
            hostile.faults["/v1/policy"] = Canned(200, {"reasons": []}, echoed)
            await ana.me()  # forwarded: the reference server's own answer
            with pytest.raises(BackendError):
                await ana.policy()
    log = out.getvalue()
    assert token not in log
    answers = response_headers(log)
    assert [status for status, _ in answers] == [200, 200]
    real, hostile_headers = (headers for _, headers in answers)
    assert real[b"server"] == b"uvicorn" and real[b"content-type"] == b"application/json"
    assert hostile_headers[b"x-echo"] == b"Bearer [redacted]"
    assert hostile_headers[b"x-raw"] == b"[redacted]"
    assert hostile_headers[b"x-theirs"] == b"Bearer [redacted]"  # a credential in a header dump, ours or not
    assert hostile_headers[b"www-authenticate"] == b'Bearer realm="triage", error="invalid_token"'
    assert hostile_headers[b"x-note"] == b"a valid bearer token is required"  # prose, even in a header
    assert re.search(r"\(b'X-Echo', b'Bearer \[redacted\]'\), \(b'X-Raw', b'\[redacted\]'\), ", log)


async def test_prose_about_tokens_is_left_alone_and_an_echoed_token_is_masked(server) -> None:
    token = server.tokens["ana"]
    with formatted_logs() as out:
        async with TriageBackend(server.url, "wrong-token-but-secret-0123456789") as stranger:
            with pytest.raises(BackendError) as unauthorized:
                await stranger.me()
        async with FaultProxy() as hostile, TriageBackend(hostile.url, token) as victim:
            hostile.faults["/v1/stats"] = lambda got: Canned(
                422, {"error": "invalid", "detail": f"token {_echo(got)} is not a valid bearer token for ({got.headers['authorization']}),"}
            )
            with pytest.raises(InvalidRequest) as echoed:
                await victim.stats()
    # The reference server's own words, exactly: "bearer token" is not a secret.
    assert "(401 unauthorized: a valid bearer token is required)" in str(unauthorized.value)
    assert "token [redacted] is not a valid bearer token for (Bearer [redacted])," in str(echoed.value)
    assert token not in str(echoed.value) + out.getvalue()
    assert "wrong-token-but-secret-0123456789" not in out.getvalue()
    assert [status for status, _ in response_headers(out.getvalue())] == [401, 422]


_SECRETS = st.text(alphabet=string.ascii_letters + string.digits + "-._~+/=!#$%&*", min_size=16, max_size=40)
_PROSE = st.lists(
    st.sampled_from(["a", "valid", "bearer", "Bearer", "BEARER", "token", "tokens", "Basic", "basic", "authorization",
                     "Authorization:", "Proxy-Authorization", "is", "required", "(", ")", "'),", "(b'", "'", '"', ",", ":",
                     "[redacted]", "=", "\n", "\\n", "b'Bearer", "x'"])
    | st.text(alphabet=st.characters(blacklist_characters="'\"", blacklist_categories=("Cs",)), max_size=12),
    max_size=30,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=_PROSE, secrets=st.lists(_SECRETS, max_size=3))
def test_text_without_a_secret_is_returned_unchanged(text: str, secrets: list[str]) -> None:
    assume(not any(s in text for s in secrets))
    assert _redact(text, tuple(secrets)) == text


_HEADER_NAMES = st.sampled_from([b"date", b"server", b"x-echo", b"www-authenticate", b"authorization", b"Authorization", b"x-note"])


@settings(max_examples=300, deadline=None)
@given(
    secret=_SECRETS,
    headers=st.lists(st.tuples(_HEADER_NAMES, st.binary(max_size=30), st.booleans(), st.sampled_from([b"", b"Bearer ", b"Basic "])), max_size=6),
)
def test_a_redacted_header_dump_parses_to_the_same_headers_less_the_secrets(secret: str, headers: list[tuple[bytes, bytes, bool, bytes]]) -> None:
    """httpcore's header list with our secret in some values: redacted, it is still the same
    list, each value with the secret (and any credential in an auth header) masked, no more."""
    dump = [(name, scheme + (secret.encode() if with_secret else b"") + value) for name, value, with_secret, scheme in headers]
    assume(not any(secret.encode() in name for name, _ in dump))
    back = ast.literal_eval(_redact(repr(dump), _variants(secret)))
    assert len(back) == len(dump)
    for (name, value), (name_back, value_back) in zip(dump, back, strict=True):
        assert name_back == name
        assert secret.encode() not in value_back
        masked = value.replace(secret.encode(), b"[redacted]")
        if name.lower() == b"authorization":
            # The whole credential goes; what is kept is at most the scheme word.
            kept, sep, tail = value_back.partition(b"[redacted]")
            assert value_back == masked or (sep and not tail and masked.startswith(kept) and re.fullmatch(rb"(?i)((bearer|basic) +)?", kept))
        elif scheme := re.fullmatch(rb"(?i)((?:bearer|basic) +)[A-Za-z0-9._~+/-]+=*", masked):
            assert value_back == scheme.group(1) + b"[redacted]"
        else:
            assert value_back == masked


def test_a_run_of_backslashes_is_read_once() -> None:
    """A hostile header of backslashes (each doubled in the bytes repr) must not make the
    header pattern backtrack: with two ways to read `\\\\`, 64 of them would take years. The
    alarm turns a regression into a failure instead of a hung suite; it times nothing."""
    dump = repr([(b"x-slashes", b"\\" * 20_000 + b"x"), (b"x-echo", b"Bearer " + b"\\" * 20_000), (b"x-after", b"Bearer abc")])
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("redaction backtracked on a run of backslashes"))
    signal.alarm(60)
    try:
        redacted = _redact(dump + "'" + "\\" * 64, ())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert redacted == dump.replace("b'Bearer abc'", "b'Bearer [redacted]'") + "'" + "\\" * 64
