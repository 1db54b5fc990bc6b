"""Transparency numbers on a known dataset, to the exact value: they are published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triage_tui.model import Action, AuditEntry, DecidedItem, Decision, Kind, Source
from triage_tui.report import bar, build, duration, median, p90, parse_when, per_hour

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def entry(n: int, action: Action, *, reason: str | None, source: Source | None, country: str | None = None,
          reported: timedelta = H, applied: datetime = T0, deadline: timedelta | None = None, by: str = "mod-ana") -> AuditEntry:
    """A decision applied at `applied` on an item first reported `reported` earlier, with a
    deadline `deadline` after the first report."""
    first = applied - reported
    item = None if source is None else DecidedItem(
        kind=Kind.POST, sources=(source,), countries=(country,) if country else (), lead_source=source, lead_country=country,
        first_reported_at=first, deadline=first + deadline if deadline is not None else None)
    decision = Decision(id=f"k-{n}", item_id=f"it-{n}", item_version=1, action=action, decided_at=applied,
                        reason=reason, escalate_to="legal" if action is Action.ESCALATE else None)
    return AuditEntry(decision, by, applied, item)


DATA = [
    # An EU terrorist-content order from DE: one hour allowed, removed in 40 minutes.
    entry(1, Action.REMOVE, reason="violent_extremism", source=Source.AUTHORITY_ORDER, country="DE", reported=timedelta(minutes=40), deadline=H),
    # An order from FR removed after 2 hours: breached.
    entry(2, Action.REMOVE, reason="violent_extremism", source=Source.AUTHORITY_ORDER, country="FR", reported=2 * H, deadline=H),
    # Trusted flaggers: 24 h deadline; one in 3 h, one escalated after 30 h (breached).
    entry(3, Action.REMOVE, reason="hate_speech", source=Source.TRUSTED_FLAGGER, reported=3 * H, deadline=24 * H, by="mod-ben"),
    entry(4, Action.ESCALATE, reason=None, source=Source.TRUSTED_FLAGGER, reported=30 * H, deadline=24 * H, by="mod-ben"),
    # User reports: 72 h deadline; approvals at 5 h and 10 h, a removal at 80 h (breached), next day.
    entry(5, Action.APPROVE, reason=None, source=Source.USER_REPORT, reported=5 * H, deadline=72 * H),
    entry(6, Action.APPROVE, reason=None, source=Source.USER_REPORT, reported=10 * H, deadline=72 * H, applied=T0 + 24 * H),
    entry(7, Action.REMOVE, reason="spam", source=Source.USER_REPORT, reported=80 * H, deadline=72 * H, applied=T0 + 24 * H),
    # Automated flags have no deadline.
    entry(8, Action.REMOVE, reason="spam", source=Source.AUTOMATED, reported=timedelta(minutes=6), applied=T0 + 25 * H),
    # A backend that kept no item context: counted, without times.
    entry(9, Action.APPROVE, reason=None, source=None, applied=T0 + 25 * H),
    # Outside the window: not counted.
    entry(10, Action.REMOVE, reason="spam", source=Source.USER_REPORT, applied=T0 - 48 * H),
]
SINCE, UNTIL = T0 - 2 * H, T0 + 2 * 24 * H


def test_totals_times_and_breaches() -> None:
    report = build(DATA, since=SINCE, until=UNTIL, by="source")
    total = report.overall
    assert dict(total.actions) == {"remove": 5, "escalate": 1, "approve": 3}
    assert total.total == 9
    # Times in hours: 2/3, 2, 3, 30, 5, 10, 80, 0.1 -> sorted 0.1, 0.667, 2, 3, 5, 10, 30, 80
    assert median(total.times) == pytest.approx((3 + 5) / 2 * 3600)
    assert p90(total.times) == 80 * 3600  # ceil(0.9 * 8) = 8th smallest
    assert (total.with_deadline, total.breached) == (7, 3)  # items 2, 4 and 7
    assert report.without_context == 1
    rows = {g.key: (g.total, g.with_deadline, g.breached) for g in report.breaches_by_source}
    assert rows == {"authority_order": (2, 2, 1), "trusted_flagger": (2, 2, 1), "user_report": (3, 3, 1),
                    "automated": (1, 0, 0), "(unknown)": (1, 0, 0)}


def test_grouping_by_each_dimension() -> None:
    by_day = build(DATA, since=SINCE, until=UNTIL, by="day")
    assert [(g.key, g.total) for g in by_day.groups] == [("2026-11-02", 5), ("2026-11-03", 4)]
    by_reason = build(DATA, since=SINCE, until=UNTIL, by="reason")
    assert [(g.key, g.total) for g in by_reason.groups] == [("(none)", 4), ("spam", 2), ("violent_extremism", 2), ("hate_speech", 1)]
    by_country = build(DATA, since=SINCE, until=UNTIL, by="country")
    assert [(g.key, g.total) for g in by_country.groups] == [("(none)", 6), ("(unknown)", 1), ("DE", 1), ("FR", 1)]
    by_moderator = build(DATA, since=SINCE, until=UNTIL, by="moderator")
    assert [(g.key, dict(g.actions)) for g in by_moderator.groups] == [
        ("mod-ana", {"remove": 4, "approve": 3}), ("mod-ben", {"remove": 1, "escalate": 1})]
    assert by_moderator.groups[1].times == [3 * 3600, 30 * 3600]
    assert by_moderator.matrix[0] == ("approve", "(none)", "user_report", "(none)", 2)  # the biggest cell first
    assert sorted(by_moderator.matrix)[:2] == [("approve", "(none)", "(unknown)", "(unknown)", 1), ("approve", "(none)", "user_report", "(none)", 2)]
    assert sum(row[4] for row in by_moderator.matrix) == 9


def test_the_definitions() -> None:
    assert median([]) is None and p90([]) is None
    assert median([1.0, 2.0, 3.0, 4.0]) == 2.5
    assert p90([float(n) for n in range(1, 11)]) == 9.0  # ceil(9.0) = 9th
    assert p90([float(n) for n in range(1, 12)]) == 10.0  # ceil(9.9) = 10th
    assert p90([7.0]) == 7.0
    assert [duration(s) for s in (None, 45, 720, 3600 + 300, 2 * 86400 + 4 * 3600)] == ["—", "45s", "12m", "1h05m", "2d4h"]
    assert bar(0, 10) == "" and bar(10, 10) == "█" * 20 and bar(1, 160) == "▏"
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert parse_when("7d", now) == now - timedelta(days=7)
    assert parse_when("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_when("2026-11-01T09:30+01:00", now) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="a span ago like 7d"):
        parse_when("last week", now)


def test_throughput_per_hour() -> None:
    assert per_hour(DATA, T0 - 2 * H, hours=4) == [0, 0, 5, 0]


def test_the_report_command_on_known_decisions(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through the real stack: decisions applied at known (fake) times on showcase items
    whose reports are at known times, then `triage-tui report --format json` as a senior."""
    import json
    import os
    import subprocess
    import sys

    from test_statements import decide

    server.clock.advance(3600)  # the showcase's times are relative to the start; decide an hour later
    decide(server, "ana", "it-0000001", "remove", reason="violent_extremism")  # first report 4 h ago; order due 25 min ago
    decide(server, "ana", "it-0000005", "remove", reason="hate_speech")  # trusted flagger 31 h ago: 24 h deadline passed
    decide(server, "ben", "it-0000007", "approve")  # classifier 10 h ago, no deadline
    decide(server, "ben", "it-0000011", "escalate", escalate_to="legal")  # user report 7 h ago, 72 h deadline
    env = {**os.environ, "TRIAGE_TUI_TOKEN": server.tokens["sam"], "TRIAGE_TUI_STATE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "triage_tui", "report", "--by", "source", "--format", "json",
                           "--until", "2100-01-01", "--url", server.url], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    total = report["total"]
    assert (total["approve"], total["remove"], total["escalate"], total["total"]) == (1, 2, 1, 4)
    assert total["median_seconds"] == (7 + 10) / 2 * 3600  # times: 4 h, 7 h, 10 h, 31 h
    assert total["p90_seconds"] == 31 * 3600
    assert (total["with_deadline"], total["breached"]) == (3, 2)
    rows = {g["key"]: (g["total"], g["with_deadline"], g["breached"]) for g in report["breaches_by_source"]}
    assert rows == {"authority_order": (1, 1, 1), "trusted_flagger": (1, 1, 1), "automated": (1, 0, 0), "user_report": (1, 1, 0)}
    assert report["without_item_context"] == 0
    matrix = {(m["action"], m["reason"], m["source"], m["country"]): m["count"] for m in report["matrix"]}
    assert matrix == {("remove", "violent_extremism", "authority_order", "DE"): 1, ("remove", "hate_speech", "trusted_flagger", "(none)"): 1,
                      ("approve", "(none)", "automated", "(none)"): 1, ("escalate", "(none)", "user_report", "(none)"): 1}
    table = subprocess.run([sys.executable, "-m", "triage_tui", "report", "--by", "moderator", "--until", "2100-01-01",
                            "--url", server.url], env={**env, "COLUMNS": "100"}, capture_output=True, text=True, timeout=60)
    assert table.returncode == 0, table.stderr
    assert "Decisions by moderator" in table.stdout and "Deadline breaches by source" in table.stdout
    row = next(line for line in table.stdout.splitlines() if "mod-ana" in line)
    assert row.split()[1:5] == ["0", "2", "0", "2"] and "█" in row


def test_group_keys_from_the_backend_are_never_markup() -> None:
    import io

    from rich.console import Console

    from triage_tui.report import render_table

    hostile = [entry(1, Action.APPROVE, reason=None, source=Source.USER_REPORT, by="x[/]"),
               entry(2, Action.APPROVE, reason=None, source=Source.USER_REPORT, by="[link=https://evil.example]y[/link]")]
    out = io.StringIO()
    render_table(build(hostile, since=SINCE, until=UNTIL, by="moderator"), Console(file=out, width=120, force_terminal=True))
    text = out.getvalue()
    assert "x[/]" in text and "[link=https://evil.example]y[/link]" in text and "\x1b]8;" not in text
