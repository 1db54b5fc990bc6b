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
text is cut, the separators lose their spaces, and only then is the filter cut with `…`,
never below `FILTER_LEAST` cells. The sort and the filter come
right after the count, so that in a state that still does not fit, what the right edge
crops is never them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from textual.content import Content
from textual.widgets import Static

from triage_tui.words import noun, plural

FILTER_LEAST = 16  # cells of "filter …" kept whatever else has to give way
NAME_LEAST = 8
PROBLEM_MOST = 60
PROBLEM_SHORT = 30
PROBLEM_LEAST = 12
SEPARATORS = ("  │ ", " │ ", "│")  # from the widest


@dataclass(slots=True)
class Part:
    """One part of the line: `forms` from the widest; giving way takes the next form, or
    cuts the form with `…` (to `cut` cells)."""

    forms: Sequence[Content]
    joined: bool = False  # follows the part before it with a space, not a separator
    form: int = 0
    cut: int | None = None

    def content(self) -> Content:
        shown = self.forms[self.form]
        if self.cut is None or shown.cell_length <= self.cut:
            return shown
        # Not truncate(ellipsis=True): a wide character cut in half leaves a space before the …
        return shown.truncate(max(0, self.cut - 1)).rstrip() + Content("…")


Step = tuple[str, Literal["form", "cut"], int]  # (part, how, for a cut: the fewest cells it leaves)

# What gives way first when the line is too wide, one step at a time ("separators": all
# separators tighten). The filter and the sort are last or absent: they are always shown.
GIVE_WAY: tuple[Step, ...] = (
    ("separators", "form", 0),
    ("breaches", "form", 0),  # "no SLA breach" goes; a breach count stays
    ("me", "cut", NAME_LEAST),
    ("problem", "cut", PROBLEM_SHORT),
    ("unsent", "form", 0),  # "↑ 0"
    ("me", "form", 0),
    ("count", "form", 0),
    ("breaches", "form", 0),
    ("count", "form", 0),  # "open 128/200"
    ("problem", "cut", PROBLEM_LEAST),
    ("separators", "form", 0),  # spacing is cheaper than the filter's words
    ("filter", "cut", FILTER_LEAST),
    ("problem", "form", 0),  # "○ offline" or the unsent count still says something is wrong
)

State = tuple[int, int | None]  # a part's form and cut (the separators': which, None)


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
        """The line in at most `width` cells if giving way can get it there, each part
        giving way only as far as needed."""
        shown = self.content()
        taken: list[tuple[str, str, State]] = []  # the steps taken, each with the state before it
        for name, kind, least in GIVE_WAY:
            if shown.cell_length <= width:
                break
            before = self._state(name)
            if before is None:
                continue
            self._give(name, kind, shown.cell_length - width, least)
            taken.append((name, kind, before))
            shown = self.content()
        # A later step may have freed more than was needed: steps are undone, the last
        # taken (what matters most) first, as far as the line still fits.
        for name, kind, before in reversed(taken):
            after = self._state(name)
            assert after is not None
            self._set(name, before)
            undone = self.content()
            if undone.cell_length <= width:
                shown = undone
                continue
            self._set(name, after)
            spare = width - shown.cell_length
            if kind == "cut" and after[1] is not None and spare > 0:
                most = before[1] if before[1] is not None else undone.cell_length
                cut = min(most, after[1] + spare)
                while True:  # (a cut that ends in a space is a cell shorter: not quite linear)
                    self._set(name, (after[0], cut))
                    shown = self.content()
                    if shown.cell_length <= width or cut <= after[1]:
                        break
                    cut -= 1
        return shown

    def _state(self, name: str) -> State | None:
        if name == "separators":
            return self.separators, None
        part = self.parts.get(name)
        return None if part is None else (part.form, part.cut)

    def _set(self, name: str, state: State) -> None:
        if name == "separators":
            self.separators = state[0]
        else:
            self.parts[name].form, self.parts[name].cut = state

    def _give(self, name: str, kind: str, over: int, least: int) -> None:
        """One step of giving way, `over` cells too wide; a cut leaves at least `least` cells."""
        if name == "separators":
            self.separators = min(self.separators + 1, len(SEPARATORS) - 1)
            return
        part = self.parts[name]
        if kind == "form":
            part.form, part.cut = min(part.form + 1, len(part.forms) - 1), None
        else:
            length = part.content().cell_length
            part.cut = min(length, max(least, length - over))


def _styled(text: str, style: str = "") -> Content:
    return Content.styled(text, style) if style else Content(text)


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._state: dict[str, Any] | None = None

    def show(self, **state: Any) -> None:
        """Show this state (the keywords of `status_line`, the one place they are named and
        typed), fitted to the line's width now and again on each resize."""
        self._state = state
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
    new: int = 0,
    bound: bool = False,
) -> Line:
    """The parts of the status line at full length, each with the forms it gives way to."""
    parts: dict[str, Part] = {}
    parts["link"] = Part([_styled("● online", "bold $text-success") if online else _styled("○ offline", "bold $text-error")])
    if problem:
        parts["problem"] = Part([Content(problem).stylize("$text-warning"), Content("")], joined=True, cut=PROBLEM_MOST)
    # `bound`: the backend cannot count this view; what is known is a lower bound so far.
    at_least = "≥ " if bound else ""
    count = _styled(f"{queue} {at_least}{total:,}" + ("…" if loading else ""), "bold")
    narrowed = filter is not None or shown != total
    tags = _styled(f" · ✱ {tagged:,} tagged", "bold") if tagged else Content("")
    short_tags = _styled(f" · ✱ {tagged:,}", "bold") if tagged else Content("")
    if new:  # arrived, matching, not shown yet: R shows them (rows never move under the cursor by themselves)
        tags = Content.assemble(tags, _styled(f" · {new:,} new · R shows them", "bold $text-accent"))
        short_tags = Content.assemble(short_tags, _styled(f" · {new:,} new · R", "bold $text-accent"))
    parts["count"] = Part([
        Content.assemble(count, f" · shown {at_least}{shown:,}" + (" so far" if bound else "") if narrowed else "", tags),
        Content.assemble(count, f" · {at_least}{shown:,} shown" if narrowed else "", short_tags),
        Content.assemble(_styled(f"{queue} {at_least}{shown:,}/{total:,}" + ("…" if loading else ""), "bold"), short_tags) if narrowed
        else Content.assemble(count, short_tags),
    ])
    # What orders and narrows the queue comes right after its count: if anything is ever
    # cropped at the right edge, it is not these.
    parts["sort"] = Part([Content(f"sort {sort}")])
    if filter:
        parts["filter"] = Part([Content.assemble("filter ", _styled(filter, "bold"))])
    sent_style = "bold $text-warning" if unsent else ""
    full: list[Content] = [_styled(f"↑ {unsent} unsent", sent_style)]
    short: list[Content] = [_styled(f"↑ {unsent}", sent_style)]
    if conflicts:
        full.append(_styled(f" · ✖ {plural(conflicts, 'conflict')}", "bold $text-error"))
        short.append(_styled(f" · ✖ {conflicts}", "bold $text-error"))
    if attention:
        full.append(_styled(f" · ? {attention} {noun(attention, 'needs', 'need')} attention", "bold $text-error"))
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
        parts["me"] = Part([Content(me), Content("")])
    return Line(parts)
