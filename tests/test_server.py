"""The reference backend over real HTTP on 127.0.0.1 with real SQLite: every endpoint,
its errors, and the rules that make a decision land exactly once."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import SEEDED, RunningServer
from triage_tui.model import (
    Action,
    AuditPage,
    ChangeBatch,
    ChangeType,
    Decision,
    Item,
    Moderator,
    Policy,
    QueuePage,
    Stats,
    iso,
    now,
    parse_results,
)

TCO_DE = "it-0000001"  # EU terrorist-content order from DE, due in 35 minutes
ORDER_RU = "it-0000003"  # authority order from RU: the policy requires legal review
PLAIN = "it-0000007"  # automated flag only


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def get(http: httpx.Client, server: RunningServer, who: str, path: str, **params: Any) -> httpx.Response:
    return http.get(path, params=params, headers=server.auth(who))


def decision(item_id: str, version: int = 1, action: str = "approve", **fields: Any) -> dict[str, Any]:
    return Decision.new(item_id, version, Action(action), **fields).to_json()


def decide(http: httpx.Client, server: RunningServer, who: str, *decisions: dict[str, Any]) -> list[dict[str, Any]]:
    r = http.post("/v1/decisions", json={"decisions": list(decisions)}, headers=server.auth(who))
    assert r.status_code == 200, r.text
    parse_results(r.json())  # every answer is a valid protocol document
    return r.json()["results"]


def version_of(http: httpx.Client, server: RunningServer, item_id: str) -> int:
    return get(http, server, "sam", f"/v1/items/{item_id}").json()["version"]


# -- unauthenticated paths and 401 ------------------------------------------------


def test_health_and_openapi_need_no_token_and_describe_every_route(server: RunningServer, http: httpx.Client) -> None:
    assert http.get("/v1/health").json() == {"status": "ok", "protocol": 1}
    spec = http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    from starlette.routing import Route

    from triage_tui.server.app import create_app

    app = create_app(server.store, demo_tokens_table())
    for route in app.routes:
        assert isinstance(route, Route)
        path = route.path.replace(":str}", "}")
        assert path in spec["paths"], path
        for method in route.methods or ():
            if method != "HEAD":
                assert method.lower() in spec["paths"][path], (method, path)


def demo_tokens_table() -> Any:
    from triage_tui.server.auth import demo_moderators

    return demo_moderators()[0]


PROTECTED = [
    ("GET", "/v1/me"), ("GET", "/v1/policy"), ("GET", "/v1/queue"), ("GET", "/v1/queue/changes?since=0"),
    ("GET", f"/v1/items/{TCO_DE}"), ("POST", f"/v1/items/{TCO_DE}/claim"), ("DELETE", f"/v1/items/{TCO_DE}/claim"),
    ("POST", "/v1/decisions"), ("GET", "/v1/decisions"), ("GET", "/v1/stats"), ("POST", "/v1/items"),
]


def test_every_protected_endpoint_answers_401_without_a_known_token(server: RunningServer, http: httpx.Client) -> None:
    for header in (None, "Bearer not-a-known-token-at-all", "Basic YW5hOnNlY3JldA==", "Bearer", server.tokens["ana"]):
        headers = {"Authorization": header} if header is not None else {}
        for method, path in PROTECTED:
            r = http.request(method, path, headers=headers)
            assert r.status_code == 401, (header, method, path)
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["error"] == "unauthorized"


def test_unknown_route_and_wrong_method_are_json_errors(server: RunningServer, http: httpx.Client) -> None:
    r = get(http, server, "ana", "/v1/nope")
    assert (r.status_code, r.json()["error"]) == (404, "not_found")
    r = http.put("/v1/decisions", headers=server.auth("ana"))
    assert (r.status_code, r.json()["error"]) == (405, "method_not_allowed")


# -- me, policy --------------------------------------------------------------------


def test_me_names_the_tokens_moderator_and_roles(server: RunningServer, http: httpx.Client) -> None:
    me = Moderator.from_json(get(http, server, "lea", "/v1/me").json())
    assert (me.id, me.roles) == ("mod-lea", frozenset({"legal"}))
    assert Moderator.from_json(get(http, server, "root", "/v1/me").json()).roles == frozenset({"admin"})


def test_policy_parses_and_requires_legal_review_for_flagged_orders(server: RunningServer, http: httpx.Client) -> None:
    policy = Policy.from_json(get(http, server, "ana", "/v1/policy").json())
    assert policy.reason("csam") is not None and policy.reason("csam").sensitive
    assert {t.code for t in policy.escalation_targets} == {"legal", "child_safety", "senior"}
    item = Item.from_json(get(http, server, "ana", f"/v1/items/{ORDER_RU}").json())
    rule = policy.escalation_needed(item)
    assert rule is not None and rule.target == "legal"
    assert policy.escalation_needed(Item.from_json(get(http, server, "ana", f"/v1/items/{TCO_DE}").json())) is None


# -- the queue -------------------------------------------------------------------------


def all_pages(http: httpx.Client, server: RunningServer, who: str = "ana", **params: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        query = dict(params, limit=37)
        if cursor:
            query["cursor"] = cursor
        r = get(http, server, who, "/v1/queue", **query)
        assert r.status_code == 200, r.text
        page = QueuePage.from_json(r.json())
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items


@pytest.mark.parametrize("sort", ["deadline", "priority", "reports", "age"])
def test_cursor_pages_cover_the_queue_once_in_order(server: RunningServer, http: httpx.Client, sort: str) -> None:
    items = all_pages(http, server, sort=sort)
    assert len(items) == len({i.id for i in items}) == SEEDED
    far = 10**12

    def key(i: Any) -> tuple[Any, ...]:
        if sort == "deadline":
            return (i.deadline.timestamp() if i.deadline else far, -i.priority, i.id)
        if sort == "priority":
            return (-i.priority, i.id)
        if sort == "reports":
            return (-i.report_count, i.id)
        return (i.first_reported_at, i.id)

    assert items == sorted(items, key=key)


def test_pages_neither_skip_nor_repeat_while_items_leave_the_queue(server: RunningServer, http: httpx.Client) -> None:
    first = QueuePage.from_json(get(http, server, "ana", "/v1/queue", limit=50).json())
    # Someone decides items on the first page and beyond it while ana pages.
    gone = [first.items[3].id, first.items[49].id]
    later = QueuePage.from_json(get(http, server, "ben", "/v1/queue", limit=60).json()).items[55].id
    for item_id in (*gone, later):
        assert decide(http, server, "ben", decision(item_id))[0]["result"] == "applied"
    rest = QueuePage.from_json(get(http, server, "ana", "/v1/queue", limit=500, cursor=first.next_cursor).json())
    seen = [i.id for i in first.items] + [i.id for i in rest.items]
    assert len(seen) == len(set(seen)) == SEEDED - 1  # only `later` vanished from the unseen part
    assert later not in seen


def test_filters_combine_and_total_counts_the_matches(server: RunningServer, http: httpx.Client) -> None:
    every = all_pages(http, server)
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"kind": "channel"}, lambda i: i.kind == "channel"),
        ({"source": "authority_order"}, lambda i: "authority_order" in i.sources),
        ({"source": "authority_order", "country": "DE"}, lambda i: "DE" in i.countries),
        ({"reason": "spam"}, lambda i: "spam" in i.reasons),  # any report's reason, not only the main one
        ({"min_reports": 5}, lambda i: i.report_count >= 5),
        ({"kind": "post", "source": "trusted_flagger"}, lambda i: i.kind == "post" and "trusted_flagger" in i.sources),
    ]
    for params, predicate in cases:
        expected = {i.id for i in every if predicate(i)}
        assert expected, params  # the demo data exercises every filter
        page = get(http, server, "ana", "/v1/queue", limit=1000, **params).json()
        assert {i["id"] for i in page["items"]} == expected, params
        assert page["total"] == len(expected)


def test_text_search_is_case_insensitive_over_title_and_text(server: RunningServer, http: httpx.Client) -> None:
    items = get(http, server, "ana", "/v1/queue", q="CRYPTO_GAINS", limit=1000).json()["items"]
    assert {"it-0000009", "it-0000010", "it-0000011", "it-0000012"} <= {i["id"] for i in items}
    title_hit = get(http, server, "ana", "/v1/queue", q="раypal", limit=1000).json()["items"]  # Cyrillic Р, а
    assert "it-0000013" in {i["id"] for i in title_hit}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"sort": "random"}, "sort"), ({"queue": "closed"}, "queue"),
     ({"country": "de"}, "country"), ({"source": "rumour"}, "source"), ({"min_reports": -1}, "min_reports"),
     ({"cursor": "!!!"}, "cursor"), ({"limt": 5}, "limt"), ({"kind": "user"}, "kind")],
)
def test_bad_queue_parameters_are_422_naming_the_parameter(server: RunningServer, http: httpx.Client, params: dict[str, Any], field: str) -> None:
    r = get(http, server, "ana", "/v1/queue", **params)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid"
    assert r.json()["detail"].startswith(f"{field}:")


def test_a_cursor_from_another_sort_is_refused(server: RunningServer, http: httpx.Client) -> None:
    cursor = get(http, server, "ana", "/v1/queue", limit=5, sort="age").json()["next_cursor"]
    r = get(http, server, "ana", "/v1/queue", limit=5, sort="priority", cursor=cursor)
    assert r.status_code == 422 and "sort" in r.json()["detail"]


def test_escalated_items_are_visible_to_the_target_role_only(server: RunningServer, http: httpx.Client) -> None:
    result = decide(http, server, "ana", decision(ORDER_RU, action="escalate", escalate_to="legal", note="RU order: legal review"))
    assert result[0]["result"] == "applied" and result[0]["state"] == "escalated"
    assert ORDER_RU not in {i.id for i in all_pages(http, server)}
    for who, sees in (("lea", True), ("sam", True), ("root", True), ("ana", False), ("cas", False)):
        ids = {i["id"] for i in get(http, server, who, "/v1/queue", queue="escalated").json()["items"]}
        assert (ORDER_RU in ids) is sees, who
        status = get(http, server, who, f"/v1/items/{ORDER_RU}").status_code
        assert status == (200 if sees else 403), who
    r = http.post(f"/v1/items/{ORDER_RU}/claim", headers=server.auth("cas"))
    assert r.status_code == 403


# -- item detail -----------------------------------------------------------------------


def test_item_detail_parses_with_reports_profile_campaign_and_history(server: RunningServer, http: httpx.Client) -> None:
    item = Item.from_json(get(http, server, "ana", f"/v1/items/{TCO_DE}").json())
    order = next(r for r in item.reports if r.source == "authority_order")
    assert order.origin.country == "DE" and order.deadline == item.deadline
    assert item.deadline is not None and abs((item.deadline - now()).total_seconds() - 35 * 60) < 5
    assert item.media and item.author is not None and item.claim is None and item.history == ()
    spam = Item.from_json(get(http, server, "ana", "/v1/items/it-0000009").json())
    assert spam.campaign is not None and spam.campaign.size >= 4
    assert get(http, server, "ana", "/v1/items/it-9999999").status_code == 404


def test_history_and_strikes_follow_decisions(server: RunningServer, http: httpx.Client) -> None:
    first = Item.from_json(get(http, server, "ana", "/v1/items/it-0000009").json())
    assert first.author is not None
    decide(http, server, "ana", decision("it-0000009", action="remove", reason="spam", note="campaign"))
    after = Item.from_json(get(http, server, "sam", "/v1/items/it-0000009").json())
    assert [(h.action, h.moderator, h.reason) for h in after.history] == [("remove", "mod-ana", "spam")]
    assert after.author is not None and after.author.strikes == first.author.strikes + 1


def test_hostile_text_is_stored_and_served_verbatim(server: RunningServer, http: httpx.Client) -> None:
    """The backend keeps evidence intact; making it safe to show is the client's job."""
    raw = get(http, server, "ana", "/v1/items/it-0000014").json()["text"]
    assert "\x1b[" in raw
    shown = Item.from_json(get(http, server, "ana", "/v1/items/it-0000014").json())
    assert "\x1b" not in shown.text and "control" in shown.flags


