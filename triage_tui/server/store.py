"""SQLite storage and the rules of the reference backend.

Every rule that decides an answer lives here, below HTTP, so it is tested through the
real server and can be reasoned about in one place: queue order and paging, claims as
leases, decisions applied at most once per key, the change feed, the audit log.

Concurrency: one connection guarded by a lock, and every write in a `BEGIN IMMEDIATE`
transaction — so two moderators deciding the same item at once are serialised even if
two server processes share the database file. The clock is injected so tests can let a
claim lapse without sleeping.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_tui.filters import Filter, parse_sort
from triage_tui.model import ID_RE  # the protocol's id rule, shared with the client
from triage_tui.model import (
    MAX_COMMENT,
    MAX_TEXT,
    Action,
    Decision,
    Kind,
    Media,
    PayloadError,
    Policy,
    Profile,
    Report,
    Source,
    State,
    check_json_text,
    iso,
    obj,
    opt_int,
    req_list,
)
from triage_tui.server.auth import Principal
from triage_tui.server.query import compile_filter, order, register, timed
from triage_tui.words import plural

Json = dict[str, Any]
Clock = Callable[[], float]

SNIPPET = 200
NO_DEADLINE = 1e18
MAX_BATCH = 500
MAX_INGEST = 10_000  # items per POST /v1/items
INGEST_CHUNK = 1000  # items written per statement by add_items
LOAD_CACHE_KIB = 512 * 1024  # page cache of an ingest transaction (see Store._load_cache)
PROTOCOL = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    version INTEGER NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL,
    deadline REAL,
    dkey REAL NOT NULL,
    first_reported REAL NOT NULL,
    report_count INTEGER NOT NULL,
    reason TEXT,
    reasons TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL,
    countries TEXT NOT NULL,
    lead_source TEXT NOT NULL,
    lead_country TEXT,
    escalated_to TEXT,
    campaign TEXT,
    author_id TEXT,
    snippet TEXT NOT NULL,
    search TEXT NOT NULL,
    body TEXT NOT NULL,
    decided_by TEXT,
    decided_action TEXT,
    decided_reason TEXT,
    decided_at REAL,
    claim_holder TEXT,
    claim_expires REAL
);
CREATE INDEX IF NOT EXISTS items_by_deadline ON items (state, dkey, priority DESC, id);
CREATE INDEX IF NOT EXISTS items_by_priority ON items (state, priority DESC, id);
CREATE INDEX IF NOT EXISTS items_by_reports ON items (state, report_count DESC, id);
CREATE INDEX IF NOT EXISTS items_by_age ON items (state, first_reported, id);
CREATE INDEX IF NOT EXISTS items_by_author ON items (author_id);
CREATE INDEX IF NOT EXISTS items_by_campaign ON items (campaign);
CREATE INDEX IF NOT EXISTS items_by_target ON items (state, escalated_to);
CREATE TABLE IF NOT EXISTS campaigns (id TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    moderator TEXT NOT NULL,
    item_id TEXT,
    body TEXT NOT NULL,
    result TEXT NOT NULL,
    applied INTEGER NOT NULL,
    applied_at REAL
);
CREATE INDEX IF NOT EXISTS decisions_by_item ON decisions (item_id, applied);
CREATE INDEX IF NOT EXISTS decisions_applied ON decisions (applied, n);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    item_id TEXT,
    was_to TEXT,
    now_to TEXT
);
"""

# When several sources report an item, the one a transparency report files it under.
LEAD_ORDER = (Source.AUTHORITY_ORDER, Source.TRUSTED_FLAGGER, Source.AUTOMATED, Source.USER_REPORT)

_CODE_RE = re.compile(r"[A-Za-z0-9_.:#/-]{1,128}")
_WORDS = re.compile(r"[^\W\d_]+")
# The server's one time grammar (ingest times, the audit log's `since`), the same
# pattern /openapi.json states: RFC 3339 in UTC, years 1970-2199, real calendar days.
# Exact where `format: date-time` is not: the client's model refuses times outside
# 1970..2200, and an offset could carry an edge time out of that range.
_LEAP = r"(?:19(?:7[26]|8[048]|9[26])|20(?:[02468][048]|[13579][26])|21(?:0[48]|[2468][048]|[13579][26]))"
TIME_PATTERN = (
    r"^(?:(?:19[7-9][0-9]|2[01][0-9]{2})-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|" + _LEAP + r"-02-29)"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|\+00:00)$"
)
_TIME_RE = re.compile(TIME_PATTERN)
TIME_RULE = "an RFC 3339 time in UTC, years 1970-2199, like 2026-11-28T19:34:00Z"
SUMMARY_COLUMNS = (
    "i.id, i.kind, i.state, i.version, i.priority, i.deadline, i.sources, i.countries, i.reason, "
    "i.report_count, i.snippet, i.first_reported, i.escalated_to, "
    "CASE WHEN c.size > 1 THEN i.campaign END, i.reasons"
)
SUMMARY_WIDTH = 15


