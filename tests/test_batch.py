"""Batch mode as a script runs it: `triage-tui batch|apply|export` in a subprocess,
against the real reference server on 127.0.0.1, with a real outbox on disk.

Every run's stdout and stderr is also checked for the bearer token.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import pty
import re
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fcntl
import httpx
import pytest
from conftest import FakeClock, RunningServer, start_server
from faultproxy import Canned, FaultProxy

from triage_tui.countries import EEA, EU
from triage_tui.server.demo import showcase

ORDER_RU = "it-0000003"  # an authority order from RU: the policy wants legal review before removal
COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7](;[0-9;]*)?m|\x1b\[[0-9;]*38;")


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """`triage-tui` as a moderator's script runs it: a fresh process, the token in the
    environment, a state directory of its own."""

    def __init__(self, url: str, token: str, state: Path) -> None:
        self.url, self.token, self.state = url, token, state

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        return {**env, "TRIAGE_TUI_TOKEN": self.token, "TRIAGE_TUI_STATE_DIR": str(self.state), **extra}

    def __call__(self, *args: str, url: str | None = None, stdin: str = "", **env: str) -> Run:
        done = subprocess.run([sys.executable, "-m", "triage_tui", *args, "--url", url or self.url], input=stdin,
                              env=self.env(**env), capture_output=True, text=True, timeout=300)
        run = Run(done.returncode, done.stdout, done.stderr)
        assert self.token not in run.out + run.err
        assert "Traceback" not in run.err, run.err
        return run


def decisions(server: RunningServer) -> list[tuple[str, str, str]]:
    """(key, item_id, result) of every decision the server recorded, read from its database."""
    with sqlite3.connect(server.store.path) as db:
        return list(db.execute("SELECT key, item_id, json_extract(body, '$.action') FROM decisions ORDER BY n"))


def open_ids(server: RunningServer, token: str, **params: str) -> list[str]:
    r = httpx.get(f"{server.url}/v1/queue", headers={"Authorization": f"Bearer {token}"}, params={"limit": 500, **params})
    return [i["id"] for i in r.json()["items"]]


@pytest.fixture
def cli(server: RunningServer, tmp_path: Path) -> Cli:
    return Cli(server.url, server.tokens["ana"], tmp_path / "state")


def test_dry_run_lists_and_changes_nothing(server: RunningServer, cli: Cli) -> None:
    before = open_ids(server, cli.token)
    run = cli("batch", "remove", "--filter", "reason:spam", "--reason", "spam", "--dry-run", "--json")
    assert run.code == 0, run.err
    result = run.json()
    spam = open_ids(server, cli.token, reason="spam")
    assert result["dry_run"] is True and result["matched"] == len(spam) > 0
    assert sorted(result["items"]) == sorted(spam)
    assert decisions(server) == []
    assert open_ids(server, cli.token) == before
    assert not (cli.state / "outbox.db").exists()  # a dry run does not even open the outbox

    human = cli("batch", "remove", "--filter", "reason:spam", "--reason", "spam", "--dry-run")
    assert human.code == 0
    assert [line.split("\t")[0] for line in human.out.splitlines()] == result["items"]
    assert "nothing was decided (dry run)" in human.err


def test_a_sort_or_filter_value_may_start_with_a_dash(server: RunningServer, cli: Cli) -> None:
    """The help says "-age reverses": `--sort -age` works as typed, as does `--sort=-age`,
    and so does a negated filter term; a bad one is a usage error that names it."""
    def ids(*args: str) -> list[str]:
        run = cli("export", *args)
        assert run.code == 0, run.err
        return [json.loads(line)["item_id"] for line in run.out.splitlines()]

    forward = ids("--sort", "age")
    assert len(forward) > 100
    assert ids("--sort", "-age") == ids("--sort=-age") == forward[::-1]
    automated = set(open_ids(server, cli.token, source="automated"))
    rest = ids("--filter", "-source:automated", "--sort", "-age")
    assert rest == [i for i in forward[::-1] if i not in automated] and automated
    listed = cli("batch", "approve", "--filter", "-source:automated", "--sort", "-age", "--limit", "3", "--dry-run", "--json")
    assert listed.code == 0, listed.err
    assert listed.json()["items"] == rest[:3]
    for command in (["export"], ["batch", "approve", "--filter", "", "--dry-run"]):
        bad = cli(*command, "--sort", "-nope")
        assert bad.code == 2 and bad.out == ""
        assert "--sort: unknown sort '-nope' — sorts: " in bad.err and "expected one argument" not in bad.err
    assert decisions(server) == []


def test_only_a_dash_value_of_sort_filter_or_note_is_joined() -> None:
    from triage_tui.cli import join_dash_values

    assert join_dash_values(["batch", "approve", "--note", "-see T-7", "--filter", "-kind:post", "--sort", "-age"]) == [
        "batch", "approve", "--note=-see T-7", "--filter=-kind:post", "--sort=-age"]
    assert join_dash_values(["batch", "approve", "--note", "--dry-run"]) == ["batch", "approve", "--note", "--dry-run"]
    assert join_dash_values(["apply", "-", "--limit", "-1", "--", "--sort", "-age"]) == ["apply", "-", "--limit", "-1", "--", "--sort", "-age"]


def test_batch_decides_through_the_outbox_exactly_once(server: RunningServer, cli: Cli) -> None:
    spam = open_ids(server, cli.token, reason="spam", source="automated")
    run = cli("batch", "remove", "--filter", "reason:spam source:automated", "--reason", "spam", "--note", "campaign 7",
              "--yes", "--json")
    assert run.code == 0, run.err
    result = run.json()
    assert (result["matched"], result["applied"], result["conflicts"], result["unsent"]) == (len(spam), len(spam), [], 0)
    recorded = decisions(server)
    assert sorted(item for _, item, _ in recorded) == sorted(spam)
    assert {action for *_, action in recorded} == {"remove"}
    with sqlite3.connect(cli.state / "outbox.db") as db:  # the same outbox the app writes
        assert db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall() == [("sent", len(spam))]
    again = cli("batch", "remove", "--filter", "reason:spam source:automated", "--reason", "spam", "--yes")
    assert again.code == 0 and again.out.startswith("removed 0")
    assert len(decisions(server)) == len(spam)


def test_escalate_and_scope(server: RunningServer, cli: Cli) -> None:
    run = cli("batch", "escalate", "--filter", "reason:hate_speech", "--to", "legal", "--note", "check the law", "--limit", "2", "--json")
    assert run.code == 0, run.err
    assert run.json()["applied"] == 2
    scoped = cli("batch", "remove", "--filter", "reason:spam", "--reason", "spam", "--scope", "de, at", "--limit", "1", "--json")
    assert scoped.code == 0, scoped.err
    with sqlite3.connect(server.store.path) as db:
        bodies = [json.loads(b) for (b,) in db.execute("SELECT body FROM decisions ORDER BY n")]
    assert [(b["action"], b.get("escalate_to"), b.get("note")) for b in bodies[:2]] == [("escalate", "legal", "check the law")] * 2
    assert bodies[2]["scope"] == ["DE", "AT"]


@pytest.mark.parametrize(("args", "message"), [
    (["--filter", "reports>>3"], "--filter:"),
    (["--filter", "source:authority"], "batch remove needs --reason; reasons: "),
    (["--filter", "reason:spam", "--reason", "spma"], "--reason: no reason 'spma' in the policy; reasons: "),
    (["--filter", "reason:spam", "--reason", "spam", "--scope", "Germany"], "--scope: 'Germany' is not an ISO 3166-1 alpha-2 code: did you mean DE (Germany)?"),
    (["--filter", "reason:spam", "--reason", "spam", "--scope", "XX,ZZ"], "--scope: 'XX', 'ZZ' are not ISO 3166-1 alpha-2 country codes"),
    (["--filter", "reason:spam", "--reason", "spam", "--scope", "de,uk"], "--scope: 'UK' is not an ISO 3166-1 country code: did you mean GB (United Kingdom)?"),
    (["--filter", "reason:spam", "--reason", "spam", "--to", "legal"], "--to goes with batch escalate"),
    (["--filter", "reason:spam", "--reason", "spam"], "more items than confirm_above (10); nothing was decided; pass --yes"),
])
def test_usage_errors_exit_2_and_decide_nothing(server: RunningServer, cli: Cli, args: list[str], message: str) -> None:
    run = cli("batch", "remove", *args)
    assert run.code == 2
    assert message in run.err
    assert run.out == ""
    assert decisions(server) == []


@pytest.mark.parametrize(("args", "message"), [
    (["export", "--sort", "bogus"], "--sort: unknown sort 'bogus'"),
    (["batch", "approve", "--filter", "bogus:"], "--filter: unknown field 'bogus'"),
    (["batch", "remove", "--reason", "spam", "--filter", "reason:spam", "--scope", "XX"], "--scope: 'XX' is not"),
])
def test_a_usage_error_is_told_before_the_token_is_looked_for(cli: Cli, args: list[str], message: str) -> None:
    run = cli(*args, TRIAGE_TUI_TOKEN="")
    assert run.code == 2 and message in run.err and "TRIAGE_TUI_TOKEN" not in run.err


def test_a_bad_filter_points_at_the_token(cli: Cli) -> None:
    run = cli("batch", "approve", "--filter", "kind:post reports>>3")
    assert run.code == 2
    message, text, caret = run.err.splitlines()[:3]
    assert message.startswith("triage-tui: --filter:")
    assert text.strip() == "kind:post reports>>3"
    assert caret.index("^") - text.index("k") == len("kind:post reports")  # under the bad ">>"
    assert caret.strip() == "^^"


def test_the_policy_refuses_the_whole_batch(server: RunningServer, cli: Cli) -> None:
    run = cli("batch", "remove", "--filter", "source:authority", "--reason", "violent_extremism", "--yes")
    assert run.code == 1
    assert ORDER_RU in run.out and "need" in run.out and "batch escalate --to legal" in run.out
    assert "nothing was decided" in run.err
    assert decisions(server) == []


def test_exit_codes_for_auth_and_unreachable(server: RunningServer, cli: Cli, tmp_path: Path) -> None:
    wrong = Cli(server.url, "not-the-token-of-anyone-at-all", tmp_path / "s2")
    run = wrong("batch", "approve", "--filter", "reason:spam")
    assert run.code == 3 and "rejected" in run.err
    assert wrong("export").code == 3
    gone = cli("batch", "approve", "--filter", "", url="http://127.0.0.1:9")
    assert gone.code == 4 and "unreachable" in gone.err


def test_a_conflict_exits_1_and_the_rest_is_applied(server: RunningServer, cli: Cli) -> None:
    spam = open_ids(server, cli.token, reason="spam")[:3]
    exported = cli("export", "--filter", "reason:spam", "--limit", "3")
    lines = [json.loads(line) for line in exported.out.splitlines()]
    assert [line["item_id"] for line in lines] == spam
    # Someone else decides the second one after the export was taken.
    ben = {"Authorization": f"Bearer {server.tokens['ben']}"}
    import uuid

    r = httpx.post(f"{server.url}/v1/decisions", headers=ben, json={"decisions": [{
        "id": str(uuid.uuid4()), "item_id": spam[1], "item_version": lines[1]["item_version"], "action": "approve",
        "decided_at": "2026-11-29T00:00:00Z"}]})
    assert r.json()["results"][0]["result"] == "applied"
    body = "".join(json.dumps({**line, "action": "remove", "reason": "spam"}) + "\n" for line in lines)
    path = cli.state.parent / "decisions.jsonl"
    path.write_text(body)
    run = cli("apply", str(path), "--json")
    assert run.code == 1, run.err
    result = run.json()
    assert result["applied"] == 2
    assert [c["item_id"] for c in result["conflicts"]] == [spam[1]]
    assert "mod-ben already did: approve" in result["conflicts"][0]["detail"]


def test_apply_rejects_a_csv_with_bad_lines_by_number(server: RunningServer, cli: Cli) -> None:
    ids = open_ids(server, cli.token, reason="spam")
    path = cli.state.parent / "decisions.csv"
    path.write_text(
        "item_id,action,reason,scope,escalate_to,note\n"  # line 1
        f"{ids[0]},remove,spam,,,\n"  # 2: good
        f"{ids[1]},remov,spam,,,\n"  # 3: no such action
        f"{ids[2]},remove,,,,\n"  # 4: a removal without a reason
        f"{ids[3]},escalate,,,,\n"  # 5: an escalation without a target
        f"{ids[4]},remove,spam,Germany,,\n"  # 6: not a country code
        "\n"  # 7: blank lines are skipped
        f"{ids[5]},remove,nope,,,\n"  # 8: no such reason in the policy
        f"{ids[0]},approve,,,,\n"  # 9: the same item twice
        "it-9999999,approve,,,,\n"  # 10: no such item
        f"{ids[6]},approve\n"  # 11: too few cells
        f"{ids[7]},escalate,,,legal,looks fine\n"  # 12: good
    )
    run = cli("apply", str(path))
    assert run.code == 1
    expected = [
        f"{path}:3: action: expected approve, remove or escalate, got 'remov'",
        f"{path}:4: reason: a removal needs a reason",
        f"{path}:5: escalate_to: an escalation needs a target",
        f"{path}:6: 'Germany' is not an ISO 3166-1 alpha-2 code: did you mean DE (Germany)?",
        f"{path}:8: {ids[5]}: reason: no reason 'nope' in the policy",
        f"{path}:9: item {ids[0]} is already decided on line 2",
        f"{path}:10: it-9999999: no such item",
        f"{path}:11: 2 cells, the header has 6",
    ]
    assert [line.removeprefix("triage-tui: ") for line in run.err.splitlines() if ".csv:" in line] == expected
    assert "8 bad lines: nothing was applied" in run.out
    assert decisions(server) == []

    skipped = cli("apply", str(path), "--skip-invalid", "--json")
    assert skipped.code == 1
    assert skipped.json()["applied"] == 2
    assert sorted(item for _, item, _ in decisions(server)) == sorted([ids[0], ids[7]])


def test_apply_names_a_scope_that_is_no_country_by_line_and_expands_a_named_one(server: RunningServer, cli: Cli) -> None:
    ids = open_ids(server, cli.token, reason="spam")
    path = cli.state.parent / "scopes.jsonl"
    scopes: list[object] = [["EL"], "de,uk", ["AA"] * 300, ["de", "DE", "eea"], "EU"]
    path.write_text("".join(json.dumps({"item_id": i, "action": "remove", "reason": "spam", "scope": s}) + "\n"
                            for i, s in zip(ids, scopes, strict=False)))
    run = cli("apply", str(path))
    assert run.code == 1
    assert [line.removeprefix("triage-tui: ") for line in run.err.splitlines() if ".jsonl:" in line] == [
        f"{path}:1: 'EL' is not an ISO 3166-1 country code: did you mean GR (Greece)?",
        f"{path}:2: 'UK' is not an ISO 3166-1 country code: did you mean GB (United Kingdom)?",
        f"{path}:3: 'AA' is not an ISO 3166-1 alpha-2 country code (assigned codes are like DE, FR, GB)",
    ]
    assert decisions(server) == []
    skipped = cli("apply", str(path), "--skip-invalid", "--json")
    assert skipped.json()["applied"] == 2
    with sqlite3.connect(server.store.path) as db:
        stored = {json.loads(b)["item_id"]: json.loads(b)["scope"] for (b,) in db.execute("SELECT body FROM decisions")}
    assert stored == {ids[3]: ["DE", *(c for c in EEA if c != "DE")],  # in the order typed, once each
                      ids[4]: list(EU)}  # the EU is its member states, never a country


def test_apply_refuses_an_unknown_column(cli: Cli) -> None:
    path = cli.state.parent / "d.csv"
    path.write_text("item_id,action,reson\nit-0000010,remove,spam\n")
    run = cli("apply", str(path))
    assert run.code == 1
    assert f"{path}:1: unknown column 'reson' in the header; columns: item_id, action, reason" in run.err


def test_export_csv_is_safe_to_open_and_round_trips(server: RunningServer, cli: Cli) -> None:
    hostile = dict(showcase(server.clock())[6], id="it-hostile-1",
                   text='=HYPERLINK("https://evil.example","x")\x1b]52;c;cHduZWQ=\x07\x9b2J [@click=app.quit]x[/]')
    server.store.add_items([hostile])
    run = cli("export", "--format", "csv", "--filter", '"HYPERLINK"')
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert [r["item_id"] for r in rows] == ["it-hostile-1"]
    snippet = rows[0]["snippet"]
    assert snippet.startswith("'=HYPERLINK")  # a spreadsheet shows it as text, never runs it
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", run.out)  # no control byte reaches the terminal
    assert "[@click=app.quit]x[/]" in snippet  # shown as evidence, as it was written
    everything = cli("export")
    assert len(everything.out.splitlines()) == len(open_ids(server, cli.token))
    assert "exported" in everything.err


HOSTILE_CELLS = ('=HYPERLINK("evil.example","x")', "-Infinity", "+1", "@SUM(A1)", "'=quoted", "-2+3")


def test_every_exported_csv_cell_is_guarded_and_apply_reads_it_back(server: RunningServer, cli: Cli) -> None:
    """Item ids and number-like texts are attacker-chosen too: no cell of the CSV starts a
    formula, and `apply` of the export (with an action column) decides those very ids."""
    hostile = [dict(showcase(server.clock())[6], id=text, text=text) for text in HOSTILE_CELLS]
    server.store.add_items([*hostile, dict(hostile[0], id="it-wide", text="\uff1dcmd|' /C calc")])
    run = cli("export", "--format", "csv", "--sort", "age")
    assert run.code == 0, run.err
    rows = list(csv.reader(io.StringIO(run.out)))
    formula = tuple("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
    risky = [c for row in rows for c in row if c.startswith(formula) or (c.startswith("'") and not c[1:].startswith((*formula, "'")))]
    assert risky == []
    header, body = rows[0], rows[1:]
    cells = {row[header.index("item_id")]: row[header.index("snippet")] for row in body}
    for text in HOSTILE_CELLS:
        assert cells["'" + text] == "'" + text  # id and snippet alike, shown as the text they are
    assert cells["it-wide"] == "'\uff1dcmd|' /C calc"  # a full-width = starts a formula too

    path = cli.state.parent / "decide.csv"
    mine = [row for row in body if row[header.index("item_id")][1:] in HOSTILE_CELLS]
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*header, "action"])
        writer.writerows([*row, "approve"] for row in mine)
    applied = cli("apply", str(path), "--yes", "--json")
    assert applied.code == 0, applied.err
    assert sorted(item for _, item, _ in decisions(server)) == sorted(HOSTILE_CELLS)


def test_report_csv_guards_a_moderators_id(tmp_path: Path, clock: FakeClock) -> None:
    """`report --format csv` writes the backend's group keys; a moderator id may start with - or @."""
    from test_statements import decide

    from triage_tui.model import Role
    from triage_tui.server.auth import Principal, TokenTable
    from triage_tui.server.embedded import EmbeddedServer
    from triage_tui.server.policy import DEFAULT_POLICY
    from triage_tui.server.store import Store

    store = Store(tmp_path / "r.db", DEFAULT_POLICY, clock=clock)
    store.add_items([dict(item, id=f"it-{n}") for n, item in enumerate(showcase(clock())[:2])])
    tokens = {"-Infinity": "t" * 20 + "a", "@evil": "t" * 20 + "b"}
    table = TokenTable((token, Principal(who, who, frozenset({Role.MODERATOR, Role.SENIOR}))) for who, token in tokens.items())
    embedded = EmbeddedServer(store, table).start()
    try:
        hosted = RunningServer(embedded.url, tokens, store, clock)
        decide(hosted, "-Infinity", "it-0", "approve")
        decide(hosted, "@evil", "it-1", "approve")
        report = Cli(embedded.url, tokens["@evil"], tmp_path / "state")
        run = report("report", "--by", "moderator", "--format", "csv", "--since", "2000-01-01", "--until", "2100-01-01")
    finally:
        embedded.stop()
        store.close()
    assert run.code == 0, run.err
    keys = [row[0] for row in csv.reader(io.StringIO(run.out))][1:]
    assert sorted(keys) == ["'-Infinity", "'@evil", "all"]


