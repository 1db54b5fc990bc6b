"""The queue as a window over the backend (issue #16), through the real app on a real
reference server: the app holds a bounded run of the view's rows, fetched by position,
and stays true while the feed removes and adds items under a moderator who pages.

The window's sizes are made small here (pages of 20, a run of at most 60 rows) so that
the 200 seeded items behave as a queue many times the window, as a million do."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.test_triage_screen import audit, loaded, make_app, outbox_path, until  # noqa: F401 (a fixture)
from triage_tui.backends import Capabilities
from triage_tui.backends.triage import TriageBackend
from triage_tui.filters import Sort
from triage_tui.model import Action, Decision
from triage_tui.outbox import Outbox
from triage_tui.queue import session as session_mod
from triage_tui.ui.app import TriageApp
from triage_tui.ui.screens.triage import Settings, TriageScreen

SETTINGS = Settings(undo_seconds=0.2, claim_on_open=False)


@pytest.fixture(autouse=True)
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_mod, "PAGE", 20)
    monkeypatch.setattr(session_mod, "AHEAD", 10)
    monkeypatch.setattr(session_mod, "KEEP", 60)
    monkeypatch.setattr(session_mod, "SEQ_PAGE", 20)


def whole_queue(server: RunningServer) -> list[str]:
    """The open queue's ids in the app's default order, as the server has it now."""
    r = httpx.get(f"{server.url}/v1/queue/ids", headers=server.auth("ana"), params={"queue": "open", "sort": "deadline"})
    ids: list[str] = []
    for line in r.text.splitlines():
        ids += __import__("json").loads(line).get("ids", [])
    return ids


async def decide_elsewhere(server: RunningServer, item_ids: list[str]) -> None:
    decisions = []
    for item_id in item_ids:
        r = httpx.get(f"{server.url}/v1/items/{item_id}", headers=server.auth("ben"))
        decisions.append(Decision.new(item_id, r.json()["version"], Action.APPROVE).to_json())
    async with httpx.AsyncClient(base_url=server.url) as other:
        r = await other.post("/v1/decisions", headers=server.auth("ben"), json={"decisions": decisions})
    assert {x["result"] for x in r.json()["results"]} == {"applied"}


def new_item(n: int, when: str) -> dict[str, Any]:
    return {"id": f"it-new-{n}", "kind": "post", "text": f"a new post {n}", "title": None, "language": "en", "created_at": when,
            "media": [], "author": None, "member_count": None,
            "reports": [{"id": f"rp-new-{n}", "source": "user_report", "reason": "spam", "created_at": when, "reporter": "acct-1"}]}


def shown_rows(screen: TriageScreen) -> list[str]:
    """The ids on screen, top to bottom (placeholders as None)."""
    queue = screen.queue
    top, height = queue.scroll_offset.y, queue.scrollable_content_region.height
    return [i.id if i is not None else None for i in queue.items[top : top + height]]  # type: ignore[misc]


async def test_the_window_holds_a_bounded_run_and_pages_to_the_end(server: RunningServer, outbox_path: Path) -> None:
    app = make_app(server, outbox_path, SETTINGS)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        truth = whole_queue(server)
        assert len(screen.queue.items) == len(truth) == 200  # every position, from the first page's total
        assert len(screen.queue.loaded) < 200
        seen: list[str] = []
        while True:
            await until(pilot, lambda: None not in shown_rows(screen))
            seen += [i for i in shown_rows(screen) if i not in seen]
            assert len(screen.queue.loaded) <= 60 + 20  # the run stays bounded (one page over while it joins)
            if screen.queue.cursor_index == len(screen.queue.items) - 1:
                break
            await pilot.press("pagedown")
        assert seen == truth  # every row once, in the server's order
        await pilot.press("g")  # back to the top: fetched again, by position
        await until(pilot, lambda: shown_rows(screen)[0] == truth[0])


async def test_the_window_stays_true_while_the_feed_removes_and_adds_items(server: RunningServer, outbox_path: Path) -> None:
    """While the moderator pages, others decide items (on screen, in the run, and beyond
    it) and new items arrive: the decided ones leave at once, the new ones do not move rows
    under the cursor but are counted, and R shows them with the cursor on the same item."""
    app = make_app(server, outbox_path, SETTINGS)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        truth = whole_queue(server)
        await pilot.press("pagedown", "pagedown")
        await until(pilot, lambda: None not in shown_rows(screen))
        on_screen = shown_rows(screen)
        cursor = screen.queue.cursor_item
        assert cursor is not None
        gone = [on_screen[1], on_screen[-2], truth[-1], truth[0]]  # two on screen, the last one, the first one
        gone = [i for i in gone if i != cursor.id]
        await decide_elsewhere(server, gone)  # type: ignore[arg-type]
        await until(pilot, lambda: all(screen.queue.index_of(i) is None for i in gone))  # type: ignore[arg-type]
        await until(pilot, lambda: len(screen.queue.items) == 200 - len(gone))
        assert screen.queue.cursor_item is not None and screen.queue.cursor_item.id == cursor.id
        now = __import__("triage_tui.model", fromlist=["now"]).now().isoformat()
        async with httpx.AsyncClient(base_url=server.url) as root:
            r = await root.post("/v1/items", json={"items": [new_item(n, now) for n in range(3)]}, headers=server.auth("root"))
        assert r.json()["created"] == 3
        await until(pilot, lambda: len(screen.session.new) == 3)
        assert screen.queue.cursor_item.id == cursor.id and len(screen.queue.items) == 200 - len(gone)  # nothing moved
        status = str(screen.query_one("#status").render())
        assert "3 new · R shows them" in status
        await pilot.press("R")
        await until(pilot, lambda: len(screen.queue.items) == 200 - len(gone) + 3 and None not in shown_rows(screen))
        assert screen.queue.cursor_item is not None and screen.queue.cursor_item.id == cursor.id  # R kept the cursor's item
        assert not screen.session.new and "new · R" not in str(screen.query_one("#status").render())
        truth = whole_queue(server)
        assert screen.queue.cursor_index == truth.index(cursor.id)  # at its true position
        for n in range(3):
            assert f"it-new-{n}" in truth
        await pilot.press("G")
        await until(pilot, lambda: None not in shown_rows(screen))
        assert shown_rows(screen)[-1] == truth[-1]


async def test_tag_by_filter_tags_every_match_beyond_the_window_and_decides_them(server: RunningServer, outbox_path: Path) -> None:
    """`T` takes the ids of every match from one id stream (not from the rows held), and
    approving them fetches the rows it lacks first: every tagged item is decided once."""
    app = make_app(server, outbox_path, Settings(undo_seconds=0.2, claim_on_open=False, confirm_above=1000))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        r = httpx.get(f"{server.url}/v1/queue/count", headers=server.auth("ana"), params={"queue": "open", "filter": "source:user"})
        matching = r.json()["total"]
        assert matching > 80  # more than the window holds
        await pilot.press("T", *"source:user")
        await until(pilot, lambda: f"{matching} of 200 shown match" in str(screen.query_one("#filter-error").render()))
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.queue.tagged) == matching)
        assert len(screen.queue.loaded) < matching
        await pilot.press("a")
        await until(pilot, lambda: len([e for e in audit(server) if e["action"] == "approve"]) == matching, timeout=30)
        approved = {e["item_id"] for e in audit(server)}
        r = httpx.get(f"{server.url}/v1/queue/count", headers=server.auth("ana"), params={"queue": "open", "filter": "source:user"})
        assert r.json()["total"] == 0 and len(approved) == matching
        await until(pilot, lambda: len(screen.queue.items) == 200 - matching)


class UncountedBackend(TriageBackend):
    """The reference client, with the capabilities of a backend that can neither count,
    jump to a position nor evaluate an expression (as Ozone): what no real server of ours
    can be made to lack, the client is told it lacks."""

    capabilities = Capabilities(claims=True, versions=True, escalation=True, scoped_removal=True, change_feed=True,
                                sorted_pages=True, filter_fields=frozenset({"kind"}), sorts=frozenset({"deadline"}))


async def test_a_backend_that_cannot_count_shows_lower_bounds_and_never_crawls(server: RunningServer, outbox_path: Path) -> None:
    requests: list[httpx.Request] = []

    async def seen(request: httpx.Request) -> None:
        requests.append(request)

    backend = UncountedBackend(server.url, server.tokens["ana"])
    backend._client.event_hooks["request"].append(seen)  # the real requests the real client sends
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=SETTINGS)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        await pilot.pause(0.5)
        pages = [r for r in requests if r.url.path == "/v1/queue"]
        rows = screen.queue.scrollable_content_region.height
        assert len(pages) == -(-(rows + 10) // 20)  # the screen and its look-ahead, in pages of 20: no crawl
        assert all("offset" not in r.url.params and "filter" not in r.url.params for r in pages)
        status = str(screen.query_one("#status").render())
        assert f"open ≥ {len(screen.queue.loaded)}" in status
        await pilot.press("slash", *"source:user")
        await until(pilot, lambda: "so far" in str(screen.query_one("#filter-error").render()))
        held = [i for i in screen.queue.loaded if "user_report" in i.sources]
        assert str(screen.query_one("#filter-error").render()).startswith(f"≥ {len(held)} item")
        await pilot.press("enter")
        await until(pilot, lambda: screen.session.view.filter and None not in shown_rows(screen))
        assert all("user_report" in i.sources for i in screen.queue.loaded)  # the filter applied here, to the rows fetched
        assert "≥" in str(screen.query_one("#status").render())


async def test_sort_and_g_are_one_request_each_at_any_size(server: RunningServer, outbox_path: Path) -> None:
    requests: list[httpx.Request] = []

    async def seen(request: httpx.Request) -> None:
        requests.append(request)

    backend = TriageBackend(server.url, server.tokens["ana"])
    backend._client.event_hooks["request"].append(seen)
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=SETTINGS)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        await pilot.pause(0.3)
        before = len([r for r in requests if r.url.path == "/v1/queue"])
        await pilot.press("G")
        await until(pilot, lambda: None not in shown_rows(screen))
        jumps = [r for r in requests if r.url.path == "/v1/queue"][before:]
        assert len(jumps) == 1 and int(jumps[0].url.params["offset"]) > 100  # one request, there
        await pilot.press("s")
        await until(pilot, lambda: str(screen.session.view.sort) != "deadline" and None not in shown_rows(screen))
        sort = screen.session.view.sort
        assert isinstance(sort, Sort) and screen.queue.cursor_index == 0
        await asyncio.sleep(0)


async def test_an_empty_view_asks_once(server: RunningServer, outbox_path: Path) -> None:
    """A filter nothing matches is one request, not a request after every answer."""
    requests: list[httpx.Request] = []

    async def seen(request: httpx.Request) -> None:
        requests.append(request)

    backend = TriageBackend(server.url, server.tokens["ana"])
    backend._client.event_hooks["request"].append(seen)
    app = TriageApp(backend, Outbox(outbox_path), backend_name=server.url, settings=SETTINGS)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash", *'"no such words anywhere"', "enter")
        await until(pilot, lambda: screen.session.opened and screen.session.view.filter and len(screen.queue.items) == 0)
        await pilot.pause(0.5)
        pages = [r for r in requests if r.url.path == "/v1/queue" and "no such words" in r.url.params.get("filter", "")]
        assert 1 <= len(pages) <= 2, pages  # the preview's page (and, if enter came first, the view's own)
        assert "no item" in str(screen.detail.render()).lower() or screen.queue.cursor_item is None