# -- claims ------------------------------------------------------------------------------


def test_claim_is_a_lease_that_lapses_and_can_then_be_taken(server: RunningServer, http: httpx.Client) -> None:
    r = http.post(f"/v1/items/{TCO_DE}/claim", json={"ttl": 60}, headers=server.auth("ana"))
    assert r.status_code == 200 and r.json()["holder"] == "mod-ana"
    r = http.post(f"/v1/items/{TCO_DE}/claim", headers=server.auth("ben"))
    assert r.status_code == 409
    assert (r.json()["error"], r.json()["holder"]) == ("claimed", "mod-ana")
    assert get(http, server, "ben", f"/v1/items/{TCO_DE}").json()["claim"]["holder"] == "mod-ana"
    # While the claim holds, ben's decision is a conflict that names the holder.
    result = decide(http, server, "ben", decision(TCO_DE))[0]
    assert (result["result"], result["error"], result["current"]["claimed_by"]) == ("conflict", "claimed", "mod-ana")
    server.clock.advance(59)
    assert http.post(f"/v1/items/{TCO_DE}/claim", headers=server.auth("ben")).status_code == 409
    server.clock.advance(1)  # the lease ends at expires_at
    r = http.post(f"/v1/items/{TCO_DE}/claim", json={"ttl": 30}, headers=server.auth("ben"))
    assert r.status_code == 200 and r.json()["holder"] == "mod-ben"


