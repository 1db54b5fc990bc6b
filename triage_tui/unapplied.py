"""Decisions that left the queue and were not applied: what brings their item back.

The screen hides an item the moment the moderator decides it: the decision is in the
outbox, held for the undo window, then sent. Most are applied. Some are not: the
backend refused them (invalid, forbidden), the sender parked them (needs_attention),
or the item was not as the moderator saw it (conflict). An item must never stay out of
the moderator's queue for a decision that was not applied, so after every send step
the screen asks `Returns` which rows came back: their items return to the queue,
marked, with a notice saying why. The one exception is an item someone else decided:
it left the queue for their decision, not for ours, and the notice says who and what.

Kept out of ui/ so that it is tested without Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from triage_tui.outbox import Row, RowState

NOT_APPLIED = (RowState.CONFLICT, RowState.NEEDS_ATTENTION)
MARK = "\u2716"  # ✖ in the queue row: a decision on this item came back not applied


def _tried(row: Row) -> str:
    return row.decision.action.value if row.decision is not None else "decision"


def decided_by_other(row: Row) -> bool:
    """Did someone else decide the item (a conflict other than a claim)? Then it left the
    queue for their decision and does not come back for ours."""
    result = row.result or {}
    return row.state is RowState.CONFLICT and result.get("error") != "claimed"


def why(row: Row) -> str:
    """One sentence: what the moderator tried and why it was not applied."""
    if row.state is RowState.CONFLICT and row.last_error:
        return row.last_error  # the sender's conflict line: who got there first, and what
    reason = row.last_error or (row.result or {}).get("detail") or (row.result or {}).get("error") or "no reason given"
    return f"{row.item_id}: your {_tried(row)} was not applied — {reason}."


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


def notices(returned: list[Returned], most: int = 3) -> list[str]:
    """A notice per returned row, or one for all of them when there are more than `most`
    (an earlier session's parked rows at start must not bury the screen in toasts)."""
    if len(returned) <= most:
        return [r.notice for r in returned]
    back = sum(r.back for r in returned)
    return [f"{len(returned)} of your decisions were not applied; {back} of their items are back in your queue, "
            f"marked {MARK}. O lists them, with why."]


def superseded_note(key: str) -> str:
    """What the outbox records on a row a new decision replaced."""
    return f"re-decided as {key}"
