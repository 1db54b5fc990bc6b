"""The rows of the queue list: one line per item, built from Rich `Segment`s.

`QueueList` (queue_list.py) decides which rows to draw and caches them; this module is
what a row says and how it fits its width: the deadline countdown, kind, source badges,
reason, report count, sanitizer flag and the snippet, cut in terminal cells. Untrusted
text (the snippet) is only ever placed in a `Segment` as plain text, and any control
character that reaches it anyway is drawn as a visible symbol.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from triage_tui.cells import ELLIPSIS, cut, fit, pad, settled, width as cells_of
from triage_tui.model import ItemSummary, Kind, Source
from triage_tui.ui.widgets.segments import compact
from triage_tui.unapplied import MARK as UNAPPLIED_MARK
from triage_tui.words import SOURCE_NAMES

__all__ = ["ROWS_CSS", "ROW_CLASSES", "CURSOR_MARK", "read_styles", "NEWLINE", "OVERDUE_MARK", "TAG_MARK", "WARNING", "build_row", "due_label"]

_BADGES: tuple[tuple[Source, str], ...] = tuple((Source(code), name.badge) for code, name in SOURCE_NAMES.items())
_KIND = {Kind.POST: "post", Kind.CHANNEL: "chan", Kind.ACCOUNT: "acct"}

# Control characters that must never reach the terminal. The sanitizer has already
# replaced them (only \n and \t survive it); this is the belt to its braces, applied
# only to the handful of rows being built.
_DISPLAY = {i: chr(0x2400 + i) for i in range(0x20)}
_DISPLAY.update({0x09: " ", 0x7F: "\u2421", 0x2028: "\u23ce", 0x2029: "\u23ce"})
_DISPLAY.update({i: "\ufffd" for i in range(0x80, 0xA0)})
_DISPLAY.pop(0x0A)  # newlines are split out and drawn as a dim ⏎
_DISPLAY_TABLE = str.maketrans(_DISPLAY)

NEWLINE = "\u23ce"  # ⏎
WARNING = "\u26a0"  # ⚠
CURSOR_MARK = "\u25b6"  # ▶
TAG_MARK = "*"
OVERDUE_MARK = "!"


class _Layout(NamedTuple):
    due: int
    badges: int
    reason: int
    count: int
    compact: bool


# Columns: "▶* " due " " kind " " badges " " reason " " count " " ⚠ " " snippet
_FULL = _Layout(due=7, badges=11, reason=18, count=5, compact=False)
_COMPACT = _Layout(due=7, badges=5, reason=10, count=5, compact=True)


def _fixed_width(layout: _Layout) -> int:
    return 3 + layout.due + 1 + 4 + 1 + layout.badges + 1 + layout.reason + 1 + layout.count + 1 + 1 + 1


_MIN_SNIPPET = 20
_FULL_FROM = _fixed_width(_FULL) + _MIN_SNIPPET


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    if days < 100:
        return f"{days}d{hours:02d}h"
    return ">99d"


def due_label(deadline: datetime, now: datetime) -> tuple[str, bool]:
    """A deadline as a countdown (`45m`, `2h05m`, `3d04h`) and whether it has passed.

    Overdue labels start with `!` (`!12m`: twelve minutes late), so the state reads
    without colour. The label changes once a minute, which is what the row cache keys on.
    """
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return OVERDUE_MARK + _span(-seconds), True
    return _span(seconds), False


_REASON_MIN = 5  # cells the main reason keeps before `+N` may take the rest of its column


def _reason_cell(item: ItemSummary, width: int) -> str:
    """The main reason, then `+N` for the other reasons its reports give, in `width` cells;
    without the `+N` where it would leave the main reason fewer than _REASON_MIN cells."""
    others = item.other_reasons
    more = f" +{others}" if others > 0 else ""
    if not more or width - len(more) < _REASON_MIN:
        return fit(item.reason or "", width)
    return fit(fit(item.reason or "", width - len(more)).rstrip() + more, width)


def _count(n: int) -> str:
    if n < 10_000:
        return f"\u00d7{n}"
    if n < 1_000_000:
        return f"\u00d7{n // 1000}k"
    return f"\u00d7{n // 1_000_000}M"


class _Styles(NamedTuple):
    base: Style
    cursor: Style
    tagged: Style
    overdue: Style
    due: Style
    soon: Style
    masked: Style
    badge: Style
    authority: Style
    flag: Style
    dim: Style


def build_row(item: ItemSummary, width: int, now: datetime, st: _Styles, *, cursor: bool, tagged: bool, masked: bool, due: tuple[str, bool] | None,
          decided: str | None = None, unapplied: bool = False, reveal_key: Callable[[], str] = lambda: "v") -> Strip:
    """One row as segments whose cell widths we track, made into a single Strip."""
    row = st.tagged if tagged else st.base
    top = st.cursor if cursor else None
    layout = _FULL if width >= _FULL_FROM else _COMPACT
    segments: list[Segment] = []
    cells = 0

    def style(extra: Style | None = None) -> Style:
        s = row if extra is None else row + extra
        return s if top is None else s + top

    plain = style()

    def add(text: str, seg_style: Style, length: int | None = None) -> None:
        """Append, merging with the previous segment when the style is the same."""
        nonlocal cells
        cells += cells_of(text) if length is None else length
        if segments and segments[-1].style is seg_style:
            segments[-1] = Segment(segments[-1].text + text, seg_style)
        else:
            segments.append(Segment(text, seg_style))

    add(CURSOR_MARK if cursor else " ", plain)
    add(TAG_MARK if tagged else " ", style(Style(bold=True)) if tagged else plain)
    add(" ", plain)

    if due is not None:
        label, overdue = due
        soon = not overdue and (item.deadline - now).total_seconds() < 3600  # type: ignore[operator]
        due_style = st.overdue if overdue else (st.soon if soon else st.due)
    else:  # no deadline: the column says so, as the reason column does (priority is no deadline)
        label, due_style = "\u2014", st.dim
    add(fit(label, layout.due, right=True), style(due_style))
    add(" ", plain)
    add(fit(_KIND.get(item.kind, str(item.kind)), 4), style(st.dim))
    add(" ", plain)

    sources = set(item.sources)
    if layout.compact:
        present = [(source, badge) for source, badge in _BADGES if source in sources]
        shown = present if len(present) <= 2 else present[:1]
        used = 0
        for i, (source, badge) in enumerate(shown):
            if i:
                add(" ", plain)
            add(badge, style(st.authority if source is Source.AUTHORITY_ORDER else st.badge))
            used += cells_of(badge) + (1 if i else 0)
        if len(present) > 2:
            more = f"+{len(present) - 1}"
            add(more, style(st.badge))
            used += cells_of(more)
        add(" " * (layout.badges - used), plain)
    else:
        for i, (source, badge) in enumerate(_BADGES):
            if i:
                add(" ", plain)
            if source in sources:
                add(badge, style(st.authority if source is Source.AUTHORITY_ORDER else st.badge))
            else:
                add("  ", plain)
    add(" ", plain)
    if item.reason:
        add(_reason_cell(item, layout.reason), plain)
    else:
        add(fit("\u2014", layout.reason), style(st.dim))
    add(" ", plain)
    add(fit(_count(item.report_count), layout.count, right=True), style(st.dim))
    add(" ", plain)
    add(WARNING if item.flags else " ", style(st.flag) if item.flags else plain)
    add(" ", plain)

    if cells > width:  # narrower than the fixed columns: crop them (rare)
        strip = Strip(segments, cells).crop(0, max(0, width - 1))
        return Strip(compact([*strip, Segment(ELLIPSIS, plain)]) if width else [], width)

    room = width - cells
    if decided is not None:
        pieces = [(f"\u2714 {decided}", style(st.flag))]
    elif masked:
        pieces = [(f"\u2592\u2592 masked \u2014 {reveal_key()} to reveal", style(st.masked))]
    else:
        dim = style(st.dim)
        pieces = []
        for i, line in enumerate(item.snippet.split("\n")):
            if i:
                pieces.append((NEWLINE, dim))
            if line:
                pieces.append((line.translate(_DISPLAY_TABLE), plain))
    if unapplied:
        pieces.insert(0, (f"{UNAPPLIED_MARK} ", style(st.overdue)))
    pieces = [(settled(text), seg_style) for text, seg_style in pieces]  # (a dangling joiner would eat a cell)
    lengths = [cells_of(text) for text, _ in pieces]
    if sum(lengths) <= room:
        for (text, seg_style), length in zip(pieces, lengths):
            add(text, seg_style, length)
        room -= sum(lengths)
    elif room > 0:
        budget = room - 1  # keep a cell for the ellipsis
        for (text, seg_style), length in zip(pieces, lengths):
            if length > budget:
                if budget:
                    add(pad(cut(text, budget), budget), seg_style, budget)
                break
            add(text, seg_style, length)
            budget -= length
        add(ELLIPSIS, plain, 1)
        room = 0
    if room > 0:
        add(" " * room, plain)
    return Strip(compact(segments), width)


ROW_CLASSES: Final[set[str]] = {
    "queue-list--cursor",
    "queue-list--tagged",
    "queue-list--overdue",
    "queue-list--due",
    "queue-list--due-soon",
    "queue-list--masked",
    "queue-list--badge",
    "queue-list--authority",
    "queue-list--flag",
    "queue-list--dim",
}
"""
| Class | Styles |
|---|---|
| `queue-list--cursor` | the cursor row (blurred and `:focus` variants) |
| `queue-list--tagged` | tagged rows |
| `queue-list--overdue` | the countdown of an item past its deadline |
| `queue-list--due` | a countdown |
| `queue-list--due-soon` | a countdown under an hour |
| `queue-list--masked` | the placeholder of a masked (sensitive) item |
| `queue-list--badge` | source badges |
| `queue-list--authority` | the authority-order badge |
| `queue-list--flag` | the `⚠` of items with sanitizer findings |
| `queue-list--dim` | kinds, counts, `⏎` newline markers, `—` for no deadline or reason |
"""

ROWS_CSS: Final = """
QueueList {
    height: 1fr;
    background: $surface;
    color: $foreground;
    overflow-x: hidden;
    overflow-y: scroll;  /* a scrollbar that came and went with the length relaid the screen out */
    &:focus {
        background-tint: $foreground 5%;
        & > .queue-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    & > .queue-list--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    & > .queue-list--tagged {
        background: $secondary 30%;
    }
    & > .queue-list--overdue {
        color: $text-error;
        text-style: bold;
    }
    & > .queue-list--due {
        color: $foreground;
    }
    & > .queue-list--due-soon {
        color: $text-warning;
        text-style: bold;
    }
    & > .queue-list--masked {
        color: $text-muted;
        text-style: italic;
    }
    & > .queue-list--badge {
        color: $text-secondary;
    }
    & > .queue-list--authority {
        color: $text-error;
        text-style: bold;
    }
    & > .queue-list--flag {
        color: $text-warning;
        text-style: bold;
    }
    & > .queue-list--dim {
        color: $text-muted;
    }
}
"""


def read_styles(widget: Widget) -> _Styles:
    """The row styles of `widget` now (its component classes, resolved against it)."""
    full = widget.get_component_rich_style

    def part(name: str) -> Style:
        # The full style resolves `auto` and alpha colours against this widget's
        # background (a partial one resolves `auto` to white: invisible on a light
        # theme, not dimmed on a dark one); keep its colour and attributes, not its
        # background, so the cursor and tag rows keep theirs.
        whole = full(name)
        return Style(color=whole.color, bold=whole.bold, italic=whole.italic, underline=whole.underline,
                     strike=whole.strike, reverse=whole.reverse)

    styles = _Styles(
        base=widget.rich_style,
        cursor=full("queue-list--cursor"),
        tagged=full("queue-list--tagged"),
        overdue=part("queue-list--overdue"),
        due=part("queue-list--due"),
        soon=part("queue-list--due-soon"),
        masked=part("queue-list--masked"),
        badge=part("queue-list--badge"),
        authority=part("queue-list--authority"),
        flag=part("queue-list--flag"),
        dim=part("queue-list--dim"),
    )
    return styles