def test_claim_renewal_release_and_refusals(server: RunningServer, http: httpx.Client) -> None:
    first = http.post(f"/v1/items/{PLAIN}/claim", json={"ttl": 30}, headers=server.auth("ana")).json()
    server.clock.advance(20)
    renewed = http.post(f"/v1/items/{PLAIN}/claim", json={"ttl": 30}, headers=server.auth("ana")).json()
    assert renewed["expires_at"] > first["expires_at"]
    r = http.delete(f"/v1/items/{PLAIN}/claim", headers=server.auth("ben"))
    assert (r.status_code, r.json()["holder"]) == (409, "mod-ana")
    assert http.delete(f"/v1/items/{PLAIN}/claim", headers=server.auth("ana")).status_code == 204
    assert http.delete(f"/v1/items/{PLAIN}/claim", headers=server.auth("ana")).status_code == 204  # none: fine
    for ttl in (0, 4, 3601, "300", True):
        r = http.post(f"/v1/items/{PLAIN}/claim", json={"ttl": ttl}, headers=server.auth("ana"))
        assert (r.status_code, r.json()["detail"].split(":")[0]) == (422, "ttl"), ttl
    assert http.post("/v1/items/it-9999999/claim", headers=server.auth("ana")).status_code == 404
    decide(http, server, "ana", decision(PLAIN))
    r = http.post(f"/v1/items/{PLAIN}/claim", headers=server.auth("ana"))
    assert (r.status_code, r.json()["error"]) == (409, "not_claimable")


