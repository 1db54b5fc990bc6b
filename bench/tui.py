"""Benchmark: the triage screen at 1k, 100k and 300k queued items.

For each size it measures, headless through Textual's Pilot against the real reference
backend (`triage-tui serve`, its own process) on 127.0.0.1: the time to the first usable screen (the first page listed and
the cursor item's detail shown), the time until the whole queue is loaded, and the
per-key latency (p50, p95) of `j` (down), `pagedown` and applying a filter. Beside each
it measures a bare Textual app — an empty focused widget, the same keys — in the same
run, and prints the ratio. Targets (issue 3): key latency at 300k within 1.5x of the
bare app; time to first screen growing no faster than linearly. Prints a table; exits 0.

    python3 bench/tui.py [--sizes 1000,100000,300000] [--keys 150]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Input, Static  # noqa: E402

from _backend import backend_process  # noqa: E402
from triage_tui.backends.triage import TriageBackend  # noqa: E402
from triage_tui.outbox import Outbox  # noqa: E402
from triage_tui.server.demo import seed_demo  # noqa: E402
from triage_tui.server.policy import DEFAULT_POLICY  # noqa: E402
from triage_tui.server.store import Store  # noqa: E402
from triage_tui.ui.app import TriageApp  # noqa: E402
from triage_tui.ui.screens.triage import TriageScreen  # noqa: E402

SIZE = (120, 40)
FILTER = "source:ao country:DE"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def until(check: Callable[[], bool], pause: Callable[[], Awaitable[None]], timeout: float = 600) -> None:
    end = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > end:
            raise TimeoutError
        await pause()


async def keys(pilot: Any, key: str, count: int, after: Callable[[], None] | None = None) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await pilot.press(key)
        times.append(time.perf_counter() - started)
        if after is not None:
            after()
    return times


class Bare(App[None]):
    """The floor: Textual itself, an empty focusable widget, nothing behind it."""

    def compose(self) -> ComposeResult:
        yield Static("", id="empty")
        yield Input(id="field")


async def bare(count: int) -> dict[str, Any]:
    started = time.perf_counter()
    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        first = time.perf_counter() - started
        app.query_one("#empty").can_focus = True
        app.query_one("#empty").focus()
        down = await keys(pilot, "j", count)
        page = await keys(pilot, "pagedown", count // 3)
        filt = []
        for _ in range(10):
            app.query_one(Input).value = FILTER
            app.query_one(Input).focus()
            t = time.perf_counter()
            await pilot.press("enter")
            filt.append(time.perf_counter() - t)
    return {"first": first, "loaded": first, "down": down, "page": page, "filter": filt}


async def triage(url: str, token: str, tmp: Path, count: int) -> dict[str, Any]:
    started = time.perf_counter()
    app = TriageApp(TriageBackend(url, token), Outbox(tmp / f"outbox-{time.monotonic_ns()}.db"), backend_name=url)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: any(isinstance(s, TriageScreen) for s in app.screen_stack), pilot.pause)
        screen = next(s for s in app.screen_stack if isinstance(s, TriageScreen))
        await until(lambda: screen.queue.item_count > 0 and screen.detail.item is not None, lambda: pilot.pause(0.005))
        first = time.perf_counter() - started
        await until(lambda: screen._loaded, lambda: pilot.pause(0.05))
        loaded = time.perf_counter() - started
        await pilot.pause(0.5)
        down = await keys(pilot, "j", count)
        page = await keys(pilot, "pagedown", count // 3)
        filt = []
        field = screen.query_one("#filter-input", Input)
        for _ in range(10):
            await pilot.press("slash")
            field.value = FILTER
            t = time.perf_counter()
            await pilot.press("enter")
            filt.append(time.perf_counter() - t)
            await pilot.press("escape")  # back to the whole queue
    return {"first": first, "loaded": loaded, "down": down, "page": page, "filter": filt}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,100000,300000")
    parser.add_argument("--keys", type=int, default=150)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for n in map(int, args.sizes.split(",")):
            db = tmp / f"q{n}.db"
            store = Store(db, DEFAULT_POLICY)
            seeded = time.perf_counter()
            seed_demo(store, n, now=time.time())
            store.close()
            print(f"seeded {n:,} items in {time.perf_counter() - seeded:.1f} s", file=sys.stderr)
            with backend_process(db) as (url, token):
                base = asyncio.run(bare(args.keys))
                got = asyncio.run(triage(url, token, tmp, args.keys))
            rows.append((n, got, base))
    print(f"triage screen, {SIZE[0]}x{SIZE[1]} headless; bare = an empty Textual app, same keys, same run")
    print(f"{'items':>8} {'first screen s':>15} {'all loaded s':>13} {'key':<9} {'p50 ms':>7} {'p95 ms':>7} {'bare p50':>9} {'bare p95':>9} {'p50 ratio':>10}")
    for n, got, base in rows:
        for key in ("down", "page", "filter"):
            head = f"{n:>8,} {got['first']:>15.2f} {got['loaded']:>13.2f}" if key == "down" else f"{'':>8} {'':>15} {'':>13}"
            p50, p95 = pct(got[key], 0.5) * 1e3, pct(got[key], 0.95) * 1e3
            b50, b95 = pct(base[key], 0.5) * 1e3, pct(base[key], 0.95) * 1e3
            print(f"{head} {key:<9} {p50:>7.1f} {p95:>7.1f} {b50:>9.1f} {b95:>9.1f} {p50 / b50:>10.2f}")
    print(f"(bare app first screen: {statistics.median(b['first'] for _, _, b in rows):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
