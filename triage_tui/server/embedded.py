"""The reference backend in a background thread on 127.0.0.1: for `--demo`, tests and benchmarks.

It is the real server — uvicorn, Starlette, SQLite — on a port the OS picks, so nothing
that uses it can tell it from `triage-tui serve` except that it stops with its owner.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from triage_tui.server.app import create_app
from triage_tui.server.auth import TokenTable
from triage_tui.server.store import Store


class EmbeddedServer:
    """`with EmbeddedServer(store, tokens) as server: server.url` — serving until the block ends."""

    def __init__(self, store: Store, tokens: TokenTable, *, policy_json: dict[str, Any] | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        self.app = create_app(store, tokens, policy_json=policy_json)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="triage-reference-backend", daemon=True)
        self.url = ""

    def start(self) -> EmbeddedServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded reference backend did not start")
            time.sleep(0.01)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
