"""The `triage-tui` command.

Imports stay lazy: `triage-tui --version` and the shell commands must not pay for the
server, httpx or Textual (about 240 ms for `textual.app` alone) unless they use them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from triage_tui import __version__
from triage_tui.exitcodes import Exit
from triage_tui.expected import Range

DEMO_ITEMS = 5000
TOKEN_ENV = "TRIAGE_TUI_TOKEN"
EXIT_CODES = ("Exit codes: 0 done, 1 some decisions conflicted or were invalid, 2 usage or config error, "
              "3 authentication failed, 4 backend unreachable.")


def _number(allowed: Range, metavar: str) -> Callable[[str], int | float]:
    """An argparse type for a number in `allowed`: every numeric option checks its range
    here, and says what is allowed in one message whatever was wrong (0, -3, x)."""

    def parse(text: str) -> int | float:
        try:
            return allowed.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = metavar  # argparse names the type in "invalid <name> value"
    return parse


COUNT = _number(Range(0), "count")
AT_LEAST_ONE = _number(Range(1), "count")
SECONDS = _number(Range(0, 86400, integer=False, above=True, unit="seconds"), "seconds")
PORT = _number(Range(0, 65535), "port")
SEED = _number(Range(), "seed")


# -- the global options: which goes with which command -----------------------------------------
# The options of the bare `triage-tui` that also work after a command's name
# (`triage-tui --profile prod export` and `triage-tui export --profile prod`). Each goes
# only with the commands that use it: given anywhere else it is an error, never a no-op.
# This one table makes both the parsers and the check; --help shows it.
APP = "the triage screen"  # no command
DEMO = "--demo"
CONNECTS = ("sync", "batch", "apply", "export", "report")
GLOBAL_OPTIONS: dict[str, tuple[str, ...]] = {
    "--config": (APP, DEMO, *CONNECTS, "config init", "config check", "config path"),
    "--profile": (APP, *CONNECTS),
    "--url": (APP, *CONNECTS),
    "--queue": (APP, "batch", "export"),
    "--theme": (APP, DEMO),
    "--demo": (DEMO,),
    "--demo-items": (DEMO,),
    "--demo-as": (DEMO,),
}
"""Option → the commands it goes with ("config check" for a command of `config`)."""

_GLOBAL_DEFAULTS: dict[str, object] = {"config": None, "profile": None, "url": None, "queue": None, "theme": None,
                                       "demo": False, "demo_items": DEMO_ITEMS, "demo_as": "ana"}


def _global_help() -> dict[str, dict[str, Any]]:
    """Each global option's argparse arguments, written once for every parser that takes it."""
    return {
        "--config": dict(type=Path, metavar="FILE",
                         help="the config file (default: config.toml in the platform config directory; see `config path`)"),
        "--profile": dict(metavar="NAME", help="the config profile to open (default: default_profile)"),
        "--url": dict(metavar="URL", help=f"the backend at URL instead of a profile; the bearer token comes from ${TOKEN_ENV}"),
        "--queue": dict(choices=("open", "escalated"),
                        help="the open queue, or the items escalated to your teams (default: the profile's queue, else open)"),
        "--theme": dict(metavar="NAME", help="the colour theme: triage-dark (default), triage-light, triage-high-contrast, "
                        "triage-colour-blind, one of yours, or a Textual theme (default: [ui] theme)"),
        "--demo": dict(action="store_true",
                       help="start an embedded reference backend with demo data on 127.0.0.1 and open it"),
        "--demo-items": dict(type=COUNT, metavar="N", help=f"how many demo items --demo generates (default {DEMO_ITEMS})"),
        "--demo-as": dict(metavar="NAME", help="the demo moderator to sign in as: ana or ben (open queue), lea (legal), "
                          "cas (child safety), sam (senior), root (admin); the specialist teams see the escalated queue (default ana)"),
    }


def _add_globals(parser: argparse.ArgumentParser, command: str | None) -> None:
    """The global options that go with `command` (all of them for the bare parser, None).
    SUPPRESS: an option not given leaves no attribute, so `check_globals` sees what was
    given, and a command's parser never overwrites what was given before its name."""
    for name, spec in _global_help().items():
        if command is None or command in GLOBAL_OPTIONS[name]:
            if command is None and name != "--demo":
                spec["help"] += f" [with: {', '.join(GLOBAL_OPTIONS[name])}]"
            parser.add_argument(name, default=argparse.SUPPRESS, **spec)


def command_of(args: argparse.Namespace) -> str:
    """The command as GLOBAL_OPTIONS names it: "export", "config check", or APP/DEMO."""
    command = getattr(args, "command", None)
    if command is None:
        return DEMO if getattr(args, "demo", False) else APP
    sub = getattr(args, "config_command", None)
    return f"{command} {sub}" if command == "config" and sub else command


