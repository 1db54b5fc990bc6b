"""Decisions that left the queue and were not applied: what brings their item back.

The screen hides an item the moment the moderator decides it: the decision is in the
outbox, held for the undo window, then sent. Most are applied. Some are not: the
backend refused them (invalid, forbidden), the sender parked them (needs_attention),
or the item was not as the moderator saw it (conflict). An item must never stay out of
the moderator's queue for a decision that was not applied, so after every send step
the screen asks `Returns` which rows came back: their items return to the queue,
marked, with a notice saying why. The one exception is an item someone else decided:
it left the queue for their decision, not for ours, and the notice says who and what.

The outbox's `r` (re-decide) works from the item as it is now: `plan_redecide` says
whether the moderator may decide it again and, if so, against which summary.

Kept out of ui/ so that it is tested without Textual.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from triage_tui.model import Action, Item, ItemSummary, Source, State
from triage_tui.notice import short_id
from triage_tui.outbox import UNSENT, Row, RowState
from triage_tui.sanitize import Sanitized
from triage_tui.sync import conflict_cause
from triage_tui.words import plural

NOT_APPLIED = (RowState.CONFLICT, RowState.NEEDS_ATTENTION)
MARK = "\u2716"  # ✖ in the queue row: a decision on this item came back not applied
_PAST = {Action.APPROVE: "approved", Action.REMOVE: "removed", Action.ESCALATE: "escalated"}


def _tried(row: Row) -> str:
    return row.decision.action.value if row.decision is not None else "decision"


def decided_by_other(row: Row) -> bool:
    """Did someone else decide the item? Then it left the queue for their decision and does
    not come back for ours. A conflict says so by the item's state now: closed, or moved
    to another queue by someone's escalation. A claim by someone else, or a version that
    moved on (a report added, say) with the item still where it was, leaves it undecided:
    it comes back to be decided again. Rows filed before the state was kept judge by
    whether a decider was named."""
    result = row.result or {}
    if row.state is not RowState.CONFLICT or result.get("error") == "claimed":
        return False
    state = result.get("state")
    if state is None:
        return result.get("decided_by") is not None or result.get("action") is not None
    return state == State.CLOSED.value or (state == State.ESCALATED.value and result.get("action") == Action.ESCALATE.value)


def why(row: Row) -> str:
    """One sentence: what the moderator tried and why it was not applied, naming the item
    and the moderators as every notice does (`short_id`; the outbox screen, O, has the ids whole)."""
    result = row.result or {}
    if row.state is RowState.CONFLICT:  # from what the backend said of the item, as the sender's line
        cause = conflict_cause(result.get("error"), result.get("claimed_by"), result.get("decided_by"), result.get("action"), short_id)
    else:
        cause = row.last_error or result.get("detail") or result.get("error") or "no reason given"
    return f"{short_id(row.item_id)}: your {_tried(row)} was not applied — {cause}."


@dataclass(frozen=True, slots=True)
class Returned:
    """A row that came back not applied, as the screen should act on it."""

    key: str
    item_id: str
    back: bool  # the item returns to the queue (False: someone else decided it)
    version: int | None  # the item's version now, where the backend said
    notice: str


class Returns:
    """The not-applied rows already seen by one screen, so each is announced once."""

    def __init__(self) -> None:
        self._rows: dict[str, Row] = {}  # key -> the not-applied row, as last seen

    def check(self, rows: Iterable[Row], unsent: set[str]) -> list[Returned]:
        """`rows`: the moderator's rows in NOT_APPLIED states now; `unsent`: items with a
        decision still held or pending (decided again: they stay hidden, unmarked).
        Returns the rows not seen before; `marked` says which items to mark now."""
        current = {row.key: row for row in rows}
        fresh = [row for key, row in current.items() if key not in self._rows]
        self._rows = current
        out = []
        for row in fresh:
            back = not decided_by_other(row) and row.item_id not in unsent
            version = (row.result or {}).get("version")
            # Not cut to one line: the backend's reason is the point of this notice.
            tail = (f" It is back in your queue, marked {MARK}; O re-decides or drops it." if back
                    else " It left your queue; O lists it.")
            out.append(Returned(row.key, row.item_id, back, version if isinstance(version, int) else None, why(row) + tail))
        return out

    def marked(self, unsent: set[str]) -> set[str]:
        """Items to show with the mark: a decision not applied, and not decided again since."""
        return {row.item_id for row in self._rows.values() if not decided_by_other(row) and row.item_id not in unsent}

    def keys_for(self, item_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(key, item id) of the not-applied rows of these items: a new decision on one
        supersedes them (the outbox records it, and the mark goes)."""
        ids = set(item_ids)
        return [(key, row.item_id) for key, row in self._rows.items() if row.item_id in ids]


