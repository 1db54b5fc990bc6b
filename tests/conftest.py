"""Shared fixtures: the real reference backend on 127.0.0.1 at a random port, real SQLite.

The store's clock is a `FakeClock` so a test can let a claim lapse or a deadline pass
without sleeping; everything else — HTTP, uvicorn, SQLite in WAL mode — is real.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ozone_harness import (  # noqa: F401  the real-Ozone fixtures and their one skip note (tests/ozone_harness.py)
    ozone,
    ozone_subjects,
    pytest_collection_modifyitems,
    pytest_terminal_summary,
)
from triage_tui.server.auth import demo_moderators
from triage_tui.server.demo import seed_demo
from triage_tui.server.embedded import EmbeddedServer
from triage_tui.server.policy import DEFAULT_POLICY
from triage_tui.server.store import Store

SEEDED = 200


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(int(start if start is not None else time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RunningServer:
    url: str
    tokens: dict[str, str]
    store: Store
    clock: FakeClock

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def start_server(db: Path, clock: FakeClock, items: int = SEEDED) -> tuple[EmbeddedServer, RunningServer]:
    store = Store(db, DEFAULT_POLICY, clock=clock)
    seed_demo(store, items, now=clock())
    table, tokens = demo_moderators()
    embedded = EmbeddedServer(store, table).start()
    return embedded, RunningServer(embedded.url, tokens, store, clock)


@pytest.fixture
def server(tmp_path: Path, clock: FakeClock) -> Iterator[RunningServer]:
    """A fresh reference backend with 200 demo items and the demo moderators
    (ana, ben: moderator; lea: legal; cas: child_safety; sam: senior; root: admin)."""
    embedded, running = start_server(tmp_path / "backend.db", clock)
    try:
        yield running
    finally:
        embedded.stop()
        running.store.close()
