"""Bad input to the reference server gets JSON `{error, detail}` naming the field and
changes nothing: ingest is all or nothing, text that is not Unicode is a 422 (or, in a
decision batch, that decision's own `invalid`), and even a bug answers JSON, never a
text/plain 500. Real server, real HTTP, real SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import SEEDED, RunningServer
from triage_tui.model import Action, Decision, iso, now

PLAIN = "it-0000007"
REPORT = '{"id":"r","source":"user_report","reason":"spam","created_at":"2026-01-01T00:00:00Z"}'


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def item(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "kind": "post", "text": "t",
            "reports": [{"id": "r", "source": "user_report", "reason": "spam", "created_at": iso(now())}]}


def stored(server: RunningServer) -> tuple[int, int]:
    """(items, changes) in the server's database."""
    with sqlite3.connect(server.store.path) as db:
        return db.execute("SELECT count(*) FROM items").fetchone()[0], db.execute("SELECT count(*) FROM changes").fetchone()[0]


def assert_json_error(r: httpx.Response, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) >= {"error", "detail"} and body["detail"].startswith(f"{field}:"), body


def test_an_ingest_batch_with_one_bad_item_stores_none(server: RunningServer, http: httpx.Client) -> None:
    before = stored(server)
    for bad_at, count in ((4000, 4001), (0, 3), (2000, 2001)):
        items = [item(f"batch-{bad_at}-{n}") for n in range(count)]
        items[bad_at] = {**items[bad_at], "kind": "video"}
        r = http.post("/v1/items", json={"items": items}, headers=server.auth("root"))
        assert_json_error(r, 422, f"items[{bad_at}].kind")
        assert stored(server) == before
    assert stored(server) == (SEEDED, before[1])
    r = http.post("/v1/items", json={"items": [item("batch-ok-1"), item("batch-ok-2")]}, headers=server.auth("root"))
    assert r.json()["created"] == 2 and stored(server)[0] == SEEDED + 2


@pytest.mark.parametrize(("body", "field"), [
    ('{"items":[{"id":"s","kind":"post","text":"\\ud800","reports":[%s]}]}' % REPORT, "items[0].text"),
    ('{"items":[{"id":"s","kind":"post","text":"ok","reports":[%s,{"id":"r2","source":"user_report","reason":"spam",'
     '"created_at":"2026-01-01T00:00:00Z","comment":"x\\udcff"}]}]}' % REPORT, "items[0].reports[1].comment"),
    ('{"items":[{"id":"s","kind":"post","text":"ok","\\udc80":1,"reports":[%s]}]}' % REPORT, "items[0].'\\udc80'"),
    ('{"items":[{"id":"s\\ud800","kind":"post","text":"ok","reports":[%s]}]}' % REPORT, "items[0].id"),
])
def test_a_lone_surrogate_at_ingest_is_a_422_naming_the_field(server: RunningServer, http: httpx.Client, body: str, field: str) -> None:
    before = stored(server)
    r = http.post("/v1/items", content=body.encode(), headers={**server.auth("root"), "content-type": "application/json"})
    assert_json_error(r, 422, field)
    assert "surrogate" in r.json()["detail"]
    assert stored(server) == before


