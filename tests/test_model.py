"""Parsing backend JSON: every bad payload is one PayloadError naming the field."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage_tui import countries
from triage_tui import model as m
from triage_tui.sanitize import Flag

T0 = "2026-11-28T19:00:00Z"


def report(source: str, **extra: Any) -> dict[str, Any]:
    base = {
        "id": f"rp-{source}", "source": source, "reason": "spam", "created_at": T0,
        "comment": None, "reporter": None, "organisation": None, "country": None,
        "authority": None, "legal_basis": None, "reference": None, "deadline": None,
        "model": None, "score": None,
    }
    base.update(extra)
    return base


ITEM: dict[str, Any] = {
    "id": "it-0000042", "kind": "channel", "state": "open", "version": 3,
    "text": "Join \x1b]52;c;ZXZpbA==\x07 now", "title": "Pаypal Support", "language": "en",
    "created_at": T0, "member_count": 1200,
    "media": [{"type": "image/jpeg", "size": 48213, "sha256": "ab" * 32}],
    "author": {
        "id": "acct-17", "handle": "support_team", "display_name": "Support", "created_at": T0,
        "strikes": 2,
        "prior_decisions": [{"item_id": "it-9", "action": "remove", "reason": "spam", "decided_at": T0}],
    },
    "reports": [
        report("user_report", reporter="acct-9", comment="scam!"),
        report("trusted_flagger", organisation="Hotline e.V."),
        report("authority_order", country="DE", authority="BKA", legal_basis="Regulation (EU) 2021/784 Art. 3",
               reference="TCO-2026-0042", deadline="2026-11-28T20:00:00Z", reason="violent_extremism"),
        report("automated", model="spam-clf-v7", score=0.93),
    ],
    "priority": 92, "deadline": "2026-11-28T20:00:00Z", "escalated_to": None,
    "campaign": {"id": "c-1a2b3c", "size": 14},
    "claim": {"holder": "mod-ben", "expires_at": T0},
    "history": [{"id": "k-1", "action": "escalate", "moderator": "mod-ana", "reason": None,
                 "escalate_to": "legal", "note": "check", "decided_at": T0}],
}

SUMMARY: dict[str, Any] = {
    "id": "it-0000042", "kind": "post", "state": "open", "version": 1, "priority": 87,
    "deadline": T0, "sources": ["authority_order", "user_report"], "countries": ["DE"],
    "reason": "violent_extremism", "report_count": 3, "snippet": "hello \u202eworld",
    "first_reported_at": T0, "escalated_to": None, "campaign": None,
}

DECISION: dict[str, Any] = {
    "id": "5f0c2a9e-0000-4000-8000-000000000001", "item_id": "it-0000042", "item_version": 1,
    "action": "remove", "reason": "violent_extremism", "scope": ["DE", "AT"], "escalate_to": None,
    "note": "TCO order", "decided_at": T0,
}

POLICY: dict[str, Any] = {
    "reasons": [{"code": "spam", "label": "Spam", "applies_to": ["post", "channel"], "severity": 1,
                 "dsa_category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "sensitive": False}],
    "escalation_targets": [{"code": "legal", "label": "Legal review", "role": "legal"}],
    "deadlines": {"user_report": 259200, "authority_order": 3600, "automated": None},
    "escalation_required": [{"source": "authority_order", "countries": ["RU"], "target": "legal"}],
}

RESULTS: dict[str, Any] = {"results": [
    {"id": "k-1", "item_id": "it-1", "result": "applied", "version": 2, "state": "closed"},
    {"id": "k-2", "item_id": "it-2", "result": "conflict", "error": "decided",
     "current": {"state": "closed", "version": 2, "decided_by": "mod-ben", "action": "remove",
                 "reason": "spam", "decided_at": T0, "claimed_by": None}},
    {"id": "k-1", "item_id": "it-1", "result": "duplicate",
     "original": {"id": "k-1", "item_id": "it-1", "result": "applied", "version": 2, "state": "closed"}},
]}

CHANGES: dict[str, Any] = {"changes": [
    {"seq": 7, "type": "new", "item_id": "it-0000042", "by": None, "at": T0, "item": SUMMARY},
    {"seq": 8, "type": "decided", "item_id": "it-0000042", "by": "mod-ben", "at": T0,
     "action": "remove", "state": "closed", "version": 2},
], "seq": 8}

PAGE: dict[str, Any] = {"items": [SUMMARY], "next_cursor": "abc", "total": 1, "seq": 8}

STATS: dict[str, Any] = {
    "queues": {"open": 10, "escalated": 1, "closed": 4},
    "open_by_source": {"user_report": 9, "authority_order": 1},
    "overdue_by_source": {"authority_order": 1},
    "oldest_open_by_source": {"authority_order": {"item_id": "it-1", "first_reported_at": T0, "deadline": T0}},
    "decisions": [{"action": "remove", "reason": "spam", "source": "user_report", "country": None, "count": 3}],
    "seq": 8,
}

DOCS: list[tuple[str, Callable[[object, str], object], dict[str, Any]]] = [
    ("item", m.Item.from_json, ITEM),
    ("summary", m.ItemSummary.from_json, SUMMARY),
    ("decision", m.Decision.from_json, DECISION),
    ("policy", m.Policy.from_json, POLICY),
    ("response", lambda v, p: m.parse_results(v, p), RESULTS),
    ("changes", m.ChangeBatch.from_json, CHANGES),
    ("page", m.QueuePage.from_json, PAGE),
    ("stats", m.Stats.from_json, STATS),
]


def paths(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value in a JSON document with the path PayloadError would name."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from paths(child, f"{path}[{i}]")


def replace(doc: Any, path: str, root: str, new: Any) -> Any:
    doc = copy.deepcopy(doc)
    steps = path[len(root):].replace("[", ".[").split(".")[1:]
    holder = doc
    for step in steps[:-1]:
        holder = holder[int(step[1:-1])] if step.startswith("[") else holder[step]
    last = steps[-1]
    if last.startswith("["):
        holder[int(last[1:-1])] = new
    else:
        holder[last] = new
    return doc


def wrong_types(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return ["yes", 1, []]
    if isinstance(value, int | float):
        return ["12", True, [], {}, 10**30, float("nan")]
    if isinstance(value, str):
        return [123, True, [], {}, "a" * (m.MAX_TEXT + 1)]
    if isinstance(value, list):
        return ["x", {}]
    if isinstance(value, dict):
        return ["x", [], 5]
    return []


def test_the_valid_documents_parse() -> None:
    item = m.Item.from_json(ITEM)
    assert [r.source for r in item.reports] == list(m.Source)
    order = item.reports[2].origin
    assert isinstance(order, m.AuthorityOrder) and order.country == "DE" and order.reference == "TCO-2026-0042"
    assert item.text == "Join ␛]52;c;ZXZpbA==␇ now"
    assert {Flag.CONTROL, Flag.MIXED_SCRIPT} <= item.flags
    assert item.campaign == m.Campaign("c-1a2b3c", 14)
    summary = m.ItemSummary.from_json(SUMMARY)
    assert summary.snippet == "hello ⟨RLO⟩world" and summary.flags == {Flag.BIDI}
    results = m.parse_results(RESULTS)
    assert results[1].current is not None and results[1].current.decided_by == "mod-ben"
    assert results[2].effective.outcome is m.Outcome.APPLIED
    assert m.Decision.from_json(DECISION).scope == ("DE", "AT")
    policy = m.Policy.from_json(POLICY)
    assert policy.deadlines[m.Source.AUTHORITY_ORDER] == 3600
    assert policy.escalation_needed(item) is None  # DE is not flagged
    assert m.Stats.from_json(STATS).overdue_by_source == {m.Source.AUTHORITY_ORDER: 1}


def test_a_summarys_reasons_always_hold_its_main_reason() -> None:
    """`reasons` is optional in the protocol: a line without it still has its main reason
    among them (a reason: filter and masking read only `reasons`), and `+N` counts the rest."""
    bare = m.ItemSummary.from_json(SUMMARY)
    assert bare.reasons == ("violent_extremism",) and bare.other_reasons == 0
    full = m.ItemSummary.from_json(SUMMARY | {"reasons": ["spam", "terrorism"]})
    assert full.reasons == ("spam", "terrorism", "violent_extremism") and full.other_reasons == 2
    none = m.ItemSummary.from_json(SUMMARY | {"reason": None})
    assert none.reasons == () and none.other_reasons == 0


@pytest.mark.parametrize(("root", "parse", "doc"), DOCS, ids=[d[0] for d in DOCS])
def test_every_field_with_a_wrong_value_is_named(root: str, parse: Callable[[object, str], object], doc: dict[str, Any]) -> None:
    checked = 0
    for path, value in paths(doc, root):
        if path == root:
            continue
        for bad in wrong_types(value):
            with pytest.raises(m.PayloadError) as caught:
                parse(replace(doc, path, root, bad), root)
            # A value inside a map keyed by enum (deadlines.user_report) is named by its key.
            assert caught.value.path == path, (path, bad, str(caught.value))
            checked += 1
    assert checked > 20


REQUIRED = [
    ("item", m.Item.from_json, ITEM, ["id", "kind", "state", "version", "text", "reports", "priority"]),
    ("summary", m.ItemSummary.from_json, SUMMARY, ["id", "kind", "snippet", "report_count", "first_reported_at"]),
    ("decision", m.Decision.from_json, DECISION, ["id", "item_id", "item_version", "action", "decided_at", "reason"]),
    ("policy", m.Policy.from_json, POLICY, ["reasons", "escalation_targets"]),
]


@pytest.mark.parametrize(("root", "parse", "doc", "keys"), REQUIRED, ids=[r[0] for r in REQUIRED])
def test_missing_required_fields(root: str, parse: Callable[[object, str], object], doc: dict[str, Any], keys: list[str]) -> None:
    for key in keys:
        broken = {k: v for k, v in doc.items() if k != key}
        with pytest.raises(m.PayloadError, match=rf"^{root}\.{key}: ") as caught:
            parse(broken, root)
        assert caught.value.path == f"{root}.{key}"


def test_source_specific_fields_are_required() -> None:
    for source, key in [("authority_order", "deadline"), ("authority_order", "legal_basis"),
                        ("trusted_flagger", "organisation"), ("automated", "score")]:
        doc = replace(ITEM, "item.reports[0]", "item", report(source, country="DE", authority="BKA",
                      legal_basis="x", reference="r", deadline=T0, organisation="o", model="m", score=0.5) | {key: None})
        with pytest.raises(m.PayloadError) as caught:
            m.Item.from_json(doc)
        assert caught.value.path == f"item.reports[0].{key}"


def test_decision_rules() -> None:
    with pytest.raises(m.PayloadError, match="decision.scope: only a removal"):
        m.Decision.new("it-1", 1, m.Action.APPROVE, scope=("DE",))
    with pytest.raises(m.PayloadError, match="decision.escalate_to: an escalation needs a target"):
        m.Decision.new("it-1", 1, m.Action.ESCALATE)
    with pytest.raises(m.PayloadError, match=r"lines\[2\].scope"):
        m.Decision.from_json(DECISION | {"scope": ["de"]}, "lines[2]")
    d = m.Decision.new("it-1", 4, m.Action.ESCALATE, escalate_to="legal", note="look")
    assert m.Decision.from_json(d.to_json()) == d


@pytest.mark.parametrize("field", ["note", "reason", "escalate_to", "item_id", "id"])
@pytest.mark.parametrize("bad", ["\udcff", "ok \ud800", "\udc80tail"])
def test_text_that_is_not_unicode_never_becomes_a_decision(field: str, bad: str) -> None:
    """The one gate: argv's undecodable bytes (surrogateescape) and JSON's lone surrogates
    are refused by name, whichever way the decision is made."""
    doc = DECISION | {"action": "escalate", "escalate_to": "legal", "reason": None, "scope": "global", field: bad}
    m.Decision.from_json(doc | {field: DECISION[field] or "legal"})  # the same decision with good text is fine
    with pytest.raises(m.PayloadError) as caught:
        m.Decision.from_json(doc, "lines[3]")
    assert caught.value.path == f"lines[3].{field}"
    assert bad not in str(caught.value)  # the message itself stays printable
    if field == "note":
        with pytest.raises(m.PayloadError, match=r"decision.note: not valid text: character 1 is a lone surrogate U\+DCFF \(the byte 0xff"):
            m.Decision.new("it-1", 1, m.Action.APPROVE, note="\udcff")
        assert "U+D800" in str(pytest.raises(m.PayloadError, m.Decision.new, "it-1", 1, m.Action.APPROVE, note="\ud800").value)


def test_policy_cross_checks() -> None:
    with pytest.raises(m.PayloadError, match=r"policy.escalation_required\[0\].target: unknown"):
        m.Policy.from_json(POLICY | {"escalation_targets": []})
    with pytest.raises(m.PayloadError, match=r"policy.reasons\[1\].code: duplicate"):
        m.Policy.from_json(POLICY | {"reasons": POLICY["reasons"] * 2})


def test_escalation_rule_matches_flagged_country() -> None:
    policy = m.Policy.from_json(POLICY)
    ru = replace(ITEM, "item.reports[2].country", "item", "RU")
    item = m.Item.from_json(ru)
    rule = policy.escalation_needed(item)
    assert rule is not None and rule.target == "legal"
    escalated = m.Item.from_json(ru | {"state": "escalated", "escalated_to": "legal"})
    assert policy.escalation_needed(escalated) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


@pytest.mark.parametrize(("root", "parse", "doc"), DOCS, ids=[d[0] for d in DOCS])
@given(junk=json_values, data=st.data())
def test_arbitrary_json_is_a_payload_error_or_a_model(root: str, parse: Callable[[object, str], object], doc: dict[str, Any], junk: Any, data: st.DataObject) -> None:
    all_paths = [p for p, _ in paths(doc, root) if p != root]
    target = data.draw(st.sampled_from(all_paths))
    for candidate in (junk, replace(doc, target, root, junk)):
        try:
            parse(candidate, root)
        except m.PayloadError as exc:
            assert exc.path.startswith(root)


def test_audit_notes_from_the_backend_are_sanitized() -> None:
    from triage_tui.model import AuditEntry

    entry = AuditEntry.from_json(
        {"id": "k1", "item_id": "it-1", "item_version": 1, "action": "approve", "decided_at": "2026-11-28T20:00:00Z",
         "note": "ok\x1b]52;c;ZXZpbA==\x07 [@click=app.quit]x[/]", "moderator": "mod-ben", "applied_at": "2026-11-28T20:00:01Z"},
        "audit.decisions[0]",
    )
    assert entry.decision.note is not None
    assert "\x1b" not in entry.decision.note and "\x07" not in entry.decision.note
    assert "[@click=app.quit]x[/]" in entry.decision.note  # shown literally, as evidence


def test_a_duplicate_cannot_nest_originals() -> None:
    from triage_tui.model import DecisionResult

    inner = {"id": "k", "item_id": "it-1", "result": "applied", "version": 2, "state": "closed"}
    once = DecisionResult.from_json({"id": "k", "item_id": "it-1", "result": "duplicate", "original": inner})
    assert once.effective.outcome == "applied"
    deep: dict[str, Any] = inner
    for _ in range(3):
        deep = {"id": "k", "item_id": "it-1", "result": "duplicate", "original": deep}
    with pytest.raises(m.PayloadError) as err:
        DecisionResult.from_json(deep)
    assert err.value.path == "result.original.original"


# ---------------------------------------------------------------------------
# Country codes: only assigned ISO 3166-1 alpha-2 codes (pycountry's list), anywhere a
# country is read: a scope that names no country withholds nothing anywhere real.

ASSIGNED = sorted(countries.assigned())
PAIRS = st.from_regex(r"[A-Z]{2}", fullmatch=True)


def test_the_assigned_codes_are_pycountrys() -> None:
    import pycountry

    assert countries.assigned() == {c.alpha_2 for c in pycountry.countries}
    assert {"DE", "GB", "GR", "US", "SS", "CW"} <= countries.assigned()
    assert not {"UK", "EL", "EU", "XX", "AA", "YU"} & countries.assigned()
    assert set(countries.EU) < set(countries.EEA) <= countries.assigned() and len(countries.EU) == 27


@given(st.lists(st.sampled_from(ASSIGNED), min_size=1, max_size=20, unique=True))
def test_every_assigned_code_is_a_scope(codes: list[str]) -> None:
    d = m.Decision.new("it-1", 1, m.Action.REMOVE, reason="spam", scope=tuple(codes))
    assert m.Decision.from_json(d.to_json()).scope == tuple(codes)


@given(PAIRS.filter(lambda c: c not in countries.assigned()), st.integers(0, 3))
def test_every_other_pair_of_letters_is_refused_by_name(code: str, at: int) -> None:
    scope = ["DE", "AT", "FR"][:at] + [code]
    with pytest.raises(m.PayloadError) as caught:
        m.Decision.from_json(DECISION | {"scope": scope}, "decisions[4]")
    assert caught.value.path == f"decisions[4].scope[{at}]"
    assert repr(code) in caught.value.problem
    with pytest.raises(m.PayloadError, match=rf"decision.scope\[{at}\]: '{code}'"):
        m.Decision.new("it-1", 1, m.Action.REMOVE, reason="spam", scope=tuple(scope))


@pytest.mark.parametrize(("code", "says"), [
    ("UK", "'UK' is not an ISO 3166-1 country code: did you mean GB (United Kingdom)?"),
    ("EL", "'EL' is not an ISO 3166-1 country code: did you mean GR (Greece)?"),
    ("EU", "'EU' is not a country: a scope lists countries. For every member state, type the named scope eu"),
    ("de", "'de': country codes are upper case: DE"),
    ("DEU", "did you mean DE (Germany)?"),
    ("XX", "'XX' is not an ISO 3166-1 alpha-2 country code"),
    ("YU", "'YU' is no longer a country code (it was Yugoslavia"),
    ("\x1b]52;c;QQ==\x07", "'␛]52;c;QQ==␇' is not"),  # shown sanitized
])
def test_a_bad_code_is_named_with_the_one_meant(code: str, says: str) -> None:
    with pytest.raises(m.PayloadError) as caught:
        m.Decision.from_json(DECISION | {"scope": [code]})
    assert caught.value.path == "decision.scope[0]"
    assert says in caught.value.problem


def test_a_scope_names_each_country_once() -> None:
    with pytest.raises(m.PayloadError, match=r"decision.scope\[2\]: DE is listed twice"):
        m.Decision.from_json(DECISION | {"scope": ["DE", "AT", "DE"]})
    with pytest.raises(m.PayloadError, match=r"decision.scope\[0\]: 'AA' is not"):
        m.Decision.from_json(DECISION | {"scope": ["AA"] * 300})


def test_an_order_policy_or_count_with_a_fake_country_is_refused() -> None:
    doc = replace(ITEM, "item.reports[0]", "item", report("authority_order", country="UK", authority="NCA",
                  legal_basis="x", reference="r", deadline=T0))
    with pytest.raises(m.PayloadError, match=r"item.reports\[0\].country: 'UK' .* GB"):
        m.Item.from_json(doc)
    with pytest.raises(m.PayloadError, match=r"countries\[0\]: 'EU' is not a country"):
        m.EscalationRule.from_json({"source": "authority_order", "countries": ["EU"], "target": "legal"}, "rule")
    with pytest.raises(m.PayloadError, match=r"count.country: 'XX'"):
        m.DecisionCount.from_json({"action": "remove", "reason": None, "source": None, "country": "XX", "count": 1}, "count")
