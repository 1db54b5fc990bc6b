"""`?`: every binding of the triage screen, by group, with the keys it is bound to now,
then the filter language's cheat-sheet.

The keys are built from the live bindings (after any keymap from the config), so they
cannot drift from what the keys really do; the cheat-sheet is built from the table the
filter parser is driven by (`filter_fields.reference()`), so it cannot drift from what
the parser accepts. From the filter bar its key opens this screen at the cheat-sheet.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from triage_tui import filter_fields
from triage_tui.bindings import HELP
from triage_tui.cells import pad
from triage_tui.filters import SORTS
from triage_tui.ui.keymap import bindings

SHEET_WIDTH = 68  # the help box's text width at 80 columns: narrower terminals wrap again
GROUPS = ("Move", "Decide", "Select", "Find", "Item", "App")


def group_of(binding_id: str) -> str:
    """Binding ids are `<area>.<name>`; the help groups them by what the moderator does."""
    area, _, name = binding_id.partition(".")
    if area == "queue":
        return {"tag": "Select", "reveal": "Item"}.get(name, "Move")
    if area == "decide":
        return "Decide"
    if area == "filter":
        return "Find"
    if area in ("find", "select", "item"):
        return area.capitalize()
    return "App"


def help_content(rows: Iterable[tuple[str, str, str]]) -> Content:
    """rows: (binding id, key display, description)."""
    grouped: dict[str, list[tuple[str, str]]] = {g: [] for g in GROUPS}
    for binding_id, keys, description in rows:
        grouped.setdefault(group_of(binding_id), []).append((keys, description))
    parts: list[Content | tuple[str, str] | str] = []
    for group, entries in grouped.items():
        if not entries:
            continue
        parts.append((f"{group}\n", "bold underline"))
        for keys, description in entries:
            parts.append(("  " + pad(keys, 16), "bold"))
            parts.append(f" {description}\n")
        parts.append("\n")
    return Content.assemble(*parts)


def filter_help_content() -> Content:
    """The filter language: each term, when it matches, what it takes, examples; the rules."""
    parts: list[Content | tuple[str, str] | str] = [("Filters", "bold underline"), ("  (/ filters, T tags by filter)\n", "dim")]
    for row in filter_fields.reference():
        parts += [("  " + row.syntax, "bold"), "\n", _hanging(row.matches, "    ")]
        if row.takes:
            parts.append(_hanging(f"{row.placeholder}: {row.takes}", "    "))
        parts.append((_hanging(f"e.g. {'   '.join(row.examples)}", "    "), "dim"))
    parts.append("\n")
    for rule in filter_fields.RULES:
        parts.append(_hanging(rule, "  "))
    parts.append(_hanging(f"s cycles the sort: {', '.join(SORTS)}; the cursor goes to the top.", "  "))
    return Content.assemble(*parts)


def _hanging(text: str, indent: str, width: int = SHEET_WIDTH) -> str:
    """`text` wrapped under its indent (the sheet's text is ours, ASCII, so characters are cells)."""
    return "\n".join(textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ",
                                   break_long_words=False, break_on_hyphens=False)) + "\n"


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = bindings(HELP)

    def __init__(self, rows: Sequence[tuple[str, str, str]], *, section: str = "keys") -> None:
        """`section`: "keys" opens at the top, "filters" at the filter cheat-sheet."""
        super().__init__()
        self.rows = rows
        self.section = section

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content.assemble(("Keys", "bold"), ("  (esc closes · ctrl+p lists every command)\n", "dim")))
            yield Static(help_content(self.rows), id="help-body")
            yield Static(filter_help_content(), id="help-filters")

    def on_mount(self) -> None:
        if self.section == "filters":
            self.call_after_refresh(self._to_filters)

    def _to_filters(self) -> None:
        self.query_one(VerticalScroll).scroll_to_widget(self.query_one("#help-filters"), top=True, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
