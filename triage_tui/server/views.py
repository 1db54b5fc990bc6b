"""Reading the queue: pages by keyset or by position, counts and the id stream of a view
(a queue, a filter, a sort, as one moderator may see it).

Why positions cost the same at any depth: SQLite's OFFSET walks the order's index row by
row (~100 ns a row: 100 ms at a million). So the store keeps, per view it has served, a
`Marks`: the sort key of every STRIDE-th row and the position it stands at, built by
one walk of the view's covering index the first time a deep row is asked. A page at
position n is then a keyset seek to the last mark at or before n and an OFFSET of less
than a few STRIDEs. The marks are kept exact as the queue changes: a decision moves one
item out of (or into) views, and each kept view shifts the positions of the marks after
that item's key (`Views._moved`), and a small ingest is followed the same way, row by
row; a big one drops them (ingest.FOLLOW_MAX), and so does a write by another process
(PRAGMA data_version). Views whose filter
reads the clock (age, due, overdue) change by the minute and keep nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.filters import Filter, parse_sort
from triage_tui.model import State, iso
from triage_tui.server.auth import Principal
from triage_tui.server.query import Order, compile_filter, order, register, set_sql, timed
from triage_tui.server.schema import Vocab

Json = dict[str, Any]

ID_CHUNK = 2000  # ids per line of GET /v1/queue/ids, and per fetch from its cursor
STRIDE = 500  # rows between two marks of a view
MAX_VIEWS = 24  # views whose total and marks are kept (each decision updates every one)
SUMMARY_COLUMNS = (
    "i.id, i.kind, i.state, i.version, i.priority, i.deadline, i.sources, i.countries, i.reason, "
    "i.report_count, i.snippet, i.first_reported, i.escalated_to, "
    "CASE WHEN c.size > 1 THEN i.campaign END, i.reasons"
)
SUMMARY_WIDTH = 15
_NO_FILTER = Filter()


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """One queue view. `sort` is a `filters.Sort` as text (`-age` too); `expr` is the
    parsed `filter=` (protocol v1.1), AND-ed with the per-field filters of v1."""

    queue: str = "open"
    sort: str = "deadline"
    kind: str | None = None
    source: str | None = None
    country: str | None = None
    reason: str | None = None
    min_reports: int | None = None
    q: str | None = None
    expr: Filter = _NO_FILTER


@dataclass(slots=True)
class _View:
    """What the store keeps of one view: its SQL, its exact total, and its marks."""

    where: str
    params: tuple[Any, ...]
    join: str
    sort: Order
    total: int
    keys: list[tuple[Any, ...]] = field(default_factory=list)  # the sort key of each mark
    pos: list[int] = field(default_factory=list)  # rows of the view strictly before each mark
    marked: bool = False


def _before(a: tuple[Any, ...], b: tuple[Any, ...], reverse: bool) -> bool:
    """Whether sort key `a` comes strictly before `b` (keys ascend, or all descend)."""
    return a > b if reverse else a < b


class Views:
    """The queue's read paths, mixed into `Store` (which owns `_db`, `_lock`, `clock`,
    `vocab` and the visibility rule)."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    clock: Callable[[], float]
    vocab: Vocab
    path: str

    if TYPE_CHECKING:  # what the store gives its mixins; never defined here (it would shadow them)
        def _targets_for(self, who: Principal) -> set[str] | None: ...
        def _visible_sql(self, who: Principal, column: str) -> tuple[str, list[Any]]: ...
        def seq(self) -> int: ...

    def _init_views(self) -> None:
        self._views: OrderedDict[tuple[Any, ...], _View] = OrderedDict()
        self._data_version = self._db.execute("PRAGMA data_version").fetchone()[0]

    def _forget_views(self) -> None:
        """Drop every kept view: the store changed more than it follows row by row."""
        self._views.clear()

    def _drop_views(self, which: Callable[[_View], bool]) -> None:
        for key in [k for k, v in self._views.items() if which(v)]:
            del self._views[key]

    def _fresh(self) -> None:
        """Drop the kept views when another connection has committed since (lock held)."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._views.clear()

    # -- the pages --------------------------------------------------------------------

    def queue(self, who: Principal, f: QueueFilter, *, cursor: str | None, limit: int, offset: int | None = None) -> Json:
        """A page of the queue: after `cursor` (keyset), or from position `offset` (0 is
        the first item) — never both. `total` counts every matching item, and `seq` is
        the feed position the page was read at: positions are positions in the queue as
        it was at that `seq` (protocol.md, "Rows by position")."""
        sort = order(parse_sort(f.sort))
        now = self.clock()
        where, params, join = self._where(who, f, now)
        with self._lock:
            self._fresh()
            view = self._view(who, f, now, where, params, join, sort)
            total = view.total
            page_where, page_params, skip = list(where), list(params), offset or 0
            if cursor is not None:
                clause, values = sort.after(_decode_cursor(cursor, sort.name, len(sort.keys)), strict=True)
                page_where.append(clause)
                page_params.extend(values)
            elif skip >= STRIDE and skip < total and not timed(f.expr):
                key, at = self._mark(view, skip)
                if key is not None:
                    clause, values = sort.after(key, strict=False)
                    page_where.append(clause)
                    page_params.extend(values)
                    skip -= at
            key_cols = ", ".join(f"i.{k}" for k in sort.keys)
            # The rows are picked by rowid first, then read whole: walking past `skip`
            # rows then reads the order's index alone, not each skipped row and its campaign.
            rows = self._db.execute(
                f"SELECT {SUMMARY_COLUMNS}, {key_cols} FROM items i LEFT JOIN campaigns c ON c.id = i.campaign "
                f"WHERE i.rowid IN (SELECT i.rowid FROM items i {join} WHERE {' AND '.join(page_where)} "
                f"ORDER BY {sort.sql} LIMIT ? OFFSET ?) ORDER BY {sort.sql}",
                (*page_params, limit + 1, skip),
            ).fetchall()
            seq = self.seq()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [summary_json(r[:SUMMARY_WIDTH]) for r in rows]
        next_cursor = _encode_cursor(sort.name, rows[-1][SUMMARY_WIDTH:]) if more and rows else None
        return {"items": items, "next_cursor": next_cursor, "total": total, "seq": seq}

    def count(self, who: Principal, f: QueueFilter) -> Json:
        """How many items the view holds, and the feed position it was counted at: one query."""
        now = self.clock()
        where, params, join = self._where(who, f, now)
        sort = order(parse_sort(f.sort))
        with self._lock:
            self._fresh()
            return {"total": self._view(who, f, now, where, params, join, sort).total, "seq": self.seq()}

    def _view(self, who: Principal, f: QueueFilter, now: float, where: list[str], params: list[Any], join: str,
              sort: Order) -> _View:
        """The kept view (its total counted once, then kept exact as rows move), or a
        new one; a view that reads the clock is counted afresh and not kept. Lock held."""
        key = (f, tuple(sorted(self._targets_for(who) or ())), who.sees_everything)
        view = None if timed(f.expr) else self._views.get(key)
        if view is not None and view.sort == sort:
            self._views.move_to_end(key)
            return view
        sql = " AND ".join(where)
        total = self._db.execute(f"SELECT count(*) FROM items i {join} WHERE {sql}", params).fetchone()[0]
        view = _View(sql, tuple(params), join, sort, total)
        if not timed(f.expr):
            self._views[key] = view
            if len(self._views) > MAX_VIEWS:
                self._views.popitem(last=False)
        return view

    def _mark(self, view: _View, offset: int) -> tuple[tuple[Any, ...] | None, int]:
        """The last mark at or before `offset` and its position (None, 0: none yet);
        marks the view on its first deep page. Lock held."""
        fresh = not view.marked
        if fresh:
            cols = ", ".join(f"i.{k}" for k in view.sort.keys)
            rows = self._db.execute(
                f"SELECT {', '.join(view.sort.keys)}, n FROM (SELECT {cols}, row_number() OVER (ORDER BY {view.sort.sql}) - 1 AS n "
                f"FROM items i {view.join} WHERE {view.where}) WHERE n % {STRIDE} = 0 AND n > 0", view.params
            ).fetchall()
            view.keys = [tuple(r[:-1]) for r in rows]
            view.pos = [r[-1] for r in rows]
            view.marked = True
        j = bisect_right(view.pos, offset) - 1
        at = view.pos[j] if j >= 0 else 0
        if offset - at > 4 * STRIDE and not fresh:  # rows that came in grew a stretch: mark the view again
            view.marked = False
            return self._mark(view, offset)
        return (view.keys[j], at) if j >= 0 else (None, 0)

    # -- keeping the views exact ----------------------------------------------------------

    def _keys_of(self, db: sqlite3.Connection, rowids: Sequence[int]) -> list[list[tuple[Any, ...] | None]]:
        """For each kept view, each row's sort key if the row is in the view, else None."""
        out = []
        listed = json.dumps(list(rowids))
        for view in self._views.values():
            cols = ", ".join(f"i.{k}" for k in view.sort.keys)
            found = {r[0]: tuple(r[1:]) for r in db.execute(
                # NOT INDEXED: by rowid, never a walk of the view's index (the planner's
                # guess for a condition on `state` over a list of unknown length).
                f"SELECT i.rowid, {cols} FROM items i NOT INDEXED {view.join} WHERE i.rowid IN (SELECT value FROM json_each(?)) "
                f"AND {view.where}", (listed, *view.params))}
            out.append([found.get(rowid) for rowid in rowids])
        return out

    def _moved(self, before: list[list[tuple[Any, ...] | None]], after: list[list[tuple[Any, ...] | None]]) -> None:
        """Shift every kept view's total and marks by the rows that left it and came in."""
        for view, was, now in zip(self._views.values(), before, after, strict=True):
            for old, new in zip(was, now, strict=True):
                if old == new:
                    continue
                for key, step in ((old, -1), (new, 1)):
                    if key is None:
                        continue
                    view.total += step
                    lo, hi = 0, len(view.keys)  # the first mark `key` comes before
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if _before(key, view.keys[mid], view.sort.reverse):
                            hi = mid
                        else:
                            lo = mid + 1
                    pos = view.pos
                    for j in range(lo, len(pos)):
                        pos[j] += step

    # -- the id stream --------------------------------------------------------------------

    def ids(self, who: Principal, f: QueueFilter) -> Iterator[Json]:
        """The ids of the view in its order, as the lines of GET /v1/queue/ids: `{"seq"}`
        first, then `{"ids": [...]}` of at most ID_CHUNK each, then `{"total"}`, which
        says the stream is whole.

        One read transaction on a connection of its own: the ids and the seq are one
        snapshot of the database (WAL), however long the client takes to read them, and
        the store's lock is not held meanwhile. The cursor is read ID_CHUNK rows at a
        time, so the server holds one chunk, not the queue."""
        now = self.clock()
        where, params, join = self._where(who, f, now)
        sort = order(parse_sort(f.sort))
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            register(db)
            db.execute("BEGIN")
            seq = db.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0
            cur = db.execute(f"SELECT i.id FROM items i {join} WHERE {' AND '.join(where)} ORDER BY {sort.sql}", params)
            yield {"seq": seq}
            total = 0
            while rows := cur.fetchmany(ID_CHUNK):
                total += len(rows)
                yield {"ids": [r[0] for r in rows]}
            yield {"total": total}
        finally:
            db.close()  # ends the read transaction

    def _where(self, who: Principal, f: QueueFilter, now: float) -> tuple[list[str], list[Any], str]:
        """The view's conditions on `items i`, with their parameters and the join they
        need (`campaigns c` for a campaign term). Every read of the queue — pages,
        counts, ids — goes through here, and so through the visibility rule. The v1
        per-field parameters are the language's terms of the same names (query.set_sql)."""
        where = ["i.state = ?"]
        params: list[Any] = [State.OPEN.value if f.queue == "open" else State.ESCALATED.value]
        if f.queue == "escalated":  # an open item was never escalated: everyone's, so no condition to slow its counts
            clause, values = self._visible_sql(who, "i.escalated_to")
            where.append(clause)
            params.extend(values)
        with self._lock:  # the vocabulary is read as ingest leaves it
            for name, value in (("kind", f.kind), ("source", f.source), ("country", f.country), ("reason", f.reason)):
                if value:
                    clause, values = set_sql(name, (value,), self.vocab)
                    where.append(clause)
                    params.extend(values)
            compiled = compile_filter(f.expr, now, self.vocab)
        if f.min_reports:
            where.append("i.report_count >= ?")
            params.append(f.min_reports)
        if f.q:
            where.append("instr(i.search, ?) > 0")
            params.append(f.q.casefold())
        where.extend(compiled.where)
        params.extend(compiled.params)
        join = "LEFT JOIN campaigns c ON c.id = i.campaign" if compiled.campaigns else ""
        return where, params, join


