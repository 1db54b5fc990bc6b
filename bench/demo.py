"""Benchmark: demo data generation, and seeding it into the reference store.

For each size N of `--sizes` it measures the median wall time of `generate(N)` consumed
without keeping the items (as `seed_demo` streams them), and for each of `--store-sizes`
the time of `seed_demo` — generation, the store's checks and `Store.add_items` — into a
fresh SQLite file in a temp directory. The budget (issue #16) is 3M items seeded in at
most 3 minutes on a 2-core machine. Prints a table; exits 0. Usage:

    python bench/demo.py [--sizes 100000,1000000] [--repeat 3] [--store-sizes 100000]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from triage_tui.server.demo import generate, seed_demo  # noqa: E402
from triage_tui.server.policy import DEFAULT_POLICY  # noqa: E402
from triage_tui.server.store import Store  # noqa: E402

NOW = time.time()


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def generation(n: int) -> None:
    collections.deque(generate(n, now=NOW), maxlen=0)


def seeding(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        store = Store(Path(tmp) / "demo.db", DEFAULT_POLICY)
        try:
            seed_demo(store, n, now=NOW)
        finally:
            store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--store-sizes", default="100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for n in map(int, args.sizes.split(",")):
        seconds = median_seconds(lambda n=n: generation(n), args.repeat)
        rows.append(("generate", n, seconds))
    for n in map(int, args.store_sizes.split(",")):
        seconds = median_seconds(lambda n=n: seeding(n), args.repeat)
        rows.append(("generate + Store.add_items", n, seconds))
    print(f"{'what':<28} {'items':>10} {'median s':>9} {'µs/item':>8} {'items/s':>10}")
    for what, n, seconds in rows:
        print(f"{what:<28} {n:>10,} {seconds:>9.2f} {seconds / n * 1e6:>8.2f} {n / seconds:>10,.0f}")
    print(f"(median of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
