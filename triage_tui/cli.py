"""The `triage-tui` command.

Imports stay lazy: `triage-tui --version` and the shell commands must not pay for the
server, httpx or Textual (about 240 ms for `textual.app` alone) unless they use them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from triage_tui import __version__
from triage_tui.exitcodes import Exit

DEMO_ITEMS = 5000
TOKEN_ENV = "TRIAGE_TUI_TOKEN"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage-tui",
        description="Triage reported posts and channels from the terminal.",
        epilog="Exit codes: 0 done, 1 some decisions conflicted or were invalid, "
        "2 usage or config error, 3 authentication failed, 4 backend unreachable.",
    )
    parser.add_argument("--version", action="version", version=f"triage-tui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start an embedded reference backend with demo data on 127.0.0.1 and open it",
    )
    parser.add_argument(
        "--demo-items", type=_positive, default=DEMO_ITEMS, metavar="N",
        help=f"how many demo items --demo generates (default {DEMO_ITEMS})",
    )
    parser.add_argument(
        "--demo-as", default="ana", metavar="NAME",
        help="the demo moderator to sign in as: ana or ben (open queue), lea (legal), cas (child safety), "
        "sam (senior), root (admin); the specialist teams see the escalated queue (default ana)",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="the config file (default: config.toml in the platform config directory; see `config path`)")
    parser.add_argument("--profile", metavar="NAME", help="the config profile to open (default: default_profile)")
    parser.add_argument(
        "--url", metavar="URL",
        help=f"open the triage screen on the backend at URL; the bearer token comes from ${TOKEN_ENV}",
    )
    parser.add_argument(
        "--queue", choices=("open", "escalated"), default="open",
        help="the open queue, or the items escalated to your teams (default: the profile's queue, else open)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sync = sub.add_parser(
        "sync",
        help="send the decisions waiting in the outbox",
        description="Send the decisions waiting in this machine's outbox for a backend: the config "
        f"profile, or --url with the token in ${TOKEN_ENV}. Prints what was sent, what conflicted and "
        "what needs attention.",
    )
    sync.add_argument("--url", metavar="URL", help="the backend whose decisions to send (default: the config profile)")
    sync.add_argument("--wait", action="store_true", help="keep retrying until every decision is sent or refused")
    sync.add_argument("--json", action="store_true", help="print the result as one JSON object")

    config = sub.add_parser("config", help="write, check or locate the config file", description="Manage config.toml.")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    init = config_sub.add_parser("init", help="write a starter config (mode 0600)", description="Write a starter config.toml atomically, mode 0600.")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    config_sub.add_parser("check", help="validate the config and test each profile's connection", description="Validate the config and call /v1/me on every profile.")
    config_sub.add_parser("path", help="print where the config file is looked for", description="Print the config file's path.")

    serve = sub.add_parser(
        "serve",
        help="run the reference moderation backend",
        description="Run the reference moderation backend (triage protocol v1) over SQLite. "
        "It binds 127.0.0.1 unless --allow-public is given with another --host.",
    )
    serve.add_argument("--db", type=Path, required=True, help="SQLite database file (created if missing)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8470, help="port to bind (default 8470; 0 picks a free one)")
    serve.add_argument("--seed-demo", type=_positive, default=0, metavar="N", help="add N demo items before serving")
    serve.add_argument("--seed", type=int, default=1, help="random seed for --seed-demo (default 1)")
    serve.add_argument("--tokens", type=Path, metavar="FILE", help="TOML file of moderators and their tokens")
    serve.add_argument(
        "--token", action="append", default=[], metavar="TOKEN:ID:ROLES",
        help="add a moderator, e.g. --token \"$TOKEN:ana:moderator,legal\" (repeatable)",
    )
    serve.add_argument("--policy", type=Path, metavar="FILE", help="policy JSON file (default: the built-in policy)")
    serve.add_argument("--allow-public", action="store_true", help="allow binding a non-loopback address")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        from triage_tui.server.cli import run_serve

        return run_serve(args)
    if not args.demo and (args.demo_as != "ana" or args.demo_items != DEMO_ITEMS):
        parser.error("--demo-as and --demo-items go with --demo")
    if args.demo:
        from triage_tui.demo import run_demo

        return run_demo(items=args.demo_items, moderator=args.demo_as)
    if args.command == "config":
        from triage_tui.connect import run_config

        return run_config(args)
    from triage_tui.connect import run_app, run_sync

    return run_sync(args) if args.command == "sync" else run_app(args)
