"""Benchmark: the triage screen over a window of the queue, at 1k to 3M queued items.

For each size N of `--sizes`, against the real reference backend (`triage-tui serve`, its
own process, over a seeded SQLite file) on 127.0.0.1, it prints issue #16's "Must show"
figures, each with its ratio against the bare app and against the first (smallest) size:

- **first usable screen**: in-process through Textual's Pilot, from building the app to
  the first page listed and the cursor item's detail shown, the second of two opens (the
  first in a process pays one-time costs: CSS parsing, the backend's page cache) (the
  issue's target, ≤ 0.5 s, is judged on this one, as the issue's own figures were
  measured); and through a real
  pty, from exec to the frame that shows the queue's count and the first item's detail
  (interpreter start and imports included), beside the bare app's exec to its first frame.
- **requests made on open**: the Pilot run again, through a loopback proxy that counts
  each request as it arrives (`_proxy.py`), from building the app to 3 s after its first
  usable screen (so the claim of the first item, 1 s after it, is in), by path.
- **keys through a pty** (`_pty.py`): the app as a moderator runs it (`triage-tui --url`),
  each key timed from its bytes written to the end of the frame that shows its result —
  not merely the next frame: the frame whose text holds what the key must show, which
  the bench asks the backend for beforehand (never while a key is timed):
  - `page` (page-down from the top) and then `j` from where the pages ended: the frame
    whose detail pane shows the cursor's item (`it-… · post · …`, not "Loading"); at 100k
    and up these rows lie past the first page and are fetched while paging; how many keys
    first showed placeholder rows ("… loading") is printed;
  - filter applied, for indexed fields (`source:ao country:DE`) and for free text
    (`"followers"`), the filter typed and then enter: the frame whose status line shows
    the result's count (and whose detail pane shows its first item, when that is another
    one); `clear` is esc after it, to its first frame;
  - count while typing, for the same two filters: the filter typed but for its last key
    (which leaves it unfinished, so the note under the field has no count), then the last
    key, to the frame whose note says "N items match" with the backend's N;
  - `G` (to the last row, wherever it is), `g` and `s` (the next sort): the frame showing
    the cursor's item there;
  - `T` tag by filter, `source:ao` (~3.4% of the demo queue: ~100k items at 3M): enter to
    the frame whose status line says "✱ N" tagged, N the backend's count; esc clears.
  Beside it a bare Textual app (`_bare.py`: the same layout, an empty list, keys that
  repaint the same cells) runs in its own pty and gets each key in turn with the triage
  screen, which goes first alternating, so the machine's drift falls on both alike; its
  figure is the first frame after the key. p50 and p95 of each.
- **app RSS after use**: after the timed keys, `--use-minutes` more minutes (default 10)
  of scripted use — `j`, page-down into rows not fetched yet, `G`, `g`, `s`, `/` filters
  (indexed, free text, none matching), esc — each key sent when the screen has gone
  quiet after the last; then VmRSS (and its peak, VmHWM) of the app's process, from
  /proc/PID/status, beside the bare app's.

Targets (issue #16, judged at each size; the summary at the end is at the largest size
run): first usable screen ≤ 0.5 s; RSS ≤ 150 MB and ≤ 1.3x the smallest size's; the same
number of requests on open as at the smallest size; `j` and page-down p50 ≤ 1.5x the bare
app; filter applied p50 ≤ 100 ms indexed, ≤ 300 ms free text; count while typing p50
≤ 150 ms; `G` and a sort change p50 ≤ 300 ms; `T` p50 ≤ 2 s. Prints a table; exits 0.

    python3 bench/tui.py [--sizes 1000,100000,300000] [--keys 150] [--use-minutes 10] [--keep DIR]

`--keep DIR` keeps the seeded databases in DIR and reuses them on the next run. The
machine's other load is not controlled: run it alone, one run at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from _backend import backend_process  # noqa: E402
from _proxy import CountingProxy  # noqa: E402
from _pty import Press, PtyApp  # noqa: E402
from triage_tui.backends.triage import TriageBackend  # noqa: E402
from triage_tui.filters import SORTS, parse, parse_sort  # noqa: E402
from triage_tui.outbox import Outbox  # noqa: E402
from triage_tui.server.demo import seed_demo  # noqa: E402
from triage_tui.server.policy import DEFAULT_POLICY  # noqa: E402
from triage_tui.server.store import Store  # noqa: E402
from triage_tui.ui.app import TriageApp  # noqa: E402
from triage_tui.ui.screens.triage import TriageScreen  # noqa: E402
from triage_tui.views import plan  # noqa: E402

SIZE = (120, 40)
ROWS = SIZE[1] - 2  # list rows: the screen less the status line and the key bar
INDEXED = "source:ao country:DE"
FREE = '"followers"'
TAG = "source:ao"
USE_FILTERS = (INDEXED, FREE, "kind:channel reason:spam", "reports>=5", '"watch yourself"', '"no such words anywhere"')
DOWN, PAGE, PAGE_UP, HOME, END, SORT, ENTER, ESCAPE = b"j", b"\x1b[6~", b"\x1b[5~", b"g", b"G", b"s", b"\r", b"\x1b"
PLACEHOLDER = "\u2026 loading".encode()  # a row not fetched yet (ui/widgets/queue_list.py)
OPEN_QUIET = 3.0  # seconds after the first usable screen that still count as opening


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Oracle:
    """The backend asked directly, between keys: what a key must show. The view's query is
    made as the app makes it (`views.plan`), so position p here is row p there."""

    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        self._pages: dict[tuple[str, str, int], list[str]] = {}
        self._counts: dict[tuple[str, str], int] = {}

    def _params(self, flt: str, sort: str) -> dict[str, str]:
        return plan(TriageBackend.capabilities, "open", parse(flt), parse_sort(sort)).query.params()

    def count(self, flt: str = "", sort: str = "deadline") -> int:
        if (flt, sort) not in self._counts:
            answer = self.client.get("/v1/queue/count", params=self._params(flt, sort))
            answer.raise_for_status()
            self._counts[flt, sort] = answer.json()["total"]
        return self._counts[flt, sort]

    def id_at(self, position: int, flt: str = "", sort: str = "deadline") -> str:
        page = position // 1000
        if (flt, sort, page) not in self._pages:
            answer = self.client.get("/v1/queue", params={**self._params(flt, sort), "offset": str(page * 1000), "limit": "1000"})
            answer.raise_for_status()
            self._pages[flt, sort, page] = [item["id"] for item in answer.json()["items"]]
        return self._pages[flt, sort, page][position - page * 1000]

    def close(self) -> None:
        self.client.close()


def item_shown(item_id: str) -> Callable[[bytes], bool]:
    """The detail pane shows the item (its header `it-… · post · …`; "Loading it-…" is not it)."""
    needle = f"{item_id} · ".encode()
    return lambda text: needle in text


def number(count: int) -> bytes:
    """`count` as the screen writes it, and not as part of a longer number (4 in 14, 40, 4,000)."""
    return rb"(?<![\d,])" + re.escape(f"{count:,}".encode()) + rb"(?![\d,])"


def count_shown(count: int) -> Callable[[bytes], bool]:
    """The status line counts the view as `count` (in whichever form its width gives)."""
    form = re.compile(rb"shown " + number(count) + rb"|" + number(count) + rb" shown|" + number(count) + rb"/[\d,]+")
    return lambda text: form.search(text) is not None


def said(pattern: str, count: int) -> Callable[[bytes], bool]:
    """The text `pattern` with `count` for its {}: `{} items match`, `✱ {}`."""
    before, after = pattern.split("{}")
    form = re.compile(re.escape(before.encode()) + number(count) + re.escape(after.encode()))
    return lambda text: form.search(text) is not None


# -- the first screen, in-process ------------------------------------------------------------


async def until(check: Callable[[], bool], pause: Callable[[], Awaitable[None]], timeout: float = 600) -> None:
    end = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > end:
            raise TimeoutError
        await pause()


async def startup(url: str, token: str, tmp: Path, linger: float = 0.0) -> float:
    """Seconds from building the app to the first usable screen (the first page listed and
    the cursor item's detail shown), in-process; then `linger` seconds more of running."""
    started = time.perf_counter()
    app = TriageApp(TriageBackend(url, token), Outbox(tmp / f"outbox-{time.monotonic_ns()}.db"), backend_name=url)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: any(isinstance(s, TriageScreen) for s in app.screen_stack), pilot.pause)
        screen = next(s for s in app.screen_stack if isinstance(s, TriageScreen))
        await until(lambda: screen.session.opened and screen.queue.item_count > 0 and screen.detail.item is not None,
                    lambda: pilot.pause(0.005))
        first = time.perf_counter() - started
        if linger:
            await pilot.pause(linger)
    return first


