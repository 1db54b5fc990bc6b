"""A view of the queue over protocol v1.1 (`triage_tui.views`), and `batch`/`export` on it,
against the real reference server on 127.0.0.1.

The requests a command makes are counted by a real loopback proxy between the command
and the server (tests/faultproxy.py), not by a mock. "The old path" is the same real
server asked as a v1 backend: the client's `TriageBackend` with the v1.1 capabilities
taken away, so it narrows pages by query parameters and applies the filter itself — the
path every backend without them (Ozone) still takes.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import FakeClock, RunningServer, start_server
from faultproxy import FaultProxy

from triage_tui import views
from triage_tui.backends import Backend, Capabilities
from triage_tui.backends.triage import TriageBackend
from triage_tui.config import SyncSettings
from triage_tui.filters import SORTS, parse, parse_sort
from triage_tui.model import ItemSummary

V1 = replace(TriageBackend.capabilities, filter_fields=frozenset(), sorts=frozenset(SORTS), filter_expressions=False,
             counts=False, offsets=False, id_streams=False)
"""A v1 server: pages in its order for the forward sorts, the per-field parameters, nothing else."""
OZONE_LIKE = replace(V1, sorted_pages=False, sorts=frozenset(), filter_fields=frozenset({"kind", "reason"}))
"""What Ozone says of itself: the client sorts, and filters all but kind and reason."""
BIG = 4000
FILTER = "-source:automated -kind:channel"  # no query parameter of v1 narrows it: the old path reads the whole queue


def backend(url: str, token: str, capabilities: Capabilities | None = None) -> TriageBackend:
    b = TriageBackend(url, token)
    if capabilities is not None:
        b.capabilities = capabilities  # type: ignore[misc]  # an instance's own flags, as OzoneBackend sets after its probe
    return b


async def rows(b: Backend, queue: str, flt: str, sort: str, limit: int | None = None) -> list[ItemSummary]:
    view = views.plan(b.capabilities, queue, parse(flt), parse_sort(sort))
    return [i async for i in views.matching(b, view, limit)]


@pytest.fixture
def big(tmp_path: Path) -> Iterator[RunningServer]:
    embedded, running = start_server(tmp_path / "big.db", FakeClock(), items=BIG)
    try:
        yield running
    finally:
        embedded.stop()
        running.store.close()


# -- the view: one answer whichever way it is asked ------------------------------------------


@pytest.mark.parametrize(("flt", "sort", "limit"), [
    ("", "deadline", None),
    (FILTER, "-age", None),
    ("kind:post -reason:spam -flag:any", "priority", 7),
    ('source:user reports>=3 -country:RU', "-reports", None),
    ('"free" -source:trusted', "age", None),
    ("reason:spam,hate_speech campaign:any", "-deadline", 30),
    ("flag:any", "reports", None),
])
def test_the_server_the_v1_path_and_the_ozone_path_give_one_view(server: RunningServer, flt: str, sort: str, limit: int | None) -> None:
    async def run() -> None:
        token = server.tokens["ana"]
        async with backend(server.url, token) as full, backend(server.url, token, V1) as v1, backend(server.url, token, OZONE_LIKE) as oz:
            view = views.plan(full.capabilities, "open", parse(flt), parse_sort(sort))
            assert view.exact and view.query.filter == (str(parse(flt)) or None) and view.query.sort == sort  # all of it to the server
            got = await rows(full, "open", flt, sort, limit)
            assert got == await rows(v1, "open", flt, sort, limit) == await rows(oz, "open", flt, sort, limit)
            assert got or flt == "flag:any"
            assert await views.ids(full, view, limit) == [i.id for i in got]
            if limit is None:
                assert await views.count(full, view) == len(got)
            for b in (v1, oz):  # no id stream, no count: the caller reads rows
                other = views.plan(b.capabilities, "open", parse(flt), parse_sort(sort))
                assert await views.ids(b, other) is None and await views.count(b, other) is None
    asyncio.run(run())


def test_a_backend_that_evaluates_some_terms_gets_those_and_the_client_applies_the_rest(server: RunningServer) -> None:
    some = replace(TriageBackend.capabilities, filter_fields=frozenset({"kind", "source"}))
    view = views.plan(some, "open", parse('kind:post "free" -source:automated reports>=2'), parse_sort("priority"))
    assert view.query.filter == "kind:post -source:automated" and str(view.rest) == 'free reports>=2' and not view.exact

    async def run() -> None:
        async with backend(server.url, server.tokens["ana"], some) as b, backend(server.url, server.tokens["ana"]) as full:
            expr = 'kind:post "free" -source:automated reports>=2'
            assert await rows(b, "open", expr, "priority") == await rows(full, "open", expr, "priority")
            assert await views.ids(b, view) is None and await views.count(b, view) is None  # only rows can say
    asyncio.run(run())


# -- batch and dry runs through a counting proxy ---------------------------------------------


@dataclass
class Ran:
    code: int
    out: str
    err: str
    requests: list[str]  # "METHOD /path" of every request the command made

    def paths(self, path: str) -> list[str]:
        return [r for r in self.requests if r.split("?")[0] == path]


def cli(server: RunningServer, state: Path, *args: str) -> Ran:
    """`triage-tui` in a fresh process, through a recording proxy to the real server."""
    async def go() -> Ran:
        async with FaultProxy(server.url) as proxy:
            env = {**os.environ, "TRIAGE_TUI_TOKEN": server.tokens["ana"], "TRIAGE_TUI_STATE_DIR": str(state)}
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "triage_tui", *args, "--url", proxy.url, env=env,
                                                        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.PIPE)
            out, err = await proc.communicate()
            return Ran(proc.returncode or 0, out.decode(), err.decode(), [f"{r.method} {r.target}" for r in proxy.received])
    ran = asyncio.run(go())
    assert "Traceback" not in ran.err, ran.err
    return ran


def recorded(server: RunningServer) -> list[tuple[str, int, str]]:
    """(item_id, item_version, action) of every decision the server recorded."""
    with sqlite3.connect(server.store.path) as db:
        return sorted(db.execute("SELECT item_id, json_extract(body, '$.item_version'), json_extract(body, '$.action') FROM decisions"))


def test_a_batch_by_filter_over_thousands_reads_only_its_rows_and_decides_what_the_old_path_would(big: RunningServer, tmp_path: Path) -> None:
    async def old_path() -> tuple[list[ItemSummary], int]:
        async with FaultProxy(big.url) as proxy:
            async with backend(proxy.url, big.tokens["ana"], V1) as v1:
                items = await rows(v1, "open", FILTER, "-age")
            return items, len([r for r in proxy.received if r.target.split("?")[0] == "/v1/queue"])

    expected, old_pages = asyncio.run(old_path())
    assert 2000 <= len(expected) <= 3000 and old_pages == math.ceil(BIG / views.PAGE)  # v1 reads the whole queue
    before = recorded(big)
    ran = cli(big, tmp_path / "state", "batch", "approve", "--filter", FILTER, "--sort", "-age", "--yes", "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["applied"] == len(expected)
    pages = ran.paths("GET /v1/queue")
    sends = math.ceil(len(expected) / SyncSettings().batch)
    assert len(pages) == math.ceil(len(expected) / views.PAGE) < old_pages  # only the matching rows, 1,000 a page
    assert all("filter=-source%3Aautomated+-kind%3Achannel" in p and "sort=-age" in p for p in pages)
    assert sorted(ran.requests) == sorted(["GET /v1/me", "GET /v1/policy", *pages, *["POST /v1/decisions"] * sends])
    assert [d for d in recorded(big) if d not in before] == sorted((i.id, i.version, "approve") for i in expected)


def test_a_dry_run_of_an_approval_reads_one_id_stream_and_no_rows(big: RunningServer, tmp_path: Path) -> None:
    async def expected() -> list[str]:
        async with backend(big.url, big.tokens["ana"], V1) as v1:
            return [i.id for i in await rows(v1, "open", "source:user reports>=2", "priority")]

    want = asyncio.run(expected())
    ran = cli(big, tmp_path / "state", "batch", "approve", "--filter", "source:user reports>=2", "--sort", "priority", "--dry-run", "--json")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["items"] == want and json.loads(ran.out)["matched"] == len(want) > 1000
    assert ran.requests == ["GET /v1/me", "GET /v1/policy", ran.paths("GET /v1/queue/ids")[0]]
    limited = cli(big, tmp_path / "state", "batch", "escalate", "--to", "legal", "--filter", "source:user reports>=2", "--sort", "priority",
                  "--limit", "3", "--dry-run", "--json")
    assert json.loads(limited.out)["items"] == want[:3] and len(limited.paths("GET /v1/queue/ids")) == 1
    human = cli(big, tmp_path / "state", "batch", "approve", "--filter", "source:user reports>=2", "--limit", "5", "--sort", "priority", "--dry-run")
    assert [line.split("\t")[0] for line in human.out.splitlines()] == want[:5]  # lines need rows: one page of 5
    assert [r.split("?")[0] for r in human.requests] == ["GET /v1/me", "GET /v1/policy", "GET /v1/queue"] and "limit=5" in human.requests[2]


def test_a_script_without_yes_above_confirm_above_is_refused_after_one_count(big: RunningServer, tmp_path: Path) -> None:
    ran = cli(big, tmp_path / "state", "batch", "approve", "--filter", FILTER)
    assert ran.code == 2 and "more items than confirm_above (10); nothing was decided; pass --yes" in ran.err
    assert [r.split("?")[0] for r in ran.requests] == ["GET /v1/me", "GET /v1/policy", "GET /v1/queue/count"]
    few = cli(big, tmp_path / "state", "batch", "approve", "--filter", FILTER, "--limit", "4", "--json")
    assert few.code == 0 and json.loads(few.out)["applied"] == 4  # 4 is not above it: counted, then decided
    assert len(few.paths("GET /v1/queue/count")) == 1 and len(few.paths("GET /v1/queue")) == 1
    assert not (set(r.split("?")[0] for r in ran.requests) & {"POST /v1/decisions"})


def test_export_sends_the_filter_and_writes_what_the_old_path_wrote(big: RunningServer, tmp_path: Path) -> None:
    async def expected() -> list[str]:
        async with backend(big.url, big.tokens["ana"], V1) as v1:
            return [i.id for i in await rows(v1, "open", '"free" -flag:any', "-reports")]

    want = asyncio.run(expected())
    ran = cli(big, tmp_path / "state", "export", "--filter", '"free" -flag:any', "--sort", "-reports")
    assert ran.code == 0, ran.err
    assert [json.loads(line)["item_id"] for line in ran.out.splitlines()] == want and want
    assert [r.split("?")[0] for r in ran.requests] == ["GET /v1/me", "GET /v1/queue"]
