"""DSA statements of reasons (Art. 17 and 24(5)) for the EU Transparency Database.

Every removal becomes one statement with the database's own field names and values
(https://transparency.dsa.ec.europa.eu/page/api-documentation). A statement is checked
against the database's rules before it is written; an invalid one is reported with
what is wrong and never emitted — a rejected submission is a compliance gap, a wrong
accepted one is a published error.

Mapping (one place, here):
- decision_visibility: a global removal is CONTENT_REMOVED; a removal scoped to some
  countries is CONTENT_DISABLED there (territorial_scope: those of them in the EEA;
  a removal outside the EEA only needs no statement and is skipped, with a note);
- decision_ground: an authority order makes it ILLEGAL_CONTENT, with the order's legal
  basis as illegal_content_legal_ground; otherwise INCOMPATIBLE_CONTENT with the
  policy reason as incompatible_content_ground;
- source_type, by the strongest report source: authority order → OTHER_NOTIFICATION
  (Art. 9 orders are not Art. 16 notices), trusted flagger → TRUSTED_FLAGGER, user
  report → ARTICLE_16, automated only → VOLUNTARY (own-initiative);
- automated_detection is Yes when an automated flag is among the reports;
  automated_decision is NOT_AUTOMATED: a moderator pressed the key;
- puid is the item id, escaped into the database's alphabet ([a-zA-Z0-9-_], up to 500)
  when it does not fit as it is (Ozone's at:// URIs and DIDs);
- content_date is the post's creation date, application_date the decision's, both
  YYYY-MM-DD in UTC;
- the moderator's note never goes in: statements are published, notes are internal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage_tui.countries import EEA
from triage_tui.model import Action, AuditEntry, AuthorityOrder, Item, Kind, Policy, Source, TrustedFlag
from triage_tui.words import SOURCE_NAMES, plural

BATCH = 100  # statements per request to POST /api/v1/statements

VISIBILITY = ("DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_CONTENT_DEMOTED",
              "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
              "DECISION_VISIBILITY_CONTENT_LABELLED", "DECISION_VISIBILITY_OTHER")
GROUNDS = ("DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
# The database's v2 schema (from 1 July 2025): v1's SCOPE_OF_PLATFORM_SERVICE,
# NON_CONSENSUAL_BEHAVIOUR, PORNOGRAPHY_OR_SEXUALIZED_CONTENT and UNSAFE_AND_ILLEGAL_PRODUCTS
# are refused now.
CATEGORIES = (
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION", "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN", "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE",
)
CONTENT_TYPES = ("CONTENT_TYPE_APP", "CONTENT_TYPE_AUDIO", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_PRODUCT",
                 "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER")
SOURCE_TYPES = ("SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY")
AUTOMATED_DECISIONS = ("AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED")
ACCOUNT_DECISIONS = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
DATE_BOUNDS = {"content_date": ("2000-01-01", "2038-01-01"), "application_date": ("2020-01-01", "2038-01-01")}
YES_NO = ("Yes", "No")

LIMITS = {"illegal_content_legal_ground": 500, "illegal_content_explanation": 2000, "incompatible_content_ground": 500,
          "incompatible_content_explanation": 2000, "decision_facts": 5000, "puid": 500, "content_type_other": 500,
          "source_identity": 500, "decision_visibility_other": 500}
_PUID = re.compile(r"[a-zA-Z0-9_-]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SOURCE_TYPE = {Source.AUTHORITY_ORDER: "SOURCE_TYPE_OTHER_NOTIFICATION", Source.TRUSTED_FLAGGER: "SOURCE_TRUSTED_FLAGGER",
                Source.USER_REPORT: "SOURCE_ARTICLE_16", Source.AUTOMATED: "SOURCE_VOLUNTARY"}
_STRONGEST = (Source.AUTHORITY_ORDER, Source.TRUSTED_FLAGGER, Source.USER_REPORT, Source.AUTOMATED)
_MEDIA = {"image": "CONTENT_TYPE_IMAGE", "video": "CONTENT_TYPE_VIDEO", "audio": "CONTENT_TYPE_AUDIO"}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A removal that needs no statement (or cannot have one), and why."""

    item_id: str
    why: str


