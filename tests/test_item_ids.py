"""One id grammar (model `ID_RE`), at ingest, in the model and in every route: every id
the reference server takes at ingest can be fetched, claimed, released, decided and
exported — through the real client (backends/triage.py) over real HTTP, and through
the real `triage-tui export` in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import RunningServer
from triage_tui.backends import QueueQuery
from triage_tui.backends.triage import TriageBackend, _item_path
from triage_tui.model import ID_RE, Action, Decision, iso, now

# Ids an attacker or Ozone would send: path separators, dot segments, escapes, the
# characters a URL gives meaning to, and (refused) spaces, controls and non-ASCII.
HOSTILE = ["at://did:plc:abc/app.bsky.feed.post/3k", "a/b", "a/", "/", "//", "a//b", ".", "..", "...", "./x", "../x",
           "x/claim", "x/claim/", "%", "%2F", "a%2Fb", "%zz", "q?x=1", "h#frag", "a;b", "\\", "~", "+", "&", "'\"<>", "`{|}"]
ALPHABET = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from(["é", "\x00", "\x7f", "\u202e", "\n"])
ids = st.sampled_from(HOSTILE) | st.text(ALPHABET, min_size=0, max_size=24) | st.text(ALPHABET, min_size=505, max_size=520)


def item_input(item_id: str, text: str) -> dict[str, object]:
    return {"id": item_id, "kind": "post", "text": text,
            "reports": [{"id": "r-1", "source": "user_report", "reason": "spam", "created_at": iso(now())}]}


async def round_trip(url: str, token: str, item_id: str, text: str) -> None:
    async with TriageBackend(url, token) as backend:
        item = await backend.item(item_id)
        assert (item.id, item.version) == (item_id, 1)
        assert (await backend.claim(item_id, ttl=60)).holder == "mod-ana"
        assert (await backend.item(item_id)).claim is not None
        await backend.release(item_id)
        assert (await backend.item(item_id)).claim is None
        page = await backend.queue(QueueQuery(q=text), limit=10)  # what `export` reads
        assert [i.id for i in page.items] == [item_id]
        result, = await backend.decide([Decision.new(item_id, 1, Action.APPROVE)])
        assert (result.outcome.value, result.item_id) == ("applied", item_id)
        assert (await backend.item(item_id)).state.value == "closed"


@settings(max_examples=120, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(item_id=ids)
def test_every_id_ingest_accepts_can_be_fetched_claimed_decided_and_listed(server: RunningServer, item_id: str) -> None:
    text = f"marker {uuid.uuid4().hex}"
    r = httpx.post(f"{server.url}/v1/items", json={"items": [item_input(item_id, text)]}, headers=server.auth("root"))
    grammar = ID_RE.fullmatch(item_id) is not None
    if not grammar:
        assert r.status_code == 422 and r.json()["detail"].startswith("items[0].id:"), (item_id, r.text)
        return
    assert r.status_code == 200, r.text
    if r.json()["created"] == 0:  # an id drawn twice: the first draw decided it; it is still served
        assert httpx.get(f"{server.url}{_item_path(item_id)}", headers=server.auth("ana")).json()["state"] == "closed"
        return
    asyncio.run(round_trip(server.url, server.tokens["ana"], item_id, text))


def test_no_id_path_redirects_and_an_empty_id_is_no_route(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, headers=server.auth("ana"), follow_redirects=False) as http:
        for path in ("/v1/items/it-0000007/", "/v1/me/", "/v1/queue/"):
            r = http.get(path)
            assert (r.status_code, r.json()["error"]) == (404, "not_found"), path
        r = http.get("/v1/items/%FF")  # not UTF-8 once decoded: no id
        assert r.status_code == 422 and r.json()["detail"].startswith("item_id:")
        r = http.get("/v1/items/a%20b")
        assert r.status_code == 422 and r.json()["detail"].startswith("item_id:")


def test_export_writes_every_hostile_id_the_server_holds(server: RunningServer, tmp_path: Path) -> None:
    hostile = [i for i in HOSTILE if ID_RE.fullmatch(i)]
    r = httpx.post(f"{server.url}/v1/items", json={"items": [item_input(i, f"exported {n}") for n, i in enumerate(hostile)]},
                   headers=server.auth("root"))
    assert r.status_code == 200 and r.json()["created"] == len(hostile)
    env = {**os.environ, "TRIAGE_TUI_TOKEN": server.tokens["ana"], "TRIAGE_TUI_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-m", "triage_tui", "export", "--filter", "exported", "--format", "jsonl",
                           "--url", server.url], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    exported = [json.loads(line)["item_id"] for line in done.stdout.splitlines()]
    assert sorted(exported) == sorted(hostile)
    async def fetch_all() -> None:
        async with TriageBackend(server.url, server.tokens["ana"]) as backend:
            for item_id in exported:
                assert (await backend.item(item_id)).id == item_id
    asyncio.run(fetch_all())