def too_late(undone: int, rows: Iterable[Row]) -> str:
    """What `u` says of the decisions it could not take back (`rows`: those past the undo
    window), by what became of each — sent, on its way, or back not applied — never a
    blanket "will be sent" for a decision the backend has already answered."""
    by_fate = Counter("on its way" if row.state in UNSENT else "applied" if row.state is RowState.SENT
                      else "not applied (O lists it)" if row.state in NOT_APPLIED else "dropped" for row in rows)
    fates = ", ".join(f"{n:,} {fate}" for fate, n in sorted(by_fate.items(), key=lambda kv: -kv[1]))
    return f"Undid {undone:,}; {plural(sum(by_fate.values()), 'decision')} had left the undo window: {fates}."


def notices(returned: list[Returned], most: int = 3) -> list[str]:
    """A notice per returned row, or one for all of them when there are more than `most`
    (an earlier session's parked rows at start must not bury the screen in toasts)."""
    if len(returned) <= most:
        return [r.notice for r in returned]
    back = sum(r.back for r in returned)
    return [f"{plural(len(returned), 'decision')} of yours not applied; {plural(back, 'item')} back in your queue, "
            f"marked {MARK}. O lists them, with why."]


def summary_of(item: Item, known: ItemSummary | None) -> ItemSummary:
    """The queue line for `item` as it is now: the known line with the item's current
    version, state and reports, or (not loaded here) one built from the item."""
    sources = tuple(s for s in Source if s in item.sources)
    countries = tuple(sorted(item.countries))
    reasons = Counter(r.reason for r in item.reports)
    if known is not None:
        return replace(known, version=item.version, state=item.state, sources=sources or known.sources, countries=countries,
                       escalated_to=item.escalated_to, report_count=len(item.reports) or known.report_count,
                       reasons=tuple(sorted(reasons)) or known.reasons)
    first = min((r.created_at for r in item.reports), default=item.created_at)
    return ItemSummary(
        id=item.id, kind=item.kind, state=item.state, version=item.version, priority=item.priority, deadline=item.deadline,
        sources=sources, countries=countries, reason=reasons.most_common(1)[0][0] if reasons else None,
        report_count=len(item.reports), snippet=Sanitized(item.text[:300]), first_reported_at=first or item.deadline or datetime.fromtimestamp(0, UTC),
        escalated_to=item.escalated_to, campaign=item.campaign.id if item.campaign else None, flags=item.flags,
        reasons=tuple(sorted(reasons)),
    )


@dataclass(frozen=True, slots=True)
class Redecide:
    """Decide the item again, from its current state: `action` is what was tried before
    (the dialog it opens), `summary` the item as it is now."""

    row: Row
    summary: ItemSummary

    @property
    def action(self) -> Action:
        assert self.row.decision is not None
        return self.row.decision.action


def closed_by(row: Row, item: Item) -> str:
    """Who closed the item and how, from its history (else from the backend's answer)."""
    if item.history:
        last = item.history[-1]
        return f"{last.moderator} {_PAST[last.action]} it" + (f" ({last.reason})" if last.reason else "")
    result = row.result or {}
    who, action = result.get("decided_by"), result.get("action")
    if isinstance(action, str) and action in Action.__members__.values():
        return f"{who or 'someone else'} {_PAST[Action(action)]} it"
    return f"{who or 'someone else'} closed it"


def plan_redecide(row: Row, item: Item, known: ItemSummary | None) -> Redecide | str:
    """What `r` in the outbox does with `row`, given the item fetched now: a `Redecide`
    while the item is still open (or escalated, which its team may decide), or a sentence
    saying who closed it, and that `d` records the choice to let it be."""
    if row.decision is None:
        return f"{short_id(row.item_id)}: the stored decision is unreadable, so there is nothing to decide again; d drops it (recorded)."
    if item.state is State.CLOSED:
        return f"{short_id(row.item_id)} is closed: {closed_by(row, item)}. There is nothing to re-decide; d drops your {_tried(row)} (recorded)."
    return Redecide(row, summary_of(item, known))


def superseded_note(key: str) -> str:
    """What the outbox records on a row a new decision replaced."""
    return f"re-decided as {key}"
