"""Hostile content is shown as evidence and never obeyed.

Through a real pty: the demo app runs over every showcase item (ANSI and CSI
spoofing, OSC 52 clipboard writes, OSC 8 links, C1 controls, Rich/Textual markup, a
lone `[/`, bidi overrides, zero-width characters, a 100 KB body), and no control
sequence from the content reaches the terminal, no action fires, nothing crashes.
Through Pilot: every place untrusted text appears — list line, detail pane, reason
and escalation pickers (labels come from the backend's policy), notifications —
renders it literally, with no link and no action attached.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.content import Content

from triage_tui.model import Item, ItemSummary, Policy
from triage_tui.server.auth import demo_moderators
from triage_tui.server.demo import generate, seed_demo
from triage_tui.server.demo_tables import HOSTILE_WRAPS
from triage_tui.server.policy import DEFAULT_POLICY, DEFAULT_POLICY_JSON
from triage_tui.server.store import QueueFilter, Store
from triage_tui.ui.screens.dialogs import EscalateDialog, ReasonPicker
from triage_tui.ui.widgets.detail import DetailPane, render_item
from triage_tui.ui.widgets.queue_list import QueueList

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC).timestamp()
HOSTILE_IDS = [f"it-{n:07d}" for n in range(14, 24)]
MARKUP = ["[@click=app.quit]x[/]", "[link=https://example.com]x[/]", "[/", "[bold red]x", "\x1b]52;c;ZXZpbA==\x07",
          "\x1b]8;;https://evil.example\x1b\\x\x1b]8;;\x1b\\", "\x9b31mred\x9b0m", "\x9d0;owned\x9c", "\x1b[2J\x1b[H"]


# -- through a real terminal --------------------------------------------------------------


def spawn(rows: int, cols: int, tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", "TRIAGE_TUI_STATE_DIR": str(tmp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage_tui", "--demo", "--demo-items", "40"],
        stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True, close_fds=True,
    )
    os.close(follower)
    return proc, leader


class Terminal:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.output = bytearray()

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output += chunk

    def wait_for(self, needle: bytes, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while needle not in self.output:
            if time.monotonic() > end:
                raise AssertionError(f"{needle!r} never appeared; last output: {bytes(self.output[-400:])!r}")
            self.pump(0.1)

    def send(self, keys: str, settle: float = 0.15) -> None:
        os.write(self.fd, keys.encode())
        self.pump(settle)


def test_no_control_sequence_from_content_reaches_the_terminal(tmp_path: Path) -> None:
    proc, fd = spawn(40, 120, tmp_path)
    term = Terminal(fd)
    try:
        term.wait_for(b"online")
        for _ in range(40):  # every showcase item passes under the cursor and into the detail pane
            term.send("j", 0.25)
        term.send("g", 0.3)
        for key in ("?", "\x1b", "r", "\x1b", "e", "\x1b"):
            term.send(key, 0.4)
        assert proc.poll() is None, "the app died on hostile content"
        term.send("q", 0.3)
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline:
            term.pump(0.1)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(fd)
    raw = bytes(term.output)
    text = raw.decode("utf-8", errors="replace")
    # The payloads that would act on the terminal never arrive raw.
    for forbidden in (b"\x1b]52;", b"\x1b]8;;https://evil", b"\x1b[32m\xe2\x9c\x94 approved", b"\x1b]0;owned"):
        assert forbidden not in raw, forbidden
    assert not re.search("[\u0080-\u009f]", text), "a C1 control reached the terminal"
    assert "\u202e" not in text and "\u2066" not in text and "\u200b" not in text
    # ... and the evidence is visible instead: control pictures and the markup, literally.
    assert "␛" in text
    assert "[@click=app.quit]" in text


# -- through Pilot: every place untrusted text appears ---------------------------------------


def hostile_items(tmp_path: Path) -> tuple[list[Item], list[ItemSummary]]:
    store = Store(tmp_path / "h.db", DEFAULT_POLICY, clock=lambda: NOW)
    try:
        seed_demo(store, 30, now=NOW)
        table, tokens = demo_moderators()
        sam = table.lookup(tokens["sam"])
        items = [Item.from_json(store.item(sam, i)) for i in HOSTILE_IDS]
        page = store.queue(sam, QueueFilter(), cursor=None, limit=1000)
        summaries = [ItemSummary.from_json(s) for s in page["items"] if s["id"] in HOSTILE_IDS]
    finally:
        store.close()
    return items, summaries


def assert_inert(content: Content) -> None:
    """No span of `content` carries a link or an action, and no control character survives."""
    for span in content.spans:
        style = span.style
        text = str(style)
        assert "link" not in text and "@click" not in text, span
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", content.plain)


def test_detail_pane_renders_every_hostile_item_inertly(tmp_path: Path) -> None:
    items, _ = hostile_items(tmp_path)
    policy = Policy.from_json(DEFAULT_POLICY_JSON)
    now = datetime.fromtimestamp(NOW, UTC)
    shown = []
    for item in items:
        content = render_item(item, policy, now, revealed=True)
        assert_inert(content)
        shown.append(content.plain)
    everything = "\n".join(shown)
    assert "[@click=app.quit]click me[/]" in everything
    assert "[/" in everything and "[bold red]" in everything
    assert "⟨RLO⟩" in everything or "⟨U+202E⟩" in everything


def test_hostile_demo_text_is_every_wrap(tmp_path: Path) -> None:
    """The generator really produces every hostile wrap, so the tests above cover them."""
    texts = "".join(
        i["text"] + (i["title"] or "") + "".join(r.get("comment") or "" for r in i["reports"])
        + "".join((i["author"] or {}).get(k) or "" for k in ("handle", "display_name"))
        for i in generate(10_000, now=NOW)
    )
    for pre, post in HOSTILE_WRAPS:
        assert pre in texts and post in texts, (pre, post)


class Harness(App[None]):
    def __init__(self, summaries: list[ItemSummary], item: Item) -> None:
        super().__init__()
        self.summaries = summaries
        self.item = item

    def compose(self) -> ComposeResult:
        yield QueueList(self.summaries, clock=lambda: datetime.fromtimestamp(NOW, UTC))
        yield DetailPane(id="detail")


async def test_list_lines_and_pane_carry_no_links_or_actions(tmp_path: Path) -> None:
    items, summaries = hostile_items(tmp_path)
    app = Harness(summaries, items[5])
    async with app.run_test(size=(160, 30)) as pilot:
        queue = app.query_one(QueueList)
        for y in range(len(summaries)):
            strip = queue.render_line(y)
            for segment in strip:
                assert isinstance(segment, Segment)
                style = segment.style
                assert style is None or (style.link is None and not style.meta), segment
                assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", segment.text), segment
        pane = app.query_one(DetailPane)
        for item in items:
            pane.show(item, policy=Policy.from_json(DEFAULT_POLICY_JSON), now=datetime.fromtimestamp(NOW, UTC), revealed=True)
            await pilot.pause()
        await pilot.click(DetailPane)  # a click on rendered hostile markup triggers nothing
        assert app.is_running


def hostile_policy() -> Policy:
    raw: dict[str, Any] = {**DEFAULT_POLICY_JSON}
    raw["reasons"] = [{**r, "label": MARKUP[i % len(MARKUP)] + r["label"]} for i, r in enumerate(DEFAULT_POLICY_JSON["reasons"])]
    raw["escalation_targets"] = [{**t, "label": MARKUP[i] + t["label"]} for i, t in enumerate(DEFAULT_POLICY_JSON["escalation_targets"])]
    return Policy.from_json(raw)


@pytest.mark.parametrize("dialog", ["reasons", "targets"])
async def test_pickers_show_hostile_policy_labels_literally(dialog: str) -> None:
    policy = hostile_policy()

    class PickerApp(App[None]):
        def on_mount(self) -> None:
            screen = ReasonPicker(policy.reasons, 1) if dialog == "reasons" else EscalateDialog(policy.escalation_targets, 1)
            self.push_screen(screen)

    app = PickerApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        svg = app.export_screenshot()
        assert "[@click=app.quit]x[/]" in svg.replace("&#160;", " ")
        await pilot.click(offset=(20, 6))
        assert app.is_running


async def test_notifications_with_hostile_text_are_plain() -> None:
    from textual.widgets._toast import Toast

    class NoticeApp(App[None]):
        pass

    app = NoticeApp()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        for text in MARKUP[:4]:
            app.notify(f"{text} was decided by [@click=app.quit]mod[/]", markup=False, timeout=30)
        await pilot.pause(0.2)
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 4
        for toast in toasts:
            content = toast.render()
            assert isinstance(content, Content)
            assert_inert(content)
            assert "[@click=app.quit]mod[/]" in content.plain
        await pilot.click(Toast)
        assert app.is_running
