"""Key latency as a moderator feels it: an app in a real pseudo-terminal, timed from the
key's bytes written to the pty to the end of the last frame the key caused.

Pilot's `press` cannot time this: it waits for the whole process to look idle in 20 ms
sleeps, so any key that repaints costs three of them and one that does not costs two,
whatever the app does in between. Here the app answers Textual's query for synchronized
output (DEC mode 2026), so every frame it writes ends in `ESC [ ? 2026 l` and the reader
sees each frame end as it arrives.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

QUERY_SYNC = b"\x1b[?2026$p"
SUPPORTS_SYNC = b"\x1b[?2026;2$y"  # DECRPM: mode 2026 known, currently reset
FRAME_END = b"\x1b[?2026l"


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
            ends = seen.count(FRAME_END) - tail.count(FRAME_END)
            with self._lock:
                self.frames.extend([now] * ends)
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

    def press(self, data: bytes, quiet: float = 0.08, timeout: float = 5) -> tuple[float, float]:
        """Seconds from writing `data` to the end of the first frame after it, and to the end
        of the last frame before `quiet` seconds without one. The first is when the screen
        shows the key's result; later ones are work the key started (a claim answered, the
        next items prefetched) or the app's own (a clock tick)."""
        with self._lock:
            before = len(self.frames)
        started = time.perf_counter()
        os.write(self.fd, data)
        while True:
            time.sleep(0.001)
            now = time.perf_counter()
            with self._lock:
                first, last = (self.frames[before], self.frames[-1]) if len(self.frames) > before else (None, None)
            if first is not None and last is not None and now - last >= quiet:
                return first - started, last - started
            if now - started > timeout:
                raise TimeoutError(f"no frame after {data!r}")

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