# -- decisions -----------------------------------------------------------------------------


def test_approve_remove_escalate_apply_and_bump_the_version(server: RunningServer, http: httpx.Client) -> None:
    results = decide(
        http, server, "ana",
        decision("it-0000030"),
        decision(TCO_DE, action="remove", reason="violent_extremism", scope=("DE", "AT"), note="TCO order"),
        decision("it-0000006", action="escalate", escalate_to="child_safety", note="hash match"),
    )
    assert [(r["result"], r["state"], r["version"]) for r in results] == [
        ("applied", "closed", 2), ("applied", "closed", 2), ("applied", "escalated", 2)]
    # Escalated items can be decided by the target role, which closes them.
    assert decide(http, server, "cas", decision("it-0000006", 2, "remove", reason="csam"))[0]["result"] == "applied"


def test_two_moderators_deciding_at_once_exactly_one_applies(server: RunningServer) -> None:
    async def race(item_id: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=server.url) as client:
            answers = await asyncio.gather(*(
                client.post("/v1/decisions", headers=server.auth(who), json={"decisions": [decision(item_id, action=action, **extra)]})
                for who, action, extra in (("ana", "approve", {}), ("ben", "remove", {"reason": "spam"}))
            ))
        return [a.json()["results"][0] for a in answers]

    for n in range(40, 60):
        results = asyncio.run(race(f"it-{n:07d}"))
        outcomes = sorted(r["result"] for r in results)
        assert outcomes == ["applied", "conflict"], results
        winner = "mod-ana" if results[0]["result"] == "applied" else "mod-ben"
        loser = next(r for r in results if r["result"] == "conflict")
        assert loser["error"] == "decided"
        assert loser["current"]["decided_by"] == winner
        assert loser["current"]["action"] == ("approve" if winner == "mod-ana" else "remove")
        assert winner in loser["detail"]


def test_the_same_key_twice_applies_once_and_repeats_the_first_answer(server: RunningServer, http: httpx.Client) -> None:
    d = decision(TCO_DE, action="remove", reason="violent_extremism")
    first = decide(http, server, "ana", d)[0]
    again = decide(http, server, "ana", d)[0]
    assert first["result"] == "applied"
    assert again["result"] == "duplicate" and again["original"] == first
    assert len(get(http, server, "ana", "/v1/decisions").json()["decisions"]) == 1


def test_the_same_key_sent_concurrently_applies_once(server: RunningServer) -> None:
    d = decision(PLAIN, action="remove", reason="other")

    async def burst() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=server.url) as client:
            answers = await asyncio.gather(*(
                client.post("/v1/decisions", headers=server.auth("ana"), json={"decisions": [d]}) for _ in range(12)
            ))
        return [a.json()["results"][0] for a in answers]

    results = asyncio.run(burst())
    applied = [r for r in results if r["result"] == "applied"]
    assert len(applied) == 1
    assert all(r["result"] == "duplicate" and r["original"] == applied[0] for r in results if r is not applied[0])
    audit = AuditPage.from_json(json.loads(httpx.get(f"{server.url}/v1/decisions", headers=server.auth("ana")).text))
    assert [e.decision.id for e in audit.decisions] == [d["id"]]


def test_a_reused_key_with_another_body_or_moderator_is_invalid(server: RunningServer, http: httpx.Client) -> None:
    d = decision(PLAIN)
    decide(http, server, "ana", d)
    changed = dict(d, note="different")
    assert decide(http, server, "ana", changed)[0]["error"] == "key_reused"
    assert decide(http, server, "ben", d)[0]["error"] == "key_reused"


