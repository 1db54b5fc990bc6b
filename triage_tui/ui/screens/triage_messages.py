"""The messages the triage screen's workers post: I/O results, handed to its handlers.

Workers only do I/O (through `queue.session.QueueSession` and the backend) and post one
of these; the handlers, on the screen, are the only code that edits the session's window
and touches widgets (docs/architecture.md, "A page from server to screen").
"""

from __future__ import annotations

from textual.message import Message

from triage_tui.filters import Sort
from triage_tui.model import ChangeBatch, Item, Moderator, Policy
from triage_tui.queue.session import Page, Preview

__all__ = ["ClaimAnswer", "Connected", "Counted", "DetailLoaded", "FeedArrived", "FilterPreview", "IdsStreamed", "LinkState",
           "PageLoaded", "SyncState"]


class Connected(Message):
    def __init__(self, me: Moderator, policy: Policy) -> None:
        super().__init__()
        self.me = me
        self.policy = policy


class PageLoaded(Message):
    """Rows of the view came (or `page.problem` says why not)."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page


class Counted(Message):
    """The whole queue's size (None: the backend cannot count) and its SLA breaches."""

    def __init__(self, total: int | None, overdue: int, exact: bool) -> None:
        super().__init__()
        self.total = total
        self.overdue = overdue
        self.exact = exact


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

    def __init__(self, text: str, mode: str, sort: Sort, preview: Preview | None, problem: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.mode = mode
        self.sort = sort
        self.preview = preview
        self.problem = problem


class IdsStreamed(Message):
    """The ids `T` tags (every match of the filter in the view), or why not."""

    def __init__(self, text: str, ids: list[str], problem: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.ids = ids
        self.problem = problem


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
