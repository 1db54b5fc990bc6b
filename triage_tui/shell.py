"""What the shell commands (`batch`, `apply`, `export`; batch.py, apply.py, export.py)
share: connecting, the durable road a decision takes, and how results are told.

Decisions take the same road as the triage screen's: the policy's rules, then the
durable outbox, then the sender, so a batch interrupted by a dropped session is sent by
the next `triage-tui sync` and never twice. Everything is checked before anything is
decided. Results go to stdout (plain lines, or one JSON object with `--json`),
diagnostics and progress to stderr; NO_COLOR is honoured. Never imports textual.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from triage_tui.backends import Backend
from triage_tui.backends.errors import BackendError, Unauthorized
from triage_tui.exitcodes import Exit
from triage_tui.filters import Filter, FilterError, Sort, parse, parse_sort
from triage_tui.model import Decision, Moderator, Policy, now
from triage_tui.outbox import Outbox, Row, RowState
from triage_tui.sync import Sender, drain
from triage_tui.words import plural

QUIET_BELOW = 50  # no progress display for fewer items than this: it would be noise
# The fields of a decision line `apply` reads, and the columns `export` writes (which `apply` takes too).
FIELDS = ("item_id", "action", "reason", "scope", "escalate_to", "note", "item_version")
EXPORT_FIELDS = ("item_id", "item_version", "kind", "state", "priority", "deadline", "sources", "countries",
                 "reason", "reasons", "report_count", "first_reported_at", "escalated_to", "campaign", "flags", "snippet")


class Stop(Exception):
    """Ends a command early with an exit code and one message for stderr."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class Session:
    backend: Backend
    url: str
    me: Moderator
    policy: Policy
    outbox: Outbox | None
    sync_batch: int
    sync_max_delay: float
    confirm_above: int


# -- output -------------------------------------------------------------------------------


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)  # rich honours NO_COLOR and a non-terminal stderr


class Meter:
    """Progress on stderr: a rich bar on a terminal, a plain line per tenth elsewhere
    (a log file or CI has no use for redrawn bars)."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self._shown = label, total, 0, 0
        self._bar: Any = None
        self._quiet = total < QUIET_BELOW
        if sys.stderr.isatty() and not self._quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=_console(), transient=False)
            self._task = self._bar.add_task(label, total=total)
            self._bar.start()

    def advance(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        elif not self._quiet and (self.done * 10 // self.total > self._shown * 10 // self.total or self.done == self.total) and self.done != self._shown:
            self._shown = self.done
            print(f"triage-tui: {self.label}: {self.done:,}/{self.total:,}", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def note(message: str) -> None:
    print(f"triage-tui: {message}", file=sys.stderr)


# -- connecting ---------------------------------------------------------------------------


async def open_session(backend: Backend, url: str, *, outbox: bool, ui: Any, sync: Any) -> Session:
    try:
        me = await backend.me()
        policy = await backend.policy()
    except Unauthorized as exc:
        raise Stop(Exit.AUTH, f"{url}: the token was rejected ({exc})") from None
    except BackendError as exc:
        raise Stop(Exit.UNREACHABLE, f"{url}: unreachable ({exc})") from None
    return Session(backend, url, me, policy, Outbox() if outbox else None, sync.batch, sync.max_delay, ui.confirm_above)



# -- deciding ----------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    """Per-decision results of one command, by the outbox's final word on each key."""

    applied: list[str] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    invalid: list[dict[str, str]] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)
    problem: str | None = None
    paused: str | None = None


