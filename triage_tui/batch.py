"""Batch mode: `batch`, `apply` and `export` — the shell's way to triage.

Decisions take the same road as the triage screen's: the policy's rules, then the
durable outbox, then the sender, so a batch interrupted by a dropped session is sent by
the next `triage-tui sync` and never twice. Everything is checked before anything is
decided. Results go to stdout (plain lines, or one JSON object with `--json`),
diagnostics and progress to stderr; NO_COLOR is honoured. Never imports textual.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import re
import io
import json
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from triage_tui import csvsafe
from triage_tui.backends import Backend, QueueQuery
from triage_tui.backends.errors import BackendError, Forbidden, NotFound, Unauthorized
from triage_tui.cells import clip
from triage_tui.exitcodes import Exit
from triage_tui.expected import expected
from triage_tui.filters import Filter, FilterError, Sort, parse, parse_sort
from triage_tui.model import ID_RE, Action, Decision, Item, ItemSummary, Moderator, PayloadError, Policy, Scope, State, check_text, iso, now
from triage_tui.outbox import Outbox, Row, RowState
from triage_tui.sync import Sender, drain
from triage_tui.workflow import ScopeError, decisions_for, guard, parse_scope, refusal
from triage_tui.words import plural

PAGE = 500
_SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable bytes (surrogateescape) or JSON's lone \udcff escapes
QUIET_BELOW = 50  # no progress display for fewer items than this: it would be noise
LOOKUPS = 8  # items fetched at once while `apply` checks its lines
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


def _note(message: str) -> None:
    print(f"triage-tui: {message}", file=sys.stderr)


# -- connecting ---------------------------------------------------------------------------


async def _session(backend: Backend, url: str, *, outbox: bool, ui: Any, sync: Any) -> Session:
    try:
        me = await backend.me()
        policy = await backend.policy()
    except Unauthorized as exc:
        raise Stop(Exit.AUTH, f"{url}: the token was rejected ({exc})") from None
    except BackendError as exc:
        raise Stop(Exit.UNREACHABLE, f"{url}: unreachable ({exc})") from None
    return Session(backend, url, me, policy, Outbox() if outbox else None, sync.batch, sync.max_delay, ui.confirm_above)


def _query(queue: str, flt: Filter, sort: Sort) -> QueueQuery:
    """The narrowest page request the filter implies; the filter itself stays the truth."""
    params: dict[str, Any] = dict(flt.server_params())
    if "min_reports" in params:
        params["min_reports"] = int(params["min_reports"])
    return QueueQuery(queue=queue, sort=sort.protocol_name or "deadline", **params)  # type: ignore[arg-type]


async def matching(backend: Backend, queue: str, flt: Filter, sort: Sort, limit: int | None) -> AsyncIterator[ItemSummary]:
    """The queue's items that match, in `sort` order: the order the app shows for the same
    query. Page by page as they come when the backend's pages are in that order; else
    (a reversed sort, which no server has, or a backend that sorts by its own fields,
    `capabilities.sorted_pages`) gathered and sorted here, as the app sorts its queue."""
    when = now()
    cursor: str | None = None
    found = 0
    gathered: list[ItemSummary] = []
    streaming = sort.protocol_name is not None and backend.capabilities.sorted_pages
    while True:
        page = await backend.queue(_query(queue, flt, sort), cursor=cursor, limit=PAGE)
        for item in flt.select(page.items, when):
            if not streaming:
                gathered.append(item)
                continue
            yield item
            found += 1
            if limit is not None and found >= limit:
                return
        cursor = page.next_cursor
        if cursor is None:
            break
    for item in sort.sort(gathered)[:limit]:
        yield item


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


def _confirm(count: int, what: str, session: Session, yes: bool) -> None:
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
        _note(f"{plural(before, 'earlier unsent decision')} go{'es' if before == 1 else ''} first")
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
        _file(row, result)
    mine = {d.item_id for d in decisions}
    for line in done.parked:  # an earlier decision that could not go: parked, and said so
        if not any(line.startswith(f"{item_id}: ") for item_id in mine):
            _note(f"an earlier decision needs attention (`triage-tui sync` or O in the app lists it): {line}")
    return result


def _file(row: Row, result: Outcome) -> None:
    if row.state is RowState.SENT:
        result.applied.append(row.item_id)
    elif row.state is RowState.CONFLICT:
        result.conflicts.append({"item_id": row.item_id, "detail": row.last_error or "conflict"})
    elif row.state in (RowState.HELD, RowState.PENDING):
        result.unsent.append(row.item_id)
    else:
        result.invalid.append({"item_id": row.item_id, "detail": row.last_error or row.state.value})


def _exit(result: Outcome, refused: int = 0) -> Exit:
    if result.paused:
        return Exit.AUTH
    if result.conflicts or result.invalid or refused:
        return Exit.PARTIAL
    if result.unsent:
        return Exit.UNREACHABLE
    return Exit.OK


def _report(result: Outcome, verb: str, out: TextIO) -> None:
    print(f"{verb} {len(result.applied):,}; conflicts {len(result.conflicts):,}; invalid {len(result.invalid):,}; "
          f"still unsent {len(result.unsent):,}", file=out)
    for c in result.conflicts:
        print(f"conflict\t{c['item_id']}\t{c['detail']}", file=out)
    for i in result.invalid:
        print(f"invalid\t{i['item_id']}\t{i['detail']}", file=out)


def _diagnose(result: Outcome) -> None:
    """What is left to do, on stderr whatever the output format."""
    if result.paused:
        _note(f"{result.paused}; the decisions are kept in the outbox: `triage-tui sync` sends them")
    elif result.unsent:
        _note(f"{plural(len(result.unsent), 'decision')} not sent yet ({result.problem or 'no answer'}); they are kept in the "
              "outbox: `triage-tui sync --wait` sends them")


def _result_json(result: Outcome) -> dict[str, Any]:
    return {"applied": len(result.applied), "conflicts": result.conflicts, "invalid": result.invalid,
            "unsent": len(result.unsent), "problem": result.problem}


# -- batch ---------------------------------------------------------------------------------


PAST = {Action.APPROVE: "approved", Action.REMOVE: "removed", Action.ESCALATE: "escalated"}


def _scope(args: argparse.Namespace) -> Scope:
    """`--scope`, checked before anything is fetched: a code that is no country is a usage error."""
    if not args.scope:
        return "global"
    if args.action != Action.REMOVE:
        raise Stop(Exit.USAGE, "--scope goes with batch remove")
    try:
        return parse_scope(args.scope)
    except ScopeError as exc:
        raise Stop(Exit.USAGE, f"--scope: {exc}") from None


def _fields(args: argparse.Namespace, policy: Policy, scoped_ok: bool, scope: Scope) -> dict[str, Any]:
    """The decision's fields from the command line, checked against the policy."""
    action = Action(args.action)
    if action is Action.REMOVE:
        if not args.reason:
            raise Stop(Exit.USAGE, "batch remove needs --reason; reasons: " + ", ".join(r.code for r in policy.reasons))
        if policy.reason(args.reason) is None:
            raise Stop(Exit.USAGE, f"--reason: no reason {args.reason!r} in the policy; reasons: " + ", ".join(r.code for r in policy.reasons))
    elif args.reason:
        raise Stop(Exit.USAGE, "--reason goes with batch remove")
    if scope != "global" and not scoped_ok:
        raise Stop(Exit.USAGE, "--scope: this backend cannot withhold content in some countries only")
    if action is Action.ESCALATE:
        if not args.to:
            raise Stop(Exit.USAGE, "batch escalate needs --to; targets: " + ", ".join(t.code for t in policy.escalation_targets))
        if policy.target(args.to) is None:
            raise Stop(Exit.USAGE, f"--to: no escalation target {args.to!r}; targets: " + ", ".join(t.code for t in policy.escalation_targets))
    elif args.to:
        raise Stop(Exit.USAGE, "--to goes with batch escalate")
    if args.note:
        try:
            check_text(args.note, "--note")  # the model's gate, before any item is fetched
        except PayloadError as exc:
            raise Stop(Exit.USAGE, f"{exc}; nothing was decided") from None
    return {"reason": args.reason, "scope": scope, "escalate_to": args.to, "note": args.note}


