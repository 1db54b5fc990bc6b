"""The key bar: the keys that work now, on one line at the bottom of every screen.

Textual's Footer is a widget per key; each focus change (opening and closing the filter
bar, every dialog) unmounts and mounts them all and lays the screen out again, about
70 ms of the 130 ms a filter took. Here the line is one Content, redrawn only when the
keys it shows change, and never laid out again: its size is fixed. Keys stay clickable.
"""

from __future__ import annotations

from typing import NamedTuple

from textual import events
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget


class _Span(NamedTuple):
    start: int
    end: int
    key: str
    enabled: bool


class KeyBar(Widget):
    """Each shown binding of the focused chain as `key description`, one per action; the
    command palette's key at the right edge."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground; }
    """
    ALLOW_SELECT = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: list[Content] = []
        self._palette = Content("")
        self._spans: list[_Span] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is not self.screen:
            return
        parts, palette, spans = self._build()
        if (parts, palette) != (self._parts, self._palette):
            self._parts, self._palette, self._spans = parts, palette, spans
            self.refresh()

    def _build(self) -> tuple[list[Content], Content, list[_Span]]:
        app = self.app
        active = self.screen.active_bindings
        parts: list[Content] = []
        spans: list[_Span] = []
        offset = 0
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen or binding.key == app.COMMAND_PALETTE_BINDING:
                continue
            seen.add(binding.action)
            part = self._part(app.get_key_display(binding), binding.description, enabled)
            spans.append(_Span(offset, offset + part.cell_length, binding.key, enabled))
            parts.append(part)
            offset += part.cell_length
        palette = Content("")
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = self._part(app.get_key_display(binding), binding.description, enabled)
            spans.append(_Span(-palette.cell_length, 0, binding.key, enabled))  # from the right edge
        return parts, palette, spans

    @staticmethod
    def _part(key: str, description: str, enabled: bool) -> Content:
        part = Content.assemble(
            (f" {key} ", "bold $footer-key-foreground"),
            (f"{description} " if description else "", "$footer-description-foreground"),
        )
        return part.stylize("dim") if not enabled else part

    def render(self) -> Content:
        width = self.size.width
        room = max(0, width - self._palette.cell_length)
        shown: list[Content] = []
        used = 0
        for part in self._parts:  # whole keys only: the rest are in the help screen (?)
            if used + part.cell_length > room:
                break
            shown.append(part)
            used += part.cell_length
        return Content.assemble(*shown, " " * (room - used), self._palette)

    def on_click(self, event: events.Click) -> None:
        width = self.size.width
        room = width - self._palette.cell_length
        for span in self._spans:
            start, end = (width + span.start, width + span.end) if span.start < 0 else (span.start, span.end)
            if start <= event.x < end and (span.start < 0 or end <= room):
                if span.enabled:
                    self.app.simulate_key(span.key)
                else:
                    self.app.bell()
                return
