"""What the dialogs say, against the real reference server through Pilot.

- The remove dialog preselects the reason the reports give (for one item, or the reason
  tagged items share), and nothing otherwise: enter with nothing chosen decides nothing.
  The line above its keys says what enter will decide, reason and scope.
- The quit dialog says what is true of this session's outbox: kept, or the demo's,
  deleted on quit.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tests.conftest import RunningServer
from tests.test_triage_screen import applied, fixed_app, fixed_server, loaded, make_app, put_cursor, screen_of, settle, until  # noqa: F401 (a fixture)
from triage_tui.backends.triage import TriageBackend
from triage_tui.model import ItemSummary, Kind, Policy
from triage_tui.outbox import Outbox
from triage_tui.server.policy import DEFAULT_POLICY_JSON
from triage_tui.ui.screens.dialogs import ConfirmDialog, ReasonPicker, unsent_fate
from triage_tui.ui.app import TriageApp
from triage_tui.ui.screens.triage import Settings
from triage_tui.workflow import reasons_for, reported_reason

HARASSMENT = ("it-0000049", "it-0000030")  # demo items whose reports say harassment
SPAM = "it-0000135"  # and one whose reports say spam


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


def verdict(picker: ReasonPicker) -> str:
    return str(picker.query_one("#verdict", Static).render())


async def tag(pilot: Pilot[Any], *item_ids: str) -> None:
    screen = screen_of(pilot)
    for item_id in item_ids:
        await put_cursor(pilot, item_id)
        await pilot.press("space")
    assert screen.queue.tagged == set(item_ids)


# -- item 3: the remove dialog preselects the reported reason, or nothing ------------------------------


async def test_the_remove_dialog_preselects_the_reported_reason_and_says_what_enter_decides(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        item = screen._known(HARASSMENT[0])
        assert item.reason == "harassment"
        await put_cursor(pilot, item.id)
        await pilot.press("r")
        picker = pilot.app.screen
        assert isinstance(picker, ReasonPicker) and picker.preselect == "harassment"
        options = picker.query_one("#reasons", OptionList)
        assert options.highlighted_option is not None and options.highlighted_option.id == "harassment"
        assert verdict(picker) == "enter: remove this item for Harassment, everywhere (global)"
        await pilot.press("tab", *["backspace"] * 6, *"DE AT")
        assert verdict(picker) == "enter: remove this item for Harassment, withheld only in DE, AT"
        await pilot.press("enter")
        log = await applied(pilot, server, 1)
        assert [(d["item_id"], d["reason"], d["scope"]) for d in log] == [(item.id, "harassment", ["DE", "AT"])]


async def test_tagged_items_sharing_a_reason_get_it_preselected(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await tag(pilot, *HARASSMENT)
        await pilot.press("r")
        picker = pilot.app.screen
        assert isinstance(picker, ReasonPicker) and picker.preselect == "harassment"
        assert verdict(picker) == "enter: remove 2 items for Harassment, everywhere (global)"
        await pilot.press("enter")
        log = await applied(pilot, server, 2)
        assert sorted((d["item_id"], d["reason"]) for d in log) == sorted((i, "harassment") for i in HARASSMENT)


async def test_without_a_shared_reason_nothing_is_preselected_and_enter_decides_nothing(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        await tag(pilot, SPAM, HARASSMENT[0])
        await pilot.press("r")
        picker = pilot.app.screen
        assert isinstance(picker, ReasonPicker) and picker.preselect is None
        assert picker.query_one("#reasons", OptionList).highlighted is None
        assert verdict(picker).startswith("enter: nothing chosen yet")
        await pilot.press("enter")
        assert pilot.app.screen is picker  # still open: enter chose nothing
        assert "pick a reason first" in str(picker.query_one("#scope-error", Static).render())
        assert screen.outbox.counts(server.url, "mod-ana") == {}
        await pilot.press("down")  # the moderator picks: the first reason, and the line says so
        assert verdict(picker) == "enter: remove 2 items for Spam, everywhere (global)"
        await pilot.press("enter")
        log = await applied(pilot, server, 2)
        assert sorted((d["item_id"], d["reason"]) for d in log) == sorted([(SPAM, "spam"), (HARASSMENT[0], "spam")])


def _summary(item_id: str, kind: Kind, reason: str | None) -> ItemSummary:
    raw = {"id": item_id, "kind": kind.value, "state": "open", "version": 1, "priority": 1, "deadline": None, "sources": ["user_report"],
           "countries": [], "reason": reason, "report_count": 1, "snippet": "x", "first_reported_at": "2026-11-28T20:00:00Z"}
    return ItemSummary.from_json(raw)


def test_reported_reason_is_preselected_only_where_the_policy_has_it_for_the_kind() -> None:
    doc = copy.deepcopy(DEFAULT_POLICY_JSON)
    for reason in doc["reasons"]:
        if reason["code"] == "harassment":
            reason["applies_to"] = ["post"]  # harassment is not a reason for removing a channel here
    policy = Policy.from_json(doc)
    post, channel = _summary("it-1", Kind.POST, "harassment"), _summary("it-2", Kind.CHANNEL, "harassment")
    assert reported_reason(reasons_for(policy, [post]), [post]) == "harassment"
    assert reported_reason(reasons_for(policy, [channel]), [channel]) is None
    assert reported_reason(reasons_for(policy, [post, channel]), [post, channel]) is None
    assert reported_reason(reasons_for(policy, [post]), [post, _summary("it-3", Kind.POST, "spam")]) is None
    assert reported_reason(reasons_for(policy, [post]), [_summary("it-4", Kind.POST, None)]) is None
    assert reported_reason(reasons_for(policy, [post]), [_summary("it-5", Kind.POST, "not_in_policy")]) is None


def test_snapshot_reason_picker_with_the_reported_reason(snap_compare: Any, fixed_server: RunningServer, outbox_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await put_cursor(pilot, HARASSMENT[0])
        await pilot.press("r")
        await pilot.pause(0.2)

    assert snap_compare(fixed_app(fixed_server, outbox_path), terminal_size=(80, 24), run_before=before)


def test_snapshot_reason_picker_with_nothing_preselected(snap_compare: Any, fixed_server: RunningServer, outbox_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await tag(pilot, SPAM, HARASSMENT[0])
        await pilot.press("r")
        await pilot.pause(0.1)
        await pilot.press("enter")  # says to pick first, and decides nothing
        await pilot.pause(0.2)

    assert snap_compare(fixed_app(fixed_server, outbox_path), terminal_size=(80, 24), run_before=before)


# -- item 4: the quit dialog says what is true of this session's outbox ---------------------------------


async def test_the_quit_dialog_says_what_becomes_of_unsent_decisions_in_this_session(server: RunningServer, tmp_path: Path) -> None:
    for temporary in (False, True):
        outbox = Outbox(tmp_path / f"outbox-{temporary}.db", temporary=temporary)  # as its maker says (the demo: temporary)
        app = TriageApp(TriageBackend(server.url, server.tokens["ana"]), outbox, backend_name=server.url, settings=Settings(undo_seconds=60))
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            await pilot.press("a", "q")
            await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
            dialog = pilot.app.screen
            assert isinstance(dialog, ConfirmDialog)
            if temporary:
                assert "will never be sent" in dialog.detail and "deleted on quit" in dialog.detail
                assert "sent first" not in dialog.detail
            else:
                assert "sent first when triage-tui next opens this backend" in dialog.detail and str(outbox.path) in dialog.detail
            await pilot.press("n")
    assert unsent_fate(Outbox(tmp_path / "x.db", temporary=True), 1).startswith("It will never be sent")


def test_the_demo_tells_the_app_its_outbox_is_temporary(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the demo hands the app, taken where it starts the screen (no terminal to run it in)."""
    from triage_tui.demo import run_demo

    given: list[bool] = []
    monkeypatch.setattr(TriageApp, "run", lambda self, *a, **k: given.append(self.outbox.temporary))
    assert run_demo(20) == 0
    assert given == [True]
