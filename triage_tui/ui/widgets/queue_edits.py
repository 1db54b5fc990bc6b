"""How the queue list keeps its cursor and its rows steady while the window changes.

A mixin of `QueueList`: the session's window (`queue.window.Window`) is edited by pages
that arrive, the live feed, and the moderator's own decisions and undos; these methods
apply an edit and then put the cursor back on its item (or, when that item left, on the
one that followed it) and keep the rows on screen where they were, so nothing moves
under the moderator's eyes that they did not move.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from triage_tui.model import ItemSummary

if TYPE_CHECKING:
    from triage_tui.ui.widgets.queue_list import QueueList

    _Base = QueueList
else:
    _Base = object

__all__ = ["WindowEdits"]


class WindowEdits(_Base):
    """Edits of the list's window that keep the cursor on its item (mixed into `QueueList`)."""

    def index_of(self, item_id: str) -> int | None:
        """Position of a fetched item in the view, or None."""
        return self._items.index_of(item_id)

    def set_items(self, items: Sequence[ItemSummary], *, cursor: str | None = None) -> None:
        """Replace the index with exactly these items, e.g. a whole small view.

        The cursor goes to the item `cursor` names, else stays on the item it was on,
        else goes to the top. Tags on items no longer in the index are dropped, so an
        action on "all tagged" never reaches items the moderator cannot see.
        """
        previous = self.cursor_item
        self._items.replace(items)
        target = cursor if cursor is not None else (previous.id if previous else None)
        self.window_replaced(target, keep_tags=False)

    def window_replaced(self, cursor: str | None = None, *, index: int | None = None, keep_tags: bool = True) -> None:
        """The window now holds another run (a new view, a jump, a refresh): the cursor
        goes to the item `cursor` names if fetched, else to position `index`, else to the
        top; the row it was on stays at the same height on screen. Without `keep_tags`,
        tags on items not in the window are dropped."""
        old_index, old_top = self._cursor, self.scroll_offset.y
        found = self._items.index_of(cursor) if cursor is not None else None
        if found is None:
            found = index if index is not None else 0
        self._cursor = max(0, min(found, len(self._items) - 1))
        if self._tagged and not keep_tags:
            kept = self._tagged.intersection(self._items.ids())
            if kept != self._tagged:
                self._tagged = kept
                self.post_message(self.Tagged(self, frozenset(kept)))
        self._structure_changed(top=self._cursor - (old_index - old_top))

    def window_changed(self) -> None:
        """Rows arrived in the window (positions unchanged): draw them."""
        self._structure_changed(top=None)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove items (decided or claimed elsewhere). Returns how many were removed.

        The cursor stays on its item; if that item left, it moves to the one that
        followed it (or the new last item). Rows on screen do not jump when items
        above them leave.
        """
        targets = set(ids)
        positions = self._items.remove(targets)
        if self._tagged & targets:
            self._tagged -= targets
            self.post_message(self.Tagged(self, frozenset(self._tagged)))
        if positions:
            self.removed(positions)
        return len(positions)

    def removed(self, positions: Sequence[int]) -> None:
        """Rows at these positions (sorted, as they were) left the window: keep the
        cursor on its item, and rows on screen where they were."""
        top = self.scroll_offset.y
        above_cursor = bisect_left(positions, self._cursor)
        above_top = bisect_left(positions, top)
        self._cursor = max(0, min(self._cursor - above_cursor, len(self._items) - 1))
        self._structure_changed(top=top - above_top)

    def upsert(self, summary: ItemSummary) -> None:
        """Add a new item, or replace the item with the same id (a newer version).

        With a `sort_key`, new (or re-keyed) items go where the key puts them;
        otherwise new items are appended and replaced items keep their place.
        """
        was_empty = not self._items
        cursor = self.cursor_item
        start = self._items.start
        old, new = self._items.upsert(summary)
        self._forget_rows(summary.id)
        self.inserted(old, new, shifted=self._items.start - start, followed=cursor is not None and cursor.id == summary.id,
                      was_empty=was_empty)

    def inserted(self, old: int | None, new: int | None, *, shifted: int = 0, followed: bool = False, was_empty: bool = False) -> None:
        """The window moved a row from position `old` to `new` (None: not in the run; the
        run itself moved down by `shifted` when it went before it): keep the cursor on its
        item (`followed`: the row moved was the cursor's, follow it) and the rows on
        screen where they were."""
        if old is not None and old == new:
            self.refresh_line(old - self.scroll_offset.y)
            self._post_cursor()
            return
        top: int | None = self.scroll_offset.y + shifted
        cursor = self._cursor + shifted
        if old is not None:
            if old < cursor:
                cursor -= 1
            if top is not None and old < top:
                top -= 1
        if followed and new is not None:
            cursor, top = new, None
        elif new is not None and not was_empty:
            if new <= cursor:
                cursor += 1
            if top is not None and new < top:
                top += 1
        self._cursor = max(0, min(cursor, len(self._items) - 1))
        self._structure_changed(top=top)

