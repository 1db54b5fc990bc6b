"""`triage-tui batch`: one decision for every item of a view (a filter and a sort).

The view is asked of the backend as its capabilities allow (`views`): on the triage
protocol v1.1 the filter goes to the server as one expression and its pages hold exactly
the items to decide; on Ozone the pages are filtered and sorted here. Then the policy's
rules, the outbox and the sender (`shell`), as `apply` and the app decide.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from triage_tui import views
from triage_tui.backends import Backend
from triage_tui.backends.errors import BackendError
from triage_tui.cells import clip
from triage_tui.exitcodes import Exit
from triage_tui.model import Action, ItemSummary, PayloadError, Policy, Scope, check_text
from triage_tui.shell import Outcome, Session, Stop, confirm, emit, exit_code, fail, note, open_session, report_lines, result_json, send, view_args
from triage_tui.workflow import ScopeError, decisions_for, guard, parse_scope, refusal
from triage_tui.words import plural

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
        flt, sort = view_args(args)
        scope = _scope(args)
    except Stop as stop:
        return fail(stop)
    try:
        async with backend:
            session = await open_session(backend, url, outbox=not args.dry_run, ui=ui, sync=sync)
            action = Action(args.action)
            fields = _fields(args, session.policy, backend.capabilities.scoped_removal, scope)
            view = views.plan(backend.capabilities, queue, flt, sort)
            of = f" of the {queue} queue" + (f" matching {str(flt)!r}" if flt else "")
            if not args.dry_run and not args.yes and not sys.stdin.isatty():
                await _refuse_early(session, view, args.action, args.limit, of)
            if args.dry_run and args.json and action is not Action.REMOVE:
                # Only ids are shown and no rule reads the rows: one id stream, where the backend streams the view.
                ids = await views.ids(backend, view, args.limit)
                if ids is not None:
                    return _dry(args, ids, (), [], f"{args.action} {plural(len(ids), 'item')}{of}")
            # A decision needs what is on the item's row and only there: its item_version (the
            # server answers `conflict` to any other) and, for a removal, the sources, countries,
            # escalation and kind the policy's rules read (`_blocked`). So the least to fetch
            # is the rows of exactly the items to decide: with the filter sent as one
            # expression every row of every page is one of them (pages of views.PAGE, the
            # last no larger than --limit still needs). An id stream first would be one
            # request more, not fewer; it serves the dry run above, which needs only ids.
            items = [i async for i in views.matching(backend, view, args.limit)]
            problems = _blocked(session.policy, action, fields["reason"], items)
            what = f"{args.action} {plural(len(items), 'item')}{of}"
            if args.dry_run or problems:
                return _dry(args, [i.id for i in items], items, problems, what)
            if not items:
                emit(args, {"command": "batch", "action": args.action, "filter": str(flt), "matched": 0, **result_json(Outcome())},
                     lambda out: print(f"{PAST[action]} 0: nothing in the {queue} queue matches {str(flt)!r}", file=out))
                return Exit.OK
            confirm(len(items), what, session, args.yes)
            result = await send(session, decisions_for(items, action, **fields), timeout=args.timeout)
    except Stop as stop:
        return fail(stop)
    except BackendError as exc:
        return fail(Stop(Exit.UNREACHABLE, f"{url}: {exc}"))
    emit(args, {"command": "batch", "action": args.action, "filter": str(flt), "matched": len(items), **result_json(result)},
         lambda out: report_lines(result, PAST[action], out), result)
    return exit_code(result)


async def _refuse_early(session: Session, view: views.View, action: str, limit: int | None, of: str) -> None:
    """A script without --yes may not decide more than confirm_above: where the backend
    counts, that is told after one count() request, before a row of the view is read."""
    total = await views.count(session.backend, view)
    if total is not None:
        n = total if limit is None else min(total, limit)
        confirm(n, f"{action} {plural(n, 'item')}{of}", session, yes=False)


def _dry(args: argparse.Namespace, ids: Sequence[str], items: Sequence[ItemSummary], problems: list[str], what: str) -> int:
    """A dry run lists what would be decided (a line per row, or with --json the ids);
    a refused batch says why, and decides nothing."""
    data = {"command": "batch", "action": args.action, "filter": args.filter, "dry_run": bool(args.dry_run),
            "matched": len(ids), "items": list(ids), "refused": problems}

    def lines(out: TextIO) -> None:
        for problem in problems:
            print(f"refused\t{problem}", file=out)
        if args.dry_run:
            for i in items:
                print(f"{i.id}\t{i.kind.value}\t{i.reason or '-'}\t{i.report_count}\t{clip(i.snippet, 60)}", file=out)
            print(f"would {what}; nothing was decided (dry run)", file=sys.stderr)

    emit(args, data, lines)
    if problems:
        note("nothing was decided: " + ("the policy refuses part of the batch" if args.dry_run is False else "dry run"))
        return Exit.PARTIAL
    return Exit.OK


def usage_problem(args: argparse.Namespace) -> int | None:
    """The arguments' own mistakes (a bad --filter, --sort or --scope), told before a token
    is read or a backend is asked: a typo is a usage error whatever the credentials."""
    try:
        if args.command in ("batch", "export"):
            view_args(args)
        if args.command == "batch":
            _scope(args)
    except Stop as stop:
        return fail(stop)
    return None

