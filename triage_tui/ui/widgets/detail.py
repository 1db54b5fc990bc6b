"""`DetailPane`: one item in full, as evidence — text, media, reports, profile, campaign, history.

What it says, and how untrusted text stays plain text, is `detail_sections` (the item's
sections) over `detail_blocks` (the document's blocks); this module draws it.

Speed. `show` runs on every cursor move, so the pane is a Line-API `ScrollView`: an
item becomes a list of blocks, each wrapped to the pane width once; strips are made a
chunk at a time, only for lines that are painted. The wrapped documents of recently
shown items are kept in a small LRU (`detail_cache`), so moving back and forth costs a
lookup. The virtual size is set without a layout pass of the screen (the vertical
scrollbar is always there, so the pane's width never depends on the item). `tick(now)`,
once a second, rebuilds only the blocks with a countdown, and repaints only when a
label actually changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual

from triage_tui.model import Item, Policy
from triage_tui.ui.widgets.detail_blocks import Block, document_lines, join, line_starts, update_live
from triage_tui.ui.widgets.detail_cache import Doc, Documents
from triage_tui.ui.widgets.detail_sections import (
    countdown,
    error_blocks,
    loading_blocks,
    main_reason,
    masked_by,
    nothing_blocks,
    render_item,
    size_text,
    waiting_blocks,
)
from triage_tui.ui.widgets.segments import compact

__all__ = [
    "DetailPane",
    "countdown",
    "main_reason",
    "masked_by",
    "render_item",
    "size_text",
]

_CHUNK = 64  # wrapped lines turned into strips at a time


class DetailPane(ScrollView, can_focus=False):
    """The right-hand pane of the triage screen: one item in full, safely.

    `show` is called on every cursor move, `tick` once a second; `show_loading` and
    `show_error` while the item is being fetched or could not be. It never takes focus:
    it scrolls with the mouse wheel, or from the screen's keys (`scroll_relative`).
    """

    DEFAULT_CSS = """
    DetailPane {
        padding: 0 0 0 1;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
    }
    """

    DOCUMENTS: ClassVar[int] = 16
    """How many recently shown items keep their wrapped document."""

    def __init__(self, *, reveal_key: str = "v", name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._reveal_key = reveal_key
        self._item: Item | None = None
        self._revealed = False
        self._now: datetime | None = None
        self._blocks: list[Block] = waiting_blocks()
        self._starts: list[int] = [0]
        self._total = 1
        self._width = -1
        self._strips: dict[int, Strip] = {}  # document line -> strip, for the lines painted
        self._frame: tuple[int, int, VisualStyle, Strip] | None = None
        self._painted: dict[int, Strip] = {}  # pane line -> the strip last painted there
        self._docs = Documents(self.DOCUMENTS)
        self._doc: Doc | None = None  # the document on show, when it is an item's

    # -- public -----------------------------------------------------------------------

    @property
    def item(self) -> Item | None:
        """The item on show (None while loading, on error, or when there is none)."""
        return self._item

    @property
    def content(self) -> Content:
        """What the pane shows now, unwrapped (for tests, and for copying as evidence)."""
        return join(self._blocks)

    @property
    def built_width(self) -> int:
        """The width the document on show was wrapped for (0 before the first layout)."""
        return max(self._width, 0)

    @property
    def reveal_key(self) -> str:
        """The key named in "press v to reveal"; set it after a keymap change."""
        return self._reveal_key

    @reveal_key.setter
    def reveal_key(self, key: str) -> None:
        if key != self._reveal_key:
            self._reveal_key = key
            self._docs.clear()
            if self._item is not None and self._now is not None:
                self._show_item(self._item, self._docs.policy, self._now, self._revealed, home=False)

    def show(self, item: Item | None, *, policy: Policy | None, now: datetime, revealed: bool) -> None:
        """Show `item` (or say there is none); cheap when it was shown recently."""
        self._now = now
        if item is None:
            self._item = None
            self._install(nothing_blocks(), home=True)
            return
        home = self._item is None or self._item.id != item.id
        self._show_item(item, policy, now, revealed, home=home)

    def show_loading(self, item_id: str) -> None:
        self._item = None
        self._install(loading_blocks(item_id), home=True)

    def show_error(self, item_id: str, message: str) -> None:
        self._item = None
        self._install(error_blocks(item_id, message), home=True)

    def tick(self, now: datetime) -> None:
        """Update the countdowns (header, claim, authority orders); repaints only what changed."""
        self._now = now
        if self._item is None:
            return
        changed = update_live(self._blocks, now)
        if not changed or self._width <= 0:
            return
        relayout = False
        for index in changed:
            block = self._blocks[index]
            count = len(block.lines)
            block.wrap(self._width)
            if len(block.lines) != count:
                relayout = True
                break
            start = self._starts[index]
            for line in range(start, start + count):
                self._strips.pop(line, None)
            self.refresh_lines(start, count)
        if relayout:
            self._reindex()
            self.refresh()

    def prepare(self, item: Item, *, policy: Policy | None, now: datetime, revealed: bool) -> None:
        """Build, wrap and draw the first screenful of `item` ahead of time: the screen
        calls this after a frame for the items the next key is likely to land on, so that
        landing there only composites (about a third of a cursor move's time)."""
        if not self.is_attached or (self._item is not None and self._item.id == item.id):
            return
        region = self.scrollable_content_region
        if region.width <= 0:
            return
        doc = self._document(item, policy, now, revealed)
        fresh = False
        for block in doc.blocks:
            if block.width != region.width:
                block.wrap(region.width)
                fresh = True
        style = self.visual_style
        if fresh or doc.stamp != (region.width, style):
            doc.strips, doc.stamp = {}, (region.width, style)
        starts, total = line_starts(doc.blocks)
        for start in range(0, min(region.height, total), _CHUNK):
            if start not in doc.strips:
                _draw_chunk(self, doc.blocks, starts, total, doc.strips, start, region.width, style)

    # -- internals --------------------------------------------------------------------

    def _document(self, item: Item, policy: Policy | None, now: datetime, revealed: bool) -> Doc:
        """`item`'s document for `now`: the one built recently if there is one."""
        return self._docs.get(item, policy, now, revealed=revealed, reveal_key=self._reveal_key)

    def _show_item(self, item: Item, policy: Policy | None, now: datetime, revealed: bool, *, home: bool) -> None:
        doc = self._document(item, policy, now, revealed)
        self._item, self._revealed = item, revealed
        self._install(doc.blocks, home=home, doc=doc)

    def _install(self, blocks: list[Block], *, home: bool, doc: Doc | None = None) -> None:
        self._doc = None
        self._blocks = blocks
        fresh = self._layout_document()
        if doc is not None:
            stamp = (self._width, self.visual_style)
            if fresh or doc.stamp != stamp:
                doc.strips, doc.stamp = self._strips, stamp
            else:
                self._strips = doc.strips  # drawn ahead by prepare, or when last shown
            self._doc = doc
        top = 0 if home else min(self.scroll_offset.y, max(0, self._total - self.scrollable_content_region.height))
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, force=True, immediate=True)
            self.refresh()
        else:
            self._repaint_changed()

    def _repaint_changed(self) -> None:
        """Repaint only the lines that differ from those on screen.

        Consecutive items share blank lines, section rules and the blank tail; each line
        not repainted skips Textual's per-line styling and compositing, and its bytes to a
        terminal that may be at the far end of a slow SSH link."""
        height = self.scrollable_content_region.height
        width = self._width
        painted = self._painted
        if not painted or width <= 0:
            self.refresh()
            return
        top = self.scroll_offset.y
        style = self.visual_style
        blank = Strip.blank(width, self.rich_style)
        run = -1  # the first line of a run of changed lines, or -1
        for y in range(height + 1):
            if y < height:
                new = self._strip(top + y, width, style, blank)
                old = painted.get(y)  # (none: never painted, say under another layer)
                if new is not old and new != old:
                    if run < 0:
                        run = y
                    continue
            if run >= 0:
                self.refresh_lines(top + run, y - run)
                run = -1

    def _layout_document(self) -> bool:
        """Wrap what is not wrapped at the current width, index the lines, set the size.
        True when a block was wrapped now (strips drawn before may be stale)."""
        width = self.scrollable_content_region.width if self.is_attached else 0
        self._width = width
        fresh = False
        if width > 0:
            for block in self._blocks:
                if block.width != width:
                    block.wrap(width)
                    fresh = True
        self._reindex()
        return fresh

    def _reindex(self) -> None:
        self._strips = {}
        if self._doc is not None:  # (a tick that rewrapped, a resize): its strips go too
            self._doc.strips, self._doc.stamp = self._strips, (self._width, self.visual_style)
        starts, total = line_starts(self._blocks)
        self._starts = starts
        self._total = total
        size = Size(max(self._width, 0), total)
        old = self.virtual_size
        if size != old:
            # No layout pass of the screen: the pane's own size does not change, and
            # with overflow-y: scroll its scrollbar does not come and go either.
            self.set_reactive(DetailPane.virtual_size, size)
            # When neither the old nor the new document scrolls, the scrollbar has no
            # thumb and looks the same: skip repainting it (2-3 ms a cursor move).
            height = self.vertical_scrollbar.window_size
            if size.width != old.width or height <= 0 or total > height or old.height > height:
                self._scroll_update(size)

    def on_resize(self) -> None:
        self._painted.clear()
        if self.scrollable_content_region.width != self._width:
            self._layout_document()
            self.refresh()

    def notify_style_update(self) -> None:
        """Strips carry resolved styles (theme): build them again at the next paint."""
        super().notify_style_update()
        self._strips.clear()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._layout_document()
        self._frame = (self.scroll_offset.y, width, self.visual_style, Strip.blank(width, self.rich_style))
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        frame = self._frame
        if frame is None:  # called directly (tests): the same as within a frame
            width = self.scrollable_content_region.width
            if width != self._width:
                self._layout_document()
            frame = (self.scroll_offset.y, width, self.visual_style, Strip.blank(max(width, 0), self.rich_style))
        top, width, style, blank = frame
        strip = self._painted[y] = self._strip(top + y, width, style, blank)
        return strip

    def _strip(self, index: int, width: int, style: VisualStyle, blank: Strip) -> Strip:
        """Document line `index` as drawn at `width` (drawn now if it was not drawn ahead)."""
        if not 0 <= index < self._total or width <= 0:
            return blank
        strip = self._strips.get(index)
        if strip is None:
            _draw_chunk(self, self._blocks, self._starts, self._total, self._strips, index - index % _CHUNK, width, style)
            strip = self._strips.get(index) or blank
        return strip


def _draw_chunk(pane: DetailPane, blocks: list[Block], starts: list[int], total: int, strips: dict[int, Strip], start: int, width: int, style: VisualStyle) -> None:
    """Turn a chunk of document lines into `strips` with one `to_strips` call."""
    lines = document_lines(blocks, starts, start, min(start + _CHUNK, total))
    drawn = Visual.to_strips(pane, Content("\n").join(lines), width, None, style, pad=True, apply_selection=False)
    if len(drawn) != len(lines):  # a line wrapped again after all: draw them one by one
        drawn = []
        for line in lines:
            one = Visual.to_strips(pane, line, width, 1, style, pad=True, apply_selection=False)
            drawn.append(one[0] if one else Strip.blank(width, pane.rich_style))
    for offset, strip in enumerate(drawn):
        strips[start + offset] = Strip(compact(strip.crop(0, width) if strip.cell_length > width else strip), width)
