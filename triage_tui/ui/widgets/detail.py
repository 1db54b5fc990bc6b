"""`DetailPane`: one item in full, as evidence — text, media, reports, profile, campaign, history.

Untrusted text. Every untrusted string in an `Item` was sanitized by the model
(`sanitize.py`); here it only ever becomes plain text of a `Content` (`Content(s)`, or
a `str` part of `Content.assemble`), never a markup string, so `[@click=app.quit]`,
`[link=…]` or a lone `[/` show literally and create no action, link or crash. Styles
are attached only to labels written here, as `(text, style)` pairs. As a second line
of defence any control character that reaches the widget anyway is drawn as a visible
symbol, and newlines in one-line fields (names, organisations, references) as `⏎`.

Spoofing. Everything an attacker wrote is drawn indented — the text and comments
behind a `│` gutter on every wrapped line — so nothing they write can pass for one of
the pane's own headings (`── Reports`), which always start in the first column.

Moderator wellbeing. When the item's main reason (the most common report reason) or
any report reason is `sensitive` in the policy and the item is not revealed, the text,
the channel title, report comments and media lines are masked; metadata stays
visible. Media is never fetched: the pane shows type, size and hash, and says so.

Colour is never the only signal: deadlines say `due in` or `!! OVERDUE`, warnings start
with `⚠`, masked parts with `▒`, actions with `✓ ✗ ⇪`.

Speed. `show` runs on every cursor move, so the pane is a Line-API `ScrollView`: an
item becomes a list of blocks, each wrapped to the pane width once; strips are made a
chunk at a time, only for lines that are painted. The wrapped documents of recently
shown items are kept in a small LRU, so moving back and forth costs a lookup. The virtual size is set
without a layout pass of the screen (the vertical scrollbar is always there, so the
pane's width never depends on the item). `tick(now)`, once a second, rebuilds only the
blocks with a countdown, and repaints only when a label actually changed.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual

from triage_tui.model import (
    Action,
    AuthorityOrder,
    AutomatedFlag,
    Item,
    Kind,
    Media,
    Policy,
    Profile,
    Report,
    Source,
    TrustedFlag,
    UserReport,
)
from triage_tui.sanitize import Flag, mixed_script
from triage_tui.ui.widgets.queue_list import due_label
from triage_tui.ui.widgets.segments import compact
from triage_tui.words import SOURCE_NAMES, day, moment, plural

__all__ = [
    "DetailPane",
    "countdown",
    "main_reason",
    "masked_by",
    "render_item",
    "size_text",
]

Part = Content | tuple[str, str] | str

# Styles for our own labels (never for untrusted text, which is always plain).
STRONG = "bold"
DIM = "dim"
HEAD = "bold $text-accent"
WARN = "bold $text-warning"
ERROR = "bold $text-error"
MASK = "italic $text-warning"

OVERDUE_MARK = "!!"
DUE_MARK = "◷"
WARNING = "⚠"
MASKED = "▒"
GUTTER = "│ "
NEWLINE = "⏎"

SOURCE_ORDER = {Source(code): i for i, code in enumerate(SOURCE_NAMES)}  # strongest first, as the badges
ACTION_WORDS: dict[Action, str] = {
    Action.APPROVE: "✓ approved",
    Action.REMOVE: "✗ removed",
    Action.ESCALATE: "⇪ escalated",
}
HIDDEN_WORDS: dict[Flag, str] = {
    Flag.CONTROL: "control codes",
    Flag.BIDI: "bidi",
    Flag.INVISIBLE: "zero-width",
    Flag.COMBINING: "combining marks",
}
MAX_USER_REPORTS = 10
MAX_PRIOR = 10
MAX_HISTORY = 50
_CHUNK = 64  # wrapped lines turned into strips at a time

# Control characters that must never reach the terminal. The sanitizer replaced them
# already (only \n and \t survive it); this is the belt to its braces.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_DISPLAY = {i: chr(0x2400 + i) for i in range(0x20)}
_DISPLAY.update({0x7F: "\u2421", 0x2028: NEWLINE, 0x2029: NEWLINE})
_DISPLAY.update({i: "\ufffd" for i in range(0x80, 0xA0)})
del _DISPLAY[0x0A], _DISPLAY[0x09]
_DISPLAY_TABLE = str.maketrans(_DISPLAY)
_ONE_LINE_TABLE = str.maketrans({**_DISPLAY, 0x0A: NEWLINE, 0x09: " "})


def _text(value: str) -> Content:
    """Untrusted text, possibly several lines, as plain Content."""
    if _CONTROL.search(value):
        value = value.translate(_DISPLAY_TABLE)
    return Content(value)


def _name(value: str) -> Content:
    """An untrusted one-line field (name, organisation, reference) as plain Content."""
    if "\n" in value or "\t" in value or _CONTROL.search(value):
        value = value.translate(_ONE_LINE_TABLE)
    return Content(value)


# ---------------------------------------------------------------------------
# Formatting helpers (pure).


def countdown(deadline: datetime, now: datetime, *, at: bool = True) -> list[Part]:
    """`◷ due in 34m (2026-11-28 20:35 UTC)` or `!! OVERDUE 20m (due 2026-11-28 19:40 UTC)`:
    words, not only colour; the moment in full (`words.moment`), as every time the pane
    shows. `at=False` leaves the moment out: the header, which ticks and must fit one line
    at 80 columns, says only the countdown, and the summary line under it the moment."""
    label, overdue = due_label(deadline, now)
    if overdue:
        return [(f"{OVERDUE_MARK} OVERDUE {label.lstrip('!')}", ERROR), *([f" (due {moment(deadline)})"] if at else [])]
    soon = (deadline - now).total_seconds() < 3600
    return [(f"{DUE_MARK} due in {label}", WARN if soon else STRONG), *([f" ({moment(deadline)})"] if at else [])]


def size_text(size: int) -> str:
    """Bytes, human-readable: `812 B`, `179.9 KiB`, `4.2 MiB`."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
    return f"{size} B"  # pragma: no cover


