"""Races and restarts a moderator meets: keys typed ahead, decisions from an earlier session,
items arriving twice, undo after someone else decided, quitting from a dialog, a failing outbox.
(Found in review; each reproduced against the real server first.)"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual import events

from tests.conftest import RunningServer
from tests.test_triage_screen import applied, audit, loaded, make_app, put_cursor, until, screen_of
from triage_tui.backends.triage import TriageBackend
from triage_tui.model import Action, Decision, now as utc_now
from triage_tui.outbox import Outbox
from triage_tui.ui.app import TriageApp
from triage_tui.queue import session as session_mod
from triage_tui.ui.screens.dialogs import ConfirmDialog
from triage_tui.ui.screens.triage import Settings, TriageScreen


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


# 1. A decision from the previous session that is still in the outbox (held / pending)
#    comes back as an undecided row after a restart.
async def test_an_unsent_decision_from_an_earlier_session_stays_decided(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=60))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        first = screen.queue.items[0].id
        await pilot.press("a", "q", "y")
        await until(pilot, lambda: not pilot.app.is_running)
    assert Outbox(outbox_path).unsent(server.url, "mod-ana") == 1
    app = make_app(server, outbox_path, Settings(undo_seconds=60))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        assert screen.queue.index_of(first) is None, f"{first} was approved (still in the outbox) but is back in the queue at row {screen.queue.index_of(first)}"


class GatedBackend(TriageBackend):
    """Holds every page after the first until `gate` is set."""
    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.gate = asyncio.Event()

    async def queue(self, query, *, cursor=None, limit=200, offset=None):  # type: ignore[override]
        if cursor is not None or offset:
            await self.gate.wait()
        return await super().queue(query, cursor=cursor, limit=limit, offset=offset)


NEW_ITEM = {"id": "it-fresh-1", "kind": "post", "text": "a brand new reported post", "title": None, "language": "en",
            "created_at": None, "media": [], "author": None, "member_count": None,
            "reports": [{"id": "rp-fresh-1", "source": "user_report", "reason": "spam", "created_at": None, "reporter": "acct-1"}]}


# 2. A new item that arrives on the change feed while pages are still loading is also in a
#    later page: with the default sort and no filter the page is appended without a dedupe.
async def test_an_item_from_the_feed_and_a_later_page_is_listed_once(server: RunningServer, outbox_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_mod, "PAGE", 50)
    backend = GatedBackend(server.url, server.tokens["ana"])
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=Settings(undo_seconds=8, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
        screen = screen_of(pilot)
        await until(pilot, lambda: len(screen.queue.loaded) == 50)
        await pilot.pause(0.3)  # the feed long-poll is waiting
        iso = utc_now().isoformat()
        item = {**NEW_ITEM, "created_at": iso, "reports": [{**NEW_ITEM["reports"][0], "created_at": iso}]}
        async with httpx.AsyncClient(base_url=server.url) as c:
            r = await c.post("/v1/items", json={"items": [item]}, headers=server.auth("root"))
            assert r.json()["created"] == 1
        await until(pilot, lambda: "it-fresh-1" in screen.session.new)  # counted, not moved in under the cursor
        before = len(screen.queue.items)
        await pilot.press("R")
        backend.gate.set()
        await until(pilot, lambda: not screen.session.new and len(screen.queue.items) == before + 1)
        seen: list[str] = []
        while screen.queue.index_of("it-fresh-1") is None or screen.queue.cursor_index < screen.queue.index_of("it-fresh-1"):  # type: ignore[operator]
            assert screen.queue.cursor_index is not None and screen.queue.cursor_index < len(screen.queue.items) - 1, "it never came"
            await pilot.press("pagedown")
            await until(pilot, lambda: screen.queue.cursor_item is not None)
            ids = [i.id for i in screen.queue.loaded]
            assert len(ids) == len(set(ids)), "a row listed twice"
            seen += ids
        await put_cursor(pilot, "it-fresh-1")
        await pilot.press("a")
        await pilot.pause(0.2)
        assert screen.queue.index_of("it-fresh-1") is None, "still listed after approving it"


# 3. Undo puts back an item that someone else decided during the undo window.
async def test_undo_does_not_bring_back_an_item_decided_elsewhere(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=30, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        first = screen.queue.items[0]
        await pilot.press("a")
        d = Decision.new(first.id, first.version, Action.REMOVE, reason="spam").to_json()
        async with httpx.AsyncClient(base_url=server.url) as other:
            r = await other.post("/v1/decisions", headers=server.auth("ben"), json={"decisions": [d]})
        assert r.json()["results"][0]["result"] == "applied"
        await pilot.pause(1.0)  # the feed delivers ben's decision
        await pilot.press("u")
        assert screen.queue.index_of(first.id) is None, f"{first.id} (removed by ben) is back in ana's open queue after undo"


# 4. Several keys arriving in one read (slow SSH link / typeahead): exclusive action workers
#    cancel each other, so key presses are silently lost.
async def test_typeahead_decisions_are_not_lost(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=30, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        for _ in range(3):
            pilot.app.post_message(events.Key("a", "a"))
        await pilot.pause(0.5)
        counts = screen.outbox.counts(server.url, "mod-ana")
        assert counts.get("held", 0) == 3, f"3 approve keys, {counts.get('held', 0)} decisions"


# 5. Escalated queue: the feed adds items escalated to teams the moderator is not in
#    (and items the moderator just escalated away come back).
async def test_escalated_queue_only_shows_my_teams(server: RunningServer, outbox_path: Path) -> None:
    from triage_tui.model import State
    backend = TriageBackend(server.url, server.tokens["lea"])  # legal only
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, queue=State.ESCALATED,
                    settings=Settings(undo_seconds=0.2, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
        screen = screen_of(pilot)
        await until(pilot, lambda: screen.session.opened and screen.policy is not None)
        before = {i.id for i in screen.queue.items}
        await pilot.pause(0.3)
        async with httpx.AsyncClient(base_url=server.url) as c:
            page = (await c.get("/v1/queue", params={"queue": "open", "limit": 5}, headers=server.auth("ben"))).json()
            victim = next(i for i in page["items"] if "authority_order" not in i["sources"])
            d = Decision.new(victim["id"], victim["version"], Action.ESCALATE, escalate_to="child_safety").to_json()
            r = await c.post("/v1/decisions", headers=server.auth("ben"), json={"decisions": [d]})
            assert r.json()["results"][0]["result"] == "applied", r.json()
            lea_view = (await c.get("/v1/queue", params={"queue": "escalated", "limit": 1000}, headers=server.auth("lea"))).json()
        assert victim["id"] not in {i["id"] for i in lea_view["items"]}  # the server hides it from legal
        await pilot.pause(1.0)
        assert screen.queue.index_of(victim["id"]) is None, f"{victim['id']} escalated to child_safety now shows in legal's escalated queue (server hides it; {len(before)} before)"


class SlowBackend(TriageBackend):
    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.gate = asyncio.Event()

    async def policy(self):  # type: ignore[override]
        await self.gate.wait()
        return await super().policy()


async def test_keys_and_quit_before_policy(server: RunningServer, outbox_path: Path) -> None:
    backend = SlowBackend(server.url, server.tokens["ana"])
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=Settings(undo_seconds=0.2))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("a", "r", "e", "u", "c", "O", "escape", "S", "escape", "v", "space", "s", "T", "enter", "slash", *"reports>=3", "enter", "escape", "question_mark", "escape", "j", "G", "g")
        await pilot.pause(0.3)
        assert pilot.app.is_running
        await pilot.press("q")
        await until(pilot, lambda: not pilot.app.is_running)
    assert app.return_code in (0, None), app.return_code


async def test_zero_match_filter_then_actions(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash", *"reports>=99999", "enter")
        assert screen.queue.item_count == 0
        await pilot.press("a", "r", "e", "u", "c", "v", "space", "j", "k", "G", "g", "pagedown", "pageup", "s", "ctrl+d")
        await pilot.pause(0.3)
        assert pilot.app.is_running
        await pilot.press("escape")
        assert screen.queue.item_count > 0


async def test_quit_while_pages_load(server: RunningServer, outbox_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_mod, "PAGE", 50)
    backend = GatedBackend(server.url, server.tokens["ana"])
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=Settings(undo_seconds=0.2))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
        screen = screen_of(pilot)
        await until(pilot, lambda: len(screen.queue.loaded) == 50)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not pilot.app.is_running)
    assert app.return_code in (0, None), app.return_code


async def test_quit_releases_the_claim(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=0.2, claim_on_open=True))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        item = screen.queue.cursor_item
        await until(pilot, lambda: screen.session.claimed == item.id, timeout=5)
        await pilot.press("q")
        await until(pilot, lambda: not pilot.app.is_running)
    d = Decision.new(item.id, item.version, Action.APPROVE).to_json()
    r = httpx.post(f"{server.url}/v1/decisions", headers=server.auth("ben"), json={"decisions": [d]})
    res = r.json()["results"][0]
    assert res["result"] == "applied", res


async def test_typeahead_a_then_j_approves_the_item_under_the_cursor_at_keypress(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=30, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        x, y, z = (i.id for i in screen.queue.items[:3])
        pilot.app.post_message(events.Key("a", "a"))
        pilot.app.post_message(events.Key("j", "j"))
        await pilot.pause(0.5)
        decided = [r.item_id for r in screen.outbox.rows(server.url, "mod-ana", [__import__("triage_tui.outbox", fromlist=["RowState"]).RowState.HELD])]
        print("rows were", x, y, z, "decided:", decided, "cursor now:", screen.queue.cursor_item.id)
        assert decided == [x], f"pressed a on {x}, decided {decided}"


async def test_an_outbox_failure_is_reported_and_the_app_goes_on(server: RunningServer, outbox_path: Path) -> None:
    import sqlite3
    app = make_app(server, outbox_path, Settings(undo_seconds=30, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        def boom(*a: Any, **k: Any) -> None:
            raise sqlite3.OperationalError("database or disk is full")
        screen.outbox.add_many = boom  # type: ignore[method-assign]
        await pilot.press("a")
        await pilot.pause(0.3)
        running = pilot.app.is_running
    assert running, "one failed outbox write ended the whole session"


async def test_ctrl_q_from_a_dialog_still_warns_about_unsent(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=60, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("a", "question_mark", "ctrl+q")
        await pilot.pause(0.3)
        assert pilot.app.is_running and isinstance(pilot.app.screen, ConfirmDialog), "exited with 1 unsent decision, no question asked"


async def test_remapped_keys_are_shown_in_help_and_in_the_pane(server: RunningServer, outbox_path: Path) -> None:
    backend = TriageBackend(server.url, server.tokens["ana"])
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=Settings(undo_seconds=0.2),
                    keymap={"queue.reveal": "x", "decide.approve": "y"})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await put_cursor(pilot, "it-0000027")  # sensitive: masked until revealed
        await until(pilot, lambda: "it-0000027" in screen.session.details)
        await pilot.pause(0.2)
        rows = {i: k for i, k, _ in screen.binding_rows()}
        assert rows["queue.reveal"] == "x" and rows["decide.approve"] == "y", rows
        assert "press x" in screen.detail.content.plain
        await pilot.press("x")
        item = screen.queue.cursor_item
        assert item is not None and not screen.queue.is_masked(item)


async def test_typing_right_after_slash_goes_into_the_filter_not_to_the_list(server: RunningServer, outbox_path: Path) -> None:
    """`/` then a filter typed at once (keys queued before the bar has the focus, as over
    SSH or from tmux): every key goes into the field. None reaches the list as a key:
    `a` in "country" approved an item and `u` undid it, `r` opened the remove dialog."""
    app = make_app(server, outbox_path, Settings(undo_seconds=30, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        text = "source:ao country:DE"
        for key in ["slash", *text]:
            char = "/" if key == "slash" else key
            pilot.app.post_message(events.Key("space" if char == " " else key, char))
        await pilot.pause(0.5)
        assert screen.query_one("#filter-input").value == text  # type: ignore[attr-defined]
        assert screen.outbox.counts(server.url, "mod-ana") == {} and isinstance(pilot.app.screen, TriageScreen)
        for key, char in [("space", " "), ("T", "T"), ("slash", "/")]:  # in the open bar, `T` and `/` are text
            pilot.app.post_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert screen.query_one("#filter-input").value == text + " T/"  # type: ignore[attr-defined]


async def test_a_key_typed_right_after_r_does_not_decide_behind_the_dialog(server: RunningServer, outbox_path: Path) -> None:
    """`r` then `a` typed at once: the remove dialog opens a moment after `r`, and the `a`
    queued behind it reached the list and approved the item (then the dialog asked for a
    removal reason of an item already approved). Now no decision key runs until it is up."""
    app = make_app(server, outbox_path, Settings(undo_seconds=30, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        for key in ["r", "a", "e", "u"]:
            pilot.app.post_message(events.Key(key, key))
        await pilot.pause(0.5)
        from triage_tui.ui.screens.dialogs import ReasonPicker

        assert isinstance(pilot.app.screen, ReasonPicker)
        assert screen.outbox.counts(server.url, "mod-ana") == {}
        await pilot.press("escape")
        await pilot.pause(0.2)
        await pilot.press("a")  # the dialog gone, the keys work again
        await until(pilot, lambda: screen.outbox.counts(server.url, "mod-ana").get("held", 0) == 1)


async def test_a_key_typed_right_after_q_does_not_decide_behind_the_quit_question(server: RunningServer, outbox_path: Path) -> None:
    """`q` with a decision unsent asks first; an `a` typed right behind it waits for the
    question instead of approving the item under the cursor meanwhile."""
    app = make_app(server, outbox_path, Settings(undo_seconds=30, claim_on_open=False))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("a")
        await until(pilot, lambda: screen.outbox.counts(server.url, "mod-ana").get("held", 0) == 1)
        for key in ["q", "a"]:
            pilot.app.post_message(events.Key(key, key))
        await pilot.pause(0.5)
        from triage_tui.ui.screens.dialogs import ConfirmDialog

        assert isinstance(pilot.app.screen, ConfirmDialog)
        assert screen.outbox.counts(server.url, "mod-ana").get("held", 0) == 1
