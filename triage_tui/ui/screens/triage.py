"""The triage screen: the queue, the item, one key per decision.

The screen owns the flow. Workers do the I/O (connect, load pages, follow the change
feed, fetch details, claim, send the outbox) and post messages; only the message
handlers touch widgets. A decision is written to the durable outbox before the list
moves on — the outbox, not this screen, is what survives a dropped SSH session. Decide
and undo over the outbox are `queue.decide.Decider`'s: the screen applies its results.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import random
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.notifications import Notification
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from triage_tui.backends import Backend, QueueQuery
from triage_tui.backends.errors import BackendError, ClaimConflict, Unauthorized
from triage_tui.bindings import TRIAGE
from triage_tui.filters import SORTS, Filter, FilterError, SetTerm, Sort, parse, parse_sort
from triage_tui.model import Action, ChangeBatch, ChangeType, Item, ItemSummary, Moderator, Policy, Scope, State
from triage_tui.model import now as utc_now
from triage_tui.notice import fit, short_id
from triage_tui.outbox import Outbox
from triage_tui.queue.decide import Decider, Notice
from triage_tui.sync import Sender
from triage_tui.ui.keymap import bindings
from triage_tui.ui.screens.dialogs import ConfirmDialog, EscalateChoice, EscalateDialog, ReasonPicker, RemoveChoice, unsent_fate
from triage_tui.ui.screens.help import HelpScreen
from triage_tui.ui.screens.stats import StatsScreen
from triage_tui.ui.screens.sync import SyncScreen
from triage_tui.ui.toasts import post, withdraw
from triage_tui.ui.widgets.detail import DetailPane
from triage_tui.ui.widgets.filter_bar import FilterBar
from triage_tui.ui.widgets.keybar import KeyBar
from triage_tui.ui.widgets.queue_list import QueueList
from triage_tui.ui.widgets.status import StatusLine
from triage_tui.unapplied import Redecide
from triage_tui.workflow import feed_effect, guard, reasons_for, refusal, reported_reason
from triage_tui.words import plural

PAGE = 1000
PREFETCH = 3
AHEAD_AFTER = 0.01  # seconds after a frame before looking ahead (its bytes go out first)
DETAIL_CACHE = 256
CLAIM_AFTER = 1.0  # seconds the cursor rests on an item before we claim it
CLAIM_TTL = 300
FREEZE_FROM = 20_000  # loaded items from which the index is hidden from the cyclic GC
SLICE = 20_000  # items a filter preview looks at between two turns of the event loop
PREVIEW_FOR = 2.0  # seconds a preview's result may be applied as it is (its `now` is that old)


@dataclass(frozen=True, slots=True)
class Settings:
    undo_seconds: float = 8.0
    auto_advance: bool = True  # off: a decided item stays on screen, marked, until the cursor moves on
    confirm_above: int = 10
    claim_on_open: bool = True
    mask_sensitive: bool = True
    sync_batch: int = 100
    sync_max_delay: float = 60.0


class _FieldIndex:
    """The ids of the loaded items by source, country and reason.

    A filter with a positive `source:`, `country:` or `reason:` term can only match
    items that have one of its values there, so `_rebuild` runs `Filter.select` (still
    the whole truth) over those instead of every loaded item: 70 ms -> a few at 300k for
    `source:ao country:DE`. Filters without such a term scan everything, as before.
    """

    __slots__ = ("_by",)
    FIELDS = ("source", "country", "reason")

    def __init__(self) -> None:
        self._by: dict[str, dict[str, set[str]]] = {name: {} for name in self.FIELDS}

    @staticmethod
    def _values(item: ItemSummary) -> tuple[tuple[str, Sequence[str]], ...]:
        return (
            ("source", [source.value for source in item.sources]),
            ("country", item.countries),
            ("reason", item.reasons),  # every report's, as `reason:` matches (the main one is among them)
        )

    def add(self, item: ItemSummary) -> None:
        for name, values in self._values(item):
            index = self._by[name]
            for value in values:
                ids = index.get(value)
                if ids is None:
                    index[value] = ids = set()
                ids.add(item.id)

    def discard(self, item: ItemSummary | None) -> None:
        if item is None:
            return
        for name, values in self._values(item):
            index = self._by[name]
            for value in values:
                ids = index.get(value)
                if ids is not None:
                    ids.discard(item.id)
                    if not ids:
                        del index[value]

    def candidates(self, query: Filter, total: int) -> set[str] | None:
        """Ids that can match `query` (a superset of its matches), or None: look at all
        `total` items. Terms that would leave more than an eighth of them are not used:
        the loaded order is near the sort order, and sorts in near-linear time."""
        best: set[str] | None = None
        for term in query.terms:
            if not isinstance(term, SetTerm) or term.negated or term.name not in self._by:
                continue
            index = self._by[term.name]
            sets = [index.get(value, set()) for value in term.values]
            if sum(map(len, sets)) > total // 8:
                continue
            ids = sets[0] if len(sets) == 1 else set().union(*sets)
            best = ids if best is None else best & ids  # (a new set: the index's are never changed by the caller)
        return best


class _Deadlines:
    """The deadlines of the loaded items, sorted: "how many are past" is a bisection
    instead of a pass over every item (17 ms at 300k, once a second and after each event)."""

    __slots__ = ("_sorted",)

    def __init__(self) -> None:
        self._sorted: list[datetime] = []

    def add(self, items: Sequence[ItemSummary]) -> None:
        new = [item.deadline for item in items if item.deadline is not None]
        if len(new) > 16:
            self._sorted += new
            self._sorted.sort()  # runs of sorted pages: timsort merges them in linear time
        else:
            for deadline in new:
                bisect.insort(self._sorted, deadline)

    def discard(self, item: ItemSummary | None) -> None:
        if item is None or item.deadline is None:
            return
        index = bisect.bisect_left(self._sorted, item.deadline)
        if index < len(self._sorted) and self._sorted[index] == item.deadline:
            del self._sorted[index]

    def past(self, now: datetime) -> int:
        """How many deadlines are at or before `now`."""
        return bisect.bisect_right(self._sorted, now)


class _Order:
    """The loaded items in the queue's order, kept in step with the feed's small changes:
    esc after a filter at 300k items was a 300 ms sort, and with claims and decisions
    arriving all the time a cache of the last sort was rarely still good. Big batches
    (pages while loading) and a new order drop it; the next use sorts once."""

    __slots__ = ("_sort", "_items")
    SMALL = 64  # changes kept in step one by one (each is a C-speed list insert or delete)

    def __init__(self) -> None:
        self._sort: Sort | None = None
        self._items: list[ItemSummary] | None = None

    def get(self, sort: Sort, loaded: Iterable[ItemSummary]) -> list[ItemSummary]:
        """The items in `sort`'s order (the list is kept: copy it to change it)."""
        if self._items is None or self._sort != sort:
            self._items, self._sort = sort.sort(loaded), sort
        return self._items

    def kept(self, sort: Sort) -> list[ItemSummary] | None:
        """The items in `sort`'s order if that is the order kept, else None (no sort now)."""
        return self._items if self._sort == sort else None

    def change(self, gone: Sequence[ItemSummary], added: Sequence[ItemSummary]) -> None:
        items, sort = self._items, self._sort
        if items is None or sort is None:
            return
        if len(gone) + len(added) > self.SMALL:
            self._items = None
            return
        key = sort.key
        for item in gone:
            index = bisect.bisect_left(items, key(item), key=key)
            if index < len(items) and items[index] is item:
                del items[index]
            else:  # not where its order puts it: do not guess
                self._items = None
                return
        for item in added:
            bisect.insort(items, item, key=key)


