"""The key bar at the bottom of the triage screen, against the real reference server:
it shows the keys that work now (after the keymap), follows focus, keeps whole keys
when the terminal is narrow, runs a key when clicked, and is never laid out again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.screen import Screen
from textual.widgets import Input

from tests.conftest import RunningServer
from tests.test_triage_screen import FAST, loaded, make_app, outbox_path, until  # noqa: F401
from triage_tui.backends.triage import TriageBackend
from triage_tui.outbox import Outbox
from triage_tui.ui.app import TriageApp
from triage_tui.ui.widgets.keybar import KeyBar


def bar_text(screen: Screen[Any]) -> str:
    bar = screen.query_one(KeyBar)
    return "".join(segment.text for segment in bar.render_line(0))


async def test_it_shows_the_keys_that_work_and_follows_focus(server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    app = make_app(server, outbox_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await loaded(pilot)
        shown = bar_text(screen)
        for part in ("a Approve", "r Remove", "e Escalate", "/ Filter", "? Help"):
            assert part in shown, shown
        assert shown.rstrip().endswith("^p Commands")
        await pilot.press("slash")  # typing a filter: the queue's keys are not live
        await pilot.pause()
        typing = bar_text(screen)
        assert "a Approve" not in typing and "/ Filter" not in typing and "f1 Filter help" in typing, typing  # `/` is text there
        await pilot.press(*"source:ao", "enter")
        await pilot.pause()
        assert bar_text(screen) == shown


async def test_it_shows_keys_after_the_keymap(server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    backend = TriageBackend(server.url, server.tokens["ana"])
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=FAST, keymap={"decide.approve": "y"})
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await loaded(pilot)
        shown = bar_text(screen)
        assert " y Approve" in shown and " a Approve" not in shown, shown


async def test_a_narrow_terminal_keeps_whole_keys_and_the_palette(server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    app = make_app(server, outbox_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        shown = bar_text(screen)
        assert len(shown) == 80 and shown.rstrip().endswith("^p Commands"), shown
        keys = shown.rstrip()[: -len("^p Commands")].split("  ")
        words = {"Tag", "Help", "Approve", "Remove", "Escalate", "Undo", "Filter", "Sort", "Quit", "Commands"}
        for key in filter(None, (k.strip() for k in keys)):
            assert key.split(" ", 1)[1] in words, f"a key cut in half: {key!r} in {shown!r}"


async def test_clicking_a_key_runs_it(server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    app = make_app(server, outbox_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await loaded(pilot)
        column = bar_text(screen).index("? Help")
        await pilot.click(KeyBar, offset=(column, 0))
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")


async def test_a_filter_lays_the_screen_out_at_most_once_and_clearing_it_not_at_all(server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    """The key bar changes with focus without a layout pass, the filter bar is an overlay
    (closing it does not resize the panes) and a new length for the list is not a new
    size (each pass costs a full repaint)."""
    app = make_app(server, outbox_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.pause(0.3)
        passes = 0
        layout = screen._refresh_layout

        def counted(*args: Any, **kwargs: Any) -> None:
            nonlocal passes
            passes += 1
            layout(*args, **kwargs)

        screen._refresh_layout = counted  # type: ignore[method-assign]
        sizes = (screen.queue.size, screen.detail.size)
        everything = screen.queue.item_count
        await pilot.press("slash")  # (the first opening also gives the bar its size)
        await pilot.pause(0.2)
        await pilot.press("escape")
        await pilot.pause(0.2)
        passes = 0
        await pilot.press("slash")
        await pilot.pause(0.2)
        opened, passes = passes, 0
        screen.query_one("#filter-input", Input).value = "source:ao"  # (typing lays out per key, as Textual's Input does)
        await pilot.pause(0.2)
        passes = 0
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert screen.queue.items and all("authority_order" in i.sources for i in screen.queue.items)
        assert (screen.queue.size, screen.detail.size) == sizes
        assert opened <= 1 and passes <= 1, (opened, passes)
        passes = 0
        await pilot.press("escape")  # the whole queue again: the list's length is not its size
        await pilot.pause(0.2)
        assert screen.queue.item_count == everything
        assert passes == 0, passes


class NoEscalation(TriageBackend):
    """The reference client, claiming fewer capabilities than the server has: no backend
    we talk to lacks escalation today (a Matrix room might), so this is the one way to
    hold the screen to what its backend says it can do."""

    capabilities = replace(TriageBackend.capabilities, escalation=False, claims=False)


async def test_a_key_the_backend_cannot_honour_is_not_offered(server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    app = TriageApp(NoEscalation(server.url, server.tokens["ana"]), Outbox(outbox_path), backend_name=server.url)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await loaded(pilot)
        shown = bar_text(screen)
        assert "a Approve" in shown and "r Remove" in shown and "Escalate" not in shown, shown
        await pilot.press("e", "c")
        await pilot.pause(0.2)
        assert app.screen is screen  # no escalate dialog opened
        assert screen.session.claimed is None
