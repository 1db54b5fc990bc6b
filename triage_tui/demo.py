"""`triage-tui --demo`: the triage screen over an embedded reference backend with demo data.

The demo runs the real stack — SQLite store, Starlette server on 127.0.0.1, the httpx
client, the outbox, the model and the sanitizer — so what a newcomer sees first is what
a moderator gets against a real backend. Everything lives in a temporary directory
that is removed on exit: demo decisions go nowhere else.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from triage_tui.exitcodes import Exit
from triage_tui.server.auth import DEMO_MODERATORS, demo_moderators
from triage_tui.server.demo import seed_demo
from triage_tui.server.embedded import EmbeddedServer
from triage_tui.server.policy import DEFAULT_POLICY
from triage_tui.server.store import Store
from triage_tui.words import plural


def run_demo(items: int, *, moderator: str = "ana", theme: str | None = None, config: Path | None = None) -> int:
    if moderator not in DEMO_MODERATORS:
        print(f"triage-tui: --demo-as: no demo moderator {moderator!r}; choose from {', '.join(DEMO_MODERATORS)}", file=sys.stderr)
        return Exit.USAGE
    keymap: dict[str, str] = {}
    if config is not None:  # --config with --demo: checked like any command's, its [ui] theme and [keys] used
        from triage_tui.config import ConfigError, load

        try:
            cfg = load(config)
        except ConfigError as exc:
            print(f"triage-tui: {exc}", file=sys.stderr)
            return Exit.USAGE
        theme, keymap = theme or cfg.ui.theme, dict(cfg.keys)
    from triage_tui.connect import look

    chosen = look(theme, "--theme")
    if isinstance(chosen, int):
        return chosen
    # Textual and httpx load only here: the architecture keeps them off the CLI's fast paths.
    from triage_tui.backends.triage import TriageBackend
    from triage_tui.model import Role, State
    from triage_tui.outbox import Outbox
    from triage_tui.ui.app import TriageApp

    with tempfile.TemporaryDirectory(prefix="triage-tui-demo-") as tmp:
        started = time.perf_counter()
        store = Store(Path(tmp) / "demo.db", DEFAULT_POLICY)
        try:
            seed_demo(store, items, now=time.time())
            print(f"triage-tui: {plural(items, 'demo item')} ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            table, tokens = demo_moderators()
            roles = DEMO_MODERATORS[moderator][1]
            queue = State.OPEN if Role.MODERATOR in roles else State.ESCALATED
            with EmbeddedServer(store, table) as server:
                backend = TriageBackend(server.url, tokens[moderator])
                outbox = Outbox(Path(tmp) / "outbox.db", temporary=True)  # deleted with `tmp` on exit
                TriageApp(backend, outbox, backend_name=server.url, queue=queue, theme=chosen.theme, keymap=keymap,
                          catalogue=chosen.catalogue, notices=chosen.notices).run()
                left = outbox.unsent(server.url, f"mod-{moderator}")
        except KeyboardInterrupt:
            return Exit.OK
        finally:
            store.close()
    if left:
        print(f"triage-tui: the demo ended with {plural(left, 'unsent decision')}; they went with its temporary backend", file=sys.stderr)
    return Exit.OK
