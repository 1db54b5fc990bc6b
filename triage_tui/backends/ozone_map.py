"""How Ozone's XRPC vocabulary and JSON map to the triage model: review states, event
types, the reason codes and their policy, and subject statuses, records, reports and
events turned into the protocol's JSON shapes (then checked by the model's one gate).

No I/O here: `ozone.OzoneBackend` asks Ozone and hands the answers to these functions.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from triage_tui.backends.errors import BadItemId, Unsupported, safe_text
from triage_tui.model import Action, Decision, DecisionResult, MAX_REASONS, Outcome, Policy, Source, State, _CODE_RE
from triage_tui.sanitize import Sanitized, clean


DEFS = "tools.ozone.moderation.defs"
REVIEW_OPEN = f"{DEFS}#reviewOpen"
REVIEW_ESCALATED = f"{DEFS}#reviewEscalated"
REVIEW_CLOSED = f"{DEFS}#reviewClosed"
EV_ACK = f"{DEFS}#modEventAcknowledge"
EV_TAKEDOWN = f"{DEFS}#modEventTakedown"
EV_ESCALATE = f"{DEFS}#modEventEscalate"
EV_REPORT = f"{DEFS}#modEventReport"
STRONG_REF = "com.atproto.repo.strongRef"
REPO_REF = "com.atproto.admin.defs#repoRef"
POST_COLLECTION = "app.bsky.feed.post"
MOD_TOOL = "triage-tui"
ESCALATION_TARGET = "ozone"  # Ozone has one escalated state, so one target

EVENT_OF = {Action.APPROVE: EV_ACK, Action.REMOVE: EV_TAKEDOWN, Action.ESCALATE: EV_ESCALATE}
ACTION_OF = {v: k for k, v in EVENT_OF.items()}
STATE_OF = {REVIEW_OPEN: State.OPEN, REVIEW_ESCALATED: State.ESCALATED, REVIEW_CLOSED: State.CLOSED}
AFTER = {Action.APPROVE: State.CLOSED, Action.REMOVE: State.CLOSED, Action.ESCALATE: State.ESCALATED}
ROLES = {
    "tools.ozone.team.defs#roleAdmin": frozenset({"admin", "senior", "moderator"}),
    "tools.ozone.team.defs#roleModerator": frozenset({"moderator"}),
    "tools.ozone.team.defs#roleTriage": frozenset({"moderator"}),
    "tools.ozone.team.defs#roleVerifier": frozenset({"moderator"}),
}
# queryStatuses' sortField for each of our sorts: it decides only which subjects load
# first (Ozone has no deadlines, so "deadline" loads the longest-waiting first); the
# order shown is the client's sort of the gathered pages (capabilities.sorted_pages).
SORT_FIELD = {
    "deadline": ("lastReportedAt", "asc"),
    "age": ("lastReportedAt", "asc"),
    "priority": ("priorityScore", "desc"),
    "reports": ("reportedRecordsCount", "desc"),
}
PAGE_MAX = 100  # Ozone's own limit per page
COUNT_CAP = 10_000  # stats() stops counting a queue here
SESSION_ERRORS = ("ExpiredToken", "InvalidToken")
ASSIGN = "tools.ozone.report.assignModerator"
UNASSIGN = "tools.ozone.report.unassignModerator"
ASSIGN_GET = "tools.ozone.report.getAssignments"
CLAIMABLE_REPORTS = ("open", "queued", "assigned", "escalated")  # queryReports takes one status a call
NOT_IMPLEMENTED_STATUS = (404, 501)
MAX_REPORT_PAGES = 20
_MAX_LEASE_END = datetime(2199, 12, 31, tzinfo=UTC)
_DID_RE = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
_AT_URI_RE = re.compile(r"at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/([A-Za-z0-9.-]+)/([A-Za-z0-9._~:-]+)")

# Ozone's report reason types, in the order the reason picker lists them (digits pick
# the first nine). The code is Ozone's own report tag: `report:<code>`.
_CLASSIC = ("Spam", "Violation", "Misleading", "Sexual", "Rude", "Other")
_OZONE_REASONS = (
    "ChildSafetyCSAM", "ChildSafetyGroom", "ChildSafetyHarassment", "ChildSafetyOther", "ChildSafetyPrivacy",
    "HarassmentDoxxing", "HarassmentHateSpeech", "HarassmentOther", "HarassmentTargeted", "HarassmentTroll",
    "MisleadingBot", "MisleadingElections", "MisleadingImpersonation", "MisleadingOther", "MisleadingScam",
    "MisleadingSpam", "RuleBanEvasion", "RuleOther", "RuleProhibitedSales", "RuleSiteSecurity",
    "SelfHarmContent", "SelfHarmED", "SelfHarmOther", "SelfHarmStunts", "SelfHarmSubstances",
    "SexualAbuseContent", "SexualAnimal", "SexualDeepfake", "SexualNCII", "SexualOther", "SexualUnlabeled",
    "ViolenceAnimal", "ViolenceExtremistContent", "ViolenceGlorification", "ViolenceGraphicContent",
    "ViolenceOther", "ViolenceThreats", "ViolenceTrafficking",
)
_SENSITIVE = ("sexual", "child-safety", "self-harm", "violence-graphic", "violence-animal", "violence-extremist")
_SEVERITY = {"spam": 2, "misleading": 2, "rude": 3, "violation": 4, "sexual": 4, "other": 1,
             "child-safety": 5, "violence": 4, "self-harm": 4, "harassment": 3, "rule": 2}
# DSA Transparency Database categories, v2 schema (July 2025); anything else files
# under OTHER_VIOLATION_TC, so every Ozone reason can have a statement of reasons.
_DSA = {"spam": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "child-safety": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "violence": "STATEMENT_CATEGORY_VIOLENCE", "harassment": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "self-harm": "STATEMENT_CATEGORY_SELF_HARM", "misleading": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "sexual": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",  # adult content breaks the terms, not the law
        "rude": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"}


def reason_code(reason_type: str) -> str:
    """Ozone's report reason type as our reason code: its report tag without `report:`."""
    short = reason_type.replace("com.atproto.moderation.defs#reason", "").replace("tools.ozone.report.defs#reason", "")
    code = re.sub(r"([a-z])([A-Z])", r"\1-\2", short).lower()
    code = re.sub(r"[^a-z0-9._:-]", "-", code)[:100]
    return code or "other"


