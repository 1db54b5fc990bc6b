"""The outbox and the sender against the real reference backend, through a loopback
fault proxy: every decision is applied exactly once whatever the network does."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.faultproxy import Canned, FaultProxy, Mangle, Received
from triage_tui.backends.triage import TriageBackend
from triage_tui.model import Action, Decision
from triage_tui.outbox import Outbox, RowState
from triage_tui.sync import Sender


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def decision(n: int, action: Action = Action.APPROVE, **fields: Any) -> Decision:
    return Decision.new(f"it-{n:07d}", 1, action, **fields)


def audit(server: RunningServer) -> list[dict[str, Any]]:
    r = httpx.get(f"{server.url}/v1/decisions", headers=server.auth("sam"), params={"limit": 1000})
    return r.json()["decisions"]


def once(seq: list[Canned | Mangle]) -> Any:
    """A fault for the first requests, then the real backend."""
    queue = list(seq)

    def fault(got: Received) -> Canned | Mangle | None:
        return queue.pop(0) if queue else None

    return fault


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.db")


def sender(outbox: Outbox, url: str, server: RunningServer, clock: Clock, *, who: str = "ana", timeout: float = 5.0) -> Sender:
    backend = TriageBackend(url, server.tokens[who], timeout=timeout)
    return Sender(outbox, backend, backend_name="ref", moderator=f"mod-{who}", clock=clock, max_delay=60.0)


# -- the outbox alone --------------------------------------------------------------------


def test_a_decision_is_on_disk_when_add_returns(outbox: Outbox) -> None:
    d = decision(1)
    outbox.add_many([d], backend="ref", moderator="mod-ana", hold_seconds=8, now=100.0)
    # Another process (as after a SIGKILL) sees the committed row.
    out = subprocess.run(
        [sys.executable, "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select key, state from outbox').fetchall())", str(outbox.path)],
        capture_output=True, text=True, check=True,
    )
    assert d.id in out.stdout and "held" in out.stdout


def test_undo_only_inside_the_window(outbox: Outbox) -> None:
    a, b = decision(1), decision(2)
    outbox.add_many([a, b], backend="ref", moderator="mod-ana", hold_seconds=8, now=100.0)
    assert outbox.undo(a.id, now=107.9)
    assert not outbox.undo(b.id, now=108.0)
    outbox.release_held(108.0)
    assert {r.key: r.state for r in outbox.rows("ref", "mod-ana", RowState)} == {a.id: RowState.UNDONE, b.id: RowState.PENDING}
    assert outbox.unsent("ref", "mod-ana") == 1


def test_two_instances_never_lease_the_same_row(outbox: Outbox) -> None:
    other = Outbox(outbox.path)
    outbox.add_many([decision(n) for n in range(1, 11)], backend="ref", moderator="mod-ana", hold_seconds=0, now=100.0)
    mine = outbox.lease("ref", "mod-ana", owner="a", now=100.0, limit=6, lease_seconds=60)
    theirs = other.lease("ref", "mod-ana", owner="b", now=100.0, limit=6, lease_seconds=60)
    assert len(mine) == 6 and len(theirs) == 4
    assert not {r.key for r in mine} & {r.key for r in theirs}
    # A lease that lapses (its holder died) is taken over.
    assert len(other.lease("ref", "mod-ana", owner="b", now=161.0, limit=10, lease_seconds=60)) == 10


def test_a_corrupt_row_does_not_hide_the_others(outbox: Outbox) -> None:
    good = decision(2)
    outbox.add_many([decision(1), good], backend="ref", moderator="mod-ana", hold_seconds=0, now=1.0)
    outbox._db.execute("UPDATE outbox SET payload = '{\"id\": 5}' WHERE key != ?", (good.id,))
    rows = outbox.rows("ref", "mod-ana", [RowState.PENDING])
    assert [r.decision is None for r in rows] == [True, False]
    assert rows[0].last_error and "unreadable" in rows[0].last_error


# -- sending through the fault proxy ------------------------------------------------------------


async def test_sent_and_applied_once(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    outbox.add_many([decision(1), decision(2)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
    s = sender(outbox, server.url, server, clock)
    report = await s.step()
    assert report.sent == 2 and outbox.unsent("ref", "mod-ana") == 0
    assert sorted(d["item_id"] for d in audit(server)) == ["it-0000001", "it-0000002"]
    await s.backend.aclose()


@pytest.mark.parametrize("fault", [Mangle("drop"), Mangle("truncate"), Mangle("trickle", delay=1.5), Canned(hang=True)])
async def test_a_lost_answer_is_resent_and_applied_once(server: RunningServer, outbox: Outbox, fault: Canned | Mangle) -> None:
    clock = Clock()
    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = once([fault])
        outbox.add_many([decision(5)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
        s = sender(outbox, proxy.url, server, clock, timeout=1.0)
        first = await s.step()
        assert first.retried == 1 and first.sent == 0
        row = outbox.rows("ref", "mod-ana", [RowState.PENDING])[0]
        assert 0 <= row.next_attempt_at - clock() <= 1.0  # base 0.5 × 2^0, full jitter
        clock.now += 61
        second = await s.step()
        assert second.sent == 1
        await s.backend.aclose()
    assert [d["item_id"] for d in audit(server)] == ["it-0000005"]  # once, whatever the first attempt did


@pytest.mark.parametrize(("status", "kind"), [(503, "unavailable"), (429, "rate_limited")])
async def test_retry_after_is_honoured_without_a_hot_loop(server: RunningServer, outbox: Outbox, status: int, kind: str) -> None:
    clock = Clock()
    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = once([Canned(status, {"error": kind, "detail": "busy"}, {"Retry-After": "30"})])
        outbox.add_many([decision(6)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
        s = sender(outbox, proxy.url, server, clock)
        report = await s.step()
        assert report.retried == 1 and report.next_in >= 30
        clock.now += 29
        for _ in range(5):  # stepping early sends nothing
            assert (await s.step()).sent == 0
        assert len([r for r in proxy.received if r.target.startswith("/v1/decisions")]) == 1
        clock.now += 1
        assert (await s.step()).sent == 1
        await s.backend.aclose()
    assert len(audit(server)) == 1


async def test_401_pauses_sending_and_says_so(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = once([Canned(401, {"error": "unauthorized", "detail": "token revoked"})])
        outbox.add_many([decision(7)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
        s = sender(outbox, proxy.url, server, clock)
        report = await s.step()
        assert report.paused and "token" in report.paused
        assert outbox.rows("ref", "mod-ana", [RowState.PENDING])[0].attempts == 0
        clock.now += 3600
        assert (await s.step()).paused  # still paused: no request made
        assert len(proxy.received) == 1
        s.resume()
        assert (await s.step()).sent == 1
        await s.backend.aclose()


async def test_a_conflict_names_who_decided_and_is_never_resubmitted(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    theirs = Decision.new("it-0000008", 1, Action.REMOVE, reason="spam").to_json()
    httpx.post(f"{server.url}/v1/decisions", headers=server.auth("ben"), json={"decisions": [theirs]}).raise_for_status()
    outbox.add_many([decision(8)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
    s = sender(outbox, server.url, server, clock)
    report = await s.step()
    assert report.conflicts == ["it-0000008: your approve was not applied — mod-ben already did: remove."]
    (row,) = outbox.rows("ref", "mod-ana", [RowState.CONFLICT])
    assert row.result is not None and row.result["decided_by"] == "mod-ben"
    clock.now += 10_000
    assert (await s.step()).conflicts == []
    assert [d["moderator"] for d in audit(server)] == ["mod-ben"]
    # The moderator's choice is recorded: re-decide (a new key) or drop.
    assert outbox.drop(row.key, "agree with ben")
    assert outbox.rows("ref", "mod-ana", [RowState.DROPPED])[0].note == "agree with ben"
    await s.backend.aclose()


async def test_invalid_and_forbidden_are_parked_for_attention(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    outbox.add_many([decision(9, Action.REMOVE, reason="no_such_reason"), decision(3, Action.REMOVE, reason="other")],
                    backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
    s = sender(outbox, server.url, server, clock)
    report = await s.step()
    assert report.attention == 2
    parked = outbox.rows("ref", "mod-ana", [RowState.NEEDS_ATTENTION])
    assert [r.result["error"] for r in parked if r.result] == ["unknown_reason", "escalation_required"]
    await s.backend.aclose()


async def test_a_422_for_the_batch_is_parked(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = once([Canned(422, {"error": "invalid", "detail": "decisions: bad"})])
        outbox.add_many([decision(10)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
        s = sender(outbox, proxy.url, server, clock)
        assert (await s.step()).attention == 1
        await s.backend.aclose()
    assert outbox.counts("ref", "mod-ana") == {"needs_attention": 1}


async def test_backend_down_for_hours_then_everything_lands_once(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    down = True

    def outage(got: Received) -> Canned | Mangle | None:
        return Canned(503, {"error": "unavailable", "detail": "maintenance"}) if down else None

    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = outage
        outbox.add_many([decision(n) for n in range(11, 21)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
        s = sender(outbox, proxy.url, server, clock)
        attempts = 0
        started = clock()
        while clock() - started < 4 * 3600:
            report = await s.step()
            if report.retried:
                attempts += 1
            assert report.sent == 0
            assert report.next_in <= 60.0 + 1e-6  # the backoff cap
            clock.now += max(report.next_in, 0.01)
        assert outbox.unsent("ref", "mod-ana") == 10  # nothing dropped
        assert attempts > 200  # it kept trying, at most a minute apart
        down = False
        clock.now += 61
        assert (await s.step()).sent == 10
        await s.backend.aclose()
    assert sorted(d["item_id"] for d in audit(server)) == [f"it-{n:07d}" for n in range(11, 21)]


async def test_held_rows_wait_for_the_undo_window(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    outbox.add_many([decision(21)], backend="ref", moderator="mod-ana", hold_seconds=8, now=clock())
    s = sender(outbox, server.url, server, clock)
    report = await s.step()
    assert report.sent == 0 and 7.9 <= report.next_in <= 8.0
    clock.now += 8
    assert (await s.step()).sent == 1
    await s.backend.aclose()



# -- run(): sleeping until something is due --------------------------------------------


async def test_run_sleeps_until_due_and_wakes_on_a_new_decision(server: RunningServer, outbox: Outbox) -> None:
    import asyncio

    clock = Clock()
    slept: list[float] = []
    stop = asyncio.Event()
    s: Sender

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:  # first sleep: the moderator decides; the sender is woken
            outbox.add_many([decision(22)], backend="ref", moderator="mod-ana", hold_seconds=8, now=clock())
            s.wake()
            await asyncio.Event().wait()  # the wake, not this sleep, ends the wait
        clock.now += seconds
        if len(slept) >= 3:
            stop.set()

    backend = TriageBackend(server.url, server.tokens["ana"])
    s = Sender(outbox, backend, backend_name="ref", moderator="mod-ana", clock=clock, sleep=fake_sleep)
    reports: list[Any] = []
    await asyncio.wait_for(s.run(stop, reports.append), 20)
    await backend.aclose()
    assert slept[0] == 30.0  # nothing due: idle
    assert 7.9 <= slept[1] <= 8.0  # woken: the new decision is held for its undo window
    assert [r.sent for r in reports] == [0, 0, 1]
    assert [d["item_id"] for d in audit(server)] == ["it-0000022"]


async def test_paused_or_leased_elsewhere_is_not_a_hot_loop(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = Canned(401, {"error": "unauthorized", "detail": "revoked"})
        outbox.add_many([decision(23)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
        s = sender(outbox, proxy.url, server, clock)
        assert (await s.step()).paused
        assert (await s.step()).next_in >= 30.0  # nothing will change until resume()
        await s.backend.aclose()
    other = Outbox(outbox.path)
    other.lease("ref", "mod-ana", owner="elsewhere", now=clock(), limit=10, lease_seconds=120)
    s2 = sender(outbox, server.url, server, clock)
    report = await s2.step()
    assert report.sent == 0 and report.next_in == 120.0  # the other instance's lease, not 0
    await s2.backend.aclose()


async def test_a_cancelled_send_gives_its_rows_back(server: RunningServer, outbox: Outbox) -> None:
    import asyncio

    clock = Clock()
    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = Canned(hang=True)
        outbox.add_many([decision(24)], backend="ref", moderator="mod-ana", hold_seconds=0, now=clock())
        s = sender(outbox, proxy.url, server, clock, timeout=30)
        task = asyncio.create_task(s.step())
        while not proxy.received:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await s.backend.aclose()
    s2 = sender(outbox, server.url, server, clock)  # the next start, straight away
    assert (await s2.step()).sent == 1
    await s2.backend.aclose()


# -- one bad row never holds up the others ------------------------------------------------------


def insert_raw(outbox: Outbox, d: Decision, **changes: Any) -> None:
    """A row as an older version (or a bug) could have left it: written straight into
    the database, past today's model."""
    payload = json.dumps(d.to_json() | changes)  # json's \\u escapes carry a lone surrogate
    outbox._db.execute(
        "INSERT INTO outbox (key, backend, moderator, item_id, payload, state, created_at, hold_until, next_attempt_at) "
        "VALUES (?, 'ref', 'mod-ana', ?, ?, 'pending', 1, 1, 1)", (d.id, d.item_id, payload))


