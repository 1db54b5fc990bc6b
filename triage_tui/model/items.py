"""Items: a queue line (`ItemSummary`) and an item in full (`Item`) with its reports and
their four sources, media, the author's profile, a claim and the item's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triage_tui.model.enums import Action, Kind, Source, State
from triage_tui.model.gate import (
    _CODE_RE,
    _HEX_RE,
    _LANG_RE,
    ID_RE,
    MAX_CODE,
    MAX_COMMENT,
    MAX_ID,
    MAX_NAME,
    MAX_REASONS,
    MAX_TEXT,
    TEXT_DISPLAY_CHARS,
    PayloadError,
    _check_country,
    _check_str,
    _countries,
    _get,
    _sources,
    _text,
    _untrusted,
    obj,
    opt_int,
    opt_num,
    opt_str,
    opt_time,
    parse_list,
    req_enum,
    req_int,
    req_list,
    req_str,
    req_time,
    summary_snippet,
)
from triage_tui.sanitize import NO_FLAGS, Flag, Sanitized


# ---------------------------------------------------------------------------
# Reports and their four sources.


@dataclass(frozen=True, slots=True)
class UserReport:
    reporter: str | None


@dataclass(frozen=True, slots=True)
class TrustedFlag:
    organisation: Sanitized


@dataclass(frozen=True, slots=True)
class AuthorityOrder:
    country: str
    authority: Sanitized
    legal_basis: Sanitized
    reference: Sanitized
    deadline: datetime


@dataclass(frozen=True, slots=True)
class AutomatedFlag:
    model: Sanitized
    score: float


Origin = UserReport | TrustedFlag | AuthorityOrder | AutomatedFlag


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    source: Source
    reason: str
    created_at: datetime
    comment: Sanitized | None
    origin: Origin
    flags: frozenset[Flag] = NO_FLAGS

    @property
    def deadline(self) -> datetime | None:
        return self.origin.deadline if isinstance(self.origin, AuthorityOrder) else None

    @classmethod
    def from_json(cls, value: object, path: str = "report") -> Report:
        o = obj(value, path)
        flags: set[Flag] = set()
        source = req_enum(o, "source", path, Source)
        origin: Origin
        if source is Source.USER_REPORT:
            origin = UserReport(opt_str(o, "reporter", path, max_len=MAX_ID, pattern=ID_RE))
        elif source is Source.TRUSTED_FLAGGER:
            origin = TrustedFlag(_text(o, "organisation", path, flags, required=True))
        elif source is Source.AUTHORITY_ORDER:
            origin = AuthorityOrder(
                country=_check_country(_get(o, "country", path, optional=False), f"{path}.country"),
                authority=_text(o, "authority", path, flags, required=True),
                legal_basis=_text(o, "legal_basis", path, flags, required=True),
                reference=_text(o, "reference", path, flags, required=True),
                deadline=req_time(o, "deadline", path),
            )
        else:
            score = opt_num(o, "score", path, lo=0.0, hi=1.0)
            if score is None:
                raise PayloadError(f"{path}.score", "missing")
            origin = AutomatedFlag(_text(o, "model", path, flags, required=True), score)
        comment = _untrusted(o, "comment", path, flags, max_len=MAX_COMMENT, limit=MAX_COMMENT)
        return cls(
            id=req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE),
            source=source,
            reason=req_str(o, "reason", path, max_len=MAX_CODE, pattern=_CODE_RE),
            created_at=req_time(o, "created_at", path),
            comment=comment,
            origin=origin,
            flags=frozenset(flags),
        )


# ---------------------------------------------------------------------------
# Items.


@dataclass(frozen=True, slots=True)
class Media:
    """A media descriptor. Media is never fetched automatically (moderator wellbeing)."""

    type: str
    size: int
    sha256: str

    @classmethod
    def from_json(cls, value: object, path: str) -> Media:
        o = obj(value, path)
        return cls(
            type=req_str(o, "type", path, max_len=MAX_CODE, pattern=_CODE_RE),
            size=req_int(o, "size", path, hi=2**50),
            sha256=req_str(o, "sha256", path, max_len=128, pattern=_HEX_RE),
        )


@dataclass(frozen=True, slots=True)
class PriorDecision:
    item_id: str
    action: Action
    reason: str | None
    decided_at: datetime

    @classmethod
    def from_json(cls, value: object, path: str) -> PriorDecision:
        o = obj(value, path)
        return cls(
            item_id=req_str(o, "item_id", path, max_len=MAX_ID, pattern=ID_RE),
            action=req_enum(o, "action", path, Action),
            reason=opt_str(o, "reason", path, max_len=MAX_CODE, pattern=_CODE_RE),
            decided_at=req_time(o, "decided_at", path),
        )


@dataclass(frozen=True, slots=True)
class Profile:
    """The author of a post, or the owner of a channel."""

    id: str
    handle: Sanitized
    display_name: Sanitized | None
    created_at: datetime | None
    strikes: int
    prior_decisions: tuple[PriorDecision, ...]
    flags: frozenset[Flag] = NO_FLAGS

    @classmethod
    def from_json(cls, value: object, path: str) -> Profile:
        o = obj(value, path)
        flags: set[Flag] = set()
        handle = _untrusted(o, "handle", path, flags, max_len=MAX_NAME, limit=MAX_NAME, name=True, optional=False)
        assert handle is not None
        return cls(
            id=req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE),
            handle=handle,
            display_name=_untrusted(o, "display_name", path, flags, max_len=MAX_NAME, limit=MAX_NAME, name=True),
            created_at=opt_time(o, "created_at", path),
            strikes=opt_int(o, "strikes", path, hi=10**6) or 0,
            prior_decisions=parse_list(o, "prior_decisions", path, PriorDecision.from_json, max_items=10_000, optional=True),
            flags=frozenset(flags),
        )


@dataclass(frozen=True, slots=True)
class Campaign:
    """Items whose normalised text is the same: near-duplicate spam from related accounts."""

    id: str
    size: int


@dataclass(frozen=True, slots=True)
class Claim:
    holder: str
    expires_at: datetime

    @classmethod
    def from_json(cls, value: object, path: str) -> Claim:
        o = obj(value, path)
        return cls(
            holder=req_str(o, "holder", path, max_len=MAX_ID, pattern=ID_RE),
            expires_at=req_time(o, "expires_at", path),
        )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    action: Action
    moderator: str
    reason: str | None
    escalate_to: str | None
    note: Sanitized | None
    decided_at: datetime

    @classmethod
    def from_json(cls, value: object, path: str) -> HistoryEntry:
        o = obj(value, path)
        return cls(
            id=req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE),
            action=req_enum(o, "action", path, Action),
            moderator=req_str(o, "moderator", path, max_len=MAX_ID, pattern=ID_RE),
            reason=opt_str(o, "reason", path, max_len=MAX_CODE, pattern=_CODE_RE),
            escalate_to=opt_str(o, "escalate_to", path, max_len=MAX_CODE, pattern=_CODE_RE),
            note=_untrusted(o, "note", path, set(), max_len=MAX_COMMENT, limit=MAX_COMMENT),
            decided_at=req_time(o, "decided_at", path),
        )


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """One line of the queue: what the list needs, nothing it would have to fetch."""

    id: str
    kind: Kind
    state: State
    version: int
    priority: int
    deadline: datetime | None
    sources: tuple[Source, ...]
    countries: tuple[str, ...]
    reason: str | None
    report_count: int
    snippet: Sanitized
    first_reported_at: datetime
    escalated_to: str | None
    campaign: str | None
    flags: frozenset[Flag] = NO_FLAGS
    # Every report's reason, sorted, each once, `reason` always among them: a `reason:`
    # filter and masking ask about each, not only the main one the row shows first.
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Hold `reason in reasons` whoever builds the line: a server that sends no
        `reasons` (it is optional) still has its main reason matched and masked."""
        if self.reason is not None and self.reason not in self.reasons:
            object.__setattr__(self, "reasons", tuple(sorted({*self.reasons, self.reason})))

    @property
    def other_reasons(self) -> int:
        """How many reasons its reports name besides the main one (the row's `+N`)."""
        return len(self.reasons) - (self.reason is not None)

    @classmethod
    def from_json(cls, value: object, path: str = "item") -> ItemSummary:
        o = obj(value, path)
        shown = summary_snippet(req_str(o, "snippet", path, max_len=MAX_TEXT))
        snippet, flags = shown.text, set(shown.flags)
        return cls(
            id=req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE),
            kind=req_enum(o, "kind", path, Kind),
            state=req_enum(o, "state", path, State),
            version=req_int(o, "version", path, hi=2**53),
            priority=req_int(o, "priority", path, hi=100),
            deadline=opt_time(o, "deadline", path),
            sources=_sources(o, path),
            countries=_countries(o, "countries", path),
            reason=opt_str(o, "reason", path, max_len=MAX_CODE, pattern=_CODE_RE),
            report_count=req_int(o, "report_count", path, hi=10**9),
            snippet=snippet,
            first_reported_at=req_time(o, "first_reported_at", path),
            escalated_to=opt_str(o, "escalated_to", path, max_len=MAX_CODE, pattern=_CODE_RE),
            campaign=opt_str(o, "campaign", path, max_len=MAX_ID, pattern=ID_RE),
            flags=frozenset(flags),
            reasons=tuple(_check_str(v, f"{path}.reasons[{n}]", MAX_CODE, _CODE_RE)
                          for n, v in enumerate(req_list(o, "reasons", path, max_items=MAX_REASONS, optional=True))),
        )


