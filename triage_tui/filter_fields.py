"""The table of the filter language: each field, the comparisons it takes, the values it
takes, what it matches and how it is sent to a server.

The parser (`filters.py`) is driven by this table — a field's shape says which
comparisons it accepts, its value kind checks and canonicalises what is typed and says
what it takes when something else was typed — and the help screen's cheat-sheet and the
field table of docs/filters.md are generated from it (`reference()`, `markdown_table()`).
So what `?` says, what the docs say and what the parser accepts cannot drift apart.

Regenerate the docs' table with `python3 -m triage_tui.filter_fields`.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from triage_tui import countries
from triage_tui.model import Kind, Source, State
from triage_tui.sanitize import Flag

ANY: Final = "any"
OVERDUE: Final = "overdue"
TEXT_TERM: Final = "text"  # a free-text word or phrase, as `Term.kind` and `Capabilities.filter_fields` name it
COMPARISONS: Final = (">=", ">", "<=", "<", "=")
DURATION_EXAMPLES: Final = "30s, 45m, 2h, 1d or 1h30m"
MAX_DURATION_DAYS: Final = 36_500  # a century: `now ± d` can never overflow
PRIORITY_MAX: Final = 100


def alternatives(words: Iterable[str]) -> str:
    """`a, b or c`: how messages and docs list the choices."""
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


class Shape(enum.Enum):
    """How a field is written; `ops` are the comparisons it takes (`:` after a number
    field means `=`)."""

    SET = "set"  # field:a,b — one of the values
    NUMBER = "number"  # field>=5
    DURATION = "duration"  # field<30m

    @property
    def ops(self) -> tuple[str, ...]:
        return {Shape.SET: (":", "="), Shape.NUMBER: (*COMPARISONS, ":"), Shape.DURATION: (">=", ">", "<=", "<")}[self]


class Values:
    """What a set field's values may be: the parser's check, and the words that say it."""

    def canonical(self, value: str) -> str | None:
        """The value's canonical form, or None when it is not one (or a ValueError saying why)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def may_grow(self, prefix: str) -> bool:
        """Whether more characters typed after `prefix` could make it a value: while the
        moderator is still typing it, it is unfinished, not wrong."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Choice(Values):
    """One of an enum's values (any case), some with shorter aliases; maybe `any`."""

    spellings: tuple[tuple[str, tuple[str, ...]], ...]  # (canonical value, its aliases)
    any_word: bool = False

    def _table(self) -> dict[str, str]:
        table = {value: value for value, _ in self.spellings}
        table.update({alias: value for value, aliases in self.spellings for alias in aliases})
        if self.any_word:
            table[ANY] = ANY
        return table

    def canonical(self, value: str) -> str | None:
        return self._table().get(value.lower())

    def describe(self) -> str:
        words = [f"{value} ({', '.join(aliases)})" if aliases else value for value, aliases in self.spellings]
        return alternatives([*words, ANY] if self.any_word else words)

    def may_grow(self, prefix: str) -> bool:
        return any(word.startswith(prefix.lower()) for word in self._table())


def choice(kind: type[enum.StrEnum], aliases: Mapping[str, tuple[str, ...]] | None = None, *, any_word: bool = False) -> Choice:
    return Choice(tuple((m.value, (aliases or {}).get(m.value, ())) for m in kind), any_word)


@dataclass(frozen=True, slots=True)
class Code(Values):
    """A code matching `pattern`, exact case; maybe `any`. Every prefix of a code is a
    code, so a bad one cannot be finished into a good one."""

    pattern: str
    what: str
    any_word: bool = False

    def canonical(self, value: str) -> str | None:
        if self.any_word and value.lower() == ANY:
            return ANY
        return value if re.fullmatch(self.pattern, value) else None

    def describe(self) -> str:
        return f"{self.what} or {ANY}" if self.any_word else self.what

    def may_grow(self, prefix: str) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Country(Values):
    """An assigned ISO 3166-1 alpha-2 code in any case; one that is none is refused with
    why and the code meant (`uk`: GB)."""

    def canonical(self, value: str) -> str | None:
        problem = countries.problem(value.upper())
        if problem is not None:
            raise ValueError(problem)
        return value.upper()

    def describe(self) -> str:
        return "an assigned ISO 3166-1 alpha-2 code such as DE, any case (GB, not UK)"

    def may_grow(self, prefix: str) -> bool:
        return len(prefix) == 1 and any(code.startswith(prefix.upper()) for code in countries.assigned())


_CODE = r"[A-Za-z0-9_.:#/-]{1,128}"  # as model.gate._CODE_RE
_CODE_CHARS = "letters, digits, _ . : # / -"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    shape: Shape
    matches: str  # an item matches when …
    examples: tuple[str, ...]
    values: Values | None = None  # SET only
    most: int | None = None  # NUMBER only: the highest value allowed
    server: str | None = None  # the protocol query parameter it narrows pages by

    @property
    def example(self) -> str:
        return self.examples[0]

    def takes(self) -> str:
        """What the field's value may be, in words."""
        if self.values is not None:
            return self.values.describe()
        if self.shape is Shape.NUMBER:
            return "a whole number" + (f" from 0 to {self.most}" if self.most is not None else "")
        return f"a duration: {DURATION_EXAMPLES}"

    def problem(self) -> str:
        """The error for a bad value: what the field takes."""
        if self.shape is Shape.NUMBER:
            return f"{self.name} is {self.takes()}, e.g. {self.example}"
        return f"{self.name} is {self.takes()}"

    @property
    def placeholder(self) -> str:
        """What stands for the value in `syntax()`."""
        return {Shape.SET: "V", Shape.NUMBER: "N", Shape.DURATION: "DUR"}[self.shape]

    def syntax(self) -> str:
        if self.shape is Shape.SET:
            return f"{self.name}:V[,V…]"
        return f"{self.name} OP {self.placeholder}"


