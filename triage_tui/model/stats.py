"""The queue's aggregates: for the status line, the stats screen and transparency reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from triage_tui.model.enums import Action, Source, State
from triage_tui.model.gate import (
    _CODE_RE,
    ID_RE,
    MAX_CODE,
    MAX_ID,
    E,
    Json,
    _check_enum,
    _or_empty,
    obj,
    opt_country,
    opt_enum,
    opt_str,
    opt_time,
    parse_list,
    req_enum,
    req_int,
    req_str,
    req_time,
)


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
