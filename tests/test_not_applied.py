"""An item never leaves the moderator's queue for a decision that was not applied.

The screen hides an item the moment it is decided; when the decision comes back
refused, parked or in conflict after the undo window, the item is back in the queue at
its place, marked `✖`, with a notice saying why — unless someone else decided it. And
the outbox's `r` re-decides against the item as it is now. Through the real app with
Pilot, against the reference server (a policy refusal: an authority order from Russia
arrived after the queue line was loaded) and against a real Ozone (a removal scoped to
countries, which Ozone cannot do, left in the outbox by an earlier version or `batch`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from ozone_harness import REVIEW_CLOSED, REVIEW_OPEN, OzoneHarness, OzoneSubjects
from tests.conftest import RunningServer
from tests.test_ozone_backend import admin_backend, events_of, status_of
from tests.test_triage_screen import audit, loaded, make_app, put_cursor, until
from triage_tui.model import Action, Decision, Kind, Source, State, iso
from triage_tui.outbox import Outbox, Row, RowState
from triage_tui.ui.app import TriageApp
from triage_tui.ui.screens.dialogs import ConfirmDialog, EscalateDialog, ReasonPicker
from triage_tui.ui.screens.sync import SyncScreen
from triage_tui.ui.screens.triage import Settings, TriageScreen
from triage_tui.notice import short_id
from triage_tui.unapplied import MARK, Returns, notices, plan_redecide, too_late

SHORT = Settings(undo_seconds=1.0, claim_on_open=False)


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


def noticed(pilot: Pilot[Any], *parts: str) -> bool:
    return any(all(p in n.message for p in parts) for n in pilot.app._notifications)


def row_text(screen: TriageScreen, item_id: str) -> str:
    index = screen.queue.index_of(item_id)
    assert index is not None
    return screen.queue.render_line(index - screen.queue.scroll_offset.y).text


async def order_from_russia(server: RunningServer, item_id: str) -> None:
    """A Russian court order on the item arrives: the policy now wants legal review before
    removal. New reports change no version and no queue line already loaded."""
    now = iso(datetime.now(UTC))
    report = {"id": f"rp-ru-{item_id}", "source": "authority_order", "reason": "election_misinfo", "created_at": now,
              "country": "RU", "authority": "Roskomnadzor", "legal_basis": "149-FZ art. 15.3", "reference": "RKN-1",
              "deadline": iso(datetime.now(UTC) + timedelta(hours=1))}
    async with httpx.AsyncClient(base_url=server.url) as c:
        r = await c.post("/v1/items", headers=server.auth("root"),
                         json={"items": [{"id": item_id, "kind": "post", "text": "-", "reports": [report]}]})
    assert r.json()["updated"] == 1, r.text


def plain_post(screen: TriageScreen) -> Any:
    return next(i for i in screen.queue.items
                if i.sources == (Source.USER_REPORT,) and i.kind is Kind.POST and not screen._masked(i))


async def refused_removal(pilot: Pilot[Any], server: RunningServer) -> tuple[TriageScreen, str, int]:
    """Remove a post the server will refuse; wait for the refusal. (screen, item id, its row)"""
    screen = await loaded(pilot)
    item = plain_post(screen)
    place = screen.queue.index_of(item.id)
    assert place is not None
    await order_from_russia(server, item.id)
    await put_cursor(pilot, item.id)
    await pilot.press("r", "1")  # spam: the queue line knows of no order, so the app lets it go
    await until(pilot, lambda: screen.queue.index_of(item.id) is None)  # it left the list as the key was pressed
    await until(pilot, lambda: screen.outbox.counts(server.url, "mod-ana").get("needs_attention") == 1)
    return screen, item.id, place


# -- the reference server: a policy refusal -----------------------------------------------------------


async def test_a_refused_removal_puts_the_item_back_marked_and_drop_keeps_it(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, SHORT)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen, item_id, place = await refused_removal(pilot, server)
        await until(pilot, lambda: screen.queue.index_of(item_id) == place)  # back, where the order puts it
        assert screen.queue.unapplied(item_id)
        await put_cursor(pilot, item_id)
        assert MARK in row_text(screen, item_id)  # a symbol, not a colour only
        await until(pilot, lambda: noticed(pilot, item_id, "not applied", "need Legal review", "back in your queue"))
        assert [d for d in audit(server) if d["item_id"] == item_id] == []
        # d in the outbox records the choice; the item stays in the queue, no longer marked.
        await pilot.press("O")
        sync = pilot.app.screen
        assert isinstance(sync, SyncScreen) and [r.item_id for r in sync.rows] == [item_id]
        await pilot.press("d", "escape")
        assert screen.queue.index_of(item_id) == place and not screen.queue.unapplied(item_id)
        assert MARK not in row_text(screen, item_id)
        [dropped] = screen.outbox.rows(server.url, "mod-ana", [RowState.DROPPED])
        assert dropped.item_id == item_id and "dropped by mod-ana" in (dropped.note or "")


async def test_redeciding_a_refused_removal_works_from_the_item_as_it_is_now(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, SHORT)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen, item_id, _ = await refused_removal(pilot, server)
        await pilot.press("O", "r")
        # Fetched now, the item carries the Russian order: the removal is refused before
        # anything is sent, and the escalation it needs is offered instead.
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
        assert "RU" in pilot.app.screen.question and "legal" in pilot.app.screen.question.lower()
        await pilot.press("y")
        dialog = pilot.app.screen
        assert isinstance(dialog, EscalateDialog) and dialog.preselect == "legal"
        await pilot.press(*"RU order", "enter")
        await until(pilot, lambda: any(d["item_id"] == item_id for d in audit(server)))
        [decided] = [d for d in audit(server) if d["item_id"] == item_id]
        assert (decided["action"], decided["escalate_to"], decided["moderator"]) == ("escalate", "legal", "mod-ana")
        [old] = screen.outbox.rows(server.url, "mod-ana", [RowState.DROPPED])
        assert old.item_id == item_id and old.note == f"re-decided as {decided['id']}"
        await until(pilot, lambda: not screen.outbox.unsent(server.url, "mod-ana"))
        assert screen.queue.index_of(item_id) is None and not screen.queue.unapplied(item_id)


async def test_deciding_a_returned_item_again_from_the_queue_supersedes_the_refusal(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, SHORT)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen, item_id, _ = await refused_removal(pilot, server)
        await until(pilot, lambda: screen.queue.index_of(item_id) is not None)
        await put_cursor(pilot, item_id)
        await pilot.press("a")  # the moderator looked again and approves instead
        assert screen.queue.index_of(item_id) is None
        await until(pilot, lambda: any(d["item_id"] == item_id for d in audit(server)))
        [old] = screen.outbox.rows(server.url, "mod-ana", [RowState.DROPPED])
        assert old.item_id == item_id and (old.note or "").startswith("re-decided as ")
        assert screen.outbox.rows(server.url, "mod-ana", [RowState.NEEDS_ATTENTION, RowState.CONFLICT]) == []


# -- the rules, without a screen --------------------------------------------------------------------------


def row(key: str, item_id: str, state: RowState, result: dict[str, Any] | None, error: str | None) -> Row:
    return Row(key, item_id, state, Decision.new(item_id, 1, Action.APPROVE), 1, error, 0.0, result, None)


def test_returns_announces_each_row_once_and_keeps_out_what_someone_else_decided() -> None:
    refused = row("k1", "it-1", RowState.NEEDS_ATTENTION, {"result": "forbidden", "error": "escalation_required"}, "need legal")
    claimed = row("k2", "it-2", RowState.CONFLICT, {"result": "conflict", "error": "claimed", "version": 4}, "it-2: … holds a claim")
    taken = row("k3", "it-3", RowState.CONFLICT, {"result": "conflict", "error": "decided", "decided_by": "mod-ben", "action": "remove"}, "it-3: … already did: remove.")
    again = row("k4", "it-4", RowState.NEEDS_ATTENTION, {"result": "invalid"}, "bad")
    returns = Returns()
    first = returns.check([refused, claimed, taken, again], unsent={"it-4"})  # it-4 was decided again since
    assert [(r.item_id, r.back, r.version) for r in first] == [("it-1", True, None), ("it-2", True, 4), ("it-3", False, None), ("it-4", False, None)]
    assert "need legal" in first[0].notice and "back in your queue" in first[0].notice
    assert "already did: remove" in first[2].notice and "left your queue" in first[2].notice
    assert returns.marked({"it-4"}) == {"it-1", "it-2"}
    assert returns.check([refused, claimed, taken, again], unsent=set()) == []  # once each
    assert returns.keys_for({"it-1", "it-9"}) == [("k1", "it-1")]
    assert returns.check([claimed], unsent=set()) == [] and returns.marked(set()) == {"it-2"}  # k1 was dropped
    assert len(notices(first)) == 1 and "4 decisions of yours not applied; 2 items back" in notices(first)[0]


def test_a_conflict_brings_the_item_back_unless_its_state_says_someone_decided_it() -> None:
    moved = row("k1", "it-1", RowState.CONFLICT, {"result": "conflict", "error": "version", "state": "open", "version": 7}, "it-1: changed since")
    closed = row("k2", "it-2", RowState.CONFLICT, {"result": "conflict", "error": "decided", "state": "closed", "decided_by": "mod-ben", "action": "remove"}, "x")
    escalated = row("k3", "it-3", RowState.CONFLICT, {"result": "conflict", "error": "decided", "state": "escalated", "action": "escalate"}, "x")
    back = {r.item_id: r.back for r in Returns().check([moved, closed, escalated], unsent=set())}
    assert back == {"it-1": True, "it-2": False, "it-3": False}


def test_undo_past_the_window_says_what_became_of_each_decision(tmp_path: Path) -> None:
    """Not "will be sent" for a decision the backend already answered."""
    outbox = Outbox(tmp_path / "o.db")
    ds = [Decision.new(f"it-{n}", 1, Action.REMOVE, reason="spam") for n in range(4)]
    outbox.add_many(ds, backend="http://127.0.0.1:1", moderator="mod-ana", hold_seconds=0, now=1)
    outbox.finish([(ds[0].id, RowState.SENT, {"result": "applied"}, None),
                   (ds[1].id, RowState.NEEDS_ATTENTION, {"result": "forbidden"}, "need legal"),
                   (ds[2].id, RowState.SENT, {"result": "applied"}, None)])
    said = too_late(1, outbox.rows_by_key([d.id for d in ds]))
    assert said == "Undid 1; 4 decisions had left the undo window: 2 applied, 1 not applied (O lists it), 1 on its way."
    assert "will be sent" not in said
    outbox.close()


# -- a real Ozone ------------------------------------------------------------------------------------------


def ozone_app(ozone: OzoneHarness, outbox: Outbox) -> TriageApp:
    return TriageApp(admin_backend(ozone), outbox, backend_name=ozone.ozone_url, settings=SHORT)


async def ozone_screen(pilot: Pilot[Any]) -> TriageScreen:
    await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack), timeout=30)
    screen = next(s for s in pilot.app.screen_stack if isinstance(s, TriageScreen))
    await until(pilot, lambda: screen.session.opened and screen.policy is not None, timeout=30)
    return screen


async def test_on_ozone_refused_decisions_come_back_and_are_dropped_or_redecided(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    """Removals scoped to Germany (which Ozone cannot do) left in the outbox by an earlier
    version, and an approve of an account someone took down meanwhile."""
    drop, redo = ozone_subjects.posts
    account = ozone_subjects.accounts[0]
    async with admin_backend(ozone) as other:
        me = (await other.me()).id
        [down] = await other.decide([Decision.new(account.key, 0, Action.REMOVE, reason="spam")])
        assert down.outcome.value == "applied"
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.add_many([Decision.new(drop.key, 0, Action.REMOVE, reason="spam", scope=("DE",)),
                     Decision.new(redo.key, 0, Action.REMOVE, reason="spam", scope=("DE",)),
                     Decision.new(account.key, 0, Action.APPROVE)],
                    backend=ozone.ozone_url, moderator=me, hold_seconds=0, now=time.time() - 1)
    app = ozone_app(ozone, outbox)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        screen = await ozone_screen(pilot)
        await until(pilot, lambda: all(screen.queue.unapplied(s.key) and screen.queue.index_of(s.key) is not None
                                       for s in (drop, redo)), timeout=30)
        assert screen.queue.index_of(account.key) is None  # taken down by someone else: it left the queue for that
        await until(pilot, lambda: noticed(pilot, short_id(drop.key), "Ozone cannot withhold in some countries only", "back in your queue"))
        assert noticed(pilot, short_id(account.key), "not applied", "left your queue")
        assert not any(s.key in n.message for n in pilot.app._notifications for s in (drop, redo, account))  # no whole at:// URI
        assert status_of(ozone, drop)["reviewState"] == REVIEW_OPEN and not status_of(ozone, drop).get("takendown")
        await pilot.press("O")
        sync = pilot.app.screen
        assert isinstance(sync, SyncScreen)
        keys = [r.item_id for r in sync.rows]
        assert sorted(keys) == sorted([drop.key, redo.key, account.key])
        sync.query_one("#sync-rows").highlighted = keys.index(account.key)
        await pilot.press("r")  # closed by someone else: who and what, and nothing re-decided
        await until(pilot, lambda: "is closed:" in str(sync.query_one("#sync-message").render()) and "removed it" in str(sync.query_one("#sync-message").render()))
        sync.query_one("#sync-rows").highlighted = keys.index(drop.key)
        await pilot.press("d")
        assert "Dropped" in str(sync.query_one("#sync-message").render())
        sync.query_one("#sync-rows").highlighted = [r.item_id for r in sync.rows].index(redo.key)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReasonPicker), timeout=30)
        assert not pilot.app.screen.query("#scope")
        await pilot.press("1")
        await until(pilot, lambda: status_of(ozone, redo)["takendown"] is True, timeout=30)
        # The dropped one is still in the queue, unmarked, and still open in Ozone.
        assert screen.queue.index_of(drop.key) is not None and not screen.queue.unapplied(drop.key)
        assert screen.queue.index_of(redo.key) is None
    status = status_of(ozone, drop)
    assert status["reviewState"] == REVIEW_OPEN and not status.get("takendown")
    assert events_of(ozone, drop, "modEventTakedown") == []
    notes = {r.item_id: r.note for r in outbox.rows(ozone.ozone_url, me, [RowState.DROPPED])}
    assert "dropped by" in (notes[drop.key] or "") and (notes[redo.key] or "").startswith("re-decided as ")
    assert {r.item_id for r in outbox.rows(ozone.ozone_url, me, [RowState.CONFLICT])} == {account.key}


def test_plan_redecide_says_who_closed_the_item() -> None:
    from triage_tui.model import HistoryEntry, Item
    from triage_tui.sanitize import Sanitized

    when = datetime(2026, 1, 1, tzinfo=UTC)
    closed = Item("it-1", Kind.POST, State.CLOSED, 3, Sanitized("t"), None, None, None, (), None, None, (), 0, None, None, None, None,
                  (HistoryEntry("k", Action.REMOVE, "mod-ben", "spam", None, None, when),))
    conflict = row("k1", "it-1", RowState.CONFLICT, {"result": "conflict", "error": "decided"}, "x")
    assert plan_redecide(conflict, closed, None) == "it-1 is closed: mod-ben removed it (spam). There is nothing to re-decide; d drops your approve (recorded)."
    still = Item("it-1", Kind.POST, State.OPEN, 4, Sanitized("t"), None, None, None, (), None, None, (), 0, None, None, None, None, ())
    plan = plan_redecide(conflict, still, None)
    assert not isinstance(plan, str) and plan.summary.version == 4 and plan.action is Action.APPROVE