async def test_a_poison_row_among_good_rows_is_parked_and_the_good_ones_are_sent(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    good = [decision(n) for n in range(1, 9)]
    poison = decision(9)
    outbox.add_many(good[:4], backend="ref", moderator="mod-ana", hold_seconds=0, now=1)
    insert_raw(outbox, poison, note="\udcff")  # what `batch --note $'\xff'` used to leave
    outbox.add_many(good[4:], backend="ref", moderator="mod-ana", hold_seconds=0, now=1)
    s = sender(outbox, server.url, server, clock)
    report = await s.step()
    assert (report.sent, report.attention) == (8, 1)
    assert sorted(d["id"] for d in audit(server)) == sorted(d.id for d in good)
    (parked,) = outbox.rows("ref", "mod-ana", [RowState.NEEDS_ATTENTION])
    assert parked.key == poison.id
    assert parked.last_error and "note: not valid text: character 1 is a lone surrogate U+DCFF (the byte 0xff" in parked.last_error
    assert outbox.unsent("ref", "mod-ana") == 0
    await s.backend.aclose()


class BuggyClient(TriageBackend):
    """The real client, with a bug that corrupts one decision on its way out: the real
    httpx then fails to encode the request. No real part fails locally on a decision the
    model accepted (that is the point of the gate), so this stands in for the next bug."""

    poison: set[str] = set()

    async def decide(self, decisions: Sequence[Decision]) -> Any:
        for d in decisions:
            if d.id in self.poison:
                object.__setattr__(d, "note", "\udcff")
        return await super().decide(decisions)


async def test_a_row_that_fails_locally_is_parked_alone_and_the_batch_goes_on(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    rows = [decision(n) for n in range(1, 41)]
    outbox.add_many(rows, backend="ref", moderator="mod-ana", hold_seconds=0, now=1)
    async with FaultProxy(server.url) as proxy:
        backend = BuggyClient(proxy.url, server.tokens["ana"])
        backend.poison = {rows[17].id, rows[30].id}
        s = Sender(outbox, backend, backend_name="ref", moderator="mod-ana", clock=clock, batch=50)
        report = await s.step()
        await backend.aclose()
    assert (report.sent, report.attention) == (38, 2)
    assert report.problem is not None and "UnicodeEncodeError" in report.problem
    assert len(proxy.received) <= 12  # halving: a few requests, not one per row
    parked = outbox.rows("ref", "mod-ana", [RowState.NEEDS_ATTENTION])
    assert [r.key for r in parked] == [rows[17].id, rows[30].id]
    assert all(r.last_error and "could not be sent from here: UnicodeEncodeError" in r.last_error for r in parked)
    assert len(audit(server)) == 38 and outbox.unsent("ref", "mod-ana") == 0


class LostAnswer(TriageBackend):
    """The real client whose answer is lost after the server applied the batch (a bug in
    reading it, say): the outcome is unknown to the sender, which is not the same as a
    request that could not be made."""

    broken = True

    async def decide(self, decisions: Sequence[Decision]) -> Any:
        results = await super().decide(decisions)
        if self.broken:
            raise RuntimeError("the answer was lost")
        return results


async def test_a_failure_after_the_request_went_out_is_retried_not_parked(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    rows = [decision(n) for n in range(1, 6)]
    outbox.add_many(rows, backend="ref", moderator="mod-ana", hold_seconds=0, now=1)
    backend = LostAnswer(server.url, server.tokens["ana"])
    s = Sender(outbox, backend, backend_name="ref", moderator="mod-ana", clock=clock, batch=50)
    report = await s.step()
    assert (report.sent, report.attention, report.retried) == (0, 0, 5)
    assert report.problem is not None and "outcome unknown" in report.problem
    assert len(audit(server)) == 5  # applied, though the sender could not know it
    assert outbox.rows("ref", "mod-ana", [RowState.NEEDS_ATTENTION]) == []
    backend.broken = False
    clock.now += 3600
    report = await s.step()
    assert report.sent == 5 and outbox.unsent("ref", "mod-ana") == 0
    assert len(audit(server)) == 5  # resent with the same keys: duplicate, not applied twice
    await backend.aclose()


async def test_a_batch_refused_as_a_whole_is_split_until_the_bad_row_is_found(server: RunningServer, outbox: Outbox) -> None:
    clock = Clock()
    rows = [decision(n) for n in range(1, 11)]
    outbox.add_many(rows, backend="ref", moderator="mod-ana", hold_seconds=0, now=1)

    def refuse_the_bad_one(got: Received) -> Canned | None:  # a backend that 422s a whole request for one decision
        return Canned(422, {"error": "invalid", "detail": "decisions[3]: bad"}) if rows[3].id.encode() in got.body else None

    async with FaultProxy(server.url) as proxy:
        proxy.faults["/v1/decisions"] = refuse_the_bad_one
        s = sender(outbox, proxy.url, server, clock)
        report = await s.step()
        await s.backend.aclose()
    assert (report.sent, report.attention) == (9, 1)
    assert [r.key for r in outbox.rows("ref", "mod-ana", [RowState.NEEDS_ATTENTION])] == [rows[3].id]
