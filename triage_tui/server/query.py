"""The filter language in SQL: the reference server's compiler of `filters.Filter` and
`filters.Sort` (protocol v1.1's `filter=` and `sort=`).

The language is defined once, by `filters.parse` and `filters.parse_sort`; the server
parses `filter=` with that same parser and compiles each term here, so the server's
answer is the client's `Filter.matches` over the same items (tests/test_server_filters.py
holds the two equal for random items and random filters). Each term's SQL states the
Python term's rule over the stored columns:

- set fields are `,`-framed lists in their columns (`sources`, `countries`, `reasons`),
  matched by `instr` on `,value,`; `campaign` is the summary's campaign (a campaign of
  one is none, `SUMMARY_COLUMNS`), so it needs the `campaigns` join (`Compiled.campaigns`);
- `flag` and free text are about the snippet as the client holds it — after
  `model.summary_snippet` (the sanitizer) — so two SQL functions apply that same Python
  function to the stored snippet (`register`): `tt_shown` (the shown snippet, lower-cased
  as `TextTerm` compares it) and `tt_flags` (its flags, `,`-framed);
- `age`, `due` and `overdue` count from one `now`, the server's clock when the request
  is read; an answer with such a term is never cached (`timed`);
- a negated term is `NOT ifnull(…, 0)`: a NULL column (no deadline, never escalated) is
  a term that does not match, and its negation then does, as in Python.

Sorts are the store's keyset orders; `-name` reverses every column, which is the exact
reverse of `name` (ids are unique), as `filters.Sort` promises, and SQLite walks the
same index backwards.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from triage_tui.filters import CompareTerm, Filter, OverdueTerm, SetTerm, Sort, Term, TextTerm
from triage_tui.filter_fields import ANY
from triage_tui.model import summary_snippet

# Sort name → (key columns, per-column direction: +1 asc, -1 desc), forward order.
SORTS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "deadline": (("dkey", "priority", "id"), (1, -1, 1)),
    "priority": (("priority", "id"), (-1, 1)),
    "reports": (("report_count", "id"), (-1, 1)),
    "age": (("first_reported", "id"), (1, 1)),
}
SORT_NAMES: tuple[str, ...] = (*SORTS, *(f"-{name}" for name in SORTS))
"""Every `sort=` the server takes: each order and its exact reverse."""


@dataclass(frozen=True, slots=True)
class Order:
    """One queue order: its `ORDER BY`, and the keyset columns and directions for cursors."""

    name: str  # as in `sort=`, and in the cursors made for it
    keys: tuple[str, ...]
    directions: tuple[int, ...]

    @property
    def sql(self) -> str:
        return ", ".join(f"i.{k} {'ASC' if d > 0 else 'DESC'}" for k, d in zip(self.keys, self.directions, strict=True))


def order(sort: Sort) -> Order:
    keys, directions = SORTS[sort.name]
    if sort.reverse:
        directions = tuple(-d for d in directions)
    return Order(str(sort), keys, directions)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A filter as SQL conditions (AND-ed) with their parameters, in order."""

    where: tuple[str, ...]
    params: tuple[Any, ...]
    campaigns: bool  # a condition reads `c.size`: the query must LEFT JOIN campaigns c


def timed(f: Filter) -> bool:
    """Whether the filter's answer depends on the clock (age, due, overdue)."""
    return any(isinstance(t, OverdueTerm) or (isinstance(t, CompareTerm) and t.name in ("age", "due")) for t in f.terms)


def compile_filter(f: Filter, now: float) -> Compiled:
    """`f` as SQL over `items i` (and `campaigns c`), counting time from `now` (epoch seconds)."""
    where: list[str] = []
    params: list[Any] = []
    campaigns = False
    for term in f.terms:
        sql, values = _positive(term, now)
        campaigns = campaigns or isinstance(term, SetTerm) and term.name == "campaign"
        where.append(f"NOT ifnull({sql}, 0)" if term.negated else f"ifnull({sql}, 0)")
        params.extend(values)
    return Compiled(tuple(where), tuple(params), campaigns)


def _any_of(column: str, values: tuple[str, ...]) -> tuple[str, list[Any]]:
    """One of `values` is in the `,`-framed list `column`."""
    return "(" + " OR ".join([f"instr({column}, ?) > 0"] * len(values)) + ")", [f",{v}," for v in values]


def _one_of(column: str, values: tuple[str, ...]) -> tuple[str, list[Any]]:
    return f"({column} IN ({','.join('?' * len(values))}))", list(values)


def _positive(term: Term, now: float) -> tuple[str, list[Any]]:
    """The SQL of the term without its `-`: the rule of the term's `_positive` in filters.py."""
    if isinstance(term, SetTerm):
        values = term.values
        match term.name:
            case "kind":
                return _one_of("i.kind", values)
            case "state":
                return _one_of("i.state", values)
            case "escalated":
                return _one_of("i.escalated_to", values)
            case "source":
                return _any_of("i.sources", values)
            case "country":
                return _any_of("i.countries", values)
            case "reason":  # `reasons` is stored unframed ("a,b"): frame it
                return _any_of("(',' || i.reasons || ',')", values)
            case "flag":
                if ANY in values:
                    return "(tt_flags(i.snippet) != '')", []
                return _any_of("tt_flags(i.snippet)", values)
            case "campaign":
                if ANY in values:
                    return "(c.size > 1 AND i.campaign IS NOT NULL)", []
                sql, params = _one_of("i.campaign", values)
                return f"(c.size > 1 AND {sql})", params
        raise AssertionError(term.name)
    if isinstance(term, CompareTerm):
        match term.name:
            case "reports":
                return f"(i.report_count {term.op} ?)", [term.number]
            case "priority":
                return f"(i.priority {term.op} ?)", [term.number]
            case "age":
                return f"((? - i.first_reported) {term.op} ?)", [now, term.duration.total_seconds()]
            case "due":
                return f"(i.deadline IS NOT NULL AND (i.deadline - ?) {term.op} ?)", [now, term.duration.total_seconds()]
        raise AssertionError(term.name)
    if isinstance(term, OverdueTerm):
        return "(i.deadline IS NOT NULL AND i.deadline <= ?)", [now]
    if isinstance(term, TextTerm):
        return "(instr(tt_shown(i.snippet), ?) > 0)", [term.text.lower()]
    raise AssertionError(type(term).__name__)


@lru_cache(maxsize=8192)
def _shown(snippet: str) -> str:
    """The snippet as `TextTerm` searches it: shown (sanitized), lower-cased."""
    return summary_snippet(snippet).text.lower()


@lru_cache(maxsize=8192)
def _flags(snippet: str) -> str:
    """The snippet's sanitizer flags, `,`-framed (empty when none), for `flag:`."""
    flags = summary_snippet(snippet).flags
    return "," + ",".join(sorted(flags)) + "," if flags else ""


def register(db: sqlite3.Connection) -> None:
    """Give a connection the functions the compiled filters call."""
    db.create_function("tt_shown", 1, _shown, deterministic=True)
    db.create_function("tt_flags", 1, _flags, deterministic=True)