def main_reason(item: Item) -> str | None:
    """The most common report reason (a tie goes to the one the backend listed first)."""
    if not item.reports:
        return None
    return Counter(r.reason for r in item.reports).most_common(1)[0][0]


def masked_by(item: Item, policy: Policy | None) -> str | None:
    """The label of the sensitive reason that masks `item` (main reason first), or None."""
    if policy is None:
        return None
    codes = [main_reason(item), *(r.reason for r in item.reports)]
    for code in codes:
        reason = policy.reason(code) if code else None
        if reason is not None and reason.sensitive:
            return str(reason.label)
    return None


def _reason_label(code: str | None, policy: Policy | None) -> Content:
    if code is None:
        return Content("no reason")
    reason = policy.reason(code) if policy is not None else None
    return _name(reason.label) if reason is not None else Content(code)


# ---------------------------------------------------------------------------
# The document: blocks of Content, each drawn with a prefix on every wrapped line.

_EMPTY = Content("")


@dataclass(eq=False, slots=True)
class _Block:
    """Part of the document; `live` blocks are rebuilt by `tick` (they hold countdowns)."""

    content: Content
    prefix: Content = _EMPTY
    live: Callable[[datetime], Content] | None = None
    first: Content | None = None  # the prefix of the first line, if not `prefix` (no wider)
    width: int = -1
    lines: list[Content] = field(default_factory=list)  # wrapped, without the prefix
    indent: bool = False  # whether the prefix fits at this width

    def wrap(self, width: int) -> None:
        self.width = width
        room = width - self.prefix.cell_length
        self.indent = bool(self.prefix) and room >= 12  # too narrow: drop the indent, not text
        if not self.indent:
            room = width
        first = self.first.cell_length if self.first is not None and self.indent else None
        content = self.content
        if first is not None and first < self.prefix.cell_length and content.cell_length + first <= width and "\n" not in content.plain:
            self.lines = [content]  # one line that fits beside a narrower first prefix
        else:
            self.lines = (content.wrap(room) or [_EMPTY]) if room > 0 else [_EMPTY]

    def line(self, index: int) -> Content:
        """Wrapped line `index` with its prefix (built only for lines on screen)."""
        line = self.lines[index] if index < len(self.lines) else _EMPTY
        if not self.indent:
            return line
        prefix = self.first if index == 0 and self.first is not None else self.prefix
        return Content.assemble(prefix, line)

    def as_content(self) -> Content:
        """Unwrapped, with the prefix on every line (what `DetailPane.content` returns)."""
        if not self.prefix:
            return self.content
        lines = [Content.assemble(self.prefix, line) for line in self.content.split("\n")]
        if self.first is not None:
            lines[0] = Content.assemble(self.first, self.content.split("\n")[0])
        return Content("\n").join(lines)


_HANG = Content("  ")


