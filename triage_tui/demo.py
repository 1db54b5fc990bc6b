"""`triage-tui --demo`: an embedded reference backend with demo data, and a look at it.

The demo runs the real stack — SQLite store, Starlette server on 127.0.0.1, the httpx
client, the model and the sanitizer — so what a newcomer sees first is what a moderator
gets against a real backend. Until the triage screen lands it prints the queue: the
most urgent items, SLA breaches, and the hostile items rendered safely as evidence.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from triage_tui.backends import QueueQuery
from triage_tui.backends.triage import TriageBackend
from triage_tui.exitcodes import Exit
from triage_tui.model import ItemSummary, Source, State
from triage_tui.server.auth import demo_moderators
from triage_tui.server.demo import seed_demo
from triage_tui.server.embedded import EmbeddedServer
from triage_tui.server.policy import DEFAULT_POLICY
from triage_tui.server.store import Store

BADGES = {
    Source.AUTHORITY_ORDER: "AO",
    Source.TRUSTED_FLAGGER: "TF",
    Source.AUTOMATED: "AU",
    Source.USER_REPORT: "UR",
}
SHOWN = 15


def due(deadline: datetime | None, now: datetime) -> Text:
    """A deadline as a countdown; overdue is marked with a symbol, not only colour."""
    if deadline is None:
        return Text("—", style="dim")
    seconds = (deadline - now).total_seconds()
    span = _span(abs(seconds))
    if seconds < 0:
        return Text(f"! {span} over", style="bold red")
    return Text(f"{span} left", style="yellow" if seconds < 3600 else "")


def _span(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}"
    return f"{int(seconds // 86400)}d{int(seconds % 86400 // 3600):02d}h"


def queue_table(items: list[ItemSummary], now: datetime) -> Table:
    table = Table(title="Most urgent open items", title_justify="left", expand=True)
    table.add_column("Due", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Src", no_wrap=True)
    table.add_column("Reason", no_wrap=True, max_width=18)
    table.add_column("Rep", justify="right", no_wrap=True)
    table.add_column("Text", no_wrap=True, overflow="ellipsis", ratio=1)
    for item in items:
        snippet = Text(item.snippet.replace("\n", " ⏎ "))
        if item.flags:
            snippet = Text.assemble(Text("⚠ ", style="bold magenta"), snippet)
        table.add_row(
            due(item.deadline, now),
            Text(item.kind.value),
            Text(" ".join(BADGES[s] for s in item.sources)),
            Text(item.reason or "—"),
            Text(str(item.report_count)),
            snippet,
        )
    return table


async def _summarise(url: str, token: str, console: Console) -> None:
    async with TriageBackend(url, token) as backend:
        me = await backend.me()
        stats = await backend.stats()
        page = await backend.queue(QueueQuery(queue=State.OPEN, sort="deadline"), limit=200)
    now = datetime.now(UTC)
    console.print(Text.assemble(
        ("triage-tui demo", "bold"), f" — reference backend at {url}, signed in as ",
        Text(me.name), f" ({', '.join(sorted(me.roles))})",
    ))
    counts = " · ".join(f"{stats.queues.get(s, 0):,} {s.value}" for s in State)
    breaches = ", ".join(f"{BADGES[s]} {n}" for s, n in stats.overdue_by_source.items() if n) or "none"
    console.print(f"Queue: {counts}    Past deadline: {breaches}", markup=False)
    console.print(queue_table(list(page.items[:SHOWN]), now))
    hostile = [i for i in page.items if i.flags][:5]
    if hostile:
        console.print(Text("Hostile content in this page, shown as evidence:", style="bold"))
        for item in hostile:
            console.print(Text.assemble(
                (f"  {item.id} ", "bold"), (f"[{', '.join(sorted(f.value for f in item.flags))}] ", "magenta"),
                Text(item.snippet[:120].replace("\n", " ⏎ ")),
            ), no_wrap=True, overflow="ellipsis")
    console.print(
        "Sources: AO authority order · TF trusted flagger · AU automated · UR user report. "
        "The interactive triage screen is not part of this version yet.",
        style="dim", markup=False,
    )


def run_demo(items: int) -> int:
    console = Console()
    err = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="triage-tui-demo-") as tmp:
        db = Path(tmp) / "demo.db"
        tokens, secrets = demo_moderators()
        started = time.perf_counter()
        store = Store(db, DEFAULT_POLICY)
        try:
            seed_demo(store, items, now=time.time())
            err.print(f"generated {items:,} demo items in {time.perf_counter() - started:.1f} s", style="dim", markup=False)
            with EmbeddedServer(store, tokens) as server:
                asyncio.run(_summarise(server.url, secrets["ana"], console))
        except KeyboardInterrupt:
            return Exit.OK
        finally:
            store.close()
    return Exit.OK
