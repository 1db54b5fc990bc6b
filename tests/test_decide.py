"""Decide and undo over the outbox (`triage_tui.queue.decide.Decider`), without a screen,
against a real SQLite outbox: what is on disk after each step, what leaves and returns to
the queue, and the words of every notice the screen will show."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triage_tui.model import Action, ItemSummary, Kind, Source, State
from triage_tui.notice import fit, short_id
from triage_tui.outbox import Outbox, RowState
from triage_tui.queue.decide import Decided, Decider, Notice
from triage_tui.sanitize import Sanitized
from triage_tui.unapplied import superseded_note, too_late
from triage_tui.workflow import DecidedElsewhere, FeedEffect

B, M = "http://127.0.0.1:9", "mod-ana"
START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


class Clock:
    """The decider's clock, moved by the test: the undo window is 8 s of it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def summary(n: int, version: int = 1) -> ItemSummary:
    return ItemSummary(id=f"it-{n:07d}", kind=Kind.POST, state=State.OPEN, version=version, priority=1, deadline=None,
                       sources=(Source.USER_REPORT,), countries=("DE",), reason="spam", report_count=1,
                       snippet=Sanitized("buy now"), first_reported_at=START, escalated_to=None, campaign=None)


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.db")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def decider(outbox: Outbox, clock: Clock) -> Decider[object]:
    return Decider(outbox, backend=B, undo_seconds=8.0, clock=clock, moderator=M)


def states(outbox: Outbox) -> dict[str, RowState]:
    return {row.item_id: row.state for row in outbox.rows(B, M, RowState)}


def decided(result: Decided[object] | Notice) -> Decided[object]:
    assert isinstance(result, Decided), result
    return result


def conflict(outbox: Outbox, key: str, **result: object) -> None:
    """The sender's way to a conflict: the hold ends, the row is leased, the backend answers."""
    outbox.release_held(1e12)
    outbox.lease(B, M, owner="me", now=1e12, limit=100, lease_seconds=60)
    outbox.finish([(key, RowState.CONFLICT, dict(result), None)], owner="me")


def test_a_decision_is_held_on_disk_before_it_returns(decider: Decider[object], outbox: Outbox, tmp_path: Path) -> None:
    a, b = summary(1), summary(2)
    result = decided(decider.decide([a, b], Action.REMOVE, reason="spam"))
    again = Outbox(tmp_path / "outbox.db")  # another connection: what is on disk
    assert states(again) == {a.id: RowState.HELD, b.id: RowState.HELD}
    assert result.ids == {a.id, b.id} and decider.gone == {a.id, b.id} and set(decider.hidden) == {a.id, b.id}
    assert result.label == "removed spam"
    assert result.toast == Notice("Removed 2 items. u undoes for 8 s.", timeout=8.0)
    one = decided(decider.decide([summary(3)], Action.ESCALATE, escalate_to="legal", note="court"))
    assert one.label == "escalated legal" and one.toast.text == "Escalated it-0000003. u undoes for 8 s."


def test_a_decision_the_model_refuses_records_nothing(decider: Decider[object], outbox: Outbox) -> None:
    result = decider.decide([summary(1)], Action.APPROVE, escalate_to="legal")  # only an escalation has a target
    assert result == Notice("Not recorded, nothing was decided: escalate_to: only an escalation has a target.", title="Decision",
                            severity="error", timeout=20)
    assert states(outbox) == {} and decider.gone == set() and decider.undo().entry is None


def test_undo_within_the_window_takes_the_rows_back(decider: Decider[object], outbox: Outbox, clock: Clock) -> None:
    a, b = summary(1), summary(2)
    decided(decider.decide([a, b], Action.APPROVE))
    clock.tick(7.9)
    undone = decider.undo()
    assert undone.entry is not None and undone.entry.keys == [row.key for row in outbox.rows(B, M, RowState)]
    assert undone.back == [a, b] and undone.unmark == []
    assert undone.notices == [Notice("Undone: approve of 2 items.")]
    assert states(outbox) == {a.id: RowState.UNDONE, b.id: RowState.UNDONE}
    assert decider.gone == set()  # a page may list them again
    assert decider.undo().notices == [Notice("Nothing to undo.")]


def test_undo_after_the_window_says_what_became_of_each(decider: Decider[object], outbox: Outbox, clock: Clock) -> None:
    a = summary(1)
    entry = decided(decider.decide([a], Action.REMOVE, reason="spam")).entry
    clock.tick(8.0)
    undone = decider.undo()
    assert undone.back == [] and states(outbox) == {a.id: RowState.HELD}  # the sender releases it, not u
    rows = outbox.rows_by_key(entry.keys)
    assert undone.notices == [Notice(too_late(0, rows), severity="warning")]
    assert undone.notices[0].text == "Undid 0; 1 decision had left the undo window: 1 on its way."
    assert a.id in decider.gone