def _line(content: Content, *, live: Callable[[datetime], Content] | None = None) -> _Block:
    """A block that starts in the first column; its wrapped lines are indented, so that
    untrusted text in it (a policy label, an id) can never start a line of its own."""
    return _Block(content, _HANG, live=live, first=_EMPTY)


def _heading(title: str, *extra: Part) -> _Block:
    return _Block(Content.assemble("\n", (f"── {title}", HEAD), *extra))


def _masked_line(label: str, what: str, reveal_key: str) -> Content:
    return Content.assemble((f"{MASKED} masked: ", MASK), _name(label), (f" — press {reveal_key} to reveal{what}", MASK))


def _header(item: Item, policy: Policy | None, now: datetime) -> Content:
    parts: list[Part] = [(item.id, STRONG), f" · {item.kind.value} · {item.state.value} · v{item.version} · P{item.priority} · "]
    if item.deadline is not None:
        parts += countdown(item.deadline, now, at=False)
    else:
        parts.append(("no deadline", DIM))
    if item.escalated_to:
        target = policy.target(item.escalated_to) if policy is not None else None
        parts += ["\n", ("⇪ escalated to ", STRONG), _name(target.label) if target else Content(item.escalated_to)]
    if item.claim is not None:
        claim = item.claim
        left = (claim.expires_at - now).total_seconds()
        status = f"expires in {due_label(claim.expires_at, now)[0]}" if left > 0 else "expired"
        parts += ["\n", ("⚑ claimed by ", STRONG), Content(claim.holder), f" · {status} ({moment(claim.expires_at)})"]
    return Content.assemble(*parts)


def _summary(item: Item, policy: Policy | None) -> Content:
    parts: list[Part] = [("reason ", DIM), _reason_label(main_reason(item), policy), " · ", (plural(len(item.reports), "report"), STRONG)]
    by_source = Counter(r.source for r in item.reports)
    if by_source:
        shown = []
        for source in sorted(by_source, key=SOURCE_ORDER.__getitem__):
            badge = SOURCE_NAMES[source].badge
            if source is Source.AUTHORITY_ORDER and item.countries:
                badge += " " + " ".join(sorted(item.countries))
            shown.append(f"{by_source[source]} {badge}")
        parts.append(": " + ", ".join(shown))
    if item.deadline is not None:  # the header counts it down; here is when it is
        parts += [" · ", ("due ", DIM), moment(item.deadline)]
    return Content.assemble(*parts)


def _warnings(item: Item, policy: Policy | None) -> list[_Block]:
    blocks: list[_Block] = []
    hidden = [word for flag, word in HIDDEN_WORDS.items() if flag in item.flags]
    if hidden:
        blocks.append(_line(Content.assemble((WARNING + f" hidden characters: {', '.join(hidden)}", WARN), (" — shown as visible markers (⟨…⟩, ␛)", DIM))))
    if Flag.MIXED_SCRIPT in item.flags:
        where = []
        if item.title and mixed_script(item.title):
            where.append("channel title")
        author = item.author
        if author is not None:
            if mixed_script(author.handle):
                where.append("handle")
            if author.display_name and mixed_script(author.display_name):
                where.append("display name")
        parts: list[Part] = [(f"{WARNING} mixed scripts in name: possible impersonation", WARN)]
        if where:
            parts.append((f" ({', '.join(where)})", DIM))
        blocks.append(_line(Content.assemble(*parts)))
    if Flag.TRUNCATED in item.flags:
        blocks.append(_line(Content.assemble(("✂ cut for display", WARN), (" — the marker ⟨… more characters⟩ says how much", DIM))))
    if policy is not None:
        rule = policy.escalation_needed(item)
        if rule is not None:
            target = policy.target(rule.target)
            blocks.append(_line(Content.assemble(
                ("⇪ policy: escalate to ", WARN), _name(target.label) if target else Content(rule.target),
                (" before removal", WARN), (f" ({SOURCE_NAMES[rule.source].name}"
                 + (f" from {', '.join(sorted(rule.countries))})" if rule.countries else ")"), DIM),
            )))
    return blocks


def _media_blocks(media: Sequence[Media], masked: str | None, reveal_key: str) -> list[_Block]:
    if not media:
        return []
    blocks = [_heading(f"Media ({len(media)})", (" · never fetched", DIM))]
    if masked is not None:
        return [*blocks, _Block(_masked_line(masked, "", reveal_key), Content("  "))]
    for m in media:
        blocks.append(_Block(Content.assemble(
            "▣ ", (m.type, STRONG), f" · {size_text(m.size)} · sha256 {m.sha256[:12]}…", (" · not fetched", DIM)
        ), Content("  ")))
    return blocks


