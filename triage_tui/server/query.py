"""The filter language in SQL: the reference server's compiler of `filters.Filter` and
`filters.Sort` (protocol v1.1's `filter=` and `sort=`).

The language is defined once, by `filters.parse` and `filters.parse_sort`; the server
parses `filter=` with that same parser and compiles each term here, so the server's
answer is the client's `Filter.matches` over the same items (tests/test_server_filters.py
holds the two equal for random items and random filters). Each term's SQL states the
Python term's rule over the stored columns:

- set fields are bitmasks in the narrow query columns (schema.py): `src` (sources),
  `rsn` (reasons), `cty` (countries) and `flg` (the shown snippet's sanitizer flags), so a
  term is one AND on an integer every sort index carries; a reason or country code past
  the 62 with bits of their own tests the OTHER bit and then the `,`-framed text
  (`reasons`, `countries`). `campaign` is the summary's campaign (a campaign of one is
  none, `SUMMARY_COLUMNS`), so it needs the `campaigns` join (`Compiled.campaigns`);
- `flag` and free text are about the snippet as the client holds it — after
  `model.summary_snippet` (the sanitizer): `flg` is computed from it at ingest, and free
  text of three characters or more is a phrase of the trigram index `item_fts`, which
  holds that shown snippet lower-cased as `TextTerm` compares it (case-sensitive
  trigrams, so a match is exactly a substring of it); a shorter text, which trigrams cannot
  find, applies the same Python function to the stored snippet (`tt_shown`, `register`);
- `age`, `due` and `overdue` count from one `now`, the server's clock when the request
  is read; an answer with such a term is never cached (`timed`);
- a negated term is `NOT ifnull(…, 0)` where a column may be NULL (never escalated, no
  campaign): such a term does not match, and its negation then does, as in Python.

Sorts are the store's keyset orders, every key ascending (`npri` is -priority); `-name`
reverses every column, which is the exact reverse of `name` (ids are unique), as
`filters.Sort` promises, and SQLite walks the same index backwards.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from triage_tui.filters import CompareTerm, Filter, OverdueTerm, SetTerm, Sort, Term, TextTerm
from triage_tui.filter_fields import ANY
from triage_tui.model import summary_snippet
from triage_tui.server.schema import FTS_MIN, OTHER_BIT, Vocab, flag_mask, source_mask

# Sort name → key columns, forward order, every one ascending: `npri` and `nrep` are
# -priority and -report_count (schema.py), so a keyset is one row-value comparison,
# `(i.dkey, i.npri, i.id) > (?, ?, ?)`, which SQLite answers with a seek on the sort's
# index — a condition over mixed directions is an OR it can only test row by row.
SORTS: dict[str, tuple[str, ...]] = {
    "deadline": ("dkey", "npri", "id"),
    "priority": ("npri", "id"),
    "reports": ("nrep", "id"),
    "age": ("first_reported", "id"),
}
SORT_NAMES: tuple[str, ...] = (*SORTS, *(f"-{name}" for name in SORTS))
"""Every `sort=` the server takes: each order and its exact reverse."""


@dataclass(frozen=True, slots=True)
class Order:
    """One queue order: its `ORDER BY`, and the keyset columns for cursors and marks."""

    name: str  # as in `sort=`, and in the cursors made for it
    keys: tuple[str, ...]
    reverse: bool

    @property
    def sql(self) -> str:
        return ", ".join(f"i.{k} {'DESC' if self.reverse else 'ASC'}" for k in self.keys)

    def after(self, values: tuple[object, ...] | list[object], *, strict: bool) -> tuple[str, list[object]]:
        """The rows after this key (`strict`), or at or after it, in this order."""
        op = ("<" if self.reverse else ">") + ("" if strict else "=")
        return f"(({', '.join(f'i.{k}' for k in self.keys)}) {op} ({', '.join('?' * len(values))}))", list(values)


def order(sort: Sort) -> Order:
    return Order(str(sort), SORTS[sort.name], sort.reverse)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A filter as SQL conditions (AND-ed) with their parameters, in order."""

    where: tuple[str, ...]
    params: tuple[Any, ...]
    campaigns: bool  # a condition reads `c.size`: the query must LEFT JOIN campaigns c


def timed(f: Filter) -> bool:
    """Whether the filter's answer depends on the clock (age, due, overdue)."""
    return any(isinstance(t, OverdueTerm) or (isinstance(t, CompareTerm) and t.name in ("age", "due")) for t in f.terms)


def compile_filter(f: Filter, now: float, vocab: Vocab) -> Compiled:
    """`f` as SQL over `items i` (and `campaigns c`), counting time from `now` (epoch seconds)."""
    where: list[str] = []
    params: list[Any] = []
    campaigns = False
    for term in f.terms:
        sql, values = _positive(term, now, vocab)
        campaigns = campaigns or isinstance(term, SetTerm) and term.name == "campaign"
        if isinstance(term, SetTerm) and term.name in _NULLABLE:
            sql = f"ifnull({sql}, 0)"
        where.append(f"NOT {sql}" if term.negated else sql)
        params.extend(values)
    return Compiled(tuple(where), tuple(params), campaigns)


