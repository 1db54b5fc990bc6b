"""A view of the queue — a filter and a sort over one queue — asked of any backend as
cheaply as its capabilities allow, with the same answer from every backend.

The filter language is the truth (`Filter.matches`, `Sort`). A backend evaluates what
its `Capabilities` say it does, and this module does the rest, once, for every caller
(`batch`, `export`; the app's session can stream a view the same way):

- On a backend with `filter_expressions` (the triage protocol v1.1), the terms it
  evaluates (`filter_fields`: all of them on the reference server) go to it as one
  expression, `QueueQuery.filter`, so its pages hold exactly the view's rows and nothing
  is fetched to be thrown away. Elsewhere (Ozone) the per-field query parameters narrow
  the pages (`server_params`) and the whole filter is applied to each row here.
- Where the backend's pages come in the view's order (`sorted_pages` and the sort in
  `sorts`) rows stream as they come; otherwise (Ozone sorts by its own fields) the view
  is gathered and sorted here with `filters.Sort`, or two commands would list one query
  in two orders.
- `ids` takes the ids from one `Backend.ids()` request where the backend streams the
  view exactly (`id_streams`, nothing left to do here); None tells the caller to read
  rows instead. `count` is one `Backend.count()` request where `counts`, else None.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from triage_tui.backends import Backend, Capabilities, QueueQuery
from triage_tui.filter_fields import FIELDS as FIELD_SPECS
from triage_tui.filters import CompareTerm, Filter, SetTerm, Sort, TextTerm
from triage_tui.model import ItemSummary, now

PAGE = 1000  # rows per request: the protocol's largest page (a backend asks its own server for less: Ozone 100)


@dataclass(frozen=True, slots=True)
class View:
    """What to ask the backend (`query`) and what is left to do with its rows here."""

    query: QueueQuery
    rest: Filter  # the terms the backend does not evaluate, applied here to every row
    sort: Sort  # the order the view is in
    sorted_here: bool  # the backend's pages are not in that order: gather them all, then sort

    @property
    def exact(self) -> bool:
        """The backend's answer is the view itself: nothing is filtered or sorted here."""
        return not self.rest and not self.sorted_here


def plan(capabilities: Capabilities, queue: Literal["open", "escalated"] | str, flt: Filter, sort: Sort) -> View:
    """The view `flt` and `sort` make of `queue`, split between the backend and the client."""
    native_sort = capabilities.sorted_pages and str(sort) in capabilities.sorts
    order = str(sort) if native_sort else (sort.protocol_name or "deadline")  # without it: the backend's load order
    if capabilities.filter_expressions:
        native, rest = flt.split(capabilities.filter_fields)
        query = QueueQuery(queue=queue, sort=order, filter=str(native) or None)  # type: ignore[arg-type]
    else:
        params: dict[str, Any] = dict(server_params(flt))  # implied by the filter: they narrow, never widen
        if "min_reports" in params:
            params["min_reports"] = int(params["min_reports"])
        query = QueueQuery(queue=queue, sort=order, **params)  # type: ignore[arg-type]
        rest = flt  # a query parameter is not the language's term (q vs a sanitized snippet): the filter stays the truth
    return View(query, rest, sort, not native_sort)


async def matching(backend: Backend, view: View, limit: int | None = None) -> AsyncIterator[ItemSummary]:
    """The view's rows, in its order, at most `limit`: page by page as they come where the
    backend's pages are in that order (a page no larger than the rows still wanted), else
    every page gathered, filtered and sorted here, as the app sorts its queue."""
    when = now()
    cursor: str | None = None
    found = 0
    gathered: list[ItemSummary] = []
    while True:
        size = PAGE if view.sorted_here or limit is None else min(PAGE, limit - found)
        page = await backend.queue(view.query, cursor=cursor, limit=size)
        rows = view.rest.select(page.items, when)
        if view.sorted_here:
            gathered += rows
        else:
            for item in rows:
                yield item
                found += 1
                if limit is not None and found >= limit:
                    return
        cursor = page.next_cursor
        if cursor is None:
            break
    for item in view.sort.sort(gathered)[:limit]:
        yield item


async def ids(backend: Backend, view: View, limit: int | None = None) -> list[str] | None:
    """The view's ids in its order, at most `limit`, from one `ids()` request; None where
    the backend cannot stream this view exactly (no `id_streams`, or terms or an order
    left to the client): then only its rows say which items are in the view."""
    if not (view.exact and backend.capabilities.id_streams):
        return None
    found: list[str] = []
    stream = backend.ids(view.query)
    try:
        async for item_id in stream:
            found.append(item_id)
            if limit is not None and len(found) >= limit:
                break
    finally:
        close = getattr(stream, "aclose", None)  # ends the request when the limit stops reading early
        if close is not None:
            await close()
    return found


async def count(backend: Backend, view: View) -> int | None:
    """How many items the view holds, in one `count()` request; None where the backend
    cannot count this view (no `counts`, or terms left to the client; the order is no matter)."""
    if view.rest or not backend.capabilities.counts:
        return None
    return (await backend.count(view.query)).total


def server_params(flt: Filter) -> dict[str, str]:
    """The protocol query parameters this filter implies (kind, source, country,
    reason, min_reports, q). Only positive terms with one value can be sent, and only
    one per parameter: each sent parameter is implied by the filter, so the server's
    pages hold every matching item. For `q` the longest phrase goes: it narrows most.
    """
    params: dict[str, str] = {}
    least: int | None = None
    phrases: list[str] = []
    for term in flt.terms:
        if isinstance(term, CompareTerm):
            bound = term.min_reports()
            if bound is not None:
                least = bound if least is None else max(least, bound)
        elif term.negated:
            continue
        elif isinstance(term, SetTerm):
            param = FIELD_SPECS[term.name].server
            if param is not None and len(term.values) == 1:
                params.setdefault(param, term.values[0])
        elif isinstance(term, TextTerm) and term.server_safe():
            phrases.append(term.text)
    if least:
        params["min_reports"] = str(least)
    if phrases:
        params["q"] = max(phrases, key=len)
    return params