# -- messages from workers ---------------------------------------------------------


class Connected(Message):
    def __init__(self, me: Moderator, policy: Policy) -> None:
        super().__init__()
        self.me = me
        self.policy = policy


class PageLoaded(Message):
    def __init__(self, items: Sequence[ItemSummary], *, first: bool, total: int, done: bool) -> None:
        super().__init__()
        self.items = items
        self.first = first
        self.total = total
        self.done = done


class FeedArrived(Message):
    def __init__(self, batch: ChangeBatch) -> None:
        super().__init__()
        self.batch = batch


class LinkState(Message):
    """The connection to the backend changed: online, or why not."""

    def __init__(self, online: bool, problem: str | None = None) -> None:
        super().__init__()
        self.online = online
        self.problem = problem


class DetailLoaded(Message):
    def __init__(self, item_id: str, item: Item | None, problem: str | None) -> None:
        super().__init__()
        self.item_id = item_id
        self.item = item
        self.problem = problem


class FilterPreview(Message):
    """What enter would show (or tag) for the filter as typed so far."""

    def __init__(self, text: str, mode: str, sort: Sort, changes: int, now: datetime, items: list[ItemSummary]) -> None:
        super().__init__()
        self.text = text
        self.mode = mode
        self.sort = sort
        self.changes = changes
        self.now = now
        self.items = items


class ClaimAnswer(Message):
    def __init__(self, item_id: str, holder: str | None, problem: str | None) -> None:
        super().__init__()
        self.item_id = item_id
        self.holder = holder
        self.problem = problem


class SyncState(Message):
    """A send step ended; `text` is its problem, if any (what came back is read from the outbox)."""

    def __init__(self, text: str | None) -> None:
        super().__init__()
        self.text = text