class Refused(Exception):
    """A request the rules refuse; the app turns it into the protocol's JSON error."""

    def __init__(self, status: int, error: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.extra = extra


def invalid(field: str, problem: str) -> Refused:
    return Refused(422, "invalid", f"{field}: {problem}")


def _hidden(item_id: str) -> Refused:
    """The 403 for an item the moderator may not see; it does not name the team (a target
    such as child_safety would tell what the item is)."""
    return Refused(403, "forbidden", f"item {item_id} is escalated to a team your roles do not cover")


def _time(t: float | None) -> str | None:
    return None if t is None else iso(datetime.fromtimestamp(t, UTC))


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def _campaign(text: str) -> str | None:
    """The campaign of an item's text: near-duplicates share it; short texts have none."""
    norm = _norm(text)
    return "c-" + hashlib.sha256(norm.encode()).hexdigest()[:10] if len(norm) >= 24 else None


def _norm(text: str) -> str:
    """Text with case, digits, punctuation, links and spacing removed: near-duplicates meet."""
    text = re.sub(r"https?://\S+|@\w+", " ", text.casefold())
    return " ".join(_WORDS.findall(text))


_NO_FILTER = Filter()
ID_CHUNK = 2000  # ids per line of GET /v1/queue/ids, and per fetch from its cursor


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


class Store:
    """The reference backend's state. Methods take the asking moderator and raise `Refused`."""

    def __init__(self, path: Path | str, policy: Policy, *, clock: Clock = time.time) -> None:
        self.path = str(path)
        self.policy = policy
        self.clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(SCHEMA)
        register(self._db)
        self._migrate()
        self._totals: dict[tuple[Any, ...], int] = {}
        self._severity = {r.code: r.severity for r in policy.reasons}

    def _migrate(self) -> None:
        """Bring a database made by an older version up to this schema."""
        db = self._db
        if "context" not in {r[1] for r in db.execute("PRAGMA table_info(decisions)")}:
            db.execute("ALTER TABLE decisions ADD COLUMN context TEXT")
        if "reasons" not in {r[1] for r in db.execute("PRAGMA table_info(items)")}:
            db.execute("ALTER TABLE items ADD COLUMN reasons TEXT NOT NULL DEFAULT ''")
            rows = db.execute("SELECT id, body FROM items").fetchall()
            db.execute("BEGIN")
            db.executemany("UPDATE items SET reasons = ? WHERE id = ?",
                           [(",".join(sorted({r["reason"] for r in json.loads(b)["reports"]})), i) for i, b in rows])
            db.execute("COMMIT")
        missing = [c for c in ("item_id", "was_to", "now_to") if c not in {r[1] for r in db.execute("PRAGMA table_info(changes)")}]
        if missing:
            self._migrate_changes(missing)

    def _migrate_changes(self, missing: list[str]) -> None:
        """Give every change of an older database its item and the escalation target the
        item had before and after it, replayed in feed order, so old changes are judged too."""
        db = self._db
        db.execute("BEGIN")
        for column in missing:
            db.execute(f"ALTER TABLE changes ADD COLUMN {column} TEXT")
        target: dict[str, str | None] = {}
        rows = []
        for seq, body in db.execute("SELECT seq, body FROM changes ORDER BY seq").fetchall():
            change = json.loads(body)
            item_id = change.get("item_id")
            was = target.get(item_id)
            if change.get("type") == "escalated":
                target[item_id] = change.get("escalated_to")
            rows.append((item_id, was, target.get(item_id), seq))
        db.executemany("UPDATE changes SET item_id = ?, was_to = ?, now_to = ? WHERE seq = ?", rows)
        db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._totals.clear()

    def _emit(self, db: sqlite3.Connection, change: Json, was_to: str | None, now_to: str | None) -> int:
        """Append a change to the feed with the escalation target its item had before
        (`was_to`) and after it (`now_to`): who may read it is judged by those and by
        what the item is when the feed is read (see `changes`)."""
        return self._emit_all(db, [(change, was_to, now_to)])

    def _emit_all(self, db: sqlite3.Connection, changes: Sequence[tuple[Json, str | None, str | None]]) -> int:
        """`_emit` for many changes in one statement (a bulk load writes one per item);
        returns the last seq. Called inside a write transaction, so the seqs it numbers
        from (AUTOINCREMENT's own counter, never reused) cannot be taken meanwhile."""
        last = db.execute("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0), "
                          "coalesce((SELECT max(seq) FROM changes), 0))").fetchone()[0]
        rows = []
        for change, was_to, now_to in changes:
            last += 1
            rows.append((last, json.dumps({"seq": last, **change}, ensure_ascii=False), change["item_id"], was_to, now_to))
        db.executemany("INSERT INTO changes (seq, body, item_id, was_to, now_to) VALUES (?, ?, ?, ?, ?)", rows)
        return last

    def seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT max(seq) FROM changes").fetchone()
        return row[0] or 0

    # -- who may see what ---------------------------------------------------------
    #
    # The one rule of every read path: an item that was never escalated is everyone's; an
    # item escalated to a target (and still after it is closed: it stays with the team that
    # decided it) is seen only by that target's role, and by senior and admin. The queue,
    # the item, claims, decisions, the change feed and the stats all ask these three.

    def _targets_for(self, who: Principal) -> set[str] | None:
        """Escalation targets whose items `who` may see; None means all."""
        if who.sees_everything:
            return None
        return {t.code for t in self.policy.escalation_targets if t.role in who.roles}

    def _visible(self, who: Principal, escalated_to: str | None) -> bool:
        """May `who` see an item whose escalation target is `escalated_to` (None: never escalated)?"""
        targets = self._targets_for(who)
        return targets is None or escalated_to is None or escalated_to in targets

    def _visible_sql(self, who: Principal, column: str) -> tuple[str, list[Any]]:
        """`_visible` as an SQL condition on the column holding the escalation target."""
        targets = self._targets_for(who)
        if targets is None:
            return "1", []
        if not targets:  # not `IN (NULL)`: that is NULL, not false, and NOT of it would be NULL too
            return f"({column} IS NULL)", []
        return f"({column} IS NULL OR {column} IN ({','.join('?' * len(targets))}))", sorted(targets)

    # -- ingest -------------------------------------------------------------------

    def add_items(self, items: Iterable[Json]) -> dict[str, int]:
        """Ingest ItemInputs (new items, or new reports on known ones); checked field by field.

        All or nothing: one transaction, rolled back by the first bad item, so a 422
        naming `items[4000]` has stored none of the 4,000 before it. Items are checked
        one at a time and written INGEST_CHUNK at a time (one statement per table for
        the new ones: a seed of millions costs a few statements per thousand items, not
        five per item), so a seed of a million holds one chunk in memory."""
        created = updated = 0
        with self._write() as db, self._load_cache(db):
            chunk: list[Json] = []
            for i, raw in enumerate(items):
                chunk.append(_check_input(raw, f"items[{i}]"))
                if len(chunk) == INGEST_CHUNK:
                    c, u = self._add_chunk(db, chunk)
                    created, updated, chunk = created + c, updated + u, []
            c, u = self._add_chunk(db, chunk)
        return {"created": created + c, "updated": updated + u, "seq": self.seq()}

    @contextmanager
    def _load_cache(self, db: sqlite3.Connection) -> Iterator[None]:
        """A page cache of LOAD_CACHE_KIB for one ingest transaction, then the usual one.

        A load of millions is one transaction (all or nothing), so its dirty pages stay
        in the WAL until it commits; with the default 2 MB cache the index pages are
        evicted, written again and again, and each miss searches a WAL index that grows
        with the load (seeding 1M demo items: 193 s without this, 142 s with it). The
        cache grows only as pages are used, so a small ingest costs nothing more."""
        (usual,) = db.execute("PRAGMA cache_size").fetchone()
        db.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        try:
            yield
        finally:
            db.execute(f"PRAGMA cache_size = {int(usual)}")  # frees the pages above it

    def _add_chunk(self, db: sqlite3.Connection, chunk: list[Json]) -> tuple[int, int]:
        """Store checked items in their order: (created, updated). New ones are written
        together; an item already stored — or already new in this chunk — gets its new
        reports after the new ones before it are written, as if one at a time."""
        if not chunk:
            return 0, 0
        ids = [item["id"] for item in chunk]
        stored = {r[0] for r in db.execute(f"SELECT id FROM items WHERE id IN ({','.join('?' * len(ids))})", ids)}
        fresh: list[Json] = []
        created = updated = 0
        for item in chunk:
            if item["id"] in stored:
                self._insert(db, fresh)
                fresh = []
                updated += self._add_reports(db, item)
            else:
                fresh.append(item)
                created += 1
                stored.add(item["id"])  # a second sighting in this chunk is an update
        self._insert(db, fresh)
        return created, updated

    def _add_reports(self, db: sqlite3.Connection, item: Json) -> int:
        """Add an item's new reports to the stored one: 1 if it had any, else 0."""
        old = json.loads(db.execute("SELECT body FROM items WHERE id = ?", (item["id"],)).fetchone()[0])
        known = {r["id"] for r in old["reports"]}
        fresh = [r for r in item["reports"] if r["id"] not in known]
        if not fresh:
            return 0
        old["reports"].extend(fresh)
        self._update_reports(db, old)
        return 1

    def _derived(self, item: Json) -> dict[str, Any]:
        """The columns an item's reports decide: priority, deadline, reason, sources...

        Source values are compared as the strings they are (Source is a StrEnum, equal
        to and hashed as its value): this runs once per item of a seed of millions."""
        reports = item["reports"]
        deadlines = self.policy.deadlines
        users = sum(1 for r in reports if r["source"] == Source.USER_REPORT)
        reasons = Counter(r["reason"] for r in reports)
        reason = max(reasons, key=lambda c: (reasons[c], self._severity.get(c, 0), c))
        best = 0.0
        due: list[float] = []
        first = NO_DEADLINE
        for r in reports:
            source = r["source"]
            created = _epoch(r["created_at"])
            first = min(first, created)
            if source == Source.AUTHORITY_ORDER:
                best = max(best, 90)
            elif source == Source.TRUSTED_FLAGGER:
                best = max(best, 70)
            elif source == Source.AUTOMATED:
                best = max(best, 40 + 30 * float(r["score"]))
            else:
                best = max(best, min(60, 20 + 2 * users))
            if source == Source.AUTHORITY_ORDER:  # only an order's deadline is read (and checked)
                due.append(_epoch(r["deadline"]))
            elif (span := deadlines.get(source)) is not None:
                due.append(created + span)
        sources = {r["source"] for r in reports}
        countries = sorted({r["country"] for r in reports if r["source"] == Source.AUTHORITY_ORDER})
        lead = next(s for s in LEAD_ORDER if s in sources)
        deadline = min(due) if due else None
        return {
            "priority": min(100, int(best) + 2 * self._severity.get(reason, 0)),
            "deadline": deadline,
            "dkey": NO_DEADLINE if deadline is None else deadline,
            "first_reported": first,
            "report_count": len(reports),
            "reason": reason,
            "reasons": ",".join(sorted(reasons)),
            "sources": "," + ",".join(s.value for s in LEAD_ORDER if s in sources) + ",",
            "countries": "," + ",".join(countries) + ("," if countries else ""),
            "lead_source": lead.value,
            "lead_country": countries[0] if countries else None,
        }

    def _insert(self, db: sqlite3.Connection, items: list[Json]) -> None:
        """Write new items, their campaigns and their `new` changes: one statement each.

        Each change carries the item's summary as it was when that item arrived: its
        campaign shows once the campaign has a second item, counted here in order."""
        if not items:
            return
        rows, campaigns, changes = [], Counter[str](), []
        of_item = [_campaign(item["text"]) for item in items]
        sizes = dict(db.execute(f"SELECT id, size FROM campaigns WHERE id IN ({','.join('?' * len(items))})", of_item))
        for item, campaign in zip(items, of_item, strict=True):
            text, title = item["text"], item.get("title")
            snippet = (f"{title} — {text}" if item["kind"] == Kind.CHANNEL and title else text)[:SNIPPET]
            if campaign is not None:
                campaigns[campaign] += 1
                sizes[campaign] = sizes.get(campaign, 0) + 1
            d = self._derived(item)
            rows.append((item["id"], item["kind"], d["priority"], d["deadline"], d["dkey"], d["first_reported"],
                         d["report_count"], d["reason"], d["reasons"], d["sources"], d["countries"], d["lead_source"],
                         d["lead_country"], campaign, (item.get("author") or {}).get("id"), snippet,
                         f"{title or ''}\n{text}".casefold(), json.dumps(item, ensure_ascii=False)))
            summary = _summary_json((item["id"], item["kind"], State.OPEN.value, 1, d["priority"], d["deadline"],
                                     d["sources"], d["countries"], d["reason"], d["report_count"], snippet,
                                     d["first_reported"], None, campaign if sizes.get(campaign or "", 0) > 1 else None,
                                     d["reasons"]))
            changes.append(({"type": "new", "item_id": item["id"], "by": None, "at": _time(self.clock()),
                             "item": summary}, None, None))
        db.executemany("INSERT INTO campaigns (id, size) VALUES (?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET size = size + excluded.size", campaigns.items())
        db.executemany(
            "INSERT INTO items (id, kind, priority, deadline, dkey, first_reported, report_count, reason, reasons, sources, "
            "countries, lead_source, lead_country, campaign, author_id, snippet, search, body) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        self._emit_all(db, changes)

    def _update_reports(self, db: sqlite3.Connection, item: Json) -> None:
        d = self._derived(item)
        db.execute(
            "UPDATE items SET priority=?, deadline=?, dkey=?, first_reported=?, report_count=?, reason=?, reasons=?, sources=?, "
            "countries=?, lead_source=?, lead_country=?, body=? WHERE id=?",
            (d["priority"], d["deadline"], d["dkey"], d["first_reported"], d["report_count"], d["reason"], d["reasons"],
             d["sources"], d["countries"], d["lead_source"], d["lead_country"], json.dumps(item, ensure_ascii=False),
             item["id"]),
        )

    # -- reading --------------------------------------------------------------------

    def _summary(self, db: sqlite3.Connection, item_id: str) -> Json:
        row = db.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM items i LEFT JOIN campaigns c ON c.id = i.campaign WHERE i.id = ?",
            (item_id,),
        ).fetchone()
        return _summary_json(row)

    def queue(self, who: Principal, f: QueueFilter, *, cursor: str | None, limit: int, offset: int | None = None) -> Json:
        """A page of the queue: after `cursor` (keyset), or from position `offset` (0 is
        the first item) — never both. `total` counts every matching item, and `seq` is
        the feed position the page was read at: positions are positions in the queue as
        it was at that `seq` (protocol.md, "Rows by position")."""
        sort = order(parse_sort(f.sort))
        now = self.clock()
        where, params, join = self._where(who, f, now)
        page_where, page_params = list(where), list(params)
        if cursor is not None:
            after = _decode_cursor(cursor, sort.name, len(sort.keys))
            clause, values = _after(sort.keys, sort.directions, after)
            page_where.append(clause)
            page_params.extend(values)
        key_cols = ", ".join(f"i.{k}" for k in sort.keys)
        with self._lock:
            # The rows are picked by rowid first, then read whole: walking past `offset`
            # rows then reads the order's index alone, not each skipped row and its campaign.
            rows = self._db.execute(
                f"SELECT {SUMMARY_COLUMNS}, {key_cols} FROM items i LEFT JOIN campaigns c ON c.id = i.campaign "
                f"WHERE i.rowid IN (SELECT i.rowid FROM items i {join} WHERE {' AND '.join(page_where)} "
                f"ORDER BY {sort.sql} LIMIT ? OFFSET ?) ORDER BY {sort.sql}",
                (*page_params, limit + 1, offset or 0),
            ).fetchall()
            total = self._total(who, f, now, where, params, join)
            seq = self.seq()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [_summary_json(r[:SUMMARY_WIDTH]) for r in rows]
        next_cursor = _encode_cursor(sort.name, rows[-1][SUMMARY_WIDTH:]) if more and rows else None
        return {"items": items, "next_cursor": next_cursor, "total": total, "seq": seq}

    def count(self, who: Principal, f: QueueFilter) -> Json:
        """How many items the view holds, and the feed position it was counted at: one query."""
        now = self.clock()
        where, params, join = self._where(who, f, now)
        with self._lock:
            return {"total": self._total(who, f, now, where, params, join), "seq": self.seq()}

    def _total(self, who: Principal, f: QueueFilter, now: float, where: list[str], params: list[Any], join: str) -> int:
        """The count of the view, cached until the next write (and, for a filter that
        reads the clock, for this `now` only). Called with the lock held."""
        key = (f, tuple(sorted(self._targets_for(who) or ())), who.sees_everything, now if timed(f.expr) else None)
        total = self._totals.get(key)
        if total is None:
            total = self._db.execute(f"SELECT count(*) FROM items i {join} WHERE {' AND '.join(where)}", params).fetchone()[0]
            if len(self._totals) > 10_000:  # typed filters are many: bound the cache
                self._totals.clear()
            self._totals[key] = total
        return total

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
        counts, ids — goes through here, and so through the visibility rule."""
        where = ["i.state = ?"]
        params: list[Any] = [State.OPEN.value if f.queue == "open" else State.ESCALATED.value]
        if f.queue == "escalated":  # an open item was never escalated: everyone's, so no condition to slow its counts
            clause, values = self._visible_sql(who, "i.escalated_to")
            where.append(clause)
            params.extend(values)
        if f.kind:
            where.append("i.kind = ?")
            params.append(f.kind)
        if f.source:
            where.append("instr(i.sources, ?) > 0")
            params.append(f",{f.source},")
        if f.country:
            where.append("instr(i.countries, ?) > 0")
            params.append(f",{f.country},")
        if f.reason:  # any report's reason, as the filter language's `reason:` (codes have no commas)
            where.append("instr(',' || i.reasons || ',', ?) > 0")
            params.append(f",{f.reason},")
        if f.min_reports:
            where.append("i.report_count >= ?")
            params.append(f.min_reports)
        if f.q:
            where.append("instr(i.search, ?) > 0")
            params.append(f.q.casefold())
        compiled = compile_filter(f.expr, now)
        where.extend(compiled.where)
        params.extend(compiled.params)
        join = "LEFT JOIN campaigns c ON c.id = i.campaign" if compiled.campaigns else ""
        return where, params, join

    def item(self, who: Principal, item_id: str) -> Json:
        with self._lock:
            row = self._db.execute(
                "SELECT i.kind, i.state, i.version, i.priority, i.deadline, i.escalated_to, i.author_id, i.body, "
                "i.claim_holder, i.claim_expires, i.campaign, c.size FROM items i "
                "LEFT JOIN campaigns c ON c.id = i.campaign WHERE i.id = ?",
                (item_id,),
            ).fetchone()
            if row is None:
                raise Refused(404, "not_found", f"no item {item_id!r}")
            kind, state, version, priority, deadline, escalated_to, author_id, body, holder, expires, campaign, size = row
            if not self._visible(who, escalated_to):
                raise _hidden(item_id)
            data = json.loads(body)
            history = [
                _history(json.loads(b), m)
                for b, m in self._db.execute(
                    "SELECT body, moderator FROM decisions WHERE item_id = ? AND applied = 1 ORDER BY n", (item_id,)
                )
            ]
            author = data.get("author")
            if author is not None:
                author = dict(author)
                author["strikes"] = self._db.execute(
                    "SELECT count(*) FROM decisions d JOIN items i ON i.id = d.item_id "
                    "WHERE i.author_id = ? AND d.applied = 1 AND json_extract(d.body, '$.action') = 'remove'",
                    (author_id,),
                ).fetchone()[0]
                seen, seen_params = self._visible_sql(who, "escalated_to")  # the strike count above names no item
                author["prior_decisions"] = [
                    {"item_id": iid, "action": a, "reason": r, "decided_at": _time(t)}
                    for iid, a, r, t in self._db.execute(
                        "SELECT id, decided_action, decided_reason, decided_at FROM items "
                        f"WHERE author_id = ? AND id != ? AND state = 'closed' AND {seen} ORDER BY decided_at DESC LIMIT 50",
                        (author_id, item_id, *seen_params),
                    )
                ]
        now = self.clock()
        claim = {"holder": holder, "expires_at": _time(expires)} if holder and expires > now else None
        return {
            "id": item_id, "kind": kind, "state": state, "version": version,
            "text": data["text"], "title": data.get("title"), "language": data.get("language"),
            "created_at": data.get("created_at"), "media": data.get("media") or [],
            "author": author, "member_count": data.get("member_count"), "reports": data["reports"],
            "priority": priority, "deadline": _time(deadline), "escalated_to": escalated_to,
            "campaign": {"id": campaign, "size": size} if campaign and size and size > 1 else None,
            "claim": claim, "history": history,
        }

    # -- claims -------------------------------------------------------------------

    def claim(self, who: Principal, item_id: str, ttl: float) -> Json:
        with self._write() as db:
            state, escalated_to, holder, expires = self._claim_row(db, who, item_id)
            now = self.clock()
            if state == State.CLOSED:
                raise Refused(409, "not_claimable", f"item {item_id} is already decided")
            if holder and holder != who.id and expires > now:
                raise Refused(409, "claimed", f"item {item_id} is claimed by {holder}", holder=holder,
                              expires_at=_time(expires))
            until = now + ttl
            db.execute("UPDATE items SET claim_holder = ?, claim_expires = ? WHERE id = ?", (who.id, until, item_id))
            if not (holder == who.id and expires > now):
                self._emit(db, {"type": "claimed", "item_id": item_id, "by": who.id, "at": _time(now),
                                "expires_at": _time(until)}, escalated_to, escalated_to)
        return {"item_id": item_id, "holder": who.id, "expires_at": _time(until)}

    def release(self, who: Principal, item_id: str) -> None:
        with self._write() as db:
            _, escalated_to, holder, expires = self._claim_row(db, who, item_id)
            now = self.clock()
            if not holder or expires <= now:
                return
            if holder != who.id:
                raise Refused(409, "claimed", f"item {item_id} is claimed by {holder}", holder=holder,
                              expires_at=_time(expires))
            db.execute("UPDATE items SET claim_holder = NULL, claim_expires = NULL WHERE id = ?", (item_id,))
            self._emit(db, {"type": "released", "item_id": item_id, "by": who.id, "at": _time(now)}, escalated_to, escalated_to)

    def _claim_row(self, db: sqlite3.Connection, who: Principal, item_id: str) -> tuple[str, str | None, str | None, float]:
        row = db.execute("SELECT state, escalated_to, claim_holder, claim_expires FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise Refused(404, "not_found", f"no item {item_id!r}")
        if not self._visible(who, row[1]):
            raise _hidden(item_id)
        return row[0], row[1], row[2], row[3] or 0.0

    # -- decisions ------------------------------------------------------------------

    def decide(self, who: Principal, raws: Sequence[object]) -> list[Json]:
        """One result per decision, in order; the whole batch is one transaction."""
        with self._write() as db:
            return [self._decide_one(db, who, raw, f"decisions[{i}]") for i, raw in enumerate(raws)]

    def _decide_one(self, db: sqlite3.Connection, who: Principal, raw: object, path: str) -> Json:
        key = raw.get("id") if isinstance(raw, dict) else None
        try:
            check_json_text(raw, path)
        except PayloadError as bad:  # it could be neither stored nor echoed: refuse it alone, the batch goes on
            return {"id": key if isinstance(key, str) and key.isascii() else "", "item_id": None,
                    "result": "invalid", "error": "invalid", "detail": str(bad)}
        if not isinstance(key, str) or not key or len(key) > 128:
            return {"id": key if isinstance(key, str) else "", "item_id": None, "result": "invalid",
                    "error": "invalid", "detail": f"{path}.id: expected the decision's key, a string of 1-128 characters"}
        item_id = raw.get("item_id") if isinstance(raw.get("item_id"), str) else None
        body = json.dumps(raw, sort_keys=True, ensure_ascii=False)
        seen = db.execute("SELECT moderator, body, result FROM decisions WHERE key = ?", (key,)).fetchone()
        if seen is not None:
            if seen[0] == who.id and seen[1] == body:
                return {"id": key, "item_id": item_id, "result": "duplicate", "original": json.loads(seen[2])}
            return {"id": key, "item_id": item_id, "result": "invalid", "error": "key_reused",
                    "detail": f"{path}.id: this key was already used for a different decision"}
        result = self._judge(db, who, raw, path, key, item_id)
        applied = result["result"] == "applied"
        now = self.clock()
        context = json.dumps(self._context(db, item_id)) if applied and item_id else None
        db.execute(
            "INSERT INTO decisions (key, moderator, item_id, body, result, applied, applied_at, context) VALUES (?,?,?,?,?,?,?,?)",
            (key, who.id, item_id, body, json.dumps(result), int(applied), now if applied else None, context),
        )
        return result

    def _context(self, db: sqlite3.Connection, item_id: str) -> Json:
        """The item as it was when the decision applied, kept with the decision: reports
        count from it (time to decision, deadline breaches) however the item changes later."""
        kind, sources, countries, lead_source, lead_country, first, deadline = db.execute(
            "SELECT kind, sources, countries, lead_source, lead_country, first_reported, deadline FROM items WHERE id = ?",
            (item_id,),
        ).fetchone()
        return {"kind": kind, "sources": [s for s in sources.split(",") if s], "countries": [c for c in countries.split(",") if c],
                "lead_source": lead_source, "lead_country": lead_country, "first_reported_at": _time(first),
                "deadline": _time(deadline)}

    def _judge(self, db: sqlite3.Connection, who: Principal, raw: object, path: str, key: str, item_id: str | None) -> Json:
        def refuse(result: str, error: str, detail: str, **extra: Any) -> Json:
            return {"id": key, "item_id": item_id, "result": result, "error": error, "detail": detail, **extra}

        try:
            d = Decision.from_json(raw, path)
        except PayloadError as exc:
            return refuse("invalid", "invalid", str(exc))
        row = db.execute(
            "SELECT kind, state, version, escalated_to, claim_holder, claim_expires, decided_by, decided_action, "
            "decided_reason, decided_at, body FROM items WHERE id = ?",
            (d.item_id,),
        ).fetchone()
        if row is None:
            return refuse("invalid", "unknown_item", f"{path}.item_id: no item {d.item_id!r}")
        kind, state, version, escalated_to, holder, expires, by, action, reason, decided_at, body = row
        if d.reason is not None:
            code = self.policy.reason(d.reason)
            if code is None:
                return refuse("invalid", "unknown_reason", f"{path}.reason: {d.reason!r} is not a reason in the policy")
            if Kind(kind) not in code.applies_to:
                return refuse("invalid", "reason_not_applicable", f"{path}.reason: {d.reason!r} does not apply to a {kind}")
        if d.escalate_to is not None and self.policy.target(d.escalate_to) is None:
            return refuse("invalid", "unknown_target", f"{path}.escalate_to: {d.escalate_to!r} is not an escalation target")
        if not self._visible(who, escalated_to):
            return refuse("forbidden", "role", _hidden(d.item_id).detail)
        now = self.clock()
        claimed_by = holder if holder and (expires or 0) > now else None
        current = {"state": state, "version": version, "decided_by": by, "action": action, "reason": reason,
                   "decided_at": _time(decided_at), "claimed_by": claimed_by}
        if state == State.CLOSED:
            return refuse("conflict", "decided", f"item {d.item_id} was already decided by {by}", current=current)
        if claimed_by and claimed_by != who.id:
            return refuse("conflict", "claimed", f"item {d.item_id} is claimed by {claimed_by}", current=current)
        if d.item_version != version:
            return refuse("conflict", "version",
                          f"item {d.item_id} changed since version {d.item_version} (now {version}, last by {by})",
                          current=current)
        if d.action is Action.REMOVE:
            blocked = self._escalation_block(who, json.loads(body)["reports"], state, escalated_to)
            if blocked is not None:
                return refuse("forbidden", "escalation_required", blocked)
        version += 1
        if d.action is Action.ESCALATE:
            new_state, target = State.ESCALATED.value, d.escalate_to
        else:
            new_state, target = State.CLOSED.value, escalated_to
        db.execute(
            "UPDATE items SET state=?, version=?, escalated_to=?, decided_by=?, decided_action=?, decided_reason=?, "
            "decided_at=?, claim_holder=NULL, claim_expires=NULL WHERE id=?",
            (new_state, version, target, who.id, d.action.value, d.reason, now, d.item_id),
        )
        change: Json = {"type": "escalated" if d.action is Action.ESCALATE else "decided", "item_id": d.item_id,
                        "by": who.id, "at": _time(now), "action": d.action.value, "state": new_state, "version": version}
        if d.action is Action.ESCALATE:
            change["escalated_to"] = target
            change["item"] = self._summary(db, d.item_id)
        self._emit(db, change, escalated_to, target)
        return {"id": key, "item_id": d.item_id, "result": "applied", "version": version, "state": new_state}

    def _escalation_block(self, who: Principal, reports: list[Json], state: str, escalated_to: str | None) -> str | None:
        """Why a removal must wait for an escalation, or None when it may go ahead."""
        for rule in self.policy.escalation_required:
            hits = [r for r in reports if r["source"] == rule.source
                    and (rule.countries is None or r.get("country") in rule.countries)]
            if not hits:
                continue
            target = self.policy.target(rule.target)
            assert target is not None  # Policy.from_json checks rule targets
            holds_role = who.sees_everything or target.role in who.roles
            if state == State.ESCALATED and escalated_to == rule.target and holds_role:
                continue
            where = ", ".join(sorted({r["country"] for r in hits if r.get("country")}))
            origin = f"{rule.source.value.replace('_', ' ')}s" + (f" from {where}" if where else "")
            return f"{origin} need {target.label} before removal: escalate to {rule.target}"
        return None

    # -- feeds and aggregates ---------------------------------------------------------

    def changes(self, who: Principal, since: int, limit: int) -> Json:
        """The feed after `since` as `who` may read it. A change comes whole when `who` could
        see its item after it and still can; the change that took the item out of `who`'s
        sight comes as `left`, the id alone; every other change is left out — so nothing of an
        item `who` may not see now is sent, however old the change (its `new` carried the
        text). The answer's `seq` passes what was left out: a page of hidden changes moves on."""
        was, was_params = self._visible_sql(who, "c.was_to")
        after, after_params = self._visible_sql(who, "c.now_to")
        still, still_params = self._visible_sql(who, "i.escalated_to")
        with self._lock:
            top = self.seq()  # first: every seq up to it is committed, so none is skipped below
            rows = self._db.execute(
                f"SELECT c.seq, c.body, {after} FROM changes c LEFT JOIN items i ON i.id = c.item_id "
                f"WHERE c.seq > ? AND c.seq <= ? AND (({after} AND {still}) OR ({was} AND NOT {after})) ORDER BY c.seq LIMIT ?",
                (*after_params, since, top, *after_params, *still_params, *was_params, *after_params, limit),
            ).fetchall()
        seq = rows[-1][0] if len(rows) == limit else top
        return {"changes": [json.loads(b) if seen else _left(json.loads(b), who) for _, b, seen in rows], "seq": seq}

    def audit(self, who: Principal, *, since: float | None, cursor: int, limit: int, moderator: str | None) -> Json:
        if moderator is None and not who.sees_everything:
            moderator = who.id
        if moderator is not None and moderator != who.id and not who.sees_everything:
            raise Refused(403, "forbidden", "only senior moderators and admins may read others' decisions")
        where, params = ["applied = 1", "n > ?"], [cursor]
        if since is not None:
            where.append("applied_at >= ?")
            params.append(since)
        if moderator is not None:
            where.append("moderator = ?")
            params.append(moderator)
        with self._lock:
            rows = self._db.execute(
                f"SELECT n, body, moderator, applied_at, context FROM decisions WHERE {' AND '.join(where)} ORDER BY n LIMIT ?",
                (*params, limit + 1),
            ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        entries = [{**json.loads(b), "moderator": m, "applied_at": _time(t), "item": json.loads(c) if c else None}
                   for _, b, m, t, c in rows]
        return {"decisions": entries, "next_cursor": str(rows[-1][0]) if more else None}

    def stats(self, who: Principal) -> Json:
        """Aggregates over the items `who` may see (the queue's rule), and the decisions on
        them or made by `who`: a moderator's numbers hold nothing a specialist team keeps."""
        now = self.clock()
        seen, seen_params = self._visible_sql(who, "escalated_to")
        with self._lock:
            db = self._db
            queues = {s.value: 0 for s in State}
            queues.update(dict(db.execute(f"SELECT state, count(*) FROM items WHERE {seen} GROUP BY state", seen_params).fetchall()))
            open_by: dict[str, int] = {}
            overdue: dict[str, int] = {}
            oldest: dict[str, Json] = {}
            for source in Source:
                tag = f",{source.value},"
                n, late = db.execute(
                    "SELECT count(*), coalesce(sum(deadline < ?), 0) FROM items WHERE state != 'closed' "
                    f"AND instr(sources, ?) > 0 AND {seen}",
                    (now, tag, *seen_params),
                ).fetchone()
                if n:
                    open_by[source.value] = n
                    overdue[source.value] = late
                    iid, first, deadline = db.execute(
                        "SELECT id, first_reported, deadline FROM items WHERE state != 'closed' "
                        f"AND instr(sources, ?) > 0 AND {seen} ORDER BY first_reported, id LIMIT 1",
                        (tag, *seen_params),
                    ).fetchone()
                    oldest[source.value] = {"item_id": iid, "first_reported_at": _time(first), "deadline": _time(deadline)}
            item_seen, _ = self._visible_sql(who, "i.escalated_to")
            decisions = [
                {"action": a, "reason": r, "source": s, "country": c, "count": n}
                for a, r, s, c, n in db.execute(
                    "SELECT json_extract(d.body, '$.action'), json_extract(d.body, '$.reason'), i.lead_source, "
                    "i.lead_country, count(*) FROM decisions d JOIN items i ON i.id = d.item_id WHERE d.applied = 1 "
                    f"AND ({item_seen} OR d.moderator = ?) GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 2, 3, 4",
                    (*seen_params, who.id),
                )
            ]
            seq = self.seq()
        return {"queues": queues, "open_by_source": open_by, "overdue_by_source": overdue,
                "oldest_open_by_source": oldest, "decisions": decisions, "seq": seq}


# -- helpers ----------------------------------------------------------------------


def _summary_json(row: Sequence[Any]) -> Json:
    (iid, kind, state, version, priority, deadline, sources, countries, reason, count, snippet, first,
     escalated_to, campaign, reasons) = row
    return {
        "id": iid, "kind": kind, "state": state, "version": version, "priority": priority,
        "deadline": _time(deadline), "sources": [s for s in sources.split(",") if s],
        "countries": [c for c in countries.split(",") if c], "reason": reason, "report_count": count,
        "snippet": snippet, "first_reported_at": _time(first), "escalated_to": escalated_to, "campaign": campaign,
        "reasons": [r for r in reasons.split(",") if r],
    }


def _left(change: Json, who: Principal) -> Json:
    """A change that took its item out of `who`'s sight, as `who` gets it: the id and the
    time only; `by` only when it was `who`'s own."""
    return {"seq": change["seq"], "type": "left", "item_id": change["item_id"], "at": change["at"],
            "by": who.id if change.get("by") == who.id else None}


def _history(decision: Json, moderator: str) -> Json:
    return {"id": decision["id"], "action": decision["action"], "moderator": moderator,
            "reason": decision.get("reason"), "escalate_to": decision.get("escalate_to"),
            "note": decision.get("note"), "decided_at": decision["decided_at"]}


def _encode_cursor(sort: str, keys: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort, *keys]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str, n: int) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid("cursor", "not a cursor this server made") from None
    if not isinstance(raw, list) or len(raw) != n + 1 or raw[0] != sort:
        raise invalid("cursor", "made for another sort order; start again without a cursor")
    values = raw[1:]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values[:-1]) or not isinstance(values[-1], str):
        raise invalid("cursor", "not a cursor this server made")
    return values


