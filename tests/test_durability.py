"""Never lose a decision, for real: the app in a pty against `triage-tui serve` in its own
process. A decision is approved, the app is killed at once — SIGKILL, or the terminal
closing under it (SIGHUP, as a dropped SSH session does) — and started again: the
backend ends with exactly that decision, applied once. `triage-tui sync` sends what a
session left behind, from the shell."""

from __future__ import annotations

import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_hostile import Terminal
from tests.test_serve_tokens import serving
from triage_tui.server.cli import TOKENS_ENV
from triage_tui.server.demo import seed_demo
from triage_tui.server.policy import DEFAULT_POLICY
from triage_tui.server.store import Store

TOKEN = "durability-test-token-0123456789"
SAM = "durability-senior-token-0123456789"


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[str]:
    store = Store(tmp_path / "q.db", DEFAULT_POLICY)  # the db `serving` serves
    seed_demo(store, 60, now=time.time())
    store.close()
    with serving(tmp_path, env={TOKENS_ENV: f"{TOKEN}:mod-ana:moderator {SAM}:mod-sam:senior"}) as served:
        yield served.url


class Child:
    """A process started by `pty.fork`: the pty is its controlling terminal, as sshd does it,
    so closing our end delivers SIGHUP exactly as a dropped SSH session would."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"pid {self.pid} still running")
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.wait(10)


def spawn_app(url: str, state: Path) -> tuple[Child, Terminal]:
    import fcntl
    import struct
    import termios

    env = {**os.environ, "TERM": "xterm-256color", "TRIAGE_TUI_TOKEN": TOKEN, "TRIAGE_TUI_STATE_DIR": str(state)}
    pid, leader = pty.fork()
    if pid == 0:  # the child: exec the app on the new terminal
        os.execve(sys.executable, [sys.executable, "-m", "triage_tui", "--url", url], env)
    fcntl.ioctl(leader, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    return Child(pid), Terminal(leader)


def outbox_rows(state: Path) -> list[tuple[str, str, str]]:
    path = state / "outbox.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return db.execute("SELECT key, item_id, state FROM outbox").fetchall()


def audit(url: str) -> list[dict[str, object]]:
    r = httpx.get(f"{url}/v1/decisions", headers={"Authorization": f"Bearer {SAM}"}, params={"limit": 1000})
    return r.json()["decisions"]


def first_item(url: str) -> str:
    r = httpx.get(f"{url}/v1/queue", headers={"Authorization": f"Bearer {TOKEN}"}, params={"limit": 1})
    return r.json()["items"][0]["id"]


@pytest.mark.parametrize("how", ["SIGKILL", "SIGHUP"])
def test_a_decision_survives_the_process_dying_right_after_the_key(backend: str, tmp_path: Path, how: str) -> None:
    state = tmp_path / "state"
    target = first_item(backend)
    proc, term = spawn_app(backend, state)
    try:
        term.wait_for(b"online")
        term.pump(0.5)
        os.write(term.fd, b"a")
        deadline = time.monotonic() + 10
        while not outbox_rows(state):  # the moment the decision is on disk ...
            assert time.monotonic() < deadline, "the decision never reached the outbox"
            time.sleep(0.005)
        if how == "SIGKILL":  # ... the process dies, with no chance to clean up
            os.kill(proc.pid, signal.SIGKILL)
        else:
            os.close(term.fd)  # the terminal goes away: the kernel sends SIGHUP
        code = proc.wait(timeout=10)
        assert code == -(signal.SIGKILL if how == "SIGKILL" else signal.SIGHUP)
    finally:
        proc.kill()
        if how == "SIGKILL":
            os.close(term.fd)
    (key, item_id, row_state), = outbox_rows(state)
    assert (item_id, row_state) == (target, "held")  # it was in its undo window when the process died
    assert audit(backend) == []

    proc, term = spawn_app(backend, state)  # the next session sends it first
    try:
        term.wait_for(b"online")
        deadline = time.monotonic() + 30
        while not audit(backend):
            assert time.monotonic() < deadline, "the surviving decision was never sent"
            term.pump(0.2)
        term.pump(1.0)
        os.write(term.fd, b"q")
        assert proc.wait(timeout=15) == 0
    finally:
        proc.kill()
        os.close(term.fd)
    log = audit(backend)
    assert [(d["id"], d["item_id"], d["action"], d["moderator"]) for d in log] == [(key, target, "approve", "mod-ana")]
    assert outbox_rows(state) == [(key, target, "sent")]


def test_sync_command_sends_what_a_session_left(backend: str, tmp_path: Path) -> None:
    from triage_tui.model import Action, Decision
    from triage_tui.outbox import Outbox

    state = tmp_path / "state"
    state.mkdir()
    outbox = Outbox(state / "outbox.db")
    left = [Decision.new(f"it-{n:07d}", 1, Action.APPROVE) for n in (40, 41)]
    outbox.add_many(left, backend=backend, moderator="mod-ana", hold_seconds=0, now=time.time())
    outbox.close()
    env = {**os.environ, "TRIAGE_TUI_TOKEN": TOKEN, "TRIAGE_TUI_STATE_DIR": str(state)}
    done = subprocess.run([sys.executable, "-m", "triage_tui", "sync", "--url", backend, "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["sent"], result["unsent"], result["conflicts"]) == (2, 0, [])
    assert sorted(d["item_id"] for d in audit(backend)) == ["it-0000040", "it-0000041"]
    again = subprocess.run([sys.executable, "-m", "triage_tui", "sync", "--url", backend], env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "sent 0" in again.stdout
    bad = subprocess.run([sys.executable, "-m", "triage_tui", "sync", "--url", backend],
                         env={**env, "TRIAGE_TUI_TOKEN": "not-the-right-token-at-all"}, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3 and "rejected" in bad.stderr and "not-the-right" not in bad.stderr + bad.stdout


def sync(url: str, state: Path, *args: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIAGE_TUI_TOKEN": token, "TRIAGE_TUI_STATE_DIR": str(state)}
    done = subprocess.run([sys.executable, "-m", "triage_tui", "sync", "--url", url, *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_a_url_typed_another_way_files_the_decision_where_sync_looks(backend: str, tmp_path: Path) -> None:
    """The app opened with `--url http://127.0.0.1:PORT/` dies; `sync --url http://127.0.0.1:PORT` sends its decision."""
    state = tmp_path / "state"
    target = first_item(backend)
    proc, term = spawn_app(backend + "/", state)
    try:
        term.wait_for(b"online")
        term.pump(0.5)
        os.write(term.fd, b"a")
        deadline = time.monotonic() + 10
        while not outbox_rows(state):
            assert time.monotonic() < deadline, "the decision never reached the outbox"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
        os.close(term.fd)
    done = sync(backend.replace("http://127.0.0.1", "HTTP://127.0.0.1"), state, "--wait", "--json")
    assert done.returncode == 0, done.stderr
    assert (json.loads(done.stdout)["sent"], json.loads(done.stdout)["unsent"]) == (1, 0)
    assert [d["item_id"] for d in audit(backend)] == [target]


def test_rows_an_older_version_filed_under_another_spelling_are_found_and_sent(backend: str, tmp_path: Path) -> None:
    from triage_tui.model import Action, Decision

    state = tmp_path / "state"
    state.mkdir()
    port = backend.rsplit(":", 1)[1]
    with sqlite3.connect(state / "outbox.db") as db:  # the schema as every version wrote it, rows as typed
        from triage_tui.outbox import SCHEMA

        db.executescript(SCHEMA)
        for n, spelling in ((44, f"http://127.0.0.1:{port}/"), (45, f"HTTP://127.0.0.1:{port}")):
            d = Decision.new(f"it-{n:07d}", 1, Action.APPROVE)
            db.execute("INSERT INTO outbox (key, backend, moderator, item_id, payload, state, created_at, hold_until, next_attempt_at) "
                       "VALUES (?, ?, 'mod-ana', ?, ?, 'pending', 1, 1, 1)", (d.id, spelling, d.item_id, json.dumps(d.to_json())))
    done = sync(backend, state, "--wait")
    assert done.returncode == 0, done.stderr
    assert "sent 2, conflicts 0, need attention 0, still unsent 0" in done.stdout
    assert sorted(d["item_id"] for d in audit(backend)) == ["it-0000044", "it-0000045"]


def test_sync_with_nothing_here_names_the_decisions_filed_under_another_identity(backend: str, tmp_path: Path) -> None:
    from triage_tui.model import Action, Decision
    from triage_tui.outbox import Outbox

    state = tmp_path / "state"
    state.mkdir()
    outbox = Outbox(state / "outbox.db")
    outbox.add_many([Decision.new(f"it-{n:07d}", 1, Action.APPROVE) for n in (46, 47)], backend=backend,
                    moderator="mod-sam", hold_seconds=0, now=time.time())  # sam's, on this machine
    outbox.close()
    done = sync(backend, state, "--wait")  # as ana: nothing of hers
    assert done.returncode == 4
    assert "sent 0, conflicts 0, need attention 0, still unsent 0" in done.stdout
    assert f"nothing unsent for mod-ana at {backend}, but this machine's outbox holds 2 unsent decisions filed under another identity:" in done.stderr
    assert (f"  {backend} as mod-sam: 2 unsent; send with: TRIAGE_TUI_TOKEN=<the token of mod-sam> triage-tui sync --url {backend}"
            in done.stderr)
    as_json = json.loads(sync(backend, state, "--json").stdout)
    assert [(e["backend"], e["moderator"], e["unsent"]) for e in as_json["elsewhere"]] == [(backend, "mod-sam", 2)]
    theirs = sync(backend, state, "--wait", token=SAM)  # what the message says to do
    assert theirs.returncode == 0 and "sent 2" in theirs.stdout and "another identity" not in theirs.stderr
    assert sync(backend, state).returncode == 0  # and now nothing is left anywhere