def test_stale_version_is_a_conflict_with_the_current_state(server: RunningServer, http: httpx.Client) -> None:
    decide(http, server, "ana", decision(PLAIN, action="escalate", escalate_to="senior"))
    result = decide(http, server, "sam", decision(PLAIN, 1, "approve"))[0]
    assert (result["result"], result["error"]) == ("conflict", "version")
    assert result["current"] == {**result["current"], "state": "escalated", "version": 2, "decided_by": "mod-ana", "action": "escalate"}
    assert decide(http, server, "sam", decision(PLAIN, 2, "approve"))[0]["result"] == "applied"


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"action": "remove"}, "invalid", ".reason"),
        ({"action": "escalate"}, "invalid", ".escalate_to"),
        ({"action": "approve", "scope": ["DE"]}, "invalid", ".scope"),
        ({"action": "remove", "reason": "not_a_reason"}, "unknown_reason", ".reason"),
        ({"action": "remove", "reason": "impersonation", "item_id": "it-0000013"}, None, None),
        ({"action": "escalate", "escalate_to": "pope"}, "unknown_target", ".escalate_to"),
        ({"item_id": "it-9999999"}, "unknown_item", ".item_id"),
        ({"item_version": "1"}, "invalid", ".item_version"),
        ({"note": "x" * 10_001}, "invalid", ".note"),
        ({"decided_at": "yesterday"}, "invalid", ".decided_at"),
    ],
)
def test_malformed_decisions_are_invalid_and_name_the_field(server: RunningServer, http: httpx.Client, body: dict[str, Any], error: str | None, field: str | None) -> None:
    raw = {"id": str(uuid.uuid4()), "item_id": PLAIN, "item_version": 1, "action": "approve", "reason": None,
           "scope": "global", "escalate_to": None, "note": None, "decided_at": iso(now()), **body}
    result = decide(http, server, "ana", raw)[0]
    if error is None:
        assert result["result"] == "applied"
        return
    assert (result["result"], result["error"]) == ("invalid", error)
    assert f"decisions[0]{field}" in result["detail"]


@pytest.mark.parametrize(("scope", "says"), [
    (["XX"], "decisions[0].scope[0]: 'XX' is not an ISO 3166-1 alpha-2 country code"),
    (["EU"], "decisions[0].scope[0]: 'EU' is not a country: a scope lists countries. For every member state, type the named scope eu"),
    (["UK"], "decisions[0].scope[0]: 'UK' is not an ISO 3166-1 country code: did you mean GB (United Kingdom)?"),
    (["DE", "EL"], "decisions[0].scope[1]: 'EL' is not an ISO 3166-1 country code: did you mean GR (Greece)?"),
    (["AA"] * 300, "decisions[0].scope[0]: 'AA' is not an ISO 3166-1 alpha-2 country code"),
    (["DE", "AT", "DE"], "decisions[0].scope[2]: DE is listed twice: a scope names each country once"),
    (["de"], "decisions[0].scope[0]: 'de': country codes are upper case: DE"),
])
def test_a_scope_that_names_no_country_is_invalid_and_nothing_is_applied(server: RunningServer, http: httpx.Client, scope: list[str], says: str) -> None:
    bad = decision(TCO_DE, action="remove", reason="violent_extremism", scope=("DE",)) | {"scope": scope}
    result = decide(http, server, "ana", bad)[0]
    assert (result["result"], result["error"]) == ("invalid", "invalid")
    assert says in result["detail"]
    item = get(http, server, "ana", f"/v1/items/{TCO_DE}").json()
    assert (item["state"], item["version"]) == ("open", 1)
    assert AuditPage.from_json(get(http, server, "ana", "/v1/decisions").json()).decisions == ()
    good = decision(TCO_DE, action="remove", reason="violent_extremism", scope=("DE", "GB"))
    assert decide(http, server, "ana", good)[0]["result"] == "applied"


def test_a_policy_file_whose_rule_names_no_country_is_refused(tmp_path: Any) -> None:
    from triage_tui.server.policy import DEFAULT_POLICY_JSON, PolicyFileError, load_policy

    rules = [{"source": "authority_order", "countries": ["RU", "UK"], "target": "legal"}]
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({**DEFAULT_POLICY_JSON, "escalation_required": rules}))
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert str(caught.value) == (f"{path}: policy.escalation_required[0].countries[1]: 'UK' is not an ISO 3166-1 "
                                 "country code: did you mean GB (United Kingdom)?")


def test_ingest_refuses_an_order_from_a_country_that_is_not_one(server: RunningServer, http: httpx.Client) -> None:
    order = {"id": "rp-uk", "source": "authority_order", "reason": "spam", "created_at": iso(now()), "country": "UK",
             "authority": "Ofcom", "legal_basis": "Online Safety Act 2023", "reference": "OSA-1", "deadline": iso(now())}
    item = {"id": "it-uk", "kind": "post", "text": "t", "reports": [order]}
    r = http.post("/v1/items", json={"items": [item]}, headers=server.auth("root"))
    assert r.status_code == 422
    assert r.json()["detail"] == ("items[0].reports[0].country: 'UK' is not an ISO 3166-1 country code: "
                                  "did you mean GB (United Kingdom)?")
    assert get(http, server, "root", "/v1/items/it-uk").status_code == 404
    r = http.post("/v1/items", json={"items": [item | {"reports": [order | {"country": "GB"}]}]}, headers=server.auth("root"))
    assert r.json()["created"] == 1


