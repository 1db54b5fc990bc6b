"""A loopback HTTP/1.1 fault proxy for tests: a real TCP server between the client and
the reference backend that can answer canned errors, hang, drop the connection after
the backend has committed, truncate or trickle the answer — the faults a real network
and real proxies produce, which a mock cannot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx



@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass
class Canned:
    status: int = 200
    body: bytes | dict[str, object] | list[object] = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # accept the request and never answer

    def encode(self) -> bytes:
        body = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        head = [f"HTTP/1.1 {self.status} Canned", f"Content-Length: {len(body)}"]
        if not isinstance(self.body, bytes):
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Mangle:
    """Forward to the backend (which does the work), then spoil the answer:
    `drop` closes without answering, `truncate` sends half of it, `trickle` sends it a
    few bytes at a time with `delay` seconds between them."""

    mode: str
    delay: float = 0.5


Fault = Canned | Mangle | Callable[[Received], "Canned | Mangle | None"]


class FaultProxy:
    """A loopback HTTP/1.1 server that records every request, answers `faults[path]`
    (or `default`) with a canned response, and forwards anything else to `upstream`."""

    def __init__(self, upstream: str | None = None, *, default: Fault | None = None) -> None:
        self.upstream = httpx.URL(upstream) if upstream else None
        self.faults: dict[str, Fault] = {}
        self.default = default
        self.received: list[Received] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = asyncio.Event()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        # Let handlers end on their own (cancelling them makes asyncio log errors on 3.11).
        self._server.close()
        self._closing.set()
        for writer in list(self._writers):
            writer.close()
        await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 5)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                got = Received(method, target, headers, body)
                self.received.append(got)
                fault = self.faults.get(target.split("?")[0], self.default)
                chosen = fault(got) if callable(fault) else fault
                if chosen is None:
                    writer.write(await self._forward(got))
                    await writer.drain()
                    return
                if isinstance(chosen, Mangle):
                    await self._mangle(chosen, await self._forward(got), writer)
                    return
                canned = chosen
                if canned.hang:
                    await self._closing.wait()
                    return
                writer.write(canned.encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            self._writers.discard(writer)
            writer.close()

    async def _mangle(self, how: Mangle, answer: bytes, writer: asyncio.StreamWriter) -> None:
        if how.mode == "truncate":
            writer.write(answer[: len(answer) // 2])
            await writer.drain()
        elif how.mode == "trickle":
            for i in range(0, len(answer), 16):
                writer.write(answer[i : i + 16])
                await writer.drain()
                await asyncio.sleep(how.delay)
        # "drop": nothing at all; the finally clause closes the connection

    async def _forward(self, got: Received) -> bytes:
        assert self.upstream is not None, f"no fault for {got.target} and no upstream"
        reader, writer = await asyncio.open_connection(self.upstream.host, self.upstream.port)
        headers = {**got.headers, "host": f"{self.upstream.host}:{self.upstream.port}", "connection": "close"}
        head = f"{got.method} {got.target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1") + got.body)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        return answer
