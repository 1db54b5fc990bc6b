"""`triage-tui apply FILE`: the decisions of a JSONL or CSV file (an edited `export`,
say), every line checked against the policy and the item as it is now before any is
sent, then the same road as `batch` (`shell`).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage_tui import csvsafe
from triage_tui.backends import Backend
from triage_tui.backends.errors import BackendError, Forbidden, NotFound
from triage_tui.exitcodes import Exit
from triage_tui.expected import expected
from triage_tui.model import ID_RE, Action, Decision, Item, PayloadError, Scope, State, check_text
from triage_tui.shell import EXPORT_FIELDS, FIELDS, Meter, Outcome, Session, Stop, confirm, emit, exit_code, fail, note, open_session, report_lines, result_json, send, usage
from triage_tui.workflow import ScopeError, parse_scope, refusal
from triage_tui.words import plural

_SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable bytes (surrogateescape) or JSON's lone \udcff escapes
LOOKUPS = 8  # items fetched at once while `apply` checks its lines


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
        return usage(f"{path}: cannot read: {exc.strerror or exc}")
    raw = data.decode("utf-8", errors="surrogateescape")  # a bad byte is that line's problem (read_lines)
    lines, bad = read_lines(path, raw)
    if not lines and not bad:
        return usage(f"{path}: no decisions in the file")
    try:
        async with backend:
            session = await open_session(backend, url, outbox=not args.dry_run, ui=ui, sync=sync)
            decisions, refused, stale = await _check(session, lines, path)
            bad += refused
            bad.sort(key=_line_number)
            for message in bad:
                note(message)
            if bad and not args.skip_invalid:
                emit(args, {"command": "apply", "file": str(path), "lines": len(lines) + len(bad), "invalid_lines": bad,
                             "applied": 0, "dry_run": bool(args.dry_run)},
                      lambda out: print(f"{plural(len(bad), 'bad line')}: nothing was applied (fix {'it' if len(bad) == 1 else 'them'}, or pass --skip-invalid)", file=out))
                return Exit.PARTIAL
            if args.dry_run:
                emit(args, {"command": "apply", "file": str(path), "dry_run": True, "would_apply": len(decisions) - len(stale),
                             "invalid_lines": bad, "already_decided": stale},
                      lambda out: print(f"would apply {len(decisions) - len(stale):,}; bad lines {len(bad):,}; already decided "
                                        f"{len(stale):,}; nothing was applied (dry run)", file=out))
                return Exit.PARTIAL if bad or stale else Exit.OK
            result = Outcome()
            if decisions:
                confirm(len(decisions), f"apply {plural(len(decisions), 'decision')} from {path}", session, args.yes)
                result = await send(session, decisions, timeout=args.timeout)
    except Stop as stop:
        return fail(stop)
    except BackendError as exc:
        return fail(Stop(Exit.UNREACHABLE, f"{url}: {exc}"))
    emit(args, {"command": "apply", "file": str(path), "invalid_lines": bad, **result_json(result)},
          lambda out: report_lines(result, "applied", out), result)
    return exit_code(result, refused=len(bad))


def _line_number(message: str) -> int:
    head = message.split(": ", 1)[0]
    number = head.rpartition(":")[2]
    return int(number) if number.isdigit() else 0

