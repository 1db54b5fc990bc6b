"""The dialogs an action opens: the reason picker, the escalation dialog, a confirmation.

Every label that came from the backend (reason and target labels) is sanitized by the
model and placed in `Content` objects; nothing here parses markup from data.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.bindings import CONFIRM, DIALOG
from triage_tui.model import EscalationTarget, Reason, Scope
from triage_tui.outbox import Outbox
from triage_tui.ui.keymap import bindings
from triage_tui.workflow import ScopeError, parse_scope, scope_words
from triage_tui.words import plural

DIGITS = "1234567890"


def _numbered(index: int, label: str, extra: str = "") -> Content:
    key = DIGITS[index] if index < len(DIGITS) else " "
    parts: list[Content | tuple[str, str] | str] = [(f" {key} ", "bold reverse"), " ", Content(label)]
    if extra:
        parts.append((f"  {extra}", "dim"))
    return Content.assemble(*parts)


@dataclass(frozen=True, slots=True)
class RemoveChoice:
    reason: str
    scope: Scope


@dataclass(frozen=True, slots=True)
class EscalateChoice:
    target: str
    note: str | None


class _Dialog(ModalScreen[object]):
    DEFAULT_CSS = """
    _Dialog, ReasonPicker, EscalateDialog, ConfirmDialog { align: center middle; }
    .dialog { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    .dialog > .title { text-style: bold; }
    .dialog > .hint { color: $text-muted; }
    .dialog Input { margin-bottom: 0; }
    .dialog > .error { color: $text-error; }
    .dialog OptionList { height: auto; max-height: 14; }
    """
    BINDINGS = bindings(DIALOG)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonPicker(_Dialog):
    """Pick the removal reason (digits pick at once) and the scope: global or countries.

    The scope field is there only where the backend can withhold in some countries
    (`capabilities.scoped_removal`): a field it offers must be one the backend applies.

    `preselect` is the reason the reports give (`workflow.reported_reason`), or None: then
    nothing is highlighted and enter decides nothing, it says to pick. The line above the
    keys always says what enter would decide — the reason and the scope — before it does."""

    def __init__(self, reasons: tuple[Reason, ...], count: int, *, scope: str = "global", scoped: bool = True, preselect: str | None = None) -> None:
        super().__init__()
        self.reasons = reasons
        self.count = count
        self.initial_scope = scope
        self.scoped = scoped
        self.preselect = preselect

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="reason-dialog"):
            what = "this item" if self.count == 1 else plural(self.count, "item")
            yield Static(Content(f"Remove {what}: why?"), classes="title")
            yield OptionList(
                *(Option(_numbered(i, r.label, "sensitive" if r.sensitive else ""), id=r.code) for i, r in enumerate(self.reasons)),
                id="reasons",
                compact=True,
            )
            if self.scoped:
                yield Static(Content("Scope — global, or withhold only in countries (e.g. DE, AT; eu, eea):"))
                yield Input(value=self.initial_scope, id="scope", placeholder="global", compact=True)
            yield Static(Content(""), classes="error", id="scope-error")
            yield Static(Content(""), id="verdict")
            yield Static(Content("digit or enter picks · tab: scope · esc cancels" if self.scoped
                                 else "digit or enter picks · removal is global on this backend · esc cancels"), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one("#reasons", OptionList)
        codes = [r.code for r in self.reasons]
        options.highlighted = codes.index(self.preselect) if self.preselect in codes else None
        options.focus()
        self._say_verdict()

    def _highlighted(self) -> str | None:
        option = self.query_one("#reasons", OptionList).highlighted_option
        return option.id if option is not None else None

    def _say_verdict(self) -> None:
        """What enter decides now, in words: the reason and the scope (or what is missing)."""
        code = self._highlighted()
        what = "this item" if self.count == 1 else plural(self.count, "item")
        label = next((r.label for r in self.reasons if r.code == code), None)
        if label is None:
            verdict = Content.assemble(("enter: ", "bold"), "nothing chosen yet — pick a reason: a digit, or ↓ then enter")
        else:
            try:
                scope = scope_words(parse_scope(self.query_one("#scope", Input).value) if self.scoped else "global")
            except ScopeError:
                scope = "once the scope is fixed"
            verdict = Content.assemble(("enter: ", "bold"), f"remove {what} for ", (Content(label)).stylize("bold"), f", {scope}")
        self.query_one("#verdict", Static).update(verdict)

    @on(OptionList.OptionHighlighted, "#reasons")
    def _highlight_moved(self) -> None:
        self._say_verdict()

    def on_key(self, event: events.Key) -> None:
        key = event.character
        focused_input = isinstance(self.focused, Input)
        if event.key == "enter" and not focused_input and self._highlighted() is None:
            event.stop()  # nothing chosen: enter must not decide, and says so
            self._error("pick a reason first (a digit, or ↓ and enter); nothing was decided")
            return
        if key and key in DIGITS and not focused_input:
            index = DIGITS.index(key)
            if index < len(self.reasons):
                event.stop()
                self._choose(self.reasons[index].code)

    @on(OptionList.OptionSelected, "#reasons")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._choose(event.option.id)

    @on(Input.Submitted, "#scope")
    def _scope_submitted(self) -> None:
        options = self.query_one("#reasons", OptionList)
        option = options.highlighted_option
        if option is None or option.id is None:
            self._error("pick a reason first (a digit, or arrows and enter)")
            options.focus()
            return
        self._choose(option.id)

    @on(Input.Changed, "#scope")
    def _scope_changed(self, event: Input.Changed) -> None:
        """Check the countries as they are typed: each word once a comma or space ends it,
        so a code half typed is not called wrong; enter checks the last one."""
        text = event.value
        try:
            parse_scope(text[: max(text.rfind(" "), text.rfind(",")) + 1])
        except ScopeError as exc:
            self._error(str(exc))
        else:
            self._error("")
        self._say_verdict()

    def _error(self, message: str) -> None:
        self.query_one("#scope-error", Static).update(Content(message))

    def _choose(self, code: str) -> None:
        if not self.scoped:
            self.dismiss(RemoveChoice(code, "global"))
            return
        try:
            scope = parse_scope(self.query_one("#scope", Input).value)
        except ScopeError as exc:
            self._error(str(exc))
            self.query_one("#scope", Input).focus()
            return
        self.dismiss(RemoveChoice(code, scope))


class EscalateDialog(_Dialog):
    """Pick the team to escalate to (digits pick), then write a note and press enter."""

    def __init__(self, targets: tuple[EscalationTarget, ...], count: int, *, preselect: str | None = None, why: str | None = None) -> None:
        super().__init__()
        self.targets = targets
        self.count = count
        self.preselect = preselect
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="escalate-dialog"):
            what = "this item" if self.count == 1 else plural(self.count, "item")
            yield Static(Content(f"Escalate {what} to:"), classes="title")
            if self.why:
                yield Static(Content(self.why), classes="error")
            yield OptionList(
                *(Option(_numbered(i, t.label, f"role {t.role}"), id=t.code) for i, t in enumerate(self.targets)),
                id="targets",
                compact=True,
            )
            yield Static(Content("Note for the team (optional):"))
            yield Input(id="note", placeholder="what they should look at", max_length=10_000, compact=True)
            yield Static(Content(""), classes="error", id="note-error")
            yield Static(Content("digit picks a team · enter in the note escalates · esc cancels"), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one("#targets", OptionList)
        codes = [t.code for t in self.targets]
        if self.preselect in codes:
            options.highlighted = codes.index(self.preselect)
            self.query_one("#note", Input).focus()
        else:
            options.highlighted = 0
            options.focus()

    def on_key(self, event: events.Key) -> None:
        key = event.character
        if key and key in DIGITS and not isinstance(self.focused, Input):
            index = DIGITS.index(key)
            if index < len(self.targets):
                event.stop()
                self.query_one("#targets", OptionList).highlighted = index
                self.query_one("#note", Input).focus()

    @on(OptionList.OptionSelected, "#targets")
    def _picked(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _submit(self, event: Input.Submitted) -> None:
        option = self.query_one("#targets", OptionList).highlighted_option
        if option is None or option.id is None:
            self.query_one("#note-error", Static).update(Content("pick a team first"))
            return
        self.dismiss(EscalateChoice(option.id, event.value.strip() or None))


def unsent_fate(outbox: Outbox, count: int) -> str:
    """What becomes of `count` unsent decisions if the moderator quits now: true of this
    session's outbox, which its maker said is kept or temporary (`Outbox.temporary`)."""
    they, are = ("It", "is") if count == 1 else ("They", "are")
    if outbox.temporary:
        return f"{they} will never be sent: this session's outbox is temporary (the demo's) and is deleted on quit, with its backend."
    return (f"{they} stay{'s' if count == 1 else ''} in this machine's outbox ({outbox.path}) and {are} sent first "
            "when triage-tui next opens this backend, or by triage-tui sync.")


class ConfirmDialog(_Dialog):
    """A yes/no question; `y` or enter confirms, `n` or escape declines."""

    BINDINGS = bindings(CONFIRM)

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(Content(self.question), classes="title")
            if self.detail:
                yield Static(Content(self.detail))
            yield Static(Content("y / enter: yes · n / esc: no"), classes="hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
