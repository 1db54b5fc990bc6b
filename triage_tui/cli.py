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
EXIT_CODES = ("Exit codes: 0 done, 1 some decisions conflicted or were invalid, 2 usage or config error, "
              "3 authentication failed, 4 backend unreachable.")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _at_least_one(text: str) -> int:
    value = _positive(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected 0 < S <= 86400, got {text}")
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
        epilog=EXIT_CODES,
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
    parser.add_argument("--theme", metavar="NAME", help="the colour theme: triage-dark (default), triage-light, "
                        "triage-high-contrast, triage-colour-blind, one of yours, or a Textual theme (default: [ui] theme)")
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

    # The connection options also work after the command (`batch remove --profile prod …`);
    # SUPPRESS keeps a subcommand from overwriting what was given before it.
    connection = argparse.ArgumentParser(add_help=False)
    connection.add_argument("--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help="the config file")
    connection.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="the config profile")
    connection.add_argument("--url", metavar="URL", default=argparse.SUPPRESS, help=f"the backend at URL, with the token in ${TOKEN_ENV}")
    connection.add_argument("--queue", choices=("open", "escalated"), default=argparse.SUPPRESS, help="the open queue (default) or the escalated one")
    sending = argparse.ArgumentParser(add_help=False)
    sending.add_argument("--dry-run", action="store_true", help="check and list, decide nothing")
    sending.add_argument("--yes", action="store_true", help="no question when acting on more than [ui] confirm_above items")
    sending.add_argument("--json", action="store_true", help="print the result as one JSON object")
    sending.add_argument("--timeout", type=_seconds, default=300.0, metavar="S",
                         help="give up sending after S seconds; what is unsent stays in the outbox for `sync` (default 300)")

    sync = sub.add_parser(
        "sync", parents=[connection],
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
        "batch", parents=[connection, sending],
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
    batch.add_argument("--limit", type=_at_least_one, metavar="N", help="at most N items (in --sort order)")
    batch.add_argument("--sort", default="deadline", metavar="ORDER", help="deadline (default), priority, reports or age; -age reverses")

    apply = sub.add_parser(
        "apply", parents=[connection, sending],
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
        "export", parents=[connection],
        help="write the queue (or the items matching a filter) as JSONL or CSV",
        description="Write a snapshot of the queue to stdout, one item per line. Its item_id and item_version "
        "columns are what `apply` reads: add an action column and apply it.",
        epilog=EXIT_CODES,
    )
    export.add_argument("--filter", default="", metavar="EXPR", help="which items (default: all)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="jsonl (default) or csv")
    export.add_argument("--limit", type=_at_least_one, metavar="N", help="at most N items")
    export.add_argument("--sort", default="deadline", metavar="ORDER", help="deadline (default), priority, reports or age; -age reverses")

    report = sub.add_parser(
        "report", parents=[connection],
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
    config_file = argparse.ArgumentParser(add_help=False)  # `config check --config FILE`, as after every other command
    config_file.add_argument("--config", type=Path, metavar="FILE", default=argparse.SUPPRESS, help="the config file")
    init = config_sub.add_parser("init", parents=[config_file], help="write a starter config (mode 0600)", description="Write a starter config.toml atomically, mode 0600.")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    config_sub.add_parser("check", parents=[config_file], help="validate the config and test each profile's connection", description="Validate the config and call /v1/me on every profile.")
    config_sub.add_parser("path", parents=[config_file], help="print where the config file is looked for", description="Print the config file's path.")

    serve = sub.add_parser(
        "serve",
        help="run the reference moderation backend",
        description="Run the reference moderation backend (triage protocol v1) over SQLite. "
        "It binds 127.0.0.1 unless --allow-public is given with another --host. Moderators come from "
        "--tokens FILE and from $TRIAGE_TUI_SERVER_TOKENS (TOKEN:ID:ROLES entries separated by spaces or "
        "newlines), which stay out of argv, where every user of the machine can read them with ps.",
    )
    serve.add_argument("--db", type=Path, required=True, help="SQLite database file (created if missing)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8470, help="port to bind (default 8470; 0 picks a free one)")
    serve.add_argument("--seed-demo", type=_positive, default=0, metavar="N", help="add N demo items before serving")
    serve.add_argument("--seed", type=int, default=1, help="random seed for --seed-demo (default 1)")
    serve.add_argument("--tokens", type=Path, metavar="FILE",
                       help="TOML file of moderators and their tokens; refused unless only you can read it (chmod 600)")
    serve.add_argument(
        "--token", action="append", default=[], metavar="TOKEN:ID:ROLES",
        help="add a moderator, for tests: the token shows in ps, so this warns (repeatable)",
    )
    serve.add_argument("--policy", type=Path, metavar="FILE", help="policy JSON file (default: the built-in policy)")
    serve.add_argument("--allow-public", action="store_true", help="allow binding a non-loopback address")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(join_dash_values(sys.argv[1:] if argv is None else argv))
    if args.command == "serve":
        from triage_tui.server.cli import run_serve

        return run_serve(args)
    if not args.demo and (args.demo_as != "ana" or args.demo_items != DEMO_ITEMS):
        parser.error("--demo-as and --demo-items go with --demo")
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
