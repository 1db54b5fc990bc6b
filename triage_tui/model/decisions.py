"""Decisions: what a moderator decided (`Decision`, with the rules every decision obeys),
what the backend answered (`DecisionResult`), and the audit log of applied decisions."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from triage_tui.model.enums import Action, Kind, Outcome, Source, State
from triage_tui.model.gate import (
    _CODE_RE,
    ID_RE,
    MAX_CODE,
    MAX_COMMENT,
    MAX_ID,
    PayloadError,
    _check_country,
    _countries,
    _get,
    _sources,
    _untrusted,
    check_text,
    iso,
    now,
    obj,
    opt_country,
    opt_enum,
    opt_int,
    opt_str,
    opt_time,
    parse_list,
    req_enum,
    req_int,
    req_str,
    req_time,
)
from triage_tui.sanitize import Sanitized, clean
from triage_tui.words import plural


Scope = Literal["global"] | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """One moderator decision. `id` is its idempotency key, made when the key was pressed,
    so that every resend of it — after a crash, a timeout, a lost response — is the same
    decision to the backend and is applied at most once."""

    id: str
    item_id: str
    item_version: int
    action: Action
    decided_at: datetime
    reason: str | None = None
    scope: Scope = "global"
    escalate_to: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _check_decision_shape(self, "decision")

    @classmethod
    def new(cls, item_id: str, item_version: int, action: Action, *, reason: str | None = None, scope: Scope = "global", escalate_to: str | None = None, note: str | None = None, decided_at: datetime | None = None) -> Decision:
        return cls(
            id=str(uuid.uuid4()),
            item_id=item_id,
            item_version=item_version,
            action=action,
            decided_at=decided_at or now(),
            reason=reason,
            scope=scope,
            escalate_to=escalate_to,
            note=note or None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "item_version": self.item_version,
            "action": self.action.value,
            "reason": self.reason,
            "scope": self.scope if self.scope == "global" else list(self.scope),
            "escalate_to": self.escalate_to,
            "note": self.note,
            "decided_at": iso(self.decided_at),
        }

    @classmethod
    def from_json(cls, value: object, path: str = "decision") -> Decision:
        """Read a decision back (from the outbox, a batch file); notes are ours, not sanitized."""
        o = obj(value, path)
        raw_scope = _get(o, "scope", path, optional=True)
        scope: Scope
        if raw_scope is None or raw_scope == "global":
            scope = "global"
        else:
            scope = _countries(o, "scope", path)
            if not scope:
                raise PayloadError(f"{path}.scope", 'expected "global" or a non-empty list of country codes')
        fields = dict(
            id=req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE),
            item_id=req_str(o, "item_id", path, max_len=MAX_ID, pattern=ID_RE),
            item_version=req_int(o, "item_version", path, hi=2**53),
            action=req_enum(o, "action", path, Action),
            decided_at=req_time(o, "decided_at", path),
            reason=opt_str(o, "reason", path, max_len=MAX_CODE, pattern=_CODE_RE),
            scope=scope,
            escalate_to=opt_str(o, "escalate_to", path, max_len=MAX_CODE, pattern=_CODE_RE),
            note=opt_str(o, "note", path, max_len=MAX_COMMENT),
        )
        try:
            return cls(**fields)
        except PayloadError as exc:  # the shape rules name "decision.<field>"
            raise PayloadError(path + exc.path.removeprefix("decision"), exc.problem) from None


_TEXT_FIELDS = ("id", "item_id", "reason", "escalate_to", "note")


def _check_decision_shape(d: Decision, path: str) -> None:
    """The rules that make a decision meaningful whatever the backend. Every decision is
    made through here (the app's dialogs, batch, apply, the outbox, the server), so this
    is the one gate: text that is not Unicode never becomes a decision."""
    for name in _TEXT_FIELDS:
        value = getattr(d, name)
        if isinstance(value, str):
            check_text(value, f"{path}.{name}")
    if d.action is Action.REMOVE and not d.reason:
        raise PayloadError(f"{path}.reason", "a removal needs a reason")
    if d.action is Action.ESCALATE and not d.escalate_to:
        raise PayloadError(f"{path}.escalate_to", "an escalation needs a target")
    if d.action is not Action.ESCALATE and d.escalate_to:
        raise PayloadError(f"{path}.escalate_to", "only an escalation has a target")
    if d.scope != "global":
        if d.action is not Action.REMOVE:
            raise PayloadError(f"{path}.scope", "only a removal can be scoped to countries")
        if not d.scope:
            raise PayloadError(f"{path}.scope", 'expected "global" or ISO 3166-1 alpha-2 codes like DE')
        seen: set[str] = set()
        for i, code in enumerate(d.scope):  # a code that names no country would withhold nothing
            if _check_country(code, f"{path}.scope[{i}]") in seen:
                raise PayloadError(f"{path}.scope[{i}]", f"{code} is listed twice: a scope names each country once")
            seen.add(code)
    if d.note is not None and len(d.note) > MAX_COMMENT:
        raise PayloadError(f"{path}.note", f"longer than {plural(MAX_COMMENT, 'character')}")


@dataclass(frozen=True, slots=True)
class CurrentState:
    """What the item looks like now, sent with a conflict: who got there first and what they did."""

    state: State
    version: int
    decided_by: str | None
    action: Action | None
    reason: str | None
    decided_at: datetime | None
    claimed_by: str | None

    @classmethod
    def from_json(cls, value: object, path: str) -> CurrentState:
        o = obj(value, path)
        return cls(
            state=req_enum(o, "state", path, State),
            version=req_int(o, "version", path, hi=2**53),
            decided_by=opt_str(o, "decided_by", path, max_len=MAX_ID, pattern=ID_RE),
            action=opt_enum(o, "action", path, Action),
            reason=opt_str(o, "reason", path, max_len=MAX_CODE, pattern=_CODE_RE),
            decided_at=opt_time(o, "decided_at", path),
            claimed_by=opt_str(o, "claimed_by", path, max_len=MAX_ID, pattern=ID_RE),
        )


@dataclass(frozen=True, slots=True)
class DecisionResult:
    id: str
    item_id: str | None
    outcome: Outcome
    version: int | None = None
    state: State | None = None
    error: str | None = None
    detail: Sanitized | None = None
    current: CurrentState | None = None
    original: DecisionResult | None = None

    @property
    def effective(self) -> DecisionResult:
        """For a duplicate, the first answer: a resend after a lost response is that answer."""
        return self.original if self.outcome is Outcome.DUPLICATE and self.original else self

    @classmethod
    def from_json(cls, value: object, path: str = "result", *, nested: bool = False) -> DecisionResult:
        o = obj(value, path)
        original = o.get("original")
        if nested and original is not None:
            raise PayloadError(f"{path}.original", "an original answer cannot itself repeat another")
        return cls(
            id=req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE),
            item_id=opt_str(o, "item_id", path, max_len=MAX_ID, pattern=ID_RE),
            outcome=req_enum(o, "result", path, Outcome),
            version=opt_int(o, "version", path, hi=2**53),
            state=opt_enum(o, "state", path, State),
            error=opt_str(o, "error", path, max_len=MAX_CODE, pattern=_CODE_RE),
            detail=_untrusted(o, "detail", path, set(), max_len=MAX_COMMENT, limit=MAX_COMMENT),
            current=None if o.get("current") is None else CurrentState.from_json(o["current"], f"{path}.current"),
            original=None if original is None else DecisionResult.from_json(original, f"{path}.original", nested=True),
        )


def parse_results(value: object, path: str = "response") -> tuple[DecisionResult, ...]:
    return parse_list(obj(value, path), "results", path, DecisionResult.from_json, max_items=10_000)


@dataclass(frozen=True, slots=True)
class DecidedItem:
    """The item as it was when a decision applied: what reports count from."""

    kind: Kind
    sources: tuple[Source, ...]
    countries: tuple[str, ...]
    lead_source: Source
    lead_country: str | None
    first_reported_at: datetime
    deadline: datetime | None

    @classmethod
    def from_json(cls, value: object, path: str) -> DecidedItem:
        o = obj(value, path)
        lead_country = opt_country(o, "lead_country", path)
        return cls(
            kind=req_enum(o, "kind", path, Kind),
            sources=_sources(o, path),
            countries=_countries(o, "countries", path),
            lead_source=req_enum(o, "lead_source", path, Source),
            lead_country=lead_country,
            first_reported_at=req_time(o, "first_reported_at", path),
            deadline=opt_time(o, "deadline", path),
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    decision: Decision
    moderator: str
    applied_at: datetime
    item: DecidedItem | None = None  # absent when the backend does not keep it

    @classmethod
    def from_json(cls, value: object, path: str) -> AuditEntry:
        o = obj(value, path)
        decision = Decision.from_json(o, path)
        if decision.note is not None:  # written by another moderator, or by a hostile backend
            decision = dataclasses.replace(decision, note=clean(decision.note, limit=MAX_COMMENT).text)
        return cls(
            decision=decision,
            moderator=req_str(o, "moderator", path, max_len=MAX_ID, pattern=ID_RE),
            applied_at=req_time(o, "applied_at", path),
            item=None if o.get("item") is None else DecidedItem.from_json(o["item"], f"{path}.item"),
        )


@dataclass(frozen=True, slots=True)
class AuditPage:
    decisions: tuple[AuditEntry, ...]
    next_cursor: str | None

    @classmethod
    def from_json(cls, value: object, path: str = "audit") -> AuditPage:
        o = obj(value, path)
        return cls(
            decisions=parse_list(o, "decisions", path, AuditEntry.from_json, max_items=10_000),
            next_cursor=opt_str(o, "next_cursor", path, max_len=4096),
        )