_NULLABLE = ("escalated", "campaign")
"""Terms over a column that may be NULL (never escalated, no campaign): their SQL is
NULL there, so `ifnull(…, 0)`; every other term's SQL is 0 or 1 (NOT NULL columns, and
`deadline IS NOT NULL AND …`), and leaving ifnull out saves a call per row of a count."""


def set_sql(name: str, values: tuple[str, ...], vocab: Vocab) -> tuple[str, list[Any]]:
    """A set term without its `-`; also the v1 per-field parameters (`source=` ...)."""
    match name:
        case "kind":
            return _one_of("i.kind", values)
        case "state":
            return _one_of("i.state", values)
        case "escalated":
            return _one_of("i.escalated_to", values)
        case "source":
            return "((i.src & ?) != 0)", [source_mask(values)]
        case "country":
            return _coded("i.cty", "i.countries", "country", values, vocab)
        case "reason":  # `reasons` is stored unframed ("a,b"): frame it
            return _coded("i.rsn", "(',' || i.reasons || ',')", "reason", values, vocab)
        case "flag":
            if ANY in values:
                return "(i.flg != 0)", []
            return "((i.flg & ?) != 0)", [flag_mask(values)]
        case "campaign":
            if ANY in values:
                return "(c.size > 1 AND i.campaign IS NOT NULL)", []
            sql, params = _one_of("i.campaign", values)
            return f"(c.size > 1 AND {sql})", params
    raise AssertionError(name)


def _coded(bits: str, text: str, field: str, values: tuple[str, ...], vocab: Vocab) -> tuple[str, list[Any]]:
    """Any of `values` among an item's codes: the codes' bits, or for a code without one
    the OTHER bit and the `,`-framed text."""
    mask = 0
    rest: list[str] = []
    for value in values:
        bit = vocab.bit(field, value)
        if bit is None:
            rest.append(value)
        else:
            mask |= bit
    clauses = [f"(({bits} & ?) != 0)"] if mask else []
    params: list[Any] = [mask] if mask else []
    if rest:
        sql, more = _any_of(text, tuple(rest))
        clauses.append(f"(({bits} & {OTHER_BIT}) != 0 AND {sql})")
        params.extend(more)
    return "(" + " OR ".join(clauses) + ")", params


def text_sql(text: str) -> tuple[str, list[Any]]:
    """Free text: a substring of the shown snippet, case-folded as `TextTerm` folds it."""
    needle = text.lower()
    if len(needle) >= FTS_MIN and "\x00" not in needle:
        phrase = '"' + needle.replace('"', '""') + '"'
        return "(i.rowid IN (SELECT rowid FROM item_fts WHERE item_fts MATCH ?))", [phrase]
    return "(instr(tt_shown(i.snippet), ?) > 0)", [needle]


def _any_of(column: str, values: tuple[str, ...]) -> tuple[str, list[Any]]:
    """One of `values` is in the `,`-framed list `column`."""
    return "(" + " OR ".join([f"instr({column}, ?) > 0"] * len(values)) + ")", [f",{v}," for v in values]


def _one_of(column: str, values: tuple[str, ...]) -> tuple[str, list[Any]]:
    return f"({column} IN ({','.join('?' * len(values))}))", list(values)


def _positive(term: Term, now: float, vocab: Vocab) -> tuple[str, list[Any]]:
    """The SQL of the term without its `-`: the rule of the term's `_positive` in filters.py."""
    if isinstance(term, SetTerm):
        return set_sql(term.name, term.values, vocab)
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
        return text_sql(term.text)
    raise AssertionError(type(term).__name__)


@lru_cache(maxsize=8192)
def _shown(snippet: str) -> str:
    """The snippet as `TextTerm` searches it: shown (sanitized), lower-cased."""
    return summary_snippet(snippet).text.lower()


def shown_and_flags(snippet: str) -> tuple[str, int]:
    """What ingest stores of a snippet for the filter language: the shown text as free
    text searches it (for `item_fts`) and the bits of its sanitizer flags (`flg`). One
    sanitizer pass; the rule is `model.summary_snippet`, the client's own."""
    clean = summary_snippet(snippet)
    return clean.text.lower(), flag_mask(clean.flags)


def shown(snippet: str) -> str:
    """The snippet as free text searches it (what `item_fts` holds)."""
    return _shown(snippet)


def flag_names(snippet: str) -> frozenset[str]:
    return frozenset(summary_snippet(snippet).flags)


def register(db: sqlite3.Connection) -> None:
    """Give a connection the functions the compiled filters call."""
    db.create_function("tt_shown", 1, _shown, deterministic=True)
