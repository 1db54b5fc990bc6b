"""Opening a real backend from the command line: `triage-tui --url URL` and `triage-tui sync`.

The token comes from the environment (`TRIAGE_TUI_TOKEN`), never from an argument, so
it stays out of shell history and `ps`. Both paths share the outbox in the state
directory: what the screen committed and a dropped session left behind, `sync` sends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from triage_tui.exitcodes import Exit

TOKEN_ENV = "TRIAGE_TUI_TOKEN"


def _fail(message: str, code: int = Exit.USAGE) -> int:
    print(f"triage-tui: {message}", file=sys.stderr)
    return code


def _backend(url: str) -> Any:
    """The client for `url`, or an exit code when the URL or the token is unusable."""
    from triage_tui.backends.triage import TriageBackend

    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        return _fail(f"set {TOKEN_ENV} to your bearer token for {url}")
    try:
        return TriageBackend(url, token)
    except ValueError as exc:
        return _fail(str(exc))


def run_app(args: argparse.Namespace) -> int:
    from triage_tui.model import State
    from triage_tui.outbox import Outbox
    from triage_tui.ui.app import TriageApp

    backend = _backend(args.url)
    if isinstance(backend, int):
        return backend
    TriageApp(backend, Outbox(), backend_name=args.url, queue=State(args.queue)).run()
    return Exit.OK


def run_sync(args: argparse.Namespace) -> int:
    backend = _backend(args.url)
    if isinstance(backend, int):
        return backend
    return asyncio.run(_sync(backend, args.url, wait=args.wait, as_json=args.json))


async def _sync(backend: Any, url: str, *, wait: bool, as_json: bool) -> int:
    import time

    from triage_tui.backends.errors import BackendError, Unauthorized
    from triage_tui.outbox import Outbox
    from triage_tui.sync import Sender

    outbox = Outbox()
    async with backend:
        try:
            me = await backend.me()
        except Unauthorized as exc:
            return _fail(f"{url}: the token was rejected ({exc})", Exit.AUTH)
        except BackendError as exc:
            return _fail(f"{url}: unreachable ({exc})", Exit.UNREACHABLE)
        sender = Sender(outbox, backend, backend_name=url, moderator=me.id)
        sent, conflicts, attention, problem = 0, [], 0, None
        while True:
            report = await sender.step()
            sent += report.sent
            conflicts += report.conflicts
            attention += report.attention
            problem = report.problem
            left = outbox.unsent(url, me.id)
            if report.paused or not left or not wait:
                break
            await asyncio.sleep(min(report.next_in, 60.0))
        held = outbox.counts(url, me.id).get("held", 0)
        result = {"sent": sent, "conflicts": conflicts, "needs_attention": attention, "unsent": left,
                  "held_for_undo": held, "problem": problem, "checked_at": time.time()}
    outbox.close()
    if as_json:
        print(json.dumps(result))
    else:
        print(f"sent {sent}, conflicts {len(conflicts)}, need attention {attention}, still unsent {left}"
              + (f" ({held} in their undo window)" if held else ""))
        for line in conflicts:
            print(f"conflict: {line}")
        if problem:
            print(f"triage-tui: {problem}", file=sys.stderr)
    if report.paused:
        return Exit.AUTH
    if conflicts or attention:
        return Exit.PARTIAL
    if left > held and problem:  # still unsent because the backend could not be reached
        return Exit.UNREACHABLE
    return Exit.OK
