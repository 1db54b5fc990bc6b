"""Transparency numbers from the audit log: what was decided, why, on whose report, how
fast, and which deadlines were missed.

The numbers are published, so each one has one definition, here:
- a decision counts on the day (UTC) its backend applied it, under the item's lead
  source and country as they were at that moment (the audit entry's `item`);
- time to decision is `applied_at - first_reported_at`, over every applied decision
  (an escalation is a decision; the final decision on that item counts again);
- the median is the middle value (the mean of the two middle ones for an even count);
  p90 is the nearest-rank 90th percentile: the ceil(0.9·n)-th smallest;
- a deadline is breached when the decision applied after it.
Decisions whose backend kept no item context are counted, under "(unknown)", and left
out of the times; the command says how many.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from triage_tui.model import Action, AuditEntry
from triage_tui.words import moment, plural

DIMENSIONS = ("day", "source", "reason", "country", "moderator")
NONE = "(none)"
UNKNOWN = "(unknown)"


def _key(by: str) -> Callable[[AuditEntry], str]:
    def day(e: AuditEntry) -> str:
        return e.applied_at.date().isoformat()

    def source(e: AuditEntry) -> str:
        return e.item.lead_source.value if e.item else UNKNOWN

    def reason(e: AuditEntry) -> str:
        return e.decision.reason or NONE

    def country(e: AuditEntry) -> str:
        return (e.item.lead_country or NONE) if e.item else UNKNOWN

    def moderator(e: AuditEntry) -> str:
        return e.moderator

    return {"day": day, "source": source, "reason": reason, "country": country, "moderator": moderator}[by]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: the ceil(0.9·n)-th smallest value (always one of the values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]


def time_to_decision(entry: AuditEntry) -> float | None:
    if entry.item is None:
        return None
    return (entry.applied_at - entry.item.first_reported_at).total_seconds()


def breached(entry: AuditEntry) -> bool | None:
    """True or False for an item with a deadline; None without one (or without context)."""
    if entry.item is None or entry.item.deadline is None:
        return None
    return entry.applied_at > entry.item.deadline


@dataclass(slots=True)
class Group:
    """One row of a report: the decisions sharing one value of the dimension."""

    key: str
    actions: Counter[str] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)
    with_deadline: int = 0
    breached: int = 0

    @property
    def total(self) -> int:
        return sum(self.actions.values())

    def add(self, entry: AuditEntry) -> None:
        self.actions[entry.decision.action.value] += 1
        seconds = time_to_decision(entry)
        if seconds is not None:
            self.times.append(seconds)
        late = breached(entry)
        if late is not None:
            self.with_deadline += 1
            self.breached += late

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, **{a.value: self.actions[a.value] for a in Action}, "total": self.total,
                "median_seconds": median(self.times), "p90_seconds": p90(self.times),
                "with_deadline": self.with_deadline, "breached": self.breached}


@dataclass(slots=True)
class Report:
    since: datetime
    until: datetime
    by: str
    groups: list[Group]
    breaches_by_source: list[Group]
    matrix: list[tuple[str, str, str, str, int]]  # action, reason, source, country, count
    overall: Group
    without_context: int

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(), "until": self.until.isoformat(), "by": self.by,
            "total": self.overall.to_json(), "groups": [g.to_json() for g in self.groups],
            "breaches_by_source": [g.to_json() for g in self.breaches_by_source],
            "matrix": [{"action": a, "reason": r, "source": s, "country": c, "count": n} for a, r, s, c, n in self.matrix],
            "without_item_context": self.without_context,
        }


def build(entries: Iterable[AuditEntry], *, since: datetime, until: datetime, by: str) -> Report:
    """The report over the decisions applied in [since, until)."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    key = _key(by)
    groups: dict[str, Group] = {}
    sources: dict[str, Group] = {}
    cells: Counter[tuple[str, str, str, str]] = Counter()
    overall = Group("total")
    without = 0
    for entry in entries:
        if not since <= entry.applied_at < until:
            continue
        overall.add(entry)
        groups.setdefault(key(entry), Group(key(entry))).add(entry)
        source = _key("source")(entry)
        sources.setdefault(source, Group(source)).add(entry)
        cells[(entry.decision.action.value, entry.decision.reason or NONE, source, _key("country")(entry))] += 1
        without += entry.item is None
    ordered = sorted(groups.values(), key=lambda g: g.key) if by == "day" else sorted(groups.values(), key=lambda g: (-g.total, g.key))
    return Report(since, until, by, ordered, sorted(sources.values(), key=lambda g: g.key),
                  sorted(((*k, n) for k, n in cells.items()), key=lambda row: (-row[4], row[:4])), overall, without)


