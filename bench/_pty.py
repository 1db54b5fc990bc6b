"""Key latency as a moderator feels it: an app in a real pseudo-terminal, timed from the
key's bytes written to the pty to the end of the frame that shows the key's result (the
first frame after it, or the first whose text holds what the result must show) and to
the end of the last frame the key caused.

Pilot's `press` cannot time this: it waits for the whole process to look idle in 20 ms
sleeps, so any key that repaints costs three of them and one that does not costs two,
whatever the app does in between. Here the app answers Textual's query for synchronized
output (DEC mode 2026), so every frame it writes ends in `ESC [ ? 2026 l` and the reader
sees each frame end as it arrives. The reader keeps where in the output each frame
ends, so a frame's text can be read back: `press(..., shows=...)` waits for the first
frame after the key whose text (the output since the key, escape sequences taken out)
shows what the key is meant to show (a row's item, a count), not merely the next
repaint (placeholder rows, an echo of the key).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

QUERY_SYNC = b"\x1b[?2026$p"
SUPPORTS_SYNC = b"\x1b[?2026;2$y"  # DECRPM: mode 2026 known, currently reset
FRAME_END = b"\x1b[?2026l"
ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")  # CSI, OSC, and two-byte ones


def text_of(output: bytes) -> bytes:
    """What the bytes write on the screen, less where: escape sequences (styles, cursor
    moves, modes) taken out, the characters left in order."""
    return ESCAPES.sub(b"", output)


@dataclass(frozen=True, slots=True)
class Press:
    """One key's times, seconds from its bytes written: to the end of the first frame
    after it; to the end of the frame that shows its result (`press(shows=...)`: the
    first whose text `shows` accepts; else the first frame); to the end of
    the last frame before the app went quiet. `text`: what the frames up to the result
    wrote (to tell, say, whether placeholder rows came first)."""

    first: float
    shown: float
    last: float
    text: bytes


class PtyApp:
    """A process on a pty of `size` (columns, rows), with a thread that timestamps the end
    of every frame it writes."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], size: tuple[int, int]) -> None:
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.proc = subprocess.Popen(
            list(argv), stdin=follower, stdout=follower, stderr=follower,
            env={**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", **env},
            start_new_session=True, close_fds=True, cwd=Path(__file__).resolve().parent.parent,
        )
        os.close(follower)
        self.fd = leader
        self.frames: list[float] = []
        self.ends: list[int] = []  # where in `output` each frame of `frames` ends
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        tail = b""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            seen = tail + chunk
            if QUERY_SYNC in seen:
                os.write(self.fd, SUPPORTS_SYNC)
            with self._lock:
                base = len(self.output) - len(tail)
                at = seen.find(FRAME_END)  # (`tail` is too short to hold one: each found is new)
                while at != -1:
                    self.frames.append(now)
                    self.ends.append(base + at + len(FRAME_END))
                    at = seen.find(FRAME_END, at + 1)
                self.output += chunk
            tail = seen[-(len(FRAME_END) - 1):]

    def settle(self, quiet: float = 0.3, timeout: float = 600) -> None:
        """Wait until no frame has ended for `quiet` seconds."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            time.sleep(quiet / 4)
            with self._lock:
                last = self.frames[-1] if self.frames else 0.0
            if self.frames and time.perf_counter() - last >= quiet:
                return
        raise TimeoutError("the app never went quiet")

    def send(self, data: bytes, quiet: float = 0.08, timeout: float = 60) -> None:
        """Write `data`, then wait until no frame has ended for `quiet` seconds (a key that
        draws nothing is fine: this does not wait for a frame)."""
        os.write(self.fd, data)
        time.sleep(quiet)
        self.settle(quiet=quiet, timeout=timeout)

    def press(self, data: bytes, quiet: float = 0.08, timeout: float = 10, shows: Callable[[bytes], bool] | None = None) -> Press:
        """Write `data`; wait for the frame that shows its result (see `Press`), then for
        `quiet` seconds without a frame. Later frames are work the key started (a claim
        answered, the next items prefetched) or the app's own (a clock tick)."""
        with self._lock:
            before, offset = len(self.frames), len(self.output)
        started = time.perf_counter()
        os.write(self.fd, data)
        shown: float | None = None
        text = b""
        checked = before
        while True:
            time.sleep(0.001)
            now = time.perf_counter()
            with self._lock:
                count = len(self.frames)
                first, last = (self.frames[before], self.frames[-1]) if count > before else (None, None)
                if shown is None:
                    for index in range(checked, count):
                        seen = text_of(bytes(self.output[offset : self.ends[index]]))
                        if shows is None or shows(seen):
                            shown, text = self.frames[index], seen
                            break
                    checked = count
            if shown is not None and last is not None and first is not None and now - last >= quiet:
                return Press(first - started, shown - started, last - started, text)
            if now - started > timeout:
                got = text_of(bytes(self.output[offset:]))[-400:]
                raise TimeoutError(f"no frame after {data!r} showed its result; the frames since wrote …{got!r}")

    def wait_text(self, needles: Sequence[bytes], since: int = 0, timeout: float = 600) -> float:
        """Seconds until a frame that ends after output offset `since` has written every
        one of `needles` since then."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            with self._lock:
                if self.ends and all(needle in text_of(bytes(self.output[since : self.ends[-1]])) for needle in needles):
                    return time.perf_counter() - started
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited: {text_of(bytes(self.output[-600:]))!r}")
            time.sleep(0.02)
        raise TimeoutError(f"{list(needles)!r} never appeared")

    def rss(self) -> tuple[int, int]:
        """The process's resident set now and at its peak, in bytes (VmRSS, VmHWM)."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines() if ":" in line)
        return (int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024)

    def wait_for(self, needle: bytes, timeout: float = 600) -> float:
        """Seconds until `needle` appears in the output."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            with self._lock:
                if needle in self.output:
                    return time.perf_counter() - started
            time.sleep(0.005)
        raise TimeoutError(f"{needle!r} never appeared")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.fd)
