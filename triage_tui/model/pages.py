"""What the queue's requests answer: a page of queue lines, a count, the ids of a view
(protocol v1.1), and the change feed that keeps a queue live."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from triage_tui.model.enums import Action, State
from triage_tui.model.gate import (
    _CODE_RE,
    ID_RE,
    MAX_CODE,
    MAX_ID,
    PayloadError,
    _check_str,
    obj,
    opt_enum,
    opt_int,
    opt_str,
    opt_time,
    parse_list,
    req_enum,
    req_int,
    req_list,
    req_str,
    req_time,
)
from triage_tui.model.items import ItemSummary


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