@dataclass(frozen=True, slots=True)
class Item:
    """A reported post or channel, in full: what the detail pane shows."""

    id: str
    kind: Kind
    state: State
    version: int
    text: Sanitized
    title: Sanitized | None
    language: str | None
    created_at: datetime | None
    media: tuple[Media, ...]
    author: Profile | None
    member_count: int | None
    reports: tuple[Report, ...]
    priority: int
    deadline: datetime | None
    escalated_to: str | None
    campaign: Campaign | None
    claim: Claim | None
    history: tuple[HistoryEntry, ...]
    flags: frozenset[Flag] = NO_FLAGS

    @property
    def sources(self) -> frozenset[Source]:
        return frozenset(r.source for r in self.reports)

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(r.origin.country for r in self.reports if isinstance(r.origin, AuthorityOrder))

    @classmethod
    def from_json(cls, value: object, path: str = "item") -> Item:
        o = obj(value, path)
        flags: set[Flag] = set()
        text = _untrusted(o, "text", path, flags, max_len=MAX_TEXT, limit=TEXT_DISPLAY_CHARS, optional=False)
        assert text is not None
        title = _untrusted(o, "title", path, flags, max_len=MAX_NAME * 4, limit=MAX_NAME, name=True)
        author = None if o.get("author") is None else Profile.from_json(o["author"], f"{path}.author")
        reports = parse_list(o, "reports", path, Report.from_json)
        for part in (author, *reports):
            if part is not None:
                flags.update(part.flags)
        campaign = None
        if o.get("campaign") is not None:
            c = obj(o["campaign"], f"{path}.campaign")
            campaign = Campaign(
                id=req_str(c, "id", f"{path}.campaign", max_len=MAX_ID, pattern=ID_RE),
                size=req_int(c, "size", f"{path}.campaign", hi=10**9),
            )
        return cls(
            id=req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE),
            kind=req_enum(o, "kind", path, Kind),
            state=req_enum(o, "state", path, State),
            version=req_int(o, "version", path, hi=2**53),
            text=text,
            title=title,
            language=opt_str(o, "language", path, max_len=35, pattern=_LANG_RE),
            created_at=opt_time(o, "created_at", path),
            media=parse_list(o, "media", path, Media.from_json, max_items=1000, optional=True),
            author=author,
            member_count=opt_int(o, "member_count", path, hi=10**11),
            reports=reports,
            priority=req_int(o, "priority", path, hi=100),
            deadline=opt_time(o, "deadline", path),
            escalated_to=opt_str(o, "escalated_to", path, max_len=MAX_CODE, pattern=_CODE_RE),
            campaign=campaign,
            claim=None if o.get("claim") is None else Claim.from_json(o["claim"], f"{path}.claim"),
            history=parse_list(o, "history", path, HistoryEntry.from_json, max_items=10_000, optional=True),
            flags=frozenset(flags),
        )
