"""DSA statements of reasons: built from real decisions on the reference server, checked
against the Transparency Database's rules, one failing example per rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest
from conftest import RunningServer

from triage_tui.model import AuditPage, Item, Policy
from triage_tui.statements import EEA, Skipped, batches, problems, statement


def decide(server: RunningServer, who: str, item_id: str, action: str, **fields: Any) -> None:
    auth = {"Authorization": f"Bearer {server.tokens[who]}"}
    version = httpx.get(f"{server.url}/v1/items/{item_id}", headers=auth).json()["version"]
    body = {"id": str(uuid.uuid4()), "item_id": item_id, "item_version": version, "action": action,
            "decided_at": "2026-11-29T00:00:00Z", **fields}
    result = httpx.post(f"{server.url}/v1/decisions", headers=auth, json={"decisions": [body]}).json()["results"][0]
    assert result["result"] == "applied", result


def made(server: RunningServer, item_id: str) -> dict[str, Any] | Skipped:
    """The statement for the last decision on `item_id`, from the audit log and the item."""
    sam = {"Authorization": f"Bearer {server.tokens['sam']}"}
    audit = AuditPage.from_json(httpx.get(f"{server.url}/v1/decisions", headers=sam, params={"limit": 1000}).json())
    entry = [e for e in audit.decisions if e.decision.item_id == item_id][-1]
    item = Item.from_json(httpx.get(f"{server.url}/v1/items/{item_id}", headers=sam).json())
    policy = Policy.from_json(httpx.get(f"{server.url}/v1/policy", headers=sam).json())
    return statement(entry, item, policy)


def test_an_authority_order_is_illegal_content_from_another_notification(server: RunningServer) -> None:
    decide(server, "ana", "it-0000001", "remove", reason="violent_extremism")
    s = made(server, "it-0000001")
    assert isinstance(s, dict) and problems(s) == []
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert s["territorial_scope"] == list(EEA) and len(EEA) == 30
    assert s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert s["illegal_content_legal_ground"] == "Regulation (EU) 2021/784 Art. 3"
    assert "TCO-2026-00042" in s["illegal_content_explanation"] and "Bundeskriminalamt" in s["illegal_content_explanation"]
    assert "incompatible_content_ground" not in s
    assert s["category"] == "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY"
    assert s["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION" and s["source_identity"] == "Bundeskriminalamt"
    assert s["automated_detection"] == "Yes"  # a hash-matching classifier flagged it too
    assert s["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert s["content_type"] == ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE"]
    assert s["content_language"] == "DE"
    assert s["puid"] == "it-0000001"
    assert s["content_date"] <= s["application_date"]


def test_a_trusted_flagger_removal_scoped_to_two_countries(server: RunningServer) -> None:
    decide(server, "ana", "it-0000005", "remove", reason="hate_speech", scope=["DE", "AT"], note="internal: ring 4")
    s = made(server, "it-0000005")
    assert isinstance(s, dict) and problems(s) == []
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert s["territorial_scope"] == ["AT", "DE"]
    assert s["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert s["incompatible_content_ground"] == "Community guidelines: Hate speech (hate_speech)"
    assert s["source_type"] == "SOURCE_TRUSTED_FLAGGER" and s["source_identity"]
    assert s["automated_detection"] == "No"
    assert "withheld in AT, DE" in s["decision_facts"]
    assert "ring 4" not in json.dumps(s)  # the moderator's note is internal; statements are published


@pytest.mark.parametrize(("item_id", "source_type", "detected", "types"), [
    ("it-0000011", "SOURCE_ARTICLE_16", "No", ["CONTENT_TYPE_TEXT"]),  # a user's notice
    ("it-0000007", "SOURCE_VOLUNTARY", "Yes", ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE"]),  # a classifier only
    ("it-0000029", "SOURCE_TRUSTED_FLAGGER", "Yes", ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO"]),
    ("it-0000013", "SOURCE_ARTICLE_16", "Yes", ["CONTENT_TYPE_OTHER"]),  # a channel
])
def test_each_source_type(server: RunningServer, item_id: str, source_type: str, detected: str, types: list[str]) -> None:
    decide(server, "ana", item_id, "remove", reason="spam")
    s = made(server, item_id)
    assert isinstance(s, dict) and problems(s) == []
    assert (s["source_type"], s["automated_detection"], s["content_type"]) == (source_type, detected, types)
    if "CONTENT_TYPE_OTHER" in types:
        assert s["content_type_other"] == "messaging channel"
    if source_type == "SOURCE_ARTICLE_16":
        assert "source_identity" not in s  # an individual notifier is not named


def test_a_removal_outside_the_eea_needs_no_statement(server: RunningServer) -> None:
    decide(server, "ana", "it-0000011", "remove", reason="spam", scope=["TR"])
    s = made(server, "it-0000011")
    assert isinstance(s, Skipped) and "outside the EEA" in s.why
    decide(server, "ana", "it-0000012", "approve")
    assert isinstance(made(server, "it-0000012"), Skipped)


def valid() -> dict[str, Any]:
    return {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"], "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Regulation (EU) 2021/784 Art. 3", "illegal_content_explanation": "An order.",
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "territorial_scope": ["DE"],
        "content_type": ["CONTENT_TYPE_TEXT"], "content_date": "2026-11-28", "application_date": "2026-11-29",
        "source_type": "SOURCE_TYPE_OTHER_NOTIFICATION", "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED", "decision_facts": "Removed.", "puid": "it-1",
    }


INCOMPATIBLE = {"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT", "illegal_content_legal_ground": None,
                "illegal_content_explanation": None}


@pytest.mark.parametrize(("change", "message"), [
    ({"decision_visibility": None}, "decision_visibility: required (or one of decision_monetary, decision_provision, decision_account)"),
    ({"decision_visibility": ["DECISION_VISIBILITY_GONE"]}, "decision_visibility: 'DECISION_VISIBILITY_GONE' is not one of the allowed values"),
    ({"decision_visibility": ["DECISION_VISIBILITY_OTHER"]}, "decision_visibility_other: required"),
    ({"decision_ground": "DECISION_GROUND_BAD_VIBES"}, "decision_ground: 'DECISION_GROUND_BAD_VIBES' is not one of the allowed values"),
    ({"illegal_content_legal_ground": ""}, "illegal_content_legal_ground: required"),
    ({"illegal_content_explanation": None}, "illegal_content_explanation: required"),
    ({**INCOMPATIBLE}, "incompatible_content_ground: required"),
    ({**INCOMPATIBLE, "incompatible_content_ground": "ToS 4.2"}, "incompatible_content_explanation: required"),
    ({"illegal_content_legal_ground": "x" * 501}, "illegal_content_legal_ground: 501 characters, at most 500"),
    ({"illegal_content_explanation": "x" * 2001}, "illegal_content_explanation: 2,001 characters, at most 2,000"),
    ({**INCOMPATIBLE, "incompatible_content_ground": "g" * 501, "incompatible_content_explanation": "e"}, "incompatible_content_ground: 501 characters, at most 500"),
    ({**INCOMPATIBLE, "incompatible_content_ground": "g", "incompatible_content_explanation": "e" * 2001}, "incompatible_content_explanation: 2,001 characters, at most 2,000"),
    ({"decision_facts": "f" * 5001}, "decision_facts: 5,001 characters, at most 5,000"),
    ({"decision_facts": ""}, "decision_facts: required"),
    ({"category": None}, "category: required"),
    ({"category": "STATEMENT_CATEGORY_SPAM"}, "category: 'STATEMENT_CATEGORY_SPAM' is not one of the allowed values"),
    ({"territorial_scope": []}, "territorial_scope: required"),
    ({"territorial_scope": ["DE", "US"]}, "territorial_scope: 'US' is not one of the allowed values"),
    ({"territorial_scope": ["DE", "DE"]}, "territorial_scope: a value is repeated"),
    ({"content_type": ["CONTENT_TYPE_HOLOGRAM"]}, "content_type: 'CONTENT_TYPE_HOLOGRAM' is not one of the allowed values"),
    ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other: required"),
    ({"content_date": "28.11.2026"}, "content_date: expected a date as YYYY-MM-DD"),
    ({"application_date": None}, "application_date: required"),
    ({"content_date": "2026-11-30"}, "application_date: must not be before content_date"),
    ({"content_date": "1999-12-31"}, "content_date: must be from 2000-01-01 to 2038-01-01"),
    ({"application_date": "2019-12-31", "content_date": "2019-01-01"}, "application_date: must be from 2020-01-01 to 2038-01-01"),
    ({"content_date": "2038-01-02", "application_date": "2038-01-02"}, "content_date: must be from 2000-01-01 to 2038-01-01"),
    ({"category": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"}, "category: 'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE' is not one of the allowed values"),
    ({"decision_visibility": None, "decision_account": "DECISION_ACCOUNT_GONE"}, "decision_account: 'DECISION_ACCOUNT_GONE' is not one of the allowed values"),
    ({"source_type": "SOURCE_VOLUNTARY", "source_identity": "Hotline X"}, "source_identity: not for SOURCE_VOLUNTARY (the database would drop it)"),
    ({"source_type": "SOURCE_RUMOUR"}, "source_type: 'SOURCE_RUMOUR' is not one of the allowed values"),
    ({"automated_detection": "yes"}, "automated_detection: 'yes' is not one of the allowed values"),
    ({"automated_decision": "AUTOMATED_DECISION_SOMEWHAT"}, "automated_decision: 'AUTOMATED_DECISION_SOMEWHAT' is not one of the allowed values"),
    ({"puid": "it 1/2"}, "puid: only letters, digits, - and _ are allowed"),
    ({"puid": "p" * 501}, "puid: 501 characters, at most 500"),
    ({"puid": None}, "puid: required"),
])
def test_each_rule_of_the_database(change: dict[str, Any], message: str) -> None:
    assert problems(valid()) == []
    broken = {k: v for k, v in {**valid(), **change}.items() if v is not None}
    assert message in problems(broken)


def test_batches_of_at_most_100() -> None:
    statements = [dict(valid(), puid=f"it-{n}") for n in range(250)]
    sizes = [len(b["statements"]) for b in batches(statements)]
    assert sizes == [100, 100, 50]
    assert [s["puid"] for b in batches(statements) for s in b["statements"]] == [f"it-{n}" for n in range(250)]


def test_the_command_writes_valid_batches_and_reports_the_rest(server: RunningServer, tmp_path: Any) -> None:
    decide(server, "ana", "it-0000001", "remove", reason="violent_extremism")
    decide(server, "ana", "it-0000011", "remove", reason="spam", scope=["TR"])
    decide(server, "ana", "it-0000012", "approve")
    env = {**os.environ, "TRIAGE_TUI_TOKEN": server.tokens["sam"], "TRIAGE_TUI_STATE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "triage_tui", "report", "--statements", "--url", server.url],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [[s["puid"] for s in b["statements"]] for b in lines] == [["it-0000001"]]
    assert "it-0000011" in done.stderr and "outside the EEA" in done.stderr
    assert "1 statement in 1 batch; 1 removal needs none; 0 could not be made" in done.stderr
    wrong = subprocess.run([sys.executable, "-m", "triage_tui", "report", "--statements", "--format", "table", "--url", server.url],
                           env=env, capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "--format jsonl goes with --statements" in wrong.stderr


def test_an_account_takedown_is_an_account_suspension(server: RunningServer) -> None:
    """Ozone's account subjects: the decision is on the account, not on a piece of content."""
    decide(server, "ana", "it-0000011", "remove", reason="impersonation")
    sam = {"Authorization": f"Bearer {server.tokens['sam']}"}
    audit = AuditPage.from_json(httpx.get(f"{server.url}/v1/decisions", headers=sam).json())
    raw = httpx.get(f"{server.url}/v1/items/it-0000011", headers=sam).json()
    policy = Policy.from_json(dict(httpx.get(f"{server.url}/v1/policy", headers=sam).json()))
    account = Item.from_json({**raw, "kind": "account"})
    s = statement(audit.decisions[-1], account, policy)
    assert isinstance(s, dict) and problems(s) == []
    assert s["decision_account"] == "DECISION_ACCOUNT_SUSPENDED" and "decision_visibility" not in s
    assert (s["content_type"], s["content_type_other"]) == (["CONTENT_TYPE_OTHER"], "user account")