# -- 10k decisions, with a progress bar on a real terminal ---------------------------------


@pytest.fixture
def big(tmp_path: Path) -> Iterator[RunningServer]:
    embedded, running = start_server(tmp_path / "big.db", FakeClock(), items=12_000)
    try:
        yield running
    finally:
        embedded.stop()
        running.store.close()


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stderr on a pty (80 columns), as in a moderator's terminal; stdout a pipe."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out, _ = proc.communicate(timeout=600)
    reader.join(timeout=10)
    os.close(master)
    return proc.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
def test_ten_thousand_decisions_once_with_a_progress_bar(big: RunningServer, tmp_path: Path) -> None:
    cli = Cli(big.url, big.tokens["ana"], tmp_path / "state")
    argv = [sys.executable, "-m", "triage_tui", "batch", "approve", "--filter", "", "--limit", "10000", "--yes", "--json",
            "--url", big.url]
    started = time.monotonic()
    code, out, err = _on_a_terminal(argv, cli.env(NO_COLOR="1"))
    assert code == 0, err
    result = json.loads(out)
    assert (result["matched"], result["applied"], result["unsent"], result["conflicts"]) == (10_000, 10_000, 0, [])
    recorded = decisions(big)
    assert len(recorded) == 10_000 == len({item for _, item, _ in recorded}) == len({key for key, _, _ in recorded})
    assert "sending" in err and "10000/10000" in err and "━" in err  # rich's bar, drawn on the terminal
    assert not COLOUR.search(err)  # NO_COLOR: no colour codes at all
    assert cli.token not in out + err
    print(f"10k decisions in {time.monotonic() - started:.1f} s")

    # The same outbox, sent: `sync` finds nothing left; the batch again finds nothing open to decide twice.
    left = cli("sync", "--json")
    assert left.code == 0 and left.json()["sent"] == 0
    assert len(decisions(big)) == 10_000


