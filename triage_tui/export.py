"""`triage-tui export`: a view of the queue (`views`), one item per line, as JSONL or CSV
whose item_id and item_version columns `apply` reads back.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from triage_tui import csvsafe, views
from triage_tui.backends import Backend
from triage_tui.backends.errors import BackendError, Unauthorized
from triage_tui.exitcodes import Exit
from triage_tui.model import ItemSummary, iso
from triage_tui.shell import EXPORT_FIELDS, Stop, fail, note, view_args
from triage_tui.words import plural



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
        flt, sort = view_args(args)
    except Stop as stop:
        return fail(stop)
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
            async for item in views.matching(backend, views.plan(backend.capabilities, queue, flt, sort), args.limit):
                record = summary_json(item)
                if writer is not None:
                    writer.writerow(record[k] for k in EXPORT_FIELDS)
                else:
                    out.write(json.dumps(record) + "\n")
                count += 1
    except Stop as stop:
        return fail(stop)
    except BackendError as exc:
        return fail(Stop(Exit.UNREACHABLE, f"{url}: unreachable ({exc})"))
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()
        return Exit.OK
    out.flush()
    note(f"exported {plural(count, 'item')} from the {queue} queue")
    return Exit.OK

