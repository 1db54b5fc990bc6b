"""The stats screen: today's decisions, throughput per hour, and the oldest open item
of each source against its deadline — the numbers of `triage-tui report`, for today,
without leaving the queue.

A worker reads the audit log and the backend's aggregates and posts them as one
message; only its handler touches the widgets. `r` reads them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Sparkline, Static

from triage_tui.bindings import STATS
from triage_tui.backends import Backend
from triage_tui.backends.errors import BackendError
from triage_tui.cells import pad
from triage_tui.words import SOURCE_NAMES, noun
from triage_tui.model import Action, AuditEntry, Stats
from triage_tui.report import audit_entries, build, duration, median, p90, per_hour
from triage_tui.ui.widgets.keybar import KeyBar
from triage_tui.ui.keymap import bindings

@dataclass(frozen=True, slots=True)
class Today:
    start: datetime  # local midnight
    entries: list[AuditEntry]
    stats: Stats
    read_at: datetime


def day_start(now: datetime) -> datetime:
    """Midnight of the moderator's own day (the machine's time zone)."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def summary(today: Today) -> Content:
    """Today's decisions in one block: by action, with time to decision and breaches."""
    report = build(today.entries, since=today.start, until=today.read_at + timedelta(seconds=1), by="reason")
    total = report.overall
    parts: list[Content | tuple[str, str] | str] = [(f"Today since {today.start:%H:%M}", "bold"), "\n"]
    parts += [(f"{total.total:,}", "bold"), f" {noun(total.total, 'decision')} — ",
              ", ".join(f"{total.actions[a.value]:,} {a.value}" for a in Action), "\n"]
    parts += ["time to decision: median ", (duration(median(total.times)), "bold"), " · p90 ", (duration(p90(total.times)), "bold")]
    if total.with_deadline:
        late = total.breached
        parts += [" · ", (f"{late} of {total.with_deadline} after the deadline", "bold $text-error" if late else "")]
    if report.groups and total.total:
        top = ", ".join(f"{g.key} {g.total}" for g in report.groups[:4])
        parts += ["\n", ("by reason: ", "dim"), Content(top)]
    return Content.assemble(*parts)


def oldest(stats: Stats, now: datetime) -> Content:
    """The oldest open item per source, its age and where it stands against its deadline.
    Overdue is marked with `!` as well as colour."""
    parts: list[Content | tuple[str, str] | str] = [("Oldest open item per source", "bold")]
    if not stats.oldest_open_by_source:
        return Content.assemble(*parts, "\nnothing open")
    for source, old in sorted(stats.oldest_open_by_source.items(), key=lambda kv: kv[1].deadline or datetime.max.replace(tzinfo=now.tzinfo)):
        name = SOURCE_NAMES[source].name if source in SOURCE_NAMES else source.value
        age = duration((now - old.first_reported_at).total_seconds())
        count = stats.open_by_source.get(source, 0)
        overdue = stats.overdue_by_source.get(source, 0)
        line: list[Content | tuple[str, str] | str] = ["\n", (pad(name, 16), "bold"), f"{count:>6,} open"]
        line.append((f" ({overdue:,} late)", "$text-error") if overdue else ("", ""))
        line.append(f"  oldest {old.item_id} {age}: ")
        if old.deadline is None:
            line.append(("no deadline", "dim"))
        elif old.deadline <= now:
            line.append((f"! {duration((now - old.deadline).total_seconds())} late", "bold $text-error"))
        else:
            line.append((f"due in {duration((old.deadline - now).total_seconds())}", "$text-warning"))
        parts += line
    return Content.assemble(*parts)


class StatsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    StatsScreen { align: center middle; }
    StatsScreen > Vertical { width: 96; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $surface; padding: 0 1; }
    StatsScreen Sparkline { height: 3; width: 48; }
    StatsScreen .gap { height: 1; }
    StatsScreen #stats-hours-axis { color: $text-muted; }
    """
    BINDINGS = bindings(STATS)

    class Loaded(Message):
        def __init__(self, today: Today | None, problem: str | None) -> None:
            super().__init__()
            self.today = today
            self.problem = problem

    def __init__(self, backend: Backend, clock: Callable[[], datetime], moderator: str) -> None:
        super().__init__()
        self.backend = backend
        self.clock = clock
        self.moderator = moderator  # "today" is the moderator's own work, whoever else the backend shows
        self.today: Today | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Reading today's decisions…"), id="stats-today")
            yield Static(Content(""), classes="gap")
            yield Static(Content.assemble(("Decisions per hour", "bold"), ("  (today, your time zone)", "dim")), id="stats-hours-title")
            yield Sparkline([0] * 24, id="stats-hours")
            yield Static(Content(""), id="stats-hours-axis")
            yield Static(Content(""), classes="gap")
            yield Static(Content(""), id="stats-oldest")
            yield Static(Content(""), id="stats-problem")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="stats")
    async def load(self) -> None:
        now = self.clock()
        start = day_start(now)
        try:
            entries = await audit_entries(self.backend, start, now + timedelta(seconds=1), moderator=self.moderator)
            stats = await self.backend.stats()
        except BackendError as exc:
            self.post_message(self.Loaded(None, f"Could not read the numbers: {exc}"))
            return
        self.post_message(self.Loaded(Today(start, entries, stats, now), None))

    def on_stats_screen_loaded(self, message: Loaded) -> None:
        problem = self.query_one("#stats-problem", Static)
        if message.today is None:
            problem.update(Content(message.problem or "").stylize("$text-error"))
            return
        problem.update(Content(""))
        today = self.today = message.today
        self.query_one("#stats-today", Static).update(summary(today))
        hours = per_hour(today.entries, today.start)
        self.query_one("#stats-hours", Sparkline).data = hours
        peak = max(hours)
        now_hour = (today.read_at - today.start) // timedelta(hours=1)
        axis = f"00h{' ' * 9}06h{' ' * 9}12h{' ' * 9}18h{' ' * 6}24h   peak {peak}/h · this hour {hours[min(now_hour, 23)]}"
        self.query_one("#stats-hours-axis", Static).update(Content(axis))
        self.query_one("#stats-oldest", Static).update(oldest(today.stats, today.read_at))