def test_the_bar_is_coloured_without_no_color(server: RunningServer, cli: Cli) -> None:
    """The NO_COLOR check above can fail: without it the same bar has colour."""
    argv = [sys.executable, "-m", "triage_tui", "batch", "approve", "--filter", "", "--limit", "60", "--yes", "--url", server.url]
    code, out, err = _on_a_terminal(argv, cli.env())
    assert code == 0, err
    assert "60/60" in err and COLOUR.search(err)


def test_an_outage_keeps_the_batch_in_the_outbox_for_sync(server: RunningServer, cli: Cli) -> None:
    async def run(*args: str, url: str) -> Run:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "triage_tui", *args, "--url", url, env=cli.env(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        return Run(proc.returncode or 0, out.decode(), err.decode())

    async def go() -> tuple[Run, Run]:
        async with FaultProxy(server.url) as proxy:
            proxy.faults["/v1/decisions"] = Canned(503, {"error": "unavailable", "detail": "down for maintenance"}, {"Retry-After": "1"})
            batch = await run("batch", "approve", "--filter", "reason:spam", "--limit", "5", "--timeout", "2", "--json", url=proxy.url)
            assert decisions(server) == []
            del proxy.faults["/v1/decisions"]  # the backend is back
            return batch, await run("sync", "--wait", "--json", url=proxy.url)

    batch, sync = asyncio.run(go())
    assert batch.code == 4, batch.err
    assert batch.json()["unsent"] == 5
    assert "`triage-tui sync --wait` sends them" in batch.err
    assert sync.code == 0, sync.err
    assert sync.json()["sent"] == 5
    assert len(decisions(server)) == 5


def test_a_sync_killed_mid_send_leaves_no_lease_to_wait_out(server: RunningServer, cli: Cli) -> None:
    """`sync` SIGKILLed while its request hangs: a live sender's rows are left alone, a dead
    one's are taken over by the very next one-pass `sync`, not after the 120 s lease."""
    from triage_tui.model import Action, Decision
    from triage_tui.outbox import Outbox

    ids = open_ids(server, cli.token)[:3]

    async def run(*args: str, url: str) -> Run:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "triage_tui", *args, "--url", url, env=cli.env(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        assert "Traceback" not in err.decode()
        return Run(proc.returncode or 0, out.decode(), err.decode())

    async def go() -> tuple[Run, Run]:
        async with FaultProxy(server.url) as proxy:
            outbox = Outbox(cli.state / "outbox.db")
            outbox.add_many([Decision.new(i, 1, Action.APPROVE) for i in ids], backend=proxy.url, moderator="mod-ana",
                            hold_seconds=0, now=time.time())
            outbox.close()
            proxy.faults["/v1/decisions"] = Canned(hang=True)
            first = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "triage_tui", "sync", "--wait", "--url", proxy.url, env=cli.env(),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            while not any(r.target == "/v1/decisions" for r in proxy.received):  # leased, and mid-send
                await asyncio.sleep(0.02)
            alive = await run("sync", "--json", url=proxy.url)
            first.kill()
            await first.wait()
            del proxy.faults["/v1/decisions"]
            return alive, await run("sync", "--json", url=proxy.url)  # one pass: nothing is waited for

    alive, after = asyncio.run(go())
    assert (alive.json()["sent"], alive.json()["unsent"]) == (0, 3)  # a live owner's lease is respected
    assert after.code == 0, after.err
    assert (after.json()["sent"], after.json()["unsent"]) == (3, 0)
    assert sorted(item for _, item, _ in decisions(server)) == sorted(ids)


@pytest.mark.parametrize(("answer", "code", "applied"), [("n\n", 2, 0), ("y\n", 0, 12)])
def test_above_the_threshold_it_asks_on_a_terminal(server: RunningServer, cli: Cli, answer: str, code: int, applied: int) -> None:
    """With stdin on a terminal, more than confirm_above (10) items asks first."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "triage_tui", "batch", "approve", "--filter", "", "--limit", "12", "--url", server.url],
                            stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=cli.env())
    os.close(slave)
    seen = b""
    while b"Go ahead? [y/N]" not in seen:
        chunk = os.read(master, 4096)
        assert chunk, seen
        seen += chunk
    assert b"approve 12 items of the open queue" in seen
    os.write(master, answer.encode())
    out, _ = proc.communicate(timeout=60)
    os.close(master)
    assert proc.returncode == code
    assert len(decisions(server)) == applied
    if applied:
        assert out.decode().startswith("approved 12;")


def test_batch_mode_never_loads_textual(server: RunningServer, cli: Cli) -> None:
    code = ("import sys\nfrom triage_tui.cli import main\n"
            f"rc = main(['batch', 'approve', '--filter', 'reason:spam', '--dry-run', '--url', {server.url!r}])\n"
            "rc2 = main(['export', '--limit', '2', '--url', " + repr(server.url) + "])\n"
            "print('textual' in sys.modules, any(m.startswith('textual.') for m in sys.modules), rc, rc2, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], env=cli.env(), capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines()[-1] == "False False 0 0", done.stderr


def test_apply_reports_an_id_that_is_no_id_as_a_bad_line(cli: Cli) -> None:
    path = cli.state.parent / "ids.jsonl"
    path.write_text('{"item_id": "p 1", "action": "approve"}\n{"item_id": "..", "action": "approve"}\n')
    run = cli("apply", str(path))
    assert run.code == 1
    assert f"{path}:1: item_id: 'p 1' is not an item id" in run.err and f"{path}:2: ..: no such item" in run.err


def outbox_rows(cli: Cli) -> list[tuple[str, str]]:
    path = cli.state / "outbox.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return list(db.execute("SELECT item_id, state FROM outbox ORDER BY seq"))


def test_text_that_is_not_unicode_is_refused_where_it_enters_and_nothing_is_written(server: RunningServer, cli: Cli) -> None:
    # `--note $'\xff'`: the shell passes the byte, Python's argv carries it as U+DCFF.
    run = cli("batch", "approve", "--filter", "", "--limit", "3", "--yes", "--note", "bad \udcff note")
    assert run.code == 2
    assert "--note: not valid text: character 5 is a lone surrogate U+DCFF (the byte 0xff, which is not UTF-8); nothing was decided" in run.err
    ids = open_ids(server, cli.token)
    path = cli.state.parent / "notes.jsonl"
    path.write_text(json.dumps({"item_id": ids[0], "action": "approve"}) + "\n"
                    + json.dumps({"item_id": ids[1], "action": "approve", "note": "\ud800"}) + "\n")
    applied = cli("apply", str(path))
    assert applied.code == 1
    assert f"{path}:2: note: not valid text: character 1 is a lone surrogate U+D800" in applied.err
    assert "1 bad line: nothing was applied" in applied.out
    assert outbox_rows(cli) == [] and decisions(server) == []


def leave_poison(cli: Cli, url: str, item_id: str) -> str:
    """A decision an older version left in the outbox with a note no request can carry."""
    from triage_tui.model import Action, Decision
    from triage_tui.outbox import Outbox

    outbox = Outbox(cli.state / "outbox.db")
    d = Decision.new(item_id, 1, Action.APPROVE)
    outbox._db.execute(
        "INSERT INTO outbox (key, backend, moderator, item_id, payload, state, created_at, hold_until, next_attempt_at) "
        "VALUES (?, ?, 'mod-ana', ?, ?, 'pending', 1, 1, 1)", (d.id, url, item_id, json.dumps(d.to_json() | {"note": "\udcff"})))
    outbox.close()
    return d.id


def test_a_poison_decision_left_in_the_outbox_is_parked_and_the_rest_go(server: RunningServer, cli: Cli) -> None:
    ids = open_ids(server, cli.token)
    leave_poison(cli, server.url, ids[20])
    run = cli("batch", "approve", "--filter", "", "--limit", "4", "--yes")
    assert run.code == 0, run.err
    assert "approved 4; conflicts 0; invalid 0; still unsent 0" in run.out
    assert (f"an earlier decision needs attention (`triage-tui sync` or O in the app lists it): {ids[20]}: stored decision is "
            "unreadable: outbox.payload.note: not valid text: character 1 is a lone surrogate U+DCFF (the byte 0xff") in run.err
    assert sorted(item for _, item, _ in decisions(server)) == sorted(ids[:4])
    assert [state for item, state in outbox_rows(cli) if item == ids[20]] == ["needs_attention"]

    leave_poison(cli, server.url, ids[10])
    synced = cli("sync")
    assert synced.code == 1  # something needs the moderator: the documented 1
    assert "sent 0, conflicts 0, need attention 1, still unsent 0" in synced.out
    assert f"needs attention: {ids[10]}: stored decision is unreadable: outbox.payload.note: not valid text" in synced.out


def test_a_limit_of_zero_is_a_usage_error(cli: Cli) -> None:
    run = cli("batch", "approve", "--filter", "", "--limit", "0", "--dry-run")
    assert run.code == 2 and "expected a whole number, 1 or more, got 0" in run.err


def test_export_counts_agree_with_their_noun(server: RunningServer, cli: Cli) -> None:
    one = cli("export", "--filter", "reason:spam", "--limit", "1")
    assert one.code == 0, one.err
    assert len(one.out.splitlines()) == 1 and "exported 1 item from the open queue" in one.err  # not "1 items"
    two = cli("export", "--filter", "reason:spam", "--limit", "2")
    assert "exported 2 items from the open queue" in two.err
