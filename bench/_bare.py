"""The floor for key latency: Textual itself, with no data behind it.

The triage screen's layout — a status line, a list pane beside a detail pane, a filter bar,
a key bar — with an empty list: its lines are blank and only a cursor row is drawn. Each
key repaints the cells the triage screen's does (`j` two list lines, a page the whole
list; the detail pane and status line each time; a filter closes the bar and moves focus
back, esc redraws the list; the key bar stays as it is) with trivial content, so the
ratio is what the triage screen adds: items, rows, sanitised text, filtering, at any
queue size. Run as a script in a pty by `tui.py`.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static
from rich.segment import Segment
from rich.style import Style

PAGE = 38
CURSOR = Style(reverse=True)


class EmptyList(ScrollView, can_focus=True):
    cursor = 0

    def on_mount(self) -> None:
        self.virtual_size = Size(self.size.width, 1_000_000)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        text = " " * self.size.width
        return Strip([Segment(text, CURSOR if row == self.cursor else None)])

    def move(self, by: int) -> None:
        old, self.cursor = self.cursor, self.cursor + by
        if by == 1:
            self.refresh_lines(old - self.scroll_offset.y)
            self.refresh_lines(self.cursor - self.scroll_offset.y)
        else:
            self.refresh()


class Bare(App[None]):
    CSS = """
    #main { height: 1fr; }
    #list { width: 1fr; }
    #detail { width: 1fr; border-left: vkey $foreground 30%; }
    #status { height: 1; background: $panel; }
    #keys { dock: bottom; height: 1; }
    Screen { layers: default overlay; }
    #filter { layer: overlay; dock: bottom; margin-bottom: 1; display: none; }
    #filter.open { display: block; }
    """
    BINDINGS = [
        Binding("j", "move(1)", "Down", id="down"),
        Binding("pagedown", "move(38)", "Page", id="page"),
        Binding("pageup", "move(-38)", "Page up", id="page_up"),
        Binding("g", "top", "Top", id="top"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear", "Clear", id="clear"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("row 0", id="status")
        with Horizontal(id="main"):
            yield EmptyList(id="list")
            yield Static("row 0", id="detail")
        yield Input(id="filter")
        yield Static(" j Down  pgdn Page  / Filter  esc Clear", id="keys")

    def on_mount(self) -> None:
        self.query_one(EmptyList).focus()

    def _show(self, what: str) -> None:
        self.query_one("#detail", Static).update(what)
        self.query_one("#status", Static).update(what)

    def action_move(self, by: int) -> None:
        self.query_one(EmptyList).move(by)
        self._show(f"row {self.query_one(EmptyList).cursor}")

    def action_top(self) -> None:
        self.action_move(-self.query_one(EmptyList).cursor)

    def action_filter(self) -> None:
        self.query_one("#filter").add_class("open")
        self.query_one("#filter").focus()

    def action_clear(self) -> None:
        self.query_one(EmptyList).refresh()
        self._show("row 0")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#filter").remove_class("open")
        self.query_one(EmptyList).refresh()
        self._show(f"filter {event.value}")
        self.query_one(EmptyList).focus()


if __name__ == "__main__":
    Bare().run()