def _label(name: str) -> str:
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).split(" ")
    return " ".join(words[:1] + [w if w.isupper() else w.lower() for w in words[1:]])


def _family(code: str) -> str:
    return next((f for f in _SEVERITY if code == f or code.startswith(f + "-")), "other")


def ozone_policy() -> Policy:
    """The policy this backend offers: Ozone's report reasons (for posts and accounts),
    one escalation target (Ozone's escalated state), no deadlines, no escalation rules."""
    seen: set[str] = set()
    reasons = []
    for name in (*_CLASSIC, *_OZONE_REASONS):
        code = reason_code("tools.ozone.report.defs#reason" + name)
        if code in seen:
            continue
        seen.add(code)
        family = _family(code)
        reasons.append({
            "code": code,
            "label": _label(name),
            "applies_to": ["post", "channel", "account"],
            "severity": _SEVERITY.get(code, _SEVERITY.get(family, 1)),
            "dsa_category": _DSA.get(family, "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"),
            "sensitive": code.startswith(_SENSITIVE),
        })
    return Policy.from_json({
        "reasons": reasons,
        "escalation_targets": [{"code": ESCALATION_TARGET, "label": "Ozone escalation (reviewEscalated)", "role": "moderator"}],
        "deadlines": {},
        "escalation_required": [],
    })


# ---------------------------------------------------------------------------
# Ozone JSON → our protocol-shaped JSON (then the model's sanitizing parsers).


def _str(o: Mapping[str, Any], key: str) -> str | None:
    value = o.get(key)
    return value if isinstance(value, str) else None


def _time_ms(value: str | None) -> int:
    if not value:
        return 0
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, min(int(when.timestamp() * 1000), 2**53))


