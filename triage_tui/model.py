"""The domain model, and the one gate through which backend JSON becomes it.

Every backend (our triage protocol, Ozone, …) hands us JSON we did not write. Parsing
here checks every type, size and range and raises one `PayloadError` naming the field
(`items[3].reports[0].deadline: expected an ISO 8601 time`), so a bad payload is a
clear, typed error at the edge — never an AttributeError three layers later. Untrusted
text is sanitized here, once (see `sanitize.py`), so nothing downstream has to ask.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from triage_tui import countries
from triage_tui.sanitize import NO_FLAGS, Clean, Flag, Sanitized, clean
from triage_tui.words import plural


class PayloadError(ValueError):
    """A backend (or file) payload that does not match the model; names the field."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class Kind(enum.StrEnum):
    POST = "post"
    CHANNEL = "channel"
    ACCOUNT = "account"  # a reported account as a whole (Ozone's repo subjects)


class Source(enum.StrEnum):
    USER_REPORT = "user_report"
    TRUSTED_FLAGGER = "trusted_flagger"
    AUTHORITY_ORDER = "authority_order"
    AUTOMATED = "automated"


class State(enum.StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"


class Action(enum.StrEnum):
    APPROVE = "approve"
    REMOVE = "remove"
    ESCALATE = "escalate"


class Outcome(enum.StrEnum):
    """The backend's answer to one decision."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    LEGAL = "legal"
    CHILD_SAFETY = "child_safety"
    SENIOR = "senior"
    ADMIN = "admin"


# Limits. Generous for real data, tight enough that a hostile or broken backend
# cannot make us hold gigabytes or do arithmetic on 1e308.
MAX_ID = 512
MAX_CODE = 128
MAX_REASONS = 50  # distinct report reasons in a queue line
MAX_NAME = 512
MAX_COMMENT = 10_000
MAX_TEXT = 1_000_000
MAX_LIST = 100_000
MAX_COUNT = 10**12
SNIPPET_CHARS = 300
TEXT_DISPLAY_CHARS = 200_000

# The one id grammar of the protocol (items, reports, moderators): 1-512 printable ASCII
# characters, no spaces. Ozone ids are at:// URIs with "/" and ":"; the reference server
# takes and serves every id it admits (the client percent-encodes ids in paths).
ID_RE = re.compile(r"[!-~]{1,%d}" % MAX_ID)
_CODE_RE = re.compile(r"[A-Za-z0-9_.:#/-]{1,%d}" % MAX_CODE)
_LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
_HEX_RE = re.compile(r"[0-9a-f]{16,128}")
_MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
Json = Mapping[str, Any]


# ---------------------------------------------------------------------------
# Field readers: each checks one value and names it on failure.


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def obj(value: object, path: str) -> Json:
    if not isinstance(value, dict):
        raise PayloadError(path, f"expected an object, got {_type_name(value)}")
    return value


def _get(o: Json, key: str, path: str, optional: bool) -> Any:
    value = o.get(key)
    if value is None and not optional:
        raise PayloadError(f"{path}.{key}", "missing" if key not in o else "must not be null")
    return value


def req_str(o: Json, key: str, path: str, *, max_len: int = MAX_NAME, pattern: re.Pattern[str] | None = None) -> str:
    value = _get(o, key, path, optional=False)
    return _check_str(value, f"{path}.{key}", max_len, pattern)


def opt_str(o: Json, key: str, path: str, *, max_len: int = MAX_NAME, pattern: re.Pattern[str] | None = None) -> str | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_str(value, f"{path}.{key}", max_len, pattern)


def _check_str(value: object, path: str, max_len: int, pattern: re.Pattern[str] | None) -> str:
    if not isinstance(value, str):
        raise PayloadError(path, f"expected a string, got {_type_name(value)}")
    if len(value) > max_len:
        raise PayloadError(path, f"longer than {plural(max_len, 'character')} ({len(value):,})")
    if pattern is not None and not pattern.fullmatch(value):
        raise PayloadError(path, f"not a valid value: {clean(value[:40]).text!r}")
    return value


def _untrusted(o: Json, key: str, path: str, flags: set[Flag], *, max_len: int, limit: int, name: bool = False, optional: bool = True) -> Sanitized | None:
    raw = opt_str(o, key, path, max_len=max_len) if optional else req_str(o, key, path, max_len=max_len)
    if raw is None:
        return None
    result = clean(raw, limit=limit, name=name)
    flags.update(result.flags)
    return result.text


def summary_snippet(raw: str) -> Clean:
    """A queue line's snippet as the client holds it (`ItemSummary.snippet`, `.flags`):
    the one rule, which the reference server applies too when it evaluates `flag:` and
    free text in a filter (server/query.py), so its answer is the client's."""
    return clean(raw, limit=SNIPPET_CHARS)


def _check_int(value: object, path: str, lo: int, hi: int) -> int:
    if isinstance(value, float) and value.is_integer():  # JSON has one number type: 5.0 is the integer 5
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(path, f"expected an integer, got {_type_name(value)}")
    if not lo <= value <= hi:
        raise PayloadError(path, f"out of range {lo}..{hi}: {value}")
    return value


def req_int(o: Json, key: str, path: str, *, lo: int = 0, hi: int = MAX_COUNT) -> int:
    return _check_int(_get(o, key, path, optional=False), f"{path}.{key}", lo, hi)


def opt_int(o: Json, key: str, path: str, *, lo: int = 0, hi: int = MAX_COUNT) -> int | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_int(value, f"{path}.{key}", lo, hi)


def opt_num(o: Json, key: str, path: str, *, lo: float, hi: float) -> float | None:
    value = _get(o, key, path, optional=True)
    if value is None:
        return None
    where = f"{path}.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(where, f"expected a number, got {_type_name(value)}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise PayloadError(where, f"out of range {lo}..{hi}: {value}")
    return float(value)


def _check_time(value: object, path: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise PayloadError(path, f"expected an ISO 8601 time, got {_type_name(value)}")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(path, f"expected an ISO 8601 time, got {clean(value).text!r}") from None
    if when.tzinfo is None:
        raise PayloadError(path, "time has no UTC offset")
    if not _MIN_TIME <= when <= _MAX_TIME:
        raise PayloadError(path, f"time out of range 1970..2200: {value}")
    return when.astimezone(UTC)


def req_time(o: Json, key: str, path: str) -> datetime:
    return _check_time(_get(o, key, path, optional=False), f"{path}.{key}")


def opt_time(o: Json, key: str, path: str) -> datetime | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_time(value, f"{path}.{key}")


def _check_enum(value: object, path: str, kind: type[E]) -> E:
    try:
        return kind(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(m.value) for m in kind)
        shown = clean(value[:40]).text if isinstance(value, str) else _type_name(value)
        raise PayloadError(path, f"expected one of {allowed}; got {shown!r}") from None


def req_enum(o: Json, key: str, path: str, kind: type[E]) -> E:
    return _check_enum(_get(o, key, path, optional=False), f"{path}.{key}", kind)


def opt_enum(o: Json, key: str, path: str, kind: type[E]) -> E | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_enum(value, f"{path}.{key}", kind)


def req_list(o: Json, key: str, path: str, *, max_items: int = MAX_LIST, optional: bool = False) -> list[Any]:
    value = _get(o, key, path, optional=optional)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{path}.{key}", f"expected a list, got {_type_name(value)}")
    if len(value) > max_items:
        raise PayloadError(f"{path}.{key}", f"more than {plural(max_items, 'entry')} ({len(value):,})")
    return value


def parse_list(o: Json, key: str, path: str, parse: Callable[[object, str], T], *, max_items: int = MAX_LIST, optional: bool = False) -> tuple[T, ...]:
    return tuple(parse(v, f"{path}.{key}[{i}]") for i, v in enumerate(req_list(o, key, path, max_items=max_items, optional=optional)))


def _check_country(value: object, path: str) -> str:
    """An assigned ISO 3166-1 alpha-2 code (see `countries`), or an error naming it and the code meant."""
    if not isinstance(value, str):
        raise PayloadError(path, f"expected a country code, got {_type_name(value)}")
    problem = countries.problem(value)
    if problem is not None:
        raise PayloadError(path, problem)
    return value


def opt_country(o: Json, key: str, path: str) -> str | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_country(value, f"{path}.{key}")


def _countries(o: Json, key: str, path: str) -> tuple[str, ...]:
    return tuple(_check_country(v, f"{path}.{key}[{i}]") for i, v in enumerate(req_list(o, key, path, max_items=300, optional=True)))


def _or_empty(o: Json, key: str) -> object:
    """An absent or null map reads as empty; any other non-object is still an error."""
    value = o.get(key)
    return {} if value is None else value


def iso(when: datetime) -> str:
    """Protocol time format: UTC with a Z."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


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


def _text(o: Json, key: str, path: str, flags: set[Flag], *, required: bool = False) -> Sanitized:
    value = _untrusted(o, key, path, flags, max_len=MAX_NAME, limit=MAX_NAME, optional=not required)
    return value if value is not None else Sanitized("")


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


def _sources(o: Json, path: str) -> tuple[Source, ...]:
    return tuple(_check_enum(v, f"{path}.sources[{i}]", Source) for i, v in enumerate(req_list(o, "sources", path, max_items=4)))


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


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: tuple[ItemSummary, ...]
    next_cursor: str | None
    total: int
    seq: int

    @classmethod
    def from_json(cls, value: object, path: str = "page") -> QueuePage:
        o = obj(value, path)
        return cls(
            items=parse_list(o, "items", path, ItemSummary.from_json, max_items=10_000),
            next_cursor=opt_str(o, "next_cursor", path, max_len=4096),
            total=req_int(o, "total", path),
            seq=req_int(o, "seq", path, hi=2**63 - 1),
        )


@dataclass(frozen=True, slots=True)
class QueueCount:
    """`GET /v1/queue/count` (protocol v1.1): how many items a view holds, at feed position `seq`."""

    total: int
    seq: int

    @classmethod
    def from_json(cls, value: object, path: str = "count") -> QueueCount:
        o = obj(value, path)
        return cls(total=req_int(o, "total", path), seq=req_int(o, "seq", path, hi=2**63 - 1))


MAX_ID_CHUNK = 100_000  # ids in one line of GET /v1/queue/ids that a client takes


@dataclass(frozen=True, slots=True)
class IdsLine:
    """One line of `GET /v1/queue/ids` (NDJSON, protocol v1.1): the first is `{"seq"}`, then
    `{"ids": [...]}` lines, and the last `{"total"}`, which says the stream is whole.
    Exactly one of the three is set; which one may come where is the reader's check."""

    seq: int | None = None
    ids: tuple[str, ...] = ()
    total: int | None = None

    @classmethod
    def from_json(cls, value: object, path: str = "line") -> IdsLine:
        o = obj(value, path)
        if set(o) == {"seq"}:
            return cls(seq=req_int(o, "seq", path, hi=2**63 - 1))
        if set(o) == {"ids"}:
            ids = req_list(o, "ids", path, max_items=MAX_ID_CHUNK)
            return cls(ids=tuple(_check_str(v, f"{path}.ids[{n}]", MAX_ID, ID_RE) for n, v in enumerate(ids)))
        if set(o) == {"total"}:
            return cls(total=req_int(o, "total", path))
        raise PayloadError(path, "expected an object with one key: seq, ids or total")


# ---------------------------------------------------------------------------
# The change feed.


class ChangeType(enum.StrEnum):
    NEW = "new"
    DECIDED = "decided"
    ESCALATED = "escalated"
    CLAIMED = "claimed"
    RELEASED = "released"
    LEFT = "left"  # the item is out of this moderator's sight now (escalated to another team): the id alone


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    type: ChangeType
    item_id: str
    by: str | None
    at: datetime
    action: Action | None = None
    state: State | None = None
    version: int | None = None
    item: ItemSummary | None = None
    escalated_to: str | None = None
    expires_at: datetime | None = None

    @classmethod
    def from_json(cls, value: object, path: str = "change") -> Change:
        o = obj(value, path)
        return cls(
            seq=req_int(o, "seq", path, hi=2**63 - 1),
            type=req_enum(o, "type", path, ChangeType),
            item_id=req_str(o, "item_id", path, max_len=MAX_ID, pattern=ID_RE),
            by=opt_str(o, "by", path, max_len=MAX_ID, pattern=ID_RE),
            at=req_time(o, "at", path),
            action=opt_enum(o, "action", path, Action),
            state=opt_enum(o, "state", path, State),
            version=opt_int(o, "version", path, hi=2**53),
            item=None if o.get("item") is None else ItemSummary.from_json(o["item"], f"{path}.item"),
            escalated_to=opt_str(o, "escalated_to", path, max_len=MAX_CODE, pattern=_CODE_RE),
            expires_at=opt_time(o, "expires_at", path),
        )


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    changes: tuple[Change, ...]
    seq: int

    @classmethod
    def from_json(cls, value: object, path: str = "changes") -> ChangeBatch:
        o = obj(value, path)
        return cls(
            changes=parse_list(o, "changes", path, Change.from_json, max_items=10_000),
            seq=req_int(o, "seq", path, hi=2**63 - 1),
        )


# ---------------------------------------------------------------------------
# Decisions.

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


def check_text(value: str, path: str) -> str:
    """Refuse text that is not Unicode: a lone surrogate, which is how Python carries an
    undecodable byte of argv or a file (`$'\\xff'` arrives as U+DCFF), or a JSON `"\\ud800"`.
    No backend can be sent it (the request cannot be encoded) and no terminal can show
    it, so it is stopped where it enters, with the field named, before anything is written."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        what = f"a lone surrogate U+{code:04X}"
        if 0xDC80 <= code <= 0xDCFF:  # how surrogateescape carries an undecodable byte of argv or a file
            what += f" (the byte 0x{code - 0xDC00:02x}, which is not UTF-8)"
        raise PayloadError(path, f"not valid text: character {exc.start + 1} is {what}") from None
    return value


def check_json_text(value: object, path: str) -> None:
    """`check_text` over every string (and key) of a decoded JSON value: a body the server
    could neither store (SQLite text is UTF-8) nor echo is refused naming the field.

    A first walk only asks whether all is well, building no paths (it runs on every item
    of every ingest: a seed of millions); the walk that names the field runs only when
    something is wrong."""
    if _all_text(value):
        return
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:  # no recursion: the body's nesting is the sender's choice
        v, where = stack.pop()
        if isinstance(v, str):
            if not v.isascii():
                check_text(v, where)
        elif isinstance(v, dict):
            for k, x in reversed(v.items()):
                if not k.isascii():
                    check_text(k, f"{where}.{k!r}")  # repr: the key itself cannot be shown
                stack.append((x, f"{where}.{k}"))
        elif isinstance(v, list):
            stack.extend((x, f"{where}[{i}]") for i, x in reversed(list(enumerate(v))))


def _all_text(value: object) -> bool:
    """Whether every string and key of a decoded JSON value is Unicode (`check_json_text`)."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        v = pop()
        if isinstance(v, str):
            if not v.isascii() and not _encodes(v):
                return False
        elif isinstance(v, dict):
            for k in v:
                if not k.isascii() and not _encodes(k):
                    return False
            extend(v.values())
        elif isinstance(v, list):
            extend(v)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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


# ---------------------------------------------------------------------------
# The moderator and the policy.


@dataclass(frozen=True, slots=True)
class Moderator:
    id: str
    name: Sanitized
    roles: frozenset[str]

    @classmethod
    def from_json(cls, value: object, path: str = "me") -> Moderator:
        o = obj(value, path)
        mid = req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE)
        name = _untrusted(o, "name", path, set(), max_len=MAX_NAME, limit=MAX_NAME, optional=False)
        assert name is not None
        roles = frozenset(_check_str(r, f"{path}.roles[{i}]", MAX_CODE, _CODE_RE) for i, r in enumerate(req_list(o, "roles", path, max_items=100)))
        return cls(id=mid, name=name, roles=roles)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    label: Sanitized
    applies_to: frozenset[Kind]
    severity: int
    dsa_category: str | None
    sensitive: bool

    @classmethod
    def from_json(cls, value: object, path: str) -> Reason:
        o = obj(value, path)
        label = _untrusted(o, "label", path, set(), max_len=MAX_NAME, limit=MAX_NAME, optional=False)
        assert label is not None
        sensitive = o.get("sensitive", False)
        if not isinstance(sensitive, bool):
            raise PayloadError(f"{path}.sensitive", f"expected true or false, got {_type_name(sensitive)}")
        return cls(
            code=req_str(o, "code", path, max_len=MAX_CODE, pattern=_CODE_RE),
            label=label,
            applies_to=frozenset(_check_enum(v, f"{path}.applies_to[{i}]", Kind) for i, v in enumerate(req_list(o, "applies_to", path, max_items=10))),
            severity=req_int(o, "severity", path, lo=1, hi=5),
            dsa_category=opt_str(o, "dsa_category", path, max_len=MAX_CODE, pattern=re.compile(r"STATEMENT_CATEGORY_[A-Z_]{1,100}")),
            sensitive=sensitive,
        )


@dataclass(frozen=True, slots=True)
class EscalationTarget:
    code: str
    label: Sanitized
    role: str

    @classmethod
    def from_json(cls, value: object, path: str) -> EscalationTarget:
        o = obj(value, path)
        label = _untrusted(o, "label", path, set(), max_len=MAX_NAME, limit=MAX_NAME, optional=False)
        assert label is not None
        return cls(
            code=req_str(o, "code", path, max_len=MAX_CODE, pattern=_CODE_RE),
            label=label,
            role=req_str(o, "role", path, max_len=MAX_CODE, pattern=_CODE_RE),
        )


@dataclass(frozen=True, slots=True)
class EscalationRule:
    """Items with a report from `source` (and from `countries`, if set) need `target` before removal."""

    source: Source
    countries: frozenset[str] | None
    target: str

    def matches(self, item: Item) -> bool:
        return any(
            r.source is self.source
            and (self.countries is None or (isinstance(r.origin, AuthorityOrder) and r.origin.country in self.countries))
            for r in item.reports
        )

    @classmethod
    def from_json(cls, value: object, path: str) -> EscalationRule:
        o = obj(value, path)
        countries = None if o.get("countries") is None else frozenset(_countries(o, "countries", path))
        return cls(
            source=req_enum(o, "source", path, Source),
            countries=countries,
            target=req_str(o, "target", path, max_len=MAX_CODE, pattern=_CODE_RE),
        )


@dataclass(frozen=True, slots=True)
class Policy:
    reasons: tuple[Reason, ...]
    escalation_targets: tuple[EscalationTarget, ...]
    deadlines: Mapping[Source, float | None]
    escalation_required: tuple[EscalationRule, ...]
    _by_code: Mapping[str, Reason] = field(default_factory=dict, repr=False, compare=False)

    def reason(self, code: str) -> Reason | None:
        return self._by_code.get(code)

    def reasons_for(self, kind: Kind) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if kind in r.applies_to)

    def target(self, code: str) -> EscalationTarget | None:
        return next((t for t in self.escalation_targets if t.code == code), None)

    def escalation_needed(self, item: Item) -> EscalationRule | None:
        """The rule that forbids removing `item` unless it is escalated to the rule's target."""
        for rule in self.escalation_required:
            if rule.matches(item) and not (item.state is State.ESCALATED and item.escalated_to == rule.target):
                return rule
        return None

    @classmethod
    def from_json(cls, value: object, path: str = "policy") -> Policy:
        o = obj(value, path)
        reasons = parse_list(o, "reasons", path, Reason.from_json, max_items=1000)
        seen: set[str] = set()
        for i, r in enumerate(reasons):
            if r.code in seen:
                raise PayloadError(f"{path}.reasons[{i}].code", f"duplicate code {r.code!r}")
            seen.add(r.code)
        targets = parse_list(o, "escalation_targets", path, EscalationTarget.from_json, max_items=100)
        raw_deadlines = obj(_or_empty(o, "deadlines"), f"{path}.deadlines")
        deadlines: dict[Source, float | None] = {}
        for key in raw_deadlines:
            source = _check_enum(key, f"{path}.deadlines", Source)
            deadlines[source] = opt_num(raw_deadlines, key, f"{path}.deadlines", lo=1, hi=10**9)
        rules = parse_list(o, "escalation_required", path, EscalationRule.from_json, max_items=100, optional=True)
        codes = {t.code for t in targets}
        for i, rule in enumerate(rules):
            if rule.target not in codes:
                raise PayloadError(f"{path}.escalation_required[{i}].target", f"unknown escalation target {rule.target!r}")
        return cls(reasons, targets, deadlines, rules, {r.code: r for r in reasons})


