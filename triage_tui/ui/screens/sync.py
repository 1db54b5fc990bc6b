"""The sync screen: decisions that did not simply go through, and the moderator's choice.

Lists unsent rows (held in the undo window, or waiting to be sent, with their last
error), conflicts (someone else decided first: who, and what) and decisions parked for
attention (the backend refused them). A conflicted or parked decision is never sent
again silently: here it is re-decided or deliberately dropped — and that choice is
recorded in the outbox. Re-deciding fetches the item as it is now: closed by someone
else, it says who and how; still open, this screen closes and the triage screen opens
the decision's dialog again against the current item (a refused removal can then get
another reason, or an escalation), so the new decision has its own key and version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.backends.errors import BackendError
from triage_tui.bindings import OUTBOX
from triage_tui.cells import clip, pad
from triage_tui.model import Item, ItemSummary
from triage_tui.model import now as utc_now
from triage_tui.outbox import Outbox, Row, RowState
from triage_tui.ui.keymap import bindings
from triage_tui.notice import short_id
from triage_tui.unapplied import Redecide, plan_redecide
from triage_tui.ui.widgets.keybar import KeyBar
from triage_tui.words import plural

SHOWN = (RowState.CONFLICT, RowState.NEEDS_ATTENTION, RowState.HELD, RowState.PENDING)
MARKS = {RowState.CONFLICT: "✖ conflict", RowState.NEEDS_ATTENTION: "? attention", RowState.HELD: "… undo window", RowState.PENDING: "↑ waiting"}


def row_line(row: Row) -> Content:
    d = row.decision
    what = "unreadable decision" if d is None else d.action.value + (f" {d.reason}" if d.reason else "") + (f" → {d.escalate_to}" if d.escalate_to else "")
    parts: list[Content | tuple[str, str] | str] = [(pad(MARKS[row.state], 14), "bold"), f" {row.item_id}  {what}"]
    if row.last_error:
        parts += ["  — ", Content(clip(row.last_error, 200))]
    if row.attempts and row.state is RowState.PENDING:
        parts.append((f"  ({plural(row.attempts, 'attempt')})", "dim"))
    return Content.assemble(*parts)


class SyncScreen(ModalScreen[Redecide | None]):
    DEFAULT_CSS = """
    SyncScreen { align: center middle; }
    SyncScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    SyncScreen OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = bindings(OUTBOX)

    def __init__(self, outbox: Outbox, *, backend: str, moderator: str, paused: str | None = None, resume: Callable[[], None] | None = None,
                 fetch: Callable[[str], Awaitable[Item]] | None = None, known: Callable[[str], ItemSummary | None] = lambda _: None) -> None:
        super().__init__()
        self.fetch = fetch  # the item as it is now, from the backend (None: no re-deciding)
        self.known = known  # the queue line the screen last had for an item
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
        self._say(f"Dropped {short_id(row.item_id)}; the choice is recorded (an item still open stays in your queue).")
        self.reload()

    def action_redecide(self) -> None:
        row = self._current()
        if row is None or row.state not in (RowState.CONFLICT, RowState.NEEDS_ATTENTION):
            self._say("Only a conflict or a parked decision can be re-decided.")
            return
        if self.fetch is None:
            self._say("Re-deciding needs the backend; d drops the decision (recorded).")
            return
        self._say(f"Fetching {short_id(row.item_id)} as it is now…")
        self._fetch_and_plan(row)

    @work(exclusive=True, group="redecide")
    async def _fetch_and_plan(self, row: Row) -> None:
        assert self.fetch is not None
        try:
            item = await self.fetch(row.item_id)
        except BackendError as exc:
            self._say(f"Could not fetch {short_id(row.item_id)} now ({exc}); nothing was re-decided. r tries again.")
            return
        plan = plan_redecide(row, item, self.known(row.item_id))
        if isinstance(plan, str):
            self._say(plan)
        else:
            self.dismiss(plan)  # the triage screen opens the decision again, against `item`

    def action_resume(self) -> None:
        if self.resume is None or not self.paused:
            self._say("Sending is not paused.")
            return
        self.resume()
        self.paused = None
        self._say("Sending resumed.")

    def action_close(self) -> None:
        self.dismiss(None)
