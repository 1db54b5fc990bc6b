"""The durable outbox: every decision is on disk before the screen moves on.

A dropped SSH session kills the app with SIGHUP and no cleanup runs, so the only
decisions that survive are the ones already committed here — hence WAL with
`synchronous=FULL` and a commit in `add_many` before it returns. Rows move
held (the undo window) → pending → sent | conflict | needs_attention; a moderator's
undo makes a row `undone` and a deliberate drop makes it `dropped`: rows are never
deleted, so nothing disappears without a recorded choice.

Two app instances for one moderator (two SSH sessions) share the file; a row is sent
only by whoever holds its lease, so no row is sent twice at once. A resend after a
lost answer is harmless anyway: the key makes the server apply it at most once. A lease
names its owner's process (`process_owner`: host, pid and the process's start time, so
a reused pid is not mistaken for it): when that process is gone from this host — a
sender SIGKILLed mid-send — the next sender takes its rows over at once instead of
waiting out the lease. An owner on another host is always waited for.

Rows are filed by backend and moderator. The backend is its canonical identity
(`backend_identity`), whatever spelling of its URL a profile, `--url` or the demo
gave: every method takes the URL and files or looks up under that identity, and rows an
older version filed under another spelling are moved to it when the file is opened.
"""

from __future__ import annotations

import enum
import functools
import json
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from triage_tui.model import Decision, PayloadError

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    backend TEXT NOT NULL,
    moderator TEXT NOT NULL,
    item_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    hold_until REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL,
    result TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (backend, moderator, state, next_attempt_at);
"""


class RowState(enum.StrEnum):
    HELD = "held"
    PENDING = "pending"
    SENT = "sent"
    CONFLICT = "conflict"
    NEEDS_ATTENTION = "needs_attention"
    UNDONE = "undone"
    DROPPED = "dropped"


UNSENT = (RowState.HELD, RowState.PENDING)


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    item_id: str
    state: RowState
    decision: Decision | None  # None when the stored payload no longer parses
    attempts: int
    last_error: str | None
    next_attempt_at: float
    result: dict[str, Any] | None
    note: str | None


_DROP = "UPDATE outbox SET state = 'dropped', note = ? WHERE key = ? AND state IN ('conflict', 'needs_attention')"
_INSERT = ("INSERT INTO outbox (key, backend, moderator, item_id, payload, state, created_at, hold_until, next_attempt_at) "
           "VALUES (?,?,?,?,?,?,?,?,?)")
_MINE = " AND (? IS NULL OR (lease_owner = ? AND state = 'pending'))"


def _values(d: Decision, backend: str, moderator: str, state: RowState, now: float, until: float) -> tuple[Any, ...]:
    return (d.id, backend, moderator, d.item_id, json.dumps(d.to_json()), state.value, now, until, until)


def _owner(owner: str | None) -> tuple[str | None, str | None]:
    return owner, owner


_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=256)
def backend_identity(url: str) -> str:
    """The one name of a backend in the outbox: scheme and host lower-cased, no default
    port, no trailing slash or dot (and never a user:password@ part). `--url
    http://127.0.0.1:8470/`, a profile's `HTTP://127.0.0.1:8470` and the demo's URL must
    file rows where `sync` looks, or a decision waits forever under a spelling nobody
    asks for. Text that is not a URL is kept as given, without trailing slashes."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text.rstrip("/")
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if not scheme or not host:
        return text.rstrip("/")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), parts.query, parts.fragment))


