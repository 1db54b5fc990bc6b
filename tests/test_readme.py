"""The README's Quickstart is what CI runs, so it stays true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the Quickstart has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_is_two_commands_and_ci_runs_them() -> None:
    install_and_demo, run_tests = quickstart_commands()
    install, demo = install_and_demo.split(" && ")
    assert demo == "triage-tui --demo"
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert install in ci
    assert any(line.startswith(run_tests) for line in ci), f"{run_tests!r} not in .ci/run"


def test_every_key_in_the_readme_is_bound() -> None:
    from textual.binding import Binding

    from triage_tui.ui.screens.triage import TriageScreen
    from triage_tui.ui.widgets.queue_list import QueueList

    names = {"↓": "down", "↑": "up", "PgDn": "pagedown", "PgUp": "pageup", "/": "slash", "?": "question_mark", "esc": "escape"}
    bound = {k.strip() for b in (*QueueList.BINDINGS, *TriageScreen.BINDINGS) if isinstance(b, Binding) for k in b.key.split(",")}
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### The triage screen", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) >= 12
    for row in rows:
        for key in re.findall(r"`([^`]+)`", row.split("|")[1]):
            assert names.get(key, key) in bound, key


def test_every_command_in_the_readme_parses() -> None:
    """Each `triage-tui …` row of the Commands table names a real command and real options."""
    import argparse

    from triage_tui.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    usages = re.findall(r"^\| `triage-tui ([^`]*)`", table, re.M)
    assert len(usages) >= 9
    for usage in usages:
        parser = build_parser()
        for word in usage.replace("\\|", "|").split():
            if not re.fullmatch(r"[a-z]+", word):
                break
            subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            assert word in subparsers.choices, f"{usage}: no command {word!r}"
            parser = subparsers.choices[word]
        options = {w.strip("[]").split("=")[0] for w in usage.split() if w.strip("[]").startswith("--")}
        assert options <= set(parser._option_string_actions), f"{usage}: {options - set(parser._option_string_actions)}"


def test_the_readme_table_of_global_options_is_the_parser_s() -> None:
    """The README's "goes with" table says what cli.GLOBAL_OPTIONS enforces (issue #15)."""
    from triage_tui.cli import APP, DEMO, GLOBAL_OPTIONS

    readme = (ROOT / "README.md").read_text()
    table = readme.split("| option | goes with |", 1)[1].split("\n\n", 1)[0]
    said: dict[str, tuple[str, ...]] = {}
    for row in re.findall(r"^\| (`--.*?) \| (.*) \|$", table, re.M):
        commands = tuple(APP if c == "the triage screen" else c.strip("`") for c in row[1].split(", "))
        for option in re.findall(r"`(--[a-z-]+)", row[0]):
            said[option] = commands
    assert said == {name: commands for name, commands in GLOBAL_OPTIONS.items() if name != "--demo"}
    assert GLOBAL_OPTIONS["--demo"] == (DEMO,)
