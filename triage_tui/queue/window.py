"""`Window`: the rows of one queue view that the app holds, by position.

The backend holds the queue (issue #16); the app holds one contiguous *run* of the
view's rows — the rows around the cursor plus look-ahead — at its position in the view,
and the view's `total`. Positions outside the run are known to exist but not fetched:
`window[i]` is None there, and the list draws a placeholder until the session fetches
them. The run is bounded (`trim`), so the app's memory does not grow with the queue.

This is the only copy of the queue in the app: `QueueList` draws from it, the session
(`queue/session.py`) fills it, and the live feed and the moderator's own decisions edit
it in place (`remove`, `upsert`), keeping every position after the change right.

Every order the app shows ends with the item id (`filters.Sort`), so rows of one view
are totally ordered by the sort key: an item that is not in the run can still be placed
before, inside or after it, which is how a change outside the run keeps the run's
position true (`place`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, overload

from triage_tui.model import ItemSummary

__all__ = ["SortKey", "Window"]

SortKey = Callable[[ItemSummary], Any]


class Window(Sequence["ItemSummary | None"]):
    """A run of a view's rows at `start`, in a view of `len(window)` positions.

    `total` is the view's size as last counted, adjusted by every change applied since;
    `exact` is False when it is only a lower bound (a backend that cannot count, or a
    filter it cannot evaluate: then the run is a prefix and `total` what matched so far).
    `changes` is bumped by every edit, so a result worked out for one state can tell
    that it is stale.
    """

    __slots__ = ("_ids", "changes", "exact", "key", "rows", "start", "total")

    def __init__(self, rows: Iterable[ItemSummary] = (), *, key: SortKey | None = None) -> None:
        self.rows: list[ItemSummary] = list(rows)
        self.start = 0
        self.total = len(self.rows)
        self.exact = True
        self.key = key  # the view's order, when it has one the app knows
        self.changes = 0
        self._ids: list[str] | None = None  # built lazily; kept in step once built

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return max(self.total, self.start + len(self.rows))

    @overload
    def __getitem__(self, index: int) -> ItemSummary | None: ...
    @overload
    def __getitem__(self, index: slice) -> list[ItemSummary | None]: ...

    def __getitem__(self, index: int | slice) -> ItemSummary | None | list[ItemSummary | None]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        offset = index - self.start
        return self.rows[offset] if 0 <= offset < len(self.rows) else None

    def __iter__(self) -> Iterator[ItemSummary | None]:
        for index in range(len(self)):
            yield self[index]

    def __bool__(self) -> bool:
        return len(self) > 0

    @property
    def known(self) -> int:
        """The view's size as far as it is known: `len` when exact, else the rows up to
        the run's end (a lower bound; `len` then counts one placeholder past it)."""
        return len(self) if self.exact else self.end

    @property
    def end(self) -> int:
        """The position after the run's last row."""
        return self.start + len(self.rows)

    def has(self, index: int) -> bool:
        return self.start <= index < self.end

    def index_of(self, item_id: str) -> int | None:
        """Position of an item of the run (a C-speed scan of the id list), or None."""
        try:
            return self.start + self.ids().index(item_id)
        except ValueError:
            return None

    def ids(self) -> list[str]:
        """The run's ids in order (the list is kept: do not change it)."""
        if self._ids is None:
            self._ids = [item.id for item in self.rows]
        return self._ids

    def loaded(self) -> list[ItemSummary]:
        """The run's rows (a copy)."""
        return list(self.rows)

    # -- replacing ----------------------------------------------------------------------

    def replace(self, rows: Iterable[ItemSummary], *, start: int = 0, total: int | None = None, exact: bool = True,
                key: SortKey | None | bool = False) -> None:
        """A new run: `rows` at position `start` of a view of `total` (by default, exactly
        as many as the run reaches); `key` changes the order (False: keeps it)."""
        self.rows = list(rows)
        self._ids = None
        self.start = max(0, start)
        self.total = max(total if total is not None else 0, self.end)
        self.exact = exact
        if key is not False:
            self.key = key  # type: ignore[assignment]
        self.changes += 1

    def extend(self, rows: Sequence[ItemSummary], *, total: int | None = None, exact: bool | None = None) -> int:
        """Append rows that follow the run in the view (a keyset page after its last row);
        rows already in the run are skipped. Returns how many were added."""
        have = set(self.ids()) if rows else set()
        new = [row for row in rows if row.id not in have]
        key = self.key
        if key is not None and new and self.rows and key(new[0]) < key(self.rows[-1]):
            # Pages of a backend that cannot sort in this order, sorted here: merge.
            self.rows = sorted([*self.rows, *new], key=key)
            self._ids = None
        else:
            self.rows += new
            if self._ids is not None:
                self._ids += [row.id for row in new]
        if total is not None:
            self.total = total
        if exact is not None:
            self.exact = exact
        self.total = max(self.total, self.end)
        self.changes += 1
        return len(new)

    def prepend(self, rows: Sequence[ItemSummary]) -> int:
        """Put rows that come just before the run (in the view's order) in front of it;
        rows already in the run are skipped. Returns how many were added."""
        have = set(self.ids())
        new = [row for row in rows if row.id not in have]
        new = new[-self.start:] if self.start else []
        self.rows[:0] = new
        self._ids = None
        self.start -= len(new)
        self.changes += 1
        return len(new)

    def trim(self, around: int, limit: int) -> int:
        """Keep at most `limit` rows of the run, centred on position `around`: the rest
        is fetched again if the moderator comes back. Returns how many rows were let go."""
        if len(self.rows) <= limit:
            return 0
        first = min(max(0, around - self.start - limit // 2), len(self.rows) - limit)
        dropped = len(self.rows) - limit
        self.rows = self.rows[first : first + limit]
        self._ids = None
        self.start += first
        self.changes += 1
        return dropped

    # -- live edits -----------------------------------------------------------------------

    def remove(self, ids: Iterable[str]) -> list[int]:
        """Take these items out of the run (decided here or elsewhere); every position
        after each shifts up by one and the total shrinks. Returns the removed positions,
        sorted (as they were before the removal), for the list to keep its cursor."""
        targets = set(ids)
        if not targets or not self.rows:
            return []
        id_list = self.ids()
        if len(targets) <= 3:  # a few C-speed scans beat one membership pass
            offsets = []
            for item_id in targets:
                try:
                    offsets.append(id_list.index(item_id))
                except ValueError:
                    pass
            offsets.sort()
        else:
            offsets = [i for i, item_id in enumerate(id_list) if item_id in targets]
        if not offsets:
            return []
        if len(offsets) <= 32:
            for offset in reversed(offsets):
                del self.rows[offset]
                del id_list[offset]
        else:
            drop = set(offsets)
            self.rows = [row for i, row in enumerate(self.rows) if i not in drop]
            self._ids = None
        self.total = max(self.end, self.total - len(offsets))
        self.changes += 1
        return [self.start + offset for offset in offsets]

    def place(self, item: ItemSummary) -> int:
        """Where an item that is not in the run stands against it: -1 before it, 0 in
        it (within its span, or at an end the run reaches), 1 after it. Without a known
        order an item goes at the end."""
        if not self.rows:
            return 0 if len(self) == 0 else 1
        key = self.key
        if key is None:
            return 0 if self.end >= len(self) else 1
        k = key(item)
        if k < key(self.rows[0]):
            return -1 if self.start > 0 else 0
        if k > key(self.rows[-1]):
            return 1 if self.end < len(self) else 0
        return 0

    def left_outside(self, item: ItemSummary) -> None:
        """An item of the view that is not in the run left the view: positions after it
        shift up by one. Call only for items that were in the view."""
        if self.place(item) < 0:
            self.start = max(0, self.start - 1)
        self.total = max(self.end, self.total - 1)
        self.changes += 1

    def upsert(self, item: ItemSummary) -> tuple[int | None, int | None]:
        """Add an item of the view, or replace the run's row with the same id (a newer
        version), at the place its sort key gives it. Returns (old position, new
        position); a new position of None means it went outside the run (before it:
        the run's positions shift down by one; after it: only the total grows)."""
        old_index = self.index_of(item.id)
        key = self.key
        if old_index is not None:
            offset = old_index - self.start
            old = self.rows[offset]
            if key is None or key(old) == key(item):
                self.rows[offset] = item
                self.changes += 1
                return old_index, old_index
            del self.rows[offset]
            if self._ids is not None:
                del self._ids[offset]
            self.total -= 1
        where = self.place(item)
        self.changes += 1
        self.total += 1
        if where < 0:
            self.start += 1
            return old_index, None
        if where > 0:
            return old_index, None
        offset = bisect.bisect_right(self.rows, key(item), key=key) if key is not None else len(self.rows)
        self.rows.insert(offset, item)
        if self._ids is not None:
            self._ids.insert(offset, item.id)
        self.total = max(self.total, self.end)
        return old_index, self.start + offset