def _start_time(pid: int) -> str | None:
    """When the process started, in clock ticks since boot (field 22 of /proc/PID/stat;
    the command name before it may hold spaces and parentheses, so count from the last
    `)`): with the pid, a name no later process can have. None where there is no /proc,
    or the process is gone — a zombie (killed, not yet reaped by its parent) included."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if len(fields) <= 19 or fields[0] in (b"Z", b"X"):
        return None
    return fields[19].decode()


def _pid_space() -> str:
    """Where this process's pids mean something: the host name, the kernel's boot id and
    the pid namespace. Two containers may share a host name (and an outbox on a shared
    volume) while each has its own pid 7; a pid is only judged alive or dead by a
    process that sees the same pids, in the same boot."""
    parts = [socket.gethostname().replace("/", "_")]
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            parts.append(f.read().strip()[:8])
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    except OSError:  # no /proc (macOS, BSD): the host name alone
        pass
    return "~".join(parts)


def process_owner() -> str:
    """A lease owner naming this process: pid space/pid/start-time/nonce (the nonce tells
    two senders in one process apart)."""
    pid = os.getpid()
    return f"{_pid_space()}/{pid}/{_start_time(pid) or '-'}/{uuid.uuid4().hex[:12]}"


def owner_gone(owner: str) -> bool:
    """True only when `owner` is surely dead: a process in this pid space (host, boot, pid
    namespace) that no longer runs, or whose pid now belongs to a process started at
    another time. Anything else — another host or container, an owner written by an older
    version, no way to tell — is alive: its lease is waited out, as before."""
    parts = owner.rsplit("/", 3)
    if len(parts) != 4 or not parts[1].isdigit():
        return False
    space, pid_text, started, _ = parts
    if space != _pid_space():
        return False
    pid = int(pid_text)
    if pid <= 0:
        return False
    now_started = _start_time(pid)
    if now_started is not None:
        return started not in ("-", now_started)  # the pid is in use: by the owner, or by a later process
    if os.path.isdir("/proc/self"):  # /proc works, and has no such process
        return True
    try:
        os.kill(pid, 0)  # no /proc (macOS, BSD): the pid alone, which cannot see reuse
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def default_path() -> Path:
    from triage_tui.paths import state_dir

    return state_dir() / "outbox.db"


class Outbox:
    def __init__(self, path: Path | str | None = None, *, temporary: bool = False) -> None:
        """`temporary`: whoever made this outbox deletes it when the session ends (the
        demo's temporary directory). It is a fact its maker states, never guessed from the
        path, because what the app promises about unsent decisions depends on it: a kept
        outbox sends them at the next start, a temporary one loses them."""
        self.path = Path(path) if path is not None else default_path()
        self.temporary = temporary
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Decisions and notes are the moderator's work: on a shared jump host other users
        # must not read them. Create the file 0600 before SQLite does (it gives the -wal
        # and -shm files the database's mode); an existing file is left as its owner set it.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._file_under_identities()

    def _identities(self) -> list[tuple[str, str]]:
        """Every (backend, moderator) with rows, one index seek each: rows are never
        deleted, so a scan (SELECT DISTINCT) would grow with every decision ever made."""
        found: list[tuple[str, str]] = []
        with self._lock:
            (backend,) = self._db.execute("SELECT min(backend) FROM outbox").fetchone()
            while backend is not None:
                (moderator,) = self._db.execute("SELECT min(moderator) FROM outbox WHERE backend = ?", (backend,)).fetchone()
                while moderator is not None:
                    found.append((backend, moderator))
                    (moderator,) = self._db.execute("SELECT min(moderator) FROM outbox WHERE backend = ? AND moderator > ?",
                                                    (backend, moderator)).fetchone()
                (backend,) = self._db.execute("SELECT min(backend) FROM outbox WHERE backend > ?", (backend,)).fetchone()
        return found

    def _file_under_identities(self) -> None:
        """Move rows filed under another spelling of a backend (by an older version, which
        used the URL as typed) to its canonical identity, so `sync` and the app find them.
        Nothing is written when every name is canonical already."""
        names = {b for b, _ in self._identities()}
        moves = [(backend_identity(b), b) for b in sorted(names) if backend_identity(b) != b]
        if moves:
            self._many("UPDATE outbox SET backend = ? WHERE backend = ?", moves)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. `durable=False` skips the fsync, for bookkeeping a crash
        may lose harmlessly: a lost lease lapses, a lost "sent" makes the row go again and
        the server answers `duplicate` with the first result. What the moderator did —
        a decision, an undo, a drop — is always durable."""
        with self._lock:
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous=FULL")

    def _tx(self, sql_and_params: Iterable[tuple[str, Sequence[Any]]], *, durable: bool = True) -> list[sqlite3.Cursor]:
        with self._transaction(durable=durable) as db:
            return [db.execute(sql, params) for sql, params in sql_and_params]

    def _many(self, sql: str, rows: Iterable[Sequence[Any]], *, durable: bool = True) -> None:
        """One statement over many rows (executemany: one prepare)."""
        with self._transaction(durable=durable) as db:
            db.executemany(sql, rows)

    # -- writing ---------------------------------------------------------------------

    def add_many(self, decisions: Sequence[Decision], *, backend: str, moderator: str, hold_seconds: float, now: float,
                 replaces: Mapping[str, str] | None = None) -> None:
        """Commit the decisions (one fsync for the batch); returns only once they are on disk.

        `replaces` maps keys of conflicted or parked rows that these decisions re-decide to
        the note each is dropped with, in the same transaction: a crash can never leave the
        new decision without the record of what it replaced, or the reverse."""
        backend = backend_identity(backend)
        state = RowState.HELD if hold_seconds > 0 else RowState.PENDING
        until = now + max(0.0, hold_seconds)
        with self._transaction() as db:
            db.executemany(_INSERT, [_values(d, backend, moderator, state, now, until) for d in decisions])
            db.executemany(_DROP, [(note, key) for key, note in (replaces or {}).items()])

    def undo(self, key: str, now: float) -> bool:
        """Take a decision back while it is still held; False once it may have been sent."""
        (cur,) = self._tx([("UPDATE outbox SET state = 'undone', note = 'undone by the moderator' "
                            "WHERE key = ? AND state = 'held' AND hold_until > ?", (key, now))])
        return cur.rowcount == 1

    def release_held(self, now: float) -> int:
        with self._lock:
            due = self._db.execute("SELECT 1 FROM outbox WHERE state = 'held' AND hold_until <= ? LIMIT 1", (now,)).fetchone()
        if due is None:  # the common case: no write, no fsync
            return 0
        (cur,) = self._tx([("UPDATE outbox SET state = 'pending' WHERE state = 'held' AND hold_until <= ?", (now,))], durable=False)
        return cur.rowcount

    def lease(self, backend: str, moderator: str, *, owner: str, now: float, limit: int, lease_seconds: float) -> list[Row]:
        """Claim up to `limit` due rows for `owner`, oldest first; no two owners get the same row."""
        backend = backend_identity(backend)
        with self._transaction(durable=False) as db:  # a lost lease just lapses
            # Leases of senders that died on this host (SIGKILL mid-send) are free now.
            held_by = [o for (o,) in db.execute(
                "SELECT DISTINCT lease_owner FROM outbox WHERE backend = ? AND moderator = ? AND state = 'pending' "
                "AND lease_until > ? AND lease_owner IS NOT NULL", (backend, moderator, now))]
            db.executemany("UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND state = 'pending'",
                           [(o,) for o in held_by if o != owner and owner_gone(o)])
            keys = [k for (k,) in db.execute(
                "SELECT key FROM outbox WHERE backend = ? AND moderator = ? AND state = 'pending' "
                "AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY seq LIMIT ?",
                (backend, moderator, now, now, limit),
            )]
            db.executemany("UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE key = ?",
                           [(owner, now + lease_seconds, k) for k in keys])
        return self.rows_by_key(keys)

    def finish(self, outcomes: Iterable[tuple[str, RowState, dict[str, Any] | None, str | None]], *, owner: str | None = None) -> None:
        """Record the server's answers — (key, sent|conflict|needs_attention, result, error) —
        in one transaction, and free the leases. With `owner`, only rows still leased by it
        and still pending change: a sender whose lease lapsed while its request hung must
        not overwrite what the instance that took the row over has filed since."""
        self._many(
            "UPDATE outbox SET state = ?, result = ?, last_error = coalesce(?, last_error), attempts = attempts + 1, "
            "lease_owner = NULL, lease_until = NULL WHERE key = ?" + _MINE,
            [(state.value, json.dumps(result) if result is not None else None, error, key, *_owner(owner))
             for key, state, result, error in outcomes],
            durable=False,
        )

    def retry(self, retries: Iterable[tuple[str, str, float]], *, owner: str | None = None) -> None:
        """(key, error, next attempt time) for rows to try again later; one transaction."""
        self._many(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
            "lease_owner = NULL, lease_until = NULL WHERE key = ? AND state = 'pending'" + _MINE,
            [(error, at, key, *_owner(owner)) for key, error, at in retries],
            durable=False,
        )

    def unlease(self, keys: Iterable[str], *, owner: str | None = None) -> None:
        """Give rows back untouched (sending is paused, or the send was cancelled)."""
        self._many("UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE key = ?" + _MINE,
                   [(k, *_owner(owner)) for k in keys], durable=False)

    def drop(self, key: str, note: str) -> bool:
        """The moderator's deliberate choice not to send a conflicted or parked decision."""
        (cur,) = self._tx([(_DROP, (note, key))])
        return cur.rowcount == 1

    # -- reading ----------------------------------------------------------------------

    def counts(self, backend: str, moderator: str) -> dict[str, int]:
        backend = backend_identity(backend)
        with self._lock:
            return dict(self._db.execute(
                "SELECT state, count(*) FROM outbox WHERE backend = ? AND moderator = ? GROUP BY state", (backend, moderator)
            ).fetchall())

    def unsent(self, backend: str, moderator: str) -> int:
        counts = self.counts(backend, moderator)
        return sum(counts.get(s.value, 0) for s in UNSENT)

    def unsent_item_ids(self, backend: str, moderator: str) -> set[str]:
        """Items with a decision held or waiting to be sent: decided, whatever the queue says."""
        backend = backend_identity(backend)
        with self._lock:
            return {i for (i,) in self._db.execute(
                "SELECT item_id FROM outbox WHERE backend = ? AND moderator = ? AND state IN ('held', 'pending')",
                (backend, moderator))}

    def next_due(self, backend: str, moderator: str) -> float | None:
        """When the sender next has something to do: a hold ending, a retry coming due, or
        (for a row another instance is sending) its lease lapsing — never "now" for a row
        this sender could not lease, or the sender would spin."""
        backend = backend_identity(backend)
        with self._lock:
            (due,) = self._db.execute(
                "SELECT min(CASE state WHEN 'held' THEN hold_until ELSE max(next_attempt_at, coalesce(lease_until, 0)) END) FROM outbox "
                "WHERE backend = ? AND moderator = ? AND state IN ('held', 'pending')", (backend, moderator)
            ).fetchone()
        return due

    def rows(self, backend: str, moderator: str, states: Iterable[RowState]) -> list[Row]:
        backend = backend_identity(backend)
        wanted = [s.value for s in states]
        with self._lock:
            keys = [k for (k,) in self._db.execute(
                f"SELECT key FROM outbox WHERE backend = ? AND moderator = ? AND state IN ({','.join('?' * len(wanted))}) ORDER BY seq",
                (backend, moderator, *wanted),
            )]
        return self.rows_by_key(keys)

    def elsewhere(self, backend: str, moderator: str) -> list[tuple[str, str, int]]:
        """(backend, moderator, unsent rows) for every other identity with unsent rows: what
        `sync` names when it finds nothing under the one it was given."""
        backend = backend_identity(backend)
        found = []
        for b, m in self._identities():
            if (b, m) != (backend, moderator):
                with self._lock:
                    (n,) = self._db.execute("SELECT count(*) FROM outbox WHERE backend = ? AND moderator = ? "
                                            "AND state IN ('held', 'pending')", (b, m)).fetchone()
                if n:
                    found.append((b, m, n))
        return found

    def rows_by_key(self, keys: Sequence[str]) -> list[Row]:
        """The rows of these keys, in the keys' order (asked in chunks: SQLite caps the
        number of parameters of one statement)."""
        found: dict[str, tuple[Any, ...]] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = tuple(keys[start:start + 500])
                found.update((r[0], r) for r in self._db.execute(
                    f"SELECT key, item_id, state, payload, attempts, last_error, next_attempt_at, result, note FROM outbox "
                    f"WHERE key IN ({','.join('?' * len(chunk))})", chunk,
                ))
        rows = []
        for key in keys:
            k, item_id, state, payload, attempts, error, next_at, result, note = found[key]
            try:
                decision: Decision | None = Decision.from_json(json.loads(payload), "outbox.payload")
            except (PayloadError, ValueError) as exc:
                decision, error = None, f"stored decision is unreadable: {exc}"
            rows.append(Row(k, item_id, RowState(state), decision, attempts, error, next_at,
                            json.loads(result) if result else None, note))
        return rows