def test_undo_of_an_item_decided_elsewhere_meanwhile_leaves_it_out(decider: Decider[object], outbox: Outbox) -> None:
    a, b = summary(1), summary(2)
    decided(decider.decide([a, b], Action.APPROVE))
    leaving = decider.left(FeedEffect(removed={a.id}, elsewhere=[DecidedElsewhere(a.id, "mod-ben", "remove")]))
    assert leaving == {a.id} and decider.elsewhere == {a.id}
    undone = decider.undo()
    assert undone.back == [b]  # a stays out: mod-ben's decision took it
    assert undone.notices == [Notice(fit(f"Undone, but someone else decided {short_id(a.id)} meanwhile."), severity="warning"),
                              Notice("Undone: approve of it-0000002.")]
    assert a.id in decider.gone and b.id not in decider.gone


def test_a_not_applied_decision_comes_back_and_a_re_decision_replaces_it(decider: Decider[object], outbox: Outbox) -> None:
    a = summary(1)
    first = decided(decider.decide([a], Action.REMOVE, reason="spam")).entry.keys[0]
    conflict(outbox, first, error="version_conflict", state="open", version=3)
    taken = decider.take_back(lambda item_id: None)
    assert taken.returned and taken.back == [summary(1, version=3)] and taken.marked == {a.id}
    assert [n.title for n in taken.notices] == ["Not applied"] and "back in your queue" in taken.notices[0].text
    assert decider.take_back(lambda item_id: None) == type(taken)(marked={a.id})  # announced once

    second = decided(decider.decide(taken.back, Action.APPROVE)).entry.keys[0]
    rows = {row.key: row for row in outbox.rows(B, M, RowState)}
    assert rows[first].state is RowState.DROPPED and rows[first].note == superseded_note(second)
    assert rows[second].state is RowState.HELD
    assert decider.take_back(lambda item_id: None).marked == set()  # decided again: the mark goes


def test_a_re_decision_and_its_replacement_are_one_transaction(decider: Decider[object], outbox: Outbox) -> None:
    """SQLite refuses the drop of the old row (a real trigger, as a full disk would refuse
    it): the new decision is not on disk either, and nothing changed for the screen."""
    a = summary(1)
    first = decided(decider.decide([a], Action.REMOVE, reason="spam")).entry.keys[0]
    conflict(outbox, first, error="version_conflict", state="open", version=3)
    back = decider.take_back(lambda item_id: None).back
    other = sqlite3.connect(outbox.path)
    other.execute("CREATE TRIGGER no_drop BEFORE UPDATE ON outbox WHEN NEW.state = 'dropped' "
                  "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    other.close()
    gone = set(decider.gone)
    refused = decider.decide(back, Action.APPROVE)
    assert isinstance(refused, Notice) and refused.title == "Outbox" and "disk full" in refused.text
    assert [(row.key, row.state) for row in outbox.rows(B, M, RowState)] == [(first, RowState.CONFLICT)]
    assert decider.gone == gone and a.id not in decider.hidden


def test_an_item_someone_else_decided_does_not_come_back(decider: Decider[object], outbox: Outbox) -> None:
    a = summary(1)
    key = decided(decider.decide([a], Action.REMOVE, reason="spam")).entry.keys[0]
    conflict(outbox, key, error="already_decided", state="closed", decided_by="mod-ben", action="approve")
    taken = decider.take_back(lambda item_id: None)
    assert taken.returned and taken.back == [] and taken.marked == set()
    assert "It left your queue" in taken.notices[0].text and a.id not in decider.hidden


def test_a_page_skips_what_is_decided_and_keeps_it_aside(decider: Decider[object], outbox: Outbox, clock: Clock) -> None:
    a, b, c = summary(1), summary(2), summary(3)
    decided(decider.decide([a], Action.APPROVE))
    decider.left(FeedEffect(removed={b.id}, elsewhere=[DecidedElsewhere(b.id, "mod-ben", "approve")]))
    later = Decider(outbox, backend=B, undo_seconds=8.0, clock=clock, moderator=M)  # a new session, same outbox
    assert later.undecided([a, b, c]) == [b, c] and later.hidden == {a.id: a}
    assert decider.undecided([a, b, c]) == [c]


def test_the_item_kept_on_screen_leaves_only_for_someone_else(decider: Decider[object]) -> None:
    a = summary(1)
    decided(decider.decide([a], Action.APPROVE))
    decider.stayed = a.id  # auto-advance off: the screen keeps it, marked
    assert decider.left(FeedEffect(removed={a.id})) == set()  # our own decision, echoed by the feed
    assert decider.left(FeedEffect(removed={a.id}, elsewhere=[DecidedElsewhere(a.id, None, "left")])) == {a.id}
    decider.elsewhere.clear()
    undone = decider.undo()
    assert undone.back == [a] and undone.unmark == [a.id] and decider.stayed is None
