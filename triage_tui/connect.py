"""Opening a real backend from the command line: the triage screen, `sync` and `config`.

The backend is a config profile (`--profile`, or the config's default_profile), or
`--url` with the token in `TRIAGE_TUI_TOKEN` — never in an argument, so it stays out
of shell history and `ps`. Every path shares the outbox in the state directory: what
the screen committed and a dropped session left behind, `sync` sends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage_tui.config import Config, ConfigError, MissingConfig, Profile, SyncSettings, UiSettings, default_path, load, write_starter
from triage_tui.exitcodes import Exit
from triage_tui.words import plural

TOKEN_ENV = "TRIAGE_TUI_TOKEN"


def _fail(message: str, code: int = Exit.USAGE) -> int:
    print(f"triage-tui: {message}", file=sys.stderr)
    return code


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    token: str
    ca_file: Path | None
    queue: str
    config: Config | None
    profile: Profile | None = None  # None for --url: the triage protocol
    token_from: str = f"${TOKEN_ENV}"  # where the token came from, for "check the token from …"


# What each command can use instead of a config file, for the message when there is none:
# only what that command accepts (the bare command alone has --demo).
_INSTEAD = {
    None: f"or open a backend with --url URL and the token in ${TOKEN_ENV}, or try --demo",
    "config": "",
}
_INSTEAD_DEFAULT = f"or give --url URL with the token in ${TOKEN_ENV}"


def no_config(exc: MissingConfig, command: str | None) -> str:
    """The missing-config message with only the ways out that `command` accepts."""
    instead = _INSTEAD.get(command, _INSTEAD_DEFAULT)
    return f"{exc}; create one with `triage-tui config init`" + (f", {instead}" if instead else "")


def _target(args: argparse.Namespace) -> Target | int:
    """Where to connect and with which token: --url and $TRIAGE_TUI_TOKEN, or a profile."""
    try:
        if args.url:
            from triage_tui.backends.triage import check_base_url

            try:  # a URL that can never work is the mistake to name, whatever the token
                check_base_url(args.url)
            except ValueError as exc:
                return _fail(str(exc))
            token = os.environ.get(TOKEN_ENV, "").strip()
            if not token:
                return _fail(f"set {TOKEN_ENV} to your bearer token for {args.url}")
            explicit = args.config is not None
            cfg = load(args.config) if explicit or default_path().exists() else None
            return Target(args.url, token, None, args.queue or "open", cfg)
        cfg = load(args.config)
        profile = cfg.profile(args.profile)
        return Target(profile.url, profile.token(cfg.path), profile.ca_file, args.queue or profile.queue, cfg, profile,
                      token_from=profile.token_from(cfg.path))
    except MissingConfig as exc:
        return _fail(no_config(exc, args.command))
    except ConfigError as exc:
        return _fail(str(exc))


def _backend(target: Target) -> Any:
    ca_file = str(target.ca_file) if target.ca_file else None
    profile = target.profile
    try:
        if profile is not None and profile.backend == "ozone":
            from triage_tui.backends.ozone import OzoneBackend

            return OzoneBackend(target.url, target.token, auth=profile.auth or "admin", handle=profile.handle,
                                pds=profile.pds, ozone_did=profile.ozone_did, ca_file=ca_file, token_from=target.token_from)
        from triage_tui.backends.triage import TriageBackend

        return TriageBackend(target.url, target.token, ca_file=ca_file, token_from=target.token_from)
    except ValueError as exc:
        return _fail(str(exc))


def _open(args: argparse.Namespace) -> tuple[Target, Any] | int:
    """The target and its backend client, or the exit code of why there is none."""
    target = _target(args)
    if isinstance(target, int):
        return target
    backend = _backend(target)
    return backend if isinstance(backend, int) else (target, backend)


@dataclass(frozen=True, slots=True)
class Look:
    """The theme to open with, the themes found, and what to tell the moderator."""

    theme: str
    catalogue: Any
    notices: list[str]


def look(requested: str | None, where: str) -> Look | int:
    """Resolve --theme (or [ui] theme) against the built-in and the user's theme files."""
    from triage_tui.theming import ThemeError, discover
    from triage_tui.ui.themes import choose, usable

    catalogue = usable(discover())
    try:
        theme, notices = choose(requested, catalogue)
    except ThemeError as exc:
        return _fail(f"{where}: {exc}")
    return Look(theme, catalogue, notices)


