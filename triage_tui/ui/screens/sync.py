"""The sync screen: decisions that did not simply go through, and the moderator's choice.

Lists unsent rows (held in the undo window, or waiting to be sent, with their last
error), conflicts (someone else decided first: who, and what) and decisions parked for
attention (the backend refused them). A conflicted or parked decision is never sent
again silently: here it is re-decided (a new decision with a new key, against the
item as it is now) or deliberately dropped — and that choice is recorded in the outbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.bindings import OUTBOX
from triage_tui.model import Decision
from triage_tui.model import now as utc_now
from triage_tui.outbox import Outbox, Row, RowState
from triage_tui.ui.keymap import bindings
from triage_tui.ui.widgets.keybar import KeyBar

SHOWN = (RowState.CONFLICT, RowState.NEEDS_ATTENTION, RowState.HELD, RowState.PENDING)
MARKS = {RowState.CONFLICT: "✖ conflict", RowState.NEEDS_ATTENTION: "? attention", RowState.HELD: "… undo window", RowState.PENDING: "↑ waiting"}


def row_line(row: Row) -> Content:
    d = row.decision
    what = "unreadable decision" if d is None else d.action.value + (f" {d.reason}" if d.reason else "") + (f" → {d.escalate_to}" if d.escalate_to else "")
    parts: list[Content | tuple[str, str] | str] = [(f"{MARKS[row.state]:<14}", "bold"), f" {row.item_id}  {what}"]
    if row.last_error:
        parts += ["  — ", Content(row.last_error[:200])]
    if row.attempts and row.state is RowState.PENDING:
        parts.append((f"  ({row.attempts} attempts)", "dim"))
    return Content.assemble(*parts)


def redecision(row: Row) -> Decision | None:
    """The same decision again, with a new key, against the item's current version."""
    if row.state is not RowState.CONFLICT or row.decision is None or row.result is None or row.result.get("error") == "decided":
        return None  # a closed item cannot be decided again; a refused decision would be refused again
    version = row.result.get("version")
    if not isinstance(version, int):
        return None
    return replace(Decision.new(row.decision.item_id, version, row.decision.action), reason=row.decision.reason,
                   scope=row.decision.scope, escalate_to=row.decision.escalate_to, note=row.decision.note)


class SyncScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    SyncScreen { align: center middle; }
    SyncScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    SyncScreen OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = bindings(OUTBOX)

    def __init__(self, outbox: Outbox, *, backend: str, moderator: str, paused: str | None = None, resume: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.paused = paused
        self.resume = resume
        self.outbox = outbox
        self.backend = backend
        self.moderator = moderator
        self.rows: list[Row] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble(("Decisions not simply sent", "bold"), ("  d drops (recorded) · r re-decides against the item now · esc closes", "dim")))
            yield OptionList(id="sync-rows", compact=True)
            yield Static(Content(f"{self.paused} — p resumes once the token is fixed" if self.paused else ""), id="sync-message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.rows = self.outbox.rows(self.backend, self.moderator, SHOWN)
        options = self.query_one(OptionList)
        options.clear_options()
        if not self.rows:
            options.add_option(Option(Content("Everything is sent."), disabled=True))
        else:
            options.add_options(Option(row_line(r), id=r.key) for r in self.rows)
            options.highlighted = 0
        options.focus()

    def _current(self) -> Row | None:
        index = self.query_one(OptionList).highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    def _say(self, text: str) -> None:
        self.query_one("#sync-message", Static).update(Content(text))

    def action_drop(self) -> None:
        row = self._current()
        if row is None or row.state not in (RowState.CONFLICT, RowState.NEEDS_ATTENTION):
            self._say("Only a conflict or a parked decision can be dropped; unsent ones are still on their way.")
            return
        self.outbox.drop(row.key, f"dropped by {self.moderator} at {utc_now().isoformat(timespec='seconds')}")
        self._say(f"Dropped {row.item_id}; the choice is recorded.")
        self.reload()

    def action_redecide(self) -> None:
        row = self._current()
        if row is None or row.state not in (RowState.CONFLICT, RowState.NEEDS_ATTENTION):
            self._say("Only a conflict or a parked decision can be re-decided.")
            return
        again = redecision(row)
        if again is None:
            self._say(f"{row.item_id} cannot be re-decided as it was (decided by someone else, or refused by the backend): drop it to record that you saw it.")
            return
        if not self.outbox.redecide(row.key, again, backend=self.backend, moderator=self.moderator, now=time.time()):
            self._say(f"{row.item_id} changed state meanwhile; nothing was re-decided.")
        else:
            self._say(f"Re-decided {row.item_id} against version {again.item_version}; it will be sent now.")
        self.reload()

    def action_resume(self) -> None:
        if self.resume is None or not self.paused:
            self._say("Sending is not paused.")
            return
        self.resume()
        self.paused = None
        self._say("Sending resumed.")

    def action_close(self) -> None:
        self.dismiss(None)