def test_a_reason_must_apply_to_the_items_kind(tmp_path: Any) -> None:
    import copy

    from triage_tui.server.auth import demo_moderators
    from triage_tui.server.demo import seed_demo
    from triage_tui.server.policy import DEFAULT_POLICY_JSON
    from triage_tui.server.store import Store

    raw = copy.deepcopy(DEFAULT_POLICY_JSON)
    next(r for r in raw["reasons"] if r["code"] == "impersonation")["applies_to"] = ["channel"]
    store = Store(tmp_path / "p.db", Policy.from_json(raw))
    try:
        seed_demo(store, 30, now=time.time())
        table, tokens = demo_moderators()
        ana = table.lookup(tokens["ana"])
        assert ana is not None
        on_post = store.decide(ana, [decision(PLAIN, action="remove", reason="impersonation")])[0]
        assert (on_post["result"], on_post["error"]) == ("invalid", "reason_not_applicable")
        on_channel = store.decide(ana, [decision("it-0000013", action="remove", reason="impersonation")])[0]
        assert on_channel["result"] == "applied"
    finally:
        store.close()


def test_bad_batches_are_422_and_huge_bodies_413(server: RunningServer, http: httpx.Client) -> None:
    for body in ({"decisions": []}, {"decisions": "x"}, {}, [], {"decisions": [decision(PLAIN)] * 501}):
        r = http.post("/v1/decisions", json=body, headers=server.auth("ana"))
        assert (r.status_code, r.json()["detail"].split(":")[0]) == (422, "decisions"), body
    r = http.post("/v1/decisions", content=b"{not json", headers=server.auth("ana"))
    assert (r.status_code, r.json()["detail"].split(":")[0]) == (422, "body")
    r = http.post("/v1/decisions", content=b"[" + b" " * (4 * 1024 * 1024) + b"]", headers=server.auth("ana"))
    assert (r.status_code, r.json()["error"]) == (413, "too_large")
    r = http.post("/v1/decisions", json={"decisions": [5]}, headers=server.auth("ana"))
    assert r.json()["results"][0]["result"] == "invalid"


def test_removal_of_a_flagged_order_needs_legal_review_first(server: RunningServer, http: httpx.Client) -> None:
    refused = decide(http, server, "ana", decision(ORDER_RU, action="remove", reason="election_misinfo", scope=("RU",)))[0]
    assert (refused["result"], refused["error"]) == ("forbidden", "escalation_required")
    assert "RU" in refused["detail"] and "legal" in refused["detail"]
    escalated = decide(http, server, "ana", decision(ORDER_RU, action="escalate", escalate_to="legal"))[0]
    assert escalated["result"] == "applied"
    # Escalated to senior instead of legal: still not removable, even by the senior moderator.
    assert decide(http, server, "sam", decision(ORDER_RU, 2, "escalate", escalate_to="senior"))[0]["result"] == "applied"
    assert decide(http, server, "sam", decision(ORDER_RU, 3, "remove", reason="other", scope=("RU",)))[0]["result"] == "forbidden"
    assert decide(http, server, "sam", decision(ORDER_RU, 3, "escalate", escalate_to="legal"))[0]["result"] == "applied"
    done = decide(http, server, "lea", decision(ORDER_RU, 4, "remove", reason="other", scope=("RU",), note="complied"))[0]
    assert done["result"] == "applied"


# -- the change feed -------------------------------------------------------------------------


def test_a_waiting_long_poll_receives_another_moderators_decision(server: RunningServer, http: httpx.Client) -> None:
    seq = get(http, server, "ana", "/v1/queue", limit=1).json()["seq"]

    async def scenario() -> tuple[dict[str, Any], float]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            started = time.monotonic()
            poll = asyncio.create_task(client.get("/v1/queue/changes", params={"since": seq, "wait": 20}, headers=server.auth("ana")))
            await asyncio.sleep(0.5)
            assert not poll.done()  # held: nothing has changed yet
            await client.post("/v1/decisions", headers=server.auth("ben"), json={"decisions": [decision(TCO_DE, action="remove", reason="violent_extremism")]})
            answer = await poll
            return answer.json(), time.monotonic() - started

    body, took = asyncio.run(scenario())
    assert took < 10
    batch = ChangeBatch.from_json(body)
    assert [(c.type, c.item_id, c.by, c.action) for c in batch.changes] == [(ChangeType.DECIDED, TCO_DE, "mod-ben", Action.REMOVE)]
    assert batch.seq == batch.changes[-1].seq > seq


def test_changes_answer_at_once_when_there_is_nothing_and_no_wait(server: RunningServer, http: httpx.Client) -> None:
    seq = get(http, server, "ana", "/v1/queue", limit=1).json()["seq"]
    assert get(http, server, "ana", "/v1/queue/changes", since=seq).json() == {"changes": [], "seq": seq}
    for params in ({}, {"since": -1}, {"since": seq, "wait": 61}, {"since": seq, "wait": "soon"}):
        assert get(http, server, "ana", "/v1/queue/changes", **params).status_code == 422, params


