"""The reference backend as its own process, for benchmarks: a backend inside the measuring
process would share its CPU and GIL and bill its work to the client being measured."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


@contextlib.contextmanager
def backend_process(db: Path) -> Iterator[tuple[str, str]]:
    """`triage-tui serve` on a free loopback port over `db`; yields its URL and a token for
    mod-ana. (Pilot, for one, waits for the whole process to be idle.)"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_urlsafe(24)
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage_tui", "serve", "--db", str(db), "--port", str(port)],
        env={**os.environ, "TRIAGE_TUI_SERVER_TOKENS": f"{token}:mod-ana:moderator"},  # not argv: ps shows argv
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the backend did not start")
            time.sleep(0.1)
        yield url, token
    finally:
        proc.terminate()
        proc.wait(timeout=10)