def _order_report(report: Report) -> tuple[int, float]:
    deadline = report.deadline
    return SOURCE_ORDER[report.source], deadline.timestamp() if deadline else report.created_at.timestamp()


def _authority_details(origin: AuthorityOrder) -> Callable[[datetime], Content]:
    def build(now: datetime) -> Content:
        return Content.assemble(
            (origin.country, STRONG), " · ", _name(origin.authority), "\n",
            ("legal basis ", DIM), _name(origin.legal_basis), "\n",
            ("ref ", DIM), _name(origin.reference), " · ", *countdown(origin.deadline, now),
        )

    return build


def _report_blocks(item: Item, policy: Policy | None, now: datetime, masked: str | None, reveal_key: str) -> list[_Block]:
    reports = sorted(item.reports, key=_order_report)
    blocks = [_heading(f"Reports ({len(reports):,})")]
    if not reports:
        return [*blocks, _Block(Content("no reports"), Content("  "))]
    indent = Content("     ")
    main = main_reason(item)
    users_shown = 0
    rest: list[Report] = []
    for n, report in enumerate(reports, 1):
        if report.source is Source.USER_REPORT:
            if users_shown >= MAX_USER_REPORTS:
                rest.append(report)
                continue
            users_shown += 1
        badge, word = SOURCE_NAMES[report.source]
        first: list[Part] = [(f"{badge} {word}", STRONG)]
        if report.reason != main:  # the main reason is in the summary line already
            first += [" · ", _reason_label(report.reason, policy)]
        first.append(f" · {moment(report.created_at)}")
        origin = report.origin
        if isinstance(origin, UserReport):
            first += [(" · by ", DIM), origin.reporter] if origin.reporter else [(" · anonymous", DIM)]
        if report.flags - {Flag.MIXED_SCRIPT}:
            first.append((" " + WARNING + " hidden characters", WARN))
        blocks.append(_Block(Content.assemble(*first), indent, first=Content(f"{n:>3}. ")))
        if isinstance(origin, AuthorityOrder):
            build = _authority_details(origin)
            blocks.append(_Block(build(now), indent, live=build))
        elif isinstance(origin, TrustedFlag):
            blocks.append(_Block(Content.assemble(("by ", DIM), _name(origin.organisation)), indent))
        elif isinstance(origin, AutomatedFlag):
            blocks.append(_Block(Content.assemble(("model ", DIM), _name(origin.model), (" · score ", DIM), (f"{origin.score:.1%}", STRONG)), indent))
        if report.comment:
            if masked is not None:
                blocks.append(_Block(_masked_line(masked, " the comment", reveal_key), indent))
            else:
                blocks.append(_Block(_text(report.comment), Content.assemble("     ", (GUTTER, DIM))))
    if rest:
        reasons = Counter(r.reason for r in rest)
        comments = sum(1 for r in rest if r.comment)
        parts: list[Part] = [(plural(len(rest), "more user report"), STRONG), ": "]
        for i, (code, count) in enumerate(reasons.most_common()):
            parts += [", " if i else "", _reason_label(code, policy), f" ×{count}"]
        if comments:
            parts.append(f" · {plural(comments, 'comment')} not shown")
        blocks.append(_Block(Content.assemble(*parts), indent, first=Content("  … ")))
    return blocks