def _blocked(policy: Policy, action: Action, reason: str | None, items: Sequence[ItemSummary]) -> list[str]:
    """Why some of the items may not take this decision: the same rules as the screen."""
    problems = []
    if action is Action.REMOVE:
        held = [i for i in items if guard(policy, i) is not None]
        if held:
            rule = guard(policy, held[0])
            assert rule is not None
            ids = ", ".join(i.id for i in held[:5]) + (" …" if len(held) > 5 else "")
            problems.append(f"{len(held):,} of {plural(len(items), 'item')} ({ids}): {refusal(policy, rule, held)}"
                            f" — e.g. triage-tui batch escalate --to {rule.target} --filter …")
        wanted = policy.reason(reason or "")
        if wanted is not None:
            wrong = [i for i in items if i.kind not in wanted.applies_to]
            if wrong:
                kinds = sorted({i.kind.value for i in wrong})
                problems.append(f"{plural(len(wrong), 'item')} {'is a' if len(wrong) == 1 else 'are'} {', '.join(kinds)}{'' if len(wrong) == 1 else 's'}, and reason {wanted.code!r} applies to "
                                f"{', '.join(sorted(k.value for k in wanted.applies_to))} only; narrow the filter with kind:")
    return problems


async def run_batch(args: argparse.Namespace, backend: Backend, url: str, ui: Any, sync: Any, queue: str) -> int:
    try:
        flt, sort = _view(args)
        scope = _scope(args)
    except Stop as stop:
        return _fail(stop)
    try:
        async with backend:
            session = await _session(backend, url, outbox=not args.dry_run, ui=ui, sync=sync)
            action = Action(args.action)
            fields = _fields(args, session.policy, backend.capabilities.scoped_removal, scope)
            items = [i async for i in matching(backend, queue, flt, sort, args.limit)]
            problems = _blocked(session.policy, action, fields["reason"], items)
            what = f"{args.action} {plural(len(items), 'item')} of the {queue} queue" + (f" matching {str(flt)!r}" if flt else "")
            if args.dry_run or problems:
                return _dry(args, items, problems, what)
            if not items:
                _emit(args, {"command": "batch", "action": args.action, "filter": str(flt), "matched": 0, **_result_json(Outcome())},
                      lambda out: print(f"{PAST[action]} 0: nothing in the {queue} queue matches {str(flt)!r}", file=out))
                return Exit.OK
            _confirm(len(items), what, session, args.yes)
            result = await send(session, decisions_for(items, action, **fields), timeout=args.timeout)
    except Stop as stop:
        return _fail(stop)
    except BackendError as exc:
        return _fail(Stop(Exit.UNREACHABLE, f"{url}: {exc}"))
    _emit(args, {"command": "batch", "action": args.action, "filter": str(flt), "matched": len(items), **_result_json(result)},
          lambda out: _report(result, PAST[action], out), result)
    return _exit(result)


