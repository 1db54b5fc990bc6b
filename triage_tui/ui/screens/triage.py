"""The triage screen: the queue, the item, one key per decision.

The screen lays out the widgets, binds the keys and hands work on. The queue is the
session's (`queue.session.QueueSession`): a window of the view's rows over the backend,
which `QueueList` draws from — there is no other copy of the queue. Workers do the I/O
(connect, fetch rows by position, follow the change feed, fetch details, claim, send
the outbox) and post messages (`triage_messages`); only the message handlers edit the
window and touch widgets. A decision is written to the durable outbox before the list
moves on; the decision keys are `deciding.Deciding`'s, the filter bar, sort and `R`
are `filtering.Finding`'s.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.notifications import Notification
from textual.screen import Screen
from textual.timer import Timer

from triage_tui.backends import Backend
from triage_tui.backends.errors import BackendError, Unauthorized
from triage_tui.bindings import TRIAGE
from triage_tui.model import ChangeType, ItemSummary, Moderator, Policy, State
from triage_tui.model import now as utc_now
from triage_tui.notice import fit, short_id
from triage_tui.outbox import Outbox
from triage_tui.queue.decide import Decider
from triage_tui.queue.session import Fetch, Preview, QueueSession, View
from triage_tui.sync import Sender
from triage_tui.ui.keymap import bindings
from triage_tui.ui.screens.deciding import Deciding
from triage_tui.ui.screens.filtering import Finding
from triage_tui.ui.screens.following import CLAIM_AFTER, Following
from triage_tui.ui.screens.help import HelpScreen
from triage_tui.ui.screens.stats import StatsScreen
from triage_tui.ui.screens.sync import SyncScreen
from triage_tui.ui.screens.triage_messages import Connected, Counted, FeedArrived, LinkState, PageLoaded, SyncState
from triage_tui.ui.widgets.detail import DetailPane
from triage_tui.ui.widgets.filter_bar import FilterBar
from triage_tui.ui.widgets.keybar import KeyBar
from triage_tui.ui.widgets.queue_list import QueueList
from triage_tui.ui.widgets.status import StatusLine
from triage_tui.unapplied import Redecide
from triage_tui.workflow import feed_effect

COUNT_EVERY = 10.0  # seconds between counts of the whole queue and its breaches (two cheap requests)
COUNT_AFTER = 0.5  # seconds after a change before counting again (a burst of changes: one count)


@dataclass(frozen=True, slots=True)
class Settings:
    undo_seconds: float = 8.0
    auto_advance: bool = True  # off: a decided item stays on screen, marked, until the cursor moves on
    confirm_above: int = 10
    claim_on_open: bool = True
    mask_sensitive: bool = True
    sync_batch: int = 100
    sync_max_delay: float = 60.0


class TriageScreen(Deciding, Finding, Following, Screen[None]):
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
        # Decide and undo over the outbox, and what they keep out of the queue (queue/decide.py).
        self.decider: Decider[Notification] = Decider(outbox, backend=backend_name, undo_seconds=settings.undo_seconds, clock=clock)
        self.session = QueueSession(backend, queue=queue, clock=clock, hidden=lambda: self.decider.hidden.values(),
                                    undecided=self.decider.undecided)
        self._pending_dialogs = 0  # dialogs a key asked for that are not up yet (`Deciding._opening`)
        self._filter_mode = "filter"
        self._preview: tuple[str, str, Preview] | None = None
        self._tag_rows: dict[str, ItemSummary] = {}  # tagged items' rows, kept when the window lets them go
        self._tag_views: list[View] = []  # the views `T` tagged through (to fetch their rows for a decision)
        self._pending_cursor: tuple[str | None, int] | None = None  # after R: where the cursor goes
        self._claim_timer: Timer | None = None
        self._ahead_timer: Timer | None = None
        self._count_timer: Timer | None = None
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
            yield QueueList(id="queue", window=self.session.window, clock=self.clock, sort_key=self.session.view.sort.key, masked=self._masked)
            yield DetailPane(id="detail")
        yield FilterBar(id="filter-bar")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(QueueList).focus()
        self.queue.on_cursor = self._cursor_changed
        self.detail.reveal_key = self.queue._reveal_key()  # "press v" follows a remapped key
        self._connect()
        self.set_interval(1.0, self._tick)
        self.set_interval(COUNT_EVERY, self._count_soon)
        self._layout_for(self.size.width)

    def on_resize(self) -> None:
        self._layout_for(self.size.width)
        self._request_rows()

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

    def _run_fetch(self, request: Fetch) -> None:
        self.run_worker(self._fetch_rows(request), group=f"rows{request.direction}", exit_on_error=False)

    async def _fetch_rows(self, request: Fetch) -> None:
        delay = 0.5
        while True:
            try:
                page = await self.session.fetch(request)
            except BackendError as exc:
                self.post_message(LinkState(False, str(exc)))
                if request.generation != self.session.generation:
                    self.session.failed(request)
                    return
                await asyncio.sleep(random.uniform(0, delay))
                delay = min(30.0, delay * 2)
                continue
            self.post_message(PageLoaded(page))
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

    @work(exclusive=True, group="counts")
    async def _count(self) -> None:
        try:
            total, overdue, exact = await self.session.counts()
        except BackendError:
            return  # the next one comes in COUNT_EVERY; the link state says what is wrong
        self.post_message(Counted(total, overdue, exact))

    def _count_soon(self) -> None:
        if self._count_timer is not None:
            self._count_timer.stop()
        if self.me is not None:
            self._count_timer = self.set_timer(COUNT_AFTER, self._count)

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
        self._run_fetch(self.session.first())
        self.queue.refresh_rows()  # masks depend on the policy
        self._refresh_status()

    def on_page_loaded(self, message: PageLoaded) -> None:
        first = not self.session.opened
        applied = self.session.apply(message.page, self.queue.cursor_index)
        if applied.stale:
            return
        self._online, self._problem = True, None
        if first:
            self._follow(message.page.seq)
            self._count()
        pending, self._pending_cursor = self._pending_cursor, None
        if pending is not None and message.page.fetch.direction == 0:
            self.queue.window_replaced(pending[0], index=pending[1])
        elif applied.replaced:
            self.queue.window_replaced(applied.cursor_id, index=applied.index)
        else:
            self.queue.window_changed()
        self._show_cursor_detail()
        self._request_rows()
        self._refresh_status()
        self._items_changed()

    def _request_rows(self) -> None:
        """Fetch what the screen is about to show: the rows around it that the window lacks."""
        if self.me is None:
            return
        queue = self.queue
        for request in self.session.wanted(queue.scroll_offset.y, max(1, queue.scrollable_content_region.height)):
            self._run_fetch(request)

    def _show_view(self, view: View, ready: Preview | None = None, *, top: bool = False) -> None:
        """Show another view: its first page if `ready` holds it, else fetched now."""
        cursor = None if top else self._cursor_id()
        if self.queue.tagged and not self.queue.items.exact:
            self._clear_tags()
        request = self.session.set_view(view, ready)
        self.queue.set_sort_key(view.sort.key)
        self.queue.window_replaced(cursor, index=0, keep_tags=not top and len(self.queue.items) == len(self.queue.loaded))
        if request is not None:
            self._run_fetch(request)
        else:
            self._request_rows()
        self._show_cursor_detail()
        self._count_soon()

    def on_counted(self, message: Counted) -> None:
        session = self.session
        session.queue_total, session.overdue, session.overdue_exact, session.counted = message.total, message.overdue, message.exact, True
        self._refresh_status()

    def on_feed_arrived(self, message: FeedArrived) -> None:
        if self.me is None:
            return
        teams = None if self.policy is None or self.me.roles & {"senior", "admin"} else {
            t.code for t in self.policy.escalation_targets if t.role in self.me.roles}
        effect = feed_effect(message.batch, self.me.id, self.queue_state, teams)
        leaving = self.decider.left(effect)
        watched = {self._cursor_id(), *self.queue.tagged}  # what the moderator is looking at or about to act on
        self.session.left(effect.removed)
        if leaving:  # (not our own decisions: those left when the key was pressed, or stay marked)
            self.queue.remove(leaving)
            for item_id in leaving:
                self._tag_rows.pop(item_id, None)
        for item in self.session.arrived(effect.added):
            self.queue.upsert(item)
        for item_id, holder in effect.claims.items():
            if holder is None:
                self.session.claims.pop(item_id, None)
            else:
                self.session.claims[item_id] = holder
        for left in effect.elsewhere:
            if left.item_id in watched:
                said = (f"{short_id(left.item_id)} went to a team you are not on" if left.action == ChangeType.LEFT
                        else f"{short_id(left.item_id)} was just decided by {short_id(left.by or 'someone')} ({left.action})")
                self.notify(fit(said, keep="; it left your queue."), title="Decided elsewhere", severity="warning", timeout=12, markup=False)
        self._show_cursor_detail()
        self._request_rows()
        if effect.removed or effect.added:  # (claims alone change no count)
            self._count_soon()
        self._refresh_status()
        self._items_changed()

    def on_link_state(self, message: LinkState) -> None:
        self._online, self._problem = message.online, message.problem
        self._refresh_status()

    def on_sync_state(self, message: SyncState) -> None:
        self._sync_text = message.text
        self._take_back()
        self._refresh_status()

    def _take_back(self) -> None:
        """Put back in the queue, marked, every item whose decision came back not applied,
        with a notice saying why (the decider works out which: `Decider.take_back`)."""
        taken = self.decider.take_back(self._known)
        for notice in taken.notices:
            self._say(notice)
        for summary in taken.back:
            self._restore(summary)
        self.queue.mark_unapplied(taken.marked)
        if taken.returned:
            self._show_cursor_detail()
            self._items_changed()

    def _known(self, item_id: str) -> ItemSummary | None:
        """The summary of an item this screen has seen: decided here, held, or tagged."""
        held = self.decider.hidden.get(item_id) or self._tag_rows.get(item_id)
        if held is not None:
            return held
        index = self.queue.index_of(item_id)
        return self.queue.items[index] if index is not None else None

    def _restore(self, summary: ItemSummary) -> None:
        """The item is in the queue again, at its place in the order (fetched afresh)."""
        if self.decider.returning(summary.id):
            self.queue.mark_decided(summary.id, None)
        self.session.details.drop(summary.id)
        if self.session.matches(summary):
            self.queue.upsert(summary)

    def _clear_tags(self) -> None:
        self.queue.clear_tags()
        self._tag_rows.clear()
        self._tag_views.clear()

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
        self._request_rows()
        if self._claim_timer is not None:
            self._claim_timer.stop()
        if event.item is not None and self.settings.claim_on_open and self.backend.capabilities.claims and self.me is not None:
            item_id = event.item.id
            self._claim_timer = self.set_timer(CLAIM_AFTER, lambda: self._claim_if_current(item_id))

    @on(QueueList.Revealed)
    def _revealed(self) -> None:
        self._show_cursor_detail()

    @on(QueueList.Tagged)
    def _tagged(self, event: QueueList.Tagged) -> None:
        rows = self._tag_rows
        for item_id in [i for i in rows if i not in event.tagged]:
            del rows[item_id]
        for item in self.queue.loaded:
            if item.id in event.tagged:
                rows.setdefault(item.id, item)
        self._refresh_status()

    def _tick(self) -> None:
        now = self.clock()
        self.detail.tick(now)
        self._refresh_status()

    def _refresh_status(self) -> None:
        counts = self.outbox.counts(self.backend_name, self.me.id) if self.me else {}
        session = self.session
        shown = session.window.known
        whole = session.queue_total if session.view.filter and session.queue_total is not None else shown  # (no filter: the view is the queue)
        self.query_one(StatusLine).show(
            queue=self.queue_state.value,
            total=whole,
            loading=not session.opened,
            bound=session.opened and not session.window.exact,
            shown=shown,
            tagged=len(self.queue.tagged),
            unsent=counts.get("held", 0) + counts.get("pending", 0),
            conflicts=counts.get("conflict", 0),
            attention=counts.get("needs_attention", 0),
            overdue=session.overdue,
            online=self._online,
            problem=self._problem or self._sync_text,
            sort=str(session.view.sort),
            filter=str(session.view.filter) if session.view.filter else None,
            me=self.me.name if self.me else None,
            new=len(session.new),
        )

    def action_sync(self) -> None:
        if self.me is None:
            return
        paused = self.sender.paused if self.sender else None
        resume = self.sender.resume if self.sender else None
        screen = SyncScreen(self.outbox, backend=self.backend_name, moderator=self.me.id, paused=paused, resume=resume,
                            fetch=self.backend.item, known=self._known)
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