def test_claims_escalations_and_ingest_are_in_the_feed(server: RunningServer, http: httpx.Client) -> None:
    seq = get(http, server, "ana", "/v1/queue", limit=1).json()["seq"]
    http.post(f"/v1/items/{PLAIN}/claim", headers=server.auth("ana"))
    http.delete(f"/v1/items/{PLAIN}/claim", headers=server.auth("ana"))
    decide(http, server, "ana", decision(PLAIN, action="escalate", escalate_to="senior"))
    new = {"id": "it-ingested-1", "kind": "post", "text": "a new reported post", "title": None, "language": "en",
           "created_at": iso(now()), "media": [], "author": None, "member_count": None,
           "reports": [{"id": "rp-new-1", "source": "user_report", "reason": "spam", "created_at": iso(now()), "reporter": "acct-1"}]}
    r = http.post("/v1/items", json={"items": [new]}, headers=server.auth("root"))
    assert r.json()["created"] == 1
    batch = ChangeBatch.from_json(get(http, server, "ben", "/v1/queue/changes", since=seq).json())
    # ben may not see what went to senior: its claim and release are not his to read now,
    # and the escalation is the id alone, so his client drops the item.
    assert [c.type for c in batch.changes] == [ChangeType.LEFT, ChangeType.NEW]
    left = batch.changes[0]
    assert (left.item_id, left.by, left.item, left.escalated_to, left.action) == (PLAIN, None, None, None, None)
    assert batch.changes[1].item is not None and batch.changes[1].item.id == "it-ingested-1"
    senior = ChangeBatch.from_json(get(http, server, "sam", "/v1/queue/changes", since=seq).json())
    assert [c.type for c in senior.changes] == [ChangeType.CLAIMED, ChangeType.RELEASED, ChangeType.ESCALATED, ChangeType.NEW]
    assert senior.changes[2].item is not None and senior.changes[2].escalated_to == "senior"


# -- ingest ------------------------------------------------------------------------------------


def test_ingest_is_for_admins_and_checks_every_field(server: RunningServer, http: httpx.Client) -> None:
    r = http.post("/v1/items", json={"items": []}, headers=server.auth("ana"))
    assert r.status_code == 403
    bad = {"id": "it-x", "kind": "post", "text": "t", "reports": [{"id": "r", "source": "authority_order", "reason": "spam", "created_at": iso(now())}]}
    r = http.post("/v1/items", json={"items": [bad]}, headers=server.auth("root"))
    assert r.status_code == 422 and r.json()["detail"].startswith("items[0].reports[0].country")
    more = {**bad, "id": TCO_DE, "reports": [{"id": "rp-extra", "source": "user_report", "reason": "spam", "created_at": iso(now())}]}
    r = http.post("/v1/items", json={"items": [more]}, headers=server.auth("root"))
    assert (r.json()["created"], r.json()["updated"]) == (0, 1)
    assert get(http, server, "ana", f"/v1/items/{TCO_DE}").json()["reports"][-1]["id"] == "rp-extra"


# -- audit and stats ---------------------------------------------------------------------------


def test_audit_log_pages_and_is_private_unless_senior(server: RunningServer, http: httpx.Client) -> None:
    for n in range(60, 66):
        decide(http, server, "ana", decision(f"it-{n:07d}"))
    decide(http, server, "ben", decision("it-0000070"))
    page = AuditPage.from_json(get(http, server, "ana", "/v1/decisions", limit=4).json())
    assert [e.moderator for e in page.decisions] == ["mod-ana"] * 4 and page.next_cursor
    rest = AuditPage.from_json(get(http, server, "ana", "/v1/decisions", cursor=page.next_cursor).json())
    assert [e.decision.item_id for e in page.decisions + rest.decisions] == [f"it-{n:07d}" for n in range(60, 66)]
    assert get(http, server, "ana", "/v1/decisions", moderator="mod-ben").status_code == 403
    every = AuditPage.from_json(get(http, server, "sam", "/v1/decisions").json())
    assert len(every.decisions) == 7
    assert get(http, server, "sam", "/v1/decisions", since="2199-01-01T00:00:00Z").json()["decisions"] == []
    assert get(http, server, "sam", "/v1/decisions", since="not a time").status_code == 422


