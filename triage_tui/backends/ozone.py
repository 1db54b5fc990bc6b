"""Bluesky Ozone as a backend: the Backend protocol over Ozone's XRPC API.

What maps to what:
- items: an Ozone subject. A reported record (a post) has its at-uri as item id, a
  reported account its DID; both are printable ASCII and fit the model's id rule as-is.
- queues: `tools.ozone.moderation.queryStatuses` with the full review-state values
  (`tools.ozone.moderation.defs#reviewOpen` / `#reviewEscalated`; Ozone refuses the
  short `#reviewOpen` with 400), Ozone's cursor, a sort mapped to Ozone's sortField.
- reports: the subject's `modEventReport` events (`queryEvents`), each a user report
  with its reporter's DID and comment; reason codes are Ozone's own report tags
  (`com.atproto.moderation.defs#reasonSpam` → `spam`, `…#reasonChildSafetyCSAM` →
  `child-safety-csam`), so the policy is synthesized here and a `reason` filter is
  Ozone's `report:<code>` tag.
- decisions: approve → `modEventAcknowledge`, remove → `modEventTakedown` (the reason
  in `policies`, the note as comment), escalate → `modEventEscalate`. The decision key
  is sent as `externalId` (Ozone answers a resend `DuplicateExternalId`) and in
  `modTool.meta`, because a resent *takedown* is refused "Subject is already taken
  down" before Ozone looks at the externalId: the event carrying our key tells our own
  earlier takedown (duplicate) from someone else's (conflict).
- claims: Ozone's report assignments, where the server offers them. me() probes
  `tools.ozone.report.getAssignments` once; a 404/501/MethodNotImplemented/XRPCNotSupported
  (or 403) answer means none, and `capabilities.claims` stays False for this instance.
  A claim assigns each of the subject's open/queued/assigned/escalated reports
  (`queryReports`) to the caller with `assignModerator` (isPermanent false); Ozone sets
  the lease itself (OZONE_ASSIGNMENT_REPORT_DURATION_MS, default 5 minutes, our `ttl` is
  not honoured) and a repeat claim refreshes it. Someone else's active assignment (or
  `AlreadyAssigned`) is a ClaimConflict naming their DID; a closed subject is
  `not_claimable`. Release unassigns only the reports we hold (Ozone would let us end
  anyone's). The admin claims as the Ozone service DID, the same id me() reports.
- no versions (item_version is informational: the status's updatedAt in ms), no
  change feed, no scoped removal: the capability flags say so.

Auth: "admin" sends Basic auth (`admin` / the secret) straight to Ozone; "moderator"
logs in at the account's PDS (`com.atproto.server.createSession`, the secret is an app
password) and calls Ozone through the PDS with `atproto-proxy: <ozone_did>#atproto_labeler`,
refreshing the session when it expires and logging in again when the refresh fails.

Untrusted text (post text, handles, display names, report comments, Ozone's error
messages) enters the model only through the model's `from_json` constructors or
`sanitize.clean`; secrets are in no URL, repr, log record or exception text.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from triage_tui import __version__
from triage_tui.backends import Capabilities, QueueQuery
from triage_tui.backends.auth import Secret, _redact, check_token, protect_logs
from triage_tui.backends.errors import (
    BackendError,
    BadItemId,
    ClaimConflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    Unauthorized,
    Unsupported,
    bad_payload,
    error_for_response,
    safe_text,
)
from triage_tui.backends.triage import (
    DEFAULT_TIMEOUT,
    _json_or_none,
    _ssl_context,
    check_base_url,
    decode_json,
    build_request,
    send_bounded,
)
from triage_tui.model import (
    Action,
    AuditPage,
    ChangeBatch,
    Claim,
    CurrentState,
    Decision,
    DecisionResult,
    MAX_REASONS,
    Item,
    Moderator,
    Outcome,
    PayloadError,
    Policy,
    QueueCount,
    QueuePage,
    Source,
    State,
    Stats,
    _CODE_RE,
    iso,
)
from triage_tui.sanitize import Sanitized, clean
from triage_tui.words import moment

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


class OzoneRefused(InvalidRequest):
    """Ozone answered 4xx; `code` is its XRPC error name (DuplicateExternalId, SubjectHasAction, …)."""

    def __init__(self, message: str, *, detail: str | None, status: int | None, code: str | None) -> None:
        super().__init__(message, detail=detail, status=status)
        self.code = code


@dataclass
class _Answer:
    status: int
    data: object
    headers: httpx.Headers


class OzoneBackend:
    """An Ozone moderation service. Use as `async with OzoneBackend(url, secret, ...) as b:`."""

    name = "ozone"
    # Ozone sorts by its fields, not ours (SORT_FIELD), so no order of ours is native; of
    # the filter it evaluates `kind` (a post is a record of POST_COLLECTION; nothing in
    # Ozone is a channel) and one `reason` (the report:… tag) in queryStatuses; the
    # rest (`min_reports` too, dropped from each page here) is the client's. Its `total`
    # is the page's length, not a count, and it pages only by its own cursor.
    # queryStatuses has no count and no id-only answer: `counts` and `id_streams` are False,
    # and count()/ids() say so (Unsupported) rather than walk every page behind a
    # caller's back — a count of a 100k queue would be 1,000 requests against the team's Ozone.
    capabilities = Capabilities(claims=False, versions=False, escalation=True, scoped_removal=False, change_feed=False,
                                sorted_pages=False, filter_fields=frozenset({"kind", "reason"}), filter_expressions=False,
                                counts=False, offsets=False, id_streams=False)
    """claims becomes True on an instance once me() (or the first claim) finds report assignments."""

    def __init__(
        self,
        base_url: str,
        token: str | Secret,
        *,
        auth: Literal["admin", "moderator"] | str = "admin",
        handle: str | None = None,
        pds: str | None = None,
        ozone_did: str | None = None,
        ca_file: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        token_from: str | None = None,
    ) -> None:
        """`token_from` says where the secret came from (the profile's token source), so
        that a rejected password's message names what to check."""
        secret = check_token(token)
        del token  # only the masked Secret from here on (tracebacks with locals)
        self.token_from = token_from
        if auth not in ("admin", "moderator"):
            raise ValueError(f'Ozone auth must be "admin" or "moderator", not {safe_text(str(auth)[:40])!r}')
        self.auth = auth
        url = check_base_url(base_url)
        self.base_url = str(url).rstrip("/")
        self._secret = secret
        self._secrets: list[Secret] = [secret]  # Secrets, so that vars(self) shows none of them
        protect_logs(secret)
        if auth == "admin":
            basic = base64.b64encode(f"admin:{secret.reveal()}".encode()).decode("ascii")
            self._basic = Secret(basic)
            self._register(self._basic)
            target = url
            self.handle = None
            self.ozone_did = ozone_did
            self.pds = None
        else:
            if not handle:
                raise ValueError("an Ozone moderator profile needs the account's handle")
            if not pds:
                raise ValueError("an Ozone moderator profile needs the URL of the account's PDS")
            if not ozone_did or not _DID_RE.fullmatch(ozone_did):
                raise ValueError("an Ozone moderator profile needs the Ozone service's DID (ozone_did)")
            target = check_base_url(pds)
            self.pds = str(target).rstrip("/")
            self.handle = handle
            self.ozone_did = ozone_did
            self._basic = None
        self._target = str(target).rstrip("/")
        self._access: Secret | None = None
        self._refresh: Secret | None = None
        self._session_did: str | None = None
        self._actor_did: str | None = None
        self.capabilities = OzoneBackend.capabilities
        self._assignments_offered: bool | None = None  # None: not probed yet
        self._claimed_reports: dict[str, list[int]] = {}
        self._session_lock = asyncio.Lock()
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._client = httpx.AsyncClient(
            base_url=target,
            headers={"User-Agent": f"triage-tui/{__version__}", "Accept": "application/json"},
            timeout=self._timeout,
            verify=_ssl_context(ca_file),
            follow_redirects=False,
            transport=transport,
            trust_env=target.scheme == "https",
        )

    def _register(self, secret: Secret) -> None:
        self._secrets.append(secret)
        protect_logs(secret)

    def redact(self, text: str) -> str:
        return _redact(text, tuple(s.reveal() for s in self._secrets))

    def __repr__(self) -> str:
        url = getattr(self, "base_url", "<not constructed>")
        if getattr(self, "auth", None) == "moderator":
            return f"OzoneBackend({url!r}, auth='moderator', handle={self.handle!r}, pds={self.pds!r})"
        return f"OzoneBackend({url!r}, auth='admin')"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- transport -------------------------------------------------------------------

    async def _raw(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: object = None,
                   headers: Mapping[str, str] | None = None, where: str) -> _Answer:
        request = build_request(self._client, method, path, params=params, body=body, headers=dict(headers or {}), where=where)
        response, raw = await send_bounded(self._client, request, target=self._target, where=where, redact=self.redact)
        if not 200 <= response.status_code < 300:
            return _Answer(response.status_code, _json_or_none(raw), response.headers)
        if not raw.strip():
            return _Answer(response.status_code, {}, response.headers)
        return _Answer(response.status_code, decode_json(raw, where=where, status=response.status_code, redact=self.redact), response.headers)

    def _error(self, answer: _Answer, where: str, *, login: bool = False) -> BackendError:
        fields = answer.data if isinstance(answer.data, dict) else {}
        code = fields.get("error") if isinstance(fields.get("error"), str) and re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", fields["error"]) else None
        message = safe_text(fields.get("message"), self.redact)
        status = answer.status
        said = f"{status}{' ' + code if code else ''}" + (f": {message}" if message else "")
        if login:
            who = f"PDS login for {self.handle}"
            if status == 401 or code in ("AuthenticationRequired", "InvalidPassword"):
                return Unauthorized(f"{who}: wrong handle or app password ({said}); check the handle, and the app password"
                                    + (f" from {self.token_from}" if self.token_from else ""), status=status)
            if code in ("AccountTakedown", "AccountDeactivated", "AuthFactorTokenRequired"):
                return Unauthorized(f"{who}: the PDS will not open a session ({said})", status=status)
            if 400 <= status < 500 and status not in (408, 429):
                return Unauthorized(f"{who}: refused ({said})", status=status)
            return error_for_response(status, {"error": code, "detail": message}, answer.headers, where=who, redact=self.redact,
                                      token_from=self.token_from)
        if status == 401 and message and message.startswith("Must be"):
            return Forbidden(f"Ozone refused {where}: not allowed for your Ozone role ({said})", status=status)
        if status == 401:
            if self.auth == "admin":
                return Unauthorized(f"Ozone admin login: wrong password ({said}); check the admin password"
                                    + (f" from {self.token_from}" if self.token_from else ""), status=status)
            return Unauthorized(f"Ozone refused {self.handle} through {self.pds} ({said}); is the account on the Ozone team?", status=status)
        if status == 403:
            return Forbidden(f"Ozone refused {where}: not allowed for your Ozone role ({said})", status=status)
        if status == 404:
            return NotFound(f"Ozone {where}: not found ({said})", status=status)
        if 400 <= status < 500 and status not in (408, 429):
            return OzoneRefused(f"Ozone refused {where} ({said})", detail=message, status=status, code=code)
        return error_for_response(status, {"error": code, "detail": message}, answer.headers, where=f"Ozone {where}", redact=self.redact,
                                  token_from=self.token_from)

    async def _xrpc(self, method: str, nsid: str, *, params: Mapping[str, Any] | None = None, body: object = None) -> Any:
        """One call to Ozone (directly, or through the moderator's PDS); the decoded JSON or a BackendError."""
        if self.auth == "admin":
            assert self._basic is not None
            answer = await self._raw(method, f"/xrpc/{nsid}", params=params, body=body, where=nsid,
                                     headers={"Authorization": f"Basic {self._basic.reveal()}"})
        else:
            access = await self._session()
            answer = await self._raw(method, f"/xrpc/{nsid}", params=params, body=body, where=nsid, headers=self._proxied(access))
            if self._session_expired(answer):
                access = await self._renew(access)
                answer = await self._raw(method, f"/xrpc/{nsid}", params=params, body=body, where=nsid, headers=self._proxied(access))
        if not 200 <= answer.status < 300:
            raise self._error(answer, nsid)
        return answer.data

    def _proxied(self, access: Secret) -> dict[str, str]:
        return {"Authorization": f"Bearer {access.reveal()}", "atproto-proxy": f"{self.ozone_did}#atproto_labeler"}

    @staticmethod
    def _session_expired(answer: _Answer) -> bool:
        code = answer.data.get("error") if isinstance(answer.data, dict) else None
        return answer.status in (400, 401) and code in SESSION_ERRORS

    async def _session(self) -> Secret:
        if self._access is not None:
            return self._access
        return await self._renew(None)

    async def _renew(self, stale: Secret | None) -> Secret:
        """A fresh access token: refresh the session, or log in again when that fails.
        Concurrent callers share one renewal."""
        async with self._session_lock:
            if self._access is not None and self._access is not stale:
                return self._access
            if self._refresh is not None and stale is not None:
                answer = await self._raw("POST", "/xrpc/com.atproto.server.refreshSession", where=f"PDS session refresh for {self.handle}",
                                         headers={"Authorization": f"Bearer {self._refresh.reveal()}"})
                if 200 <= answer.status < 300 and self._keep_session(answer.data):
                    assert self._access is not None
                    return self._access
                if answer.status >= 500 or answer.status in (408, 429):
                    raise self._error(answer, f"PDS session refresh for {self.handle}", login=True)
            self._access = self._refresh = None
            answer = await self._raw("POST", "/xrpc/com.atproto.server.createSession", where=f"PDS login for {self.handle}",
                                     body={"identifier": self.handle, "password": self._secret.reveal()})
            if not 200 <= answer.status < 300:
                raise self._error(answer, "com.atproto.server.createSession", login=True)
            if not self._keep_session(answer.data):
                raise bad_payload(PayloadError("session", "no accessJwt/refreshJwt/did"), where=f"PDS login for {self.handle}")
            assert self._access is not None
            return self._access

    def _keep_session(self, data: object) -> bool:
        if not isinstance(data, dict):
            return False
        access, refresh, did = data.get("accessJwt"), data.get("refreshJwt"), data.get("did")
        if not (isinstance(access, str) and isinstance(refresh, str) and access and refresh):
            return False
        try:
            self._access, self._refresh = check_token(access), check_token(refresh)
        except ValueError:
            return False
        self._register(self._access)
        self._register(self._refresh)
        if isinstance(did, str) and _DID_RE.fullmatch(did):
            self._session_did = did
        return True

    def _parse(self, data: object, parse: Any, where: str) -> Any:
        try:
            return parse(data)
        except PayloadError as exc:
            raise bad_payload(exc, where=f"Ozone {where}", redact=self.redact) from None
        except RecursionError:
            raise bad_payload(PayloadError("body", "nested too deeply"), where=f"Ozone {where}") from None

    async def _actor(self) -> str:
        """The DID our events are created by: the moderator's, or (admin) the Ozone service's."""
        if self._actor_did is not None:
            return self._actor_did
        if self.auth == "moderator":
            await self._session()
            did = self._session_did
        else:
            did = self.ozone_did
            if did is None:
                answer = await self._raw("GET", "/.well-known/ozone-metadata.json", where="Ozone metadata")
                meta = answer.data if isinstance(answer.data, dict) else {}
                did = meta.get("did") if isinstance(meta.get("did"), str) else None
            if did is None:
                config = await self._xrpc("GET", "tools.ozone.server.getConfig")
                did = config.get("verifierDid") if isinstance(config, dict) else None
        if not isinstance(did, str) or not _DID_RE.fullmatch(did):
            raise bad_payload(PayloadError("did", "Ozone did not say its service DID"), where="Ozone metadata")
        self._actor_did = did
        return did

    # -- the protocol ------------------------------------------------------------------

    async def me(self) -> Moderator:
        config = await self._xrpc("GET", "tools.ozone.server.getConfig")
        viewer = config.get("viewer") if isinstance(config, dict) else None
        role = viewer.get("role") if isinstance(viewer, dict) else None
        roles = ROLES.get(role, frozenset({"moderator"})) if isinstance(role, str) else frozenset({"moderator"})
        did = await self._actor()
        await self._probe_assignments()
        name = f"Ozone admin ({self.base_url})" if self.auth == "admin" else (self.handle or did)
        return self._parse({"id": did, "name": name, "roles": sorted(roles)}, Moderator.from_json, "getConfig")

    async def policy(self) -> Policy:
        return ozone_policy()

    async def queue(self, query: QueueQuery, *, cursor: str | None = None, limit: int = 200) -> QueuePage:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError(f"limit must be 1..1000, not {limit!r}")
        if query.filter is not None:  # capabilities.filter_expressions is False: never silently ignored
            raise Unsupported("Ozone queue: no filter expressions; apply the filter to the pages", capability="filter_expressions")
        if query.sort not in SORT_FIELD:
            raise InvalidRequest(f"Ozone queue: no sort {safe_text(query.sort[:40])!r} (sorts: {', '.join(SORT_FIELD)})", detail=None)
        empty = QueuePage((), None, 0, 0)
        # Filters Ozone can apply are sent; ones nothing in Ozone can match give an empty page;
        # the rest (q, min_reports) are left to the caller's own filter, which stays the truth.
        if query.kind == "channel" or (query.source not in (None, Source.USER_REPORT.value)) or query.country is not None:
            return empty
        field, direction = SORT_FIELD[query.sort]
        params: dict[str, Any] = {
            "reviewState": REVIEW_ESCALATED if query.queue == "escalated" else REVIEW_OPEN,
            "limit": min(limit, PAGE_MAX),
            "sortField": field,
            "sortDirection": direction,
        }
        if query.kind == "post":
            params["subjectType"] = "record"
            params["collections"] = [POST_COLLECTION]
        elif query.kind == "account":
            params["subjectType"] = "account"
        if query.reason is not None:
            params["tags"] = [f"report:{query.reason}"]
        if cursor is not None:
            params["cursor"] = cursor
        data = await self._xrpc("GET", "tools.ozone.moderation.queryStatuses", params=params)
        statuses = data.get("subjectStatuses") if isinstance(data, dict) else None
        if not isinstance(statuses, list):
            raise bad_payload(PayloadError("subjectStatuses", "expected a list"), where="Ozone tools.ozone.moderation.queryStatuses")
        full_page = len(statuses) >= params["limit"]  # before dropping subjects we do not list
        statuses = [s for s in statuses if isinstance(s, dict) and subject_key(s.get("subject")) is not None]
        snippets = await self._snippets([subject_key(s.get("subject")) or "" for s in statuses])
        raw_items = []
        for status in statuses:
            key = subject_key(status.get("subject")) or ""
            item = summary_json(status, snippets.get(key, ""))
            if item is not None:
                raw_items.append(item)
        next_cursor = data.get("cursor") if isinstance(data.get("cursor"), str) and full_page else None
        page = self._parse({"items": raw_items, "next_cursor": next_cursor, "total": len(raw_items), "seq": 0},
                           QueuePage.from_json, "tools.ozone.moderation.queryStatuses")
        if query.min_reports is not None:
            page = QueuePage(tuple(i for i in page.items if i.report_count >= query.min_reports), page.next_cursor, page.total, 0)
        return page

    async def count(self, query: QueueQuery) -> QueueCount:
        """Ozone cannot count a queue (capabilities.counts is False): Unsupported, before
        any request. Counting by walking queryStatuses would cost one request per 100
        subjects; a caller that must know walks `queue` itself and says it is a lower bound."""
        raise Unsupported("Ozone cannot count a queue: page through it instead (capabilities.counts is False)", capability="counts")

    def ids(self, query: QueueQuery) -> AsyncIterator[str]:
        """Ozone has no id stream (capabilities.id_streams is False): Unsupported, raised when
        the iteration starts and before any request. Its pages are not in our order and
        not filtered by our terms, so the ids of a view come only from `queue` pages the
        caller filters and sorts itself (`views.matching`), one implementation for all."""
        return _unsupported_ids()

    async def _snippets(self, keys: Sequence[str]) -> dict[str, str]:
        """The text shown in the queue line: a post's text, an account's handle and profile."""
        uris = [k for k in keys if k.startswith("at://")]
        dids = [k for k in keys if k.startswith("did:")]
        out: dict[str, str] = {}
        for i in range(0, len(uris), PAGE_MAX):
            data = await self._xrpc("GET", "tools.ozone.moderation.getRecords", params={"uris": uris[i:i + PAGE_MAX]})
            for record in (data.get("records") if isinstance(data, dict) else None) or ():
                if isinstance(record, dict) and isinstance(record.get("uri"), str):
                    value = record.get("value")
                    text = value.get("text") if isinstance(value, dict) else None
                    out[record["uri"]] = text if isinstance(text, str) else "(no text: the record is missing or not a post)"
        for i in range(0, len(dids), PAGE_MAX):
            data = await self._xrpc("GET", "tools.ozone.moderation.getRepos", params={"dids": dids[i:i + PAGE_MAX]})
            for repo in (data.get("repos") if isinstance(data, dict) else None) or ():
                if isinstance(repo, dict) and isinstance(repo.get("did"), str):
                    out[repo["did"]] = account_snippet(repo)
        return out

    async def changes(self, since: int, *, wait: float = 0, limit: int = 500) -> ChangeBatch:
        """Ozone has no change feed (capabilities.change_feed is False): wait, report nothing."""
        if wait > 0:
            await asyncio.sleep(min(wait, 60.0))
        return ChangeBatch((), since)

    async def item(self, item_id: str) -> Item:
        key = _check_id(item_id)
        kind = kind_of(key)
        if kind == "post":
            record = await self._xrpc("GET", "tools.ozone.moderation.getRecord", params={"uri": key})
            record = record if isinstance(record, dict) else {}
            value = record.get("value") if isinstance(record.get("value"), dict) else {}
            repo = record.get("repo") if isinstance(record.get("repo"), dict) else {}
            moderation = record.get("moderation") if isinstance(record.get("moderation"), dict) else {}
            text = _str(value, "text") or ""
            created = _str(value, "createdAt")
            langs = value.get("langs")
            language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
            title = None
            author_repo = repo
        else:
            repo = await self._xrpc("GET", "tools.ozone.moderation.getRepo", params={"did": key})
            repo = repo if isinstance(repo, dict) else {}
            moderation = repo.get("moderation") if isinstance(repo.get("moderation"), dict) else {}
            profile = _profile_value(repo)
            text = _str(profile, "description") or ""
            title = _str(profile, "displayName")
            created, language = None, None
            author_repo = repo
        status = moderation.get("subjectStatus") if isinstance(moderation.get("subjectStatus"), dict) else {}
        events = await self._events(key)
        reports = [r for r in (report_json(e) for e in events) if r is not None]
        history = []
        for event in events:
            d = decision_json(event)
            if d is not None:
                history.append({"id": d["id"], "action": d["action"], "moderator": d["moderator"], "reason": d["reason"],
                                "escalate_to": d["escalate_to"], "note": d["note"], "decided_at": d["decided_at"]})
        review = _str(status, "reviewState") or ""
        if created is not None and not _time_ms(created):
            created = None
        if language is not None and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}", language):
            language = None
        raw = {
            "id": key,
            "kind": kind,
            "state": STATE_OF.get(review, State.CLOSED).value,
            "version": _time_ms(_str(status, "updatedAt")),
            "text": text,
            "title": title,
            "language": language,
            "created_at": created,
            "media": [],
            "author": author_json(author_repo, status) if author_repo else None,
            "member_count": None,
            "reports": sorted(reports, key=lambda r: r["created_at"] or ""),
            "priority": _priority(status),
            "deadline": None,
            "escalated_to": ESCALATION_TARGET if review == REVIEW_ESCALATED else None,
            "campaign": None,
            "claim": None,
            "history": history,
        }
        return self._parse(raw, Item.from_json, "getRecord" if kind == "post" else "getRepo")

    async def _events(self, key: str, *, types: Sequence[str] | None = None, limit: int = 100) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"subject": key, "limit": limit, "sortDirection": "desc"}
        if types:
            params["types"] = list(types)
        data = await self._xrpc("GET", "tools.ozone.moderation.queryEvents", params=params)
        events = data.get("events") if isinstance(data, dict) else None
        return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []

    # -- claims: Ozone's report assignments ----------------------------------------------

    async def _probe_assignments(self) -> None:
        """Once per backend: does this Ozone offer report assignments? Sets capabilities.claims.
        "Not offered" is an answer that the method is unknown (404, 501, MethodNotImplemented,
        XRPCNotSupported) or not allowed for this login (403); a transient failure leaves it
        unprobed (claims stay False) and the next me() asks again."""
        if self._assignments_offered is not None:
            return
        try:
            await self._xrpc("GET", ASSIGN_GET, params={"onlyActive": "true", "limit": 1})
        except (NotFound, Forbidden):
            offered = False
        except OzoneRefused:
            offered = False  # MethodNotImplemented / XRPCNotSupported, or a server that knows the name but not our call
        except BackendError as exc:
            if exc.status in NOT_IMPLEMENTED_STATUS:
                offered = False
            elif isinstance(exc, Unauthorized):
                raise
            else:
                return  # unavailable or unreachable: ask again later
        else:
            offered = True
        self._assignments_offered = offered
        self.capabilities = replace(self.capabilities, claims=offered)

    async def _require_assignments(self) -> None:
        if self._assignments_offered is None:
            await self._probe_assignments()
        if not self._assignments_offered:
            raise InvalidRequest("Ozone: this server offers no report assignments, so no claims (capabilities.claims is False)", detail=None)

    async def _report_ids(self, key: str, statuses: Sequence[str]) -> list[int]:
        """The ids of the subject's reports in these report statuses (queryReports, paged)."""
        ids: list[int] = []
        for status in statuses:
            cursor: str | None = None
            for _ in range(MAX_REPORT_PAGES):
                params: dict[str, Any] = {"subject": key, "status": status, "limit": PAGE_MAX}
                if cursor:
                    params["cursor"] = cursor
                data = await self._xrpc("GET", "tools.ozone.report.queryReports", params=params)
                reports = data.get("reports") if isinstance(data, dict) else None
                reports = [r for r in reports if isinstance(r, dict)] if isinstance(reports, list) else []
                for report in reports:
                    rid = report.get("id")
                    if isinstance(rid, int) and not isinstance(rid, bool) and rid >= 0 and rid not in ids:
                        ids.append(rid)
                cursor = data.get("cursor") if isinstance(data, dict) and isinstance(data.get("cursor"), str) else None
                if cursor is None or len(reports) < PAGE_MAX:
                    break
        return ids

    async def _active_assignments(self, report_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Active assignments (endAt in the future, or permanent) of these reports."""
        out: list[dict[str, Any]] = []
        for i in range(0, len(report_ids), PAGE_MAX):
            data = await self._xrpc("GET", ASSIGN_GET, params={"onlyActive": "true", "reportIds": list(report_ids[i:i + PAGE_MAX]),
                                                              "limit": PAGE_MAX})
            views = data.get("assignments") if isinstance(data, dict) else None
            out += [v for v in views if isinstance(v, dict) and isinstance(v.get("did"), str)] if isinstance(views, list) else []
        return out

    def _claimed_by(self, key: str, views: Sequence[Mapping[str, Any]]) -> ClaimConflict:
        """Someone else holds some of the subject's reports: the first holder, and when the
        last of their assignments ends (None: at least one is permanent)."""
        view = views[0] if views else {}
        holder = view.get("did")
        holder = holder if isinstance(holder, str) and _DID_RE.fullmatch(holder) else None
        ends = [_parse_time(_str(v, "endAt")) for v in views if v.get("did") == view.get("did")]
        expires_at = max(ends) if ends and None not in ends else None  # type: ignore[type-var]
        member = view.get("moderator") if isinstance(view.get("moderator"), dict) else {}
        profile = member.get("profile") if isinstance(member.get("profile"), dict) else {}
        handle = safe_text(_str(profile, "handle"), self.redact, limit=100)
        who = f"@{handle} ({holder})" if handle and holder else holder or "someone else"
        until = f" until {moment(expires_at)}" if expires_at else " (permanently)"
        return ClaimConflict(f"Ozone: {key} is assigned to {who}{until}", code="claimed", holder=holder, expires_at=expires_at)

    async def claim(self, item_id: str, ttl: float = 300) -> Claim:
        """Assign the subject's open reports to us (non-permanent: they lapse). Ozone sets the
        lease length itself (OZONE_ASSIGNMENT_REPORT_DURATION_MS, 5 minutes by default), so
        `ttl` is not sent; the Claim's expires_at is Ozone's endAt. Claiming again refreshes it."""
        key = _check_id(item_id)
        await self._require_assignments()
        me = await self._actor()
        status = await self._status(key)
        if status is None or _str(status, "reviewState") not in (REVIEW_OPEN, REVIEW_ESCALATED):
            raise ClaimConflict(f"Ozone: {key} is not in review (closed or unknown): nothing to claim",
                                code="not_claimable", holder=None, expires_at=None)
        reports = await self._report_ids(key, CLAIMABLE_REPORTS)
        if not reports:
            raise ClaimConflict(f"Ozone: {key} has no open reports to assign", code="not_claimable", holder=None, expires_at=None)
        held = await self._active_assignments(reports)
        mine_before = {v.get("reportId") for v in held if v.get("did") == me}
        other = [v for v in held if v.get("did") != me]
        if other:
            raise self._claimed_by(key, other)
        ends: list[datetime] = []
        taken: list[int] = []
        for rid in reports:
            try:
                view = await self._xrpc("POST", ASSIGN, body={"reportId": rid, "isPermanent": False})
            except OzoneRefused as exc:
                if exc.code not in ("AlreadyAssigned", "InvalidAssignment"):
                    raise
                for mine in taken:  # someone else got one first: give back what this call took
                    try:
                        await self._xrpc("POST", UNASSIGN, body={"reportId": mine})
                    except BackendError:
                        pass  # lapses by itself
                if exc.code == "InvalidAssignment":
                    raise ClaimConflict(f"Ozone: {key} can no longer be assigned ({exc.detail or exc.code})",
                                        code="not_claimable", holder=None, expires_at=None, status=exc.status) from None
                winners = [v for v in await self._active_assignments(reports) if v.get("did") != me]
                raise self._claimed_by(key, winners) from None
            if rid not in mine_before:
                taken.append(rid)
            end = _parse_time(_str(view, "endAt")) if isinstance(view, dict) else None
            if end is not None:
                ends.append(end)
        self._claimed_reports[key] = reports
        expires = min(ends) if ends else _MAX_LEASE_END  # no endAt: a permanent assignment
        return self._parse({"holder": me, "expires_at": iso(expires)}, lambda o: Claim.from_json(o, "claim"), ASSIGN)

    async def release(self, item_id: str) -> None:
        """Unassign the subject's reports that *we* hold. Ozone lets any moderator unassign any
        report, so we look first and never end someone else's assignment."""
        key = _check_id(item_id)
        if not self._assignments_offered:
            return
        me = await self._actor()
        reports = self._claimed_reports.pop(key, None) or await self._report_ids(key, (*CLAIMABLE_REPORTS, "closed"))
        if not reports:
            return
        for view in await self._active_assignments(reports):
            rid = view.get("reportId")
            if view.get("did") != me or not isinstance(rid, int):
                continue
            try:
                await self._xrpc("POST", UNASSIGN, body={"reportId": rid})
            except OzoneRefused as exc:
                if exc.code != "InvalidAssignment":  # already lapsed or released
                    raise

    # -- decisions ---------------------------------------------------------------------

    async def decide(self, decisions: Sequence[Decision]) -> tuple[DecisionResult, ...]:
        """One emitEvent per decision, in order. A network failure part-way raises: the
        sender resends the whole batch and the ones already applied come back duplicate."""
        return tuple([await self._decide(d) for d in decisions])

    async def _decide(self, d: Decision) -> DecisionResult:
        try:
            key = _check_id(d.item_id)
        except ValueError as exc:
            return DecisionResult(d.id, d.item_id if d.item_id.isascii() else None, Outcome.INVALID, error="invalid", detail=_said(safe_text(str(exc))))
        if d.scope != "global":
            return DecisionResult(d.id, key, Outcome.INVALID, error="invalid",
                                  detail=_said("Ozone cannot withhold in some countries only: remove globally or escalate"))
        if d.action is Action.ESCALATE and d.escalate_to != ESCALATION_TARGET:
            return DecisionResult(d.id, key, Outcome.INVALID, error="invalid",
                                  detail=_said(f"Ozone has one escalation target, {ESCALATION_TARGET!r}"))
        status = await self._status(key)
        if status is None:
            subject = await self._subject_ref(key)
            if subject is None:
                return DecisionResult(d.id, key, Outcome.INVALID, error="not_found", detail=_said("Ozone has no such subject"))
        else:
            subject = _ref(status.get("subject"))
            review = _str(status, "reviewState")
            taken = status.get("takendown") is True
            # Escalated since it was seen (its updatedAt moved on): a colleague sent it to the
            # specialists, so an approve or remove from the open queue must not close it silently.
            moved = d.item_version not in (0, _time_ms(_str(status, "updatedAt")))
            decided = (review == REVIEW_CLOSED or (d.action is Action.REMOVE and taken)
                       or (review == REVIEW_ESCALATED and (d.action is Action.ESCALATE or moved)))
            if decided:
                return await self._already(d, key, status)
        event: dict[str, Any] = {"$type": EVENT_OF[d.action]}
        if d.note:
            event["comment"] = d.note
        if d.action is Action.REMOVE:
            event["policies"] = [d.reason]
            event.setdefault("comment", f"removed: {d.reason}")
        body = {"event": event, "subject": subject, "createdBy": await self._actor(), "externalId": d.id,
                "modTool": {"name": MOD_TOOL, "meta": {"decision": d.id}}}
        try:
            await self._xrpc("POST", "tools.ozone.moderation.emitEvent", body=body)
        except OzoneRefused as exc:
            code = exc.code
            if code == "DuplicateExternalId":
                return _duplicate(d, key)
            if code == "SubjectHasAction" or "already taken down" in (exc.detail or ""):
                return await self._already(d, key, await self._status(key) or {})
            return DecisionResult(d.id, key, Outcome.INVALID, error=code or "invalid", detail=_said(exc.detail or str(exc)))
        except (Forbidden,) as exc:
            return DecisionResult(d.id, key, Outcome.FORBIDDEN, error="forbidden", detail=_said(str(exc)))
        except NotFound as exc:
            return DecisionResult(d.id, key, Outcome.INVALID, error="not_found", detail=_said(str(exc)))
        return DecisionResult(d.id, key, Outcome.APPLIED, state=AFTER[d.action])

    async def _already(self, d: Decision, key: str, status: Mapping[str, Any]) -> DecisionResult:
        """The subject is already decided: by this very decision earlier (its key is on an
        event: a duplicate), or by someone else (a conflict, with who and what)."""
        for event in await self._events(key, types=[EVENT_OF[d.action]]):
            if _decision_key(event) == d.id:
                return _duplicate(d, key)
        review = _str(status, "reviewState") or ""
        taken = status.get("takendown") is True
        by = _str(status, "lastReviewedBy")
        action = Action.REMOVE if taken else Action.ESCALATE if review == REVIEW_ESCALATED else Action.APPROVE if review == REVIEW_CLOSED else None
        current = CurrentState(
            state=STATE_OF.get(review, State.CLOSED),
            version=_time_ms(_str(status, "updatedAt")),
            decided_by=by if by and _DID_RE.fullmatch(by) else None,
            action=action,
            reason=None,
            decided_at=_parse_time(_str(status, "lastReviewedAt")),
            claimed_by=None,
        )
        what = "taken down" if taken else "escalated" if review == REVIEW_ESCALATED else "closed"
        return DecisionResult(d.id, key, Outcome.CONFLICT, state=current.state, error="conflict",
                              detail=_said(f"already {what} in Ozone"), current=current)

    async def _status(self, key: str) -> dict[str, Any] | None:
        data = await self._xrpc("GET", "tools.ozone.moderation.queryStatuses", params={"subject": key, "limit": 1})
        statuses = data.get("subjectStatuses") if isinstance(data, dict) else None
        for status in statuses if isinstance(statuses, list) else ():
            if isinstance(status, dict) and subject_key(status.get("subject")) == key:
                return status
        return None

    async def _subject_ref(self, key: str) -> dict[str, str] | None:
        if key.startswith("did:"):
            return {"$type": REPO_REF, "did": key}
        try:
            record = await self._xrpc("GET", "tools.ozone.moderation.getRecord", params={"uri": key})
        except NotFound:
            return None
        cid = record.get("cid") if isinstance(record, dict) else None
        return {"$type": STRONG_REF, "uri": key, "cid": cid} if isinstance(cid, str) else None

    # -- audit and stats ---------------------------------------------------------------

    async def audit(self, *, since: datetime | None = None, cursor: str | None = None, limit: int = 200, moderator: str | None = None) -> AuditPage:
        """Ozone's acknowledge, takedown and escalate events (by anyone, with any tool), newest first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError(f"limit must be 1..1000, not {limit!r}")
        # Oldest first, as the protocol's audit log is: reports page forward from `since`.
        params: dict[str, Any] = {"types": list(ACTION_OF), "limit": min(limit, PAGE_MAX), "sortDirection": "asc"}
        if since is not None:
            params["createdAfter"] = iso(since)
        if cursor is not None:
            params["cursor"] = cursor
        if moderator is not None:
            params["createdBy"] = moderator
        data = await self._xrpc("GET", "tools.ozone.moderation.queryEvents", params=params)
        events = data.get("events") if isinstance(data, dict) else None
        events = [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
        entries = [d for d in (decision_json(e) for e in events) if d is not None]
        next_cursor = data.get("cursor") if isinstance(data.get("cursor"), str) and len(events) >= params["limit"] else None
        page = self._parse({"decisions": entries, "next_cursor": next_cursor}, AuditPage.from_json, "tools.ozone.moderation.queryEvents")
        return page

    async def stats(self) -> Stats:
        """Queue counts by paging queryStatuses (up to 10,000 per queue), the oldest open
        subject, and decision counts from Ozone's events (up to 10,000)."""
        counts: dict[State, int] = {}
        oldest: dict[str, Any] | None = None
        for state, review in ((State.OPEN, REVIEW_OPEN), (State.ESCALATED, REVIEW_ESCALATED)):
            total, cursor = 0, None
            while total < COUNT_CAP:
                params: dict[str, Any] = {"reviewState": review, "limit": PAGE_MAX, "sortField": "lastReportedAt", "sortDirection": "asc"}
                if cursor:
                    params["cursor"] = cursor
                data = await self._xrpc("GET", "tools.ozone.moderation.queryStatuses", params=params)
                statuses = data.get("subjectStatuses") if isinstance(data, dict) else None
                statuses = [s for s in statuses if isinstance(s, dict)] if isinstance(statuses, list) else []
                if state is State.OPEN and cursor is None and statuses:
                    first = statuses[0]
                    key = subject_key(first.get("subject"))
                    when = _str(first, "createdAt") or _str(first, "lastReportedAt")
                    if key and when:
                        oldest = {"item_id": key, "first_reported_at": when, "deadline": None}
                total += len(statuses)
                cursor = data.get("cursor") if isinstance(data, dict) else None
                if len(statuses) < PAGE_MAX or not isinstance(cursor, str):
                    break
            counts[state] = total
        decided: dict[tuple[str, str | None], int] = {}
        cursor, seen = None, 0
        while seen < COUNT_CAP:
            page = await self.audit(cursor=cursor, limit=PAGE_MAX)
            for entry in page.decisions:
                k = (entry.decision.action.value, entry.decision.reason)
                decided[k] = decided.get(k, 0) + 1
            seen += len(page.decisions)
            cursor = page.next_cursor
            if cursor is None:
                break
        raw = {
            "queues": {s.value: n for s, n in counts.items()},
            "open_by_source": {Source.USER_REPORT.value: counts.get(State.OPEN, 0)},
            "overdue_by_source": {},
            "oldest_open_by_source": {Source.USER_REPORT.value: oldest} if oldest else {},
            "decisions": [{"action": a, "reason": r, "source": Source.USER_REPORT.value, "country": None, "count": n}
                          for (a, r), n in sorted(decided.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))],
            "seq": 0,
        }
        return self._parse(raw, Stats.from_json, "stats")


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

