"""How one view of the queue — a queue, a filter, a sort — is asked of a backend.

The backend holds the queue (issue #16); what it cannot do, the client does on the rows
it fetches. `plan` is the one place that splits a view by a backend's capabilities:
what goes in the request, which terms the client still applies to every row, whether
the client sorts, and so whether rows can be fetched by position with an exact total.
The app's session (`queue/session.py`) and the shell commands ask it the same way, so
the app and `export` list one view alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from triage_tui.backends import TEXT_TERM, Capabilities, QueueQuery
from triage_tui.filter_fields import OVERDUE
from triage_tui.filters import CompareTerm, Filter, OverdueTerm, SetTerm, Sort, Term, TextTerm

__all__ = ["ViewPlan", "plan", "term_kind"]


@dataclass(frozen=True, slots=True)
class ViewPlan:
    """A view as one backend serves it.

    `query`: the request. `residual`: the filter the client applies to the rows that come
    (empty when the backend evaluates it all). `client_sort`: the backend's pages are not
    in the view's order, so the client sorts what it holds. `positional`: rows come by
    position (`offset`) with an exact `total`, in the view's order, and nothing is left
    for the client: the app can jump anywhere and count exactly. Otherwise rows come by
    cursor from the start and counts are lower bounds until the last page.
    """

    query: QueueQuery
    residual: Filter
    client_sort: bool
    positional: bool

    @property
    def exact_counts(self) -> bool:
        """Whether `backend.count(query)` is the view's exact size."""
        return self.positional


def plan(queue: Literal["open", "escalated"] | str, flt: Filter, sort: Sort, caps: Capabilities) -> ViewPlan:
    """The request for a view on a backend with `caps`, and what the client keeps to do."""
    native_sort = str(sort) in caps.sorts and caps.sorted_pages
    if caps.filter_expressions and all(term_kind(term) in caps.filter_fields for term in flt.terms):
        query = QueueQuery(queue=queue, sort=str(sort) if native_sort else "deadline", filter=str(flt) or None)  # type: ignore[arg-type]
        residual = Filter()
    else:
        # The narrowest request the filter implies (each sent parameter is implied by it,
        # so the pages hold every match); the filter itself stays the truth, applied here.
        params: dict[str, Any] = dict(flt.server_params())
        if "min_reports" in params:
            params["min_reports"] = int(params["min_reports"])
        query = QueueQuery(queue=queue, sort=str(sort) if native_sort else (sort.protocol_name or "deadline"), **params)  # type: ignore[arg-type]
        residual = flt
    positional = native_sort and not residual and caps.offsets and caps.counts
    return ViewPlan(query=query, residual=residual, client_sort=not native_sort, positional=positional)


def term_kind(term: Term) -> str:
    """The `Capabilities.filter_fields` name of a term: its field, `overdue`, or `text`."""
    if isinstance(term, TextTerm):
        return TEXT_TERM
    if isinstance(term, OverdueTerm):
        return OVERDUE
    assert isinstance(term, SetTerm | CompareTerm), term
    return term.name
