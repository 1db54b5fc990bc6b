"""Benchmark: the triage screen at 1k, 100k and 300k queued items.

For each size, against the real reference backend (`triage-tui serve`, its own process)
on 127.0.0.1:

- through Textual's Pilot, headless: the time to the first usable screen (the first page
  listed and the cursor item's detail shown) and the time until the whole queue is loaded;
- through a real pseudo-terminal, the app as a moderator runs it (`triage-tui --url`): the
  per-key latency (p50, p95) of `j` (down), `pagedown`, applying a filter and clearing it
  (esc), from the key's bytes written to the end of the frame that shows its result, and
  (p50 "settled") to the last frame it caused (see `_pty.py`; Pilot's `press` rounds
  every key to 20 ms idle checks and cannot time this).

Beside it, a bare Textual app (`_bare.py`: the triage screen's layout with an empty list,
the same keys repainting the same cells) runs in its own pty and gets each key in turn
with the triage screen, so that the machine's drift falls on both alike; the table gives
the ratio of the medians.
Targets (issue 3): key latency at 300k within 1.5x of the bare app; time to first screen
growing no faster than linearly. Prints a table; exits 0.

    python3 bench/tui.py [--sizes 1000,100000,300000] [--keys 150] [--keep DIR]

`--keep DIR` keeps the seeded databases in DIR and reuses them on the next run (seeding
300k items takes a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from _backend import backend_process  # noqa: E402
from _pty import PtyApp  # noqa: E402
from triage_tui.backends.triage import TriageBackend  # noqa: E402
from triage_tui.outbox import Outbox  # noqa: E402
from triage_tui.server.demo import seed_demo  # noqa: E402
from triage_tui.server.policy import DEFAULT_POLICY  # noqa: E402
from triage_tui.server.store import Store  # noqa: E402
from triage_tui.ui.app import TriageApp  # noqa: E402
from triage_tui.ui.screens.triage import TriageScreen  # noqa: E402

SIZE = (120, 40)
FILTER = "source:ao country:DE"
DOWN, PAGE, PAGE_UP, HOME, ENTER, ESCAPE = b"j", b"\x1b[6~", b"\x1b[5~", b"g", b"\r", b"\x1b"
ROWS = SIZE[1] - 2  # list rows: the screen less the status line and the key bar
LOADED = re.compile(rb"open [\d,]+(?![\d,]|\xe2\x80\xa6)")  # the status line's count without its "…"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def until(check: Callable[[], bool], pause: Callable[[], Awaitable[None]], timeout: float = 600) -> None:
    end = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > end:
            raise TimeoutError
        await pause()


async def startup(url: str, token: str, tmp: Path) -> dict[str, float]:
    """Seconds to the first usable screen and to the whole queue loaded, in-process."""
    started = time.perf_counter()
    app = TriageApp(TriageBackend(url, token), Outbox(tmp / f"outbox-{time.monotonic_ns()}.db"), backend_name=url)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: any(isinstance(s, TriageScreen) for s in app.screen_stack), pilot.pause)
        screen = next(s for s in app.screen_stack if isinstance(s, TriageScreen))
        await until(lambda: screen.queue.item_count > 0 and screen.detail.item is not None, lambda: pilot.pause(0.005))
        first = time.perf_counter() - started
        await until(lambda: screen._loaded, lambda: pilot.pause(0.05))
        loaded = time.perf_counter() - started
    return {"first": first, "loaded": loaded}


Times = dict[str, list[tuple[float, float]]]


def keys(apps: dict[str, PtyApp], count: int, items: int) -> dict[str, Times]:
    """The same keys for each app, key by key in turn (which app goes first alternates),
    so that the machine's drift over minutes falls on both alike: `j` x count; from the
    top, count/3 pages (down, and back up near the end of `items`: a page key at the end
    draws nothing and would time the next clock tick); count/6 filters (at least 10)
    applied and cleared."""
    times: dict[str, Times] = {name: {"down": [], "page": [], "filter": [], "clear": []} for name in apps}
    turn = 0

    def each(kind: str | None, data: bytes, quiet: float = 0.08) -> None:
        nonlocal turn
        order = list(apps.items())
        turn += 1
        for name, term in order if turn % 2 else order[::-1]:
            timed = term.press(data, quiet=quiet)
            if kind is not None:
                times[name][kind].append(timed)

    for _ in range(count):
        each("down", DOWN)
    each(None, HOME)
    row = 0
    for _ in range(count // 3):
        forward = row + 2 * ROWS < items
        each("page", PAGE if forward else PAGE_UP)
        row += ROWS if forward else -ROWS
    for _ in range(max(10, count // 6)):
        each(None, b"/")
        each(None, FILTER.encode())
        each("filter", ENTER)
        each("clear", ESCAPE, quiet=0.2)  # back to the whole queue
    return times


def first(times: list[tuple[float, float]]) -> list[float]:
    return [t[0] for t in times]


def last(times: list[tuple[float, float]]) -> list[float]:
    return [t[1] for t in times]


def in_ptys(url: str, token: str, tmp: Path, count: int, n: int) -> dict[str, Times]:
    """The bare app and the triage screen (`triage-tui --url`), each in its own pty."""
    state = tmp / f"state-{time.monotonic_ns()}"
    env = {"TRIAGE_TUI_TOKEN": token, "TRIAGE_TUI_STATE_DIR": str(state), "XDG_CONFIG_HOME": str(state / "config")}
    apps: dict[str, PtyApp] = {}
    try:
        apps["bare"] = PtyApp([sys.executable, str(BENCH / "_bare.py")], {}, SIZE)
        apps["bare"].wait_for(b"row 0")
        apps["triage"] = ours = PtyApp([sys.executable, "-m", "triage_tui", "--url", url], env, SIZE)
        end = time.perf_counter() + 600
        while not LOADED.search(bytes(ours.output)):
            if time.perf_counter() > end or ours.proc.poll() is not None:
                raise RuntimeError(f"the app did not load: {bytes(ours.output[-300:])!r}")
            time.sleep(0.1)
        for term in apps.values():
            term.settle(quiet=0.3)
        return keys(apps, count, n)
    finally:
        for term in apps.values():
            term.close()


def seeded(directory: Path, n: int) -> Path:
    db = directory / f"q{n}.db"
    if db.exists():
        return db
    store = Store(db.with_suffix(".tmp"), DEFAULT_POLICY)
    started = time.perf_counter()
    seed_demo(store, n, now=time.time())
    store.close()
    db.with_suffix(".tmp").rename(db)
    print(f"seeded {n:,} items in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return db


def sizes_arg(text: str) -> list[int]:
    try:
        sizes = [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of item counts") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError("each size must be at least 1")
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=sizes_arg, default=[1000, 100000, 300000], help="queue sizes, comma-separated (default 1000,100000,300000)")
    parser.add_argument("--keys", type=int, default=150)
    parser.add_argument("--keep", type=Path, help="keep the seeded databases here and reuse them")
    args = parser.parse_args()
    sizes = args.sizes
    rows = []
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        keep = args.keep or tmp
        keep.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            db = seeded(keep, n)
            with backend_process(db) as (url, token):
                start = asyncio.run(startup(url, token, tmp))
                timed = in_ptys(url, token, tmp, args.keys, n)
            rows.append((n, start, timed["triage"], timed["bare"]))
    print(f"triage screen, {SIZE[0]}x{SIZE[1]}. Keys through a pty: ms from the key to the end of the frame showing its result;")
    print("'settled' = to the last frame the key caused (claims, prefetch). bare = _bare.py: same layout, empty list, same keys, in turn")
    print(f"{'items':>8} {'first screen s':>15} {'all loaded s':>13} {'key':<7} {'p50 ms':>7} {'p95 ms':>7} {'settled p50':>12} {'bare p50':>9} {'bare p95':>9} {'p50 ratio':>10}")
    for n, start, got, base in rows:
        for key in ("down", "page", "filter", "clear"):
            head = f"{n:>8,} {start['first']:>15.2f} {start['loaded']:>13.2f}" if key == "down" else f"{'':>8} {'':>15} {'':>13}"
            p50, p95, settled = pct(first(got[key]), 0.5) * 1e3, pct(first(got[key]), 0.95) * 1e3, pct(last(got[key]), 0.5) * 1e3
            b50, b95 = pct(first(base[key]), 0.5) * 1e3, pct(first(base[key]), 0.95) * 1e3
            print(f"{head} {key:<7} {p50:>7.1f} {p95:>7.1f} {settled:>12.1f} {b50:>9.1f} {b95:>9.1f} {p50 / b50:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
