"""Who sees what, on every read path: one table of role × read path, against the real
reference server over HTTP and the real `triage-tui` commands in subprocesses.

One scene is played once: six reported posts are ingested, then `ana` escalates three
(to child_safety twice, to legal), `ben` escalates one to senior and removes another,
`cas` claims and removes one child-safety item and claims the other, `lea` claims the
legal one; one post stays open. Every post carries its own text marker and every
decision its own note, so a leak is a string search.

Each cell (role, read path) checks, for the moderator holding that role:
- no text of an item they may not see, and no note someone else wrote on it, is in
  anything the path returns (status line, body, stdout or stderr);
- what they may see is there: the items of their queue, their own decisions, the
  changes on their items, the counts of what they can see.

The table is checked for completeness: every GET route the Starlette app serves and
every `triage-tui` command must be a row (or be named, with the reason, as not reading
items), and every role of the protocol a column, so a new read path cannot forget the rule.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SEEDED, FakeClock, RunningServer, start_server
from starlette.routing import Route

from triage_tui.cli import build_parser
from triage_tui.model import Action, AuditPage, ChangeBatch, ChangeType, Decision, Item, Role, Stats, iso
from triage_tui.server.app import create_app
from triage_tui.server.auth import DEMO_MODERATORS, TokenTable
from triage_tui.server.policy import DEFAULT_POLICY

# -- the scene ---------------------------------------------------------------------------------

CS_CLOSED, CS_OPEN, LEGAL, SENIOR, DONE, OPEN = (
    "it-vis-csclosed", "it-vis-csopen", "it-vis-legal", "it-vis-senior", "it-vis-done", "it-vis-open")
OURS = (CS_CLOSED, CS_OPEN, LEGAL, SENIOR, DONE, OPEN)
# The escalation target each item ends with (None: never escalated, everyone's).
TEAM = {CS_CLOSED: "child_safety", CS_OPEN: "child_safety", LEGAL: "legal", SENIOR: "senior", DONE: None, OPEN: None}
STATE = {CS_CLOSED: "closed", CS_OPEN: "escalated", LEGAL: "escalated", SENIOR: "escalated", DONE: "closed", OPEN: "open"}
TARGET_ROLE = {t.code: t.role for t in DEFAULT_POLICY.escalation_targets}
# (who, item, action or None for a claim, fields), played in this order. The last two
# (cas on a child-safety item) end the feed with changes only child safety, senior and
# admin may read.
STEPS: tuple[tuple[str, str, Action | None, dict[str, Any]], ...] = (
    ("ana", CS_CLOSED, Action.ESCALATE, {"escalate_to": "child_safety"}),
    ("ana", CS_OPEN, Action.ESCALATE, {"escalate_to": "child_safety"}),
    ("ana", LEGAL, Action.ESCALATE, {"escalate_to": "legal"}),
    ("cas", CS_OPEN, None, {}),
    ("lea", LEGAL, None, {}),
    ("ben", SENIOR, Action.ESCALATE, {"escalate_to": "senior"}),
    ("ben", DONE, Action.REMOVE, {"reason": "spam"}),
    ("cas", CS_CLOSED, None, {}),
    ("cas", CS_CLOSED, Action.REMOVE, {"reason": "csam"}),
)
SCENE = tuple((who, i, a, f) for who, i, a, f in STEPS if a is not None)  # the decisions
CLAIMS = tuple((who, i) for who, i, a, _ in STEPS if a is None)

# The moderator who plays each role in the table (ana acts and is not observed).
PLAYER = {role: name for name, (_, roles) in DEMO_MODERATORS.items() if name != "ana" for role in roles}
ROLES = tuple(Role)


def text_of(item_id: str) -> str:
    return f"TEXT-{item_id.removeprefix('it-vis-')}"


def note_of(who: str, item_id: str) -> str:
    return f"NOTE-{who}-{item_id.removeprefix('it-vis-')}"


def sees(role: Role, item_id: str) -> bool:
    """The rule under test, stated once: never escalated, or escalated to your team, or senior/admin."""
    team = TEAM[item_id]
    return team is None or role in (Role.SENIOR, Role.ADMIN) or TARGET_ROLE[team] == role


def mod(name: str) -> str:
    return f"mod-{name}"


@dataclass
class World:
    server: RunningServer
    http: httpx.Client
    state: Path
    top: int = 0  # the feed's last seq once the scene is played

    def get(self, role: Role, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.server.auth(PLAYER[role]))

    def cli(self, role: Role, *args: str) -> tuple[int, str, str]:
        """`triage-tui ARGS --url URL` as the role's moderator runs it: the token in the environment."""
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env |= {"TRIAGE_TUI_TOKEN": self.server.tokens[PLAYER[role]], "TRIAGE_TUI_STATE_DIR": str(self.state / PLAYER[role])}
        done = subprocess.run([sys.executable, "-m", "triage_tui", *args, "--url", self.server.url], env=env,
                              capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, done.stdout, done.stderr


def _post(world: World, who: str, path: str, body: Any) -> httpx.Response:
    r = world.http.post(path, json=body, headers=world.server.auth(who))
    assert r.status_code == 200, r.text
    return r


def play(world: World) -> None:
    now = world.server.clock()
    old = datetime.fromtimestamp(now, UTC) - timedelta(days=400)  # older than every seeded report: the oldest open item is ours

    def post(n: int, item_id: str) -> dict[str, Any]:
        at = iso(old + timedelta(hours=n))
        reason = "csam" if TEAM[item_id] == "child_safety" else "spam"
        return {"id": item_id, "kind": "post", "text": f"{text_of(item_id)} reported words number {n}", "title": None,
                "language": "en", "created_at": at, "media": [], "member_count": None,
                "author": {"id": "acct-vis", "handle": "vis.example", "display_name": "Vis", "created_at": at},
                "reports": [{"id": f"rp-{item_id}", "source": "user_report", "reason": reason, "created_at": at,
                             "reporter": "acct-reporter"}]}

    answer = _post(world, "root", "/v1/items", {"items": [post(n, i) for n, i in enumerate(OURS)]}).json()
    assert answer["created"] == len(OURS)
    versions = dict.fromkeys(OURS, 1)
    for who, item_id, action, fields in STEPS:
        if action is None:
            _post(world, who, f"/v1/items/{item_id}/claim", {"ttl": 600})
            continue
        d = Decision.new(item_id, versions[item_id], action, note=note_of(who, item_id), **fields)
        result = _post(world, who, "/v1/decisions", {"decisions": [d.to_json()]}).json()["results"][0]
        assert result["result"] == "applied", result
        versions[item_id] = result["version"]
    world.top = world.server.store.seq()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("visibility")
    embedded, server = start_server(tmp / "backend.db", FakeClock())
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            w = World(server, http, tmp / "state")
            play(w)
            yield w
    finally:
        embedded.stop()
        server.store.close()


# -- what each role may see ----------------------------------------------------------------------


def hidden(role: Role) -> list[str]:
    """Strings that must never reach this role: the text of every item it may not see, and
    the notes others wrote on those items (its own notes are its own)."""
    out = [text_of(i) for i in OURS if not sees(role, i)]
    out += [note_of(who, i) for who, i, _, _ in SCENE if not sees(role, i) and who != PLAYER[role]]
    return out


def no_leak(role: Role, *texts: str) -> None:
    blob = "\n".join(texts)
    for secret in hidden(role):
        assert secret not in blob, f"{PLAYER[role]} ({role}) was shown {secret!r}"
    for team in ("child_safety", "legal", "senior"):  # a 403 or a `left` must not say where an item went
        for item_id in OURS:
            if TEAM[item_id] == team and not sees(role, item_id):
                assert f"escalated to {team}" not in blob


def audit_expected(role: Role) -> set[tuple[str, str, str]]:
    """(moderator, item, action) of the decisions the audit log shows the role: all for
    senior and admin, otherwise its own (each made on an item it could see at the time)."""
    everyone = role in (Role.SENIOR, Role.ADMIN)
    return {(mod(who), i, a.value) for who, i, a, _ in SCENE if everyone or who == PLAYER[role]}


def ours(ids: Any) -> set[str]:
    return set(ids) & set(OURS)


# -- the read paths: one function per cell -------------------------------------------------------


def about_no_item(path: str) -> Callable[[World, Role], None]:
    def check(world: World, role: Role) -> None:
        r = world.get(role, path)
        assert r.status_code == 200
        no_leak(role, r.text)
        assert not [i for i in OURS if i in r.text]  # no item of the scene is named at all
    return check


def queue_open(world: World, role: Role) -> None:
    r = world.get(role, "/v1/queue", queue="open", limit=1000)
    no_leak(role, r.text)
    assert ours(i["id"] for i in r.json()["items"]) == {OPEN}


def queue_escalated(world: World, role: Role) -> None:
    r = world.get(role, "/v1/queue", queue="escalated", limit=1000)
    no_leak(role, r.text)
    expected = {i for i in OURS if STATE[i] == "escalated" and sees(role, i)}
    assert ours(i["id"] for i in r.json()["items"]) == expected
    assert r.json()["total"] == len(expected)  # the seeded items are all open: every escalated item is ours


def queue_filtered(world: World, role: Role) -> None:
    """v1.1's `filter=` searches only what the role may see: a hidden item's own text finds
    nothing, by page or by position, and a team's name counts none of its hidden items."""
    for item_id in OURS:
        if STATE[item_id] != "escalated":
            continue
        r = world.get(role, "/v1/queue", queue="escalated", filter=f'"{text_of(item_id)}"', offset=0)
        no_leak(role, r.text)
        expected = [item_id] if sees(role, item_id) else []
        assert [i["id"] for i in r.json()["items"]] == expected and r.json()["total"] == len(expected)
    for team in ("child_safety", "legal", "senior"):
        r = world.get(role, "/v1/queue", queue="escalated", filter=f"escalated:{team}", sort="-age")
        assert r.json()["total"] == sum(STATE[i] == "escalated" and TEAM[i] == team and sees(role, i) for i in OURS)


def queue_count(world: World, role: Role) -> None:
    for queue, expected in (("open", SEEDED + 1), ("escalated", sum(STATE[i] == "escalated" and sees(role, i) for i in OURS))):
        r = world.get(role, "/v1/queue/count", queue=queue)
        assert r.json() == {"total": expected, "seq": world.top}
        hidden_text = world.get(role, "/v1/queue/count", queue="escalated", filter=f'"{text_of(CS_OPEN)}"').json()
        assert hidden_text["total"] == sees(role, CS_OPEN)


def queue_ids(world: World, role: Role) -> None:
    for queue in ("open", "escalated"):
        r = world.get(role, "/v1/queue/ids", queue=queue)
        no_leak(role, r.text)
        lines = [json.loads(line) for line in r.text.splitlines()]
        ids = [i for line in lines for i in line.get("ids", ())]
        assert lines[0] == {"seq": world.top} and lines[-1] == {"total": len(ids)}
        assert ours(ids) == {i for i in OURS if STATE[i] == queue and sees(role, i)}
        assert len(ids) == world.get(role, "/v1/queue/count", queue=queue).json()["total"]


def item(world: World, role: Role) -> None:
    bodies = []
    for item_id in OURS:
        r = world.get(role, f"/v1/items/{item_id}")
        bodies.append(r.text)
        assert r.status_code == (200 if sees(role, item_id) else 403), (item_id, r.text)
        if r.status_code == 200:
            got = Item.from_json(r.json())
            assert text_of(item_id) in got.text  # its own things do appear: the text, and every note on it
            assert {h.note for h in got.history} == {note_of(who, i) for who, i, _, _ in SCENE if i == item_id}
    no_leak(role, *bodies)
    # The author's record lists the prior decisions on items the role may see, and no other.
    author = world.get(role, f"/v1/items/{OPEN}").json()["author"]
    assert {p["item_id"] for p in author["prior_decisions"]} == {i for i in OURS if STATE[i] == "closed" and sees(role, i)}
    assert author["strikes"] == 2  # a count names no item: both removals of the author's posts


def changes(world: World, role: Role) -> None:
    r = world.get(role, "/v1/queue/changes", since=0, limit=1000)
    no_leak(role, r.text)
    raw = r.json()
    feed = ChangeBatch.from_json(raw)
    assert feed.seq == world.top  # the hidden tail is passed, not re-read for ever
    for item_id in OURS:
        got = [c.type for c in feed.changes if c.item_id == item_id]
        if item_id in (OPEN,):
            assert got == [ChangeType.NEW]
        elif item_id == DONE:
            assert got == [ChangeType.NEW, ChangeType.DECIDED]
        elif sees(role, item_id):
            expected = [ChangeType.NEW, ChangeType.ESCALATED]
            expected += [ChangeType.CLAIMED] * sum(1 for _, c in CLAIMS if c == item_id)
            expected += [ChangeType.DECIDED] * (STATE[item_id] == "closed")
            assert got == expected, item_id
        else:  # it left this role's sight: the id alone, once; nothing else on it, not even its `new`
            assert got == [ChangeType.LEFT], item_id
            left = next(c for c in raw["changes"] if c["item_id"] == item_id and c["type"] == "left")
            assert set(left) == {"seq", "type", "item_id", "at", "by"}
            actor = next(who for who, i, _, _ in SCENE if i == item_id)
            assert left["by"] == (mod(actor) if actor == PLAYER[role] else None)
    # Paging by seq sees the same changes in the same order, and ends at the same place.
    paged, since = [], 0
    while True:
        page = world.get(role, "/v1/queue/changes", since=since, limit=7).json()
        paged += page["changes"]
        if page["seq"] == since:
            break
        since = page["seq"]
    assert paged == raw["changes"] and since == world.top
    # From its last visible change, a long-poll answers nothing and moves the role's seq past the rest.
    last = raw["changes"][-1]["seq"]
    tail = world.get(role, "/v1/queue/changes", since=last, wait=0.5).json()
    assert (tail["changes"], tail["seq"]) == ([], world.top)
    if sees(role, CS_CLOSED):
        assert last == world.top


def audit(world: World, role: Role) -> None:
    r = world.get(role, "/v1/decisions", limit=1000)
    no_leak(role, r.text)
    page = AuditPage.from_json(r.json())
    assert {(e.moderator, e.decision.item_id, e.decision.action.value) for e in page.decisions} == audit_expected(role)
    for e in page.decisions:  # its own entries are whole: the note it wrote is there
        if e.moderator == mod(PLAYER[role]):
            assert e.decision.note == note_of(PLAYER[role], e.decision.item_id)
    other = world.get(role, "/v1/decisions", moderator="mod-ana")
    assert other.status_code == (200 if role in (Role.SENIOR, Role.ADMIN) else 403)
    no_leak(role, other.text)


def stats(world: World, role: Role) -> None:
    r = world.get(role, "/v1/stats")
    no_leak(role, r.text)
    s = Stats.from_json(r.json())
    assert s.queues == {"open": SEEDED + 1, "escalated": sum(STATE[i] == "escalated" and sees(role, i) for i in OURS),
                        "closed": sum(STATE[i] == "closed" and sees(role, i) for i in OURS)}
    assert ours(o.item_id for o in s.oldest_open_by_source.values()) <= {i for i in OURS if sees(role, i)}
    oldest_visible = next(i for i in OURS if STATE[i] != "closed" and sees(role, i))  # ours are the oldest, in OURS order
    assert s.oldest_open_by_source["user_report"].item_id == oldest_visible
    # Decisions on items it may see, and its own.
    counted = sum(1 for who, i, _, _ in SCENE if sees(role, i) or who == PLAYER[role])
    assert sum(c.count for c in s.decisions) == counted


def export(queue: str) -> Callable[[World, Role], None]:
    def check(world: World, role: Role) -> None:
        code, out, err = world.cli(role, "export", "--queue", queue)
        assert code == 0, err
        no_leak(role, out, err)
        got = ours(json.loads(line)["item_id"] for line in out.splitlines())
        assert got == {i for i in OURS if STATE[i] == queue and sees(role, i)}
    return check


def batch_dry_run(world: World, role: Role) -> None:
    code, out, err = world.cli(role, "batch", "approve", "--filter", "", "--dry-run", "--queue", "escalated")
    assert code == 0, err
    no_leak(role, out, err)  # the dry run lists each item with its snippet
    assert ours(line.split("\t")[0] for line in out.splitlines()) == {i for i in OURS if STATE[i] == "escalated" and sees(role, i)}


def report(world: World, role: Role) -> None:
    code, out, err = world.cli(role, "report", "--since", "30d", "--format", "json", "--by", "moderator")
    assert code == 0, err
    no_leak(role, out, err)
    totals = {g["key"]: g["total"] for g in json.loads(out)["groups"]}
    expected: dict[str, int] = {}
    for who, _, _ in audit_expected(role):
        expected[who] = expected.get(who, 0) + 1
    assert totals == expected


def statements(world: World, role: Role) -> None:
    code, out, err = world.cli(role, "report", "--since", "30d", "--statements")
    assert code == 0, err
    no_leak(role, out, err)
    made = {s["puid"] for line in out.splitlines() for s in json.loads(line)["statements"]}
    assert made == {i for _, i, a in audit_expected(role) if a == "remove"}


# The table. Keys are the app's GET routes (by their path as Starlette has it) and the
# `triage-tui` commands; each holds the cells for that path.
READ_PATHS: dict[str, dict[str, Callable[[World, Role], None]]] = {
    "/v1/health": {"health": about_no_item("/v1/health")},
    "/openapi.json": {"openapi": about_no_item("/openapi.json")},
    "/v1/me": {"me": about_no_item("/v1/me")},
    "/v1/policy": {"policy": about_no_item("/v1/policy")},
    "/v1/queue": {"queue open": queue_open, "queue escalated": queue_escalated, "queue filter=": queue_filtered},
    "/v1/queue/count": {"count": queue_count},
    "/v1/queue/ids": {"ids": queue_ids},
    "/v1/queue/changes": {"changes": changes},
    "/v1/items/{item_id:str}": {"item": item},
    "/v1/decisions": {"audit": audit},
    "/v1/stats": {"stats": stats},
    "cli export": {"export open": export("open"), "export escalated": export("escalated")},
    "cli batch": {"batch --dry-run": batch_dry_run},
    "cli report": {"report": report, "report --statements": statements},
}
# Commands that show no item the backend holds, and why.
NOT_READ_PATHS = {
    "cli sync": "sends this machine's outbox; prints only the moderator's own decisions",
    "cli apply": "decides the lines of a file; reads items through GET /v1/items/{id}, a row above",
    "cli config": "the config file and /v1/me",
    "cli serve": "runs the server",
}
CELLS = [pytest.param(role, check, id=f"{role.value}-{name}")
         for path, cells in READ_PATHS.items() for name, check in cells.items() for role in ROLES]


@pytest.mark.parametrize(("role", "check"), CELLS)
def test_role_sees_only_what_it_may(world: World, role: Role, check: Callable[[World, Role], None]) -> None:
    check(world, role)


def test_every_read_path_and_role_is_in_the_table(world: World) -> None:
    app = create_app(world.server.store, TokenTable())
    gets = {f"{r.path}" for r in app.routes if isinstance(r, Route) and r.methods and "GET" in r.methods}
    commands = next(a for a in build_parser()._subparsers._group_actions if a.dest == "command").choices  # type: ignore[union-attr]
    paths = gets | {f"cli {c}" for c in commands}
    assert paths == set(READ_PATHS) | set(NOT_READ_PATHS), "a read path without a row in READ_PATHS (or NOT_READ_PATHS)"
    assert not set(READ_PATHS) & set(NOT_READ_PATHS)
    assert set(PLAYER) == set(ROLES), "every role of the protocol is a column: give it a demo moderator"
    assert all(len(DEMO_MODERATORS[name][1]) == 1 for name in PLAYER.values())  # each player holds its role alone
