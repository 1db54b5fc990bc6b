"""Benchmark: the reference backend over real HTTP, holding 100k demo items.

Measures queue pages per second (first page, a deep page reached by cursor, pages by
`offset=` at 0, 10%, 50%, 99% and 99.9% of the queue, the first deep page of a new view,
a deep page of a filter, filtered pages, free text and the v1 text search), counts
(`GET /v1/queue/count` with indexed filters and with free text), the id stream of a
filter (`GET /v1/queue/ids`), and decisions per second (one per request, and batches of
100). Each row is the median of several rounds, and the rounds are interleaved: round k
runs every row once, `GET /v1/health` — the same HTTP stack with no store work — first,
so the ratio column shows what the store costs on top of HTTP on this (noisy, 2-core)
machine and a drift of the machine falls on every row alike. A count row empties the
store's kept views (their totals and marks, server/views.py) before each request, so each request
counts as a newly typed filter does; a page row makes one untimed request first, then
reuses its view's total and marks, as paging does (the "new view" row empties them
before each request: it pays the count and the walk that marks a view, which a view
pays once, and again only after a load of over ingest.FOLLOW_MAX items).
Prints a table; exits 0. Usage:

    python3 bench/server.py [--items 100000] [--rounds 5] [--requests 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from triage_tui.model import Action, Decision  # noqa: E402
from triage_tui.server.auth import demo_moderators  # noqa: E402
from triage_tui.server.demo import seed_demo  # noqa: E402
from triage_tui.server.embedded import EmbeddedServer  # noqa: E402
from triage_tui.server.policy import DEFAULT_POLICY  # noqa: E402
from triage_tui.server.store import Store  # noqa: E402


def rates(runs: Sequence[Callable[[], int]], rounds: int) -> list[float]:
    """Median over rounds of units per second for each run, the runs taking turns within
    each round; a run returns how many units it did."""
    seen: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, got in zip(runs, seen, strict=True):
            getattr(run, "prepare", lambda: None)()  # untimed: a page row's view counted and marked
            started = time.perf_counter()
            units = run()
            got.append(units / (time.perf_counter() - started))
    return [statistics.median(got) for got in seen]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="requests per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        store = Store(Path(tmp) / "bench.db", DEFAULT_POLICY)
        started = time.perf_counter()
        seed_demo(store, args.items, now=time.time())
        print(f"seeded {args.items:,} items in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        table, tokens = demo_moderators()
        with EmbeddedServer(store, table) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['ana']}"}, timeout=60
        ) as http:
            page = http.get("/v1/queue", params={"limit": 1000}).json()
            for _ in range(min(50, args.items // 1000 - 1)):
                page = http.get("/v1/queue", params={"limit": 1000, "cursor": page["next_cursor"]}).json()
            deep = page["next_cursor"]
            open_ids = iter(i["id"] for i in http.get("/v1/queue", params={"limit": 1000, "sort": "age"}).json()["items"])

            total = http.get("/v1/queue/count").json()["total"]

            def requests(path: str, cold: bool = False, **params: object) -> Callable[[], int]:
                def run() -> int:
                    for _ in range(args.requests):
                        if cold:
                            store._forget_views()  # noqa: SLF001 (a count as a new filter pays it)
                        http.get(path, params=params).raise_for_status()
                    return args.requests
                if not cold:
                    run.prepare = lambda: http.get(path, params=params).raise_for_status()  # type: ignore[attr-defined]
                return run

            def stream(expr: str) -> Callable[[], int]:
                def run() -> int:
                    for _ in range(max(1, args.requests // 10)):
                        lines = http.get("/v1/queue/ids", params={"filter": expr}).raise_for_status().text.splitlines()
                        assert '"total"' in lines[-1]
                    return max(1, args.requests // 10)
                return run

            def decide_one() -> int:
                for _ in range(args.requests // 4):
                    d = Decision.new(next(open_ids), 1, Action.APPROVE).to_json()
                    assert http.post("/v1/decisions", json={"decisions": [d]}).json()["results"][0]["result"] == "applied"
                return args.requests // 4

            def decide_batch() -> int:
                items = http.get("/v1/queue", params={"limit": 100, "sort": "reports"}).json()["items"]
                body = {"decisions": [Decision.new(i["id"], i["version"], Action.REMOVE, reason="spam").to_json() for i in items]}
                results = http.post("/v1/decisions", json=body).json()["results"]
                # Orders from RU and TR are refused (legal review first): count what was applied.
                assert all(r["result"] in ("applied", "forbidden") for r in results)
                return sum(r["result"] == "applied" for r in results)

            spam = http.get("/v1/queue/count", params={"filter": "reason:spam"}).json()["total"]
            plan: list[tuple[str, str, Callable[[], int]]] = [
                ("GET /v1/health (baseline)", "req", requests("/v1/health")),
                ("queue: first page of 200", "pages", requests("/v1/queue")),
                ("queue: page 51 of 1000 by cursor", "pages", requests("/v1/queue", limit=1000, cursor=deep)),
                *[(f"queue: 200 at offset {share:.1%} ({int(total * share):,})", "pages",
                   requests("/v1/queue", limit=200, offset=int(total * share))) for share in (0, 0.1, 0.5, 0.99, 0.999)],
                ("queue: 200 at offset 50%, new view (marks built)", "pages",
                 requests("/v1/queue", cold=True, limit=200, offset=total // 2)),
                ("queue: 200 at 50% of reason:spam", "pages",
                 requests("/v1/queue", limit=200, offset=spam // 2, filter="reason:spam")),
                ('queue: filter="telegram", first page', "pages", requests("/v1/queue", filter='"telegram"')),
                ("queue: filtered (source+country)", "pages", requests("/v1/queue", source="authority_order", country="DE")),
                ("queue: text search", "pages", requests("/v1/queue", q="telegram")),
                ("count: filter=source:ao", "req", requests("/v1/queue/count", cold=True, filter="source:ao")),
                ("count: filter=reason:spam", "req", requests("/v1/queue/count", cold=True, filter="reason:spam")),
                ("count: filter=country:de", "req", requests("/v1/queue/count", cold=True, filter="country:de")),
                ("count: filter=kind:channel source:tf reports>=3", "req",
                 requests("/v1/queue/count", cold=True, filter="kind:channel source:tf reports>=3")),
                ('count: filter="telegram" (free text)', "req", requests("/v1/queue/count", cold=True, filter='"telegram"')),
                (f"ids: filter=reason:spam ({spam:,} ids)", "streams", stream("reason:spam")),
                ("item detail", "req", requests("/v1/items/it-0000001")),
                ("decisions: 1 per request", "decisions", decide_one),
                ("decisions: batches of 100", "decisions", decide_batch),
            ]
            measured = rates([run for _, _, run in plan], args.rounds)
            baseline = measured[0]
            rows = [(what, unit, value) for (what, unit, _), value in zip(plan, measured, strict=True)]
        store.close()
    print(f"reference backend, {args.items:,} items, median of {args.rounds} interleaved rounds")
    print(f"{'what':<42} {'per second':>12} {'unit':<10} {'ms each':>8} {'vs health':>9}")
    for what, unit, value in rows:
        print(f"{what:<42} {value:>12,.1f} {unit:<10} {1000 / value:>8.2f} {value / baseline:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
