"""The reference store's SQLite schema: tables, the narrow query columns, their covering
indexes, the free-text index, and the migrations that bring an older file up to it.

Why this shape (docs/DESIGN "Scale", measured at 1M items): a filter no index covers
scans the whole row, body and all (30 s cold); an index-only scan costs ~26 ms warm per
million entries. So every field the filter language and the sorts read has a small
column of its own — the set fields as bitmasks (`src`, `rsn`, `cty`, `flg`) — and each
sort has one index holding its keys and every one of those columns, so a page, a count
or a position walk of any view reads one index and never the row. Free text is a
contentless FTS5 trigram index over the shown snippet (`item_fts`): a substring of three
or more characters is a phrase of trigrams, found in milliseconds, exactly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

from triage_tui.model import Source
from triage_tui.sanitize import Flag

TABLES = """
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
    claim_expires REAL,
    src INTEGER NOT NULL DEFAULT 0,
    rsn INTEGER NOT NULL DEFAULT 0,
    cty INTEGER NOT NULL DEFAULT 0,
    flg INTEGER NOT NULL DEFAULT 0,
    npri INTEGER NOT NULL DEFAULT 0,
    nrep INTEGER NOT NULL DEFAULT 0
);
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
CREATE TABLE IF NOT EXISTS code_bits (field TEXT NOT NULL, code TEXT NOT NULL, bit INTEGER NOT NULL,
                                      PRIMARY KEY (field, code)) WITHOUT ROWID;
