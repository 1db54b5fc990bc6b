"""Protocol v1.1 on the real reference server (127.0.0.1, real SQLite): the filter language
evaluated by the server, rows by position, counts, the streamed ids, and the client's
methods for them.

The server's answer must be the client's: for random filters over a varied population
(hostile snippets, channels, campaigns, escalations, deadlines on the minute), the ids
the server streams, in order, are `Sort.sort(Filter.select(items, now))` over the items
the client would hold — the same `now`, because the store's clock is the test's."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FakeClock, RunningServer, start_server
from tests.test_filters import EXPRESSIONS
from triage_tui.backends import ALL_SORTS, ALL_TERMS, QueueQuery
from triage_tui.backends.errors import BadPayload, InvalidRequest
from triage_tui.backends.ozone import OzoneBackend
from triage_tui.backends.triage import TriageBackend
from triage_tui.filters import parse, parse_sort
from triage_tui.model import Action, Decision, IdsLine, ItemSummary, PayloadError, QueueCount, QueuePage, iso

SORTS = sorted(ALL_SORTS)
REASONS = ("spam", "hate_speech", "fraud")
SNIPPETS = (
    "Free BITCOIN giveaway, click now",
    "straße und STRASSE",
    "İstanbul ışık",
    "pay\u200bpal support desk",
    "evil \u202etxt.exe\u202c here",
    "escape \x1b[31m red",
    "z\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301algo",
    "Раураl Support",
    "free bitcoin giveaway, click now",
    "a — b",
)
CAMPAIGN_TEXT = "Limited offer: double your coins today at the usual place, trust me"


def _population(now: float) -> list[dict[str, Any]]:
    """Items crowded onto few values, so that terms and sorts meet matches and ties."""
    rng = random.Random(16)
    items = []
    for n in range(160):
        reports = []
        for r in range(rng.randint(1, 3)):
            source = rng.choice(["user_report", "trusted_flagger", "authority_order", "automated"])
            report: dict[str, Any] = {"id": f"r-{n}-{r}", "source": source, "reason": rng.choice(REASONS),
                                      "created_at": iso(datetime.fromtimestamp(now - 600 * rng.randint(0, 30), UTC))}
            if source == "trusted_flagger":
                report["organisation"] = "Flaggers e.V."
            elif source == "authority_order":
                report |= {"country": rng.choice(["DE", "FR", "AT"]), "authority": "BKA", "legal_basis": "TCO",
                           "reference": f"ref-{n}", "deadline": iso(datetime.fromtimestamp(now + 900 * rng.randint(-4, 8), UTC))}
            elif source == "automated":
                report |= {"model": "m1", "score": rng.choice([0.0, 0.5, 1.0])}
            reports.append(report)
        kind = rng.choice(["post", "post", "channel"])
        text = CAMPAIGN_TEXT if n % 11 == 0 else rng.choice(SNIPPETS)
        item: dict[str, Any] = {"id": f"it-f{n:03d}", "kind": kind, "text": text, "reports": reports}
        if kind == "channel":
            item["title"] = rng.choice(["Crypto Club", "news \u202eswen", "Bitcoin"])
        items.append(item)
    return items


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server holding only `_population`, a fifth of it escalated to the three teams and
    a few removed; the clock stands still."""
    clock = FakeClock()
    embedded, server = start_server(Path(tmp_path_factory.mktemp("filters")) / "backend.db", clock, items=0)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            items = _population(clock())
            assert http.post("/v1/items", json={"items": items}, headers=server.auth("root")).status_code == 200
            decisions = []
            for n, it in enumerate(items):
                if n % 5 == 1:
                    decisions.append(Decision.new(it["id"], 1, Action.ESCALATE, escalate_to=("legal", "child_safety", "senior")[n % 3]))
                elif n % 13 == 2:
                    decisions.append(Decision.new(it["id"], 1, Action.APPROVE))
            r = http.post("/v1/decisions", json={"decisions": [d.to_json() for d in decisions]}, headers=server.auth("sam"))
            assert {x["result"] for x in r.json()["results"]} == {"applied"}, r.text
        yield server
    finally:
        embedded.stop()
        server.store.close()


def _all_rows(http: httpx.Client, server: RunningServer, who: str, queue: str) -> list[ItemSummary]:
    """Every row of a queue as the client holds it, by v1 cursor paging."""
    rows: list[ItemSummary] = []
    cursor = None
    while True:
        params = {"queue": queue, "limit": 37, **({"cursor": cursor} if cursor else {})}
        page = QueuePage.from_json(http.get("/v1/queue", params=params, headers=server.auth(who)).json())
        rows.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return rows


