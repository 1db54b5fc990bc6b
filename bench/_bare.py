"""The floor for key latency: Textual itself, with no data behind it.

The triage screen's layout — a status line, a list pane beside a detail pane, a filter bar,
a key bar — with an empty list: its lines are blank and only a cursor row is drawn. Each
key repaints the cells the triage screen's does (`j` two list lines, or the whole list
when the cursor scrolls it; a page, `G` and `g` the whole list; the whole detail pane and
the status line each time; a filter closes the bar and moves focus back, esc and `s` (a
sort) redraw the list; the key bar stays as it is) with trivial content and without a layout pass, so the
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
    # The list's own bindings, as the queue list's: a ScrollView binds the page keys to
    # an animated scroll, which would win over the app's.
    BINDINGS = [
        Binding("j", "move(1)", "Down", id="down"),
        Binding("pagedown", "move(38)", "Page", id="page"),
        Binding("pageup", "move(-38)", "Page up", id="page_up"),
        Binding("g", "top", "Top", id="top"),
        Binding("G", "last", "Last", id="last"),
    ]
    cursor = 0

    def on_mount(self) -> None:
        self.virtual_size = Size(self.size.width, 1_000_000)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        text = " " * self.size.width
        return Strip([Segment(text, CURSOR if row == self.cursor else None)])

    def action_move(self, by: int) -> None:
        self.move(by)
        self.app.show(f"row {self.cursor}")

    def action_top(self) -> None:
        self.action_move(-self.cursor)

    def action_last(self) -> None:
        self.action_move(self.virtual_size.height - 1 - self.cursor)

    def move(self, by: int) -> None:
        """As the queue list moves: a page scrolls by a page; the cursor stays in view."""
        height = self.scrollable_content_region.height
        if abs(by) > 1:
            self.scroll_to(y=self.scroll_offset.y + by, animate=False, force=True)
        old, self.cursor = self.cursor, max(0, self.cursor + by)
        self.refresh_lines(old)
        self.refresh_lines(self.cursor)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, force=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, force=True)


class Bare(App[None]):
    CSS = """
    #main { height: 1fr; }
    #list { width: 1fr; }
    #detail { width: 1fr; height: 1fr; padding: 0 0 0 1; border-left: vkey $foreground 30%; }
    #status { height: 1; background: $panel; }
    #keys { dock: bottom; height: 1; }
    Screen { layers: default overlay; }
    #filter { layer: overlay; dock: bottom; margin-bottom: 1; display: none; }
    #filter.open { display: block; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear", "Clear", id="clear"),
        Binding("s", "clear", "Sort", id="sort"),
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

    def show(self, what: str) -> None:
        # Fixed sizes: no layout pass (the triage screen's panes do not lay out per key either).
        self.query_one("#detail", Static).update(what, layout=False)
        self.query_one("#status", Static).update(what, layout=False)

    def action_filter(self) -> None:
        self.query_one("#filter").add_class("open")
        self.query_one("#filter").focus()

    def action_clear(self) -> None:
        self.query_one(EmptyList).refresh()
        self.show("row 0")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#filter").remove_class("open")
        self.query_one(EmptyList).refresh()
        self.show(f"filter {event.value}")
        self.query_one(EmptyList).focus()


if __name__ == "__main__":
    Bare().run()
