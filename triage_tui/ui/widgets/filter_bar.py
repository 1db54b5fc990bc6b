"""The filter bar of `/` and `T`: the field, and one note under it that says, as the
filter is typed, what enter would do.

The note is one of four things, each with a symbol as well as a colour:
- the hint (enter, esc, and the key of the filter cheat-sheet) when nothing is typed;
- the live count, worked out by the screen after each frame;
- what is missing, `… reason needs a value`, with a caret under the unfinished term,
  when the text is the start of a valid filter (`FilterError.incomplete`): half-typed is
  not wrong, so it is not shown as an error;
- `✖` and the error, in red, with a caret under the bad token, as soon as no further
  typing could make the text valid (`sourc:x`, `reports>>5`) — and for anything that
  does not parse once enter is pressed.

The caret is measured in terminal cells (Rich's `cell_len`, which the field renders
with) and follows the field's horizontal scroll.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from triage_tui.bindings import FILTER
from triage_tui.filters import FilterError
from triage_tui.ui.keymap import bindings

HINT = "enter applies · esc closes"
HELP_ID = "filter.help"
ERROR_MARK = "✖ "
MISSING_MARK = "… "


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar { layer: overlay; dock: bottom; margin-bottom: 1; height: auto; visibility: hidden; border-top: hkey $accent; background: $surface; }
    FilterBar > #filter-error { color: $foreground; }
    """
    BINDINGS = bindings(FILTER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._problem: tuple[FilterError, bool] | None = None  # shown now: (error, after enter)

    def compose(self) -> ComposeResult:
        yield Input(id="filter-input", compact=True)
        yield Static(Content(HINT), id="filter-error")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        self.watch(field, "scroll_x", self._scrolled, init=False)  # the caret follows the text
        self.show_hint()

    @property
    def field(self) -> Input:
        return self.query_one(Input)

    def help_key(self) -> str | None:
        """The key that opens the filter cheat-sheet now (after any `[keys]` remap, which
        Textual applies to the binding chain, not to the widget's own bindings)."""
        keymap: dict[str, str] = getattr(self.app, "_keymap", {}) or {}  # [keys] from the config
        for bound in self._bindings.key_to_bindings.values():
            for binding in bound:
                if binding.id == HELP_ID:
                    key = keymap.get(HELP_ID, binding.key).split(",")[0].strip()
                    return self.app.get_key_display(Binding(key, binding.action))
        return None

    def help_hint(self) -> str:
        """`f1 filter help`, with the key bound now; empty if it is bound to none."""
        key = self.help_key()
        return f"{key} filter help" if key else ""

    def hint(self) -> Content:
        more = self.help_hint()
        return Content(f"{HINT} · {more}" if more else HINT)

    def show_hint(self) -> None:
        self._problem = None
        self._note(self.hint())

    def show_count(self, what: str) -> None:
        """The live count: `12 items match`."""
        self._problem = None
        self._note(Content.assemble((what, "bold"), " · ", self.hint()))

    def show_problem(self, error: FilterError, *, entered: bool = False) -> None:
        """`error` for the text as typed; `entered`: enter was pressed, so even an
        unfinished filter is an error now (it cannot be applied)."""
        self._problem = (error, entered)
        missing = error.incomplete and not entered
        style = "$text-muted" if missing else "bold $text-error"
        message = Content.assemble(
            (MISSING_MARK if missing else ERROR_MARK, style),
            Content(error.message).stylize("" if missing else "$text-error"),
            f" · {self.help_hint()}" if self.help_hint() else "",  # not "enter applies": it would not
        )
        self._note(Content.assemble(self._caret(error, style), "\n", message))

    def _caret(self, error: FilterError, style: str) -> Content:
        """`^^^` under the token, in the cells the field shows it in."""
        field = self.field
        value = field.value if field.value == error.text else error.text
        start = cell_len(value[: error.start]) - round(field.scroll_x)
        width = max(1, cell_len(value[error.start : error.end]))
        room = max(1, field.content_region.width)
        if start >= room:  # scrolled out to the right: point at the edge
            start, width = room - 1, 1
        elif start < 0:  # begins left of what is shown
            width, start = max(1, width + start), 0
        return Content.assemble(" " * start, ("^" * min(width, room - start), style))

    def _scrolled(self) -> None:
        if self._problem is not None:
            error, entered = self._problem
            self.show_problem(error, entered=entered)

    def _note(self, note: Content) -> None:
        """The note under the field; a layout pass (a full repaint) only when its height,
        wrapped to the bar's width, changes."""
        shown = self.query_one("#filter-error", Static)
        width = max(1, shown.content_region.width or self.size.width)
        old = shown.content if isinstance(shown.content, Content) else Content(str(shown.content))
        shown.update(note, layout=len(note.wrap(width)) != len(old.wrap(width)))