def _profile_blocks(item: Item, now: datetime) -> list[_Block]:
    author: Profile | None = item.author
    blocks = [_heading({Kind.CHANNEL: "Channel owner", Kind.ACCOUNT: "Account"}.get(item.kind, "Author"))]
    indent = Content("  ")
    if author is None:
        return [*blocks, _Block(Content.styled("no profile sent by the backend", DIM), indent)]
    parts: list[Part] = ["@", _name(author.handle)]
    if author.display_name:
        parts += [" · ", _name(author.display_name)]
    if Flag.MIXED_SCRIPT in author.flags:
        parts.append((f" {WARNING} mixed scripts", WARN))
    if author.flags - {Flag.MIXED_SCRIPT}:
        parts.append((" " + WARNING + " hidden characters", WARN))
    blocks.append(_Block(Content.assemble(*parts), indent))
    line: list[Part] = []
    if author.created_at is not None:
        days = max(0, (now - author.created_at).days)
        line.append(f"account {plural(days, 'day')} old (since {day(author.created_at)}) · ")
    else:
        line.append(("account age unknown · ", DIM))
    line.append((f"⚑ {plural(author.strikes, 'strike')}", WARN) if author.strikes else "no strikes")
    line += [(" · id ", DIM), author.id]
    blocks.append(_Block(Content.assemble(*line), indent))
    prior = author.prior_decisions
    if not prior:
        blocks.append(_Block(Content.styled("no prior decisions", DIM), indent))
        return blocks
    blocks.append(_Block(Content(f"prior decisions ({len(prior):,}):"), indent))
    shown = sorted(prior, key=lambda p: p.decided_at, reverse=True)[:MAX_PRIOR]
    for p in shown:
        blocks.append(_Block(Content.assemble(
            (ACTION_WORDS[p.action], STRONG), " · ", p.reason or "no reason", (" · ", DIM), p.item_id, (f" · {moment(p.decided_at)}", DIM)
        ), Content("    ")))
    if len(prior) > len(shown):
        blocks.append(_Block(Content.styled(f"… {len(prior) - len(shown):,} older", DIM), Content("    ")))
    return blocks


def _history_blocks(item: Item, now: datetime) -> list[_Block]:
    if not item.history:
        return []
    blocks = [_heading(f"History ({len(item.history):,})")]
    for h in item.history[-MAX_HISTORY:]:
        parts: list[Part] = [f"{moment(h.decided_at)} · ", (h.moderator, STRONG), " · ", (ACTION_WORDS[h.action], STRONG)]
        if h.escalate_to:
            parts.append(f" → {h.escalate_to}")
        if h.reason:
            parts += [(" · reason ", DIM), h.reason]
        blocks.append(_Block(Content.assemble(*parts), Content("  ")))
        if h.note:
            blocks.append(_Block(_text(h.note), Content.assemble("    ", (GUTTER, DIM))))
    if len(item.history) > MAX_HISTORY:
        blocks.insert(1, _Block(Content.styled(f"… {plural(len(item.history) - MAX_HISTORY, 'earlier entry')}", DIM), Content("  ")))
    return blocks


def build_blocks(item: Item, policy: Policy | None, now: datetime, *, masked: str | None, reveal_key: str = "v") -> list[_Block]:
    """The whole pane for `item`; `masked` is the label of the sensitive reason, or None."""
    blocks = [
        _line(_header(item, policy, now), live=lambda at: _header(item, policy, at)),
        _line(_summary(item, policy)),
        *_warnings(item, policy),
    ]
    gutter = Content.styled(GUTTER, DIM)
    if item.kind is Kind.CHANNEL:
        members = f" · {plural(item.member_count, 'member')}" if item.member_count is not None else ""
        blocks.append(_heading("Channel", (members, STRONG)))
        if masked is not None:
            blocks.append(_Block(_masked_line(masked, " the title", reveal_key), Content("  ")))
        elif item.title:
            blocks.append(_Block(Content.assemble(("title ", DIM), _name(item.title)), Content("  ")))
        else:
            blocks.append(_Block(Content.styled("no title", DIM), Content("  ")))
    what = {Kind.CHANNEL: "Description", Kind.ACCOUNT: "Profile text"}.get(item.kind, "Post")
    extra: list[Part] = []
    if item.language:
        extra.append(f" · {item.language}")
    if item.created_at is not None:
        extra.append((f" · created {moment(item.created_at)}", DIM))
    if len(item.text) > 2000:
        extra.append((f" · {plural(len(item.text), 'character')}", STRONG))
    blocks.append(_heading(what, *extra))
    if masked is not None:
        blocks.append(_Block(_masked_line(masked, "", reveal_key), Content("  ")))
    elif item.text:
        blocks.append(_Block(_text(item.text), gutter))
    else:
        blocks.append(_Block(Content.styled("(no text)", DIM), Content("  ")))
    blocks += _media_blocks(item.media, masked, reveal_key)
    blocks += _report_blocks(item, policy, now, masked, reveal_key)
    blocks += _profile_blocks(item, now)
    if item.campaign is not None:
        blocks.append(_heading("Campaign"))
        blocks.append(_Block(Content.assemble(
            "⧉ part of campaign ", (item.campaign.id, STRONG), f" with {plural(item.campaign.size, 'item')}", (" (same normalised text)", DIM)
        ), Content("  ")))
    blocks += _history_blocks(item, now)
    return blocks


def _join(blocks: Iterable[_Block]) -> Content:
    return Content("\n").join(block.as_content() for block in blocks)


def render_item(item: Item, policy: Policy | None, now: datetime, *, revealed: bool, reveal_key: str = "v") -> Content:
    """The whole pane as one (unwrapped) Content; pure, so tests can look at exactly this."""
    masked = None if revealed else masked_by(item, policy)
    return _join(build_blocks(item, policy, now, masked=masked, reveal_key=reveal_key))


# ---------------------------------------------------------------------------
# The widget.


@dataclass(eq=False, slots=True)
class _Doc:
    """One item's document as shown recently or prepared ahead: its blocks, and the strips
    drawn from them for (width, visual style) `stamp`, by document line."""

    item: Item
    blocks: list[_Block]
    strips: dict[int, Strip] = field(default_factory=dict)
    stamp: object = None


def _starts(blocks: list[_Block]) -> tuple[list[int], int]:
    """The first document line of each block, and the number of lines."""
    starts = []
    total = 0
    for block in blocks:
        starts.append(total)
        total += max(1, len(block.lines))
    return starts, total


class DetailPane(ScrollView, can_focus=False):
    """The right-hand pane of the triage screen: one item in full, safely.

    `show` is called on every cursor move, `tick` once a second; `show_loading` and
    `show_error` while the item is being fetched or could not be. It never takes focus:
    it scrolls with the mouse wheel, or from the screen's keys (`scroll_relative`).
    """

    DEFAULT_CSS = """
    DetailPane {
        padding: 0 0 0 1;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
    }
    """

    DOCUMENTS: ClassVar[int] = 16
    """How many recently shown items keep their wrapped document."""

    def __init__(self, *, reveal_key: str = "v", name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._reveal_key = reveal_key
        self._item: Item | None = None
        self._policy: Policy | None = None
        self._revealed = False
        self._now: datetime | None = None
        self._blocks: list[_Block] = [_Block(Content.styled("Loading the queue…", DIM))]
        self._starts: list[int] = [0]
        self._total = 1
        self._width = -1
        self._strips: dict[int, Strip] = {}  # document line -> strip, for the lines painted
        self._frame: tuple[int, int, VisualStyle, Strip] | None = None
        self._painted: dict[int, Strip] = {}  # pane line -> the strip last painted there
        self._docs: OrderedDict[tuple[object, ...], _Doc] = OrderedDict()
        self._doc: _Doc | None = None  # the document on show, when it is an item's

    # -- public -----------------------------------------------------------------------

    @property
    def item(self) -> Item | None:
        """The item on show (None while loading, on error, or when there is none)."""
        return self._item

    @property
    def content(self) -> Content:
        """What the pane shows now, unwrapped (for tests, and for copying as evidence)."""
        return _join(self._blocks)

    @property
    def built_width(self) -> int:
        """The width the document on show was wrapped for (0 before the first layout)."""
        return max(self._width, 0)

    @property
    def reveal_key(self) -> str:
        """The key named in "press v to reveal"; set it after a keymap change."""
        return self._reveal_key

    @reveal_key.setter
    def reveal_key(self, key: str) -> None:
        if key != self._reveal_key:
            self._reveal_key = key
            self._docs.clear()
            if self._item is not None and self._now is not None:
                self._show_item(self._item, self._policy, self._now, self._revealed, home=False)

    def show(self, item: Item | None, *, policy: Policy | None, now: datetime, revealed: bool) -> None:
        """Show `item` (or say there is none); cheap when it was shown recently."""
        self._now = now
        if item is None:
            self._item = None
            self._install([_line(Content.assemble(("Nothing here.", STRONG), (" The queue is empty, or nothing matches the filter.", DIM)))], home=True)
            return
        home = self._item is None or self._item.id != item.id
        self._show_item(item, policy, now, revealed, home=home)

    def show_loading(self, item_id: str) -> None:
        self._item = None
        self._install([_line(Content.assemble(("Loading ", DIM), _name(item_id), ("…", DIM)))], home=True)

    def show_error(self, item_id: str, message: str) -> None:
        self._item = None
        self._install([_line(Content.assemble((f"{WARNING} could not load ", ERROR), _name(item_id), ": ", _name(message)))], home=True)

    def tick(self, now: datetime) -> None:
        """Update the countdowns (header, claim, authority orders); repaints only what changed."""
        self._now = now
        if self._item is None:
            return
        changed = self._update_live(self._blocks, now)
        if not changed or self._width <= 0:
            return
        relayout = False
        for index in changed:
            block = self._blocks[index]
            count = len(block.lines)
            block.wrap(self._width)
            if len(block.lines) != count:
                relayout = True
                break
            start = self._starts[index]
            for line in range(start, start + count):
                self._strips.pop(line, None)
            self.refresh_lines(start, count)
        if relayout:
            self._reindex()
            self.refresh()

    def prepare(self, item: Item, *, policy: Policy | None, now: datetime, revealed: bool) -> None:
        """Build, wrap and draw the first screenful of `item` ahead of time: the screen
        calls this after a frame for the items the next key is likely to land on, so that
        landing there only composites (about a third of a cursor move's time)."""
        if not self.is_attached or (self._item is not None and self._item.id == item.id):
            return
        region = self.scrollable_content_region
        if region.width <= 0:
            return
        doc = self._document(item, policy, now, revealed)
        fresh = False
        for block in doc.blocks:
            if block.width != region.width:
                block.wrap(region.width)
                fresh = True
        style = self.visual_style
        if fresh or doc.stamp != (region.width, style):
            doc.strips, doc.stamp = {}, (region.width, style)
        starts, total = _starts(doc.blocks)
        for start in range(0, min(region.height, total), _CHUNK):
            if start not in doc.strips:
                _draw_chunk(self, doc.blocks, starts, total, doc.strips, start, region.width, style)

    # -- internals --------------------------------------------------------------------

    def _document(self, item: Item, policy: Policy | None, now: datetime, revealed: bool) -> _Doc:
        """`item`'s document for `now`: the one built recently if there is one."""
        if policy is not self._policy:
            self._docs.clear()  # labels and sensitivity may differ
            self._policy = policy
        masked = None if revealed else masked_by(item, policy)
        key = (item.id, item.version, masked, now.date())  # dates and ages are shown per day
        doc = self._docs.get(key)
        if doc is not None and (doc.item is item or doc.item == item):
            self._docs.move_to_end(key)
            for index in self._update_live(doc.blocks, now):
                doc.blocks[index].width = -1  # wrapped again (and drawn again) before use
            return doc
        doc = _Doc(item, build_blocks(item, policy, now, masked=masked, reveal_key=self._reveal_key))
        self._docs[key] = doc
        while len(self._docs) > self.DOCUMENTS:
            self._docs.popitem(last=False)
        return doc

    def _show_item(self, item: Item, policy: Policy | None, now: datetime, revealed: bool, *, home: bool) -> None:
        doc = self._document(item, policy, now, revealed)
        self._item, self._revealed = item, revealed
        self._install(doc.blocks, home=home, doc=doc)

    @staticmethod
    def _update_live(blocks: list[_Block], now: datetime) -> list[int]:
        """Rebuild the live blocks for `now`; the indexes of those whose text or style changed."""
        changed = []
        for index, block in enumerate(blocks):
            if block.live is None:
                continue
            new = block.live(now)
            if new.plain != block.content.plain or new.spans != block.content.spans:
                block.content = new
                changed.append(index)
        return changed

    def _install(self, blocks: list[_Block], *, home: bool, doc: _Doc | None = None) -> None:
        self._doc = None
        self._blocks = blocks
        fresh = self._layout_document()
        if doc is not None:
            stamp = (self._width, self.visual_style)
            if fresh or doc.stamp != stamp:
                doc.strips, doc.stamp = self._strips, stamp
            else:
                self._strips = doc.strips  # drawn ahead by prepare, or when last shown
            self._doc = doc
        top = 0 if home else min(self.scroll_offset.y, max(0, self._total - self.scrollable_content_region.height))
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, force=True, immediate=True)
            self.refresh()
        else:
            self._repaint_changed()

    def _repaint_changed(self) -> None:
        """Repaint only the lines that differ from those on screen.

        Consecutive items share blank lines, section rules and the blank tail; each line
        not repainted skips Textual's per-line styling and compositing, and its bytes to a
        terminal that may be at the far end of a slow SSH link."""
        height = self.scrollable_content_region.height
        width = self._width
        painted = self._painted
        if not painted or width <= 0:
            self.refresh()
            return
        top = self.scroll_offset.y
        style = self.visual_style
        blank = Strip.blank(width, self.rich_style)
        run = -1  # the first line of a run of changed lines, or -1
        for y in range(height + 1):
            if y < height:
                new = self._strip(top + y, width, style, blank)
                old = painted.get(y)  # (none: never painted, say under another layer)
                if new is not old and new != old:
                    if run < 0:
                        run = y
                    continue
            if run >= 0:
                self.refresh_lines(top + run, y - run)
                run = -1

    def _layout_document(self) -> bool:
        """Wrap what is not wrapped at the current width, index the lines, set the size.
        True when a block was wrapped now (strips drawn before may be stale)."""
        width = self.scrollable_content_region.width if self.is_attached else 0
        self._width = width
        fresh = False
        if width > 0:
            for block in self._blocks:
                if block.width != width:
                    block.wrap(width)
                    fresh = True
        self._reindex()
        return fresh

    def _reindex(self) -> None:
        self._strips = {}
        if self._doc is not None:  # (a tick that rewrapped, a resize): its strips go too
            self._doc.strips, self._doc.stamp = self._strips, (self._width, self.visual_style)
        starts, total = _starts(self._blocks)
        self._starts = starts
        self._total = total
        size = Size(max(self._width, 0), total)
        old = self.virtual_size
        if size != old:
            # No layout pass of the screen: the pane's own size does not change, and
            # with overflow-y: scroll its scrollbar does not come and go either.
            self.set_reactive(DetailPane.virtual_size, size)
            # When neither the old nor the new document scrolls, the scrollbar has no
            # thumb and looks the same: skip repainting it (2-3 ms a cursor move).
            height = self.vertical_scrollbar.window_size
            if size.width != old.width or height <= 0 or total > height or old.height > height:
                self._scroll_update(size)

    def on_resize(self) -> None:
        self._painted.clear()
        if self.scrollable_content_region.width != self._width:
            self._layout_document()
            self.refresh()

    def notify_style_update(self) -> None:
        """Strips carry resolved styles (theme): build them again at the next paint."""
        super().notify_style_update()
        self._strips.clear()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._layout_document()
        self._frame = (self.scroll_offset.y, width, self.visual_style, Strip.blank(width, self.rich_style))
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        frame = self._frame
        if frame is None:  # called directly (tests): the same as within a frame
            width = self.scrollable_content_region.width
            if width != self._width:
                self._layout_document()
            frame = (self.scroll_offset.y, width, self.visual_style, Strip.blank(max(width, 0), self.rich_style))
        top, width, style, blank = frame
        strip = self._painted[y] = self._strip(top + y, width, style, blank)
        return strip

    def _strip(self, index: int, width: int, style: VisualStyle, blank: Strip) -> Strip:
        """Document line `index` as drawn at `width` (drawn now if it was not drawn ahead)."""
        if not 0 <= index < self._total or width <= 0:
            return blank
        strip = self._strips.get(index)
        if strip is None:
            _draw_chunk(self, self._blocks, self._starts, self._total, self._strips, index - index % _CHUNK, width, style)
            strip = self._strips.get(index) or blank
        return strip


def _lines(blocks: list[_Block], starts: list[int], start: int, end: int) -> list[Content]:
    """Document lines `start:end`, with their prefixes."""
    number = bisect.bisect_right(starts, start) - 1
    lines = []
    index = start
    while index < end and number < len(blocks):
        block = blocks[number]
        offset = index - starts[number]
        count = max(1, len(block.lines))
        while offset < count and index < end:
            lines.append(block.line(offset))
            offset += 1
            index += 1
        number += 1
    return lines


def _draw_chunk(pane: DetailPane, blocks: list[_Block], starts: list[int], total: int, strips: dict[int, Strip], start: int, width: int, style: VisualStyle) -> None:
    """Turn a chunk of document lines into `strips` with one `to_strips` call."""
    lines = _lines(blocks, starts, start, min(start + _CHUNK, total))
    drawn = Visual.to_strips(pane, Content("\n").join(lines), width, None, style, pad=True, apply_selection=False)
    if len(drawn) != len(lines):  # a line wrapped again after all: draw them one by one
        drawn = []
        for line in lines:
            one = Visual.to_strips(pane, line, width, 1, style, pad=True, apply_selection=False)
            drawn.append(one[0] if one else Strip.blank(width, pane.rich_style))
    for offset, strip in enumerate(drawn):
        strips[start + offset] = Strip(compact(strip.crop(0, width) if strip.cell_length > width else strip), width)