def per_hour(entries: Iterable[AuditEntry], start: datetime, hours: int = 24) -> list[int]:
    """Decisions applied in each hour from `start`: the stats screen's sparkline."""
    counts = [0] * hours
    for entry in entries:
        slot = int((entry.applied_at - start) // timedelta(hours=1))
        if 0 <= slot < hours:
            counts[slot] += 1
    return counts


def duration(seconds: float | None) -> str:
    """`45s`, `12m`, `3h05m`, `2d4h`: short enough for a table column."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600}h"


def bar(value: int, biggest: int, width: int = 20) -> str:
    """A bar of eighth blocks, so small differences still show; empty for zero."""
    if biggest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / biggest * width * 8))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


# -- the command -----------------------------------------------------------------------------


def parse_when(text: str, now: datetime) -> datetime:
    """`2026-11-01`, `2026-11-01T09:30` (UTC unless it names a zone), or a span ago:
    `7d`, `36h`, `90m`."""
    import re
    from datetime import UTC

    span = re.fullmatch(r"(\d{1,5})([dhm])", text.strip())
    if span:
        n, unit = int(span.group(1)), span.group(2)
        return now - timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: n})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date like 2026-11-01, a time like 2026-11-01T09:30, or a span ago like 7d or 36h; got {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def audit_entries(backend: Any, since: datetime, until: datetime, moderator: str | None = None) -> list[AuditEntry]:
    """Every applied decision from `since` until `until` (of `moderator`, or every one the
    backend shows), page by page. Pages run oldest first; an entry past `until` ends the
    walk only when the page is in order, so a backend that pages otherwise is not cut short."""
    entries: list[AuditEntry] = []
    cursor: str | None = None
    while True:
        page = await backend.audit(since=since, cursor=cursor, limit=1000, moderator=moderator)
        entries += [e for e in page.decisions if since <= e.applied_at < until]
        cursor = page.next_cursor
        times = [e.applied_at for e in page.decisions]
        if cursor is None or (times and times == sorted(times) and times[-1] >= until):
            return entries


def render_table(report: Report, console: Any) -> None:
    """Rich tables: the groups with a bar per total, then the deadline breaches by source."""
    from rich import box
    from rich.table import Table
    from rich.text import Text  # keys come from the backend: never markup

    title = f"Decisions by {report.by}, {moment(report.since)} – {moment(report.until)}"
    table = Table(title=title, title_justify="left", show_footer=True, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    biggest = max((g.total for g in report.groups), default=0)
    total = report.overall
    bars = console.width >= 90  # below that the numbers need the room
    table.add_column(report.by, footer="all", max_width=max(10, console.width - (76 if bars else 64)), overflow="ellipsis", no_wrap=True)
    for action, label in ((Action.APPROVE, "approve"), (Action.REMOVE, "remove"), (Action.ESCALATE, "escal.")):
        table.add_column(label, justify="right", footer=f"{total.actions[action.value]:,}", no_wrap=True)
    table.add_column("total", justify="right", footer=f"{total.total:,}", no_wrap=True)
    if bars:
        table.add_column("", no_wrap=True, width=10)
    table.add_column("median", justify="right", footer=duration(median(total.times)), no_wrap=True)
    table.add_column("p90", justify="right", footer=duration(p90(total.times)), no_wrap=True)
    table.add_column("late", justify="right", footer=f"{total.breached}/{total.with_deadline}", no_wrap=True)
    for g in report.groups:
        table.add_row(Text(g.key), *(f"{g.actions[a.value]:,}" for a in (Action.APPROVE, Action.REMOVE, Action.ESCALATE)), f"{g.total:,}",
                      *([bar(g.total, biggest, 10)] if bars else []), duration(median(g.times)), duration(p90(g.times)),
                      f"{g.breached}/{g.with_deadline}" if g.with_deadline else "—")
    console.print(table)
    late = Table(title="Deadline breaches by source", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for name, justify in (("source", "left"), ("with deadline", "right"), ("breached", "right"), ("share", "right"), ("", "left")):
        late.add_column(name, justify=justify)  # type: ignore[arg-type]
    for g in report.breaches_by_source:
        share = g.breached / g.with_deadline if g.with_deadline else None
        late.add_row(Text(g.key), f"{g.with_deadline:,}", f"{g.breached:,}", "—" if share is None else f"{share:.1%}",
                     bar(g.breached, max(1, g.with_deadline), 12))
    console.print(late)


def write_csv(report: Report, out: Any) -> None:
    from triage_tui.csvsafe import Writer

    writer = Writer(out)  # a group key (a moderator's id, a reason code) may start with - or @
    writer.writerow([report.by, *(a.value for a in Action), "total", "median_seconds", "p90_seconds", "with_deadline", "breached"])
    for g in [*report.groups, report.overall]:
        row = g.to_json()
        writer.writerow([g.key if g is not report.overall else "all", *(row[a.value] for a in Action), row["total"],
                         "" if row["median_seconds"] is None else f"{row['median_seconds']:g}",
                         "" if row["p90_seconds"] is None else f"{row['p90_seconds']:g}", row["with_deadline"], row["breached"]])


async def run(args: Any, backend: Any, url: str) -> int:
    """`triage-tui report`: tables on stdout (csv/json for scripts), notes on stderr."""
    import json
    import sys
    from datetime import UTC

    from triage_tui.backends.errors import BackendError, Unauthorized
    from triage_tui.exitcodes import Exit

    def fail(code: int, message: str) -> int:
        print(f"triage-tui: {message}", file=sys.stderr)
        return code

    now = datetime.now(UTC)
    try:
        since = parse_when(args.since, now)
        until = parse_when(args.until, now) if args.until else now
    except ValueError as exc:
        return fail(Exit.USAGE, f"--since/--until: {exc}")
    if since >= until:
        return fail(Exit.USAGE, f"--since ({moment(since)}) must be before --until ({moment(until)})")
    fmt = args.format or ("jsonl" if args.statements else "table")
    if args.statements != (fmt == "jsonl"):
        return fail(Exit.USAGE, "--format jsonl goes with --statements, and --statements only writes jsonl")
    try:
        async with backend:
            me = await backend.me()
            everyone = bool({"senior", "admin"} & {str(r) for r in me.roles})
            entries = await audit_entries(backend, since, until, moderator=None if everyone else me.id)
            if args.statements:
                from triage_tui.statements import run_statements

                return await run_statements(backend, entries, sys.stdout)
    except Unauthorized as exc:
        return fail(Exit.AUTH, f"{url}: the token was rejected ({exc})")
    except BackendError as exc:
        return fail(Exit.UNREACHABLE, f"{url}: unreachable ({exc})")
    if not everyone:
        print(f"triage-tui: these are {me.id}'s own decisions; the backend shows everyone's to senior moderators and admins",
              file=sys.stderr)
    report = build(entries, since=since, until=until, by=args.by)
    if report.without_context:
        print(f"triage-tui: {plural(report.without_context, 'decision')} came without the item's context: counted, "
              "but not in the times or deadlines", file=sys.stderr)
    if fmt == "json":
        print(json.dumps(report.to_json()))
    elif fmt == "csv":
        write_csv(report, sys.stdout)
    else:
        from rich.console import Console

        render_table(report, Console(highlight=False))
    return Exit.OK
