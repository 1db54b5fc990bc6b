"""The command line says what is true (issue #15, items 15 and 16).

Global options go with the same commands before and after the command's name, and
only with the commands that use them; every numeric option states its range in one
message; a missing config, a bad URL and a rejected token each name what is really
allowed or what to check. The real CLI in a subprocess where the message is the point;
the real parser in-process for the full matrix of commands × options × positions.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RunningServer

from triage_tui.cli import APP, DEMO, GLOBAL_OPTIONS, parse_args

# Each command as a moderator types it, with its required arguments.
COMMANDS: dict[str, list[str]] = {
    APP: [],
    DEMO: ["--demo"],
    "sync": ["sync"],
    "batch": ["batch", "approve", "--filter", "reason:spam"],
    "apply": ["apply", "decisions.jsonl"],
    "export": ["export"],
    "report": ["report"],
    "config init": ["config", "init"],
    "config check": ["config", "check"],
    "config path": ["config", "path"],
    "serve": ["serve", "--db", "backend.db"],
}
# Each global option, what to type after it, and what the parsed value must be.
VALUES: dict[str, tuple[list[str], object]] = {
    "--config": (["elsewhere.toml"], Path("elsewhere.toml")),
    "--profile": (["prod"], "prod"),
    "--url": (["https://moderation.example.com"], "https://moderation.example.com"),
    "--queue": (["escalated"], "escalated"),
    "--theme": (["triage-light"], "triage-light"),
    "--demo": ([], True),
    "--demo-items": (["7"], 7),
    "--demo-as": (["lea"], "lea"),
}
NUMBER_OPTIONS = [  # (argv before the value, what the message says is allowed)
    (["batch", "approve", "--filter", "", "--limit"], "expected a whole number, 1 or more, got"),
    (["export", "--limit"], "expected a whole number, 1 or more, got"),
    (["batch", "approve", "--filter", "", "--timeout"], "expected a number of seconds above 0, up to 86400, got"),
    (["serve", "--db", "x.db", "--port"], "expected a whole number from 0 to 65535, got"),
    (["serve", "--db", "x.db", "--seed-demo"], "expected a whole number, 0 or more, got"),
    (["--demo", "--demo-items"], "expected a whole number, 0 or more, got"),
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "TRIAGE_TUI_TOKEN"}
    return subprocess.run([sys.executable, "-m", "triage_tui", *args], env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_the_table_covers_every_command_and_option() -> None:
    """The matrix below tests every command the parser has and every global option."""
    from triage_tui.cli import build_parser

    parser = build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]
    names = set(sub.choices) - {"config"} | {f"config {n}" for n in sub.choices["config"]._subparsers._group_actions[0].choices}  # type: ignore[attr-defined,union-attr]
    assert names | {APP, DEMO} == set(COMMANDS)
    assert set(GLOBAL_OPTIONS) == set(VALUES)


# Every command × every option × before and after the command's name (the bare
# triage-tui and --demo have no name to come after; --demo with --demo is no case).
MATRIX = [(command, option, where) for command in COMMANDS for option in VALUES for where in ("before", "after")
          if not (command in (APP, DEMO) and where == "after") and not (command == DEMO and option == "--demo")]


@pytest.mark.parametrize(("command", "option", "where"), MATRIX)
def test_a_global_option_goes_with_the_same_commands_before_and_after_the_name(
        command: str, option: str, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, value = VALUES[option]
    words = COMMANDS[command]
    line = [option, *argv, *words] if where == "before" else [*words, option, *argv]
    if command in GLOBAL_OPTIONS[option] or (option == "--demo" and command == APP):  # `triage-tui --demo` is the demo
        args = parse_args(line)
        assert getattr(args, option.lstrip("-").replace("-", "_")) == value
    else:
        with pytest.raises(SystemExit) as stopped:
            parse_args(line)
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        if option == "--demo":
            assert f"--demo opens the demo's triage screen; it does not go with `{command}`" in err, err
        else:
            assert f"{option} does not go with " in err and "; it goes with: " in err, err


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in (APP, DEMO)])
def test_every_command_offers_in_help_only_the_global_options_it_uses(command: str) -> None:
    done = run(*COMMANDS[command][: 2 if command.startswith("config ") else 1], "--help")
    assert done.returncode == 0, done.stderr
    offered = {option for option in GLOBAL_OPTIONS if f"  {option} " in done.stdout or f"  {option}\n" in done.stdout}
    assert offered == {option for option, commands in GLOBAL_OPTIONS.items() if command in commands}


def test_report_does_not_offer_queue_and_refuses_it_either_side() -> None:
    assert "--queue" not in run("report", "--help").stdout
    for line in (["report", "--queue", "open"], ["--queue", "open", "report"]):
        done = run(*line)
        assert done.returncode == 2
        assert "--queue does not go with `report`; it goes with: the triage screen, `batch`, `export`" in done.stderr


def test_config_check_takes_config_before_and_after_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    after, before = run("config", "check", "--config", str(missing)), run("--config", str(missing), "config", "check")
    assert after.returncode == before.returncode == 2
    assert after.stderr == before.stderr == f"triage-tui: {missing}: no such file; create one with `triage-tui config init`\n"


@pytest.mark.parametrize(("words", "says"), NUMBER_OPTIONS)
def test_every_numeric_option_says_its_range_in_one_message(words: list[str], says: str) -> None:
    for bad in ("0", "-3", "x", "1e9999") if "whole" in says else ("0", "-3", "x"):
        if "0 or more" in says and bad == "0" or "0 to 65535" in says and bad == "0":
            continue  # allowed there
        done = run(*words, bad)
        assert done.returncode == 2
        shown = repr(bad) if bad in ("x", "1e9999") else bad
        assert f"{says} {shown}" in done.stderr.splitlines()[-1], done.stderr


def test_a_url_that_is_refused_states_the_real_rule(server: RunningServer) -> None:
    rule = "https://host[:port][/path], or http:// to this machine (127.0.0.0/8, [::1] or localhost)"
    for url in ("notaurl", "ftp://example.com", "http://moderation.example.com"):
        done = run("export", "--url", url, env={"TRIAGE_TUI_TOKEN": "t0ken"})
        assert done.returncode == 2 and rule in done.stderr, done.stderr
        tokenless = run("export", "--url", url, env={"TRIAGE_TUI_TOKEN": ""})  # the URL is the mistake, not the token
        assert tokenless.returncode == 2 and rule in tokenless.stderr and "TRIAGE_TUI_TOKEN" not in tokenless.stderr, tokenless.stderr
    loopback = run("export", "--limit", "1", "--url", server.url, env={"TRIAGE_TUI_TOKEN": server.tokens["ana"]})
    assert loopback.returncode == 0, loopback.stderr  # http:// to 127.0.0.1 is rightly accepted


@pytest.mark.parametrize("command", ["sync", "export", "batch", "apply", "report"])
def test_no_config_suggests_only_what_the_command_accepts(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nowhere.toml"
    extra = {"batch": ["approve", "--filter", ""], "apply": ["-"]}.get(command, [])
    done = run(command, *extra, "--config", str(missing))
    assert done.returncode == 2
    assert done.stderr == (f"triage-tui: {missing}: no such file; create one with `triage-tui config init`, "
                           "or give --url URL with the token in $TRIAGE_TUI_TOKEN\n")
    assert "--demo" not in run(command, "--help").stdout  # and indeed it takes no --demo


def test_no_config_for_the_triage_screen_offers_the_demo(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    done = run("--config", str(missing))
    assert done.returncode == 2
    assert done.stderr.endswith("or open a backend with --url URL and the token in $TRIAGE_TUI_TOKEN, or try --demo\n")


def test_a_rejected_token_names_where_it_came_from(server: RunningServer, tmp_path: Path) -> None:
    by_url = run("export", "--url", server.url, env={"TRIAGE_TUI_TOKEN": "not-a-real-token"})
    assert by_url.returncode == 3
    assert "the backend did not accept the token (401" in by_url.stderr
    assert "check the token from $TRIAGE_TUI_TOKEN" in by_url.stderr and "profile" not in by_url.stderr

    token_file = tmp_path / "token"
    token_file.write_text("not-a-real-token\n")
    token_file.chmod(0o600)
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.env]\nurl = "{server.url}"\ntoken_env = "MY_TOKEN"\n'
                      f'[profiles.file]\nurl = "{server.url}"\ntoken_file = "{token_file}"\n'
                      f'[profiles.cmd]\nurl = "{server.url}"\ntoken_command = ["echo", "not-a-real-token"]\n')
    sources = {
        "env": f"check the token from $MY_TOKEN (token_env of [profiles.env] in {config})",
        "file": f"check the token from {token_file} (token_file of [profiles.file] in {config})",
        "cmd": f"check the token from the output of 'echo' (token_command of [profiles.cmd] in {config})",
    }
    for profile, says in sources.items():
        done = run("export", "--config", str(config), "--profile", profile, env={"MY_TOKEN": "not-a-real-token"})
        assert done.returncode == 3 and says in done.stderr, done.stderr
    checked = run("config", "check", "--config", str(config), env={"MY_TOKEN": "not-a-real-token"})
    for says in sources.values():
        assert says in checked.stdout