def test_ozone_ids_become_valid_puids_and_every_ozone_reason_has_a_v2_category() -> None:
    from triage_tui.backends.ozone import ozone_policy
    from triage_tui.statements import CATEGORIES, puid

    uri = "at://did:plc:ar7c4by46qjdydhdevvrndac/app.bsky.feed.post/3kq_x"
    assert puid("it-0000001") == "it-0000001"
    assert puid(uri) != puid(uri.replace("_", "-"))  # reversible: no two ids share a puid
    assert problems({**valid(), "puid": puid(uri)}) == [] and problems({**valid(), "puid": puid("did:plc:abc")}) == []
    assert puid("x" * 600).startswith("sha256-") and len(puid("é" * 200)) <= 500
    assert [r.code for r in ozone_policy().reasons if r.dsa_category not in CATEGORIES] == []


def test_the_command_counts_statements_and_batches_in_agreement(server: RunningServer, tmp_path: Any) -> None:
    decide(server, "ana", "it-0000001", "remove", reason="violent_extremism")
    decide(server, "ana", "it-0000007", "remove", reason="spam")
    env = {**os.environ, "TRIAGE_TUI_TOKEN": server.tokens["sam"], "TRIAGE_TUI_STATE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "triage_tui", "report", "--statements", "--url", server.url],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "2 statements in 1 batch; 0 removals need none; 0 could not be made" in done.stderr  # not "1 batches"