def time_json(t: float | None) -> str | None:
    """An epoch time as the protocol writes it (every answer of the store uses this)."""
    return None if t is None else iso(datetime.fromtimestamp(t, UTC))


def summary_json(row: Sequence[Any]) -> Json:
    (iid, kind, state, version, priority, deadline, sources, countries, reason, count, snippet, first,
     escalated_to, campaign, reasons) = row
    return {
        "id": iid, "kind": kind, "state": state, "version": version, "priority": priority,
        "deadline": time_json(deadline), "sources": [s for s in sources.split(",") if s],
        "countries": [c for c in countries.split(",") if c], "reason": reason, "report_count": count,
        "snippet": snippet, "first_reported_at": time_json(first), "escalated_to": escalated_to, "campaign": campaign,
        "reasons": [r for r in reasons.split(",") if r],
    }


CURSOR_FORM = "@2"  # the keys as query.SORTS has them (npri, not priority): older cursors are refused


def _encode_cursor(sort: str, keys: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort + CURSOR_FORM, *keys]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str, n: int) -> list[Any]:
    from triage_tui.server.store import invalid

    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid("cursor", "not a cursor this server made") from None
    if not isinstance(raw, list) or len(raw) != n + 1 or raw[0] != sort + CURSOR_FORM:
        raise invalid("cursor", "made for another sort order; start again without a cursor")
    values = raw[1:]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values[:-1]) or not isinstance(values[-1], str):
        raise invalid("cursor", "not a cursor this server made")
    return values