"""

# The query columns every sort index carries after its keys: what a filter term reads.
_FILTERED = ("kind", "src", "rsn", "cty", "flg", "report_count", "priority", "first_reported", "deadline", "escalated_to")


def _sort_index(name: str, keys: tuple[str, ...]) -> str:
    rest = [c for c in _FILTERED if c not in keys]
    return f"CREATE INDEX IF NOT EXISTS {name} ON items (state, {', '.join(keys)}, {', '.join(rest)})"


# One covering index per sort (a reversed sort walks its index backwards).
INDEXES: tuple[tuple[str, str], ...] = (
    ("items_q_deadline", _sort_index("items_q_deadline", ("dkey", "npri", "id"))),
    ("items_q_priority", _sort_index("items_q_priority", ("npri", "id"))),
    ("items_q_reports", _sort_index("items_q_reports", ("nrep", "id"))),
    ("items_q_age", _sort_index("items_q_age", ("first_reported", "id"))),
    # Counts: the query columns without the sort keys, the narrowest entries to walk.
    ("items_q_count", "CREATE INDEX IF NOT EXISTS items_q_count ON items "
                      "(state, kind, src, rsn, cty, flg, report_count, priority, escalated_to)"),
    ("items_by_author", "CREATE INDEX IF NOT EXISTS items_by_author ON items (author_id)"),
    ("items_by_campaign", "CREATE INDEX IF NOT EXISTS items_by_campaign ON items (campaign)"),
)
# Indexes of older versions, replaced by the covering ones above.
OLD_INDEXES = ("items_by_deadline", "items_by_priority", "items_by_reports", "items_by_age", "items_by_target")

FTS = ("CREATE VIRTUAL TABLE IF NOT EXISTS item_fts USING fts5(shown, content='', columnsize=0, "
       "tokenize='trigram case_sensitive 1')")
"""Free text: the shown snippet, lower-cased as `TextTerm` compares it, by trigrams.
Contentless (the text is the item's own `snippet`, shown again by `query.shown`) and
never deleted from: an item's snippet never changes and items are never removed."""
FTS_MIN = 3  # a trigram index finds substrings of at least three characters

SOURCE_BITS: dict[str, int] = {Source.AUTHORITY_ORDER: 1, Source.TRUSTED_FLAGGER: 2, Source.AUTOMATED: 4, Source.USER_REPORT: 8}
FLAG_BITS: dict[str, int] = {f.value: 1 << n for n, f in enumerate(Flag)}
OTHER_BIT = 1 << 62
"""Of `rsn` and `cty`: the item has a code beyond the first 62 seen, which has no bit of
its own; a term on such a code tests this bit, then the code's text (`reasons`, `countries`)."""
VOCAB_FIELDS = ("reason", "country")


class Vocab:
    """The bit of each reason and country code, assigned on first sight and kept in
    `code_bits`, so a set term is one AND on an indexed integer. Read by the compiler
    (`bit`) and by ingest (`mask`); `reload` undoes what a rolled-back ingest assigned."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._bits: dict[str, dict[str, int]] = {}
        self.reload()

    def reload(self) -> None:
        self._bits = {f: {} for f in VOCAB_FIELDS}
        for field, code, bit in self._db.execute("SELECT field, code, bit FROM code_bits"):
            self._bits[field][code] = bit

    def size(self) -> int:
        """How many codes have bits: a kept view compiled before a new one may be stale."""
        return sum(len(bits) for bits in self._bits.values())

    def bit(self, field: str, code: str) -> int | None:
        """The code's bit, or None when it has none (never seen, or past the 62nd)."""
        return self._bits[field].get(code)

    def mask(self, field: str, codes: Iterable[str]) -> int:
        """The bits of `codes`, assigning new ones (inside the caller's write transaction)."""
        bits = self._bits[field]
        mask = 0
        for code in codes:
            bit = bits.get(code)
            if bit is None:
                if len(bits) >= 62:
                    mask |= OTHER_BIT
                    continue
                bit = bits[code] = 1 << len(bits)
                self._db.execute("INSERT INTO code_bits (field, code, bit) VALUES (?, ?, ?)", (field, code, bit))
            mask |= bit
        return mask


def source_mask(sources: Iterable[str]) -> int:
    mask = 0
    for s in sources:
        mask |= SOURCE_BITS[s]
    return mask


def flag_mask(flags: Iterable[str]) -> int:
    mask = 0
    for f in flags:
        mask |= FLAG_BITS[f]
    return mask


def create_tables(db: sqlite3.Connection) -> None:
    db.executescript(TABLES)


def migrate(db: sqlite3.Connection, shown: Callable[[str], str], flags: Callable[[str], Iterable[str]]) -> None:
    """Give an older file the query columns, the free-text index and the covering indexes
    (after the store's older migrations); `shown` and `flags` are the sanitizer's view of a
    snippet (query.shown, query.flags), for the rows made before."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(items)")}
    fresh_fts = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'item_fts'").fetchone() is None
    added = [c for c in ("src", "rsn", "cty", "flg", "npri", "nrep") if c not in columns]
    if added or fresh_fts or any(_exists(db, name) for name in OLD_INDEXES):
        db.execute("BEGIN IMMEDIATE")
        try:
            for column in added:
                db.execute(f"ALTER TABLE items ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
            for name in OLD_INDEXES:
                db.execute(f"DROP INDEX IF EXISTS {name}")
            db.execute(FTS)
            if added or fresh_fts:
                _backfill(db, shown, flags, columns=bool(added))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    create_indexes(db)


def create_indexes(db: sqlite3.Connection) -> None:
    for _, sql in INDEXES:
        db.execute(sql)


def bulk_begin(db: sqlite3.Connection) -> None:
    """Inside a load into an empty table: building an index once from sorted rows costs a
    fraction of keeping it up row by row, and FTS5 merging its segments as it goes
    (automerge) merges the same postings again and again. `bulk_end` restores both."""
    for name, _ in INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db.execute("INSERT INTO item_fts (item_fts, rank) VALUES ('automerge', 0)")


def bulk_end(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO item_fts (item_fts) VALUES ('optimize')")
    db.execute("INSERT INTO item_fts (item_fts, rank) VALUES ('automerge', 4)")  # FTS5's default
    create_indexes(db)


def _exists(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone() is not None


def _backfill(db: sqlite3.Connection, shown: Callable[[str], str], flags: Callable[[str], Iterable[str]], *, columns: bool) -> None:
    """The query columns and the free-text index for rows an older version wrote."""
    vocab = Vocab(db)
    rows = db.execute("SELECT rowid, sources, reasons, countries, snippet FROM items").fetchall()
    if columns:
        db.execute("UPDATE items SET npri = -priority, nrep = -report_count")
        db.executemany("UPDATE items SET src = ?, rsn = ?, cty = ?, flg = ? WHERE rowid = ?", [
            (source_mask(s for s in sources.split(",") if s), vocab.mask("reason", (r for r in reasons.split(",") if r)),
             vocab.mask("country", (c for c in countries.split(",") if c)), flag_mask(flags(snippet)), rowid)
            for rowid, sources, reasons, countries, snippet in rows])
    db.executemany("INSERT INTO item_fts (rowid, shown) VALUES (?, ?)", [(r[0], shown(r[4])) for r in rows])
