"""The status line: connection, queue counts, the sort and the filter, unsent
decisions, SLA breaches, who is signed in.

Every state has a word or a symbol, not only a colour, so it reads the same on a
monochrome terminal or to a colour-blind moderator.

The line is one row, and at 80 columns it does not hold everything at full length. What
narrows the queue (the filter) and what orders it (the sort) are always shown: a
moderator who cannot see that a filter is on takes a narrowed queue for the whole one.
So the parts give way in a fixed order (`GIVE_WAY`), each only as far as the width
needs, measured in terminal cells (`Content.cell_length` and `Content.truncate`, the
measure Textual renders with): the separators tighten, "no SLA breach" (nothing to act
on) goes, the moderator's name is cut and then goes, counts lose their words, a problem
text is cut, and only then is the filter cut with `…`, never below `FILTER_LEAST`
cells; at the very last the separators lose their spaces. The sort and the filter come
right after the count, so that in a state that still does not fit, what the right edge
crops is never them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from textual.content import Content
from textual.widgets import Static

FILTER_LEAST = 16  # cells of "filter …" kept whatever else has to give way
NAME_LEAST = 8
PROBLEM_MOST = 60
PROBLEM_LEAST = 12
SEPARATORS = ("  │ ", " │ ", "│")  # from the widest


@dataclass(slots=True)
class Part:
    """One part of the line: `forms` from the widest; giving way takes the next form, and
    a part with `least` may after that be cut with `…` down to that many cells."""

    forms: Sequence[Content]
    least: int | None = None
    joined: bool = False  # follows the part before it with a space, not a separator
    form: int = 0
    cut: int | None = None

    def content(self) -> Content:
        shown = self.forms[self.form]
        return shown if self.cut is None or shown.cell_length <= self.cut else shown.truncate(self.cut, ellipsis=True)


Step = tuple[str, Literal["form", "cut"]]

# What gives way first when the line is too wide, one step at a time ("separators": all
# separators tighten). The filter and the sort are last or absent: they are always shown.
GIVE_WAY: tuple[Step, ...] = (
    ("separators", "form"),
    ("breaches", "form"),  # "no SLA breach" goes; a breach count stays
    ("me", "cut"),
    ("unsent", "form"),  # "↑ 0"
    ("me", "form"),
    ("count", "form"),
    ("breaches", "form"),
    ("count", "form"),  # "open 128/200"
    ("problem", "cut"),
    ("filter", "cut"),
    ("problem", "form"),  # "○ offline" or the unsent count still says something is wrong
    ("separators", "form"),
)

GIVE_BACK = ("filter", "problem", "me")


@dataclass(slots=True)
class Line:
    """The parts, by name, in the order they are shown."""

    parts: dict[str, Part] = field(default_factory=dict)
    separators: int = 0  # which of SEPARATORS

    def content(self) -> Content:
        pieces: list[Content | str] = []
        for part in self.parts.values():
            shown = part.content()
            if not shown.cell_length:
                continue
            if pieces:
                pieces.append(" " if part.joined else SEPARATORS[self.separators])
            pieces.append(shown)
        return Content.assemble(*pieces)

    def fit(self, width: int) -> Content:
        """The line in at most `width` cells if giving way can get it there."""
        shown = self.content()
        for name, kind in GIVE_WAY:
            if shown.cell_length <= width:
                break
            if name == "separators":
                self.separators = min(self.separators + 1, len(SEPARATORS) - 1)
            elif (part := self.parts.get(name)) is not None:
                if kind == "form":
                    part.form = min(part.form + 1, len(part.forms) - 1)
                    part.cut = None
                elif part.least is not None:
                    over = shown.cell_length - width
                    part.cut = max(part.least, part.content().cell_length - over)
            shown = self.content()
        # A later step may have freed more than was needed: what was cut gets it back, the
        # filter first.
        for name in GIVE_BACK:
            part = self.parts.get(name)
            spare = width - shown.cell_length
            if spare <= 0:
                break
            if part is not None and part.cut is not None and part.content().cell_length:
                part.cut += spare
                shown = self.content()
        return shown


def _styled(text: str, style: str = "") -> Content:
    return Content.styled(text, style) if style else Content(text)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._state: dict[str, Any] | None = None

    def show(
        self,
        *,
        queue: str,
        total: int,
        loading: bool,
        shown: int,
        tagged: int,
        unsent: int,
        conflicts: int,
        attention: int,
        overdue: int,
        online: bool,
        problem: str | None,
        sort: str,
        filter: str | None,
        me: str | None,
    ) -> None:
        """Show this state, fitted to the line's width now (and again on each resize)."""
        self._state = dict(
            queue=queue, total=total, loading=loading, shown=shown, tagged=tagged, unsent=unsent, conflicts=conflicts,
            attention=attention, overdue=overdue, online=online, problem=problem, sort=sort, filter=filter, me=me,
        )
        self._render_state()

    def on_resize(self) -> None:
        self._render_state()

    def _render_state(self) -> None:
        if self._state is None:
            return
        line = status_line(**self._state)
        width = self.content_region.width
        self.update(line.fit(width) if width > 0 else line.content(), layout=False)