class TriageScreen(Screen[None]):
    """One queue (open, or escalated to my teams) over one backend."""

    DEFAULT_CSS = """
    TriageScreen { layout: vertical; layers: default overlay; }
    #main { height: 1fr; }
    #queue { width: 1fr; min-width: 30; }
    #detail { width: 1fr; border-left: vkey $foreground 30%; }
    TriageScreen.narrow #main { layout: vertical; }
    TriageScreen.narrow #queue { height: 2fr; width: 100%; }
    TriageScreen.narrow #detail { height: 3fr; width: 100%; border-left: none; border-top: hkey $foreground 30%; }
    """

    BINDINGS = bindings(TRIAGE)

    def __init__(self, backend: Backend, outbox: Outbox, *, backend_name: str, queue: State = State.OPEN, settings: Settings = Settings(), clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.backend = backend
        self.outbox = outbox
        self.backend_name = backend_name
        self.queue_state = queue
        self.settings = settings
        self.clock = clock
        self.me: Moderator | None = None
        self.policy: Policy | None = None
        self.sender: Sender | None = None
        self._all: dict[str, ItemSummary] = {}  # change it only through _put and _drop
        self._deadlines = _Deadlines()  # of the items in _all
        self._index = _FieldIndex()  # of the items in _all
        self._order = _Order()  # of the items in _all, for the whole queue
        self._loaded = False
        self._total = 0
        self._filter = Filter()
        self._sort = Sort()
        self._filter_mode = "filter"
        self._changes = 0  # bumped by every change to the loaded items (a preview is of one state)
        self._preview: FilterPreview | None = None
        self._details: OrderedDict[str, Item] = OrderedDict()
        self._fetching: set[str] = set()
        # Decide and undo over the outbox, and what they keep out of the queue (queue/decide.py).
        self.decider: Decider[Notification] = Decider(outbox, backend=backend_name, undo_seconds=settings.undo_seconds, clock=clock)
        self._claimed: str | None = None
        self._claims: dict[str, str] = {}
        self._claim_timer: Timer | None = None
        self._ahead_timer: Timer | None = None
        self._online = False
        self._problem: str | None = "connecting…"
        self._sync_text: str | None = None
        self._wake = asyncio.Event()
        self._last_index: int | None = None  # where the cursor was when the pane last followed it
        self._next_id: str | None = None  # the item the same key again would land on (drawn ahead)
        self._detail_for: object = self  # the cursor (id, version) the pane was last pointed at

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            yield QueueList(id="queue", clock=self.clock, sort_key=self._sort.key, masked=self._masked)
            yield DetailPane(id="detail")
        yield FilterBar(id="filter-bar")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(QueueList).focus()
        self.queue.on_cursor = self._cursor_changed
        self.detail.reveal_key = self.queue._reveal_key()  # "press v" follows a remapped key
        self._connect()
        self.set_interval(1.0, self._tick)
        self._layout_for(self.size.width)

    def on_resize(self) -> None:
        self._layout_for(self.size.width)

    def _layout_for(self, width: int) -> None:
        self.set_class(width < 120, "narrow")

    @property
    def queue(self) -> QueueList:
        return self.query_one(QueueList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    # -- workers: I/O only, then a message -----------------------------------------------

    @work(exclusive=True, group="connect")
    async def _connect(self) -> None:
        delay = 1.0
        while True:
            try:
                me = await self.backend.me()
                policy = await self.backend.policy()
                break
            except Unauthorized as exc:
                self.post_message(LinkState(False, f"token rejected: {exc}"))
                return
            except BackendError as exc:
                self.post_message(LinkState(False, str(exc)))
                await asyncio.sleep(random.uniform(0, delay))
                delay = min(60.0, delay * 2)
        self.post_message(Connected(me, policy))
        query = QueueQuery(queue=self.queue_state.value, sort="deadline")
        cursor: str | None = None
        first = True
        seq = 0
        while True:
            try:
                page = await self.backend.queue(query, cursor=cursor, limit=PAGE)
            except BackendError as exc:
                self.post_message(LinkState(False, str(exc)))
                await asyncio.sleep(2.0)
                continue
            if first:
                seq = page.seq
                self._follow(seq)
            self.post_message(PageLoaded(page.items, first=first, total=page.total, done=page.next_cursor is None))
            first = False
            cursor = page.next_cursor
            if cursor is None:
                return

    @work(exclusive=True, group="feed")
    async def _follow(self, since: int) -> None:
        delay = 1.0
        while True:
            try:
                batch = await self.backend.changes(since, wait=25)
            except BackendError as exc:
                self.post_message(LinkState(False, str(exc)))
                await asyncio.sleep(random.uniform(0, delay))
                delay = min(60.0, delay * 2)
                continue
            delay = 1.0
            self.post_message(LinkState(True))
            if batch.changes:
                self.post_message(FeedArrived(batch))
            since = batch.seq

    async def _fetch(self, item_id: str) -> None:
        try:
            item = await self.backend.item(item_id)
        except BackendError as exc:
            self.post_message(DetailLoaded(item_id, None, str(exc)))
        else:
            self.post_message(DetailLoaded(item_id, item, None))

    async def _claim(self, item_id: str, release: str | None) -> None:
        if release is not None:
            try:
                await self.backend.release(release)
            except BackendError:
                pass  # the lease lapses by itself
        try:
            claim = await self.backend.claim(item_id, ttl=CLAIM_TTL)
        except ClaimConflict as exc:
            self.post_message(ClaimAnswer(item_id, exc.holder, str(exc)))
        except BackendError as exc:
            self.post_message(ClaimAnswer(item_id, None, str(exc)))
        else:
            self.post_message(ClaimAnswer(item_id, claim.holder, None))

    async def _release(self, item_id: str) -> None:
        try:
            await self.backend.release(item_id)
        except BackendError:
            pass

    @work(exclusive=True, group="sync")
    async def _sync(self) -> None:
        assert self.sender is not None
        while True:
            try:
                report = await self.sender.step()
            except Exception as exc:  # the outbox itself failed (disk full, a lock held too long)
                self.post_message(SyncState(f"sending stopped: the outbox failed ({exc}); retrying"))
                await asyncio.sleep(5.0)
                continue
            self.post_message(SyncState(report.problem))
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.2, report.next_in))
            except TimeoutError:
                pass

    # -- message handlers: the only code that touches widgets ------------------------------

    def on_connected(self, message: Connected) -> None:
        self.me, self.policy = message.me, message.policy
        self.decider.moderator = message.me.id
        self._online, self._problem = True, None
        self.sender = Sender(self.outbox, self.backend, backend_name=self.backend_name, moderator=message.me.id,
                             batch=self.settings.sync_batch, max_delay=self.settings.sync_max_delay)
        self._sync()
        self.queue.refresh_rows()  # masks depend on the policy
        self._refresh_status()

    def on_page_loaded(self, message: PageLoaded) -> None:
        # Decided (here or elsewhere), or already listed from the change feed: skip.
        fresh = [i for i in self.decider.undecided(message.items) if i.id not in self._all]
        self._put(fresh)
        self._total = message.total
        self._loaded = message.done
        # Appending a page keeps the queue in order only if the backend's pages come in
        # the shown order (batch.matching asks the same); otherwise sort it all again.
        if message.first or self._filter or self._sort != Sort() or not self.backend.capabilities.sorted_pages:
            self._rebuild(keep_cursor=not message.first)
        else:
            self.queue.set_items([*self.queue.items, *fresh], cursor=self._cursor_id())
        self._refresh_status()
        self._items_changed()
        if message.done and len(self._all) >= FREEZE_FROM:
            # The loaded index is millions of long-lived objects; Python's full garbage
            # collection walks them all (0.4 s at 300k items, at random key presses).
            # Move what is alive now out of its sight; young garbage is collected first.
            gc.collect(1)
            gc.freeze()

    def on_feed_arrived(self, message: FeedArrived) -> None:
        if self.me is None:
            return
        teams = None if self.policy is None or self.me.roles & {"senior", "admin"} else {
            t.code for t in self.policy.escalation_targets if t.role in self.me.roles}
        effect = feed_effect(message.batch, self.me.id, self.queue_state, teams)
        leaving = self.decider.left(effect)
        watched = {self._cursor_id(), *self.queue.tagged}  # what the moderator is looking at or about to act on
        for item_id in effect.removed:
            self._drop(item_id)
            self._details.pop(item_id, None)
        if leaving:
            self.queue.remove(leaving)
        now = self.clock()
        for item in effect.added:
            self._put([item])
            if self._filter.matches(item, now):
                self.queue.upsert(item)
        for item_id, holder in effect.claims.items():
            if holder is None:
                self._claims.pop(item_id, None)
            else:
                self._claims[item_id] = holder
        for gone in effect.elsewhere:
            if gone.item_id in watched:
                said = (f"{short_id(gone.item_id)} went to a team you are not on" if gone.action == ChangeType.LEFT
                        else f"{short_id(gone.item_id)} was just decided by {short_id(gone.by or 'someone')} ({gone.action})")
                self.notify(fit(said, keep="; it left your queue."), title="Decided elsewhere", severity="warning", timeout=12, markup=False)
        self._show_cursor_detail()
        self._refresh_status()
        self._items_changed()

    def on_link_state(self, message: LinkState) -> None:
        self._online, self._problem = message.online, message.problem
        self._refresh_status()

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        self._fetching.discard(message.item_id)
        if message.item is not None:
            self._details[message.item_id] = message.item
            self._details.move_to_end(message.item_id)
            while len(self._details) > DETAIL_CACHE:
                self._details.popitem(last=False)
        if message.item_id == self._cursor_id():
            if message.item is not None:
                self._show_item(message.item)
            else:
                self.detail.show_error(message.item_id, message.problem or "could not load")
        elif message.item is not None and message.item_id == self._next_id:
            self._prepare(message.item)  # the next page's item, asked for by the last page key

    def on_claim_answer(self, message: ClaimAnswer) -> None:
        if message.problem is None:
            self._claimed = message.item_id
        elif message.holder and message.holder != (self.me.id if self.me else None):
            self._claims[message.item_id] = message.holder
            if message.item_id == self._cursor_id():
                self.notify(fit(f"{short_id(message.item_id)} is being handled by {short_id(message.holder)}."), title="Claimed",
                            severity="warning", markup=False)
        self._refresh_status()

    def on_sync_state(self, message: SyncState) -> None:
        self._sync_text = message.text
        self._take_back()
        self._refresh_status()

    def _take_back(self) -> None:
        """Put back in the queue, marked, every item whose decision came back not applied,
        with a notice saying why (the decider works out which: `Decider.take_back`)."""
        taken = self.decider.take_back(self._all.get)
        for notice in taken.notices:
            self._say(notice)
        now = self.clock()
        for summary in taken.back:
            self._restore(summary, now)
        self.queue.mark_unapplied(taken.marked)
        if taken.returned:
            self._show_cursor_detail()
            self._items_changed()

    def _restore(self, summary: ItemSummary, now: datetime) -> None:
        """The item is in the queue again, at its place in the order (fetched afresh)."""
        if self.decider.returning(summary.id):
            self.queue.mark_decided(summary.id, None)
        self._details.pop(summary.id, None)
        self._put([summary])
        if self._filter.matches(summary, now):
            self.queue.upsert(summary)

    def _cursor_changed(self, item: ItemSummary | None, index: int | None) -> None:
        """Called by the list in the same call that moved its cursor, so that the pane is
        painted in the same frame as the list (the message below arrives a frame later)."""
        if self.decider.stayed is not None and (item is None or item.id != self.decider.stayed):
            self.call_later(self._leave_stayed)
        self._show_cursor_detail()

    def _leave_stayed(self) -> None:
        """The decided item kept on screen (auto-advance off) leaves the list now."""
        stayed, self.decider.stayed = self.decider.stayed, None
        if stayed is not None:
            self.queue.mark_decided(stayed, None)
            self.queue.remove({stayed})

    @on(QueueList.CursorMoved)
    def _cursor_moved(self, event: QueueList.CursorMoved) -> None:
        if self._detail_for != self._cursor_state():  # not already followed by _cursor_changed
            self._show_cursor_detail()
        if self._claim_timer is not None:
            self._claim_timer.stop()
        if event.item is not None and self.settings.claim_on_open and self.backend.capabilities.claims and self.me is not None:
            item_id = event.item.id
            self._claim_timer = self.set_timer(CLAIM_AFTER, lambda: self._claim_if_current(item_id))

    @on(QueueList.Revealed)
    def _revealed(self) -> None:
        self._show_cursor_detail()

    @on(QueueList.Tagged)
    def _tagged(self) -> None:
        self._refresh_status()

    # -- the detail pane ----------------------------------------------------------------

    def _cursor_id(self) -> str | None:
        item = self.queue.cursor_item
        return item.id if item is not None else None

    def _cursor_state(self) -> tuple[str, int] | None:
        item = self.queue.cursor_item
        return (item.id, item.version) if item is not None else None

    def _show_cursor_detail(self) -> None:
        self._detail_for = self._cursor_state()
        items = self.queue.items
        index = self.queue.cursor_index
        if index is None or not items:
            self.detail.show(None, policy=self.policy, now=self.clock(), revealed=False)
            return
        item_id = items[index].id
        cached = self._details.get(item_id)
        if cached is not None:
            self._details.move_to_end(item_id)
            self._show_item(cached)
        else:
            self.detail.show_loading(item_id)
            self._want(item_id)
        # After a page up or down: the item the next page lands on, so that paging on
        # shows the item at once instead of "Loading" for a round trip, and the next
        # one; otherwise the next few. Asked for a little after the frame is painted:
        # sending requests is CPU on this loop, and the moderator is looking at this item
        # first; Textual writes the frame from a thread, and work here right after the
        # frame held its bytes back from the terminal (~3 ms a key on two cores).
        # Then what the same key again would show is drawn ahead: its item, and its page.
        step = index - self._last_index if self._last_index is not None else 0
        self._last_index = index
        paging = step != 0 and abs(step) == self.queue.scrollable_content_region.height
        ahead = [i.id for i in items[index + 1 : index + 1 + (1 if paging else PREFETCH)]]
        if paging and 0 <= index + step < len(items):
            ahead.append(items[index + step].id)
        again = index + (step if paging or step == -1 else 1)
        self.call_after_refresh(self._ahead_soon, ahead, again, step if paging else 0)

    def _ahead_soon(self, fetch: list[str], again: int, scroll: int) -> None:
        if self._ahead_timer is not None:
            self._ahead_timer.stop()  # the cursor moved on before it ran
        self._ahead_timer = self.set_timer(AHEAD_AFTER, partial(self._ahead, fetch, again, scroll))

    def _ahead(self, fetch: list[str], again: int, scroll: int) -> None:
        for item_id in fetch:
            self._want(item_id)
        items = self.queue.items
        if not 0 <= again < len(items):
            return
        self.queue.prepare(self.queue.scroll_offset.y + scroll, again)
        self._next_id = items[again].id
        item = self._details.get(self._next_id)
        if item is not None:
            self._prepare(item)

    def _prepare(self, item: Item) -> None:
        self.detail.prepare(item, policy=self.policy, now=self.clock(), revealed=self._is_revealed(item.id))

    def _want(self, item_id: str) -> None:
        if item_id in self._details or item_id in self._fetching:
            return
        self._fetching.add(item_id)
        self.run_worker(self._fetch(item_id), group="detail", exit_on_error=False)

    def _show_item(self, item: Item) -> None:
        # The pane masks on any sensitive report reason, not only the main one the list
        # line goes by: it shows the item only once the moderator has pressed v on it.
        self.detail.show(item, policy=self.policy, now=self.clock(), revealed=self._is_revealed(item.id))

    def _is_revealed(self, item_id: str) -> bool:
        return not self.settings.mask_sensitive or self.queue.is_revealed(item_id)

    def _masked(self, item: ItemSummary) -> bool:
        """Masked when any report's reason is sensitive, as the detail pane decides."""
        if not self.settings.mask_sensitive or self.policy is None:
            return False
        for code in item.reasons:
            reason = self.policy.reason(code)
            if reason is not None and reason.sensitive:
                return True
        return False

    def _claim_if_current(self, item_id: str) -> None:
        if item_id != self._cursor_id() or item_id == self._claimed:
            return
        previous, self._claimed = self._claimed, None
        self.run_worker(self._claim(item_id, previous), group="claim", exclusive=True, exit_on_error=False)

    # -- the queue shown: filter and sort over the loaded index -------------------------------

    def _put(self, items: Sequence[ItemSummary]) -> None:
        """Add items to the loaded index, or replace those with the same id."""
        batch = {item.id: item for item in items}
        self._changes += 1
        gone = []
        for item_id, item in batch.items():
            old = self._all.get(item_id)
            if old is not None:
                gone.append(old)
            self._deadlines.discard(old)
            self._index.discard(old)
            self._all[item_id] = item
            self._index.add(item)
        self._deadlines.add(list(batch.values()))
        self._order.change(gone, list(batch.values()))

    def _drop(self, item_id: str) -> None:
        old = self._all.pop(item_id, None)
        self._changes += 1
        self._deadlines.discard(old)
        self._index.discard(old)
        if old is not None:
            self._order.change([old], [])

    def _rebuild(self, *, keep_cursor: bool = True, ready: list[ItemSummary] | None = None, top: bool = False) -> None:
        """Show the loaded items through the filter and sort (`ready`: already selected);
        `top`: put the cursor on the first row and scroll there (a new order is for its top)."""
        cursor = self._cursor_id() if keep_cursor else None
        if ready is not None:
            items = ready
        elif not self._filter:
            items = self._order.get(self._sort, self._all.values())
        else:
            items = []
            for step in self._matching(self._filter, self.clock()):
                items = step if step is not None else items
        if top and items:
            cursor = items[0].id
        self.queue.set_items(items, cursor=cursor)
        self._show_cursor_detail()

    def _matching(self, query: Filter, now: datetime, within: list[ItemSummary] | None = None) -> Iterator[list[ItemSummary] | None]:
        """The items matching `query` (of `within`, else of all loaded, in the queue's
        order), a slice at a time: yields None after each slice, then the result. The
        preview gives the event loop a turn at each None, so that typing stays prompt."""
        if within is None:
            ids = self._index.candidates(query, len(self._all))
            if ids is not None:
                yield self._sort.sort(query.select([self._all[i] for i in ids], now))
                return
        pool = within if within is not None else self._order.kept(self._sort)
        # Without the whole queue in order at hand: select, then sort what matched (sort
        # orders end with the id, so any pool order gives the one result).
        unsorted = pool is None
        if pool is None:
            pool = list(self._all.values())
        found: list[ItemSummary] = []
        for start in range(0, len(pool), SLICE):
            found += query.select(pool[start : start + SLICE], now)
            yield None
        yield self._sort.sort(found) if unsorted else found

    # -- status -------------------------------------------------------------------------------

    def _tick(self) -> None:
        now = self.clock()
        self.detail.tick(now)
        self._refresh_status()

    def _refresh_status(self) -> None:
        counts = self.outbox.counts(self.backend_name, self.me.id) if self.me else {}
        overdue = self._deadlines.past(self.clock())
        self.query_one(StatusLine).show(
            queue=self.queue_state.value,
            total=len(self._all) if self._loaded else max(self._total, len(self._all)),
            loading=not self._loaded,
            shown=self.queue.item_count,
            tagged=len(self.queue.tagged),
            unsent=counts.get("held", 0) + counts.get("pending", 0),
            conflicts=counts.get("conflict", 0),
            attention=counts.get("needs_attention", 0),
            overdue=overdue,
            online=self._online,
            problem=self._problem or self._sync_text,
            sort=str(self._sort),
            filter=str(self._filter) if self._filter else None,
            me=self.me.name if self.me else None,
        )

    # -- actions --------------------------------------------------------------------------------

    def _targets(self) -> list[ItemSummary]:
        tagged = self.queue.tagged
        if tagged:
            return [i for i in self.queue.items if i.id in tagged and i.id != self.decider.stayed]
        item = self.queue.cursor_item
        if item is not None and item.id == self.decider.stayed:
            self.notify(fit(f"{short_id(item.id)} is already decided", keep="; u undoes it, j moves on."), markup=False)
            return []
        return [item] if item is not None else []

    def _ready(self) -> bool:
        if self.policy is None or self.me is None:
            self.notify("Still connecting to the backend.", severity="warning", markup=False)
            return False
        return True

    async def _confirm_bulk(self, verb: str, items: list[ItemSummary]) -> bool:
        if len(items) <= self.settings.confirm_above:
            return True
        return bool(await self.app.push_screen_wait(ConfirmDialog(f"{verb} {plural(len(items), 'tagged item')}?", "Each becomes its own decision; u undoes the whole batch within the undo window.")))

    # The key press fixes what a decision acts on: targets are taken here, synchronously,
    # so a key typed ahead (j after a over a slow link) cannot change them, and a decision
    # without a dialog is recorded before the next key is even read.

    def action_approve(self) -> None:
        items = self._targets()
        if not items or not self._ready():
            return
        if len(items) <= self.settings.confirm_above:
            self._decide(items, Action.APPROVE)
        else:
            self._approve_confirmed(items)

    @work(group="action")
    async def _approve_confirmed(self, items: list[ItemSummary]) -> None:
        if await self._confirm_bulk("Approve", items):
            self._decide(items, Action.APPROVE)

    def action_remove(self) -> None:
        items = self._targets()
        if items and self._ready():
            self._remove_worker(items)

    @work(group="action")
    async def _remove_worker(self, items: list[ItemSummary]) -> None:
        await self._remove(items)

    async def _remove(self, items: list[ItemSummary], *, scope: Scope = "global") -> None:
        assert self.policy is not None
        blocked = [(i, rule) for i in items if (rule := guard(self.policy, i)) is not None]
        if blocked:
            rule = blocked[0][1]
            why = refusal(self.policy, rule, [i for i, _ in blocked])
            said = refusal(self.policy, rule, [i for i, _ in blocked], brief=True)
            if len(blocked) < len(items):
                why, said = f"{len(blocked):,} of {plural(len(items), 'item')}: {why}", f"{len(blocked):,} of {len(items):,}: {said}"
            self.notify(fit(said), title="Removal refused", severity="error", timeout=12, markup=False)
            if len(blocked) == len(items) and self._can_escalate() and await self.app.push_screen_wait(ConfirmDialog(why, f"Escalate {'it' if len(items) == 1 else 'them'} to {rule.target} now?")):
                await self._escalate(items, preselect=rule.target, why=why)
            return
        reasons = reasons_for(self.policy, items)
        if not reasons:
            self.notify("No reason in the policy applies to all of these kinds.", severity="error", markup=False)
            return
        scoped = self.backend.capabilities.scoped_removal
        shown = "global" if scope == "global" or not scoped else ", ".join(scope)
        choice = await self.app.push_screen_wait(ReasonPicker(reasons, len(items), scope=shown, scoped=scoped,
                                                              preselect=reported_reason(reasons, items)))
        if not isinstance(choice, RemoveChoice) or not await self._confirm_bulk("Remove", items):
            return
        self._decide(items, Action.REMOVE, reason=choice.reason, scope=choice.scope)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key the backend cannot honour is not offered (Textual leaves it out of the key
        bar and does not run it): escalation and claims are capabilities, not promises."""
        caps = self.backend.capabilities
        if (action == "escalate" and not caps.escalation) or (action == "claim" and not caps.claims):
            return False
        return True

    def action_escalate(self) -> None:
        items = self._targets()
        if items and self._ready() and self._can_escalate():
            self._escalate_worker(items)

    def _can_escalate(self) -> bool:
        if not self.backend.capabilities.escalation:
            self.notify("This backend has no escalation.", markup=False)
            return False
        return True

    @work(group="action")
    async def _escalate_worker(self, items: list[ItemSummary]) -> None:
        await self._escalate(items)

    async def _escalate(self, items: list[ItemSummary], *, preselect: str | None = None, why: str | None = None) -> None:
        assert self.policy is not None
        choice = await self.app.push_screen_wait(EscalateDialog(self.policy.escalation_targets, len(items), preselect=preselect, why=why))
        if not isinstance(choice, EscalateChoice) or not await self._confirm_bulk("Escalate", items):
            return
        self._decide(items, Action.ESCALATE, escalate_to=choice.target, note=choice.note)

    def _decide(self, items: list[ItemSummary], action: Action, **fields: object) -> None:
        """Have the decider write the decisions to the outbox, then (and only then) move on."""
        result = self.decider.decide(items, action, **fields)  # type: ignore[arg-type]
        if isinstance(result, Notice):  # not on disk: nothing was decided, and the list stays put
            self._say(result)
            return
        for item_id in result.ids:
            self._drop(item_id)
        self.queue.clear_tags()
        self._leave_stayed()
        cursor = self.queue.cursor_item
        if not self.settings.auto_advance and len(items) == 1 and cursor is not None and cursor.id == items[0].id:
            self.decider.stayed = cursor.id  # it leaves when the cursor moves on (or u takes it back)
            self.queue.mark_decided(cursor.id, result.label)
        else:
            self.queue.remove(result.ids)
        self._wake.set()
        toast = result.toast
        result.entry.toast = post(self.app, toast.text, title=toast.title, severity=toast.severity, timeout=toast.timeout)
        self._show_cursor_detail()
        self._refresh_status()

    def action_undo(self) -> None:
        undone = self.decider.undo()
        if undone.entry is None:
            for notice in undone.notices:
                self._say(notice)
            return
        withdraw(self.app, undone.entry.toast)  # it says "u undoes": after u it is no longer true
        for item_id in undone.unmark:
            self.queue.mark_decided(item_id, None)
        for item in undone.back:
            self._put([item])
            if self._filter.matches(item, self.clock()):
                self.queue.upsert(item)
        if undone.back:
            index = self.queue.index_of(undone.back[0].id)
            if index is not None:
                self.queue.move_cursor(index)
        for notice in undone.notices:
            self._say(notice)
        self._show_cursor_detail()
        self._refresh_status()

    def _say(self, notice: Notice) -> None:
        self.notify(notice.text, title=notice.title, severity=notice.severity, timeout=notice.timeout, markup=False)

    def action_filter(self) -> None:
        self._open_filter("filter", str(self._filter))

    def action_tag_filter(self) -> None:
        self._open_filter("tag", "")

    def _open_filter(self, mode: str, value: str) -> None:
        self._filter_mode = mode
        bar = self.query_one("#filter-bar")
        bar.styles.visibility = "visible"
        field = self.query_one("#filter-input", Input)
        field.placeholder = "tag every item matching…" if mode == "tag" else 'filter, e.g. source:authority country:DE reports>=5 "free text"'
        field.value = value
        self.query_one(FilterBar).show_hint()
        field.focus()

    def _filter_open(self) -> bool:
        return self.query_one("#filter-bar").styles.visibility == "visible"

    def _close_filter(self) -> None:
        # An inline style, not a class: a class change matches the stylesheet against the
        # bar and everything in it again (~2 ms of the frame that shows a filter's result).
        self.query_one("#filter-bar").styles.visibility = "hidden"
        self._preview = None
        self.queue.focus()

    # While the moderator types, what enter would show is worked out after each frame:
    # the note under the field says how many items match, and enter shows a result that
    # is ready, with its first page drawn, instead of filtering the whole queue then.

    @on(Input.Changed, "#filter-input")
    def _filter_typed(self, event: Input.Changed) -> None:
        self._preview_filter(event.value)

    def _preview_filter(self, text: str) -> None:
        self._preview = None
        try:
            query = parse(text)
        except FilterError as exc:  # said as it is typed: what is missing, or what is wrong
            self.query_one(FilterBar).show_problem(exc)
            return
        self.call_after_refresh(self._start_preview, text, query)

    def _items_changed(self) -> None:
        """The loaded items changed: a preview under an open filter bar is worked out again."""
        if self._preview is not None and self._filter_open():
            self._preview_filter(self.query_one("#filter-input", Input).value)

    def _start_preview(self, text: str, query: Filter) -> None:
        if self._filter_open() and self.query_one("#filter-input", Input).value == text:
            self.run_worker(self._previewing(text, query), group="filter-preview", exclusive=True, exit_on_error=False)

    async def _previewing(self, text: str, query: Filter) -> None:
        now, changes, mode, sort = self.clock(), self._changes, self._filter_mode, self._sort
        result: list[ItemSummary] = []
        for step in self._matching(query, now, within=list(self.queue.items) if mode == "tag" else None):
            if step is None:
                await asyncio.sleep(0)
            else:
                result = step
        self.post_message(FilterPreview(text, mode, sort, changes, now, result))

    def on_filter_preview(self, message: FilterPreview) -> None:
        field = self.query_one("#filter-input", Input)
        if message.mode != self._filter_mode or field.value != message.text or not self._filter_open():
            return
        if message.changes != self._changes:  # the items changed meanwhile
            self._preview_filter(message.text)
            return
        self._preview = message
        count = len(message.items)
        verb = "matches" if count == 1 else "match"
        if message.mode == "tag":
            what = f"{count:,} of {self.queue.item_count:,} shown {verb}"
        else:
            what = f"{plural(count, 'item')} {verb}{'' if self._loaded else ' so far'}"
        self.query_one(FilterBar).show_count(what)
        if message.mode == "filter" and message.items:
            cursor = self._cursor_id()
            if all(item.id != cursor for item in message.items[: self.queue.scrollable_content_region.height]):
                self.queue.prepare_rows(message.items, 0)  # where set_items will put the cursor
            self._want(message.items[0].id)

    def _preview_for(self, text: str) -> list[ItemSummary] | None:
        """The preview's result if it is for `text` as the items and sort are now, and recent."""
        preview = self._preview
        if (preview is None or preview.text != text or preview.mode != self._filter_mode or preview.changes != self._changes
                or preview.sort != self._sort or (self.clock() - preview.now).total_seconds() > PREVIEW_FOR):
            return None
        return preview.items

    @on(Input.Submitted, "#filter-input")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            parsed = parse(event.value)
        except FilterError as exc:
            self.query_one(FilterBar).show_problem(exc, entered=True)
            return
        ready = self._preview_for(event.value)
        self._close_filter()
        if self._filter_mode == "tag":
            now = self.clock()
            matching = ready if ready is not None else [i for i in self.queue.items if parsed.matches(i, now)]
            count = self.queue.tag_ids(i.id for i in matching)
            self.notify(f"Tagged {plural(count, 'item')} matching {parsed or 'everything'}.", markup=False)
        else:
            self._filter = parsed
            self._rebuild(ready=ready)
        self._refresh_status()

    def action_clear(self) -> None:
        if self._filter_open():
            self._close_filter()
        elif self.queue.tagged:
            self.queue.clear_tags()
        elif self._filter:
            self._filter = Filter()
            self._rebuild()
        self._refresh_status()

    def action_sort(self) -> None:
        names = list(SORTS)
        self._sort = parse_sort(names[(names.index(self._sort.name) + 1) % len(names)])
        self.queue.set_sort_key(self._sort.key)
        self._rebuild(top=True)  # moderators sort to see the top of the new order
        self.notify(f"Sorted by {self._sort}.", markup=False)
        self._refresh_status()

    def action_claim(self) -> None:
        item_id = self._cursor_id()
        if item_id is None or not self._ready():
            return
        if not self.backend.capabilities.claims:
            self.notify("This backend has no claims.", markup=False)
            return
        if self._claimed == item_id:
            self._claimed = None
            self.run_worker(self._release(item_id), group="claim", exclusive=True, exit_on_error=False)
            self.notify(fit(f"Released {short_id(item_id)}."), markup=False)
        else:
            previous, self._claimed = self._claimed, None
            self.run_worker(self._claim(item_id, previous), group="claim", exclusive=True, exit_on_error=False)

    def action_sync(self) -> None:
        if self.me is None:
            return
        paused = self.sender.paused if self.sender else None
        resume = self.sender.resume if self.sender else None
        screen = SyncScreen(self.outbox, backend=self.backend_name, moderator=self.me.id, paused=paused, resume=resume,
                            fetch=self.backend.item, known=lambda i: self.decider.hidden.get(i) or self._all.get(i))
        self.app.push_screen(screen, self._synced)

    def action_stats(self) -> None:
        if self.me is not None:
            self.app.push_screen(StatsScreen(self.backend, self.clock, self.me.id))

    def _synced(self, again: Redecide | None = None) -> None:
        self._wake.set()
        self._take_back()  # a drop or a re-decision there changes what is marked here
        if again is not None:
            self._redecide(again)
        self._refresh_status()

    @work(group="action")
    async def _redecide(self, again: Redecide) -> None:
        """`r` in the outbox on an item still open: its dialog again, against it as it is now."""
        item = again.summary
        if item.state is self.queue_state:  # (escalated meanwhile, it is decided without joining this queue)
            self._restore(item, self.clock())
        index = self.queue.index_of(item.id)
        if index is not None:
            self.queue.move_cursor(index)
        old = again.row.decision
        assert old is not None
        if again.action is Action.APPROVE:
            if await self.app.push_screen_wait(ConfirmDialog(f"Approve {item.id} again, as it is now?", "A new decision, with its own key; u undoes it.")):
                self._decide([item], Action.APPROVE, note=old.note)
        elif again.action is Action.REMOVE:
            await self._remove([item], scope=old.scope)
        elif self._can_escalate():
            await self._escalate([item], preselect=old.escalate_to)

    def action_detail_page(self, direction: int) -> None:
        """Half a page through a long item, without leaving the queue."""
        pane = self.detail
        pane.scroll_relative(y=direction * max(1, pane.scrollable_content_region.height // 2), animate=False)

    def action_help(self, section: str = "keys") -> None:
        """`?`, or from the filter bar its key for the filter language (`section="filters"`)."""
        self.app.push_screen(HelpScreen(self.binding_rows(), section=section))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(id, keys, description) for every binding on this screen and its list."""
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for source in (QueueList.BINDINGS, self.BINDINGS, FilterBar.BINDINGS, self.app.BINDINGS):
            for binding in source:
                assert isinstance(binding, Binding)
                if binding.id is None or binding.id in seen:
                    continue
                seen.add(binding.id)
                keymap: dict[str, str] = getattr(self.app, "_keymap", {}) or {}  # [keys] from the config
                bound = keymap.get(binding.id, binding.key)
                keys = ", ".join(self.app.get_key_display(Binding(k.strip(), binding.action)) for k in bound.split(","))
                rows.append((binding.id, keys, binding.description))
        return rows

    @work(exclusive=True, group="action")
    async def action_quit(self) -> None:
        unsent = self.outbox.unsent(self.backend_name, self.me.id) if self.me else 0
        if unsent:
            question = f"{unsent} decision{'s are' if unsent != 1 else ' is'} not sent yet. Quit anyway?"
            detail = unsent_fate(self.outbox, unsent)
            if not await self.app.push_screen_wait(ConfirmDialog(question, detail)):
                return
        if self._claimed is not None:  # let others decide it now, not when the lease lapses
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.backend.release(self._claimed), 2.0)
        self.app.exit()
