"""`QueueList`: the triage queue as a Line-API virtual list.

A queue holds 100k+ items and must stay instant (docs/architecture.md, "Scale"). DataTable,
ListView and OptionList build something per row up front and take seconds to open
such a queue; this widget draws from a `queue.window.Window` — the session's run of the
view's rows at their positions, the app's only copy of the queue — and, on each paint,
builds only the rows on screen (`render_line`), from Rich `Segment`s assembled piece by
piece, cached in a small LRU. A position the session has not fetched yet draws as a
dim placeholder until its page arrives.

Untrusted text (the snippet) arrives sanitized by the model (`sanitize.py`) and is only
ever placed in a `Segment` as plain text: no markup is parsed, so `[@click=app.quit]`
or `[/` shows literally. As a second line of defence any control character that
reaches the widget anyway is drawn as a visible symbol, never sent to the terminal.

Colour is never the only signal: the cursor row has a `▶` marker, tagged rows a `*`,
overdue deadlines a `!`, items with sanitizer findings a `⚠`, masked rows say so, and
an item whose decision came back not applied a `✖` (`unapplied.MARK`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from triage_tui.bindings import QUEUE
from triage_tui.cells import cut, pad
from triage_tui.model import ItemSummary
from triage_tui.model import now as utc_now
from triage_tui.queue.window import SortKey, Window
from triage_tui.ui.keymap import bindings
from triage_tui.ui.widgets.queue_edits import WindowEdits
from triage_tui.ui.widgets.queue_rows import CURSOR_MARK, ROW_CLASSES, ROWS_CSS, _Styles, build_row, due_label, read_styles

__all__ = ["QueueList", "due_label"]

Clock = Callable[[], datetime]
MaskPredicate = Callable[[ItemSummary], bool]
PLACEHOLDER = "\u2026 loading"  # a position whose row is not fetched yet

class QueueList(WindowEdits, ScrollView, can_focus=True, inherit_bindings=False):
    """The moderation queue: one line per item, only visible lines rendered.

    The index is a `Window` (positions, some of them fetched); `set_items` replaces it,
    `remove` and `upsert` apply the live change feed while keeping the cursor on the same
    item (or, when that item left, on the one that followed it). `window_changed` is
    for edits the session made to the window itself (pages that arrived).
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings(QUEUE)

    COMPONENT_CLASSES: ClassVar[set[str]] = ROW_CLASSES  # (their table: queue_rows.ROW_CLASSES)
    DEFAULT_CSS = ROWS_CSS

    class CursorMoved(Message):
        """The cursor is on a different item (or the item under it changed version)."""

        def __init__(self, queue_list: QueueList, item: ItemSummary | None, index: int | None) -> None:
            super().__init__()
            self.queue_list = queue_list
            self.item = item
            self.index = index

        @property
        def control(self) -> QueueList:
            return self.queue_list

    class Tagged(Message):
        """The set of tagged item ids changed; `tagged` is the whole new set."""

        def __init__(self, queue_list: QueueList, tagged: frozenset[str]) -> None:
            super().__init__()
            self.queue_list = queue_list
            self.tagged = tagged

        @property
        def control(self) -> QueueList:
            return self.queue_list

    class Revealed(Message):
        """The moderator asked to see masked items (`v`): the screen may reveal details too."""

        def __init__(self, queue_list: QueueList, ids: frozenset[str]) -> None:
            super().__init__()
            self.queue_list = queue_list
            self.ids = ids

        @property
        def control(self) -> QueueList:
            return self.queue_list

    def __init__(
        self,
        items: Sequence[ItemSummary] = (),
        *,
        window: Window | None = None,
        masked: MaskPredicate | None = None,
        clock: Clock = utc_now,
        sort_key: SortKey | None = None,
        advance_on_tag: bool = True,
        cache_size: int = 512,
        on_cursor: Callable[[ItemSummary | None, int | None], None] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """
        Args:
            items: The initial index (a window holding just these), unless `window`.
            window: The window to draw from (the session's; shared, not copied).
            masked: True for items to hide until revealed (sensitive reasons).
            clock: Returns the current UTC time; countdowns are computed from it.
            sort_key: The order of the index, if it has one: `upsert` inserts new items
                where this key puts them (by bisection). Without it they are appended.
            advance_on_tag: Move the cursor down after `space` toggles a tag.
            cache_size: How many built rows to keep.
            on_cursor: Called with the cursor item and index whenever `CursorMoved` is
                about to be posted, synchronously, in the same call that moved the
                cursor: whatever it repaints (the detail pane) joins the list's own
                repaint in one frame, instead of a frame later when the message has
                bubbled up (Textual paints at most once per 1/60 s).
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._items: Window = window if window is not None else Window(items, key=sort_key)
        self._cursor = 0
        self._tagged: set[str] = set()
        self._revealed: set[str] = set()
        self._masked: MaskPredicate | None = masked
        self._decided: dict[str, str] = {}  # item id -> what was decided, while it stays on screen
        self._unapplied: frozenset[str] = frozenset()  # items whose decision came back not applied
        self._clock: Clock = clock
        self.advance_on_tag = advance_on_tag
        self.on_cursor = on_cursor
        self._row_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(cache_size)
        self._styles: _Styles | None = None
        self._style_id = 0  # of _styles in _style_ids
        self._focused_styles: _Styles | None = None  # as they were when last focused
        self._style_ids: dict[_Styles, int] = {}  # in the row cache's keys: rows of both focus states stay
        self._frame_now: datetime | None = None
        self._frame_width: int | None = None
        self._posted: tuple[str, int] | None = None
        self._shown_labels: tuple[str, ...] = ()
        self.virtual_size = Size(0, len(self._items))

    # ------------------------------------------------------------------ data

    @property
    def items(self) -> Window:
        """The index, in display order (read-only; change it with the methods). None at a
        position not fetched yet."""
        return self._items

    @property
    def loaded(self) -> list[ItemSummary]:
        """The rows fetched, in display order (a copy)."""
        return self._items.loaded()

    @property
    def item_count(self) -> int:
        # Not __len__: an empty widget must not be falsy (Textual tests `if widget:`).
        return len(self._items)

    @property
    def cursor_index(self) -> int | None:
        """Index of the cursor row, or None when the queue is empty."""
        return self._cursor if self._items else None

    @property
    def cursor_item(self) -> ItemSummary | None:
        return self._items[self._cursor] if self._items else None

    @property
    def tagged(self) -> set[str]:
        """Ids of the tagged items (a copy)."""
        return set(self._tagged)

    @property
    def clock(self) -> Clock:
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = clock
        self.refresh()

    def set_sort_key(self, sort_key: SortKey | None) -> None:
        """The order `upsert` keeps; call `set_items` with items in that order too."""
        self._items.key = sort_key

    def mark_decided(self, item_id: str, label: str | None) -> None:
        """Show (or, with None, stop showing) that the item was just decided: with
        auto-advance off it stays on screen, marked, until the cursor moves on."""
        if label is None:
            self._decided.pop(item_id, None)
        else:
            self._decided[item_id] = label
        index = self.index_of(item_id)
        if index is not None:
            self.refresh_line(index - self.scroll_offset.y)

    def decided(self, item_id: str) -> str | None:
        return self._decided.get(item_id)

    def mark_unapplied(self, ids: Iterable[str]) -> None:
        """Mark these items (and only these) with `✖`: their decision was not applied."""
        ids = frozenset(ids)
        if ids != self._unapplied:
            self._unapplied = ids
            self.refresh()

    def unapplied(self, item_id: str) -> bool:
        return item_id in self._unapplied

    def set_mask(self, masked: MaskPredicate | None) -> None:
        """Change the predicate that decides which items are masked (e.g. a new policy)."""
        self._masked = masked
        self.refresh()

    def is_masked(self, item: ItemSummary) -> bool:
        return self._masked is not None and item.id not in self._revealed and self._masked(item)

    def is_revealed(self, item_id: str) -> bool:
        """Whether the moderator revealed this item (with v), masked or not."""
        return item_id in self._revealed

    def reveal(self, ids: Iterable[str]) -> None:
        """Show the snippets of these (masked) items."""
        before = len(self._revealed)
        self._revealed.update(ids)
        if len(self._revealed) != before:
            self.refresh()

    def conceal(self, ids: Iterable[str] | None = None) -> None:
        """Mask these items again (all revealed items when `ids` is None)."""
        if ids is None:
            self._revealed.clear()
        else:
            self._revealed.difference_update(ids)
        self.refresh()

    # ------------------------------------------------------------------ tags

    def toggle_tag(self, item_id: str | None = None) -> None:
        """Tag or untag an item (the cursor item by default)."""
        if item_id is None:
            item = self.cursor_item
            if item is None:
                return
            item_id = item.id
        if item_id in self._tagged:
            self._tagged.discard(item_id)
        else:
            self._tagged.add(item_id)
        self._tags_changed()

    def tag_ids(self, ids: Iterable[str], *, anywhere: bool = False) -> int:
        """Tag these items (those fetched, or with `anywhere` all of them: ids of the view
        streamed from the backend); returns how many tags were added."""
        new = set(ids) - self._tagged
        if not new:
            return 0
        if not anywhere:
            new.intersection_update(self._items.ids())
        if not new:
            return 0
        self._tagged |= new
        self._tags_changed()
        return len(new)

    def clear_tags(self) -> None:
        if self._tagged:
            self._tagged.clear()
            self._tags_changed()

    def _tags_changed(self) -> None:
        self.refresh()
        self.post_message(self.Tagged(self, frozenset(self._tagged)))

    # ------------------------------------------------------------------ actions

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row `index` (clamped) and scroll it into view."""
        if not self._items:
            return
        index = max(0, min(index, len(self._items) - 1))
        old = self._cursor
        if index != old:
            self._cursor = index
            self.refresh_line(old)
            self.refresh_line(index)
        self._scroll_to_cursor()
        self._post_cursor()

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_page_down(self) -> None:
        self._page(+1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._items) - 1)

    def action_toggle_tag(self) -> None:
        self.toggle_tag()
        if self.advance_on_tag:
            self.action_cursor_down()

    def action_reveal(self) -> None:
        """Reveal the tagged items, or the cursor item when none is tagged."""
        ids = set(self._tagged) if self._tagged else ({self.cursor_item.id} if self.cursor_item else set())
        if ids:
            self.reveal(ids)
            self.post_message(self.Revealed(self, frozenset(ids)))

    def _page(self, direction: int) -> None:
        if not self._items:
            return
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y + direction * height
        self.scroll_to(y=top, animate=False, force=True)
        self.move_cursor(self._cursor + direction * height)

    # ------------------------------------------------------------------ internals

    def _forget_rows(self, item_id: str) -> None:
        for cache_key in [k for k in self._row_cache.keys() if k[0] == item_id]:
            self._row_cache.discard(cache_key)

    def _structure_changed(self, top: int | None) -> None:
        """After the index changed shape: resize, keep the view steady, show the cursor."""
        size = Size(0, len(self._items))
        if size != self.virtual_size:
            # Not through the reactive: that lays the whole screen out (a full repaint, the
            # larger part of esc after a filter). The list's own size is the same; only a
            # scrollbar that comes or goes needs layout (it never does: overflow-y: scroll).
            self.set_reactive(QueueList.virtual_size, size)
        self._scroll_update(size)
        if top is not None and self.scrollable_content_region.height > 0:
            max_top = max(0, len(self._items) - self.scrollable_content_region.height)
            top = max(0, min(top, max_top))
            if top != self.scroll_offset.y:
                self.scroll_to(y=top, animate=False, force=True)
        self._scroll_to_cursor()
        self.refresh()
        self._post_cursor()

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0 or not self._items:
            return
        top = self.scroll_offset.y
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False, force=True)

    def _post_cursor(self) -> None:
        item = self.cursor_item
        state = None if item is None else (item.id, item.version)
        if state != self._posted:
            self._posted = state
            if self.on_cursor is not None:
                self.on_cursor(item, self.cursor_index)
            self.post_message(self.CursorMoved(self, item, self.cursor_index))

    def _on_mount(self, event: events.Mount) -> None:
        self.set_interval(1.0, self._tick, name="queue-list-countdown")
        self._post_cursor()

    def _on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

    def _on_focus(self, event: events.Focus) -> None:
        self._invalidate_styles()

    def _on_blur(self, event: events.Blur) -> None:
        self._invalidate_styles()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._invalidate_styles()

    def refresh_rows(self) -> None:
        """Rebuild every row on its next paint (after a keymap change, say)."""
        self._row_cache.clear()
        self._invalidate_styles()

    def _invalidate_styles(self) -> None:
        """Styles may have changed (focus, hover, theme): look again at the next paint.

        Rows are cached by the styles they were built with, so a hover or a no-op style
        update rebuilds nothing, and focus going and coming back rebuilds nothing either.
        """
        self._styles = None
        self.refresh()

    def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and self.scroll_offset.y + offset.y < len(self._items):
            self.move_cursor(self.scroll_offset.y + offset.y)

    def _visible_labels(self, now: datetime) -> tuple[str, ...]:
        top = self.scroll_offset.y
        rows = self._items[top : top + self.scrollable_content_region.height]
        return tuple(due_label(it.deadline, now)[0] for it in rows if it is not None and it.deadline is not None)

    def _tick(self) -> None:
        """Once a second: repaint if a visible countdown changed its minute."""
        labels = self._visible_labels(self._clock())
        if labels != self._shown_labels:
            self._shown_labels = labels
            self.refresh()

    # ------------------------------------------------------------------ rendering

    def _get_styles(self) -> _Styles:
        if self._styles is None:
            styles = read_styles(self)
            if styles not in self._style_ids:
                if len(self._style_ids) >= 4:  # themes come and go: start afresh
                    self._style_ids.clear()
                    self._row_cache.clear()
                self._style_ids[styles] = len(self._style_ids)
            self._styles, self._style_id = styles, self._style_ids[styles]  # (hashing 12 styles per row: no)
            if self.has_focus:
                self._focused_styles = styles
        return self._styles

    def _reveal_key(self) -> str:
        """The key that reveals, as the footer would show it (after the app's keymap)."""
        binding = next((b for _, b in self._bindings if b.action == "reveal"), None)
        if binding is None:
            return "v"
        if not self.is_attached:
            return binding.key
        keymap: dict[str, str] = getattr(self.app, "_keymap", {}) or {}
        keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
        return self.app.get_key_display(binding.with_key(keys.split(",")[0].strip()))

    def render_lines(self, crop: Region) -> list[Strip]:
        self._get_styles()  # looked at again after a style change
        self._frame_now = self._clock()
        self._frame_width = self.scrollable_content_region.width
        try:
            return super().render_lines(crop)
        finally:
            self._frame_now = None
            self._frame_width = None

    def render_line(self, y: int) -> Strip:
        width = self._frame_width if self._frame_width is not None else self.scrollable_content_region.width
        return self._row(self.scroll_offset.y + y, width, self._frame_now or self._clock(), self._cursor)

    def prepare(self, top: int, cursor: int) -> None:
        """Build the rows a view from `top` with the cursor on row `cursor` would show, into
        the row cache: the screen calls this after a frame for the page the next key is
        likely to show, so that paging only composites."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        now = self._clock()
        for index in range(max(0, top), min(len(self._items), top + self.scrollable_content_region.height)):
            self._row(index, width, now, cursor)

    def prepare_rows(self, items: Sequence[ItemSummary], cursor: int) -> None:
        """Build the rows of a first page of `items` with the cursor on row `cursor`, into
        the row cache, as they look with the list focused: for a filter's result worked
        out while it was typed (in the filter bar), so that showing it only composites."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        now = self._clock()
        styles = self._focused_styles or self._get_styles()
        for index, item in enumerate(items[: self.scrollable_content_region.height]):
            self._item_row(item, width, now, index == cursor, styles)

    def _row(self, index: int, width: int, now: datetime, cursor_index: int) -> Strip:
        items = self._items
        if not 0 <= index < len(items):
            return Strip.blank(width, self._get_styles().base)
        item = items[index]
        if item is None:
            return self._placeholder(width, index == cursor_index)
        return self._item_row(item, width, now, index == cursor_index)

    def _placeholder(self, width: int, cursor: bool) -> Strip:
        """A position whose row is on its way: dim, with the cursor mark if it is there."""
        st = self._get_styles()
        row = st.base + st.cursor if cursor else st.base
        text = (CURSOR_MARK if cursor else " ") + "   " + PLACEHOLDER
        return Strip([Segment(pad(cut(text, width), width), row + st.dim)], width)

    def _item_row(self, item: ItemSummary, width: int, now: datetime, cursor: bool, styles: _Styles | None = None) -> Strip:
        if styles is None:
            st, style_id = self._get_styles(), self._style_id
        else:
            st = styles
            style_id = self._style_ids.get(st)
            if style_id is None:  # (styles from before a theme change)
                style_id = self._style_ids[st] = len(self._style_ids)
        tagged = item.id in self._tagged
        masked = self.is_masked(item)
        due: tuple[str, bool] | None = None
        if item.deadline is not None:
            due = due_label(item.deadline, now)
        decided = self._decided.get(item.id) if self._decided else None
        unapplied = item.id in self._unapplied if self._unapplied else False
        cache_key = (item.id, item.version, width, cursor, tagged, masked, due, decided, unapplied, style_id)
        strip = self._row_cache.get(cache_key)
        if strip is None:
            strip = self._build_row(item, width, now, st, cursor=cursor, tagged=tagged, masked=masked, due=due, decided=decided,
                                    unapplied=unapplied)
            self._row_cache.set(cache_key, strip)
        return strip

    def _build_row(self, item: ItemSummary, width: int, now: datetime, st: _Styles, *, cursor: bool, tagged: bool, masked: bool, due: tuple[str, bool] | None, decided: str | None = None, unapplied: bool = False) -> Strip:
        return build_row(item, width, now, st, cursor=cursor, tagged=tagged, masked=masked, due=due, decided=decided,
                         unapplied=unapplied, reveal_key=self._reveal_key)