def subject_key(subject: object) -> str | None:
    """The item id of an Ozone subject: the at-uri of a record, the DID of an account."""
    if not isinstance(subject, dict):
        return None
    if subject.get("$type") == STRONG_REF or ("uri" in subject and "cid" in subject):
        return _str(subject, "uri")
    # Only a repoRef is an account: a chat messageRef also carries the sender's `did`,
    # and treating it as the account would take the whole account down.
    if subject.get("$type") == REPO_REF or (subject.get("$type") is None and set(subject) == {"did"}):
        return _str(subject, "did")
    return None  # chat messages and conversations are not items here


def kind_of(item_id: str) -> str:
    return "post" if item_id.startswith("at://") else "account"


def _reasons_from_tags(tags: object) -> list[str]:
    """The reasons of a subject's reports, from Ozone's `report:<code>` tags (one per reason
    any report gave), in Ozone's order, the first report's first; each once. A tag that
    is no reason code (Ozone takes any string) is not one we could filter on: left out."""
    if not isinstance(tags, list):
        return []
    codes = (t.removeprefix("report:") for t in tags if isinstance(t, str) and t.startswith("report:"))
    return list(dict.fromkeys(c for c in codes if _CODE_RE.fullmatch(c)))[:MAX_REASONS]


def _report_count(status: Mapping[str, Any], kind: str) -> int:
    """Ozone gives no per-record report count in a status: an account's own count, or the
    author's total when this is the author's only reported record; else at least one."""
    if kind == "account":
        stats = status.get("accountStats") or {}
        count = stats.get("reportCount") if isinstance(stats, dict) else None
    else:
        stats = status.get("recordsStats") or {}
        count = stats.get("totalReports") if isinstance(stats, dict) and stats.get("subjectCount") == 1 else None
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        return min(count, 10**9)
    return 1 if status.get("lastReportedAt") else 0


def summary_json(status: Mapping[str, Any], snippet: str) -> dict[str, Any] | None:
    item_id = subject_key(status.get("subject"))
    if item_id is None:
        return None
    kind = kind_of(item_id)
    review = _str(status, "reviewState") or ""
    reasons = _reasons_from_tags(status.get("tags"))
    return {
        "id": item_id,
        "kind": kind,
        "state": STATE_OF.get(review, State.CLOSED).value,
        "version": _time_ms(_str(status, "updatedAt")),
        "priority": _priority(status),
        "deadline": None,
        "sources": [Source.USER_REPORT.value] if status.get("lastReportedAt") else [],
        "countries": [],
        "reason": reasons[0] if reasons else None,
        "reasons": sorted(reasons),  # all of them: `reason:` is any report's (Ozone's tags=report:X means so)
        "report_count": _report_count(status, kind),
        "snippet": snippet,
        "first_reported_at": _str(status, "createdAt") or _str(status, "lastReportedAt") or _str(status, "updatedAt"),
        "escalated_to": ESCALATION_TARGET if review == REVIEW_ESCALATED else None,
        "campaign": None,
    }


def _priority(status: Mapping[str, Any]) -> int:
    """Ozone's priorityScore (higher first), clamped to the model's 0..100."""
    score = status.get("priorityScore")
    return max(0, min(score, 100)) if isinstance(score, int) and not isinstance(score, bool) else 0


def _profile_value(repo: Mapping[str, Any]) -> Mapping[str, Any]:
    for record in repo.get("relatedRecords") or ():
        if isinstance(record, dict) and record.get("$type") == "app.bsky.actor.profile":
            return record
    return {}


def account_snippet(repo: Mapping[str, Any]) -> str:
    profile = _profile_value(repo)
    handle = _str(repo, "handle") or _str(repo, "did") or "?"
    name = _str(profile, "displayName")
    about = _str(profile, "description")
    return f"account @{handle}" + (f" — {name}" if name else "") + (f": {about}" if about else "")


