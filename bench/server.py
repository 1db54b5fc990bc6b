"""Benchmark: the reference backend over real HTTP, holding 100k demo items.

Measures queue pages per second (first page, a deep page reached by cursor, a filtered
page, a text search) and decisions per second (one per request, and batches of 100),
each as the median of several rounds, with `GET /v1/health` — the same HTTP stack with
no store work — as the baseline measured in the same run, so the ratio column shows
what the store costs on top of HTTP on this (noisy, 2-core) machine. Prints a table;
exits 0. Usage:

    python3 bench/server.py [--items 100000] [--rounds 5] [--requests 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from triage_tui.model import Action, Decision  # noqa: E402
from triage_tui.server.auth import demo_moderators  # noqa: E402
from triage_tui.server.demo import seed_demo  # noqa: E402
from triage_tui.server.embedded import EmbeddedServer  # noqa: E402
from triage_tui.server.policy import DEFAULT_POLICY  # noqa: E402
from triage_tui.server.store import Store  # noqa: E402


def rate(run: Callable[[], int], rounds: int) -> float:
    """Median over rounds of units per second; `run` returns how many units it did."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        units = run()
        rates.append(units / (time.perf_counter() - started))
    return statistics.median(rates)


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

            def requests(path: str, **params: object) -> Callable[[], int]:
                def run() -> int:
                    for _ in range(args.requests):
                        http.get(path, params=params).raise_for_status()
                    return args.requests
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

            baseline = rate(requests("/v1/health"), args.rounds)
            rows = [
                ("GET /v1/health (baseline)", "req", baseline),
                ("queue: first page of 200", "pages", rate(requests("/v1/queue"), args.rounds)),
                ("queue: page 51 of 1000 by cursor", "pages", rate(requests("/v1/queue", limit=1000, cursor=deep), args.rounds)),
                ("queue: filtered (source+country)", "pages", rate(requests("/v1/queue", source="authority_order", country="DE"), args.rounds)),
                ("queue: text search", "pages", rate(requests("/v1/queue", q="telegram"), args.rounds)),
                ("item detail", "req", rate(requests("/v1/items/it-0000001"), args.rounds)),
                ("decisions: 1 per request", "decisions", rate(decide_one, args.rounds)),
                ("decisions: batches of 100", "decisions", rate(decide_batch, args.rounds)),
            ]
        store.close()
    print(f"reference backend, {args.items:,} items, median of {args.rounds} rounds")
    print(f"{'what':<36} {'per second':>12} {'unit':<10} {'vs health':>9}")
    for what, unit, value in rows:
        print(f"{what:<36} {value:>12,.1f} {unit:<10} {value / baseline:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
