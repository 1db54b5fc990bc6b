"""The app's window on a real Ozone (issue #16): Ozone cannot count, jump to a position,
evaluate an expression or sort in our orders, so the session reads it page by page from
the start as the cursor needs rows — opening the app asks for the first screen and a
bounded look-ahead, never the whole queue — and says its counts are lower bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faultproxy import FaultProxy
from tests.ozone_harness import OzoneHarness, OzoneSubjects
from tests.test_ozone_backend import admin_backend, until, whole_queue
from triage_tui.outbox import Outbox
from triage_tui.queue import session as session_mod

QUERY = "/xrpc/tools.ozone.moderation.queryStatuses"


async def test_opening_the_app_on_ozone_reads_the_first_screen_not_the_queue(ozone: OzoneHarness, ozone_subjects: OzoneSubjects,
                                                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_tui.ui.app import TriageApp
    from triage_tui.ui.screens.triage import Settings, TriageScreen

    async with admin_backend(ozone) as backend:
        whole = await whole_queue(backend)
    # Pages of one row and no look-ahead: the queue is many times what one screen asks for.
    monkeypatch.setattr(session_mod, "SEQ_PAGE", 1)
    monkeypatch.setattr(session_mod, "AHEAD", 0)
    async with FaultProxy(ozone.ozone_url) as proxy:
        app = TriageApp(admin_backend(ozone, url=proxy.url), Outbox(tmp_path / "outbox.db"), backend_name=ozone.ozone_url,
                        settings=Settings(claim_on_open=False, undo_seconds=0.2))
        async with app.run_test(size=(140, 8)) as pilot:
            await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
            screen = next(s for s in pilot.app.screen_stack if isinstance(s, TriageScreen))
            rows = screen.queue.scrollable_content_region.height
            assert len(whole) > rows  # (the harness's queue: every seeded subject is still open)
            await until(pilot, lambda: screen.session.opened and len(screen.queue.loaded) >= rows)
            await pilot.pause(1.0)  # nothing more is asked for while the moderator only looks
            asked = [r for r in proxy.received if r.target.startswith(QUERY)]
            assert len(asked) == rows  # one request per row on screen (pages of one), not one per item of the queue
            assert len(screen.queue.loaded) == rows < len(whole)
            assert f"open ≥ {rows}" in str(screen.query_one("#status").render())
            await pilot.press("G")  # onto the placeholder past what is held: one page more, no crawl
            await until(pilot, lambda: len(screen.queue.loaded) == rows + 1)
            await pilot.pause(0.5)
            assert len([r for r in proxy.received if r.target.startswith(QUERY)]) == rows + 1