def _ids(http: httpx.Client, server: RunningServer, who: str, **params: Any) -> tuple[list[str], int, int]:
    """GET /v1/queue/ids read line by line through the model: (ids, seq, total)."""
    r = http.get("/v1/queue/ids", params=params, headers=server.auth(who))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [IdsLine.from_json(json.loads(line)) for line in r.text.splitlines()]
    assert lines[0].seq is not None and lines[-1].total is not None
    ids = [i for line in lines[1:-1] for i in line.ids]
    assert lines[-1].total == len(ids)
    return ids, lines[0].seq, lines[-1].total


# Terms over the values the population holds, beside test_filters' whole language.
LOCAL_TERMS = st.sampled_from([
    "kind:post", "kind:channel", "source:tf", "source:ao,auto", "country:de", "country:fr,at", "reason:spam",
    "reason:fraud,hate_speech", "state:escalated", "escalated:legal", "escalated:senior,child_safety", "flag:any",
    "flag:bidi", "flag:invisible", "flag:control", "flag:combining", "campaign:any", "reports>=2", "reports=1",
    "priority>=70", "priority<50", "age>1h", "age<=2h", "age>=10m", "due<0", "due<=15m", "due>-30m", "overdue",
    "bitcoin", '"free bitcoin"', "straße", "STRASSE", "i̇stanbul", "⟨rlo⟩", "␛", "\u200b", '"a — b"', "crypto", "—",
])
LOCAL = st.lists(st.tuples(st.booleans(), LOCAL_TERMS), max_size=4).map(
    lambda terms: " ".join(("-" if neg else "") + t for neg, t in terms))


