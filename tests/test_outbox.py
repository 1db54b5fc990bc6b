"""The outbox on its own, on a real SQLite file: durability, the undo window, row leases
between two app instances, recorded choices, and the failure windows between them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from triage_tui.model import Action, Decision
from triage_tui.outbox import Outbox, RowState, backend_identity

B, M = "ref", "mod-ana"


def decision(n: int, action: Action = Action.APPROVE, **fields: Any) -> Decision:
    return Decision.new(f"it-{n:07d}", 1, action, **fields)


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.db")


def states(outbox: Outbox) -> dict[str, RowState]:
    return {r.key: r.state for r in outbox.rows(B, M, RowState)}


def test_add_is_on_disk_for_another_process(outbox: Outbox) -> None:
    d = decision(1)
    outbox.add_many([d], backend=B, moderator=M, hold_seconds=8, now=100.0)
    code = "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select key, state from outbox').fetchall())"
    out = subprocess.run([sys.executable, "-c", code, str(outbox.path)], capture_output=True, text=True, check=True)
    assert d.id in out.stdout and "held" in out.stdout


def test_the_file_is_private_to_the_moderator(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        box = Outbox(tmp_path / "deep" / "outbox.db")
        box.add_many([decision(1)], backend=B, moderator=M, hold_seconds=0, now=1.0)
    finally:
        os.umask(old)
    for name in ("outbox.db", "outbox.db-wal"):
        assert stat.S_IMODE((tmp_path / "deep" / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((tmp_path / "deep").stat().st_mode) == 0o700


def test_undo_only_inside_the_window(outbox: Outbox) -> None:
    a, b = decision(1), decision(2)
    outbox.add_many([a, b], backend=B, moderator=M, hold_seconds=8, now=100.0)
    assert outbox.undo(a.id, now=107.9)
    assert not outbox.undo(a.id, now=107.9)  # once
    assert not outbox.undo(b.id, now=108.0)
    outbox.release_held(108.0)
    assert states(outbox) == {a.id: RowState.UNDONE, b.id: RowState.PENDING}
    assert not outbox.undo(b.id, now=50.0)  # pending: it may be on the wire already


def test_two_instances_never_lease_the_same_row_and_a_lapsed_lease_is_taken_over(outbox: Outbox) -> None:
    other = Outbox(outbox.path)
    outbox.add_many([decision(n) for n in range(1, 11)], backend=B, moderator=M, hold_seconds=0, now=100.0)
    mine = outbox.lease(B, M, owner="a", now=100.0, limit=6, lease_seconds=60)
    theirs = other.lease(B, M, owner="b", now=100.0, limit=6, lease_seconds=60)
    assert [r.item_id for r in mine] == [f"it-{n:07d}" for n in range(1, 7)]  # oldest first
    assert len(theirs) == 4 and not {r.key for r in mine} & {r.key for r in theirs}
    assert other.lease(B, M, owner="b", now=159.0, limit=10, lease_seconds=60) == []
    assert len(other.lease(B, M, owner="b", now=161.0, limit=10, lease_seconds=60)) == 10


def test_a_late_answer_from_a_lapsed_lease_does_not_overwrite_the_new_holder(outbox: Outbox) -> None:
    twin = Outbox(outbox.path)
    d = decision(1)
    outbox.add_many([d], backend=B, moderator=M, hold_seconds=0, now=1.0)
    outbox.lease(B, M, owner="a", now=10.0, limit=1, lease_seconds=5)  # a's request hangs…
    twin.lease(B, M, owner="b", now=20.0, limit=1, lease_seconds=5)  # …b takes the row over
    twin.finish([(d.id, RowState.SENT, {"result": "applied"}, None)], owner="b")
    outbox.finish([(d.id, RowState.NEEDS_ATTENTION, None, "a's late error")], owner="a")
    outbox.retry([(d.id, "a's late error", 99.0)], owner="a")
    (row,) = outbox.rows(B, M, RowState)
    assert (row.state, row.last_error, row.attempts) == (RowState.SENT, None, 1)


def test_next_due_waits_for_another_instances_lease(outbox: Outbox) -> None:
    other = Outbox(outbox.path)
    outbox.add_many([decision(1)], backend=B, moderator=M, hold_seconds=0, now=100.0)
    assert outbox.next_due(B, M) == 100.0
    other.lease(B, M, owner="b", now=100.0, limit=1, lease_seconds=120)
    assert outbox.next_due(B, M) == 220.0  # not "now": nothing to do until it lapses


def test_a_corrupt_row_does_not_hide_the_others(outbox: Outbox) -> None:
    good = decision(2)
    outbox.add_many([decision(1), good], backend=B, moderator=M, hold_seconds=0, now=1.0)
    outbox._db.execute("UPDATE outbox SET payload = '{\"id\": 5}' WHERE key != ?", (good.id,))
    rows = outbox.rows(B, M, [RowState.PENDING])
    assert [r.decision is None for r in rows] == [True, False]
    assert rows[0].last_error and "unreadable" in rows[0].last_error


def test_drop_and_redecide_record_the_choice(outbox: Outbox) -> None:
    a, b, c = decision(1), decision(2), decision(3)
    outbox.add_many([a, b, c], backend=B, moderator=M, hold_seconds=0, now=1.0)
    outbox.finish([(a.id, RowState.CONFLICT, {"decided_by": "mod-ben"}, "x"), (b.id, RowState.CONFLICT, None, "y")])
    assert not outbox.drop(c.id, "pending rows cannot be dropped")
    assert outbox.drop(a.id, "agree with ben")
    again = Decision.new(b.item_id, 2, Action.APPROVE)
    outbox.add_many([again], backend=B, moderator=M, hold_seconds=0, now=2.0, replaces={b.id: f"re-decided as {again.id}"})
    notes = {r.key: (r.state, r.note) for r in outbox.rows(B, M, RowState)}
    assert notes[a.id] == (RowState.DROPPED, "agree with ben")
    assert notes[b.id] == (RowState.DROPPED, f"re-decided as {again.id}")
    assert notes[again.id][0] is RowState.PENDING
    assert outbox.counts(B, M) == {"dropped": 2, "pending": 2}
    assert outbox.unsent(B, M) == 2


def test_redecide_is_all_or_nothing(outbox: Outbox) -> None:
    a, b = decision(1), decision(2)
    outbox.add_many([a, b], backend=B, moderator=M, hold_seconds=0, now=1.0)
    outbox.finish([(a.id, RowState.CONFLICT, None, "x")])
    with pytest.raises(Exception):  # b's key exists: the insert fails
        outbox.add_many([b], backend=B, moderator=M, hold_seconds=0, now=2.0, replaces={a.id: f"re-decided as {b.id}"})
    assert states(outbox)[a.id] is RowState.CONFLICT  # so the drop did not happen either


def test_counts_are_per_backend_and_moderator(outbox: Outbox) -> None:
    outbox.add_many([decision(1), decision(2)], backend=B, moderator=M, hold_seconds=5, now=1.0)
    outbox.add_many([decision(3)], backend="other", moderator=M, hold_seconds=0, now=1.0)
    outbox.add_many([decision(4)], backend=B, moderator="mod-ben", hold_seconds=0, now=1.0)
    assert outbox.counts(B, M) == {"held": 2}
    assert outbox.unsent("other", M) == 1 and outbox.unsent(B, "mod-ben") == 1


def test_state_dir_override_and_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_TUI_STATE_DIR", str(tmp_path / "state"))
    box = Outbox()
    assert box.path == tmp_path / "state" / "outbox.db"
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


@pytest.mark.parametrize(("typed", "identity"), [
    ("http://127.0.0.1:8470/", "http://127.0.0.1:8470"),
    ("HTTP://127.0.0.1:8470", "http://127.0.0.1:8470"),
    ("https://Moderation.Example.COM:443/", "https://moderation.example.com"),
    ("http://localhost:80", "http://localhost"),
    ("https://mod.example.com.:8443/api/v1//", "https://mod.example.com:8443/api/v1"),
    ("https://[::1]:8443/", "https://[::1]:8443"),
    ("https://mod.example.com/API", "https://mod.example.com/API"),  # a path is case-sensitive
    ("http://127.0.0.1:8471", "http://127.0.0.1:8471"),  # another port is another backend
])
def test_one_identity_per_backend_whatever_the_spelling(outbox: Outbox, typed: str, identity: str) -> None:
    assert backend_identity(typed) == identity
    d = decision(1)
    outbox.add_many([d], backend=typed, moderator="mod-ana", hold_seconds=0, now=1.0)
    assert outbox.unsent(identity, "mod-ana") == 1 and outbox.unsent(identity + "/", "mod-ana") == 1
    assert outbox._db.execute("SELECT backend FROM outbox").fetchall() == [(identity,)]


def test_rows_filed_under_a_spelling_are_moved_to_the_identity_on_open(outbox: Outbox) -> None:
    a, b = decision(1), decision(2)
    outbox.add_many([a, b], backend="https://mod.example.com", moderator="mod-ana", hold_seconds=0, now=1.0)
    outbox._db.execute("UPDATE outbox SET backend = 'HTTPS://Mod.Example.com:443/' WHERE key = ?", (a.id,))  # as an older version filed it
    again = Outbox(outbox.path)
    assert again.unsent("https://mod.example.com", "mod-ana") == 2
    assert again.elsewhere("https://mod.example.com", "mod-ana") == []
    assert again.elsewhere("https://other.example.com", "mod-ana") == [("https://mod.example.com", "mod-ana", 2)]


TAKE_A_LEASE = """
import sys, time
from triage_tui.outbox import Outbox, process_owner
outbox = Outbox(sys.argv[1])
rows = outbox.lease("ref", "mod-ana", owner=process_owner(), now=float(sys.argv[2]), limit=10, lease_seconds=120)
print(len(rows), flush=True)
time.sleep(600)  # mid-send, as far as anyone can tell
"""


def test_the_lease_of_a_sender_killed_on_this_host_is_taken_over_at_once(outbox: Outbox) -> None:
    import signal

    outbox.add_many([decision(n) for n in range(1, 4)], backend=B, moderator=M, hold_seconds=0, now=100.0)
    child = subprocess.Popen([sys.executable, "-c", TAKE_A_LEASE, str(outbox.path), "100"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "3"
        owner = outbox._db.execute("SELECT DISTINCT lease_owner FROM outbox").fetchall()
        assert [o.split("/")[1] for (o,) in owner] == [str(child.pid)]
        assert outbox.lease(B, M, owner="me", now=101.0, limit=10, lease_seconds=120) == []  # alive: respected
        assert outbox.next_due(B, M) == 220.0
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        child.kill()
        child.wait(timeout=10)
    # Gone: its rows are leased at once (the same instant), not at 220.
    assert [r.item_id for r in outbox.lease(B, M, owner="me", now=101.0, limit=10, lease_seconds=120)] == [
        f"it-{n:07d}" for n in range(1, 4)]


def test_a_lease_owner_is_known_by_pid_space_pid_and_start_time(outbox: Outbox) -> None:
    import socket

    from triage_tui.outbox import owner_gone, process_owner

    me = process_owner()
    host, pid, started, _ = me.split("/")
    name, boot, pid_ns = host.split("~")
    assert (name, pid) == (socket.gethostname(), str(os.getpid()))
    assert pid_ns == str(os.stat("/proc/self/ns/pid").st_ino)
    assert not owner_gone(me)
    # A container with the same host name and boot but its own pid namespace: its pid 1
    # is not ours, so nothing can be told from it.
    assert not owner_gone(f"{name}~{boot}~{int(pid_ns) + 1}/1/{int(started) + 1}/x")
    assert not owner_gone(f"{name}/{pid}/{int(started) + 1}/x")  # written before the pid space was named
    assert owner_gone(f"{host}/{pid}/{int(started) + 1}/x")  # the pid was reused by a later process
    assert not owner_gone(f"another-host/{pid}/1/x")  # another machine sharing the file: wait it out
    assert not owner_gone("6f1c1c7e-9b0e-4a53-8f63-0a9d7d3b8f10")  # an older version's owner: wait it out
    outbox.add_many([decision(1), decision(2)], backend=B, moderator=M, hold_seconds=0, now=100.0)
    outbox.lease(B, M, owner="another-host/1/1/x", now=100.0, limit=1, lease_seconds=120)  # it-0000001
    outbox.lease(B, M, owner=f"{host}/{pid}/{int(started) + 1}/x", now=100.0, limit=1, lease_seconds=120)  # it-0000002
    assert [r.item_id for r in outbox.lease(B, M, owner="me", now=100.0, limit=10, lease_seconds=120)] == ["it-0000002"]
