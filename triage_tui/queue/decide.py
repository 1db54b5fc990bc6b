"""Decide and undo over the outbox, without a screen.

A decision is committed to the durable outbox before the queue moves on: `Decider.decide`
returns only once the rows are on disk, held for the undo window, and only then may the
screen take the items off its list. `Decider.undo` takes the last decision back while its
rows are still held, and says what became of the rest. `Decider.take_back` reads the
decisions that came back not applied and names the items that return to the queue.

The decider also keeps the bookkeeping that decides what a page or a feed change may
bring back: items decided here or elsewhere (`gone`), items decided by someone else
(`elsewhere`: an undo or a not-applied return must not bring them back), items that left
the list for our decision and are not yet known applied (`hidden`), and the one decided
item a moderator without auto-advance still sees (`stayed`).

Every method returns plain data — what left the queue, what came back, the notices to
show, worded with `notice.short_id`/`fit` and `words.plural` — for the screen to apply.
Kept out of ui/ so that it is tested against a real outbox without Textual.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Generic, Literal, TypeVar

from triage_tui.model import Action, ItemSummary, PayloadError, Scope
from triage_tui.notice import fit, short_id
from triage_tui.outbox import Outbox
from triage_tui.unapplied import NOT_APPLIED, Returns, notices, superseded_note, too_late
from triage_tui.workflow import FeedEffect, decisions_for
from triage_tui.words import plural

Severity = Literal["information", "warning", "error"]
Handle = TypeVar("Handle")  # the screen's handle on the toast that says "u undoes" (Textual's Notification)

UNDO_DEPTH = 20  # decisions `u` can take back, newest first
PAST = {Action.APPROVE: "Approved", Action.REMOVE: "Removed", Action.ESCALATE: "Escalated"}


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice for the screen to show as it is (plain text, never markup)."""

    text: str
    title: str = ""
    severity: Severity = "information"
    timeout: float | None = None  # None: the app's default


@dataclass(slots=True)
class UndoEntry(Generic[Handle]):
    """One decision `u` can take back: its outbox keys, in the order of its items."""

    action: Action
    keys: list[str]
    items: list[ItemSummary]
    toast: Handle | None = None  # "Removed … u undoes for 8 s.": untrue once undone, so undo takes it away


@dataclass(frozen=True, slots=True)
class Decided(Generic[Handle]):
    """A decision is on disk: `ids` leave the queue now."""

    entry: UndoEntry[Handle]  # the screen files its toast here (`entry.toast`)
    ids: set[str]
    label: str  # the mark of a decided item kept on screen ("removed spam")
    toast: Notice  # "Removed it-0000001. u undoes for 8 s."


@dataclass(frozen=True, slots=True)
class Undone(Generic[Handle]):
    """What `u` did: `back` return to the queue (the cursor goes to the first)."""

    entry: UndoEntry[Handle] | None  # None: there was nothing to undo
    back: list[ItemSummary] = field(default_factory=list)
    unmark: list[str] = field(default_factory=list)  # the decided item kept on screen is undecided again
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TakenBack:
    """What a send step brought back not applied."""

    notices: list[Notice] = field(default_factory=list)
    back: list[ItemSummary] = field(default_factory=list)  # return to the queue, at the version the backend said
    marked: set[str] = field(default_factory=set)  # every item to show marked not applied now
    returned: bool = False  # any row came back this time (the detail and a filter preview are worked out again)


