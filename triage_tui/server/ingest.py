"""Ingest: checking ItemInputs and writing them, with the columns their reports decide.

Mixed into `Store`. A load is one transaction (all or nothing) and every item is
checked as strictly as a client checks an item (`check_input`) before any is written.
Why it is fast (README, Benchmarks): new items are written INGEST_CHUNK at a time, one
statement per table; a load into an empty store drops the covering indexes and builds
them once at the end from sorted rows, instead of keeping five wide indexes up row by
row, and lets the free-text index merge its segments once at the end (schema.bulk_begin);
the free-text index gets each item's shown snippet in the same pass that gives its
flags (`query.shown_and_flags`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from triage_tui.model import ID_RE, MAX_COMMENT, MAX_TEXT, Kind, Media, PayloadError, Policy, Profile, Report, Source, State
from triage_tui.model import check_json_text, obj, opt_int, req_list
from triage_tui.server import schema
from triage_tui.server.query import shown_and_flags
from triage_tui.server.schema import SOURCE_BITS, Vocab
from triage_tui.server.views import summary_json, time_json
from triage_tui.words import plural

Json = dict[str, Any]

SNIPPET = 200
NO_DEADLINE = 1e18
INGEST_CHUNK = 1000  # items written per statement by add_items
FOLLOW_MAX = 5000  # a load of more items drops the kept views instead of following them
LOAD_CACHE_KIB = 512 * 1024  # page cache of an ingest transaction (see Ingest._load_cache)

# When several sources report an item, the one a transparency report files it under.
LEAD_ORDER = (Source.AUTHORITY_ORDER, Source.TRUSTED_FLAGGER, Source.AUTOMATED, Source.USER_REPORT)

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


encode_json = json.JSONEncoder(ensure_ascii=False).encode
"""`json.dumps(value, ensure_ascii=False)`, the stored form of bodies and changes, without
building an encoder per call (json.dumps does for any keyword: 3 µs an item of a seed)."""


@lru_cache(maxsize=4096)
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


class Ingest:
    """`Store.add_items` and what it needs; the store owns `_db`, `_lock`, `policy`, `vocab`."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    policy: Policy
    vocab: Vocab
    clock: Callable[[], float]
    _severity: dict[str, int]

    if TYPE_CHECKING:  # what the store gives its mixins; never defined here (it would shadow them)
        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _forget_views(self) -> None: ...
        def _drop_views(self, which: Callable[[Any], bool]) -> None: ...
        def _keys_of(self, db: sqlite3.Connection, rowids: Sequence[int]) -> list[list[tuple[Any, ...] | None]]: ...
        def _moved(self, before: list[list[tuple[Any, ...] | None]], after: list[list[tuple[Any, ...] | None]]) -> None: ...
        _views: dict[Any, Any]
        def seq(self) -> int: ...
        def _emit_all(self, db: sqlite3.Connection, changes: Sequence[tuple[Json, str | None, str | None]]) -> int: ...

    def add_items(self, items: Iterable[Json]) -> dict[str, int]:
        """Ingest ItemInputs (new items, or new reports on known ones); checked field by field.

        All or nothing: one transaction, rolled back by the first bad item, so a 422
        naming `items[4000]` has stored none of the 4,000 before it. Items are checked
        one at a time and written INGEST_CHUNK at a time (one statement per table for
        the new ones: a seed of millions costs a few statements per thousand items, not
        five per item), so a seed of a million holds one chunk in memory.

        The kept views (views.py) follow a load of up to FOLLOW_MAX items row by row, as
        they follow decisions; a bigger one, a new reason or country code (a compiled
        view tests its bit), or a campaign growing (a `campaign:` view) drops them."""
        created = updated = 0
        try:
            with self._write() as db, self._load_cache(db):
                empty = db.execute("SELECT 1 FROM items LIMIT 1").fetchone() is None
                if empty:
                    schema.bulk_begin(db)
                self._drop_views(lambda view: bool(view.join))
                chunk: list[Json] = []
                for i, raw in enumerate(items):
                    chunk.append(check_input(raw, f"items[{i}]"))
                    if len(chunk) == INGEST_CHUNK:
                        c, u = self._add_followed(db, chunk, created + updated)
                        created, updated, chunk = created + c, updated + u, []
                c, u = self._add_followed(db, chunk, created + updated)
                if empty:
                    schema.bulk_end(db)
        except BaseException:
            self.vocab.reload()  # the bits this load assigned were rolled back with it
            raise
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

    def _add_followed(self, db: sqlite3.Connection, chunk: list[Json], done: int) -> tuple[int, int]:
        """`_add_chunk`, with the kept views following the rows it adds and moves."""
        if done + len(chunk) > FOLLOW_MAX:
            self._forget_views()
        if not chunk or not self._views:
            return self._add_chunk(db, chunk)
        ids = [item["id"] for item in chunk]
        moved = [r[0] for r in db.execute(f"SELECT rowid FROM items WHERE id IN ({','.join('?' * len(ids))})", ids)]
        top = db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()[0]
        codes = self.vocab.size()
        before = self._keys_of(db, moved)
        result = self._add_chunk(db, chunk)
        if self.vocab.size() != codes:
            self._forget_views()
            return result
        new = list(range(top + 1, db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()[0] + 1))
        self._moved([[*keys, *[None] * len(new)] for keys in before], self._keys_of(db, [*moved, *new]))
        return result

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
        src = 0
        for s in sources:
            src |= SOURCE_BITS[s]
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
            "src": src,
            "rsn": self.vocab.mask("reason", reasons),
            "cty": self.vocab.mask("country", countries),
        }

    def _insert(self, db: sqlite3.Connection, items: list[Json]) -> None:
        """Write new items, their campaigns and their `new` changes: one statement each.

        Each change carries the item's summary as it was when that item arrived: its
        campaign shows once the campaign has a second item, counted here in order."""
        if not items:
            return
        rows, texts, campaigns, changes = [], [], Counter[str](), []
        of_item = [_campaign(item["text"]) for item in items]
        sizes = dict(db.execute(f"SELECT id, size FROM campaigns WHERE id IN ({','.join('?' * len(items))})", of_item))
        rowid = db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()[0]
        at = time_json(self.clock())
        for item, campaign in zip(items, of_item, strict=True):
            rowid += 1
            text, title = item["text"], item.get("title")
            snippet = (f"{title} — {text}" if item["kind"] == Kind.CHANNEL and title else text)[:SNIPPET]
            shown, flags = shown_and_flags(snippet)
            if campaign is not None:
                campaigns[campaign] += 1
                sizes[campaign] = sizes.get(campaign, 0) + 1
            d = self._derived(item)
            rows.append((rowid, item["id"], item["kind"], d["priority"], d["deadline"], d["dkey"], d["first_reported"],
                         d["report_count"], d["reason"], d["reasons"], d["sources"], d["countries"], d["lead_source"],
                         d["lead_country"], campaign, (item.get("author") or {}).get("id"), snippet,
                         f"{title or ''}\n{text}".casefold(), encode_json(item),
                         d["src"], d["rsn"], d["cty"], flags, -d["priority"], -d["report_count"]))
            texts.append((rowid, shown))
            summary = summary_json((item["id"], item["kind"], State.OPEN.value, 1, d["priority"], d["deadline"],
                                    d["sources"], d["countries"], d["reason"], d["report_count"], snippet,
                                    d["first_reported"], None, campaign if sizes.get(campaign or "", 0) > 1 else None,
                                    d["reasons"]))
            changes.append(({"type": "new", "item_id": item["id"], "by": None, "at": at, "item": summary}, None, None))
        db.executemany("INSERT INTO campaigns (id, size) VALUES (?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET size = size + excluded.size", campaigns.items())
        db.executemany(
            "INSERT INTO items (rowid, id, kind, priority, deadline, dkey, first_reported, report_count, reason, reasons, "
            "sources, countries, lead_source, lead_country, campaign, author_id, snippet, search, body, src, rsn, cty, flg, "
            "npri, nrep) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO item_fts (rowid, shown) VALUES (?, ?)", texts)
        self._emit_all(db, changes)

    def _update_reports(self, db: sqlite3.Connection, item: Json) -> None:
        d = self._derived(item)
        db.execute(
            "UPDATE items SET priority=?, deadline=?, dkey=?, first_reported=?, report_count=?, reason=?, reasons=?, sources=?, "
            "countries=?, lead_source=?, lead_country=?, body=?, src=?, rsn=?, cty=?, npri=?, nrep=? WHERE id=?",
            (d["priority"], d["deadline"], d["dkey"], d["first_reported"], d["report_count"], d["reason"], d["reasons"],
             d["sources"], d["countries"], d["lead_source"], d["lead_country"], encode_json(item),
             d["src"], d["rsn"], d["cty"], -d["priority"], -d["report_count"], item["id"]),
        )



# -- checks ----------------------------------------------------------------------


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


def check_input(raw: object, path: str) -> Json:
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