def run_app(args: argparse.Namespace) -> int:
    from triage_tui.model import State
    from triage_tui.outbox import Outbox
    from triage_tui.ui.app import TriageApp
    from triage_tui.ui.screens.triage import Settings

    target = _target(args)
    if isinstance(target, int):
        return target
    cfg = target.config
    keys = dict(cfg.keys) if cfg else {}  # checked with the rest of the config by load()
    backend = _backend(target)
    if isinstance(backend, int):
        return backend
    ui = cfg.ui if cfg else UiSettings()
    sync = cfg.sync if cfg else SyncSettings()
    chosen = look(args.theme or ui.theme, "--theme" if args.theme or not cfg else f"{cfg.path}: [ui] theme")
    if isinstance(chosen, int):
        return chosen
    settings = Settings(undo_seconds=ui.undo_seconds, auto_advance=ui.auto_advance, confirm_above=ui.confirm_above, claim_on_open=ui.claim_on_open,
                        mask_sensitive=ui.mask_sensitive, sync_batch=sync.batch, sync_max_delay=sync.max_delay)
    TriageApp(backend, Outbox(), backend_name=target.url, queue=State(target.queue), settings=settings, keymap=keys,
              theme=chosen.theme, catalogue=chosen.catalogue, notices=chosen.notices).run()
    return Exit.OK


def run_config(args: argparse.Namespace) -> int:
    path = args.config or default_path()
    if args.config_command == "path":
        print(path)
        return Exit.OK
    if args.config_command == "init":
        try:
            write_starter(path, force=args.force)
        except ConfigError as exc:
            return _fail(str(exc))
        print(path)
        print(f"triage-tui: wrote a starter config; set {TOKEN_ENV} or edit the profile's token source", file=sys.stderr)
        return Exit.OK
    try:
        cfg = load(path)
    except MissingConfig as exc:
        return _fail(no_config(exc, args.command))
    except ConfigError as exc:
        return _fail(str(exc))
    return asyncio.run(_check(cfg))


async def _check(cfg: Config) -> int:
    from triage_tui.backends.errors import BackendError, Unauthorized

    worst = Exit.OK
    chosen = look(cfg.ui.theme, f"{cfg.path}: [ui] theme")
    if isinstance(chosen, int):
        worst = Exit.USAGE
    else:
        for notice in chosen.notices:
            print(f"theme: {notice}")
            worst = Exit.USAGE
        print(f"theme: {chosen.theme} (of {len(chosen.catalogue.themes)} theme files found)")
    for name, profile in cfg.profiles.items():
        try:
            target = Target(profile.url, profile.token(cfg.path), profile.ca_file, profile.queue, cfg, profile,
                            token_from=profile.token_from(cfg.path))
        except ConfigError as exc:
            print(f"{name}: {exc}")
            worst = max(worst, Exit.USAGE)
            continue
        backend = _backend(target)
        if isinstance(backend, int):
            worst = max(worst, backend)
            continue
        async with backend:
            try:
                me = await backend.me()
            except Unauthorized as exc:
                print(f"{name}: {profile.url}: token rejected ({exc})")
                worst = max(worst, Exit.AUTH)
            except BackendError as exc:
                print(f"{name}: {profile.url}: unreachable ({exc})")
                worst = max(worst, Exit.UNREACHABLE)
            else:
                print(f"{name}: ok — {profile.url} as {me.id} ({', '.join(sorted(me.roles))})")
    return worst