FIELD_LIST: tuple[Field, ...] = (
    Field("kind", Shape.SET, "its kind is one of V", ("kind:post", "kind:channel"), choice(Kind), server="kind"),
    Field("source", Shape.SET, "one of its reports came from one of V", ("source:tf", "source:tf,ao"),
          choice(Source, {"user_report": ("user",), "trusted_flagger": ("trusted", "tf"),
                          "authority_order": ("authority", "order", "ao"), "automated": ("auto",)}), server="source"),
    Field("country", Shape.SET, "one of its countries is one of V", ("country:DE", "country:de,at"), Country(), server="country"),
    Field("reason", Shape.SET, "one of its reports gave one of V as its reason, not only the main reason the list shows", ("reason:spam", "reason:spam,scam"),
          Code(_CODE, f"a policy code such as spam ({_CODE_CHARS})"), server="reason"),
    Field("state", Shape.SET, "its state is one of V", ("state:open", "state:escalated"), choice(State)),
    Field("reports", Shape.NUMBER, "its report count compares so (reports:N is reports=N)", ("reports>=5",), server="min_reports"),
    Field("priority", Shape.NUMBER, "its priority compares so (priority:N is priority=N)", ("priority>=70",), most=PRIORITY_MAX),
    Field("age", Shape.DURATION, "the time since its first report compares so", ("age>2h",)),
    Field("due", Shape.DURATION, "the time until its deadline compares so, negative once passed (due<-1h: overdue "
          "by more than an hour); never matches an item without a deadline", ("due<30m", "due<-1h")),
    Field("flag", Shape.SET, "the sanitizer flagged its snippet with one of V (any: with any flag)", ("flag:bidi",),
          choice(Flag, any_word=True)),
    Field("campaign", Shape.SET, "it belongs to one of the campaigns V (any: to any campaign)", ("campaign:any",),
          Code(r"[!-~]{1,512}", "an id (printable ASCII)", any_word=True)),
    Field("escalated", Shape.SET, "it is escalated to one of the targets V", ("escalated:legal",),
          Code(_CODE, f"a target code such as legal ({_CODE_CHARS})")),
)
FIELDS: dict[str, Field] = {f.name: f for f in FIELD_LIST}


# ---------------------------------------------------------------------------
# The reference: the field table and the terms that are not fields, for `?` and the docs.


@dataclass(frozen=True, slots=True)
class TermDoc:
    """One row of the cheat-sheet: how a term is written, when it matches, what it takes."""

    syntax: str
    matches: str
    takes: str  # what the placeholder may be
    examples: tuple[str, ...]
    server: str = ""  # the protocol query parameter that narrows a server's pages, if one does
    server_note: str = ""  # which terms of it are sent
    placeholder: str = ""  # V, N or DUR in the syntax


def _server(f: Field) -> tuple[str, str]:
    if f.server is None:
        return "", ""
    return f"{f.server}=", "one value" if f.shape is Shape.SET else "from >=, >, ="


def reference() -> tuple[TermDoc, ...]:
    """Every kind of term, fields first, in the order error messages list the fields."""
    rows = [TermDoc(f.syntax(), f.matches, f.takes(), f.examples, *_server(f), f.placeholder) for f in FIELD_LIST]
    rows += [
        TermDoc(OVERDUE, "its deadline has come (the list shows !): due<=0", "", (OVERDUE,)),
        TermDoc('word, "a phrase"', 'its snippet contains the text, ignoring case; in quotes \\" is a quote and \\\\ a backslash',
                "", ("bitcoin", '"free bitcoin"'), "q=", "the longest"),
        TermDoc("-TERM", "TERM does not match", "", ("-source:auto", '-"giveaway"')),
    ]
    return tuple(rows)


RULES: tuple[str, ...] = (
    "Terms are separated by spaces and all must match (AND); a comma list gives alternatives within a field: source:tf,ao.",
    f"OP is one of {alternatives(COMPARISONS)}.",
    f"DUR is whole units in the order d, h, m, s, each at most once ({DURATION_EXAMPLES}) or 0, "
    f"at most {MAX_DURATION_DAYS}d; due also takes a leading - (overdue by).",
    f"Field names, values of fixed choices, {ANY} and {OVERDUE} are case-insensitive; codes are exact.",
    "There is no OR, AND or NOT: OR is a comma list, AND is a space, NOT is a - before the term.",
    f'A word that would read as a term ({OVERDUE}, note:x) is searched for as text when quoted: "note:x".',
)


def markdown_table() -> str:
    """The field table of docs/filters.md."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    def code(text: str) -> str:
        return f"`{text}`" if text else "—"

    lines = ["| term | matches an item when | V, N or DUR | examples | sent to the server as |", "|---|---|---|---|---|"]
    for row in reference():
        examples = ", ".join(code(e) for e in row.examples)
        server = code(row.server) + (f" ({row.server_note})" if row.server_note else "")
        lines.append(f"| {code(row.syntax)} | {cell(row.matches)} | {cell(row.takes) or '—'} | {examples} | {server} |")
    lines += ["", *(f"- {rule}" for rule in RULES)]
    return "\n".join(lines) + "\n"


BEGIN = "<!-- generated by python3 -m triage_tui.filter_fields: edit the table in triage_tui/filter_fields.py -->\n"
END = "<!-- end of the generated table -->\n"
DOC = Path(__file__).resolve().parent.parent / "docs" / "filters.md"


def with_table(doc: str) -> str:
    """`doc` with the text between its markers replaced by `markdown_table()`."""
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + BEGIN + markdown_table() + END + tail


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool, tested through with_table
    DOC.write_text(with_table(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
