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

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from triage_tui.model import Action, Decision, Kind, PayloadError, Policy, Source, State, check_json_text
from triage_tui.server import schema
from triage_tui.server.auth import Principal
from triage_tui.server.ingest import TIME_PATTERN, TIME_RULE, Ingest, check_input, encode_json, is_time
from triage_tui.server.query import flag_names, register, shown
from triage_tui.server.schema import Vocab
from triage_tui.server.views import SUMMARY_COLUMNS, QueueFilter, Views, summary_json, time_json

Json = dict[str, Any]
Clock = Callable[[], float]

MAX_BATCH = 500
MAX_INGEST = 10_000  # items per POST /v1/items
PROTOCOL = 1

__all__ = ["MAX_BATCH", "MAX_INGEST", "PROTOCOL", "TIME_PATTERN", "TIME_RULE", "QueueFilter", "Refused", "Store",
           "check_input", "invalid", "is_time"]


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


_time = time_json


class Store(Ingest, Views):
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
        schema.create_tables(self._db)
        register(self._db)
        self._migrate()
        schema.migrate(self._db, shown, flag_names)
        self.vocab = Vocab(self._db)
        self._init_views()
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
            self._fresh()  # kept views follow this write only from what they were after the last
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                self._forget_views()  # they may have followed a change that is now undone
                raise
            self._db.execute("COMMIT")

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
            rows.append((last, encode_json({"seq": last, **change}), change["item_id"], was_to, now_to))
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

    # -- reading --------------------------------------------------------------------

    def _summary(self, db: sqlite3.Connection, item_id: str) -> Json:
        row = db.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM items i LEFT JOIN campaigns c ON c.id = i.campaign WHERE i.id = ?",
            (item_id,),
        ).fetchone()
        return summary_json(row)

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
        """One result per decision, in order; the whole batch is one transaction. A big
        batch drops the kept views rather than follow each item through each of them,
        and any decision drops the free-text ones."""
        with self._write() as db:
            if len(raws) > 50:
                self._forget_views()
            # A free-text view would run its FTS5 phrase over the whole index for each
            # item followed (milliseconds at 1M); recounting it costs less than that,
            # once, when it is next read.
            self._drop_views(lambda view: "item_fts" in view.where)
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
        rowid = db.execute("SELECT rowid FROM items WHERE id = ?", (d.item_id,)).fetchone()[0]
        before = self._keys_of(db, [rowid])  # where the item stands in each kept view (views.py)
        db.execute(
            "UPDATE items SET state=?, version=?, escalated_to=?, decided_by=?, decided_action=?, decided_reason=?, "
            "decided_at=?, claim_holder=NULL, claim_expires=NULL WHERE id=?",
            (new_state, version, target, who.id, d.action.value, d.reason, now, d.item_id),
        )
        self._moved(before, self._keys_of(db, [rowid]))
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


def _left(change: Json, who: Principal) -> Json:
    """A change that took its item out of `who`'s sight, as `who` gets it: the id and the
    time only; `by` only when it was `who`'s own."""
    return {"seq": change["seq"], "type": "left", "item_id": change["item_id"], "at": change["at"],
            "by": who.id if change.get("by") == who.id else None}


def _history(decision: Json, moderator: str) -> Json:
    return {"id": decision["id"], "action": decision["action"], "moderator": moderator,
            "reason": decision.get("reason"), "escalate_to": decision.get("escalate_to"),
            "note": decision.get("note"), "decided_at": decision["decided_at"]}