def _dry(args: argparse.Namespace, items: Sequence[ItemSummary], problems: list[str], what: str) -> int:
    """A dry run lists what would be decided; a refused batch says why, and decides nothing."""
    data = {"command": "batch", "action": args.action, "filter": args.filter, "dry_run": bool(args.dry_run),
            "matched": len(items), "items": [i.id for i in items], "refused": problems}

    def lines(out: TextIO) -> None:
        for problem in problems:
            print(f"refused\t{problem}", file=out)
        if args.dry_run:
            for i in items:
                print(f"{i.id}\t{i.kind.value}\t{i.reason or '-'}\t{i.report_count}\t{clip(i.snippet, 60)}", file=out)
            print(f"would {what}; nothing was decided (dry run)", file=sys.stderr)

    _emit(args, data, lines)
    if problems:
        _note("nothing was decided: " + ("the policy refuses part of the batch" if args.dry_run is False else "dry run"))
        return Exit.PARTIAL
    return Exit.OK


# -- apply -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    item_id: str
    action: Action
    reason: str | None
    scope: Scope
    escalate_to: str | None
    note: str | None
    item_version: int | None


def read_lines(path: Path, text: str) -> tuple[list[Line], list[str]]:
    """Every decision line of a JSONL or CSV file, and one message per bad line (by its
    line number in the file). CSV needs a header row naming its columns.

    Nothing in a line stops the others from being read: `text` was decoded with
    surrogateescape, so bytes that are not UTF-8 are found on their own line."""
    is_csv = path.suffix.lower() == ".csv" or (not text.lstrip().startswith("{") and "," in text.partition("\n")[0])
    good: list[Line] = []
    bad: list[str] = []
    seen: dict[str, int] = {}
    for number, record, error in (_csv_records(text) if is_csv else _jsonl_records(text)):
        try:
            if error:
                raise ValueError(error)
            line = _line(number, record)
            if line.item_id in seen:
                raise ValueError(f"item {line.item_id} is already decided on line {seen[line.item_id]}")
            seen[line.item_id] = number
            good.append(line)
        except (ValueError, PayloadError, ScopeError) as exc:
            bad.append(f"{path}:{number}: {str(exc).removeprefix('decision.')}")
    return good, bad


