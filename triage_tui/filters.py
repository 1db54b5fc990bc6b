"""The filter and sort expressions moderators type. The TUI's `/` and `s` prompts and
`triage-tui batch --filter/--sort` share this one language, so a filter tried in the
app means the same thing in a script.

    kind:channel source:authority country:DE reason:spam reports>=5 age>2h "free text" -source:automated due<30m flag:bidi

Terms are separated by whitespace and AND-ed. There is no OR and there are no
parentheses: a comma list gives alternatives within one field (`source:tf,ao`), which
covers what a queue filter needs without a precedence grammar to get wrong at 3 a.m.

Each field, what it takes and what it matches is one table, `filter_fields.FIELD_LIST`,
which drives the parser below; the cheat-sheet under `?` and docs/filters.md's table are
generated from it (`filter_fields.reference()`), with the rules: `OP` is a comparison, a
duration `DUR` is whole units (`1h30m`), names and fixed choices are case-insensitive. A
word that would read as a term (`overdue`, `note:x`, `-5%`) is searched for as text when
quoted. Bare `OR`, `AND` and `NOT` are errors rather than text searches, because whoever
types them means logic and would otherwise silently get a filter that matches nothing.

While a filter is typed, an error that more typing could still mend (`reason:`,
`age>2`, an open quote) is `FilterError.incomplete`: the prompt shows it as what is
missing, not as a mistake. An error that no continuation mends (`sourc:x`, `reports>>5`)
is shown as an error at once.

Sorts (`parse_sort`): `deadline`, `priority`, `reports` or `age`, and a `-` prefix for
exactly the reverse order; what each order is, is `sorts.py` (`Sort`, re-exported here).

`matches` is the whole truth; `views.server_params` is only the part of a filter the
protocol's query parameters can express, for a backend to fetch fewer pages: every
item the filter matches is on those pages, not every item on them matches.
"""

from __future__ import annotations

import difflib
import operator
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from triage_tui.cells import clip, width as cell_width
from triage_tui.filter_fields import ANY, COMPARISONS, DURATION_EXAMPLES, MAX_DURATION_DAYS, OVERDUE, TEXT_TERM, Field, Shape, alternatives
from triage_tui.filter_fields import FIELDS as _FIELDS
from triage_tui.model import ItemSummary, Kind, Source, State
from triage_tui.sanitize import Flag
from triage_tui.sorts import SORTS, Sort

__all__ = [
    "FIELDS",
    "CompareTerm",
    "FilterError",
    "Filter",
    "OverdueTerm",
    "SetTerm",
    "Sort",
    "SORTS",
    "Term",
    "TextTerm",
    "parse",
    "parse_sort",
]

Check = Callable[[ItemSummary, datetime], bool]


class FilterError(ValueError):
    """A filter or sort the user typed that does not parse; `start:end` is the bad token.

    The span is in characters of the typed text (end exclusive), so the prompt can
    highlight it and the shell can print `caret()` under the command line.

    `incomplete`: the text ran out in the middle of a term that more typing can still
    finish (`reason:`, `age>2`, `kind:po`, `"free`, a trailing `-`): the text is the
    start of a valid filter, so a prompt checking as it is typed says what is missing
    rather than calling it wrong. Everything else is wrong whatever follows (`sourc:x`,
    `reports>>5`, `priority>101`). It is still an error for enter or the shell.
    """

    def __init__(self, message: str, start: int, end: int, text: str = "", *, incomplete: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.text = text
        self.incomplete = incomplete

    def caret(self) -> str:
        """The expression, then `^^^` under the bad token, for a terminal.

        The expression is the user's own input, but it may come from a script: control
        and format characters (which could move the cursor or reorder the line) are
        shown as `�`, and the carets are placed by cell width (`cells.width`), so they
        line up under wide characters and marks that take no cell.
        """
        shown = [_cell(ch) for ch in self.text]
        line = "".join(shown)
        pad = cell_width("".join(shown[: self.start]))
        under = cell_width("".join(shown[self.start : self.end]))
        return f"{line}\n{' ' * pad}{'^' * max(1, under)}"


def _cell(ch: str) -> str:
    """`ch` as it may be shown: a space for whitespace, `�` for a control or format
    character; its width is measured by `cells.width`, as everything on screen is."""
    if ch.isspace():
        return " "
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return "\ufffd"
    return ch


def _shown(token: str) -> str:
    """A token quoted in an error message: short, and printable even when it came from
    argv as undecodable bytes (lone surrogates) or holds terminal controls."""
    return clip("".join(map(_cell, token[:200])), 41)  # 40 cells and the ellipsis


# ---------------------------------------------------------------------------
# Fields.


FIELDS: tuple[str, ...] = tuple(_FIELDS)
"""The field names, in the order error messages list them."""

_NUMBER_DIGITS = 12  # bounds int() work and keeps numbers sane
_MAX_DURATION = timedelta(days=MAX_DURATION_DAYS)

_OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "=": operator.eq}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {op: _OPERATORS[op] for op in COMPARISONS}
_OPS_TEXT = alternatives(COMPARISONS)