def requests_on_open(url: str, token: str, tmp: Path) -> Counter[str]:
    """The requests the app makes from its start to `OPEN_QUIET` s after its first usable
    screen, by method and path (item ids as {id})."""
    port = int(url.rsplit(":", 1)[1])
    with CountingProxy(port) as proxy:
        started = time.perf_counter()
        asyncio.run(startup(proxy.url, token, tmp, linger=OPEN_QUIET))
        made = proxy.since(started)
    return Counter(f"{r.method} {_shape(r.path)}" for r in made)


def _shape(path: str) -> str:
    parts = path.split("/")
    return "/".join("{id}" if n > 0 and parts[n - 1] == "items" else p for n, p in enumerate(parts))


# -- keys through ptys ------------------------------------------------------------------------


@dataclass
class Run:
    """What one size measured."""

    n: int
    first: float = 0.0  # in-process, s
    spawn: dict[str, float] = field(default_factory=dict)  # exec to the first usable frame, s, by app
    requests: Counter[str] = field(default_factory=Counter)
    times: dict[str, dict[str, list[Press]]] = field(default_factory=dict)  # app -> figure -> presses
    rss: dict[str, tuple[int, int]] = field(default_factory=dict)  # app -> (VmRSS, VmHWM) after use
    rss_open: int = 0
    use: tuple[float, int] = (0.0, 0)  # minutes, keys


