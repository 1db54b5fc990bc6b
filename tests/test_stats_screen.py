"""The stats screen against the real reference server: today's decisions, decisions per
hour, and the oldest open item per source against its deadline."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_statements import decide
from test_triage_screen import NOW, fixed_app, fixed_server, outbox_path, settle, until  # noqa: F401 - fixtures
from textual.widgets import Sparkline, Static

from tests.conftest import RunningServer
from triage_tui.ui.screens.stats import StatsScreen


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The screen counts the moderator's own day; make that day UTC here."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def decided_today(server: RunningServer) -> None:
    server.clock.advance(-3 * 3600)  # 17:00
    decide(server, "ana", "it-0000011", "approve")
    server.clock.advance(3600)  # 18:00
    decide(server, "ana", "it-0000005", "remove", reason="hate_speech")  # the trusted flag's 24 h passed
    decide(server, "ana", "it-0000007", "remove", reason="spam")
    server.clock.advance(2 * 3600)  # back to 20:00
    decide(server, "ana", "it-0000001", "remove", reason="violent_extremism")  # the order is due 20:35


async def open_stats(pilot: Any) -> StatsScreen:
    app = pilot.app
    screen = StatsScreen(app.backend, app.clock, "mod-ana")
    await app.push_screen(screen)
    await until(pilot, lambda: screen.today is not None)
    await pilot.pause()
    return screen


async def test_today_per_hour_and_the_oldest_items(fixed_server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    decided_today(fixed_server)
    app = fixed_app(fixed_server, outbox_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        screen = await open_stats(pilot)
        today = str(screen.query_one("#stats-today", Static).render())
        assert "4 decisions — 1 approve, 3 remove, 0 escalate" in today
        assert "1 of 3 after the deadline" in today  # the trusted flagger's item; the automated flag's has no deadline
        hours = screen.query_one("#stats-hours", Sparkline).data
        assert hours is not None and list(hours)[16:21] == [0, 1, 2, 0, 1] and sum(hours) == 4
        oldest = str(screen.query_one("#stats-oldest", Static).render())
        assert "authority order " in oldest and "trusted flagger " in oldest and "user report " in oldest
        assert "classifier" not in oldest  # one name per source: the badges' (words.SOURCE_NAMES)
        assert "! 5h18m late" in oldest  # overdue is marked with a symbol, not only colour
        await pilot.press("escape")
        assert not isinstance(app.screen, StatsScreen)


def test_snapshot_stats_screen(snap_compare: Any, fixed_server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    decided_today(fixed_server)

    async def before(pilot: Any) -> None:
        await settle(pilot)
        await open_stats(pilot)

    assert snap_compare(fixed_app(fixed_server, outbox_path), terminal_size=(100, 30), run_before=before)


def test_snapshot_stats_screen_80x24(snap_compare: Any, fixed_server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    """At 80 columns each source keeps one line, under the name the badges use."""
    decided_today(fixed_server)

    async def before(pilot: Any) -> None:
        await settle(pilot)
        await open_stats(pilot)

    assert snap_compare(fixed_app(fixed_server, outbox_path), terminal_size=(80, 24), run_before=before)


async def test_S_opens_it_from_the_queue(fixed_server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    app = fixed_app(fixed_server, outbox_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, StatsScreen) and app.screen.today is not None)
        await pilot.press("S")  # the same key closes it
        await until(pilot, lambda: not isinstance(app.screen, StatsScreen))


async def test_one_decision_is_one_decision(fixed_server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    fixed_server.clock.advance(-3600)
    decide(fixed_server, "ana", "it-0000011", "approve")
    fixed_server.clock.advance(3600)
    app = fixed_app(fixed_server, outbox_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        screen = await open_stats(pilot)
        today = str(screen.query_one("#stats-today", Static).render())
        assert "1 decision — 1 approve, 0 remove, 0 escalate" in today  # not "1 decisions"