def author_json(repo: Mapping[str, Any], status: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    did = _str(repo, "did")
    if did is None:
        return None
    profile = _profile_value(repo)
    strikes = 0
    strike = (status or {}).get("accountStrike")
    if isinstance(strike, dict) and isinstance(strike.get("activeStrikeCount"), int):
        strikes = max(0, min(strike["activeStrikeCount"], 10**6))
    created = _str(profile, "createdAt")
    return {
        "id": did,
        "handle": _str(repo, "handle") or did,
        "display_name": _str(profile, "displayName"),
        "created_at": created if created and _time_ms(created) else None,
        "strikes": strikes,
        "prior_decisions": [],
    }


def report_json(event: Mapping[str, Any]) -> dict[str, Any] | None:
    body = event.get("event")
    if not isinstance(body, dict) or body.get("$type") != EV_REPORT:
        return None
    reporter = _str(event, "createdBy")
    return {
        "id": str(event.get("id")),
        "source": Source.USER_REPORT.value,
        "reason": reason_code(_str(body, "reportType") or "other"),
        "created_at": _str(event, "createdAt"),
        "comment": _str(body, "comment"),
        "reporter": reporter if reporter and len(reporter) <= 512 and reporter.isascii() and " " not in reporter else None,
    }


def _decision_key(event: Mapping[str, Any]) -> str | None:
    tool = event.get("modTool")
    if isinstance(tool, dict) and tool.get("name") == MOD_TOOL and isinstance(tool.get("meta"), dict):
        key = tool["meta"].get("decision")
        return key if isinstance(key, str) else None
    return None


def decision_json(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """One of our three kinds of event as a decision (audit, history); None for others."""
    body = event.get("event")
    if not isinstance(body, dict):
        return None
    action = ACTION_OF.get(_str(body, "$type") or "")
    item_id = subject_key(event.get("subject"))
    if action is None or item_id is None:
        return None
    policies = body.get("policies")
    reason = None
    if action is Action.REMOVE:
        first = policies[0] if isinstance(policies, list) and policies and isinstance(policies[0], str) else "other"
        reason = reason_code(first) if "#" in first else re.sub(r"[^A-Za-z0-9_.:#/-]", "-", first)[:128] or "other"
    return {
        "id": _decision_key(event) or f"ozone-event-{event.get('id')}",
        "item_id": item_id,
        "item_version": 0,
        "action": action.value,
        "reason": reason,
        "scope": "global",
        "escalate_to": ESCALATION_TARGET if action is Action.ESCALATE else None,
        "note": _str(body, "comment"),
        "decided_at": _str(event, "createdAt"),
        "moderator": _str(event, "createdBy"),
        "applied_at": _str(event, "createdAt"),
    }


# ---------------------------------------------------------------------------



async def _unsupported_ids() -> AsyncIterator[str]:
    raise Unsupported("Ozone has no id stream: page through the queue instead (capabilities.id_streams is False)",
                      capability="id_streams")
    yield ""  # pragma: no cover  (makes this an async generator: `ids()` itself never raises)


def _check_id(item_id: str) -> str:
    if not isinstance(item_id, str) or not (_DID_RE.fullmatch(item_id) or _AT_URI_RE.fullmatch(item_id)):
        raise BadItemId(f"not an Ozone item id (an at:// record URI or a DID): {safe_text(str(item_id)[:60])!r}")
    return item_id


def _ref(subject: object) -> dict[str, str]:
    key = subject_key(subject)
    if key is None or not isinstance(subject, dict):
        raise ValueError("not a record or an account subject")
    if key.startswith("at://"):
        return {"$type": STRONG_REF, "uri": subject["uri"], "cid": subject.get("cid", "")}
    return {"$type": REPO_REF, "did": key}


def _parse_time(value: str | None) -> datetime | None:
    ms = _time_ms(value)
    return datetime.fromtimestamp(ms / 1000, UTC) if ms else None


def _said(text: str | None) -> Sanitized | None:
    return clean(text, limit=2000).text if text else None


def _duplicate(d: Decision, key: str) -> DecisionResult:
    """A resend of a decision Ozone already holds: counted as applied, once."""
    original = DecisionResult(d.id, key, Outcome.APPLIED, state=AFTER[d.action])
    return DecisionResult(d.id, key, Outcome.DUPLICATE, state=AFTER[d.action], original=original)