class Keys:
    """The keys, each to both apps in turn (which goes first alternates), and the cursor's
    place in the triage screen's view, to know what each key must show."""

    def __init__(self, apps: dict[str, PtyApp], oracle: Oracle, run: Run) -> None:
        self.apps, self.oracle, self.run = apps, oracle, run
        self.turn = 0
        self.cursor = 0
        self.sort = "deadline"
        for name in apps:
            run.times[name] = {}

    def each(self, kind: str | None, data: bytes | dict[str, bytes], shows: Callable[[bytes], bool] | None = None,
             quiet: float = 0.08, timeout: float = 30) -> None:
        """`data` to each app (or `data[app]`); `kind`: the figure it is timed for (None: not
        timed, only sent; the app need not draw a frame); `shows`: what the triage screen's
        result frame holds."""
        order = list(self.apps.items())
        self.turn += 1
        for name, term in order if self.turn % 2 else order[::-1]:
            sent = data[name] if isinstance(data, dict) else data
            if kind is None:
                term.send(sent, quiet=quiet)
                continue
            until = shows if name == "triage" and shows is not None else None
            self.run.times[name].setdefault(kind, []).append(term.press(sent, quiet=quiet, timeout=timeout, shows=until))

    def at(self, position: int, flt: str = "") -> Callable[[bytes], bool]:
        return item_shown(self.oracle.id_at(position, flt, self.sort))

    def pages_then_down(self, count: int) -> None:
        """count/3 pages down from the top (and back up near the end of a small queue: a page
        key at the end draws nothing), then `j` x count from there."""
        n = self.oracle.count(sort=self.sort)
        self.each(None, HOME, quiet=0.3)
        self.cursor = 0
        for _ in range(count // 3):
            forward = self.cursor + 2 * ROWS < n
            self.cursor = min(n - 1, self.cursor + ROWS) if forward else max(0, self.cursor - ROWS)
            self.each("page", PAGE if forward else PAGE_UP, self.at(self.cursor))
        if self.cursor + count >= n:
            self.each(None, HOME, quiet=0.3)
            self.cursor = 0
        for _ in range(count):
            self.cursor += 1
            self.each("down", DOWN, self.at(self.cursor))

    def filters(self, reps: int) -> None:
        """Count while typing, filter applied and cleared, for an indexed filter and free text."""
        for _ in range(reps):
            for name, text in (("indexed", INDEXED), ("free text", FREE)):
                self.each(None, HOME, quiet=0.2)
                self.cursor = 0
                matches = self.oracle.count(text, self.sort)
                note = f"{{}} {'item matches' if matches == 1 else 'items match'}"  # as Finding.on_filter_preview words it
                self.each(None, b"/")
                self.each(None, text[:-1].encode(), quiet=0.3)  # unfinished: the note has no count
                self.each(f"count {name}", text[-1:].encode(), said(note, matches), quiet=0.3)
                shows = count_shown(matches)
                if matches:
                    first, top = self.oracle.id_at(0, text, self.sort), self.oracle.id_at(0, "", self.sort)
                    if first != top:  # the cursor moves to the result's first item (else it stays on it)
                        shows = (lambda t, a=shows, b=item_shown(first): a(t) and b(t))
                self.each(f"filter {name}", ENTER, shows, quiet=0.2)
                self.each("clear", ESCAPE, quiet=0.3)

    def jumps(self, reps: int) -> None:
        """G to the last row, g to the first, s to the next sort (cursor on its first row)."""
        for _ in range(reps):
            n = self.oracle.count(sort=self.sort)
            self.each("G", END, self.at(n - 1), quiet=0.2)
            self.each("g", HOME, self.at(0), quiet=0.2)
            names = list(SORTS)
            self.sort = names[(names.index(self.sort) + 1) % len(names)]
            self.each("sort", SORT, self.at(0), quiet=0.2)
        while self.sort != "deadline":  # back to the default order
            names = list(SORTS)
            self.sort = names[(names.index(self.sort) + 1) % len(names)]
            self.each(None, SORT, quiet=0.3)

    def tags(self, reps: int) -> None:
        """T `source:ao`, enter to the status line's tagged count; esc clears the tags."""
        tagged = said("\u2731 {}", self.oracle.count(TAG, self.sort))
        for _ in range(reps):
            self.each(None, {"triage": b"T", "bare": b"/"})
            self.each(None, TAG.encode(), quiet=0.3)  # (less than the field's cursor blink, 0.5 s)
            self.each("T", ENTER, tagged, quiet=0.3, timeout=120)
            self.each(None, ESCAPE, quiet=0.5)


def use(term: PtyApp, oracle: Oracle, minutes: float) -> int:
    """Scripted use of the triage screen for `minutes`: rounds of `j`, page-down (deeper
    each round, into rows not fetched yet), `G`, `g`, `s`, a filter typed and applied, esc;
    each key sent when the screen has gone quiet. Returns the keys sent."""
    end = time.perf_counter() + minutes * 60
    sent, round_ = 0, 0
    while time.perf_counter() < end:
        round_ += 1
        for data in [DOWN] * 10 + [PAGE] * (3 + round_ % 20) + [END, HOME, SORT, b"/", USE_FILTERS[round_ % len(USE_FILTERS)].encode(), ENTER]:
            term.send(data, quiet=0.05)
            sent += 1
        for data in [DOWN] * 5 + [PAGE] * 3 + [ESCAPE]:
            term.send(data, quiet=0.05)
            sent += 1
        if time.perf_counter() >= end:
            break
    return sent


def in_ptys(url: str, token: str, tmp: Path, run: Run, count: int, minutes: float) -> None:
    """The bare app and the triage screen (`triage-tui --url`), each in its own pty."""
    state = tmp / f"state-{time.monotonic_ns()}"
    env = {"TRIAGE_TUI_TOKEN": token, "TRIAGE_TUI_STATE_DIR": str(state), "XDG_CONFIG_HOME": str(state / "config")}
    apps: dict[str, PtyApp] = {}
    oracle = Oracle(url, token)
    try:
        started = time.perf_counter()
        apps["bare"] = PtyApp([sys.executable, str(BENCH / "_bare.py")], {}, SIZE)
        apps["bare"].wait_text([b"row 0"])
        run.spawn["bare"] = time.perf_counter() - started
        n, top = oracle.count(), oracle.id_at(0)
        started = time.perf_counter()
        apps["triage"] = ours = PtyApp([sys.executable, "-m", "triage_tui", "--url", url], env, SIZE)
        ours.wait_text([f"open {n:,}".encode(), f"{top} · ".encode()])
        run.spawn["triage"] = time.perf_counter() - started
        for term in apps.values():
            term.settle(quiet=0.5)
        run.rss_open = ours.rss()[0]
        keys = Keys(apps, oracle, run)
        keys.pages_then_down(count)
        keys.filters(max(5, count // 15))
        keys.jumps(4 * max(1, count // 60))
        keys.tags(3)
        started = time.perf_counter()
        sent = use(ours, oracle, minutes)
        ours.settle(quiet=0.5)
        run.use = ((time.perf_counter() - started) / 60, sent)
        run.rss = {name: term.rss() for name, term in apps.items()}
    finally:
        oracle.close()
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


# -- the table --------------------------------------------------------------------------------


@dataclass
class Figure:
    """One line of the table: a figure at one size."""

    name: str
    n: int
    value: float
    p95: float | None
    bare: float | None
    unit: str
    target: str
    met: bool | None


def figures(runs: list[Run]) -> list[Figure]:
    base = runs[0]
    out: list[Figure] = []

    def p50(run: Run, app: str, kind: str) -> float:
        return pct([p.shown for p in run.times[app][kind]], 0.5) * 1e3

    def p95(run: Run, app: str, kind: str) -> float:
        return pct([p.shown for p in run.times[app][kind]], 0.95) * 1e3

    for run in runs:
        out.append(Figure("first usable screen, in-process", run.n, run.first, None, None, "s", "≤ 0.5 s", run.first <= 0.5))
        out.append(Figure("first usable screen, pty from exec", run.n, run.spawn["triage"], None, run.spawn["bare"], "s", "", None))
    for run in runs:
        rss, bare = run.rss["triage"][0] / 2**20, run.rss["bare"][0] / 2**20
        ratio = rss / (base.rss["triage"][0] / 2**20)
        out.append(Figure("app RSS after the keys and use", run.n, rss, run.rss["triage"][1] / 2**20, bare, "MB",
                          "≤ 150 MB, ≤ 1.3x smallest", rss <= 150 and ratio <= 1.3))
    for run in runs:
        made = sum(run.requests.values())
        out.append(Figure("requests made on open", run.n, made, None, None, "", "= smallest", made == sum(base.requests.values())))
    for kind, label, target, check in (
        ("down", "j p50, into rows not fetched at open", "≤ 1.5x bare", lambda v, b: v <= 1.5 * b),
        ("page", "page-down p50, into rows not fetched", "≤ 1.5x bare", lambda v, b: v <= 1.5 * b),
        ("filter indexed", "filter applied p50, indexed", "≤ 100 ms", lambda v, b: v <= 100),
        ("filter free text", "filter applied p50, free text", "≤ 300 ms", lambda v, b: v <= 300),
        ("clear", "esc clearing the filter p50", "", None),
        ("count indexed", "count while typing p50, indexed", "≤ 150 ms", lambda v, b: v <= 150),
        ("count free text", "count while typing p50, free text", "≤ 150 ms", lambda v, b: v <= 150),
        ("G", "G p50", "≤ 300 ms", lambda v, b: v <= 300),
        ("sort", "sort change p50", "≤ 300 ms", lambda v, b: v <= 300),
        ("g", "g p50", "", None),
        ("T", f"T tag by filter p50 ({TAG})", "≤ 2 s", lambda v, b: v <= 2000),
    ):
        for run in runs:
            value, bare = p50(run, "triage", kind), p50(run, "bare", kind)
            out.append(Figure(label, run.n, value, p95(run, "triage", kind), bare, "ms", target, check(value, bare) if check else None))
    return out


def show(runs: list[Run], oracles: dict[int, dict[str, int]]) -> None:
    rows = figures(runs)
    base = {f.name: f.value for f in rows if f.n == runs[0].n}
    print(f"triage screen, {SIZE[0]}x{SIZE[1]}, one run. Keys through a pty: ms from the key's bytes to the end of the frame")
    print("that shows its result (see the docstring); bare = _bare.py, the same layout and keys with an empty list, in turn.")
    print(f"{'figure':<42} {'items':>9} {'value':>9} {'p95/peak':>9} {'bare':>8} {'x bare':>7} {f'x {runs[0].n:,}':>8}  {'target':<26} met")
    for f in rows:
        ratio_base = f.value / base[f.name] if base.get(f.name) else float("nan")
        fmt = (lambda v: f"{v:,.0f}") if f.unit == "" else (lambda v: f"{v:.2f}") if f.unit == "s" else (lambda v: f"{v:,.1f}")
        p95 = fmt(f.p95) if f.p95 is not None else "—"
        bare = fmt(f.bare) if f.bare is not None else "—"
        x_bare = f"{f.value / f.bare:.2f}" if f.bare else "—"
        met = "—" if f.met is None else "yes" if f.met else "NO"
        print(f"{f.name + (f' ({f.unit})' if f.unit else ''):<42} {f.n:>9,} {fmt(f.value):>9} {p95:>9} {bare:>8} {x_bare:>7} {ratio_base:>8.2f}  {f.target:<26} {met}")
    print()
    for run in runs:
        made = ", ".join(f"{what} {k}" for what, k in sorted(run.requests.items()))
        print(f"{run.n:>9,}: requests on open: {made}")
        placeholders = {kind: sum(PLACEHOLDER in p.text for p in run.times["triage"][kind]) for kind in ("page", "down", "G", "sort")}
        print(f"{'':>9}  keys whose result came after placeholder rows: " + ", ".join(
            f"{kind} {k}/{len(run.times['triage'][kind])}" for kind, k in placeholders.items()))
        print(f"{'':>9}  RSS at open {run.rss_open / 2**20:.1f} MB; after {run.use[0]:.1f} min and {run.use[1]:,} keys of scripted use "
              f"{run.rss['triage'][0] / 2**20:.1f} MB (peak {run.rss['triage'][1] / 2**20:.1f}); bare {run.rss['bare'][0] / 2**20:.1f} MB; "
              f"matches: {', '.join(f'{k} {v:,}' for k, v in oracles[run.n].items())}")
    largest = runs[-1].n
    print()
    print(f"Targets at {largest:,} items" + ("" if largest >= 3_000_000 else " (the issue names 3M; the largest size of this run)") + ":")
    for f in rows:
        if f.n == largest and f.met is not None:
            value = f"{f.value:,.0f}" if f.unit == "" else f"{f.value:,.2f} {f.unit}"
            print(f"  {'met    ' if f.met else 'NOT MET'}  {f.name}: {value} (target {f.target})")


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
    parser.add_argument("--keys", type=int, default=150, help="j presses; a third as many pages, a fifteenth as many filters of each kind")
    parser.add_argument("--use-minutes", type=float, default=10.0, help="minutes of scripted use before the RSS is read (default 10)")
    parser.add_argument("--keep", type=Path, help="keep the seeded databases here and reuse them")
    args = parser.parse_args()
    runs: list[Run] = []
    matched: dict[int, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        keep = args.keep or tmp
        keep.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            db = seeded(keep, n)
            run = Run(n)
            with backend_process(db) as (url, token):
                asyncio.run(startup(url, token, tmp))  # untimed: the first open in this process pays its one-time costs
                run.first = asyncio.run(startup(url, token, tmp))
                run.requests = requests_on_open(url, token, tmp)
                in_ptys(url, token, tmp, run, args.keys, args.use_minutes)
                oracle = Oracle(url, token)
                matched[n] = {text: oracle.count(text) for text in (INDEXED, FREE, TAG)}
                oracle.close()
            runs.append(run)
            print(f"{n:,} items done", file=sys.stderr)
    show(runs, matched)
    return 0


if __name__ == "__main__":
    sys.exit(main())
