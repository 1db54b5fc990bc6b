"""What the detail pane says about an item: its sections as blocks (`detail_blocks`).

Untrusted text. Every untrusted string in an `Item` was sanitized by the model
(`sanitize.py`); here it only ever becomes plain text of a `Content` (`plain`,
`plain_line`, or a `str` part of `Content.assemble`), never a markup string, so
`[@click=app.quit]`, `[link=…]` or a lone `[/` show literally and create no action, link
or crash. Styles are attached only to labels written here, as `(text, style)` pairs.

Spoofing. Everything an attacker wrote is drawn indented — the text and comments
behind a `│` gutter on every wrapped line — so nothing they write can pass for one of
the pane's own headings (`── Reports`), which always start in the first column.

Moderator wellbeing. When the item's main reason (the most common report reason) or
any report reason is `sensitive` in the policy and the item is not revealed, the text,
the channel title, report comments and media lines are masked; metadata stays
visible. Media is never fetched: the pane shows type, size and hash, and says so.

Colour is never the only signal: deadlines say `due in` or `!! OVERDUE`, warnings start
with `⚠`, masked parts with `▒`, actions with `✓ ✗ ⇪`.

Pure: no widget here, so tests can look at exactly what the pane would show
(`render_item`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from textual.content import Content

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
from triage_tui.ui.widgets.detail_blocks import Block, Part, first_column, join, plain, plain_line
from triage_tui.ui.widgets.queue_list import due_label
from triage_tui.words import SOURCE_NAMES, day, moment, plural

__all__ = [
    "build_blocks",
    "countdown",
    "error_blocks",
    "loading_blocks",
    "main_reason",
    "masked_by",
    "nothing_blocks",
    "render_item",
    "size_text",
    "waiting_blocks",
]

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
    return plain_line(reason.label) if reason is not None else Content(code)



# ---------------------------------------------------------------------------
# The sections of an item's document.


def _heading(title: str, *extra: Part) -> Block:
    return Block(Content.assemble("\n", (f"── {title}", HEAD), *extra))


def _masked_line(label: str, what: str, reveal_key: str) -> Content:
    return Content.assemble((f"{MASKED} masked: ", MASK), plain_line(label), (f" — press {reveal_key} to reveal{what}", MASK))


def _header(item: Item, policy: Policy | None, now: datetime) -> Content:
    parts: list[Part] = [(item.id, STRONG), f" · {item.kind.value} · {item.state.value} · v{item.version} · P{item.priority} · "]
    if item.deadline is not None:
        parts += countdown(item.deadline, now, at=False)
    else:
        parts.append(("no deadline", DIM))
    if item.escalated_to:
        target = policy.target(item.escalated_to) if policy is not None else None
        parts += ["\n", ("⇪ escalated to ", STRONG), plain_line(target.label) if target else Content(item.escalated_to)]
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


def _warnings(item: Item, policy: Policy | None) -> list[Block]:
    blocks: list[Block] = []
    hidden = [word for flag, word in HIDDEN_WORDS.items() if flag in item.flags]
    if hidden:
        blocks.append(first_column(Content.assemble((WARNING + f" hidden characters: {', '.join(hidden)}", WARN), (" — shown as visible markers (⟨…⟩, ␛)", DIM))))
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
        blocks.append(first_column(Content.assemble(*parts)))
    if Flag.TRUNCATED in item.flags:
        blocks.append(first_column(Content.assemble(("✂ cut for display", WARN), (" — the marker ⟨… more characters⟩ says how much", DIM))))
    if policy is not None:
        rule = policy.escalation_needed(item)
        if rule is not None:
            target = policy.target(rule.target)
            blocks.append(first_column(Content.assemble(
                ("⇪ policy: escalate to ", WARN), plain_line(target.label) if target else Content(rule.target),
                (" before removal", WARN), (f" ({SOURCE_NAMES[rule.source].name}"
                 + (f" from {', '.join(sorted(rule.countries))})" if rule.countries else ")"), DIM),
            )))
    return blocks


def _media_blocks(media: Sequence[Media], masked: str | None, reveal_key: str) -> list[Block]:
    if not media:
        return []
    blocks = [_heading(f"Media ({len(media)})", (" · never fetched", DIM))]
    if masked is not None:
        return [*blocks, Block(_masked_line(masked, "", reveal_key), Content("  "))]
    for m in media:
        blocks.append(Block(Content.assemble(
            "▣ ", (m.type, STRONG), f" · {size_text(m.size)} · sha256 {m.sha256[:12]}…", (" · not fetched", DIM)
        ), Content("  ")))
    return blocks


def _order_report(report: Report) -> tuple[int, float]:
    deadline = report.deadline
    return SOURCE_ORDER[report.source], deadline.timestamp() if deadline else report.created_at.timestamp()


def _authority_details(origin: AuthorityOrder) -> Callable[[datetime], Content]:
    def build(now: datetime) -> Content:
        return Content.assemble(
            (origin.country, STRONG), " · ", plain_line(origin.authority), "\n",
            ("legal basis ", DIM), plain_line(origin.legal_basis), "\n",
            ("ref ", DIM), plain_line(origin.reference), " · ", *countdown(origin.deadline, now),
        )

    return build


def _report_blocks(item: Item, policy: Policy | None, now: datetime, masked: str | None, reveal_key: str) -> list[Block]:
    reports = sorted(item.reports, key=_order_report)
    blocks = [_heading(f"Reports ({len(reports):,})")]
    if not reports:
        return [*blocks, Block(Content("no reports"), Content("  "))]
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
        blocks.append(Block(Content.assemble(*first), indent, first=Content(f"{n:>3}. ")))
        if isinstance(origin, AuthorityOrder):
            build = _authority_details(origin)
            blocks.append(Block(build(now), indent, live=build))
        elif isinstance(origin, TrustedFlag):
            blocks.append(Block(Content.assemble(("by ", DIM), plain_line(origin.organisation)), indent))
        elif isinstance(origin, AutomatedFlag):
            blocks.append(Block(Content.assemble(("model ", DIM), plain_line(origin.model), (" · score ", DIM), (f"{origin.score:.1%}", STRONG)), indent))
        if report.comment:
            if masked is not None:
                blocks.append(Block(_masked_line(masked, " the comment", reveal_key), indent))
            else:
                blocks.append(Block(plain(report.comment), Content.assemble("     ", (GUTTER, DIM))))
    if rest:
        reasons = Counter(r.reason for r in rest)
        comments = sum(1 for r in rest if r.comment)
        parts: list[Part] = [(plural(len(rest), "more user report"), STRONG), ": "]
        for i, (code, count) in enumerate(reasons.most_common()):
            parts += [", " if i else "", _reason_label(code, policy), f" ×{count}"]
        if comments:
            parts.append(f" · {plural(comments, 'comment')} not shown")
        blocks.append(Block(Content.assemble(*parts), indent, first=Content("  … ")))
    return blocks


def _profile_blocks(item: Item, now: datetime) -> list[Block]:
    author: Profile | None = item.author
    blocks = [_heading({Kind.CHANNEL: "Channel owner", Kind.ACCOUNT: "Account"}.get(item.kind, "Author"))]
    indent = Content("  ")
    if author is None:
        return [*blocks, Block(Content.styled("no profile sent by the backend", DIM), indent)]
    parts: list[Part] = ["@", plain_line(author.handle)]
    if author.display_name:
        parts += [" · ", plain_line(author.display_name)]
    if Flag.MIXED_SCRIPT in author.flags:
        parts.append((f" {WARNING} mixed scripts", WARN))
    if author.flags - {Flag.MIXED_SCRIPT}:
        parts.append((" " + WARNING + " hidden characters", WARN))
    blocks.append(Block(Content.assemble(*parts), indent))
    line: list[Part] = []
    if author.created_at is not None:
        days = max(0, (now - author.created_at).days)
        line.append(f"account {plural(days, 'day')} old (since {day(author.created_at)}) · ")
    else:
        line.append(("account age unknown · ", DIM))
    line.append((f"⚑ {plural(author.strikes, 'strike')}", WARN) if author.strikes else "no strikes")
    line += [(" · id ", DIM), author.id]
    blocks.append(Block(Content.assemble(*line), indent))
    prior = author.prior_decisions
    if not prior:
        blocks.append(Block(Content.styled("no prior decisions", DIM), indent))
        return blocks
    blocks.append(Block(Content(f"prior decisions ({len(prior):,}):"), indent))
    shown = sorted(prior, key=lambda p: p.decided_at, reverse=True)[:MAX_PRIOR]
    for p in shown:
        blocks.append(Block(Content.assemble(
            (ACTION_WORDS[p.action], STRONG), " · ", p.reason or "no reason", (" · ", DIM), p.item_id, (f" · {moment(p.decided_at)}", DIM)
        ), Content("    ")))
    if len(prior) > len(shown):
        blocks.append(Block(Content.styled(f"… {len(prior) - len(shown):,} older", DIM), Content("    ")))
    return blocks


def _history_blocks(item: Item, now: datetime) -> list[Block]:
    if not item.history:
        return []
    blocks = [_heading(f"History ({len(item.history):,})")]
    for h in item.history[-MAX_HISTORY:]:
        parts: list[Part] = [f"{moment(h.decided_at)} · ", (h.moderator, STRONG), " · ", (ACTION_WORDS[h.action], STRONG)]
        if h.escalate_to:
            parts.append(f" → {h.escalate_to}")
        if h.reason:
            parts += [(" · reason ", DIM), h.reason]
        blocks.append(Block(Content.assemble(*parts), Content("  ")))
        if h.note:
            blocks.append(Block(plain(h.note), Content.assemble("    ", (GUTTER, DIM))))
    if len(item.history) > MAX_HISTORY:
        blocks.insert(1, Block(Content.styled(f"… {plural(len(item.history) - MAX_HISTORY, 'earlier entry')}", DIM), Content("  ")))
    return blocks


def build_blocks(item: Item, policy: Policy | None, now: datetime, *, masked: str | None, reveal_key: str = "v") -> list[Block]:
    """The whole pane for `item`; `masked` is the label of the sensitive reason, or None."""
    blocks = [
        first_column(_header(item, policy, now), live=lambda at: _header(item, policy, at)),
        first_column(_summary(item, policy)),
        *_warnings(item, policy),
    ]
    gutter = Content.styled(GUTTER, DIM)
    if item.kind is Kind.CHANNEL:
        members = f" · {plural(item.member_count, 'member')}" if item.member_count is not None else ""
        blocks.append(_heading("Channel", (members, STRONG)))
        if masked is not None:
            blocks.append(Block(_masked_line(masked, " the title", reveal_key), Content("  ")))
        elif item.title:
            blocks.append(Block(Content.assemble(("title ", DIM), plain_line(item.title)), Content("  ")))
        else:
            blocks.append(Block(Content.styled("no title", DIM), Content("  ")))
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
        blocks.append(Block(_masked_line(masked, "", reveal_key), Content("  ")))
    elif item.text:
        blocks.append(Block(plain(item.text), gutter))
    else:
        blocks.append(Block(Content.styled("(no text)", DIM), Content("  ")))
    blocks += _media_blocks(item.media, masked, reveal_key)
    blocks += _report_blocks(item, policy, now, masked, reveal_key)
    blocks += _profile_blocks(item, now)
    if item.campaign is not None:
        blocks.append(_heading("Campaign"))
        blocks.append(Block(Content.assemble(
            "⧉ part of campaign ", (item.campaign.id, STRONG), f" with {plural(item.campaign.size, 'item')}", (" (same normalised text)", DIM)
        ), Content("  ")))
    blocks += _history_blocks(item, now)
    return blocks


def render_item(item: Item, policy: Policy | None, now: datetime, *, revealed: bool, reveal_key: str = "v") -> Content:
    """The whole pane as one (unwrapped) Content; pure, so tests can look at exactly this."""
    masked = None if revealed else masked_by(item, policy)
    return join(build_blocks(item, policy, now, masked=masked, reveal_key=reveal_key))


# ---------------------------------------------------------------------------
# What the pane says when it has no item to show.


def waiting_blocks() -> list[Block]:
    """Before the first item: the queue is still coming."""
    return [Block(Content.styled("Loading the queue…", DIM))]


def nothing_blocks() -> list[Block]:
    """No item under the cursor."""
    return [first_column(Content.assemble(("Nothing here.", STRONG), (" The queue is empty, or nothing matches the filter.", DIM)))]


def loading_blocks(item_id: str) -> list[Block]:
    """The item is being fetched."""
    return [first_column(Content.assemble(("Loading ", DIM), plain_line(item_id), ("…", DIM)))]


def error_blocks(item_id: str, message: str) -> list[Block]:
    """The item could not be fetched; `message` may hold untrusted text (a server's)."""
    return [first_column(Content.assemble((f"{WARNING} could not load ", ERROR), plain_line(item_id), ": ", plain_line(message)))]