def _after(keys: Sequence[str], directions: Sequence[int], values: Sequence[Any]) -> tuple[str, list[Any]]:
    """The keyset condition 'strictly after this row' for a mixed-direction order."""
    clauses: list[str] = []
    params: list[Any] = []
    for i, (key, direction) in enumerate(zip(keys, directions, strict=True)):
        equal = [f"i.{k} = ?" for k in keys[:i]]
        clauses.append("(" + " AND ".join([*equal, f"i.{key} {'>' if direction > 0 else '<'} ?"]) + ")")
        params.extend([*values[:i], values[i]])
    return "(" + " OR ".join(clauses) + ")", params


def is_time(value: str) -> bool:
    """Whether `value` is in the server's time grammar (TIME_PATTERN)."""
    return _TIME_RE.fullmatch(value) is not None


def _times(o: Json, path: str) -> Iterator[tuple[str, object]]:
    """Every time field of an ItemInput, by path (the shapes around them are checked later)."""
    yield f"{path}.created_at", o.get("created_at")
    author = o.get("author")
    if isinstance(author, dict):
        yield f"{path}.author.created_at", author.get("created_at")
        prior = author.get("prior_decisions")
        for i, d in enumerate(prior if isinstance(prior, list) else ()):
            if isinstance(d, dict):
                yield f"{path}.author.prior_decisions[{i}].decided_at", d.get("decided_at")
    reports = o.get("reports")
    for i, r in enumerate(reports if isinstance(reports, list) else ()):
        if isinstance(r, dict):
            yield f"{path}.reports[{i}].created_at", r.get("created_at")
            if r.get("source") == Source.AUTHORITY_ORDER:
                yield f"{path}.reports[{i}].deadline", r.get("deadline")


