"""The triage screen's detail pane following the cursor, and claims on the cursor's item.

A mixin of `TriageScreen`. The pane shows the cursor's item from the session's detail
cache or fetches it; after each move it fetches the next few items ahead and draws the
page and item the same key again would show, so that paging on only composites. The
cursor resting on an item for `CLAIM_AFTER` seconds claims it where the backend has
claims (`Capabilities.claims`); `c` claims or releases it by hand.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from triage_tui.backends.errors import BackendError, ClaimConflict
from triage_tui.model import Item, ItemSummary
from triage_tui.notice import fit, short_id
from triage_tui.ui.screens.triage_messages import ClaimAnswer, DetailLoaded

if TYPE_CHECKING:
    from triage_tui.ui.screens.triage import TriageScreen

    _Base = TriageScreen
else:
    _Base = object

__all__ = ["CLAIM_AFTER", "CLAIM_TTL", "Following"]

PREFETCH = 3
AHEAD_AFTER = 0.01  # seconds after a frame before looking ahead (its bytes go out first)
CLAIM_AFTER = 1.0  # seconds the cursor rests on an item before we claim it
CLAIM_TTL = 300


class Following(_Base):
    """The detail pane and claims of the triage screen (mixed into `TriageScreen`)."""

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

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        self.session.details.put(message.item_id, message.item)
        if message.item_id == self._cursor_id():
            if message.item is not None:
                self._show_item(message.item)
            else:
                self.detail.show_error(message.item_id, message.problem or "could not load")
        elif message.item is not None and message.item_id == self._next_id:
            self._prepare(message.item)  # the next page's item, asked for by the last page key

    def on_claim_answer(self, message: ClaimAnswer) -> None:
        if message.problem is None:
            self.session.claimed = message.item_id
        elif message.holder and message.holder != (self.me.id if self.me else None):
            self.session.claims[message.item_id] = message.holder
            if message.item_id == self._cursor_id():
                self.notify(fit(f"{short_id(message.item_id)} is being handled by {short_id(message.holder)}."), title="Claimed",
                            severity="warning", markup=False)
        self._refresh_status()

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
        item = items[index] if index is not None else None
        if item is None:
            if index is None or not items:
                self.detail.show(None, policy=self.policy, now=self.clock(), revealed=False)
            else:
                self.detail.show_loading(f"row {index + 1:,}")
            return
        cached = self.session.details.get(item.id)
        if cached is not None:
            self._show_item(cached)
        else:
            self.detail.show_loading(item.id)
            self._want(item.id)
        # After a page up or down: the item the next page lands on, so that paging on
        # shows the item at once instead of "Loading" for a round trip, and the next
        # one; otherwise the next few. Asked for a little after the frame is painted:
        # sending requests is CPU on this loop, and the moderator is looking at this item
        # first; Textual writes the frame from a thread, and work here right after the
        # frame held its bytes back from the terminal (~3 ms a key on two cores).
        # Then what the same key again would show is drawn ahead: its item, and its page.
        assert index is not None
        step = index - self._last_index if self._last_index is not None else 0
        self._last_index = index
        paging = step != 0 and abs(step) == self.queue.scrollable_content_region.height
        ahead = [i.id for i in items[index + 1 : index + 1 + (1 if paging else PREFETCH)] if i is not None]
        if paging and 0 <= index + step < len(items) and (target := items[index + step]) is not None:
            ahead.append(target.id)
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
        target = items[again]
        self._next_id = target.id if target is not None else None
        item = self.session.details.get(self._next_id) if self._next_id else None
        if item is not None:
            self._prepare(item)

    def _prepare(self, item: Item) -> None:
        self.detail.prepare(item, policy=self.policy, now=self.clock(), revealed=self._is_revealed(item.id))

    def _want(self, item_id: str) -> None:
        if self.session.details.want(item_id):
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
        if item_id != self._cursor_id() or item_id == self.session.claimed:
            return
        previous, self.session.claimed = self.session.claimed, None
        self.run_worker(self._claim(item_id, previous), group="claim", exclusive=True, exit_on_error=False)

    def action_claim(self) -> None:
        item_id = self._cursor_id()
        if item_id is None or not self._ready():
            return
        if not self.backend.capabilities.claims:
            self.notify("This backend has no claims.", markup=False)
            return
        if self.session.claimed == item_id:
            self.session.claimed = None
            self.run_worker(self._release(item_id), group="claim", exclusive=True, exit_on_error=False)
            self.notify(fit(f"Released {short_id(item_id)}."), markup=False)
        else:
            previous, self.session.claimed = self.session.claimed, None
            self.run_worker(self._claim(item_id, previous), group="claim", exclusive=True, exit_on_error=False)

