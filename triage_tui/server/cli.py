"""`triage-tui serve`: the reference backend as a long-running process."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
import time
from typing import Any

from triage_tui.exitcodes import Exit
from triage_tui.words import plural

TOKENS_ENV = "TRIAGE_TUI_SERVER_TOKENS"
"""Moderators as `TOKEN:ID:ROLES` entries: the server's token source that stays out of argv."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fail(message: str) -> int:
    print(f"triage-tui serve: {message}", file=sys.stderr)
    return Exit.USAGE


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from triage_tui.server.app import create_app
    from triage_tui.server.auth import TokenError, TokenTable, load_tokens, parse_token_env, parse_token_flag
    from triage_tui.server.demo import seed_demo
    from triage_tui.server.policy import DEFAULT_POLICY, DEFAULT_POLICY_JSON, PolicyFileError, load_policy
    from triage_tui.server.store import Store

    if not _loopback(args.host) and not args.allow_public:
        return _fail(f"--host {args.host} is not a loopback address; add --allow-public to serve beyond this machine "
                     "(and put TLS in front of it: tokens travel in every request)")
    table = TokenTable()
    if args.token:
        print(f"triage-tui serve: warning: --token shows its token to every user of this machine (ps, /proc); "
              f"use --tokens FILE (mode 600) or ${TOKENS_ENV} instead", file=sys.stderr)
    try:
        if args.tokens is not None:
            load_tokens(args.tokens, table)
        if TOKENS_ENV in os.environ:
            parse_token_env(os.environ[TOKENS_ENV], TOKENS_ENV, table)
        for flag in args.token:
            parse_token_flag(flag, table)
    except TokenError as exc:
        return _fail(str(exc))
    if not len(table):
        return _fail(f"no moderators: give --tokens FILE (a TOML file only you can read) or set ${TOKENS_ENV} "
                     "to TOKEN:ID:ROLES entries (see --help)")
    policy, policy_json = DEFAULT_POLICY, DEFAULT_POLICY_JSON
    if args.policy is not None:
        try:
            policy, policy_json = load_policy(args.policy)
        except PolicyFileError as exc:
            return _fail(str(exc))
    try:
        probe = socket.create_server((args.host, args.port))
        probe.close()
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    try:
        store = Store(args.db, policy)
    except Exception as exc:  # sqlite3 errors: not a database, unreadable, locked
        return _fail(f"{args.db}: cannot open the database: {exc}")
    try:
        if args.seed_demo:
            started = time.monotonic()
            added: Any = seed_demo(store, args.seed_demo, seed=args.seed, now=time.time())
            print(f"seeded {plural(added['created'], 'new demo item')} ({added['updated']:,} updated) in "
                  f"{time.monotonic() - started:.1f} s", file=sys.stderr)
        app = create_app(store, table, policy_json=policy_json)
        print(f"triage protocol v1.1 for {plural(len(table), 'moderator')} on http://{args.host}:{args.port} "
              f"(database {args.db}); Ctrl-C stops", file=sys.stderr)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", lifespan="off")
    finally:
        store.close()
    return Exit.OK
