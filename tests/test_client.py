"""The protocol client against the real reference backend, and against a loopback fault
proxy for what a healthy backend never does (503s, redirects, bad JSON, silence).

The fault proxy is a real HTTP/1.1 server on 127.0.0.1: the client's whole stack —
httpx, httpcore, sockets, timeouts — runs as in production; only the answers are made up.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from triage_tui import __version__
from triage_tui.backends import ALL_SORTS, ALL_TERMS, Backend, Capabilities, QueueQuery
from triage_tui.backends.auth import BearerAuth
from triage_tui.backends.errors import (
    BadPayload,
    BackendError,
    ClaimConflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    Unreachable,
    parse_retry_after,
)
from tests.faultproxy import Canned, FaultProxy, Received
from triage_tui.backends.triage import TriageBackend
from triage_tui.model import Action, AuthorityOrder, ChangeType, Decision, Kind, Outcome, Source, State

def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TOKEN = "test-token-0123456789abcdef"

# ---------------------------------------------------------------------------
# Against the real reference backend.


async def test_me_policy_item_and_stats(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as ana, TriageBackend(server.url, server.tokens["sam"]) as sam:
        me = await ana.me()
        assert (me.id, me.name, me.roles) == ("mod-ana", "Ana Moreau", frozenset({"moderator"}))
        assert (await sam.me()).roles == frozenset({"senior"})

        policy = await ana.policy()
        assert policy.reason("spam") is not None and policy.reason("csam").sensitive  # type: ignore[union-attr]
        assert policy.target("legal") is not None
        assert policy.deadlines[Source.AUTHORITY_ORDER] == 3600
        assert any(rule.target == "legal" and rule.countries == {"RU", "TR"} for rule in policy.escalation_required)

        item = await ana.item("it-0000001")
        assert (item.id, item.kind, item.state) == ("it-0000001", Kind.POST, State.OPEN)
        orders = [r.origin for r in item.reports if isinstance(r.origin, AuthorityOrder)]
        assert [o.country for o in orders] == ["DE"]
        assert item.deadline is not None and item.version >= 1 and item.claim is None

        stats = await ana.stats()
        assert sum(stats.queues.values()) == 200
        assert stats.queues[State.OPEN] == 200
        assert stats.seq >= 200


async def test_queue_filters(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as b:
        de = await b.queue(QueueQuery(country="DE"), limit=1000)
        assert "it-0000001" in {i.id for i in de.items}
        assert de.total == len(de.items) and all("DE" in i.countries for i in de.items)
        channels = await b.queue(QueueQuery(kind="channel"))
        assert channels.items and all(i.kind is Kind.CHANNEL for i in channels.items)
        assert (await b.queue(QueueQuery(queue="escalated"))).total == 0


@pytest.mark.parametrize("sort", ["deadline", "priority", "reports", "age"])
async def test_paging_covers_every_item_once(server, sort: str) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as b:
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = await b.queue(QueueQuery(sort=sort), cursor=cursor, limit=37)
            assert page.total == 200
            seen += [i.id for i in page.items]
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        assert pages == 6
        assert len(seen) == len(set(seen)) == 200
        assert set(seen) == {f"it-{n:07d}" for n in range(1, 201)}


async def test_claim_conflict_names_the_holder(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as ana, TriageBackend(server.url, server.tokens["ben"]) as ben:
        claim = await ana.claim("it-0000001", ttl=120)
        assert claim.holder == "mod-ana"
        assert (await ana.item("it-0000001")).claim == claim

        with pytest.raises(ClaimConflict) as caught:
            await ben.claim("it-0000001")
        err = caught.value
        assert (err.code, err.holder, err.expires_at, err.status) == ("claimed", "mod-ana", claim.expires_at, 409)
        assert not err.retryable and "mod-ana" in str(err)

        with pytest.raises(ClaimConflict):  # releasing someone else's claim
            await ben.release("it-0000001")
        await ana.release("it-0000001")
        await ana.release("it-0000001")  # releasing nothing is fine
        assert (await ben.claim("it-0000001")).holder == "mod-ben"


async def test_decide_applied_then_duplicate(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as ana:
        page = await ana.queue(QueueQuery(), limit=5)
        target = page.items[0]
        decision = Decision.new(target.id, target.version, Action.APPROVE, note="looks fine")

        (first,) = await ana.decide([decision])
        assert (first.id, first.item_id, first.outcome, first.state) == (decision.id, target.id, Outcome.APPLIED, State.CLOSED)
        assert first.version == target.version + 1

        (again,) = await ana.decide([decision])
        assert again.outcome is Outcome.DUPLICATE
        assert again.effective.outcome is Outcome.APPLIED and again.effective.version == first.version

        feed = await ana.changes(page.seq)
        decided = [c for c in feed.changes if c.type is ChangeType.DECIDED]
        assert [(c.item_id, c.by, c.action) for c in decided] == [(target.id, "mod-ana", Action.APPROVE)]
        assert feed.seq > page.seq

        audit = await ana.audit()
        assert [(e.decision.id, e.moderator) for e in audit.decisions] == [(decision.id, "mod-ana")]

        with pytest.raises(ClaimConflict) as caught:
            await ana.claim(target.id)
        assert caught.value.code == "not_claimable" and caught.value.holder is None

        assert await ana.decide([]) == ()


async def test_decide_conflict_says_who_got_there_first(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as ana, TriageBackend(server.url, server.tokens["ben"]) as ben:
        item = await ana.item("it-0000002")
        (mine,) = await ana.decide([Decision.new(item.id, item.version, Action.APPROVE)])
        (theirs,) = await ben.decide([Decision.new(item.id, item.version, Action.REMOVE, reason="spam")])
        assert mine.outcome is Outcome.APPLIED and theirs.outcome is Outcome.CONFLICT
        assert theirs.current is not None and theirs.current.decided_by == "mod-ana"


async def test_escalated_item_is_forbidden_to_other_roles(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as ana, TriageBackend(server.url, server.tokens["lea"]) as lea:
        item = await ana.item("it-0000003")
        (result,) = await ana.decide([Decision.new(item.id, item.version, Action.ESCALATE, escalate_to="legal")])
        assert result.outcome is Outcome.APPLIED and result.state is State.ESCALATED
        with pytest.raises(Forbidden) as caught:
            await ana.item(item.id)
        assert caught.value.status == 403 and not caught.value.retryable
        assert (await lea.item(item.id)).escalated_to == "legal"
        assert [i.id for i in (await lea.queue(QueueQuery(queue="escalated"))).items] == [item.id]


async def test_wrong_token_is_unauthorized(server) -> None:
    async with TriageBackend(server.url, "not-a-real-token-at-all-0000") as b:
        with pytest.raises(Unauthorized) as caught:
            await b.me()
    assert caught.value.status == 401 and not caught.value.retryable
    assert "token" in str(caught.value)


async def test_unknown_item_is_not_found(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as b:
        with pytest.raises(NotFound) as caught:
            await b.item("it-9999999")
    assert caught.value.status == 404 and not caught.value.retryable


async def test_bad_query_is_invalid_request_naming_the_field(server) -> None:
    async with TriageBackend(server.url, server.tokens["ana"]) as b:
        with pytest.raises(InvalidRequest) as caught:
            await b.queue(QueueQuery(sort="sideways"))
    assert caught.value.status == 422 and caught.value.detail is not None and caught.value.detail.startswith("sort")


async def test_long_poll_outlives_a_short_read_timeout(server) -> None:
    # The client's read timeout is 0.3 s, but `changes` gives the read wait + 10 s.
    async with TriageBackend(server.url, server.tokens["ana"], timeout=httpx.Timeout(0.3, connect=5)) as b:
        seq = (await b.stats()).seq
        start = time.monotonic()
        batch = await b.changes(seq, wait=1.0)
        assert batch.changes == () and batch.seq == seq
        assert 0.9 <= time.monotonic() - start < 5


async def test_request_headers_through_a_forwarding_proxy(server) -> None:
    async with FaultProxy(server.url) as proxy, TriageBackend(proxy.url, server.tokens["ana"]) as b:
        assert (await b.me()).id == "mod-ana"
    (got,) = proxy.received
    assert got.headers["user-agent"] == f"triage-tui/{__version__}"
    assert got.headers["authorization"] == f"Bearer {server.tokens['ana']}"
    assert server.tokens["ana"] not in got.target


# ---------------------------------------------------------------------------
# Faults.


async def test_503_with_retry_after_is_unavailable_and_retryable() -> None:
    async with FaultProxy() as proxy, TriageBackend(proxy.url, TOKEN) as b:
        proxy.faults["/v1/stats"] = Canned(503, {"error": "unavailable", "detail": "maintenance"}, {"Retry-After": "7"})
        with pytest.raises(Unavailable) as caught:
            await b.stats()
    err = caught.value
    assert (err.retry_after, err.retryable, err.status) == (7.0, True, 503)
    assert "maintenance" in str(err)


async def test_429_with_an_http_date_is_rate_limited() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    async with FaultProxy(default=Canned(429, {"error": "rate_limited", "detail": "slow down"}, {"Retry-After": when})) as proxy:
        async with TriageBackend(proxy.url, TOKEN) as b:
            with pytest.raises(RateLimited) as caught:
                await b.me()
    assert caught.value.retryable and caught.value.retry_after is not None and 25 <= caught.value.retry_after <= 30


async def test_a_proxy_error_page_is_still_typed() -> None:
    page = Canned(502, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"})
    async with FaultProxy(default=page) as proxy, TriageBackend(proxy.url, TOKEN) as b:
        with pytest.raises(Unavailable) as caught:
            await b.me()
    assert caught.value.status == 502 and caught.value.retry_after is None


async def test_redirect_to_another_origin_is_an_error_and_the_token_stays_home() -> None:
    async with FaultProxy(default=Canned(200, {"id": "mod-x", "name": "X", "roles": []})) as elsewhere:
        async with FaultProxy() as proxy, TriageBackend(proxy.url, TOKEN) as b:
            proxy.faults["/v1/me"] = Canned(302, b"", {"Location": f"{elsewhere.url}/v1/me"})
            with pytest.raises(Unavailable) as caught:
                await b.me()
        assert "redirect" in str(caught.value) and caught.value.status == 302
        assert proxy.received[0].headers["authorization"] == f"Bearer {TOKEN}"
        assert elsewhere.received == []  # not followed at all


async def test_bearer_auth_never_sends_the_token_to_another_origin() -> None:
    """Defence in depth, should anyone use the auth with redirects on or an absolute URL."""
    async with FaultProxy(default=Canned(200, b"{}")) as elsewhere, FaultProxy() as home:
        home.faults["/hop"] = Canned(307, b"", {"Location": f"{elsewhere.url}/landed"})
        auth = BearerAuth(TOKEN, origin=home.url)
        async with httpx.AsyncClient(auth=auth, follow_redirects=True) as client:
            assert (await client.get(f"{home.url}/hop")).status_code == 200
            assert (await client.get(f"{elsewhere.url}/direct", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 200
    assert home.received[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert [r.target for r in elsewhere.received] == ["/landed", "/direct"]
    assert all("authorization" not in r.headers for r in elsewhere.received)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"id": 5}, "me.id"),
        ({"id": "mod-eve"}, "me.name"),
        ({"id": 5, "name": "Eve", "roles": []}, "me.id"),
        ({"id": "mod-eve", "name": "Eve", "roles": "admin"}, "me.roles"),
        ([1, 2, 3], "me"),
        (b"<html>hello</html>", "body"),
        (b"", "body"),
        (b'{"id": NaN}', "body"),
    ],
)
async def test_a_body_that_breaks_the_model_is_bad_payload(body: object, path: str) -> None:
    async with FaultProxy(default=Canned(200, body)) as proxy, TriageBackend(proxy.url, TOKEN) as b:  # type: ignore[arg-type]
        with pytest.raises(BadPayload) as caught:
            await b.me()
    assert caught.value.path == path and not caught.value.retryable
    assert path in str(caught.value)


async def test_result_count_must_match_the_decisions_sent() -> None:
    decisions = [Decision.new(f"it-{n}", 1, Action.APPROVE) for n in range(2)]
    one = {"results": [{"id": decisions[0].id, "item_id": "it-0", "result": "applied", "version": 2, "state": "closed"}]}
    async with FaultProxy(default=Canned(200, one)) as proxy, TriageBackend(proxy.url, TOKEN) as b:
        with pytest.raises(BadPayload) as caught:
            await b.decide(decisions)
        assert caught.value.path == "response.results"
        swapped = {"results": [{**one["results"][0], "id": decisions[1].id}]}  # type: ignore[index]
        proxy.default = Canned(200, swapped)
        with pytest.raises(BadPayload) as caught:
            await b.decide(decisions[:1])
        assert caught.value.path == "response.results[0].id"
    sent = json.loads(proxy.received[0].body)
    assert [d["id"] for d in sent["decisions"]] == [d.id for d in decisions]


async def test_item_ids_are_one_encoded_path_segment() -> None:
    async with FaultProxy(default=Canned(404, {"error": "not_found", "detail": "no"})) as proxy, TriageBackend(proxy.url, TOKEN) as b:
        for item_id in ("../me", "a/b?c#d", "%2e%2e"):
            with pytest.raises(NotFound):
                await b.item(item_id)
    assert [r.target for r in proxy.received] == ["/v1/items/..%2Fme", "/v1/items/a%2Fb%3Fc%23d", "/v1/items/%252e%252e"]


async def test_a_deeply_nested_answer_is_bad_payload_not_a_crash() -> None:
    decision = Decision.new("it-1", 1, Action.APPROVE)
    head = f'{{"id": "{decision.id}", "item_id": "it-1", "result": "duplicate", "original": '
    innermost = f'{{"id": "{decision.id}", "item_id": "it-1", "result": "applied", "version": 2, "state": "closed"}}'
    depth = 990  # json.loads takes it; the model's recursion would not
    body = ('{"results": [' + head * depth + innermost + "}" * depth + "]}").encode()
    async with FaultProxy(default=Canned(200, body)) as proxy, TriageBackend(proxy.url, TOKEN) as b:
        with pytest.raises(BadPayload) as caught:
            await b.decide([decision])
    assert caught.value.path == "body"


async def test_model_recursion_is_bad_payload() -> None:
    # Where the nesting is caught (json.loads or the model) depends on the stack depth at
    # the call; this pins the model side, which json.loads alone would not cover.
    def deep(_: object) -> object:
        raise RecursionError

    async with TriageBackend("http://127.0.0.1:9", TOKEN) as b:
        with pytest.raises(BadPayload, match="nested too deeply"):
            b._parse({}, deep, "GET /v1/me")


async def test_server_detail_is_sanitized_before_it_reaches_a_message() -> None:
    hostile = "\x1b]52;c;ZXZpbA==\x07sort: \x1b[2Jbad" + "x" * 5000
    async with FaultProxy(default=Canned(422, {"error": "invalid", "detail": hostile})) as proxy, TriageBackend(proxy.url, TOKEN) as b:
        with pytest.raises(InvalidRequest) as caught:
            await b.me()
    text = str(caught.value)
    assert "\x1b" not in text and "\x07" not in text and len(text) < 800
    assert caught.value.detail is not None and "\x1b" not in caught.value.detail


async def test_a_server_that_never_answers_is_unreachable_within_the_timeout() -> None:
    async with FaultProxy(default=Canned(hang=True)) as proxy, TriageBackend(proxy.url, TOKEN, timeout=0.3) as b:
        start = time.monotonic()
        with pytest.raises(Unreachable) as caught:
            await b.me()
        assert time.monotonic() - start < 3
    assert caught.value.retryable and proxy.received  # the request did arrive


async def test_a_closed_port_is_unreachable() -> None:
    async with TriageBackend(f"http://127.0.0.1:{closed_port()}", TOKEN) as b:
        with pytest.raises(Unreachable) as caught:
            await b.me()
    assert caught.value.retryable and isinstance(caught.value, BackendError)


async def test_https_to_a_plain_http_server_fails_as_unreachable() -> None:
    async with FaultProxy(default=Canned(200, {})) as proxy:
        port = proxy.url.rsplit(":", 1)[1]
        async with TriageBackend(f"https://127.0.0.1:{port}", TOKEN, timeout=2) as b:
            with pytest.raises(Unreachable):
                await b.me()


# ---------------------------------------------------------------------------
# Construction.


@pytest.mark.parametrize(
    "url",
    ["http://example.com", "http://10.0.0.1:8080", "http://127.0.0.1.evil.example", "http://localhost.evil.example", "http://[::2]:80"],
)
def test_plain_http_to_a_non_loopback_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="refusing plain http://") as caught:
        TriageBackend(url, TOKEN)
    assert url in str(caught.value) and TOKEN not in str(caught.value)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "https://user:hunter2@example.com", "https://example.com/?x=1", "not a url", "https://"])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        TriageBackend(url, TOKEN)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:9", "http://LOCALHOST.", "http://[::1]:8080", "https://mod.example.com/triage/"])
async def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    async with TriageBackend(url, TOKEN) as b:
        assert repr(b) == f"TriageBackend({b.base_url!r})" and TOKEN not in repr(b)


@pytest.mark.parametrize("token", ["", "has space", "line\nbreak", "naïve", "x" * 9000])
def test_unusable_tokens_are_refused_without_repeating_them(token: str) -> None:
    with pytest.raises(ValueError) as caught:
        TriageBackend("https://example.com", token)
    assert token not in str(caught.value) or token == ""


def test_missing_ca_file_is_named(tmp_path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(ValueError, match="nope.pem"):
        TriageBackend("https://example.com", TOKEN, ca_file=str(missing))


async def test_shape_of_the_backend() -> None:
    async with TriageBackend(f"http://127.0.0.1:{closed_port()}", TOKEN) as b:
        assert isinstance(b, Backend)
        assert b.capabilities == Capabilities(True, True, True, True, True, sorted_pages=True, filter_fields=ALL_TERMS, sorts=ALL_SORTS,
                                              filter_expressions=True, counts=True, offsets=True, id_streams=True)
        assert b.name == "triage"
        with pytest.raises(ValueError):
            await b.queue(QueueQuery(), offset=-1)
        with pytest.raises(ValueError):
            await b.changes(0, wait=61)
        with pytest.raises(ValueError):
            await b.queue(QueueQuery(), limit=0)
        with pytest.raises(ValueError):
            await b.item("")  # ("." and ".." are ids like any other: sent as %2E, see test_item_ids.py)
        with pytest.raises(ValueError):
            await b.item("has space")
        with pytest.raises(BackendError, match="not an item id"):  # what every UI worker catches: no crash
            await b.claim("has space")
        with pytest.raises(ValueError):
            await b.claim("it-1", ttl=1)
        with pytest.raises(ValueError):
            QueueQuery(queue="closed")  # type: ignore[arg-type]


def test_the_protocol_has_count_and_ids_and_says_which_methods_a_capability_gates(server) -> None:
    """`count` and `ids` are the protocol's (a backend without them is not a Backend), and
    an id stream is one request that a caller may end early: `aclose` ends it."""
    class WithoutViews:  # every other method of the protocol, but neither count nor ids
        pass

    for name in ("name", "capabilities", *(m for m in dir(Backend) if not m.startswith("_") and m not in ("count", "ids"))):
        setattr(WithoutViews, name, getattr(TriageBackend, name))
    assert not isinstance(WithoutViews(), Backend)
    for flag in ("counts", "id_streams", "filter_expressions", "claims"):
        assert flag in (Backend.__doc__ or "")

    async def run() -> None:
        async with FaultProxy(server.url) as proxy, TriageBackend(proxy.url, server.tokens["ana"]) as b:
            assert isinstance(b, Backend)
            total = (await b.count(QueueQuery())).total
            stream = b.ids(QueueQuery(sort="-age"))
            assert stream.__aiter__() is stream  # an AsyncIterator, as Backend.ids says: one request, read once
            first = [await anext(stream) for _ in range(3)]
            await stream.aclose()
            with pytest.raises(StopAsyncIteration):
                await anext(stream)
            assert first == [i async for i in b.ids(QueueQuery(sort="-age"))][:3] and total == 200
            assert [r.target.split("?")[0] for r in proxy.received] == ["/v1/queue/count", "/v1/queue/ids", "/v1/queue/ids"]
    asyncio.run(run())


def test_queue_query_params() -> None:
    assert QueueQuery().params() == {"queue": "open", "sort": "deadline"}
    q = QueueQuery(queue="escalated", sort="age", kind="post", source="automated", country="DE", reason="spam", min_reports=3, q="free money")
    assert q.params() == {
        "queue": "escalated", "sort": "age", "kind": "post", "source": "automated",
        "country": "DE", "reason": "spam", "min_reports": "3", "q": "free money",
    }


def test_importing_the_package_does_not_load_httpx() -> None:
    code = "import sys, triage_tui.backends, triage_tui.backends.errors; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


NOW = datetime(2026, 11, 28, 19, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("99999999", 3600.0),
        ("Sat, 28 Nov 2026 19:00:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 18:00:00 GMT", 0.0),
        ("Sun, 28 Nov 2027 19:00:00 GMT", 3600.0),
        ("-5", None),
        ("soon", None),
        ("", None),
        ("nan", None),
        ("1e9", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds
