"""`DetailPane`: one item in full, as evidence — text, reports, profile, campaign, history.

Every untrusted string in an `Item` was sanitized by the model; here it is only ever
placed in `Content` as plain text (a `str` part of `Content.assemble`, or `Content(s)`),
never parsed as markup, so `[@click=app.quit]` or `[/` shows literally. Labels we write
ourselves carry styles as (text, style) pairs. Colour is never the only signal: overdue
deadlines say OVERDUE with a `!`, warnings start with `⚠`, masked text says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from triage_tui.model import (
    AuthorityOrder,
    AutomatedFlag,
    Item,
    Kind,
    Policy,
    Report,
    TrustedFlag,
    UserReport,
)
from triage_tui.sanitize import Flag

Part = Content | tuple[str, str] | str

SOURCE_NAMES = {
    "user_report": "UR user report",
    "trusted_flagger": "TF trusted flagger",
    "authority_order": "AO authority order",
    "automated": "AU automated",
}
FLAG_WORDS = {
    Flag.CONTROL: "control characters (terminal escapes)",
    Flag.BIDI: "bidi direction overrides",
    Flag.INVISIBLE: "zero-width / invisible characters",
    Flag.COMBINING: "stacked combining marks",
    Flag.TRUNCATED: "truncated for display",
}


def span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"
    return f"{int(seconds // 86400)}d{int(seconds % 86400 // 3600):02d}h"


def countdown(deadline: datetime | None, now: datetime) -> Part:
    if deadline is None:
        return ("no deadline", "dim")
    left = (deadline - now).total_seconds()
    if left <= 0:
        return (f"! OVERDUE by {span(left)}", "bold $text-error")
    return (f"⏱ due in {span(left)}", "bold $text-warning" if left < 3600 else "")


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def heading(title: str) -> Part:
    return (f"\n── {title} ", "bold $accent")


def sensitive_reason(item: Item, policy: Policy | None) -> str | None:
    """The label of a sensitive reason any report gives, or None."""
    if policy is None:
        return None
    for report in item.reports:
        reason = policy.reason(report.reason)
        if reason is not None and reason.sensitive:
            return str(reason.label)
    return None


def render_item(item: Item, policy: Policy | None, now: datetime, *, revealed: bool) -> Content:
    """The whole pane as one Content; pure, so tests and snapshots see exactly this."""
    masked_as = None if revealed else sensitive_reason(item, policy)
    parts: list[Part] = []
    add = parts.extend
    add([(item.id, "bold"), f" · {item.kind.value} · {item.state.value} · v{item.version} · priority {item.priority}\n"])
    add([countdown(item.deadline, now)])
    if item.escalated_to:
        add([("  ⇪ escalated to ", "bold"), item.escalated_to])
    if item.claim is not None:
        add([("  ⚑ claimed by ", "bold"), item.claim.holder, f" until {item.claim.expires_at.strftime('%H:%M:%S')}"])
    add(["\n"])
    warnings = [FLAG_WORDS[f] for f in sorted(item.flags) if f in FLAG_WORDS]
    if warnings:
        add([("⚠ hidden characters shown as markers: ", "bold $text-warning"), ", ".join(warnings), "\n"])
    if Flag.MIXED_SCRIPT in item.flags:
        add([("⚠ mixed scripts in a name: possible impersonation (homoglyphs)", "bold $text-warning"), "\n"])

    if item.kind is Kind.CHANNEL:
        members = f" · {item.member_count:,} members" if item.member_count is not None else ""
        add([heading("Channel"), "\n", ("title: ", "bold"), item.title or "", members, "\n"])
    add([heading(f"Text{f' ({item.language})' if item.language else ''}"), "\n"])
    if masked_as:
        add([(f"▒▒▒ masked: {masked_as} — press v to reveal ▒▒▒", "reverse"), "\n"])
    else:
        add([item.text, "\n"])

    if item.media:
        add([heading(f"Media ({len(item.media)}) — never fetched"), "\n"])
        for m in item.media:
            add([f"  {m.type}  {size_text(m.size)}  sha256 {m.sha256[:16]}…\n"])

    add([heading(f"Reports ({len(item.reports)})"), "\n"])
    for n, report in enumerate(item.reports, 1):
        add(_report(n, report, now, policy, masked=masked_as is not None))

    author = item.author
    if author is not None:
        add([heading("Owner" if item.kind is Kind.CHANNEL else "Author"), "\n", "  @", author.handle])
        if author.display_name:
            add(["  “", author.display_name, "”"])
        age = f" · account {(now - author.created_at).days} days old" if author.created_at else ""
        add([age, " · ", (f"strikes {author.strikes}", "bold" if author.strikes else ""), "\n"])
        for prior in author.prior_decisions[:5]:
            add([f"  prior: {prior.action.value} {prior.reason or ''} {prior.item_id} · {when(prior.decided_at)}\n"])
        if len(author.prior_decisions) > 5:
            add([(f"  … {len(author.prior_decisions) - 5} more prior decisions\n", "dim")])
    if item.campaign is not None:
        add([heading("Campaign"), "\n", f"  part of {item.campaign.id}: {item.campaign.size} items share this text (near-duplicates)\n"])
    if item.history:
        add([heading("History"), "\n"])
        for h in item.history:
            target = f" → {h.escalate_to}" if h.escalate_to else ""
            add([f"  {when(h.decided_at)} · {h.moderator} · {h.action.value}{target} {h.reason or ''}"])
            if h.note:
                add(["  “", h.note, "”"])
            add(["\n"])
    return Content.assemble(*parts)


def _report(n: int, report: Report, now: datetime, policy: Policy | None, *, masked: bool) -> Iterable[Part]:
    reason = policy.reason(report.reason) if policy else None
    label = str(reason.label) if reason else report.reason
    yield (f"  {n}. {SOURCE_NAMES[report.source.value]}", "bold")
    yield f" · {label} · {when(report.created_at)}\n"
    origin = report.origin
    if isinstance(origin, AuthorityOrder):
        yield "     "
        yield (origin.country, "bold")
        yield " · "
        yield origin.authority
        yield " · "
        yield origin.legal_basis
        yield " · ref "
        yield origin.reference
        yield " · "
        yield countdown(origin.deadline, now)
        yield "\n"
    elif isinstance(origin, TrustedFlag):
        yield "     by "
        yield origin.organisation
        yield "\n"
    elif isinstance(origin, AutomatedFlag):
        yield "     model "
        yield origin.model
        yield f" · score {origin.score:.1%}\n"
    elif isinstance(origin, UserReport) and origin.reporter:
        yield f"     by {origin.reporter}\n"
    if report.comment:
        if masked:
            yield ("     ▒ comment masked\n", "dim")
        else:
            yield "     “"
            yield report.comment
            yield "”\n"


class DetailPane(ScrollView, can_focus=False):
    """The right-hand pane; `show` is called on every cursor move, `tick` once a second.

    A Line-API view (as Toolong draws logs): the item is rendered to strips once per
    show, and a cursor move repaints only this pane — no layout pass of the screen,
    which is what keeps a key press cheap with a large item on screen.
    """

    DEFAULT_CSS = """
    DetailPane { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._item: Item | None = None
        self._policy: Policy | None = None
        self._revealed = False
        self._content = Content("Loading the queue…")
        self._strips: list[Strip] = []
        self.built_width = 0  # the width the strips were wrapped for

    @property
    def item(self) -> Item | None:
        return self._item

    @property
    def content(self) -> Content:
        """What the pane shows now (for tests and for copying as evidence)."""
        return self._content

    def show(self, item: Item | None, *, policy: Policy | None, now: datetime, revealed: bool) -> None:
        if item is None:
            self._item = None
            self._set(Content.assemble(("Nothing here.", "bold"), " The queue is empty, or nothing matches the filter."), home=True)
            return
        home = self._item is None or item.id != self._item.id
        self._item, self._policy, self._revealed = item, policy, revealed
        self._set(render_item(item, policy, now, revealed=revealed), home=home)

    def show_loading(self, item_id: str) -> None:
        self._item = None
        self._set(Content.assemble(("Loading ", "dim"), item_id, ("…", "dim")), home=True)

    def show_error(self, item_id: str, message: str) -> None:
        self._item = None
        self._set(Content.assemble(("Could not load ", "bold $text-error"), item_id, ": ", Content(message)), home=True)

    def tick(self, now: datetime) -> None:
        """Redraw the countdowns."""
        if self._item is not None and (self._item.deadline is not None or any(r.deadline for r in self._item.reports)):
            self._set(render_item(self._item, self._policy, now, revealed=self._revealed), home=False)

    def _set(self, content: Content, *, home: bool) -> None:
        self._content = content
        self._build()
        if home and self.scroll_offset.y:
            self.scroll_to(0, 0, animate=False, immediate=True)

    def _build(self) -> None:
        width = self.scrollable_content_region.width
        self._strips = Visual.to_strips(self, self._content, width, None, self.visual_style, pad=True) if width > 0 else []
        self.built_width = width
        self.virtual_size = Size(max(width, 1), len(self._strips))
        self.refresh()

    def on_resize(self) -> None:
        self._build()

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        if 0 <= index < len(self._strips):
            return self._strips[index]
        return Strip.blank(self.scrollable_content_region.width, self.rich_style)