def _check_input(raw: object, path: str) -> Json:
    """An ItemInput checked as strictly as a client checks an item; returns the stored shape."""
    o = obj(raw, path)
    check_json_text(o, path)
    iid = o.get("id")
    if not isinstance(iid, str) or not ID_RE.fullmatch(iid):
        raise PayloadError(f"{path}.id", "expected 1-512 printable ASCII characters without spaces")
    kind = o.get("kind")
    if kind not in (Kind.POST, Kind.CHANNEL):
        raise PayloadError(f"{path}.kind", 'expected "post" or "channel"')
    text = o.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise PayloadError(f"{path}.text", f"expected a string of at most {plural(MAX_TEXT, 'character')}")
    title = o.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > 2048):
        raise PayloadError(f"{path}.title", "expected a string of at most 2048 characters, or null")
    if kind == Kind.CHANNEL and not title:
        raise PayloadError(f"{path}.title", "a channel needs a title (its name)")
    language = o.get("language")
    if language is not None and (not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}", language)):
        raise PayloadError(f"{path}.language", "expected a BCP 47 tag like de or pt-BR, or null")
    for where, value in _times(o, path):
        if value is not None and (not isinstance(value, str) or not _TIME_RE.fullmatch(value)):
            raise PayloadError(where, f"expected {TIME_RULE}")
    for i, m in enumerate(req_list(o, "media", path, max_items=1000, optional=True)):
        Media.from_json(m, f"{path}.media[{i}]")
    if o.get("author") is not None:
        Profile.from_json(o["author"], f"{path}.author")
    opt_int(o, "member_count", path, lo=0, hi=10**11)
    reports = req_list(o, "reports", path, max_items=10_000)
    if not reports:
        raise PayloadError(f"{path}.reports", "an item needs at least one report")
    for i, r in enumerate(reports):
        Report.from_json(r, f"{path}.reports[{i}]")
        comment = r.get("comment")
        if isinstance(comment, str) and len(comment) > MAX_COMMENT:
            raise PayloadError(f"{path}.reports[{i}].comment", f"longer than {plural(MAX_COMMENT, 'character')}")
    keep = ("id", "kind", "text", "title", "language", "created_at", "media", "author", "member_count", "reports")
    return {k: o.get(k) for k in keep}