def statement(entry: AuditEntry, item: Item, policy: Policy) -> dict[str, Any] | Skipped:
    """The statement of reasons for one applied removal, by the mapping above."""
    d = entry.decision
    if d.action is not Action.REMOVE:
        return Skipped(d.item_id, f"a {d.action.value} restricts nothing: no statement")
    out: dict[str, Any] = {}
    if d.scope == "global":
        scope = list(EEA)
    else:
        scope = sorted(set(d.scope) & set(EEA))
        if not scope:
            return Skipped(d.item_id, f"withheld in {', '.join(d.scope)} only, outside the EEA: no DSA statement")
    if item.kind is Kind.ACCOUNT:  # a takedown of the whole account suspends it
        out["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
    else:
        out["decision_visibility"] = ["DECISION_VISIBILITY_CONTENT_REMOVED" if d.scope == "global" else "DECISION_VISIBILITY_CONTENT_DISABLED"]
    out["territorial_scope"] = scope
    reason = policy.reason(d.reason or "")
    label = str(reason.label) if reason else (d.reason or "")
    orders = [r.origin for r in item.reports if isinstance(r.origin, AuthorityOrder)]
    if orders:
        order = orders[0]
        out["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        out["illegal_content_legal_ground"] = str(order.legal_basis)
        out["illegal_content_explanation"] = (
            f"Removal order {order.reference} from {order.authority} ({order.country}) under {order.legal_basis}; "
            f"reviewed by a moderator and found to be {label.lower()}.")
    else:
        out["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        out["incompatible_content_ground"] = f"Community guidelines: {label} ({d.reason})"
        out["incompatible_content_explanation"] = (
            f"A moderator reviewed the reported {item.kind.value} and found it to be {label.lower()}, "
            "which the platform's terms of service do not allow.")
    if reason is not None and reason.dsa_category:
        out["category"] = reason.dsa_category
    sources = {r.source for r in item.reports}
    types = ["CONTENT_TYPE_TEXT"] if item.kind is Kind.POST and str(item.text).strip() else []
    for m in item.media:
        kind = _MEDIA.get(str(m.type).split("/", 1)[0])
        if kind and kind not in types:
            types.append(kind)
    if item.kind is not Kind.POST or not types:
        types.append("CONTENT_TYPE_OTHER")
        out["content_type_other"] = {Kind.CHANNEL: "messaging channel", Kind.ACCOUNT: "user account"}.get(item.kind, item.kind.value)
    out["content_type"] = types
    if item.language and re.fullmatch(r"[a-z]{2}", item.language):
        out["content_language"] = item.language.upper()
    created = item.created_at or min((r.created_at for r in item.reports), default=entry.applied_at)
    out["content_date"] = created.date().isoformat()
    out["application_date"] = entry.applied_at.date().isoformat()
    strongest = next((s for s in _STRONGEST if s in sources), Source.AUTOMATED)
    out["source_type"] = _SOURCE_TYPE[strongest]
    if strongest is Source.TRUSTED_FLAGGER:
        flag = next(r.origin for r in item.reports if isinstance(r.origin, TrustedFlag))
        out["source_identity"] = str(flag.organisation)
    elif strongest is Source.AUTHORITY_ORDER:
        out["source_identity"] = str(orders[0].authority)
    out["automated_detection"] = "Yes" if Source.AUTOMATED in sources else "No"
    out["automated_decision"] = "AUTOMATED_DECISION_NOT_AUTOMATED"
    facts = [f"{item.kind.value.capitalize()} {item.id}, reported {plural(len(item.reports), 'time')} "
             f"({', '.join(sorted(SOURCE_NAMES[s].name for s in sources))}), removed for {label.lower()}"]
    if d.scope != "global":
        facts.append(f"withheld in {', '.join(out['territorial_scope'])}")
    out["decision_facts"] = "; ".join(facts) + "."
    out["puid"] = puid(item.id)
    return out


def puid(item_id: str) -> str:
    """The item id in the database's puid alphabet ([a-zA-Z0-9-_], at most 500): as it is
    when it fits, else reversibly escaped (`_` and every other character as `_xx`/`_uxxxx`),
    so Ozone's at:// URIs and DIDs get statements too; a sha256 only past 500 characters."""
    if _PUID.fullmatch(item_id) and "_" not in item_id and len(item_id) <= 500:
        return item_id
    escaped = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else
                      (f"_{ord(ch):02x}" if ord(ch) < 256 else f"_u{ord(ch):04x}") for ch in item_id)
    if len(escaped) <= 500:
        return escaped
    import hashlib

    return "sha256-" + hashlib.sha256(item_id.encode()).hexdigest()


def problems(s: Mapping[str, Any]) -> list[str]:
    """Every rule of the database the statement breaks (empty when it may be submitted)."""
    found: list[str] = []

    def need(key: str) -> bool:
        if s.get(key) in (None, "", []):
            found.append(f"{key}: required")
            return False
        return True

    def one_of(key: str, allowed: Sequence[str]) -> None:
        if need(key) and s[key] not in allowed:
            found.append(f"{key}: {s[key]!r} is not one of the allowed values")

    def all_of(key: str, allowed: Sequence[str]) -> None:
        value = s.get(key)
        if value is None:
            return
        if not isinstance(value, list) or not value:
            found.append(f"{key}: expected a non-empty list")
            return
        for v in value:
            if v not in allowed:
                found.append(f"{key}: {v!r} is not one of the allowed values")
        if len(set(value)) != len(value):
            found.append(f"{key}: a value is repeated")

    if not any(s.get(k) for k in ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")):
        found.append("decision_visibility: required (or one of decision_monetary, decision_provision, decision_account)")
    all_of("decision_visibility", VISIBILITY)
    if s.get("decision_account") is not None:
        one_of("decision_account", ACCOUNT_DECISIONS)
    if "DECISION_VISIBILITY_OTHER" in (s.get("decision_visibility") or []):
        need("decision_visibility_other")
    one_of("decision_ground", GROUNDS)
    if s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        need("illegal_content_legal_ground")
        need("illegal_content_explanation")
    if s.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        need("incompatible_content_ground")
        need("incompatible_content_explanation")
    one_of("category", CATEGORIES)
    need("territorial_scope")
    all_of("territorial_scope", EEA)
    need("content_type")
    all_of("content_type", CONTENT_TYPES)
    if "CONTENT_TYPE_OTHER" in (s.get("content_type") or []):
        need("content_type_other")
    for key in ("content_date", "application_date"):
        if need(key) and not (isinstance(s[key], str) and _DATE.fullmatch(s[key])):
            found.append(f"{key}: expected a date as YYYY-MM-DD")
    for key, (low, high) in DATE_BOUNDS.items():
        value = s.get(key)
        if isinstance(value, str) and _DATE.fullmatch(value) and not low <= value <= high:
            found.append(f"{key}: must be from {low} to {high}")
    dates = s.get("content_date"), s.get("application_date")
    if all(isinstance(v, str) and _DATE.fullmatch(v) for v in dates) and dates[0] > dates[1]:  # type: ignore[operator]
        found.append("application_date: must not be before content_date")  # our rule: the database does not check it
    one_of("source_type", SOURCE_TYPES)
    if s.get("source_type") == "SOURCE_VOLUNTARY" and s.get("source_identity"):
        found.append("source_identity: not for SOURCE_VOLUNTARY (the database would drop it)")
    one_of("automated_detection", YES_NO)
    one_of("automated_decision", AUTOMATED_DECISIONS)
    need("decision_facts")
    if need("puid") and not (isinstance(s["puid"], str) and _PUID.fullmatch(s["puid"])):
        found.append("puid: only letters, digits, - and _ are allowed")
    for key, limit in LIMITS.items():
        value = s.get(key)
        if isinstance(value, str) and len(value) > limit:
            found.append(f"{key}: {plural(len(value), 'character')}, at most {limit:,}")
    return found


def batches(statements: Sequence[Mapping[str, Any]], size: int = BATCH) -> Iterator[dict[str, Any]]:
    """Request bodies for POST /api/v1/statements: at most `size` statements each."""
    for start in range(0, len(statements), size):
        yield {"statements": list(statements[start:start + size])}


async def run_statements(backend: Any, entries: Sequence[AuditEntry], out: Any) -> int:
    """`report --statements`: fetch each removed item, build and check its statement,
    write the valid ones as JSONL batches on `out`; report the rest on stderr."""
    import asyncio
    import json
    import sys

    from triage_tui.backends.errors import NotFound
    from triage_tui.exitcodes import Exit

    policy = await backend.policy()
    removals = [e for e in entries if e.decision.action is Action.REMOVE]
    gate = asyncio.Semaphore(8)

    async def fetch(entry: AuditEntry) -> Item | None:
        async with gate:
            try:
                return await backend.item(entry.decision.item_id)
            except NotFound:
                return None

    items = await asyncio.gather(*(fetch(e) for e in removals))
    good: list[dict[str, Any]] = []
    bad = skipped = 0
    for entry, item in zip(removals, items, strict=True):
        where = f"triage-tui: statement for {entry.decision.item_id} (decision {entry.decision.id})"
        if item is None:
            print(f"{where}: the item is gone from the backend; no statement", file=sys.stderr)
            bad += 1
            continue
        made = statement(entry, item, policy)
        if isinstance(made, Skipped):
            print(f"{where}: skipped: {made.why}", file=sys.stderr)
            skipped += 1
            continue
        wrong = problems(made)
        if wrong:
            print(f"{where}: not emitted: {'; '.join(wrong)}", file=sys.stderr)
            bad += 1
            continue
        good.append(made)
    for body in batches(good):
        out.write(json.dumps(body, ensure_ascii=False) + "\n")
    print(f"triage-tui: {plural(len(good), 'statement')} in {plural(-(-len(good) // BATCH), 'batch')}; {plural(skipped, 'removal')} "
          f"{'needs' if skipped == 1 else 'need'} none; "
          f"{bad:,} could not be made", file=sys.stderr)
    return Exit.PARTIAL if bad else Exit.OK