@dataclass(frozen=True, slots=True)
class DecisionCount:
    action: Action
    reason: str | None
    source: Source | None
    country: str | None
    count: int

    @classmethod
    def from_json(cls, value: object, path: str) -> DecisionCount:
        o = obj(value, path)
        return cls(
            action=req_enum(o, "action", path, Action),
            reason=opt_str(o, "reason", path, max_len=MAX_CODE, pattern=_CODE_RE),
            source=opt_enum(o, "source", path, Source),
            country=opt_country(o, "country", path),
            count=req_int(o, "count", path),
        )


@dataclass(frozen=True, slots=True)
class OldestOpen:
    item_id: str
    first_reported_at: datetime
    deadline: datetime | None

    @classmethod
    def from_json(cls, value: object, path: str) -> OldestOpen:
        o = obj(value, path)
        return cls(
            item_id=req_str(o, "item_id", path, max_len=MAX_ID, pattern=ID_RE),
            first_reported_at=req_time(o, "first_reported_at", path),
            deadline=opt_time(o, "deadline", path),
        )


def _counts_by(o: Json, key: str, path: str, kind: type[E]) -> dict[E, int]:
    raw = obj(_or_empty(o, key), f"{path}.{key}")
    return {_check_enum(k, f"{path}.{key}", kind): req_int(raw, k, f"{path}.{key}") for k in raw}


@dataclass(frozen=True, slots=True)
class Stats:
    """Aggregates for the status line, the stats screen and transparency reports."""

    queues: Mapping[State, int]
    open_by_source: Mapping[Source, int]
    overdue_by_source: Mapping[Source, int]
    oldest_open_by_source: Mapping[Source, OldestOpen]
    decisions: tuple[DecisionCount, ...]
    seq: int

    @classmethod
    def from_json(cls, value: object, path: str = "stats") -> Stats:
        o = obj(value, path)
        oldest_raw = obj(_or_empty(o, "oldest_open_by_source"), f"{path}.oldest_open_by_source")
        oldest = {
            _check_enum(k, f"{path}.oldest_open_by_source", Source): OldestOpen.from_json(v, f"{path}.oldest_open_by_source.{k}")
            for k, v in oldest_raw.items()
        }
        return cls(
            queues=_counts_by(o, "queues", path, State),
            open_by_source=_counts_by(o, "open_by_source", path, Source),
            overdue_by_source=_counts_by(o, "overdue_by_source", path, Source),
            oldest_open_by_source=oldest,
            decisions=parse_list(o, "decisions", path, DecisionCount.from_json, optional=True),
            seq=req_int(o, "seq", path, hi=2**63 - 1),
        )
