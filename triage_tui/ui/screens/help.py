"""`?`: every binding of the triage screen, by group, with the keys it is bound to now.

Built from the live bindings (after any keymap from the config), so it cannot drift
from what the keys really do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from triage_tui.bindings import HELP
from triage_tui.cells import pad
from triage_tui.ui.keymap import bindings

GROUPS = ("Move", "Decide", "Select", "Find", "Item", "App")


def group_of(binding_id: str) -> str:
    """Binding ids are `<area>.<name>`; the help groups them by what the moderator does."""
    area, _, name = binding_id.partition(".")
    if area == "queue":
        return {"tag": "Select", "reveal": "Item"}.get(name, "Move")
    if area == "decide":
        return "Decide"
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


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = bindings(HELP)

    def __init__(self, rows: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content.assemble(("Keys", "bold"), ("  (esc closes · ctrl+p lists every command)\n", "dim")))
            yield Static(help_content(self.rows), id="help-body")

    def action_close(self) -> None:
        self.dismiss(None)
