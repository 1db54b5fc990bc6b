"""The `Backend` protocol: what the core and the UI may ask of any moderation backend.

The UI never knows which backend it talks to; it reads `capabilities` to hide what a
backend cannot do (claims on Ozone, say) and catches `backends.errors.BackendError`.
This module stays light — no httpx — because the CLI's `--version` and batch paths
import it; concrete backends load on first use (`backends.TriageBackend`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, runtime_checkable

from triage_tui.filter_fields import FIELDS, OVERDUE, TEXT_TERM
from triage_tui.filters import SORTS
from triage_tui.model import AuditPage, ChangeBatch, Claim, Decision, DecisionResult, Item, Moderator, Policy, QueueCount, QueuePage, Stats

ALL_TERMS: frozenset[str] = frozenset((*FIELDS, OVERDUE, TEXT_TERM))
"""The kinds of term of the filter language, as `Capabilities.filter_fields` names them:
the fields, `overdue`, and `text` for a free-text word or phrase."""
ALL_SORTS: frozenset[str] = frozenset((*SORTS, *(f"-{name}" for name in SORTS)))
"""Every order of the language, as `str(filters.Sort)` writes it: `deadline`, `-age`, …"""

if TYPE_CHECKING:
    from triage_tui.backends.triage import TriageBackend

__all__ = ["ALL_SORTS", "ALL_TERMS", "Backend", "Capabilities", "QueueQuery", "TriageBackend"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend supports; the UI hides or disables the rest."""

    claims: bool = False  # leases on items (POST/DELETE …/claim)
    versions: bool = False  # item versions: stale decisions come back as conflicts
    escalation: bool = False  # escalate to a specialist team
    scoped_removal: bool = False  # withhold in some countries only
    change_feed: bool = False  # long-poll of changes made by others
    # Pages come in the protocol's order for the asked sort — `filters.Sort`'s, ending with
    # the item id — across the whole queue, so a client may show or stream them as they
    # come. Without it (Ozone sorts by its own fields) the client gathers every page and
    # sorts it itself, or the app and `export` would list one query in two orders.
    sorted_pages: bool = False
    # Protocol v1.1. Which terms of the filter language (ALL_TERMS names) the backend
    # evaluates itself, exactly, and in which orders (ALL_SORTS names) its pages come:
    # a client applies the rest to the rows it fetches. `filter_expressions`: it takes a
    # whole expression (`QueueQuery.filter`). `counts`: its `total` is exact and
    # `count()` costs one request. `offsets`: `queue(offset=…)` gives rows by position.
    # `id_streams`: `ids()` streams the ids of a view in one request.
    filter_fields: frozenset[str] = frozenset()
    sorts: frozenset[str] = frozenset()
    filter_expressions: bool = False
    counts: bool = False
    offsets: bool = False
    id_streams: bool = False


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """One queue view: which queue, in which order, narrowed by which filters (AND).

    Frozen and hashable so a view can be a cache key; `params()` is its protocol form.
    """

    queue: Literal["open", "escalated"] = "open"
    sort: str = "deadline"  # an ALL_SORTS name; `-name` only where capabilities.sorts has it
    kind: str | None = None
    source: str | None = None
    country: str | None = None
    reason: str | None = None
    min_reports: int | None = None
    q: str | None = None
    # Protocol v1.1: an expression of the filter language (filters.py), evaluated by a
    # backend whose capabilities say `filter_expressions`; others refuse it.
    filter: str | None = None

    def __post_init__(self) -> None:
        if self.queue not in ("open", "escalated"):
            raise ValueError(f"queue must be 'open' or 'escalated', not {self.queue!r}")
        if self.min_reports is not None and (isinstance(self.min_reports, bool) or not isinstance(self.min_reports, int) or self.min_reports < 0):
            raise ValueError(f"min_reports must be a whole number >= 0, not {self.min_reports!r}")

    def params(self) -> dict[str, str]:
        """Query parameters; filters that are None are left out (the server refuses unknown ones)."""
        out = {"queue": self.queue, "sort": self.sort}
        for name in ("kind", "source", "country", "reason", "min_reports", "q", "filter"):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        return out


@runtime_checkable
class Backend(Protocol):
    """A moderation backend. Every method raises only `errors.BackendError` subclasses
    (and ValueError for arguments the caller got wrong).

    Every backend has every method; what a method can do is its capability flag's to say,
    and a caller checks the flag before it asks:
    - `claim` needs `claims`; without it it raises `InvalidRequest` (and `release` has nothing to release).
    - `count` needs `counts`, and `ids` needs `id_streams`; without them they raise
      `errors.Unsupported` (naming the flag) before any request. A backend that cannot
      count or stream ids does not fake it by walking its pages: that would cost a caller
      that only wanted a number one request per page of the whole queue, which is exactly
      what the flags exist to warn of. A caller that needs the ids anyway walks `queue`
      pages itself and applies the filter terms the backend does not evaluate
      (`views.matching` does, for the shell commands).
    - `queue(query)` with `query.filter` needs `filter_expressions`; without it the
      backend raises `Unsupported` rather than ignore the expression. The per-field
      filters narrow the pages of any backend; `filter_fields` says which of them it
      evaluates exactly, and a caller applies the rest to the rows.
    - `changes` without `change_feed` waits and reports nothing.
    """

    name: str
    capabilities: Capabilities

    async def me(self) -> Moderator: ...

    async def policy(self) -> Policy: ...

    async def queue(self, query: QueueQuery, *, cursor: str | None = None, limit: int = 200) -> QueuePage: ...

    async def count(self, query: QueueQuery) -> QueueCount:
        """How many items the view holds (`capabilities.counts`), in one request."""
        ...

    def ids(self, query: QueueQuery) -> AsyncIterator[str]:
        """The ids of the view, in its order (`capabilities.id_streams`), in one request.
        Iterate with `async for`; the iteration raises, never ends early, if the answer
        was cut short."""
        ...

    async def changes(self, since: int, *, wait: float = 0, limit: int = 500) -> ChangeBatch: ...

    async def item(self, item_id: str) -> Item: ...

    async def claim(self, item_id: str, ttl: float = 300) -> Claim: ...

    async def release(self, item_id: str) -> None: ...

    async def decide(self, decisions: Sequence[Decision]) -> tuple[DecisionResult, ...]: ...

    async def audit(self, *, since: datetime | None = None, cursor: str | None = None, limit: int = 200, moderator: str | None = None) -> AuditPage: ...

    async def stats(self) -> Stats: ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...


def __getattr__(name: str) -> Any:
    """Concrete backends load lazily: importing this package must not import httpx."""
    if name == "TriageBackend":
        from triage_tui.backends.triage import TriageBackend

        return TriageBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
