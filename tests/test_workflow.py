"""The screen-independent triage rules, against real demo data from the real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage_tui import countries
from triage_tui.model import Action, ChangeBatch, ItemSummary, Policy, State
from triage_tui.server.auth import demo_moderators
from triage_tui.server.demo import seed_demo
from triage_tui.server.policy import DEFAULT_POLICY, DEFAULT_POLICY_JSON
from triage_tui.server.store import QueueFilter, Store
from triage_tui.workflow import ScopeError, decisions_for, feed_effect, guard, parse_scope, reasons_for, refusal

NOW = 1_795_896_000.0  # 2026-11-28T20:00:00Z
POLICY = Policy.from_json(DEFAULT_POLICY_JSON)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(tmp_path / "w.db", DEFAULT_POLICY, clock=lambda: NOW)
    seed_demo(s, 40, now=NOW)
    yield s
    s.close()


def summaries(store: Any) -> dict[str, ItemSummary]:
    table, tokens = demo_moderators()
    who = table.lookup(tokens["ana"])
    page = store.queue(who, QueueFilter(), cursor=None, limit=1000)
    return {i["id"]: ItemSummary.from_json(i) for i in page["items"]}


def test_guard_refuses_flagged_orders_only(store: Any) -> None:
    items = summaries(store)
    assert guard(POLICY, items["it-0000003"]) is not None  # RU order
    assert guard(POLICY, items["it-0000004"]) is not None  # TR order
    assert guard(POLICY, items["it-0000001"]) is None  # DE TCO order: remove at once
    assert guard(POLICY, items["it-0000028"]) is None  # BR order: not flagged
    rule = guard(POLICY, items["it-0000003"])
    assert rule is not None
    text = refusal(POLICY, rule, [items["it-0000003"]])
    assert "RU" in text and "Legal review" in text and "escalate to legal" in text.lower()


def test_guard_agrees_with_the_servers_rule(store: Any) -> None:
    """Every demo item the client guard refuses, the server refuses; and the reverse."""
    table, tokens = demo_moderators()
    ana = table.lookup(tokens["ana"])
    for item in summaries(store).values():
        result = store.decide(ana, [decisions_for([item], Action.REMOVE, reason="other")[0].to_json()])[0]
        assert (result["result"] == "forbidden") == (guard(POLICY, item) is not None), item.id


def test_an_escalated_item_at_the_rules_target_is_not_guarded(store: Any) -> None:
    item = summaries(store)["it-0000003"]
    from dataclasses import replace

    assert guard(POLICY, replace(item, state=State.ESCALATED, escalated_to="legal")) is None
    assert guard(POLICY, replace(item, state=State.ESCALATED, escalated_to="senior")) is not None


@pytest.mark.parametrize(
    ("text", "scope"),
    [("", "global"), ("global", "global"), (" GLOBAL ", "global"), ("de", ("DE",)), ("DE, at", ("DE", "AT")),
     ("de at de", ("DE", "AT")), ("DE,", ("DE",))],
)
def test_parse_scope(text: str, scope: object) -> None:
    assert parse_scope(text) == scope


@pytest.mark.parametrize(("text", "says"), [
    ("Germany", "'Germany' is not an ISO 3166-1 alpha-2 code: did you mean DE (Germany)?"),
    ("D", "'D' is not an ISO 3166-1 alpha-2 country code"),
    ("DE;AT", "'DE;AT' is not an ISO 3166-1 alpha-2 country code"),
    ("global DE", "global stands alone"),
    ("XX,ZZ", "'XX', 'ZZ' are not ISO 3166-1 alpha-2 country codes (assigned codes are like DE, FR, GB)"),
    ("DE, uk, XX", "'UK' is not an ISO 3166-1 country code: did you mean GB (United Kingdom)?; 'XX' is not"),
    (" ".join(f"Q{c}" for c in "BCDEFGHIJKL"), "'QB', 'QC', 'QD', 'QE', 'QF', 'QG', 'QH', 'QI' and 3 more are not ISO 3166-1"),
    ("de, uk", "'UK' is not an ISO 3166-1 country code: did you mean GB (United Kingdom)?"),
    ("EL", "'EL' is not an ISO 3166-1 country code: did you mean GR (Greece)?"),
    ("DEU", "did you mean DE (Germany)?"),
    (" ".join(["AA"] * 300), "'AA' is not"),
])
def test_parse_scope_refuses_what_is_not_a_country(text: str, says: str) -> None:
    with pytest.raises(ScopeError) as caught:
        parse_scope(text)
    assert says in str(caught.value)


@given(st.lists(st.sampled_from(sorted(countries.assigned())), min_size=1, max_size=12), st.sampled_from([", ", " ", ","]), st.booleans())
def test_every_assigned_code_parses_in_any_case_without_repeats(codes: list[str], sep: str, lower: bool) -> None:
    typed = sep.join(c.lower() if lower else c for c in codes + codes[:1])
    assert parse_scope(typed) == tuple(dict.fromkeys(codes))


@given(st.from_regex(r"[A-Za-z]{2}", fullmatch=True).filter(lambda c: c.upper() not in countries.assigned() and c.lower() not in ("eu",)))
def test_every_other_pair_of_letters_is_refused_by_name(word: str) -> None:
    with pytest.raises(ScopeError, match=repr(word.upper())):
        parse_scope(f"DE, {word}")


def test_the_eu_and_the_eea_are_named_scopes_of_their_countries() -> None:
    assert parse_scope("eu") == parse_scope("EU") == countries.EU
    assert parse_scope("eea") == countries.EEA and len(countries.EEA) == 30
    assert parse_scope("eu, no, IS, LI, de") == (*countries.EU, "NO", "IS", "LI")  # DE is in the EU already


def test_reasons_for_mixed_kinds_are_the_common_ones() -> None:
    raw = {**DEFAULT_POLICY_JSON, "reasons": [dict(r) for r in DEFAULT_POLICY_JSON["reasons"]]}
    raw["reasons"][0]["applies_to"] = ["post"]
    policy = Policy.from_json(raw)
    first = raw["reasons"][0]["code"]
    post = ItemSummary.from_json({"id": "p", "kind": "post", "state": "open", "version": 1, "priority": 1, "sources": ["user_report"], "countries": [], "report_count": 1, "snippet": "", "first_reported_at": "2026-11-28T20:00:00Z"})
    channel = ItemSummary.from_json({"id": "c", "kind": "channel", "state": "open", "version": 1, "priority": 1, "sources": ["user_report"], "countries": [], "report_count": 1, "snippet": "", "first_reported_at": "2026-11-28T20:00:00Z"})
    assert first in {r.code for r in reasons_for(policy, [post])}
    assert first not in {r.code for r in reasons_for(policy, [post, channel])}


def test_decisions_get_one_fresh_key_each(store: Any) -> None:
    items = list(summaries(store).values())[:5]
    made = decisions_for(items, Action.ESCALATE, escalate_to="legal", note="why")
    assert len({d.id for d in made}) == 5
    assert [(d.item_id, d.item_version) for d in made] == [(i.id, i.version) for i in items]


def test_feed_effect_for_a_moderator_on_the_open_queue(store: Any) -> None:
    table, tokens = demo_moderators()
    ana, ben = table.lookup(tokens["ana"]), table.lookup(tokens["ben"])
    items = summaries(store)
    seq = store.seq()
    store.decide(ben, [decisions_for([items["it-0000007"]], Action.APPROVE)[0].to_json()])
    store.decide(ana, [decisions_for([items["it-0000030"]], Action.APPROVE)[0].to_json()])
    store.decide(ben, [decisions_for([items["it-0000006"]], Action.ESCALATE, escalate_to="child_safety")[0].to_json()])
    store.claim(ben, "it-0000001", 60)
    batch = ChangeBatch.from_json(store.changes(ana, seq, 100))
    effect = feed_effect(batch, "mod-ana")
    assert effect.removed == {"it-0000007", "it-0000030", "it-0000006"}
    # The escalation to child safety reaches ana as `left`: she learns neither who nor where.
    assert [(e.item_id, e.by, e.action) for e in effect.elsewhere] == [("it-0000007", "mod-ben", "approve"), ("it-0000006", None, "left")]
    assert effect.claims == {"it-0000001": "mod-ben"}
    # Someone looking at the escalated queue sees the escalated item arrive.
    cas = table.lookup(tokens["cas"])
    escalated = feed_effect(ChangeBatch.from_json(store.changes(cas, seq, 100)), "mod-cas", State.ESCALATED)
    assert [i.id for i in escalated.added] == ["it-0000006"]
    # ben's own escalation leaves his sight too, as his own: no notice of a decision elsewhere.
    own = feed_effect(ChangeBatch.from_json(store.changes(ben, seq, 100)), "mod-ben")
    assert "it-0000006" in own.removed and [e.item_id for e in own.elsewhere] == ["it-0000030"]