def check_globals(args: argparse.Namespace) -> str | None:
    """Why the global options given do not go with the command, or None; then fill in
    the defaults of those not given."""
    command = command_of(args)
    given = vars(args)
    for name in GLOBAL_OPTIONS:
        if name.lstrip("-").replace("-", "_") in given and command not in GLOBAL_OPTIONS[name]:
            return misplaced(name, command)
    for dest, default in _GLOBAL_DEFAULTS.items():
        given.setdefault(dest, default)
    return None


def _shown(command: str) -> str:
    return command if command in (APP, DEMO) else f"`{command}`"


def misplaced(option: str, command: str) -> str:
    """The one message for a global option given with a command that does not use it."""
    if option == "--demo":
        return f"--demo opens the demo's triage screen; it does not go with {_shown(command)}"
    return f"{option} does not go with {_shown(command)}; it goes with: {', '.join(map(_shown, GLOBAL_OPTIONS[option]))}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage-tui",
        description="Triage reported posts and channels from the terminal.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"triage-tui {__version__}")
    _add_globals(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sending = argparse.ArgumentParser(add_help=False)
    sending.add_argument("--dry-run", action="store_true", help="check and list, decide nothing")
    sending.add_argument("--yes", action="store_true", help="no question when acting on more than [ui] confirm_above items")
    sending.add_argument("--json", action="store_true", help="print the result as one JSON object")
    sending.add_argument("--timeout", type=SECONDS, default=300.0, metavar="S",
                         help="give up sending after S seconds; what is unsent stays in the outbox for `sync` (default 300)")

    sync = sub.add_parser(
        "sync",
        help="send the decisions waiting in the outbox",
        description="Send the decisions waiting in this machine's outbox for a backend: the config "
        f"profile, or --url with the token in ${TOKEN_ENV}. Prints what was sent, what conflicted and "
        "what needs attention (each with its reason). Any spelling of the backend's URL finds its decisions "
        "(case, default port and trailing slash do not matter). When nothing is waiting for this backend and "
        "moderator but the outbox holds decisions filed under another, it names them and how to send them.",
        epilog="Exit codes: 0 all sent, 1 some conflicted or are parked for attention, 2 usage or config error, "
        "3 token rejected, 4 still unsent (the backend could not be reached, or nothing was waiting here while "
        "decisions filed under another backend or moderator are).",
    )
    sync.add_argument("--wait", action="store_true", help="keep retrying until every decision is sent or refused")
    sync.add_argument("--json", action="store_true", help="print the result as one JSON object")

    batch = sub.add_parser(
        "batch", parents=[sending],
        help="decide every item matching a filter",
        description="Decide every queue item matching --filter (the language of / in the app, e.g. "
        "'source:automated reason:spam reports>=3'), through the outbox, as the app does. Everything is "
        "checked against the policy first: if it refuses any item, nothing is decided.",
        epilog=EXIT_CODES,
    )
    batch.add_argument("action", choices=("approve", "remove", "escalate"), help="the decision")
    batch.add_argument("--filter", required=True, metavar="EXPR", help="which items; '' means every item in the queue")
    batch.add_argument("--reason", metavar="CODE", help="the policy reason (remove)")
    batch.add_argument("--scope", metavar="CC,CC", help="withhold in these countries only: ISO 3166-1 codes like DE,AT, or eu / eea for their member states (remove; default global)")
    batch.add_argument("--to", metavar="TARGET", help="the escalation target (escalate)")
    batch.add_argument("--note", metavar="TEXT", help="a note kept with each decision")
    batch.add_argument("--limit", type=AT_LEAST_ONE, metavar="N", help="at most N items (in --sort order)")
    batch.add_argument("--sort", default="deadline", metavar="ORDER", help="deadline (default), priority, reports or age; -age reverses")

    apply = sub.add_parser(
        "apply", parents=[sending],
        help="apply the decisions in a JSONL or CSV file",
        description="Apply a file of decisions: JSONL (one object per line) or CSV (with a header row). Fields: "
        "item_id, action (approve|remove|escalate), reason, scope (global or DE,AT), escalate_to, note, item_version "
        "(optional: the version you decided on; a newer item then comes back as a conflict). The columns of "
        "`export` are allowed too. Every line is checked first; if any is bad, nothing is applied.",
        epilog=EXIT_CODES,
    )
    apply.add_argument("file", type=Path, metavar="FILE", help="the decisions file; - reads stdin")
    apply.add_argument("--skip-invalid", action="store_true", help="apply the good lines even when some are bad")

    export = sub.add_parser(
        "export",
        help="write the queue (or the items matching a filter) as JSONL or CSV",
        description="Write a snapshot of the queue to stdout, one item per line. Its item_id and item_version "
        "columns are what `apply` reads: add an action column and apply it.",
        epilog=EXIT_CODES,
    )
    export.add_argument("--filter", default="", metavar="EXPR", help="which items (default: all)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="jsonl (default) or csv")
    export.add_argument("--limit", type=AT_LEAST_ONE, metavar="N", help="at most N items")
    export.add_argument("--sort", default="deadline", metavar="ORDER", help="deadline (default), priority, reports or age; -age reverses")

    report = sub.add_parser(
        "report",
        help="transparency numbers, or DSA statements of reasons, from the audit log",
        description="Decisions by action, reason, source and country; median and p90 time from the first "
        "report to the decision; deadline breaches by source. With --statements: a DSA Transparency Database "
        "statement of reasons for every removal, checked against the database's rules, in batches of at most 100. "
        "Moderators see their own decisions; senior moderators and admins see everyone's.",
        epilog=EXIT_CODES,
    )
    report.add_argument("--since", default="7d", metavar="WHEN", help="2026-11-01, 2026-11-01T09:30 (UTC unless a zone is given) or a span ago like 7d, 36h (default 7d)")
    report.add_argument("--until", default=None, metavar="WHEN", help="the end, exclusive, in the same forms (default now)")
    report.add_argument("--by", choices=("day", "source", "reason", "country", "moderator"), default="day", help="group by (default day)")
    report.add_argument("--format", choices=("table", "csv", "json", "jsonl"), default=None,
                        help="table (default), csv or json; jsonl for --statements (its only format)")
    report.add_argument("--statements", action="store_true", help="DSA statements of reasons for the removals, as JSONL batches")

    config = sub.add_parser("config", help="write, check or locate the config file", description="Manage config.toml.")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    init = config_sub.add_parser("init", help="write a starter config (mode 0600)", description="Write a starter config.toml atomically, mode 0600.")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    config_sub.add_parser("check", help="validate the config and test each profile's connection", description="Validate the config and call /v1/me on every profile.")
    config_sub.add_parser("path", help="print where the config file is looked for", description="Print the config file's path.")

    serve = sub.add_parser(
        "serve",
        help="run the reference moderation backend",
        description="Run the reference moderation backend (triage protocol v1.1) over SQLite. "
        "It binds 127.0.0.1 unless --allow-public is given with another --host. Moderators come from "
        "--tokens FILE and from $TRIAGE_TUI_SERVER_TOKENS (TOKEN:ID:ROLES entries separated by spaces or "
        "newlines), which stay out of argv, where every user of the machine can read them with ps.",
    )
    serve.add_argument("--db", type=Path, required=True, help="SQLite database file (created if missing)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=PORT, default=8470, help="port to bind (default 8470; 0 picks a free one)")
    serve.add_argument("--seed-demo", type=COUNT, default=0, metavar="N", help="add N demo items before serving")
    serve.add_argument("--seed", type=SEED, default=1, metavar="N", help="random seed for --seed-demo (default 1)")
    serve.add_argument("--tokens", type=Path, metavar="FILE",
                       help="TOML file of moderators and their tokens; refused unless only you can read it (chmod 600)")
    serve.add_argument(
        "--token", action="append", default=[], metavar="TOKEN:ID:ROLES",
        help="add a moderator, for tests: the token shows in ps, so this warns (repeatable)",
    )
    serve.add_argument("--policy", type=Path, metavar="FILE", help="policy JSON file (default: the built-in policy)")
    serve.add_argument("--allow-public", action="store_true", help="allow binding a non-loopback address")
    for name, command in [*sub.choices.items(), *((f"config {n}", p) for n, p in config_sub.choices.items())]:
        _add_globals(command, name)
    return parser


# Options whose value may start with "-": a reversed sort (`-age`), a negated filter term
# (`-source:automated`), a note. argparse takes `--sort -age` for two options and says
# "expected one argument", so `join_dash_values` hands it `--sort=-age` instead.
DASH_VALUES = ("--sort", "--filter", "--note")


def join_dash_values(argv: Sequence[str]) -> list[str]:
    """`--sort -age` as `--sort=-age`, for the options of DASH_VALUES only. A value that
    starts with "--" is left alone: `--note --dry-run` must not swallow --dry-run."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return [*out, *argv[i:]]
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg in DASH_VALUES and following is not None and following.startswith("-") and not following.startswith("--"):
            out.append(f"{arg}={following}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line as `main` runs it: parsed, and its global options checked
    against the command (argparse's usage error and exit 2 when they do not fit)."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(join_dash_values(argv))
    if unknown:  # a global option after a command that does not use it: say so, not "unrecognized"
        for arg in unknown:
            if arg.split("=", 1)[0] in GLOBAL_OPTIONS:
                parser.error(misplaced(arg.split("=", 1)[0], command_of(args)))
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    problem = check_globals(args)
    if problem is not None:
        parser.error(problem)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "serve":
        from triage_tui.server.cli import run_serve

        return run_serve(args)
    if args.demo:
        from triage_tui.demo import run_demo

        return run_demo(items=args.demo_items, moderator=args.demo_as, theme=args.theme, config=args.config)
    if args.command == "config":
        from triage_tui.connect import run_config

        return run_config(args)
    if args.command in ("batch", "apply", "export", "report"):
        from triage_tui.connect import run_batch

        return run_batch(args)
    from triage_tui.connect import run_app, run_sync

    return run_sync(args) if args.command == "sync" else run_app(args)
