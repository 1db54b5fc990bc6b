"""The detail pane's documents of recently shown items, and of items drawn ahead.

`DetailPane.show` runs on every cursor move and `DetailPane.prepare` builds the items the
next key is likely to land on, so an item's document (its blocks, wrapped, and the
strips drawn from them) is kept in a small LRU: moving back and forth, or landing on an
item prepared ahead, costs a lookup. A document is kept per item version, masking and
day (dates and ages are shown per day); its countdowns are brought up to date when it
is taken out again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from textual.strip import Strip

from triage_tui.model import Item, Policy
from triage_tui.ui.widgets.detail_blocks import Block, update_live
from triage_tui.ui.widgets.detail_sections import build_blocks, masked_by

__all__ = ["Doc", "Documents"]


@dataclass(eq=False, slots=True)
class Doc:
    """One item's document as shown recently or prepared ahead: its blocks, and the strips
    drawn from them for (width, visual style) `stamp`, by document line."""

    item: Item
    blocks: list[Block]
    strips: dict[int, Strip] = field(default_factory=dict)
    stamp: object = None


class Documents:
    """At most `size` documents, the least recently used dropped first."""

    __slots__ = ("size", "_docs", "_policy")

    def __init__(self, size: int) -> None:
        self.size = size
        self._docs: OrderedDict[tuple[object, ...], Doc] = OrderedDict()
        self._policy: Policy | None = None

    @property
    def policy(self) -> Policy | None:
        """The policy the documents kept were built with."""
        return self._policy

    def clear(self) -> None:
        """Forget every document (the words in them changed, say the reveal key)."""
        self._docs.clear()

    def get(self, item: Item, policy: Policy | None, now: datetime, *, revealed: bool, reveal_key: str) -> Doc:
        """`item`'s document for `now`: the one built recently if there is one."""
        if policy is not self._policy:
            self._docs.clear()  # labels and sensitivity may differ
            self._policy = policy
        masked = None if revealed else masked_by(item, policy)
        key = (item.id, item.version, masked, now.date())  # dates and ages are shown per day
        doc = self._docs.get(key)
        if doc is not None and (doc.item is item or doc.item == item):
            self._docs.move_to_end(key)
            for index in update_live(doc.blocks, now):
                doc.blocks[index].width = -1  # wrapped again (and drawn again) before use
            return doc
        doc = Doc(item, build_blocks(item, policy, now, masked=masked, reveal_key=reveal_key))
        self._docs[key] = doc
        while len(self._docs) > self.size:
            self._docs.popitem(last=False)
        return doc
