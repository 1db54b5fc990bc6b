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
