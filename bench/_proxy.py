"""A loopback proxy that counts the HTTP requests a client makes, for benchmarks.

It forwards bytes both ways unchanged, and reads the client's side only far enough to
see where each request starts (its head, and a body of `Content-Length` bytes), so a
request is counted when it arrives — a long poll that is still waiting for its answer
too, which a server's access log would only show once it is answered. It runs its own
event loop in a thread: the client measured through it is another process or another
event loop.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from types import TracebackType


@dataclass(frozen=True, slots=True)
class Request:
    at: float  # time.perf_counter() when its head arrived
    method: str
    path: str  # without the query


class CountingProxy:
    """`with CountingProxy(upstream_port) as proxy:` point the client at `proxy.url`;
    `proxy.requests` lists what it asked, in order."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()  # both ends of each connection, to close on exit
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def since(self, started: float) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.at >= started]

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop).result()
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        async def stop() -> None:
            # Closing the connections ends their handlers (cancelling them makes asyncio
            # log each one's CancelledError).
            assert self._server is not None
            self._server.close()
            for writer in list(self._open):
                writer.close()
            await asyncio.wait_for(asyncio.gather(*self._handlers, return_exceptions=True), 10)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._open.add(writer)
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            except OSError:
                return
            self._open.add(up_writer)
            back = asyncio.ensure_future(self._pump(up_reader, writer))
            try:
                await self._requests(reader, up_writer)
            except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                pass
            finally:
                up_writer.close()
                await asyncio.gather(back, return_exceptions=True)
                self._open.discard(up_writer)
        finally:
            writer.close()
            self._open.discard(writer)
            self._handlers.discard(task)

    async def _requests(self, reader: asyncio.StreamReader, up: asyncio.StreamWriter) -> None:
        """Client to server: each request's head and body, counted, forwarded."""
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *fields = head.decode("latin-1").split("\r\n")
            method, target, _ = line.split(" ", 2)
            with self._lock:
                self.requests.append(Request(time.perf_counter(), method, target.split("?", 1)[0]))
            length = 0
            for header in fields:
                name, _, value = header.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
                elif name.strip().lower() == "transfer-encoding":  # not counted past here: forward the rest as it is
                    up.write(head)
                    while chunk := await reader.read(1 << 16):
                        up.write(chunk)
                    return
            up.write(head + (await reader.readexactly(length) if length else b""))
            await up.drain()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(1 << 16):
                sink.write(chunk)
                await sink.drain()
        except (OSError, RuntimeError):
            pass
        finally:
            sink.close()
