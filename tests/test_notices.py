"""What the notices (toasts) say, against the real reference server through Pilot.

- A notice names an item by its short id (`notice.short_id`: an Ozone `at://` URI takes
  a third of a line, not two lines) and fits one line at 80 columns.
- Undo takes away the notice it made untrue ("… u undoes for 8 s.").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from tests.conftest import RunningServer
from tests.test_triage_screen import audit, loaded, make_app, until
from triage_tui.notice import NOTICE_CELLS, fit, short_id
from triage_tui.ui.screens.triage import Settings

POST_URI = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kgbz6o2ktd2c"


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


# -- item 9: short ids, one line at 80 columns ---------------------------------------------------------


def test_short_id_keeps_short_ids_and_shortens_ozone_ones() -> None:
    assert short_id("it-0000001") == "it-0000001"
    assert short_id(POST_URI) == "at://did:plc:ewvi7n…/post/3kgbz6o2ktd2c"
    assert short_id("did:plc:ewvi7nxzyoun6zhxrhs64oiz") == "did:plc:ewvi7n…"
    long = "x" * 40 + "-tail123"
    assert short_id(long) == "x" * 16 + "…" + "tail123" and len(short_id(long)) <= 24


def test_fit_cuts_by_cells_and_keeps_what_to_do() -> None:
    keep = ". u undoes for 8 s."
    said = fit("Escalated " + "字" * 60, keep=keep)
    assert cell_len(said) <= NOTICE_CELLS and said.endswith("…" + keep)
    assert fit("Approved it-0000001", keep=keep) == "Approved it-0000001" + keep
    worst = fit(f"Escalated {short_id(POST_URI)}", keep=keep)
    assert "…" not in worst.removeprefix(f"Escalated {short_id(POST_URI)}") and cell_len(worst) <= NOTICE_CELLS


def toast_lines(pilot: Pilot[Any]) -> dict[str, int]:
    """Each toast on screen: its text, and how many lines it takes."""
    return {str(t.render()): t.content_region.height for t in pilot.app.screen.query(Toast)}


async def test_a_decision_notice_is_one_line_at_80_columns(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=8, claim_on_open=False))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await loaded(pilot)
        pilot.app.clear_notifications()
        first = screen.queue.items[0].id
        await pilot.press("e", "1", "enter")
        await until(pilot, lambda: any("u undoes" in text for text in toast_lines(pilot)))
        assert toast_lines(pilot) == {f"Escalated {first}. u undoes for 8 s.": 1}


# -- item 10: undo takes away what it made untrue ------------------------------------------------------


async def test_undo_takes_away_the_notice_it_made_untrue(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, Settings(undo_seconds=8, claim_on_open=False))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await loaded(pilot)
        pilot.app.clear_notifications()
        first, second = screen.queue.items[0].id, screen.queue.items[1].id
        await pilot.press("e", "1", "enter")
        await until(pilot, lambda: any("u undoes" in text for text in toast_lines(pilot)))
        await pilot.press("u")
        await until(pilot, lambda: any("Undone" in text for text in toast_lines(pilot)))
        await pilot.pause(0.2)
        assert toast_lines(pilot) == {f"Undone: escalate of {first}.": 1}
        assert [n.message for n in pilot.app._notifications] == [f"Undone: escalate of {first}."]
        # u pressed in the same frame as the decision: its notice never shows at all.
        await pilot.press("a", "u")
        await pilot.pause(0.3)
        assert not any("u undoes" in n.message for n in pilot.app._notifications)
        assert not any("u undoes" in text for text in toast_lines(pilot))
        assert screen.queue.index_of(first) is not None and screen.queue.index_of(second) is not None
    assert audit(server) == []


def test_a_refused_removal_notice_fits_its_line_and_keeps_what_to_do() -> None:
    from triage_tui.model import ItemSummary, Policy
    from triage_tui.server.policy import DEFAULT_POLICY_JSON
    from triage_tui.workflow import guard, refusal

    policy = Policy.from_json(DEFAULT_POLICY_JSON)
    raw = {"id": "it-1", "kind": "post", "state": "open", "version": 1, "priority": 1, "deadline": None, "sources": ["authority_order"],
           "countries": ["RU"], "reason": "hate_speech", "report_count": 1, "snippet": "x", "first_reported_at": "2026-11-28T20:00:00Z"}
    item = ItemSummary.from_json(raw)
    rule = guard(policy, item)
    assert rule is not None
    said = refusal(policy, rule, [item], brief=True)
    assert cell_len(fit(said)) <= NOTICE_CELLS and fit(said) == said and said.endswith(f"e escalates to {rule.target}.")
    assert refusal(policy, rule, [item]).startswith("Removal refused: ")  # the dialog and batch keep the whole sentence