def confirm(count: int, what: str, session: Session, yes: bool) -> None:
    """Above [ui] confirm_above: ask on a terminal; refuse in a script without --yes."""
    if yes or count <= session.confirm_above:
        return
    if not sys.stdin.isatty():
        raise Stop(Exit.USAGE, f"{what}: more items than confirm_above ({session.confirm_above:,}); "
                               "nothing was decided; pass --yes to go ahead without a question")
    print(f"{what}. Go ahead? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise Stop(Exit.USAGE, "not confirmed: nothing was decided")


async def send(session: Session, decisions: Sequence[Decision], *, timeout: float) -> Outcome:
    """Commit the decisions to the outbox (durably, before anything is sent), then send
    until each has an answer, the token is refused, or `timeout` passes."""
    assert session.outbox is not None
    outbox = session.outbox
    outbox.add_many(decisions, backend=session.url, moderator=session.me.id, hold_seconds=0, now=now().timestamp())
    before = outbox.unsent(session.url, session.me.id) - len(decisions)
    if before > 0:
        note(f"{plural(before, 'earlier unsent decision')} go{'es' if before == 1 else ''} first")
    meter = Meter("sending", len(decisions) + max(0, before))
    sender = Sender(outbox, session.backend, backend_name=session.url, moderator=session.me.id,
                    batch=session.sync_batch, max_delay=session.sync_max_delay)
    try:
        done = await drain(sender, wait=True, timeout=timeout,
                           on_report=lambda r: meter.advance(r.sent + len(r.conflicts) + r.attention))
    finally:
        meter.close()
    result = Outcome(problem=done.problem, paused=done.paused)
    for row in outbox.rows_by_key([d.id for d in decisions]):
        file_row(row, result)
    mine = {d.item_id for d in decisions}
    for line in done.parked:  # an earlier decision that could not go: parked, and said so
        if not any(line.startswith(f"{item_id}: ") for item_id in mine):
            note(f"an earlier decision needs attention (`triage-tui sync` or O in the app lists it): {line}")
    return result


def file_row(row: Row, result: Outcome) -> None:
    if row.state is RowState.SENT:
        result.applied.append(row.item_id)
    elif row.state is RowState.CONFLICT:
        result.conflicts.append({"item_id": row.item_id, "detail": row.last_error or "conflict"})
    elif row.state in (RowState.HELD, RowState.PENDING):
        result.unsent.append(row.item_id)
    else:
        result.invalid.append({"item_id": row.item_id, "detail": row.last_error or row.state.value})


def exit_code(result: Outcome, refused: int = 0) -> Exit:
    if result.paused:
        return Exit.AUTH
    if result.conflicts or result.invalid or refused:
        return Exit.PARTIAL
    if result.unsent:
        return Exit.UNREACHABLE
    return Exit.OK


def report_lines(result: Outcome, verb: str, out: TextIO) -> None:
    print(f"{verb} {len(result.applied):,}; conflicts {len(result.conflicts):,}; invalid {len(result.invalid):,}; "
          f"still unsent {len(result.unsent):,}", file=out)
    for c in result.conflicts:
        print(f"conflict\t{c['item_id']}\t{c['detail']}", file=out)
    for i in result.invalid:
        print(f"invalid\t{i['item_id']}\t{i['detail']}", file=out)


def diagnose(result: Outcome) -> None:
    """What is left to do, on stderr whatever the output format."""
    if result.paused:
        note(f"{result.paused}; the decisions are kept in the outbox: `triage-tui sync` sends them")
    elif result.unsent:
        note(f"{plural(len(result.unsent), 'decision')} not sent yet ({result.problem or 'no answer'}); they are kept in the "
              "outbox: `triage-tui sync --wait` sends them")


def result_json(result: Outcome) -> dict[str, Any]:
    return {"applied": len(result.applied), "conflicts": result.conflicts, "invalid": result.invalid,
            "unsent": len(result.unsent), "problem": result.problem}

# -- shared ----------------------------------------------------------------------------------


def emit(args: argparse.Namespace, data: dict[str, Any], human: Any, result: Outcome | None = None) -> None:
    if result is not None:
        diagnose(result)
    if getattr(args, "json", False):
        print(json.dumps(data))
    else:
        human(sys.stdout)


def view_args(args: argparse.Namespace) -> tuple[Filter, Sort]:
    """--filter and --sort, parsed; a bad one is shown with ^^^ under the bad token."""
    parsed: list[Any] = []
    for option, text, parser in (("--filter", args.filter or "", parse), ("--sort", args.sort, parse_sort)):
        try:
            parsed.append(parser(text))
        except FilterError as exc:
            caret = "".join(f"\n  {line}" for line in exc.caret().splitlines()) if exc.text else ""
            raise Stop(Exit.USAGE, f"{option}: {exc}{caret}") from None
    return parsed[0], parsed[1]


def usage(message: str) -> int:
    return fail(Stop(Exit.USAGE, message))


def fail(stop: Stop) -> int:
    note(str(stop))
    return stop.code
