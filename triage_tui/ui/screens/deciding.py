"""Deciding on the triage screen: the decision keys, their dialogs, undo, re-decide.

A mixin of `TriageScreen` (ui/screens/triage.py), which gives it the session, the
decider, the list and the policy. Decide and undo over the outbox are
`queue.decide.Decider`'s; this applies their results to the list. The key press fixes
what a decision acts on: targets are taken when the key is read, so a key typed ahead
(j after a over a slow link) cannot change them, and a decision without a dialog is
recorded before the next key is even read. Tagged items the window does not hold (`T`
over a large view) are fetched first, and the set the key fixed is what is decided.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from triage_tui.backends.errors import BackendError
from triage_tui.model import Action, ItemSummary, Scope
from triage_tui.notice import fit, short_id
from triage_tui.queue.decide import Notice
from triage_tui.ui.screens.dialogs import ConfirmDialog, EscalateChoice, EscalateDialog, ReasonPicker, RemoveChoice, unsent_fate
from triage_tui.ui.toasts import post, withdraw
from triage_tui.unapplied import Redecide
from triage_tui.workflow import guard, reasons_for, refusal, reported_reason
from triage_tui.words import plural

if TYPE_CHECKING:
    from triage_tui.ui.screens.triage import TriageScreen

    _Base = TriageScreen
else:
    _Base = object

__all__ = ["Deciding"]

_WAIT_FOR_DIALOG = frozenset({"approve", "remove", "escalate", "undo", "filter", "tag_filter", "sort", "show_new", "claim", "quit"})


class Deciding(_Base):
    """The decision keys of the triage screen (mixed into `TriageScreen`)."""

    def _targets(self) -> list[ItemSummary] | None:
        """What a decision key acts on: the tagged items, else the cursor's. None: tagged
        items the window does not hold are being gathered (`_gather`), and the action
        runs again with them, as the key fixed them."""
        tagged = self.queue.tagged - ({self.decider.stayed} if self.decider.stayed else set())
        if tagged:
            held = {item.id: item for item in self.queue.loaded if item.id in tagged}
            held.update((i, row) for i, row in self._tag_rows.items() if i in tagged and i not in held)
            if len(held) < len(tagged):
                return None
            return [held[i] for i in sorted(held, key=lambda i: self.session.view.sort.key(held[i]))]
        item = self.queue.cursor_item
        if item is not None and item.id == self.decider.stayed:
            self.notify(fit(f"{short_id(item.id)} is already decided", keep="; u undoes it, j moves on."), markup=False)
            return []
        return [item] if item is not None else []

    def _with_targets(self, then: Callable[[list[ItemSummary]], None]) -> None:
        """Run `then` on the targets of a key, now, or once the tagged items the window
        does not hold have been fetched."""
        items = self._targets()
        if items is None:
            if self._ready():
                self._pending_dialogs += 1
                self._gather(frozenset(self.queue.tagged), then)
        elif items and self._ready():
            then(items)

    def _opening(self, worker: Callable[[list[ItemSummary]], object]) -> Callable[[list[ItemSummary]], None]:
        """`worker` opens a dialog, a moment after the key. Keys typed right behind that key
        reach this screen, not the dialog, until the dialog is up (Textual routes a queued
        key to the focus it had when it was read): meanwhile the decision keys do nothing
        (`check_action`), or `r` then `a` typed fast would approve the item and then ask
        for the removal's reason. The worker counts itself out when it ends."""
        def start(items: list[ItemSummary]) -> None:
            self._pending_dialogs += 1
            worker(items)
        return start

    @work(group="gather", exclusive=True)
    async def _gather(self, tagged: frozenset[str], then: Callable[[list[ItemSummary]], None]) -> None:
        try:
            await self._gathering(tagged, then)
        finally:
            self._pending_dialogs -= 1

    async def _gathering(self, tagged: frozenset[str], then: Callable[[list[ItemSummary]], None]) -> None:
        have = {item.id: item for item in self.queue.loaded if item.id in tagged}
        have.update((i, row) for i, row in self._tag_rows.items() if i in tagged)
        missing = set(tagged) - set(have)
        self.notify(f"Fetching {plural(len(missing), 'tagged item')} not on screen…", timeout=3, markup=False)
        try:
            found = await self.session.summaries(missing, self._tag_views or [self.session.view])
        except BackendError as exc:
            self.notify(fit(f"Nothing decided: the tagged items could not be fetched ({exc})."), severity="error", markup=False)
            return
        have.update((item.id, item) for item in found)
        lost = len(tagged) - len(have)
        if lost:
            self.notify(f"{plural(lost, 'tagged item')} left the queue meanwhile; the rest are decided.", severity="warning", markup=False)
        key = self.session.view.sort.key
        items = sorted(have.values(), key=key)
        if items:
            then(items)

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
        self._with_targets(self._approve)

    def _approve(self, items: list[ItemSummary]) -> None:
        if len(items) <= self.settings.confirm_above:
            self._decide(items, Action.APPROVE)
        else:
            self._opening(self._approve_confirmed)(items)

    @work(group="action")
    async def _approve_confirmed(self, items: list[ItemSummary]) -> None:
        try:
            if await self._confirm_bulk("Approve", items):
                self._decide(items, Action.APPROVE)
        finally:
            self._pending_dialogs -= 1

    def action_remove(self) -> None:
        self._with_targets(self._opening(self._remove_worker))

    @work(group="action")
    async def _remove_worker(self, items: list[ItemSummary]) -> None:
        try:
            await self._remove(items)
        finally:
            self._pending_dialogs -= 1

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
        if action in ("filter", "tag_filter") and self._filter_open():
            return False  # (priority keys: in the open bar, `/` and `T` are text)
        if self._pending_dialogs and action in _WAIT_FOR_DIALOG:
            return False  # a key typed ahead of the dialog that its key opens (`_opening`)
        return True

    def action_escalate(self) -> None:
        if self._can_escalate():
            self._with_targets(self._opening(self._escalate_worker))

    def _can_escalate(self) -> bool:
        if not self.backend.capabilities.escalation:
            self.notify("This backend has no escalation.", markup=False)
            return False
        return True

    @work(group="action")
    async def _escalate_worker(self, items: list[ItemSummary]) -> None:
        try:
            await self._escalate(items)
        finally:
            self._pending_dialogs -= 1

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
        self._clear_tags()
        self._leave_stayed()
        cursor = self.queue.cursor_item
        if not self.settings.auto_advance and len(items) == 1 and cursor is not None and cursor.id == items[0].id:
            self.decider.stayed = cursor.id  # it leaves when the cursor moves on (or u takes it back)
            self.queue.mark_decided(cursor.id, result.label)
        else:
            self.queue.remove(result.ids)
        self._wake.set()
        self._count_soon()  # the whole queue's count and its breaches, without these
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
            self._restore(item)
        if undone.back:
            index = self.queue.index_of(undone.back[0].id)
            if index is not None:
                self.queue.move_cursor(index)
        for notice in undone.notices:
            self._say(notice)
        self._show_cursor_detail()
        self._count_soon()
        self._refresh_status()


    def _say(self, notice: Notice) -> None:
        self.notify(notice.text, title=notice.title, severity=notice.severity, timeout=notice.timeout, markup=False)


    @work(group="action")
    async def _redecide(self, again: Redecide) -> None:
        """`r` in the outbox on an item still open: its dialog again, against it as it is now."""
        item = again.summary
        if item.state is self.queue_state:  # (escalated meanwhile, it is decided without joining this queue)
            self._restore(item)
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

    def action_quit(self) -> None:
        self._opening(lambda _: self._quit_worker())([])

    @work(exclusive=True, group="action")
    async def _quit_worker(self) -> None:
        try:
            await self._quit()
        finally:
            self._pending_dialogs -= 1

    async def _quit(self) -> None:
        """Quit, asking first while decisions are not sent (they stay in the outbox)."""
        unsent = self.outbox.unsent(self.backend_name, self.me.id) if self.me else 0
        if unsent:
            question = f"{unsent} decision{'s are' if unsent != 1 else ' is'} not sent yet. Quit anyway?"
            detail = unsent_fate(self.outbox, unsent)
            if not await self.app.push_screen_wait(ConfirmDialog(question, detail)):
                return
        if self.session.claimed is not None:  # let others decide it now, not when the lease lapses
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.backend.release(self.session.claimed), 2.0)
        self.app.exit()