def _not_utf8(raw: str) -> str | None:
    """Why a line read with surrogateescape is not UTF-8 text, or None."""
    bad = _SURROGATE.search(raw)
    if bad is None:
        return None
    return f"not UTF-8 text: byte 0x{ord(bad.group()) & 0xFF:02x} at column {bad.start() + 1}"


def _jsonl_records(text: str) -> Iterable[tuple[int, dict[str, Any], str | None]]:
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        if problem := _not_utf8(raw):
            yield number, {}, problem
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, {}, f"not JSON: {exc.msg} at column {exc.colno}"
            continue
        except RecursionError:
            yield number, {}, "not JSON this command reads: nested too deeply"
            continue
        if not isinstance(value, dict):
            yield number, {}, "expected a JSON object per line"
            continue
        unknown = sorted(set(value) - set(FIELDS) - set(EXPORT_FIELDS))
        yield number, value, f"unknown field {unknown[0]!r}; fields: {', '.join(FIELDS)}" if unknown else None


def _csv_records(text: str) -> Iterable[tuple[int, dict[str, Any], str | None]]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell past the field size limit: that line only
            yield reader.line_num, {}, f"not CSV: {exc}"
            continue
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if problem := _not_utf8(",".join(row)):
            yield number, {}, problem.partition(" at column")[0]  # columns of a CSV row are not its text's
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            unknown = [c for c in header if c not in FIELDS and c not in EXPORT_FIELDS]
            missing = [c for c in ("item_id", "action") if c not in header]
            if unknown or missing:
                problem = f"unknown column {unknown[0]!r}" if unknown else f"no {missing[0]} column"
                yield number, {}, f"{problem} in the header; columns: {', '.join(FIELDS)}"
                return
            continue
        if len(row) != len(header):
            yield number, {}, f"{plural(len(row), 'cell')}, the header has {len(header)}"
            continue
        yield number, {k: (csvsafe.uncell(v) if v != "" else None) for k, v in zip(header, row, strict=True)}, None


def _line(number: int, record: dict[str, Any]) -> Line:
    def text(key: str, *, limit: int = 200) -> str | None:
        value = record.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(f"{key}: expected text, got {type(value).__name__}")
        check_text(value, key)
        if len(value) > limit:
            raise ValueError(f"{key}: longer than {plural(limit, 'character')}")
        return value.strip() or None

    item_id = text("item_id")
    if not item_id:
        raise ValueError("item_id: missing")
    if not ID_RE.fullmatch(item_id):
        raise ValueError(f"item_id: {item_id[:60]!r} is not an item id (printable ASCII without spaces)")
    action_text = text("action")
    try:
        action = Action(action_text)
    except ValueError:
        raise ValueError(f"action: {expected('approve, remove or escalate', action_text)}") from None
    scope_value = record.get("scope")
    if isinstance(scope_value, list):
        scope_value = ",".join(str(c) for c in scope_value)
    if isinstance(scope_value, str):
        check_text(scope_value, "scope")
    scope = parse_scope(scope_value) if isinstance(scope_value, str) else "global"
    if scope_value is not None and not isinstance(scope_value, str):
        raise ValueError('scope: expected "global", "DE,AT" or a list of country codes')
    version = record.get("item_version")
    if isinstance(version, str):
        if not version.strip().isdigit():
            raise ValueError(f"item_version: expected a whole number, got {version!r}")
        version = int(version)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 0):
        raise ValueError(f"item_version: expected a whole number, got {version!r}")
    line = Line(number, item_id, action, text("reason"), scope, text("escalate_to"), text("note", limit=2000), version)
    Decision.new(line.item_id, line.item_version or 0, line.action, reason=line.reason, scope=line.scope,
                 escalate_to=line.escalate_to, note=line.note)  # the model's own rules: reason, target, scope
    return line


