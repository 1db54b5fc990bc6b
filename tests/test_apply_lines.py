"""`triage-tui apply FILE` never gives up on a whole file over one line: whatever is
wrong with a line (not JSON, not UTF-8, wrong types, no id, a lone surrogate, nesting
past the recursion limit, a cell past the CSV field limit, an item the moderator may
not see) is reported as `FILE:LINE: what`, nothing is applied, and `--skip-invalid`
applies the good lines. The real CLI in a subprocess, the real server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from test_batch import Cli, cli, decisions, open_ids  # noqa: F401  (cli: the fixture)

from tests.conftest import RunningServer
from triage_tui.model import Action, Decision


def escalate(server: RunningServer, item_id: str, target: str) -> None:
    body = {"decisions": [Decision.new(item_id, 1, Action.ESCALATE, escalate_to=target, note="for review").to_json()]}
    r = httpx.post(f"{server.url}/v1/decisions", json=body, headers=server.auth("sam"))
    assert r.json()["results"][0]["result"] == "applied", r.text


def test_every_kind_of_bad_jsonl_line_is_reported_by_number_and_the_rest_go_on(server: RunningServer, cli: Cli) -> None:
    ids = open_ids(server, cli.token, reason="spam")
    escalate(server, ids[6], "child_safety")  # ana may not see it any more
    before = decisions(server)
    good = lambda item_id, **f: json.dumps({"item_id": item_id, "action": "approve", **f}).encode()  # noqa: E731
    lines: list[tuple[bytes, str | None]] = [
        (good(ids[0]), None),
        (b"{not json", "not JSON: Expecting property name enclosed in double quotes at column 2"),
        (b'{"item_id": "\xff\xfe", "action": "approve"}', "not UTF-8 text: byte 0xff at column 14"),
        (b'{"item_id": 5, "action": "approve"}', "item_id: expected text, got int"),
        (b'{"item_id": "p 1", "action": "approve"}', "item_id: 'p 1' is not an item id (printable ASCII without spaces)"),
        (good(ids[1], note="NOTE").replace(b'"NOTE"', b'"\\udcff"'), "note: not valid text: character 1 is a lone surrogate U+DCFF (the byte 0xff, which is not UTF-8)"),
        (b'{"item_id": "\\ud800", "action": "approve"}', "item_id: not valid text: character 1 is a lone surrogate U+D800"),
        (b"[1, 2]", "expected a JSON object per line"),
        (good(ids[1], item_version=1e999).replace(b"Infinity", b"1e999"), "item_version: expected a whole number, got inf"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON this command reads: nested too deeply"),
        (good(ids[1], scope={"DE": 1}), 'scope: expected "global", "DE,AT" or a list of country codes'),
        (good(ids[2], note="line\u2028separator inside a note").replace(b"\\u2028", "\u2028".encode()), None),
        (b'{"item_id": "x", "action": ["approve"]}', "action: expected text, got list"),
        (good(ids[3], action="remove", reason="spam"), None),
        (good(ids[6]), f"{ids[6]}: no such item"),
        (b"\x00\x01", "not JSON: Expecting value at column 1"),
    ]
    path = cli.state.parent / "decisions.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(line for line, _ in lines) + b"\n")
    expected = [f"{path}:{n}: {what}" for n, (_, what) in enumerate(lines, 1) if what]

    run = cli("apply", str(path))
    assert run.code == 1, run.err
    assert [line.removeprefix("triage-tui: ") for line in run.err.splitlines() if ".jsonl:" in line] == expected
    assert f"{len(expected)} bad lines: nothing was applied" in run.out
    assert decisions(server) == before

    skipped = cli("apply", str(path), "--skip-invalid", "--json")
    assert skipped.code == 1, skipped.err
    assert skipped.json()["applied"] == 3 and skipped.json()["invalid_lines"] == expected
    assert sorted(item for _, item, _ in decisions(server)[len(before):]) == sorted([ids[0], ids[2], ids[3]])


def test_bad_csv_lines_do_not_stop_the_file(server: RunningServer, cli: Cli) -> None:
    ids = open_ids(server, cli.token, reason="spam")
    path = cli.state.parent / "decisions.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"item_id,action,note\n"  # 1
        + f"{ids[0]},approve,\n".encode()  # 2: good
        + f"{ids[1]},approve,caf\xe9\n".encode("latin-1")  # 3: Latin-1, not UTF-8
        + f'{ids[2]},approve,"{"x" * 200_000}"\n'.encode()  # 4: past the CSV field limit
        + f"{ids[3]},approve,fine\n".encode()  # 5: good
    )
    run = cli("apply", str(path), "--skip-invalid", "--json")
    assert run.code == 1, run.err
    assert run.json()["invalid_lines"] == [
        f"{path}:3: not UTF-8 text: byte 0xe9",
        f"{path}:4: not CSV: field larger than field limit (131072)",
    ]
    assert sorted(item for _, item, _ in decisions(server)) == sorted([ids[0], ids[3]])