def test_a_lone_surrogate_in_a_decision_is_that_decisions_invalid_and_the_rest_apply(server: RunningServer, http: httpx.Client) -> None:
    good = Decision.new(PLAIN, 1, Action.APPROVE).to_json()
    poison = Decision.new("it-0000011", 1, Action.APPROVE).to_json()
    body = json.dumps({"decisions": [{**poison, "note": "NOTE"}, good]}).replace('"NOTE"', '"\\ud800"')
    r = http.post("/v1/decisions", content=body.encode(), headers={**server.auth("ana"), "content-type": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
    first, second = r.json()["results"]
    assert (first["id"], first["result"]) == (poison["id"], "invalid")
    assert first["detail"].startswith("decisions[0].note:") and "surrogate" in first["detail"]
    assert (second["result"], second["item_id"]) == ("applied", PLAIN)
    assert http.get("/v1/items/it-0000011", headers=server.auth("ana")).json()["state"] == "open"


def test_bodies_json_cannot_hold_are_422(server: RunningServer, http: httpx.Client) -> None:
    headers = {**server.auth("root"), "content-type": "application/json"}
    for path in ("/v1/items", "/v1/decisions", f"/v1/items/{PLAIN}/claim"):
        r = http.post(path, content=b"[" * 100_000 + b"]" * 100_000, headers=headers)
        assert_json_error(r, 422, "body")
        r = http.post(path, content=b'{"items": "\xff"}', headers=headers)
        assert_json_error(r, 422, "body")


def test_a_server_fault_is_a_json_500_not_text(server: RunningServer, http: httpx.Client) -> None:
    server.store._db.close()  # the database goes away under the running server: a real fault, no mock
    for path in ("/v1/queue", "/v1/stats", f"/v1/items/{PLAIN}"):
        r = http.get(path, headers=server.auth("ana"))
        assert r.status_code == 500 and r.headers["content-type"] == "application/json", r.text
        assert r.json()["error"] == "internal" and r.json()["detail"]


def test_405_names_the_allowed_methods(server: RunningServer, http: httpx.Client) -> None:
    for method, path, allowed in (("PUT", "/v1/decisions", {"GET", "HEAD", "POST"}), ("TRACE", "/v1/health", {"GET", "HEAD"}),
                                  ("GET", "/v1/items", {"POST"}), ("PATCH", f"/v1/items/{PLAIN}/claim", {"POST", "DELETE"}),
                                  ("DELETE", f"/v1/items/{PLAIN}", {"GET", "HEAD"})):
        r = http.request(method, path, headers=server.auth("ana"))
        assert (r.status_code, r.json()["error"]) == (405, "method_not_allowed"), (method, path)
        assert {m.strip() for m in r.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/v1/decisions", {"since": ""}, "since"), ("/v1/decisions", {"limit": ""}, "limit"),
    ("/v1/decisions", {"cursor": "abc"}, "cursor"), ("/v1/decisions", {"since": "2026-13-01T00:00:00Z"}, "since"),
    ("/v1/queue/changes", {"since": ""}, "since"), ("/v1/queue/changes", {"since": "-1"}, "since"),
    ("/v1/queue", {"kind": ""}, "kind"), ("/v1/queue", {"country": "DÉ"}, "country"), ("/v1/queue", {"limit": ""}, "limit"),
])
def test_typed_query_parameters_given_empty_or_wrong_are_422(server: RunningServer, http: httpx.Client, path: str, params: dict[str, str], field: str) -> None:
    assert_json_error(http.get(path, params=params, headers=server.auth("sam")), 422, field)


@pytest.mark.parametrize(("change", "field"), [
    ({"created_at": "0001-01-01T00:00:00Z"}, "items[0].created_at"),  # the client's model refuses it: unservable
    ({"created_at": "2026-02-30T00:00:00Z"}, "items[0].created_at"),
    ({"created_at": "20260101T000000Z"}, "items[0].created_at"),  # ISO 8601 that Python reads, not RFC 3339
    ({"reports": [{"id": "r", "source": "user_report", "reason": "spam", "created_at": "2026-01-01T00:00:00+01:00"}]},
     "items[0].reports[0].created_at"),
    ({"media": [{"type": "image/png", "size": 5.5, "sha256": "ab" * 32}]}, "items[0].media[0].size"),
])
def test_ingest_takes_times_and_numbers_the_client_can_read_back(server: RunningServer, http: httpx.Client, change: dict[str, Any], field: str) -> None:
    r = http.post("/v1/items", json={"items": [{**item("t-1"), **change}]}, headers=server.auth("root"))
    assert_json_error(r, 422, field)


def test_an_ingested_item_is_served_as_the_client_reads_it(server: RunningServer, http: httpx.Client) -> None:
    odd = {**item("t-2"), "created_at": "2199-12-31T23:59:59.999999Z",
           "media": [{"type": "image/png", "size": 5.0, "sha256": "ab" * 32}],  # JSON has one number type: 5.0 is 5
           "reports": [{"id": "r", "source": "user_report", "reason": "spam", "created_at": "1970-01-01T00:00:00Z",
                        "deadline": "not a time, and no order's deadline"}]}  # a user report has no deadline: ignored
    r = http.post("/v1/items", json={"items": [odd]}, headers=server.auth("root"))
    assert r.status_code == 200, r.text
    from triage_tui.model import Item

    served = Item.from_json(http.get("/v1/items/t-2", headers=server.auth("ana")).json())
    assert served.media[0].size == 5 and served.created_at is not None and served.created_at.year == 2199
