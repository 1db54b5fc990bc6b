"""`QueueSession`: the app's hold on one queue over one backend, without Textual.

The backend holds the queue; the session holds a window onto it (issue #16, and
docs/architecture.md): the current view (queue, filter, sort) as `views.plan`
splits it for this backend, a `Window` of the view's rows around the cursor, the change
feed's effect on them, the items that arrived and wait for `R`, claims, and the detail
cache. Its async methods do I/O only and return what came (`Page`, `Preview`, …); the
screen's workers post those as messages, and its handlers hand them back to `apply*`,
which edit the window — so the window changes only between frames, in handlers, and
the list is told what moved.

Two ways to serve a view, by what the backend can do (`QueueSession.is_positional`):

- by position: the reference backend evaluates the whole filter and every sort and
  counts exactly. A page at any depth is one request (`offset`), so the window holds a
  bounded run (`KEEP`) and the moderator can jump anywhere: `G` is one request.
- by cursor from the start: a backend that cannot (Ozone) is read page by page as the
  cursor nears the end of what is held, the terms it cannot evaluate applied here, and
  sorted here if its pages are not in the view's order. Its counts are lower bounds
  ("≥ 240 so far") until the last page. Opening it asks for one page, never the queue.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from triage_tui.backends import Backend, QueueQuery
from triage_tui.views import View as ViewPlan
from triage_tui.views import plan as plan_view
from triage_tui.filters import Filter, Sort
from triage_tui.model import Item, ItemSummary, State
from triage_tui.queue.window import Window

__all__ = ["AHEAD", "KEEP", "PAGE", "Fetch", "Page", "Preview", "QueueSession", "View"]

MAX_PAGE = 1000  # the protocol's largest page
PAGE = 200  # rows of one request by position: a page at any depth costs the server one indexed read
SEQ_PAGE = 100  # rows of one request by cursor (Ozone's queryStatuses takes at most 100)
AHEAD = 120  # rows kept fetched beyond each edge of the screen: three pages down at 40 rows
OVERLAP = 8  # rows a page by position shares with the run it extends: proves they join
KEEP = 2_000  # rows the window holds at most (~2 MB); the rest is fetched again when needed
DETAIL_CACHE = 256
WALK_PAGE = 1000  # rows per request when gathering the summaries of tagged items


@dataclass(frozen=True, slots=True)
class View:
    """What the moderator looks at: a queue, narrowed by a filter, in an order."""

    queue: State = State.OPEN
    filter: Filter = field(default_factory=Filter)
    sort: Sort = field(default_factory=Sort)


@dataclass(frozen=True, slots=True)
class Fetch:
    """One request for rows of the view of generation `generation`: `offset` (by
    position), or after `cursor` (by cursor; None: from the start). `direction`: +1
    extends the run down, -1 up, 0 replaces it (a jump to `offset`)."""

    generation: int
    direction: int
    offset: int | None = None
    cursor: str | None = None
    limit: int = PAGE

    @property
    def key(self) -> tuple[int, int]:
        return (self.generation, self.direction)


@dataclass(frozen=True, slots=True)
class Page:
    """What a `Fetch` brought (or why not)."""

    fetch: Fetch
    items: tuple[ItemSummary, ...] = ()
    total: int = 0
    next_cursor: str | None = None
    seq: int = 0
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Preview:
    """What a filter would show: its first page and its count (`exact`: or a lower bound)."""

    view: View
    generation: int
    items: tuple[ItemSummary, ...]
    total: int
    exact: bool
    next_cursor: str | None = None


@dataclass(slots=True)
class Applied:
    """How a page changed the window, for the list: `replaced` (a new run: put the cursor
    back on `cursor_id` or at `index`), or rows added that moved nothing on screen."""

    replaced: bool = False
    cursor_id: str | None = None
    index: int | None = None
    stale: bool = False


class DetailCache:
    """The full items last looked at, most recent last, and the ones on their way."""

    __slots__ = ("_items", "fetching", "size")

    def __init__(self, size: int = DETAIL_CACHE) -> None:
        self._items: OrderedDict[str, Item] = OrderedDict()
        self.fetching: set[str] = set()
        self.size = size

    def get(self, item_id: str) -> Item | None:
        item = self._items.get(item_id)
        if item is not None:
            self._items.move_to_end(item_id)
        return item

    def want(self, item_id: str) -> bool:
        """Whether to fetch it now (not held, not on its way); marks it on its way."""
        if item_id in self._items or item_id in self.fetching:
            return False
        self.fetching.add(item_id)
        return True

    def put(self, item_id: str, item: Item | None) -> None:
        self.fetching.discard(item_id)
        if item is not None:
            self._items[item_id] = item
            self._items.move_to_end(item_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def drop(self, item_id: str) -> None:
        self._items.pop(item_id, None)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items


class QueueSession:
    """One queue of one backend, seen through a window (see the module's docstring)."""

    def __init__(self, backend: Backend, *, queue: State = State.OPEN, clock: Callable[[], datetime],
                 hidden: Callable[[], Iterable[ItemSummary]] = tuple,
                 undecided: Callable[[Iterable[ItemSummary]], list[ItemSummary]] = list) -> None:
        """`hidden`: the items decided here and not yet known applied (the backend still
        lists them: they are counted out of positions and totals); `undecided`: of a page's
        rows, those not decided (here, in an earlier session's unsent outbox rows, or
        elsewhere), so a late page does not bring a decided item back (`Decider.undecided`)."""
        self.backend = backend
        self.clock = clock
        self.view = View(queue=queue)
        self.plan: ViewPlan = plan_view(backend.capabilities, queue.value, Filter(), Sort())
        self.window = Window(key=self.view.sort.key)
        self.window.total = 0
        self.generation = 0
        self.opened = False  # the first page of this view came
        self.next_cursor: str | None = None  # by cursor: where the next page starts
        self.more = True  # by cursor: pages remain
        self.in_flight: set[tuple[int, int]] = set()
        self.new: dict[str, ItemSummary] = {}  # arrived in the view since it was read: R shows them
        self.queue_total: int | None = None  # the whole queue, unfiltered
        self.overdue: int = 0
        self.overdue_exact = True
        self.counted = False  # the counts beside the view came at least once
        self.details = DetailCache()
        self.claims: dict[str, str] = {}  # item id -> holder, as the feed last said
        self.claimed: str | None = None  # the item this moderator holds a lease on
        self.seq = 0
        self._hidden = hidden
        self._undecided = undecided

    # -- the view ----------------------------------------------------------------------------

    @property
    def positional(self) -> bool:
        return self.is_positional(self.plan)

    def is_positional(self, view_plan: ViewPlan) -> bool:
        """Rows by position with an exact total: the backend does the whole view and can
        jump and count (`Capabilities.offsets`, `counts`)."""
        caps = self.backend.capabilities
        return view_plan.exact and caps.offsets and caps.counts

    @property
    def exact(self) -> bool:
        """Whether `len(window)` is the view's size, not a lower bound."""
        return self.window.exact

    def plan_for(self, view: View) -> ViewPlan:
        return plan_view(self.backend.capabilities, view.queue.value, view.filter, view.sort)

    def set_view(self, view: View, preview: Preview | None = None) -> Fetch | None:
        """Show another view: a new generation (pages of the old one are ignored), an empty
        window, and the first request — or none, when `preview` already holds its first page."""
        self.view = view
        self.plan = self.plan_for(view)
        self.generation += 1
        self.in_flight.clear()
        self.new.clear()
        self.window.replace([], total=0, exact=self.positional, key=view.sort.key)
        self.opened = False
        self.next_cursor, self.more = None, True
        if preview is not None and preview.view == view:
            self.apply_preview(preview)
            return None
        return self.first()

    def first(self) -> Fetch:
        """The request for the view's first page."""
        request = Fetch(self.generation, 0, offset=0, limit=PAGE) if self.positional else Fetch(self.generation, +1, limit=SEQ_PAGE)
        self.in_flight.add(request.key)
        return request

    def matches(self, item: ItemSummary, now: datetime | None = None) -> bool:
        """Whether an item belongs in the view (its queue and filter)."""
        return item.state is self.view.queue and self.view.filter.matches(item, now or self.clock())

    # -- what to fetch -------------------------------------------------------------------------

    def wanted(self, top: int, height: int) -> list[Fetch]:
        """The requests that keep the rows from `top - AHEAD` to `top + height + AHEAD`
        fetched (none already on their way for the same direction)."""
        window, out = self.window, []
        if not self.opened or not len(window):
            return []  # (an empty view: the feed and R bring what joins it)
        if self.positional:
            lo, hi = max(0, top - AHEAD), min(len(window), top + height + AHEAD)
            if not window.rows or top + height <= window.start or top >= window.end:
                # A jump (G, a far page): one request for the screen and its look-ahead both ways.
                limit = min(MAX_PAGE, max(PAGE, height + 2 * AHEAD))
                start = max(0, min(top - AHEAD, len(window) - limit))
                out.append(Fetch(self.generation, 0, offset=self._server_offset(start), limit=limit))
            else:
                if hi > window.end:
                    out.append(Fetch(self.generation, +1, offset=self._server_offset(max(0, window.end - OVERLAP)), limit=PAGE))
                if lo < window.start:
                    first = max(0, window.start - PAGE + OVERLAP)
                    out.append(Fetch(self.generation, -1, offset=self._server_offset(first), limit=min(PAGE, window.start - first + OVERLAP)))
        elif self.more and top + height + AHEAD > window.end:
            out.append(Fetch(self.generation, +1, cursor=self.next_cursor, limit=SEQ_PAGE))
        out = [f for f in out if f.key not in self.in_flight]
        self.in_flight.update(f.key for f in out)
        return out

    def failed(self, request: Fetch) -> None:
        """A request did not come back: it may be asked again."""
        self.in_flight.discard(request.key)

    def _server_offset(self, position: int) -> int:
        """The backend's position for a position here: the items decided here that it
        still lists, and that sort before, are in its count and not in ours."""
        if not self.window.rows or position <= self.window.start:
            anchor = self.window.rows[0] if self.window.rows else None
        else:
            anchor = self.window.rows[min(len(self.window.rows), position - self.window.start) - 1]
        return position + self._hidden_before(anchor)

    def _unseen(self) -> list[ItemSummary]:
        """The view's items the backend lists and the window does not: decided here and
        not yet known applied, and new ones waiting for R. Positions and totals here
        leave them out, so a page's position and total are corrected by them."""
        return [*(i for i in self._hidden() if self.matches(i)), *self.new.values()]

    def _hidden_before(self, anchor: ItemSummary | None) -> int:
        if anchor is None:
            return 0
        key = self.view.sort.key
        k = key(anchor)
        return sum(1 for i in self._unseen() if key(i) < k)

    async def fetch(self, request: Fetch) -> Page:
        """I/O only: the rows `request` asks for. Raises `BackendError`."""
        if request.cursor is not None or request.offset is None:
            page = await self.backend.queue(self.plan.query, cursor=request.cursor, limit=request.limit)
        else:
            page = await self.backend.queue(self.plan.query, offset=request.offset, limit=request.limit)  # type: ignore[call-arg]
        return Page(request, page.items, page.total, page.next_cursor, page.seq)

    # -- applying what came ------------------------------------------------------------------

    def _keep(self, items: Iterable[ItemSummary]) -> list[ItemSummary]:
        """The rows of a page that the view shows: not decided here or elsewhere, matching
        what the backend could not evaluate."""
        hidden = {i.id for i in self._hidden()}
        rows = [i for i in self._undecided(items) if i.id not in hidden and i.id not in self.new and i.state is self.view.queue]
        residual = self.plan.rest
        if residual:
            rows = residual.select(rows, self.clock())
        if self.plan.sorted_here:
            rows = self.view.sort.sort(rows)
        return rows

    def apply(self, page: Page, cursor_index: int | None = None) -> Applied:
        """Put a page into the window (from the handler of the message that carried it)."""
        request = page.fetch
        self.in_flight.discard(request.key)
        if request.generation != self.generation:
            return Applied(stale=True)
        self.seq = max(self.seq, page.seq)
        window = self.window
        first_page = not self.opened
        self.opened = True
        rows = self._keep(page.items)
        if not self.positional:
            self.next_cursor, self.more = page.next_cursor, page.next_cursor is not None
            window.extend(rows)
            if not self.more:
                window.total, window.exact = window.end, True
            elif not self.plan.rest and self.backend.capabilities.counts:
                window.total, window.exact = max(page.total - self._hidden_count(), window.end), True
            else:  # a lower bound; one placeholder row past the end is where the cursor asks for more
                window.total, window.exact = window.end + 1, False
            return Applied()
        total = page.total - self._hidden_count()
        skipped = len(page.items) - len(rows)
        start = (request.offset or 0) - self._hidden_before(page.items[0] if page.items else None)
        if request.direction == 0 or not window.rows:
            window.replace(rows, start=start, total=max(total, start + len(rows)), exact=True)
            return Applied(replaced=True, index=cursor_index if not first_page else 0)
        have = {item_id: n for n, item_id in enumerate(window.ids())}
        common = [n for n, row in enumerate(rows) if row.id in have]
        if request.direction > 0:
            if common:
                window.extend(rows[common[-1] + 1 :], total=max(total, window.end))
            elif start <= window.end:
                window.extend(rows, total=max(total, window.end))  # (joined, with nothing to check it by)
            else:
                return self._jumped(rows, start, total, cursor_index)
        else:
            if common:
                window.start = max(0, start + common[0] - have[rows[common[0]].id]) if skipped == 0 else window.start
                window.prepend(rows[: common[0]])
            elif start + len(rows) >= window.start:
                window.prepend(rows)
            else:
                return self._jumped(rows, start, total, cursor_index)
        window.total = max(total, window.end)
        if cursor_index is not None:
            window.trim(cursor_index, KEEP)
        return Applied()

    def _jumped(self, rows: list[ItemSummary], start: int, total: int, cursor_index: int | None) -> Applied:
        """A page that should have joined the run does not (the queue moved under it):
        it becomes the run, and the cursor stays where it was on screen."""
        cursor = self.window[cursor_index] if cursor_index is not None else None
        self.window.replace(rows, start=start, total=max(total, start + len(rows)), exact=True)
        return Applied(replaced=True, cursor_id=cursor.id if cursor else None, index=cursor_index)

    def _hidden_count(self) -> int:
        return len(self._unseen())

    # -- previews (a filter as it is typed) ------------------------------------------------------

    async def preview(self, view: View) -> Preview:
        """I/O only: the first page of `view` with its count — one request by position; by
        cursor, the rows held that match (a lower bound; nothing is fetched)."""
        generation = self.generation
        view_plan = self.plan_for(view)
        if self.is_positional(view_plan):
            page = await self.backend.queue(view_plan.query, offset=0, limit=PAGE)  # type: ignore[call-arg]
            now = self.clock()
            hidden = sum(1 for i in self._hidden() if i.state is view.queue and view.filter.matches(i, now))
            return Preview(view, generation, page.items, max(0, page.total - hidden), True, page.next_cursor)
        now = self.clock()
        held = [i for i in self.window.rows if i.state is view.queue and view.filter.matches(i, now)]
        return Preview(view, generation, tuple(view.sort.sort(held)), len(held), not self.more and view.sort == self.view.sort)

    def apply_preview(self, preview: Preview) -> None:
        """The first page a preview brought, as the first page of its view (now current)."""
        self.opened = True
        if self.positional:
            rows = self._keep(preview.items)
            self.window.replace(rows, total=max(preview.total - self._hidden_count(), len(rows)), exact=True)
        else:
            self.window.replace(preview.items, total=len(preview.items) + (0 if preview.exact else 1), exact=preview.exact)
            self.next_cursor, self.more = None, True  # read its pages again, from the start

    def tag_view(self, tag: Filter) -> View:
        """The view that `T` with `tag` tags: the current one narrowed by it."""
        return View(self.view.queue, Filter([*self.view.filter.terms, *tag.terms]), self.view.sort)

    async def matching_ids(self, view: View) -> list[str]:
        """I/O only: every id of `view`, in order — one streamed request where the backend
        streams ids; else the rows held that match (what the moderator has seen)."""
        view_plan = self.plan_for(view)
        caps = self.backend.capabilities
        if self.is_positional(view_plan) and caps.id_streams:
            hidden = {i.id for i in self._hidden()}
            return [i async for i in self.backend.ids(view_plan.query) if i not in hidden]  # type: ignore[attr-defined]
        now = self.clock()
        return [i.id for i in self.window.rows if view.filter.matches(i, now)]

    async def summaries(self, ids: set[str], views: Sequence[View]) -> list[ItemSummary]:
        """I/O only: the summaries of tagged items the window does not hold, from the views
        they were tagged through (a walk of their pages: decisions need each item's
        version and kind). Items no longer in any of them are not returned."""
        found: dict[str, ItemSummary] = {}
        need = set(ids)
        for view in views:
            if not need:
                break
            query = self.plan_for(view).query
            cursor: str | None = None
            while need:
                page = await self.backend.queue(query, cursor=cursor, limit=WALK_PAGE)
                for item in page.items:
                    if item.id in need:
                        found[item.id] = item
                        need.discard(item.id)
                cursor = page.next_cursor
                if cursor is None:
                    break
        return list(found.values())

    # -- counts beside the view -----------------------------------------------------------------

    async def counts(self) -> tuple[int | None, int, bool]:
        """I/O only: the whole queue's size and how many of it are past their deadline
        (two cheap requests where the backend counts; else what is held, a lower bound)."""
        queue = self.view.queue.value
        caps = self.backend.capabilities
        if caps.counts and caps.filter_expressions:
            whole = await self.backend.count(QueueQuery(queue=queue))  # type: ignore[arg-type, attr-defined]
            late = await self.backend.count(QueueQuery(queue=queue, filter="overdue"))  # type: ignore[arg-type, attr-defined]
            hidden = [i for i in self._hidden() if i.state is self.view.queue]
            now = self.clock()
            late_hidden = sum(1 for i in hidden if i.deadline is not None and i.deadline <= now)
            return max(0, whole.total - len(hidden)), max(0, late.total - late_hidden), True
        now = self.clock()
        late_held = sum(1 for i in self.window.rows if i.deadline is not None and i.deadline <= now)
        return None, late_held, False

    # -- live changes ----------------------------------------------------------------------------

    def arrived(self, items: Iterable[ItemSummary]) -> list[ItemSummary]:
        """Items the feed says joined the queue (or changed). Those in the window are
        replaced in place (returned, for the list to upsert); new ones that match wait
        for R and are counted."""
        now = self.clock()
        replace = []
        for item in items:
            if self.window.index_of(item.id) is not None:
                replace.append(item)
            elif self.matches(item, now):
                self.new[item.id] = item
        return replace

    def left(self, ids: Iterable[str]) -> None:
        """Items that left the queue (decided elsewhere): no longer new."""
        for item_id in ids:
            self.new.pop(item_id, None)
            self.details.drop(item_id)

    def refresh(self, cursor: ItemSummary | None, cursor_index: int | None) -> tuple[Fetch | None, int, list[ItemSummary]]:
        """R: show the new items. By position the view is read again around the cursor's
        item, which keeps the cursor: returns the request and where that item now stands
        (the new items that sort before it push it down). By cursor the rows held are the
        view as far as it is known, sorted here: the new items are returned, to be put in
        their places (`QueueList.upsert` keeps the cursor on its item)."""
        new = list(self.new.values())
        self.new.clear()
        index = cursor_index or 0
        if not self.positional:
            return None, index, new
        if cursor is not None:
            key = self.view.sort.key
            k = key(cursor)
            index += sum(1 for item in new if key(item) < k)
        self.generation += 1
        self.in_flight.clear()
        return Fetch(self.generation, 0, offset=max(0, index - AHEAD // 2), limit=PAGE), index, []