# ---------------------------------------------------------------------------
# Terms. Each is a frozen value (so filters compare and round-trip) that compiles to
# one small closure; `negated` is part of the term. Spans are where it was typed and
# take no part in equality.


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a filter. `span` is where it was typed, for a prompt to highlight."""

    negated: bool
    span: tuple[int, int] = field(default=(0, 0), compare=False, repr=False)

    # Cheap checks run first: a text search lower-cases a 300-character snippet.
    cost: ClassVar[int] = 0

    def check(self) -> Check:
        positive = self._positive()
        if not self.negated:
            return positive
        return lambda item, now: not positive(item, now)

    def _positive(self) -> Check:
        raise NotImplementedError

    def _body(self) -> str:
        raise NotImplementedError

    @property
    def kind(self) -> str:
        """Which kind of term this is, as `Capabilities.filter_fields` names them: the field's
        name, `overdue`, or `text` — what a backend says it can evaluate (`Filter.split`)."""
        raise NotImplementedError

    def __str__(self) -> str:
        return ("-" if self.negated else "") + self._body()


@dataclass(frozen=True, slots=True)
class SetTerm(Term):
    """`field:a,b`: the item's value for `field` (or one of them) is one of `values`."""

    name: str = ""
    values: tuple[str, ...] = ()

    def _positive(self) -> Check:
        wanted = frozenset(self.values)
        match self.name:
            case "kind":
                kinds = frozenset(Kind(v) for v in wanted)
                return lambda item, now: item.kind in kinds
            case "state":
                states = frozenset(State(v) for v in wanted)
                return lambda item, now: item.state in states
            case "source":
                sources = frozenset(Source(v) for v in wanted)
                return lambda item, now: not sources.isdisjoint(item.sources)
            case "country":
                return lambda item, now: not wanted.isdisjoint(item.countries)
            case "reason":
                return lambda item, now: not wanted.isdisjoint(item.reasons)
            case "escalated":
                return lambda item, now: item.escalated_to in wanted
            case "flag":
                if ANY in wanted:
                    return lambda item, now: bool(item.flags)
                flags = frozenset(Flag(v) for v in wanted)
                return lambda item, now: not flags.isdisjoint(item.flags)
            case "campaign":
                if ANY in wanted:
                    return lambda item, now: item.campaign is not None
                return lambda item, now: item.campaign in wanted
        raise AssertionError(self.name)

    def _body(self) -> str:
        return f"{self.name}:{','.join(self.values)}"

    @property
    def kind(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class CompareTerm(Term):
    """`reports>=5`, `priority=90`, `age>2h`, `due<-1h`: a number or a duration compared."""

    name: str = ""
    op: str = "="
    number: int = 0
    duration: timedelta = timedelta(0)

    def _positive(self) -> Check:
        compare = _COMPARE[self.op]
        n, d = self.number, self.duration
        match self.name:
            case "reports":
                return lambda item, now: compare(item.report_count, n)
            case "priority":
                return lambda item, now: compare(item.priority, n)
            case "age":
                return lambda item, now: compare(now - item.first_reported_at, d)
            case "due":
                return lambda item, now: item.deadline is not None and compare(item.deadline - now, d)
        raise AssertionError(self.name)

    def _body(self) -> str:
        value = str(self.number) if _FIELDS[self.name].shape is Shape.NUMBER else _format_duration(self.duration)
        return f"{self.name}{self.op}{value}"

    @property
    def kind(self) -> str:
        return self.name

    def min_reports(self) -> int | None:
        """The lowest report count this term allows, when it bounds it from below."""
        if self.name != "reports":
            return None
        op = {"<": ">=", "<=": ">"}.get(self.op) if self.negated else self.op
        if op in (">=", "="):
            return self.number
        if op == ">":
            return self.number + 1
        return None


@dataclass(frozen=True, slots=True)
class OverdueTerm(Term):
    """`overdue`: the deadline has come. `<=`, like the list's `!` mark (`due_label`)."""

    def _positive(self) -> Check:
        return lambda item, now: item.deadline is not None and item.deadline <= now

    def _body(self) -> str:
        return OVERDUE

    @property
    def kind(self) -> str:
        return OVERDUE


@dataclass(frozen=True, slots=True)
class TextTerm(Term):
    """A word or phrase: a case-insensitive substring of the snippet."""

    text: str = ""
    cost: ClassVar[int] = 1

    def _positive(self) -> Check:
        # lower() on both sides, not a re.IGNORECASE search: 5x faster over 100k
        # snippets, and the same rule protocol.md's `q` is asked to follow.
        needle = self.text.lower()
        return lambda item, now: needle in item.snippet.lower()

    @property
    def kind(self) -> str:
        return TEXT_TERM

    def _body(self) -> str:
        if _bare_ok(self.text):
            return self.text
        return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def server_safe(self) -> bool:
        """Whether the server's `q` (a search of the raw text) finds every item we would.

        The snippet is sanitized: `⟨RLO⟩`, `␛` and the like stand for characters the raw
        text holds differently, and a channel's snippet joins title and text with ` — `.
        A phrase containing those can match a snippet without matching the server's text.
        """
        return not _SNIPPET_ONLY.search(self.text)


_SNIPPET_ONLY = re.compile("[\u27e8\u27e9\u2400-\u2426]| \u2014 ")


# ---------------------------------------------------------------------------
# The filter.


class Filter:
    """A parsed filter: `matches` for the truth (`views.server_params` narrows pages by it)."""

    __slots__ = ("terms", "_check")

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self._check: Check = _all([t.check() for t in sorted(self.terms, key=lambda t: t.cost)])

    def matches(self, item: ItemSummary, now: datetime) -> bool:
        """Whether `item` passes every term; `now` is the time `age` and `due` count from."""
        return self._check(item, now)

    def select(self, items: Iterable[ItemSummary], now: datetime) -> list[ItemSummary]:
        """The matching items, in their order: one `now` for the whole pass, as it should be."""
        check = self._check
        return [item for item in items if check(item, now)]

    def split(self, kinds: Collection[str]) -> tuple[Filter, Filter]:
        """The terms whose `kind` is one of `kinds` (what a backend evaluates itself, sent
        as one expression), and the rest (what the client applies to the rows it gets).
        Terms are AND-ed, so the two together match what the whole filter matches."""
        native = [t for t in self.terms if t.kind in kinds]
        return Filter(native), Filter(t for t in self.terms if t.kind not in kinds)

    def __bool__(self) -> bool:
        """False for the empty filter, which matches everything."""
        return bool(self.terms)

    def __str__(self) -> str:
        return " ".join(map(str, self.terms))

    def __repr__(self) -> str:
        return f"parse({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filter) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)


def _all(checks: Sequence[Check]) -> Check:
    if not checks:
        return lambda item, now: True
    if len(checks) == 1:
        return checks[0]
    compiled = tuple(checks)

    def check(item: ItemSummary, now: datetime) -> bool:
        for one in compiled:
            if not one(item, now):
                return False
        return True

    return check


# ---------------------------------------------------------------------------
# Parsing.

_FIELD_TERM = re.compile(r"([A-Za-z_]+)([<>=!:]+)")
_NUMBER = re.compile(r"[0-9]{1,%d}" % _NUMBER_DIGITS)
_DURATION = re.compile(r"(-?)(?:0|(?:([0-9]{1,9})d)?(?:([0-9]{1,9})h)?(?:([0-9]{1,9})m)?(?:([0-9]{1,9})s)?)", re.IGNORECASE)
_LOGIC = {
    "OR": "no OR: terms are AND-ed; for alternatives use a comma list, e.g. source:tf,ao",
    "AND": "no AND needed: terms are always AND-ed",
    "NOT": "no NOT: put - before a term, e.g. -source:auto",
}


def parse(text: str) -> Filter:
    """Parse a filter expression; the empty (or blank) expression matches everything.

    Raises `FilterError` pointing at the first bad token.
    """
    return Filter(_Parser(text).terms())


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text

    def error(self, message: str, start: int, end: int, *, unfinished: bool = False) -> FilterError:
        """The error at `start:end`; `unfinished`: what was typed there can still be
        finished into a valid term, if nothing follows it (it ends the text)."""
        return FilterError(message, start, end, self.text, incomplete=unfinished and end == len(self.text))

    def terms(self) -> list[Term]:
        text, n = self.text, len(self.text)
        terms: list[Term] = []
        i = 0
        while i < n:
            if text[i].isspace():
                i += 1
                continue
            start = i
            negated = text[i] == "-"
            if negated:
                i += 1
                if i == n or text[i].isspace():
                    raise self.error("'-' needs a term after it, e.g. -source:auto", start, i, unfinished=True)
            if text[i] == '"':
                i = self.phrase(start, i, negated, terms)
            else:
                end = i
                while end < n and not text[end].isspace():
                    end += 1
                terms.append(self.word(start, i, end, negated))
                i = end
        return terms

    def phrase(self, start: int, quote: int, negated: bool, terms: list[Term]) -> int:
        """A quoted phrase from `quote`; appends it and returns where it ends."""
        text, n = self.text, len(self.text)
        chars: list[str] = []
        i = quote + 1
        while True:
            if i == n:
                raise self.error('unterminated quote: close the phrase with "', quote, n, unfinished=True)
            ch = text[i]
            if ch == "\\" and i + 1 < n and text[i + 1] in '"\\':
                chars.append(text[i + 1])
                i += 2
            elif ch == '"':
                break
            else:
                chars.append(ch)
                i += 1
        i += 1
        if i < n and not text[i].isspace():
            end = i
            while end < n and not text[end].isspace():
                end += 1
            raise self.error("put a space after the closing quote", i, end)
        if not chars:
            raise self.error("empty phrase", start, i)
        terms.append(TextTerm(negated, (start, i), text="".join(chars)))
        return i

    def word(self, start: int, at: int, end: int, negated: bool) -> Term:
        """An unquoted term: text[at:end], negated when a `-` at `start` came before it."""
        word = self.text[at:end]
        span = (start, end)
        if word.startswith("-"):
            raise self.error("a term can be negated only once", start, end)
        if '"' in word:
            quote = at + word.index('"')
            raise self.error("a quote can only start a term: put a space before it", quote, quote + 1)
        if word in _LOGIC:  # (unfinished: OR may be the start of ORANGE)
            raise self.error(_LOGIC[word], start, end, unfinished=True)
        if word.lower() == OVERDUE:
            return OverdueTerm(negated, span)
        m = _FIELD_TERM.match(word)
        if m is None:
            return TextTerm(negated, span, text=word)
        name, op = m.groups()
        f = _FIELDS.get(name.lower())
        if f is None:
            guess = difflib.get_close_matches(name.lower(), FIELDS, n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            raise self.error(f"unknown field '{_shown(name)}'{hint} — fields: {', '.join(FIELDS)}", at, at + len(name))
        if f.shape is Shape.SET and op[0] in ":=":
            op = op[0]  # the rest is the value, so that a code may start with ':'
        op_at = at + m.start(2)
        op_span = (op_at, op_at + len(op))
        if op not in _COMPARE and op != ":":
            hint = f" (to negate, put - before the term: -{f.name}=…)" if op == "!=" else ""
            raise self.error(f"bad comparison '{_shown(op)}' — use {_OPS_TEXT}{hint}", *op_span)
        value_at = op_at + len(op)
        value = self.text[value_at:end]
        if op not in f.shape.ops:
            if f.shape is Shape.SET:
                raise self.error(f"{f.name} takes ':', as in {f.example}, not '{op}'", *op_span)
            raise self.error(f"{f.name} needs {alternatives(f.shape.ops[::-1])}, e.g. {f.example}", *op_span)
        if not value:
            raise self.error(f"{f.name} needs a value, e.g. {f.example}", start, end, unfinished=True)
        match f.shape:
            case Shape.SET:
                return SetTerm(negated, span, name=f.name, values=self.values(f, value, value_at))
            case Shape.NUMBER:
                number = int(value) if _NUMBER.fullmatch(value) else -1
                if number < 0 or (f.most is not None and number > f.most):
                    raise self.error(f.problem(), value_at, end)
                return CompareTerm(negated, span, name=f.name, op="=" if op == ":" else op, number=number)
            case Shape.DURATION:
                duration = self.duration(f, value, value_at)
                return CompareTerm(negated, span, name=f.name, op=op, duration=duration)
        raise AssertionError(f.shape)

    def values(self, f: Field, value: str, at: int) -> tuple[str, ...]:
        """A comma list's canonical values, in the order typed, without repeats."""
        out: list[str] = []
        pos = at
        kind = f.values
        assert kind is not None
        for k, part in enumerate(value.split(",")):
            if not part:
                comma = pos - 1 if k else pos  # the comma beside the gap
                # A trailing comma ends the text while the next value is still to come.
                raise self.error(f"empty value in the {f.name} list", comma, comma + 1, unfinished=pos == len(self.text))
            end = pos + len(part)
            try:
                canonical = kind.canonical(part)
            except ValueError as exc:
                raise self.error(str(exc), pos, end, unfinished=kind.may_grow(part)) from None
            if canonical is None:
                raise self.error(f.problem(), pos, end, unfinished=kind.may_grow(part))
            if canonical not in out:
                out.append(canonical)
            pos += len(part) + 1
        return tuple(out)

    def duration(self, f: Field, value: str, at: int) -> timedelta:
        span = (at, at + len(value))
        m = _DURATION.fullmatch(value)
        if m is None or (not any(m.groups()[1:]) and value.lstrip("-") != "0"):
            if value.startswith("-") and f.name != "due":
                raise self.error(f"{f.name} cannot be negative", *span)
            # `2`, `1h3`, `-`: a unit or a digit more makes it one (whether it is then too
            # long is for then to say).
            grows = any(_DURATION.fullmatch(value + more) for more in ("s", "0"))
            raise self.error(f"bad duration '{_shown(value)}' — use e.g. {DURATION_EXAMPLES}", *span, unfinished=grows)
        sign, days, hours, minutes, seconds = m.groups()
        duration = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0), seconds=int(seconds or 0))
        if duration > _MAX_DURATION:
            raise self.error(f"duration too long: at most {_MAX_DURATION.days}d", *span)
        if sign:
            if f.name != "due":
                raise self.error(f"{f.name} cannot be negative", *span)
            duration = -duration
        return duration


def _format_duration(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    if seconds == 0:
        return "0"
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s"))
    return sign + "".join(f"{n}{unit}" for n, unit in parts if n)


def _bare_ok(text: str) -> bool:
    """Whether `text` reads back, unquoted, as this same text term."""
    return not (
        any(ch.isspace() for ch in text)
        or '"' in text
        or text.startswith("-")
        or text in _LOGIC
        or text.lower() == OVERDUE
        or _FIELD_TERM.match(text)
    )


# ---------------------------------------------------------------------------
# Sorts: the orders are `sorts.py`; here is how they are typed.


def parse_sort(text: str) -> Sort:
    """Parse `deadline`, `-age`, …; blank means the protocol's default, `deadline`."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    word = text[start:end]
    if not word:
        return Sort()
    reverse = word.startswith("-")
    name = (word[1:] if reverse else word).lower()
    if name not in SORTS:
        raise FilterError(
            f"unknown sort '{_shown(word)}' — sorts: {', '.join(SORTS)}; - before one reverses it, e.g. -age",
            start, end, text,
        )
    return Sort(name, reverse)
