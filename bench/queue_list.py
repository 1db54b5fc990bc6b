"""Benchmark: QueueList (Line-API virtual list) against Textual's OptionList.

Headless (`App.run_test`), 120x40. For each size N it measures:

- open: from creating the widget over N items to the end of its first paint
  (for OptionList this includes building its `Option`s from pre-formatted rows);
- key latency: median over ~200 presses of `down` and of `pagedown`, from the driver
  delivering the key to the end of the repaint it caused: what a moderator feels,
  including Textual's screen-update timer (at most 1/60 s at the default 60 fps);
- render: median time spent inside the widget's `render_lines` per key.

OptionList runs at 10k, and at 100k when its 10k open time suggests it will take
under 30 s. Prints a table; exits 0. Usage:

    python bench/queue_list.py [--sizes 10000,100000,300000] [--presses 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.strip import Strip  # noqa: E402
from textual.widget import Widget  # noqa: E402
from textual.widgets import OptionList  # noqa: E402
from textual.widgets.option_list import Option  # noqa: E402

from triage_tui.model import ItemSummary, iso  # noqa: E402
from triage_tui.ui.widgets.queue_list import QueueList  # noqa: E402

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
SIZE = (120, 40)
SOURCES = [["user_report"], ["authority_order", "user_report"], ["trusted_flagger"], ["automated", "user_report"]]
REASONS = ["spam", "harassment", "violent_extremism", "child_safety", "hate_speech"]


def make_items(n: int) -> list[ItemSummary]:
    return [
        ItemSummary.from_json(
            {
                "id": f"it-{i:07d}",
                "kind": "channel" if i % 7 == 0 else "post",
                "state": "open",
                "version": 1,
                "priority": 90 - i % 60,
                "deadline": iso(NOW + timedelta(minutes=i - 30)) if i % 3 else None,
                "sources": SOURCES[i % 4],
                "countries": [],
                "reason": REASONS[i % 5],
                "report_count": 1 + i % 97,
                "snippet": f"reported post {i}: some text that goes on for a while\nand a second line",
                "first_reported_at": iso(NOW - timedelta(hours=2)),
                "escalated_to": None,
                "campaign": None,
            }
        )
        for i in range(n)
    ]


def plain_row(item: ItemSummary) -> str:
    """What the OptionList baseline shows: the same fields, as one plain string."""
    sources = " ".join(s.value[:2].upper() for s in item.sources)
    return f"{item.priority:>3} {item.kind.value:<7} {sources:<11} {item.reason or '-':<18} {item.report_count:>5} {item.snippet.replace(chr(10), ' ⏎ ')}"


class Timed:
    """Mixin: counts paints and the time spent painting."""

    paints = 0
    render_seconds = 0.0

    def render_lines(self, crop: Any) -> list[Strip]:
        start = time.perf_counter()
        try:
            return super().render_lines(crop)  # type: ignore[misc]
        finally:
            self.render_seconds += time.perf_counter() - start
            self.paints += 1


class TimedQueueList(Timed, QueueList):
    pass


class TimedOptionList(Timed, OptionList):
    pass


class Host(App[None]):
    def compose(self) -> ComposeResult:
        return iter(())


async def _painted(widget: Timed, after: int, timeout: float = 120.0) -> bool:
    deadline = time.perf_counter() + timeout
    while widget.paints <= after:
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0)
    return True


async def measure(make: Callable[[], Widget], presses: int) -> dict[str, float]:
    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        widget = make()
        await app.mount(widget)
        widget.focus()
        assert isinstance(widget, Timed)
        await _painted(widget, 0)
        result = {"open": time.perf_counter() - start}
        for key in ("down", "pagedown"):
            walls: list[float] = []
            renders: list[float] = []
            for _ in range(presses):
                await pilot.pause()  # settle: nothing pending before the key
                paints, spent = widget.paints, widget.render_seconds
                t0 = time.perf_counter()
                # The key as the terminal driver delivers it (Pilot.press adds idle waits).
                app._driver.send_message(events.Key(key, None))  # type: ignore[union-attr]
                if await _painted(widget, paints, timeout=1.0):
                    walls.append(time.perf_counter() - t0)
                    renders.append(widget.render_seconds - spent)
            result[key] = statistics.median(walls) if walls else float("nan")
            result[f"{key}_render"] = statistics.median(renders) if renders else float("nan")
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def ratio(base: float | None, ours: float) -> str:
    if base is None or not ours or base != base:
        return "      —"
    return f"{base / ours:6.1f}x"


async def main(sizes: Sequence[int], presses: int) -> None:
    print(f"building {max(sizes):,} ItemSummary objects …", flush=True)
    items = make_items(max(sizes))
    rows: list[tuple[str, int, dict[str, float]]] = []
    for n in sizes:
        subset = items[:n]
        print(f"QueueList  {n:>9,} …", flush=True)
        rows.append(("QueueList", n, await measure(lambda s=subset: TimedQueueList(s, clock=lambda: NOW), presses)))

    baseline: dict[int, dict[str, float]] = {}
    base_sizes = [n for n in (10_000, 100_000) if n <= len(items)]
    for n in base_sizes:
        if n > 10_000 and 10_000 in baseline and baseline[10_000]["open"] * n / 10_000 > 30:
            print(f"OptionList {n:>9,} skipped (10k open × {n // 10_000} > 30 s)")
            continue
        prompts = [plain_row(item) for item in items[:n]]
        print(f"OptionList {n:>9,} …", flush=True)

        def make_options(p: list[str] = prompts) -> Widget:
            return TimedOptionList(*(Option(text) for text in p), markup=False)

        baseline[n] = await measure(make_options, presses)
        rows.append(("OptionList", n, baseline[n]))

    print()
    print(f"Textual headless {SIZE[0]}x{SIZE[1]}, {presses} presses per key; times in ms (median per key).")
    print("'vs OptionList' = OptionList time / QueueList time at the same N (10k baseline when N has none).")
    header = f"{'widget':<11}{'N':>9} {'open':>9} {'down':>9} {'pgdn':>9} {'render/down':>12} {'render/pgdn':>12}   vs OptionList: open   down   pgdn"
    print(header)
    print("-" * len(header))
    for name, n, r in rows:
        line = f"{name:<11}{n:>9,} {ms(r['open'])} {ms(r['down'])} {ms(r['pagedown'])} {ms(r['down_render']):>12} {ms(r['pagedown_render']):>12}"
        if name == "QueueList" and baseline:
            base = baseline.get(n) or baseline.get(10_000)
            tag = "" if n in baseline else " (vs 10k)"
            line += f"   {ratio(base and base['open'], r['open'])} {ratio(base and base['down'], r['down'])} {ratio(base and base['pagedown'], r['pagedown'])}{tag}"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main([int(s) for s in args.sizes.split(",")], args.presses))
    sys.exit(0)