@settings(max_examples=250, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(expr=st.one_of(LOCAL, LOCAL, EXPRESSIONS), sort=st.sampled_from(SORTS), queue=st.sampled_from(["open", "escalated"]),
       who=st.sampled_from(["sam", "ana", "lea"]))
def test_the_server_evaluates_a_filter_as_the_client_does(population: RunningServer, expr: str, sort: str, queue: str, who: str) -> None:
    server = population
    now = datetime.fromtimestamp(server.clock(), UTC)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        rows = _rows_cache.get((who, queue))
        if rows is None:
            rows = _rows_cache[(who, queue)] = _all_rows(http, server, who, queue)
        expected = [i.id for i in parse_sort(sort).sort(parse(expr).select(rows, now))]
        ids, _, total = _ids(http, server, who, queue=queue, sort=sort, filter=expr)
        assert ids == expected
        count = QueueCount.from_json(http.get("/v1/queue/count", params={"queue": queue, "sort": sort, "filter": expr},
                                              headers=server.auth(who)).json())
        assert count.total == total == len(expected)
        page = QueuePage.from_json(http.get("/v1/queue", params={"queue": queue, "sort": sort, "filter": expr, "limit": 7},
                                            headers=server.auth(who)).json())
        assert [i.id for i in page.items] == expected[:7] and page.total == len(expected)


_rows_cache: dict[tuple[str, str], list[ItemSummary]] = {}


def test_the_population_is_varied_enough_to_mean_something(population: RunningServer) -> None:
    """Guards the property above against a population where every filter matches nothing."""
    with httpx.Client(base_url=population.url, timeout=30) as http:
        for expr in ("flag:bidi", "flag:combining", "campaign:any", "overdue", "state:escalated", "STRASSE", "⟨rlo⟩"):
            queue = "escalated" if expr == "state:escalated" else "open"
            _, _, total = _ids(http, population, "sam", queue=queue, filter=expr)
            assert total > 0, expr


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("expr", ["", "kind:post -source:auto"])
def test_rows_by_offset_are_the_cursor_order_at_every_depth(server: RunningServer, http: httpx.Client, sort: str, expr: str) -> None:
    order: list[str] = []
    cursor = None
    while True:
        params = {"sort": sort, "limit": 23, "filter": expr, **({"cursor": cursor} if cursor else {})}
        page = QueuePage.from_json(http.get("/v1/queue", params=params, headers=server.auth("ana")).json())
        order.extend(i.id for i in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(order) == len(set(order)) == page.total > 20
    for offset in (0, 1, 19, len(order) // 2, len(order) - 3, len(order) - 1, len(order), len(order) + 50):
        r = http.get("/v1/queue", params={"sort": sort, "filter": expr, "offset": offset, "limit": 10}, headers=server.auth("ana"))
        page = QueuePage.from_json(r.json())
        assert [i.id for i in page.items] == order[offset:offset + 10], offset
        assert page.total == len(order)
        if page.next_cursor is not None:  # a page by position goes on by keyset
            after = QueuePage.from_json(http.get("/v1/queue", params={"sort": sort, "filter": expr, "cursor": page.next_cursor, "limit": 5},
                                                 headers=server.auth("ana")).json())
            assert [i.id for i in after.items] == order[offset + 10:offset + 15]
    ids, _, total = _ids(http, server, "ana", sort=sort, filter=expr)
    assert ids == order and total == len(order)


def test_a_reversed_sort_is_the_exact_reverse(server: RunningServer, http: httpx.Client) -> None:
    for name in ("deadline", "priority", "reports", "age"):
        forward, _, _ = _ids(http, server, "ana", sort=name)
        backward, _, _ = _ids(http, server, "ana", sort=f"-{name}")
        assert backward == forward[::-1]


def test_count_ids_and_total_agree_with_the_v1_parameters_too(server: RunningServer, http: httpx.Client) -> None:
    """The old per-field parameters keep working, alone and AND-ed with `filter=`."""
    for params in ({}, {"kind": "post"}, {"source": "automated", "filter": "reports>=2"}, {"filter": "source:auto reports>=2"},
                   {"q": "bitcoin"}, {"queue": "escalated"}):
        count = http.get("/v1/queue/count", params=params, headers=server.auth("sam")).json()
        ids, seq, total = _ids(http, server, "sam", **params)
        page = http.get("/v1/queue", params={**params, "limit": 1000}, headers=server.auth("sam")).json()
        assert count == {"total": total, "seq": seq} and total == len(ids) == page["total"]
        assert ids == [i["id"] for i in page["items"]]
    both = http.get("/v1/queue/count", params={"source": "automated", "filter": "reports>=2"}, headers=server.auth("sam")).json()
    same = http.get("/v1/queue/count", params={"filter": "source:auto reports>=2"}, headers=server.auth("sam")).json()
    assert both == same and 0 < both["total"] < http.get("/v1/queue/count", headers=server.auth("sam")).json()["total"]


@pytest.mark.parametrize("path", ["/v1/queue", "/v1/queue/count", "/v1/queue/ids"])
@pytest.mark.parametrize(("expr", "token", "message"), [
    ("kind:post sourc:x", "sourc", "unknown field 'sourc' (did you mean source?)"),
    ("reports>>5", ">>", "bad comparison '>>'"),
    ("reason:", "reason:", "reason needs a value"),
    ("spam OR scam", "OR", "no OR"),
])
def test_a_bad_filter_is_a_400_naming_the_token_and_changes_nothing(
        server: RunningServer, http: httpx.Client, path: str, expr: str, token: str, message: str) -> None:
    before = server.store.seq()
    r = http.get(path, params={"filter": expr}, headers=server.auth("ana"))
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["error"] == "bad_filter" and message in body["detail"] and body["detail"].startswith("filter: ")
    assert body["token"] == token == expr[body["start"]:body["end"]]
    assert server.store.seq() == before


def test_offset_and_cursor_together_are_refused(server: RunningServer, http: httpx.Client) -> None:
    cursor = http.get("/v1/queue", params={"limit": 2}, headers=server.auth("ana")).json()["next_cursor"]
    r = http.get("/v1/queue", params={"limit": 2, "cursor": cursor, "offset": 3}, headers=server.auth("ana"))
    assert r.status_code == 422 and r.json()["detail"].startswith("offset:")
    r = http.get("/v1/queue", params={"cursor": cursor, "sort": "-deadline"}, headers=server.auth("ana"))
    assert r.status_code == 422 and "another sort order" in r.json()["detail"]


def test_the_id_stream_is_one_snapshot_with_its_seq(server: RunningServer, http: httpx.Client) -> None:
    """The `seq` line comes first and is the feed position of the ids: a decision after it
    shows in the feed after that seq, and a stream read later leaves the item out."""
    ids, seq, _ = _ids(http, server, "ana")
    gone = ids[3]
    version = http.get(f"/v1/items/{gone}", headers=server.auth("ana")).json()["version"]
    r = http.post("/v1/decisions", json={"decisions": [Decision.new(gone, version, Action.APPROVE).to_json()]}, headers=server.auth("ana"))
    assert r.json()["results"][0]["result"] == "applied"
    feed = http.get("/v1/queue/changes", params={"since": seq}, headers=server.auth("ana")).json()["changes"]
    assert [c["item_id"] for c in feed] == [gone]
    again, later, _ = _ids(http, server, "ana")
    assert again == [i for i in ids if i != gone] and later == feed[-1]["seq"]


# -- the client ------------------------------------------------------------------------------


def test_the_client_counts_streams_and_pages_by_position(server: RunningServer) -> None:
    async def run() -> None:
        async with TriageBackend(server.url, server.tokens["ana"]) as b:
            assert b.capabilities.filter_fields == ALL_TERMS and b.capabilities.sorts == ALL_SORTS
            assert b.capabilities.counts and b.capabilities.offsets and b.capabilities.id_streams and b.capabilities.filter_expressions
            query = QueueQuery(sort="-priority", filter="kind:post -flag:any")
            count = await b.count(query)
            stream = b.ids(query)
            ids = [i async for i in stream]
            assert stream.seq == count.seq and stream.total == count.total == len(ids) > 0
            for offset in (0, 5, len(ids) - 2):
                page = await b.queue(query, offset=offset, limit=4)
                assert [i.id for i in page.items] == ids[offset:offset + 4] and page.total == len(ids)
            with pytest.raises(InvalidRequest, match="unknown field 'kid'"):
                await b.count(QueueQuery(filter="kid:post"))
            with pytest.raises(InvalidRequest, match="unknown field 'kid'"):
                [i async for i in b.ids(QueueQuery(filter="kid:post"))]
            with pytest.raises(ValueError):
                await b.queue(query, offset=1, cursor="x")
    asyncio.run(run())


@pytest.mark.parametrize(("body", "problem"), [
    (b'{"seq": 1}\n{"ids": ["a", "b"]}\n', "without its total"),
    (b'{"seq": 1}\n{"ids": ["a", "b"]}\n{"total": 3}\n', "2 ids came"),
    (b'{"ids": ["a"]}\n{"total": 1}\n', "out of place"),
    (b'{"seq": 1}\n{"total": 0}\n{"ids": ["a"]}\n', "out of place"),
    (b'{"seq": 1}\n{"ids": ["a b"]}\n{"total": 1}\n', "line[1].ids[0]"),
    (b'{"seq": 1}\n{"ids": [], "total": 0}\n', "one key"),
    (b'{"seq": 1}\nnot json\n', "not valid JSON"),
])
def test_a_broken_id_stream_is_a_bad_payload_not_a_short_list(body: bytes, problem: str) -> None:
    """No real server sends these: a transport stands in for a broken or hostile one."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers={"content-type": "application/x-ndjson"}))

    async def run() -> None:
        async with TriageBackend("http://127.0.0.1:9", "t0ken-for-the-test", transport=transport) as b:
            with pytest.raises(BadPayload, match=problem.replace("[", r"\[").replace("]", r"\]")):
                [i async for i in b.ids(QueueQuery())]
    asyncio.run(run())


def test_the_model_reads_id_lines_and_counts() -> None:
    assert IdsLine.from_json({"seq": 4}) == IdsLine(seq=4)
    assert IdsLine.from_json({"ids": ["at://x/y"]}) == IdsLine(ids=("at://x/y",))
    assert IdsLine.from_json({"total": 0}) == IdsLine(total=0)
    for bad in ({}, {"seq": -1}, {"ids": "a"}, {"seq": 1, "total": 1}, [1], {"total": True}):
        with pytest.raises(PayloadError):
            IdsLine.from_json(bad)
    assert QueueCount.from_json({"total": 3, "seq": 9}) == QueueCount(3, 9)
    with pytest.raises(PayloadError, match="count.total"):
        QueueCount.from_json({"seq": 9})


def test_ozone_says_honestly_what_it_evaluates() -> None:
    caps = OzoneBackend.capabilities
    assert caps.filter_fields == {"kind", "reason"} and not caps.sorts
    assert not (caps.counts or caps.offsets or caps.id_streams or caps.filter_expressions)


def test_ozone_refuses_a_filter_expression_before_sending_anything() -> None:
    """Ozone evaluates no expression: a query with one is refused, never silently widened."""
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))

    async def run() -> None:
        async with OzoneBackend("http://127.0.0.1:9", "ozone-admin-secret", transport=transport) as b:
            with pytest.raises(InvalidRequest, match="no filter expressions"):
                await b.queue(QueueQuery(filter="kind:post"))
    asyncio.run(run())
    assert sent == []