def test_stats_count_queues_sources_and_decisions(server: RunningServer, http: httpx.Client) -> None:
    before = Stats.from_json(get(http, server, "ana", "/v1/stats").json())
    assert sum(before.queues.values()) == SEEDED and before.queues["open"] == SEEDED
    assert before.overdue_by_source.get("authority_order", 0) >= 1  # the FR order is 20 minutes overdue
    decide(http, server, "ana", decision(TCO_DE, action="remove", reason="violent_extremism", scope=("DE",)))
    decide(http, server, "ana", decision(PLAIN, action="escalate", escalate_to="senior"))
    after = Stats.from_json(get(http, server, "sam", "/v1/stats").json())
    assert (after.queues["open"], after.queues["escalated"], after.queues["closed"]) == (SEEDED - 2, 1, 1)
    mine = Stats.from_json(get(http, server, "ana", "/v1/stats").json())  # she may not see what went to senior
    assert (mine.queues["open"], mine.queues["escalated"], mine.queues["closed"]) == (SEEDED - 2, 0, 1)
    assert mine.decisions == after.decisions  # her own escalation is hers to count
    removed = [c for c in after.decisions if c.action == Action.REMOVE]
    assert [(c.reason, c.source, c.country, c.count) for c in removed] == [("violent_extremism", "authority_order", "DE", 1)]


def test_summaries_carry_every_report_reason(server: RunningServer) -> None:
    """The list masks an item when any report's reason is sensitive, so a summary names them all."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        items = {i["id"]: i for i in get(http, server, "sam", "/v1/queue", limit=500).json()["items"]}
    assert items["it-0000003"]["reasons"] == ["election_misinfo", "other"]
    assert all(i["reason"] in i["reasons"] for i in items.values())


def test_the_reason_filter_matches_any_reports_reason(server: RunningServer) -> None:
    """`reason=` is any report's reason, as the filter language's `reason:`, not only the
    main one: an item reported for two reasons is found by either, and the count agrees."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        every = get(http, server, "sam", "/v1/queue", limit=500).json()["items"]
        mixed = next(i for i in every if len(i["reasons"]) > 1)
        other = next(r for r in mixed["reasons"] if r != mixed["reason"])
        page = get(http, server, "sam", "/v1/queue", limit=500, reason=other).json()
    assert mixed["id"] in {i["id"] for i in page["items"]}
    expected = {i["id"] for i in every if other in i["reasons"]}
    assert {i["id"] for i in page["items"]} == expected and page["total"] == len(expected)
    assert any(i["reason"] != other for i in page["items"])


def test_a_database_from_an_older_version_is_migrated(tmp_path: Any) -> None:
    import sqlite3

    from triage_tui.server.demo import seed_demo
    from triage_tui.server.policy import DEFAULT_POLICY
    from triage_tui.server.store import Store

    store = Store(tmp_path / "old.db", DEFAULT_POLICY)
    seed_demo(store, 20, now=1_800_000_000)
    store.close()
    with sqlite3.connect(tmp_path / "old.db") as db:  # as the previous version left it
        db.execute("ALTER TABLE items DROP COLUMN reasons")
        db.execute("ALTER TABLE decisions DROP COLUMN context")
    store = Store(tmp_path / "old.db", DEFAULT_POLICY)
    try:
        with sqlite3.connect(tmp_path / "old.db") as db:
            assert db.execute("SELECT reasons FROM items WHERE id = 'it-0000003'").fetchone() == ("election_misinfo,other",)
            assert "context" in {r[1] for r in db.execute("PRAGMA table_info(decisions)")}
    finally:
        store.close()


def test_an_older_feed_is_judged_by_the_same_rule_after_migration(tmp_path: Any) -> None:
    import sqlite3

    from triage_tui.server.auth import demo_moderators
    from triage_tui.server.demo import seed_demo
    from triage_tui.server.policy import DEFAULT_POLICY
    from triage_tui.server.store import Store

    table, tokens = demo_moderators()
    ana, ben, cas, lea = (table.lookup(tokens[n]) for n in ("ana", "ben", "cas", "lea"))
    assert ana and ben and cas and lea
    store = Store(tmp_path / "old.db", DEFAULT_POLICY, clock=lambda: 1_800_000_000)
    seed_demo(store, 10, now=1_800_000_000)
    seq = store.seq()
    store.decide(ana, [decision(PLAIN, action="escalate", escalate_to="legal")])
    store.decide(lea, [decision(PLAIN, 2, action="escalate", escalate_to="child_safety")])
    expected = {who.id: store.changes(who, seq, 100) for who in (ben, cas, lea)}
    store.close()
    with sqlite3.connect(tmp_path / "old.db") as db:  # as the version before the per-moderator feed left it
        for column in ("item_id", "was_to", "now_to"):
            db.execute(f"ALTER TABLE changes DROP COLUMN {column}")
    store = Store(tmp_path / "old.db", DEFAULT_POLICY, clock=lambda: 1_800_000_000)
    try:
        assert {who.id: store.changes(who, seq, 100) for who in (ben, cas, lea)} == expected
        assert [c["type"] for c in expected["mod-lea"]["changes"]] == ["left"]  # it went on from legal to child safety
        assert [c["type"] for c in expected["mod-ben"]["changes"]] == ["left"]
        assert [c["type"] for c in expected["mod-cas"]["changes"]] == ["left", "escalated"]  # out to legal, back to her team
    finally:
        store.close()