def status_line(
    *,
    queue: str,
    total: int,
    loading: bool,
    shown: int,
    tagged: int,
    unsent: int,
    conflicts: int,
    attention: int,
    overdue: int,
    online: bool,
    problem: str | None,
    sort: str,
    filter: str | None,
    me: str | None,
) -> Line:
    """The parts of the status line at full length, each with the forms it gives way to."""
    parts: dict[str, Part] = {}
    parts["link"] = Part([_styled("● online", "bold $text-success") if online else _styled("○ offline", "bold $text-error")])
    if problem:
        cut = Content(problem).stylize("$text-warning")
        parts["problem"] = Part([cut, Content("")], least=PROBLEM_LEAST, joined=True, cut=PROBLEM_MOST)
    count = _styled(f"{queue} {total:,}" + ("…" if loading else ""), "bold")
    narrowed = filter is not None or shown != total
    tags = _styled(f" · ✱ {tagged:,} tagged", "bold") if tagged else Content("")
    parts["count"] = Part([
        Content.assemble(count, f" · shown {shown:,}" if narrowed else "", tags),
        Content.assemble(count, f" · {shown:,} shown" if narrowed else "", short_tags := _styled(f" · ✱ {tagged:,}", "bold") if tagged else Content("")),
        Content.assemble(_styled(f"{queue} {shown:,}/{total:,}" + ("…" if loading else ""), "bold"), short_tags) if narrowed
        else Content.assemble(count, short_tags),
    ])
    # What orders and narrows the queue comes right after its count: if anything is ever
    # cropped at the right edge, it is not these.
    parts["sort"] = Part([Content(f"sort {sort}")])
    if filter:
        parts["filter"] = Part([Content.assemble("filter ", _styled(filter, "bold"))], least=FILTER_LEAST)
    sent_style = "bold $text-warning" if unsent else ""
    full: list[Content] = [_styled(f"↑ {unsent} unsent", sent_style)]
    short: list[Content] = [_styled(f"↑ {unsent}", sent_style)]
    if conflicts:
        full.append(_styled(f" · ✖ {conflicts} {_plural(conflicts, 'conflict', 'conflicts')}", "bold $text-error"))
        short.append(_styled(f" · ✖ {conflicts}", "bold $text-error"))
    if attention:
        full.append(_styled(f" · ? {attention} need attention", "bold $text-error"))
        short.append(_styled(f" · ? {attention}", "bold $text-error"))
    parts["unsent"] = Part([Content.assemble(*full), Content.assemble(*short)])
    if overdue:
        parts["breaches"] = Part([
            _styled(f"! {overdue:,} past deadline", "bold $text-error"),
            _styled(f"! {overdue:,} past deadline", "bold $text-error"),  # a breach never goes: it is work
            _styled(f"! {overdue:,} late", "bold $text-error"),
        ])
    else:
        parts["breaches"] = Part([Content("no SLA breach"), Content(""), Content("")])
    if me:
        parts["me"] = Part([Content(me), Content("")], least=NAME_LEAST)
    return Line(parts)