class Decider(Generic[Handle]):
    """One moderator's decisions on one backend: the outbox, the undo stack and what
    they keep out of the queue."""

    def __init__(self, outbox: Outbox, *, backend: str, undo_seconds: float, clock: Callable[[], datetime],
                 moderator: str | None = None) -> None:
        self.outbox = outbox
        self.backend = backend
        self.moderator = moderator  # known once connected; nothing is decided before
        self.undo_seconds = undo_seconds
        self.clock = clock
        self.gone: set[str] = set()  # decided here or elsewhere: a late page must not bring them back
        self.elsewhere: set[str] = set()  # decided by someone else: an undo must not bring them back
        self.hidden: dict[str, ItemSummary] = {}  # left the list for my decision, not yet known applied
        self.stayed: str | None = None  # decided, kept on screen while auto-advance is off
        self.returns = Returns()  # my decisions that came back not applied
        self._undo: list[UndoEntry[Handle]] = []

    # -- deciding -------------------------------------------------------------------------

    def decide(self, items: Sequence[ItemSummary], action: Action, *, reason: str | None = None, scope: Scope = "global",
               escalate_to: str | None = None, note: str | None = None) -> Decided[Handle] | Notice:
        """Write the decisions to the outbox in one durable transaction (replacing, in the
        same one, any of these items' decisions that came back not applied), and only then
        count the items as gone. A `Notice` instead: nothing was recorded, nothing changed."""
        assert self.moderator is not None
        try:
            decisions = decisions_for(items, action, reason=reason, scope=scope, escalate_to=escalate_to, note=note)
        except PayloadError as exc:  # e.g. a note that is not valid text: refused before the outbox
            return Notice(f"Not recorded, nothing was decided: {str(exc).removeprefix('decision.')}.", title="Decision",
                          severity="error", timeout=20)
        now = self.clock().timestamp()
        ids = {i.id for i in items}
        new_key = {d.item_id: d.id for d in decisions}
        replaces = {key: superseded_note(new_key[item_id]) for key, item_id in self.returns.keys_for(ids)}
        try:
            self.outbox.add_many(decisions, backend=self.backend, moderator=self.moderator,
                                 hold_seconds=self.undo_seconds, now=now, replaces=replaces)
        except sqlite3.Error as exc:  # not on disk: nothing was decided, and the list stays put
            return Notice(f"Not recorded, nothing was decided: the outbox failed ({exc}).", title="Outbox", severity="error", timeout=20)
        self.hidden.update((i.id, i) for i in items)
        self.gone |= ids
        entry: UndoEntry[Handle] = UndoEntry(action, [d.id for d in decisions], list(items))
        self._undo.append(entry)
        del self._undo[:-UNDO_DEPTH]
        past = PAST[action]
        label = " ".join(str(part) for part in (past.lower(), reason, escalate_to) if part)
        what = short_id(items[0].id) if len(items) == 1 else plural(len(items), "item")
        toast = Notice(fit(f"{past} {what}", keep=f". u undoes for {self.undo_seconds:g} s."), timeout=min(8.0, self.undo_seconds))
        return Decided(entry, ids, label, toast)

    def undo(self) -> Undone[Handle]:
        """Take the last decision back: each row still held is undone and its item returns
        (unless someone else decided it meanwhile); the notices say what could not be."""
        if not self._undo:
            return Undone(None, notices=[Notice("Nothing to undo.")])
        entry = self._undo.pop()
        now = self.clock().timestamp()
        undone = [item for key, item in zip(entry.keys, entry.items, strict=True) if self.outbox.undo(key, now)]
        taken = [item for item in undone if item.id in self.elsewhere]
        back = [item for item in undone if item.id not in self.elsewhere]
        said: list[Notice] = []
        if taken:
            who = short_id(taken[0].id) if len(taken) == 1 else f"{len(taken)} of them"
            said.append(Notice(fit(f"Undone, but someone else decided {who} meanwhile."), severity="warning"))
        unmark = [item.id for item in back if self.returning(item.id)]
        done = {item.id for item in undone}
        late = [key for key, item in zip(entry.keys, entry.items, strict=True) if item.id not in done]
        if late:
            said.append(Notice(too_late(len(undone), self.outbox.rows_by_key(late)), severity="warning"))
        else:
            what = short_id(back[0].id) if len(back) == 1 else plural(len(back), "item")
            said.append(Notice(fit(f"Undone: {entry.action.value} of {what}.")))
        return Undone(entry, back, unmark, said)

    def returning(self, item_id: str) -> bool:
        """The item is in the queue again (undone, or back not applied): a page may list it.
        True if it was the decided item kept on screen, whose mark goes."""
        self.gone.discard(item_id)
        if item_id == self.stayed:
            self.stayed = None
            return True
        return False

    # -- what comes back ------------------------------------------------------------------

    def take_back(self, known: Callable[[str], ItemSummary | None]) -> TakenBack:
        """The decisions that came back not applied since the last look (refused, parked or
        in conflict): a notice for each, and the items that return to the queue, with the
        version the backend said. An item someone else decided stays out. `known` finds an
        item still in the screen's queue. Items known applied are forgotten."""
        if self.moderator is None:
            return TakenBack()
        unsent = self.outbox.unsent_item_ids(self.backend, self.moderator)
        returned = self.returns.check(self.outbox.rows(self.backend, self.moderator, NOT_APPLIED), unsent)
        said = [Notice(text, title="Not applied", severity="error", timeout=15) for text in notices(returned)]
        back: dict[str, ItemSummary] = {}
        for row in returned:
            summary = self.hidden.pop(row.item_id, None) or back.get(row.item_id) or known(row.item_id)
            if not row.back or summary is None or row.item_id in self.elsewhere:
                continue
            back[row.item_id] = summary if row.version is None else replace(summary, version=row.version)
        marked = self.returns.marked(unsent)
        self.hidden = {i: s for i, s in self.hidden.items() if i in unsent or i in marked}
        return TakenBack(said, list(back.values()), marked, bool(returned))

    def undecided(self, items: Iterable[ItemSummary]) -> list[ItemSummary]:
        """Of a page's items, those to list: not decided here (this session, or an earlier
        one whose decisions are still in the outbox) and not decided elsewhere since. An
        unsent one is kept aside, to come back if its decision is not applied."""
        page = list(items)
        unsent = self.outbox.unsent_item_ids(self.backend, self.moderator) if self.moderator else set()
        self.hidden.update((i.id, i) for i in page if i.id in unsent)
        return [i for i in page if i.id not in unsent and i.id not in self.gone]

    def left(self, effect: FeedEffect) -> set[str]:
        """The feed says these items left the queue. Returns those to take off the list now:
        our own decision on the item kept on screen (auto-advance off) keeps it there until
        the cursor moves on; someone else's takes it away as usual."""
        others = {e.item_id for e in effect.elsewhere}
        self.gone |= effect.removed
        self.elsewhere |= others
        return effect.removed - ({self.stayed} - others)