async def _check(session: Session, lines: Sequence[Line], path: Path) -> tuple[list[Decision], list[str], list[dict[str, str]]]:
    """Each line against the policy and the item as it is now. Items already decided are
    not bad lines: they will come back as conflicts (someone got there first)."""
    policy = session.policy
    bad: list[str] = []
    stale: list[dict[str, str]] = []
    decisions: list[Decision] = []
    meter = Meter("checking", len(lines))
    gate = asyncio.Semaphore(LOOKUPS)

    async def fetch(line: Line) -> Item | None:
        async with gate:
            try:
                return await session.backend.item(line.item_id)
            except (NotFound, Forbidden, ValueError):  # ValueError: not an id this backend has (e.g. not an at:// URI on Ozone)
                return None  # Forbidden: escalated beyond the caller's roles, to them as good as absent
            finally:
                meter.advance(1)

    try:
        items = await asyncio.gather(*(fetch(line) for line in lines))
    finally:
        meter.close()
    for line, item in zip(lines, items, strict=True):
        where = f"{path}:{line.number}: {line.item_id}"
        if item is None:
            bad.append(f"{where}: no such item")
            continue
        if line.action is Action.REMOVE:
            reason = policy.reason(line.reason or "")
            if reason is None:
                bad.append(f"{where}: reason: no reason {line.reason!r} in the policy")
                continue
            if item.kind not in reason.applies_to:
                bad.append(f"{where}: reason {reason.code!r} does not apply to a {item.kind.value}")
                continue
            rule = policy.escalation_needed(item)
            if rule is not None:
                bad.append(f"{where}: {refusal(policy, rule, [item])}")  # type: ignore[list-item]
                continue
            if line.scope != "global" and not session.backend.capabilities.scoped_removal:
                bad.append(f"{where}: scope: this backend cannot withhold content in some countries only")
                continue
        if line.action is Action.ESCALATE and policy.target(line.escalate_to or "") is None:
            bad.append(f"{where}: escalate_to: no escalation target {line.escalate_to!r}")
            continue
        if item.state not in (State.OPEN, State.ESCALATED):
            # Decided since the file was written: sent all the same, the backend's conflict
            # answer says who decided and what (the same words as everywhere else).
            stale.append({"item_id": item.id, "detail": f"line {line.number}: already {item.state.value}"})
        version = line.item_version if line.item_version is not None else item.version
        decisions.append(Decision.new(item.id, version, line.action, reason=line.reason, scope=line.scope,
                                      escalate_to=line.escalate_to, note=line.note))
    return decisions, bad, stale


async def run_apply(args: argparse.Namespace, backend: Backend, url: str, ui: Any, sync: Any) -> int:
    path: Path = args.file
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        return _usage(f"{path}: cannot read: {exc.strerror or exc}")
    raw = data.decode("utf-8", errors="surrogateescape")  # a bad byte is that line's problem (read_lines)
    lines, bad = read_lines(path, raw)
    if not lines and not bad:
        return _usage(f"{path}: no decisions in the file")
    try:
        async with backend:
            session = await _session(backend, url, outbox=not args.dry_run, ui=ui, sync=sync)
            decisions, refused, stale = await _check(session, lines, path)
            bad += refused
            bad.sort(key=_line_number)
            for message in bad:
                _note(message)
            if bad and not args.skip_invalid:
                _emit(args, {"command": "apply", "file": str(path), "lines": len(lines) + len(bad), "invalid_lines": bad,
                             "applied": 0, "dry_run": bool(args.dry_run)},
                      lambda out: print(f"{plural(len(bad), 'bad line')}: nothing was applied (fix {'it' if len(bad) == 1 else 'them'}, or pass --skip-invalid)", file=out))
                return Exit.PARTIAL
            if args.dry_run:
                _emit(args, {"command": "apply", "file": str(path), "dry_run": True, "would_apply": len(decisions) - len(stale),
                             "invalid_lines": bad, "already_decided": stale},
                      lambda out: print(f"would apply {len(decisions) - len(stale):,}; bad lines {len(bad):,}; already decided "
                                        f"{len(stale):,}; nothing was applied (dry run)", file=out))
                return Exit.PARTIAL if bad or stale else Exit.OK
            result = Outcome()
            if decisions:
                _confirm(len(decisions), f"apply {plural(len(decisions), 'decision')} from {path}", session, args.yes)
                result = await send(session, decisions, timeout=args.timeout)
    except Stop as stop:
        return _fail(stop)
    except BackendError as exc:
        return _fail(Stop(Exit.UNREACHABLE, f"{url}: {exc}"))
    _emit(args, {"command": "apply", "file": str(path), "invalid_lines": bad, **_result_json(result)},
          lambda out: _report(result, "applied", out), result)
    return _exit(result, refused=len(bad))