def run_batch(args: argparse.Namespace) -> int:
    """`batch`, `apply`, `export` and `report`: the shell commands of batch.py, apply.py, export.py and report.py."""
    from triage_tui import batch

    if (usage := batch.usage_problem(args)) is not None:
        return usage
    opened = _open(args)
    if isinstance(opened, int):
        return opened
    target, backend = opened
    cfg = target.config
    ui, sync = (cfg.ui, cfg.sync) if cfg else (UiSettings(), SyncSettings())
    if args.command == "export":
        from triage_tui import export

        return asyncio.run(export.run_export(args, backend, target.url, target.queue))
    if args.command == "report":
        from triage_tui import report

        return asyncio.run(report.run(args, backend, target.url))
    if args.command == "apply":
        from triage_tui import apply

        return asyncio.run(apply.run_apply(args, backend, target.url, ui, sync))
    return asyncio.run(batch.run_batch(args, backend, target.url, ui, sync, target.queue))


def run_sync(args: argparse.Namespace) -> int:
    opened = _open(args)
    if isinstance(opened, int):
        return opened
    target, backend = opened
    return asyncio.run(_sync(backend, target.url, wait=args.wait, as_json=args.json, config=target.config))


def _elsewhere(found: list[tuple[str, str, int]], config: Config | None) -> list[dict[str, Any]]:
    """Unsent decisions filed under other backends or moderators, each with how to send it."""
    from triage_tui.outbox import backend_identity

    profiles = config.profiles.values() if config else ()
    out = []
    for backend, moderator, unsent in found:
        names = [p.name for p in profiles if backend_identity(p.url) == backend]
        how = f"triage-tui sync --profile {names[0]}" if names else f"{TOKEN_ENV}=<the token of {moderator}> triage-tui sync --url {backend}"
        out.append({"backend": backend, "moderator": moderator, "unsent": unsent, "profiles": names, "send_with": how})
    return out


async def _sync(backend: Any, url: str, *, wait: bool, as_json: bool, config: Config | None = None) -> int:
    import time

    from triage_tui.backends.errors import BackendError, Unauthorized
    from triage_tui.outbox import Outbox
    from triage_tui.sync import Sender, drain

    outbox = Outbox()
    async with backend:
        try:
            me = await backend.me()
        except Unauthorized as exc:
            return _fail(f"{url}: the token was rejected ({exc})", Exit.AUTH)
        except BackendError as exc:
            return _fail(f"{url}: unreachable ({exc})", Exit.UNREACHABLE)
        done = await drain(Sender(outbox, backend, backend_name=url, moderator=me.id), wait=wait)
        sent, conflicts, attention, problem, left = done.sent, done.conflicts, done.attention, done.problem, done.unsent
        held = outbox.counts(url, me.id).get("held", 0)
        # Nothing here, yet unsent decisions elsewhere in this outbox (another backend, or
        # another moderator's token): say so, or a mistyped URL reads as "all sent".
        idle = not (sent or conflicts or attention or left)
        elsewhere = _elsewhere(outbox.elsewhere(url, me.id), config) if idle else []
        result = {"sent": sent, "conflicts": conflicts, "needs_attention": attention, "parked": done.parked, "unsent": left,
                  "held_for_undo": held, "problem": problem, "elsewhere": elsewhere, "checked_at": time.time()}
    outbox.close()
    if elsewhere:
        total = sum(e["unsent"] for e in elsewhere)
        print(f"triage-tui: nothing unsent for {me.id} at {url}, but this machine's outbox holds "
              f"{plural(total, 'unsent decision')} filed under {'another identity' if len(elsewhere) == 1 else 'other identities'}:",
              file=sys.stderr)
        for e in elsewhere:
            print(f"  {e['backend']} as {e['moderator']}: {e['unsent']} unsent; send with: {e['send_with']}", file=sys.stderr)
    if as_json:
        print(json.dumps(result))
    else:
        print(f"sent {sent}, conflicts {len(conflicts)}, need attention {attention}, still unsent {left}"
              + (f" ({held} in their undo window)" if held else ""))
        for line in conflicts:
            print(f"conflict: {line}")
        for line in done.parked:
            print(f"needs attention: {line}")
        if problem:
            print(f"triage-tui: {problem}", file=sys.stderr)
    if done.paused:
        return Exit.AUTH
    if conflicts or attention:
        return Exit.PARTIAL
    if left > held and problem:  # still unsent because the backend could not be reached
        return Exit.UNREACHABLE
    if elsewhere:  # still unsent, and not sendable with this URL and token: not "done"
        return Exit.UNREACHABLE
    return Exit.OK
