"""Benchmark: decisions per second through the outbox and the sender, beside raw httpx.

Both paths send the same shape of work — batches of 100 approvals of distinct items —
to the same reference backend (its own process) in the same run: raw httpx POSTs the
batches; the outbox path commits every decision to SQLite (synchronous=FULL) first,
then lets the Sender lease, send and file the answers. The ratio is the price of never
losing a decision; the target is at least 0.7x raw. Prints a table of medians; exits 0.

    python3 bench/sync.py [--decisions 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _backend import backend_process  # noqa: E402
from triage_tui.backends.triage import TriageBackend  # noqa: E402
from triage_tui.model import Action, Decision  # noqa: E402
from triage_tui.outbox import Outbox  # noqa: E402
from triage_tui.server.demo import seed_demo  # noqa: E402
from triage_tui.server.policy import DEFAULT_POLICY  # noqa: E402
from triage_tui.server.store import Store  # noqa: E402
from triage_tui.sync import Sender  # noqa: E402

BATCH = 100


def decisions(ids: list[str]) -> list[Decision]:
    return [Decision.new(i, 1, Action.APPROVE) for i in ids]


async def raw(url: str, token: str, ids: list[str]) -> float:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        started = time.perf_counter()
        for i in range(0, len(ids), BATCH):
            body = {"decisions": [d.to_json() for d in decisions(ids[i : i + BATCH])]}
            results = (await http.post("/v1/decisions", json=body)).json()["results"]
            assert all(r["result"] == "applied" for r in results)
        return len(ids) / (time.perf_counter() - started)


async def outboxed(url: str, token: str, ids: list[str], tmp: Path) -> float:
    outbox = Outbox(tmp / f"outbox-{time.monotonic_ns()}.db")
    async with TriageBackend(url, token) as backend:
        sender = Sender(outbox, backend, backend_name=url, moderator="mod-ana", batch=BATCH)
        started = time.perf_counter()
        for i in range(0, len(ids), BATCH):  # as the screen does: each key press commits, then moves on
            outbox.add_many(decisions(ids[i : i + BATCH]), backend=url, moderator="mod-ana", hold_seconds=0, now=time.time())
        sent = 0
        while sent < len(ids):
            report = await sender.step()
            assert not report.conflicts and not report.attention, report
            sent += report.sent
        rate = len(ids) / (time.perf_counter() - started)
    outbox.close()
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    need = 2 * args.decisions * args.rounds
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        store = Store(tmp / "q.db", DEFAULT_POLICY)
        items = [i for i in seed_and_list(store, need + need // 10)]
        store.close()
        plain = iter(items)
        with backend_process(tmp / "q.db") as (url, token):
            raws, boxed = [], []
            for _ in range(args.rounds):
                raws.append(asyncio.run(raw(url, token, [next(plain) for _ in range(args.decisions)])))
                boxed.append(asyncio.run(outboxed(url, token, [next(plain) for _ in range(args.decisions)], tmp)))
    r, b = statistics.median(raws), statistics.median(boxed)
    print(f"decisions in batches of {BATCH}, {args.decisions:,} per round, median of {args.rounds} rounds")
    print(f"{'path':<40} {'decisions/s':>12} {'vs raw':>7}")
    print(f"{'raw httpx POST':<40} {r:>12,.0f} {1:>7.2f}")
    print(f"{'outbox (synchronous=FULL) + sender':<40} {b:>12,.0f} {b / r:>7.2f}")
    return 0


def seed_and_list(store: Store, n: int) -> list[str]:
    """Seed `n` demo items; return the ids anyone may approve (no escalation rule applies)."""
    seed_demo(store, n, now=time.time())
    rows = store._db.execute("SELECT id FROM items WHERE instr(countries, ',RU,') = 0 AND instr(countries, ',TR,') = 0 ORDER BY id")
    return [i for (i,) in rows]


if __name__ == "__main__":
    sys.exit(main())