def _line_number(message: str) -> int:
    head = message.split(": ", 1)[0]
    number = head.rpartition(":")[2]
    return int(number) if number.isdigit() else 0


# -- export ----------------------------------------------------------------------------------


def summary_json(item: ItemSummary) -> dict[str, Any]:
    """A queue line as a flat record whose item_id and item_version `apply` reads back."""
    return {
        "item_id": item.id, "item_version": item.version, "kind": item.kind.value, "state": item.state.value,
        "priority": item.priority, "deadline": iso(item.deadline) if item.deadline else None,
        "sources": [s.value for s in item.sources], "countries": list(item.countries), "reason": item.reason,
        "reasons": list(item.reasons), "report_count": item.report_count, "first_reported_at": iso(item.first_reported_at),
        "escalated_to": item.escalated_to, "campaign": item.campaign, "flags": sorted(f.value for f in item.flags),
        "snippet": str(item.snippet),
    }


async def run_export(args: argparse.Namespace, backend: Backend, url: str, queue: str) -> int:
    try:
        flt, sort = _view(args)
    except Stop as stop:
        return _fail(stop)
    out = sys.stdout
    writer = csvsafe.Writer(out) if args.format == "csv" else None
    count = 0
    try:
        async with backend:
            try:
                await backend.me()
            except Unauthorized as exc:
                raise Stop(Exit.AUTH, f"{url}: the token was rejected ({exc})") from None
            if writer is not None:
                writer.writerow(EXPORT_FIELDS)
            async for item in matching(backend, queue, flt, sort, args.limit):
                record = summary_json(item)
                if writer is not None:
                    writer.writerow(record[k] for k in EXPORT_FIELDS)
                else:
                    out.write(json.dumps(record) + "\n")
                count += 1
    except Stop as stop:
        return _fail(stop)
    except BackendError as exc:
        return _fail(Stop(Exit.UNREACHABLE, f"{url}: unreachable ({exc})"))
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()
        return Exit.OK
    out.flush()
    _note(f"exported {plural(count, 'item')} from the {queue} queue")
    return Exit.OK


# -- shared ----------------------------------------------------------------------------------


def _emit(args: argparse.Namespace, data: dict[str, Any], human: Any, result: Outcome | None = None) -> None:
    if result is not None:
        _diagnose(result)
    if getattr(args, "json", False):
        print(json.dumps(data))
    else:
        human(sys.stdout)


def _view(args: argparse.Namespace) -> tuple[Filter, Sort]:
    """--filter and --sort, parsed; a bad one is shown with ^^^ under the bad token."""
    parsed: list[Any] = []
    for option, text, parser in (("--filter", args.filter or "", parse), ("--sort", args.sort, parse_sort)):
        try:
            parsed.append(parser(text))
        except FilterError as exc:
            caret = "".join(f"\n  {line}" for line in exc.caret().splitlines()) if exc.text else ""
            raise Stop(Exit.USAGE, f"{option}: {exc}{caret}") from None
    return parsed[0], parsed[1]


def _usage(message: str) -> int:
    return _fail(Stop(Exit.USAGE, message))


def usage_problem(args: argparse.Namespace) -> int | None:
    """The arguments' own mistakes (a bad --filter, --sort or --scope), told before a token
    is read or a backend is asked: a typo is a usage error whatever the credentials."""
    try:
        if args.command in ("batch", "export"):
            _view(args)
        if args.command == "batch":
            _scope(args)
    except Stop as stop:
        return _fail(stop)
    return None


def _fail(stop: Stop) -> int:
    _note(str(stop))
    return stop.code
