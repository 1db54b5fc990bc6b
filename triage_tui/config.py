"""`config.toml`: backend profiles, token sources, UI and sync settings, key bindings.

Every problem is one `ConfigError` whose message names the file, the key and what is
allowed — the CLI prints it and exits 2, with no traceback. Tokens are read only when a
profile is used, and never appear in a message: a token file that others can read is
refused (as ssh and netrc do), a token command runs without a shell and with a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage_tui.paths import PrivateFileError, config_dir, read_private
from triage_tui.expected import Range, expected
from triage_tui.sanitize import clean

BACKENDS = ("triage", "ozone")
OZONE_AUTH = ("admin", "moderator")
QUEUES = ("open", "escalated")
TOKEN_SOURCES = ("token_env", "token_command", "token_file")
COMMAND_TIMEOUT = 10.0
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


class ConfigError(ValueError):
    """A config problem, phrased for the moderator: file, key, what is allowed."""


class MissingConfig(ConfigError):
    """No config file at the path. The message says only that: what to do instead
    depends on the command (only the bare `triage-tui` has --demo), so the CLI adds it."""


def default_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    url: str
    backend: str = "triage"
    queue: str = "open"
    token_env: str | None = None
    token_command: tuple[str, ...] | None = None
    token_file: Path | None = None
    ca_file: Path | None = None
    # Ozone only: "admin" (Basic auth with the admin password from the token source) or
    # "moderator" (the account's app password: a session at `pds`, proxied to `ozone_did`).
    auth: str | None = None
    handle: str | None = None
    pds: str | None = None
    ozone_did: str | None = None

    def token(self, source: Path) -> str:
        """Read the token now, from the profile's one source."""
        where = f"{source}: [profiles.{self.name}]"
        if self.token_env is not None:
            value = os.environ.get(self.token_env, "").strip()
            if not value:
                raise ConfigError(f"{where} token_env: the environment variable {self.token_env} is not set or empty")
            return value
        if self.token_command is not None:
            return _run_token_command(self.token_command, where)
        assert self.token_file is not None
        return _read_token_file(self.token_file, where)

    def token_from(self, source: Path) -> str:
        """Where `token` reads the token, for "check the token from …" when a backend
        rejects it: the one source this profile names, never the token itself."""
        where = f"[profiles.{self.name}] in {source}"
        if self.token_env is not None:
            return f"${self.token_env} (token_env of {where})"
        if self.token_command is not None:
            return f"the output of {self.token_command[0]!r} (token_command of {where})"
        return f"{self.token_file} (token_file of {where})"


@dataclass(frozen=True, slots=True)
class UiSettings:
    theme: str | None = None  # None: the default theme (triage_tui.theming.DEFAULT)
    undo_seconds: float = 8.0
    auto_advance: bool = True
    confirm_above: int = 10
    mask_sensitive: bool = True
    claim_on_open: bool = True


@dataclass(frozen=True, slots=True)
class SyncSettings:
    batch: int = 100
    max_delay: float = 60.0


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    profiles: Mapping[str, Profile]
    default_profile: str | None
    ui: UiSettings = UiSettings()
    sync: SyncSettings = SyncSettings()
    keys: Mapping[str, str] = field(default_factory=dict)

    def profile(self, name: str | None) -> Profile:
        chosen = name or self.default_profile or (next(iter(self.profiles)) if len(self.profiles) == 1 else None)
        if chosen is None:
            raise ConfigError(f"{self.path}: several profiles and no default_profile; pick one with --profile ({', '.join(self.profiles)})")
        if chosen not in self.profiles:
            raise ConfigError(f"{self.path}: no profile {chosen!r}; profiles: {', '.join(self.profiles) or 'none'}")
        return self.profiles[chosen]


# -- reading ---------------------------------------------------------------------------


def load(path: Path | None = None) -> Config:
    path = path or default_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise MissingConfig(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return check(parse(data, path))


def check(cfg: Config) -> Config:
    """What no command may run with, though each key is well formed: bindings that clash,
    an unknown binding id, a key Textual keeps for itself, a theme that does not exist.
    Every command loads the config through here, so each refuses the same config with
    the same message; none of it needs Textual, so `export` checks it as fast as `--version`."""
    from triage_tui import bindings, theming

    problems = [f"{cfg.path}: [keys] {p}" for p in bindings.problems(cfg.keys)]
    if cfg.ui.theme is not None:
        try:
            theming.check_name(cfg.ui.theme, theming.discover())
        except theming.ThemeError as exc:
            problems.append(f"{cfg.path}: [ui] theme: {exc}")
    if problems:
        raise ConfigError("\n".join(problems))
    return cfg


def parse(data: Mapping[str, Any], path: Path) -> Config:
    _only(data, ("default_profile", "profiles", "ui", "sync", "keys"), f"{path}:", "top level")
    profiles_raw = _table(data.get("profiles", {}), f"{path}: profiles")
    profiles = {name: _profile(name, body, path) for name, body in profiles_raw.items()}
    default = data.get("default_profile")
    if default is not None:
        if not isinstance(default, str) or default not in profiles:
            raise ConfigError(f"{path}: default_profile: {default!r} is not one of the profiles ({', '.join(profiles) or 'none defined'})")
    return Config(path, profiles, default, _ui(data.get("ui", {}), path), _sync(data.get("sync", {}), path), _keys(data.get("keys", {}), path))


def _table(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _only(table: Mapping[str, Any], allowed: tuple[str, ...], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where} {key}: unknown key in {what}; allowed: {', '.join(allowed)}")


def _profile(name: str, body: object, path: Path) -> Profile:
    where = f"{path}: [profiles.{name}]"
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{where}: a profile name is 1-64 letters, digits, _ . or -")
    table = _table(body, where)
    _only(table, ("url", "backend", "queue", *TOKEN_SOURCES, "ca_file", *OZONE_KEYS), where, "a profile")
    url = _url(table, "url", where, "the backend's base URL, e.g. https://moderation.example.com")
    backend = table.get("backend", "triage")
    if backend not in BACKENDS:
        raise ConfigError(f"{where} backend: {expected(' or '.join(BACKENDS), backend)}")
    ozone = _ozone(table, where) if backend == "ozone" else {}
    if backend != "ozone":
        for key in OZONE_KEYS:
            if key in table:
                raise ConfigError(f'{where} {key}: only an Ozone profile (backend = "ozone") has {key}')
    queue = table.get("queue", "open")
    if queue not in QUEUES:
        raise ConfigError(f"{where} queue: {expected(' or '.join(QUEUES), queue)}")
    sources = [s for s in TOKEN_SOURCES if s in table]
    if len(sources) != 1:
        raise ConfigError(f"{where}: give exactly one of {', '.join(TOKEN_SOURCES)} (found {', '.join(sources) or 'none'})")
    env = command = file = None
    if "token_env" in table:
        env = table["token_env"]
        if not isinstance(env, str) or not _ENV.fullmatch(env):
            raise ConfigError(f"{where} token_env: expected an environment variable name like TRIAGE_TOKEN")
    elif "token_command" in table:
        command = table["token_command"]
        if not isinstance(command, list) or not command or not all(isinstance(a, str) and a for a in command):
            raise ConfigError(f'{where} token_command: expected a list of program and arguments, e.g. ["pass", "show", "moderation/prod"] (run without a shell)')
        command = tuple(command)
    else:
        file = table["token_file"]
        if not isinstance(file, str) or not file:
            raise ConfigError(f"{where} token_file: expected a path to a file holding only the token")
        file = Path(file).expanduser()
    ca = table.get("ca_file")
    if ca is not None and (not isinstance(ca, str) or not Path(ca).expanduser().is_file()):
        raise ConfigError(f"{where} ca_file: expected the path of an existing PEM file with the CA certificates to trust")
    return Profile(name, url.rstrip("/"), backend, queue, env, command, file, Path(ca).expanduser() if ca else None, **ozone)


OZONE_KEYS = ("auth", "handle", "pds", "ozone_did")
_DID = re.compile(r"did:(plc:[a-z2-7]{24}|web:[A-Za-z0-9.:%-]{1,253})")
_HANDLE = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _url(table: Mapping[str, Any], key: str, where: str, what: str) -> str:
    url = table.get(key)
    if not isinstance(url, str):
        raise ConfigError(f"{where} {key}: {expected(what, url)}")
    from triage_tui.backends.triage import check_base_url  # the one URL rule, the backend clients' own

    try:
        check_base_url(url)
    except ValueError as exc:
        raise ConfigError(f"{where} {key}: {exc}; expected {what}") from None
    return url.rstrip("/")


def _ozone(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    """An Ozone profile's sign-in: the admin password, or a moderator's account."""
    auth = table.get("auth")
    if auth not in OZONE_AUTH:
        raise ConfigError(f"{where} auth: " + expected('"admin" (sign in with the admin password) or "moderator" (with your account\'s app password)', auth))
    if auth == "admin":
        for key in ("handle", "pds", "ozone_did"):
            if key in table:
                raise ConfigError(f'{where} {key}: goes with auth = "moderator"; the admin signs in to Ozone itself')
        return {"auth": auth}
    handle = table.get("handle")
    if not isinstance(handle, str) or not (_HANDLE.fullmatch(handle) or _DID.fullmatch(handle)):
        raise ConfigError(f"{where} handle: " + expected("your account's handle (e.g. mod.example.com) or DID", handle))
    pds = _url(table, "pds", where, "the URL of your account's PDS, e.g. https://pds.example.com")
    did = table.get("ozone_did")
    if not isinstance(did, str) or not _DID.fullmatch(did):
        raise ConfigError(f"{where} ozone_did: " + expected("the Ozone service's DID, e.g. did:plc:ar7c4by46qjdydhdevvrndac", did))
    return {"auth": auth, "handle": handle, "pds": pds, "ozone_did": did}


def _number(table: Mapping[str, Any], key: str, where: str, lo: float, hi: float, *, integer: bool) -> Any:
    value = table[key]
    problem = Range(lo, hi, integer=integer).problem(value)  # the command line's options say it the same way
    if problem is not None:
        raise ConfigError(f"{where} {key}: {problem}")
    return value


def _flag(table: Mapping[str, Any], key: str, where: str) -> bool:
    value = table[key]
    if not isinstance(value, bool):
        raise ConfigError(f"{where} {key}: {expected('true or false', value)}")
    return value


def _ui(value: object, path: Path) -> UiSettings:
    where = f"{path}: [ui]"
    table = _table(value, where)
    _only(table, ("theme", "undo_seconds", "auto_advance", "confirm_above", "mask_sensitive", "claim_on_open"), where, "[ui]")
    base = UiSettings()
    theme = table.get("theme")
    if theme is not None and (not isinstance(theme, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", theme)):
        raise ConfigError(f"{where} theme: " + expected('a theme name like "triage-light" (see `triage-tui config check`)', theme))
    return UiSettings(
        theme=theme,
        undo_seconds=float(_number(table, "undo_seconds", where, 0, 300, integer=False)) if "undo_seconds" in table else base.undo_seconds,
        confirm_above=_number(table, "confirm_above", where, 1, 100_000, integer=True) if "confirm_above" in table else base.confirm_above,
        auto_advance=_flag(table, "auto_advance", where) if "auto_advance" in table else base.auto_advance,
        mask_sensitive=_flag(table, "mask_sensitive", where) if "mask_sensitive" in table else base.mask_sensitive,
        claim_on_open=_flag(table, "claim_on_open", where) if "claim_on_open" in table else base.claim_on_open,
    )


def _sync(value: object, path: Path) -> SyncSettings:
    where = f"{path}: [sync]"
    table = _table(value, where)
    _only(table, ("batch", "max_delay"), where, "[sync]")
    base = SyncSettings()
    return SyncSettings(
        batch=_number(table, "batch", where, 1, 500, integer=True) if "batch" in table else base.batch,
        max_delay=float(_number(table, "max_delay", where, 1, 3600, integer=False)) if "max_delay" in table else base.max_delay,
    )


def _keys(value: object, path: Path) -> dict[str, str]:
    where = f"{path}: [keys]"
    table = _table(value, where)
    keys: dict[str, str] = {}
    for binding_id, key in table.items():
        if not re.fullmatch(r"[a-z_]+\.[a-z_]+", binding_id):
            raise ConfigError(f'{where} {binding_id}: expected a binding id like "decide.approve" (see ? in the app)')
        if not isinstance(key, str) or not re.fullmatch(r"[^\s,]+(,[^\s,]+)*", key):
            raise ConfigError(f'{where} {binding_id}: expected a key or comma-separated keys like "a" or "ctrl+a,f2"')
        keys[binding_id] = key
    return keys


# -- token sources ------------------------------------------------------------------------


def _run_token_command(argv: tuple[str, ...], where: str) -> str:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ConfigError(f"{where} token_command: no such program {argv[0]!r}") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{where} token_command: {argv[0]!r} did not finish within {COMMAND_TIMEOUT:g} s") from None
    if done.returncode != 0:
        first = clean((done.stderr or "").strip().splitlines()[0] if done.stderr.strip() else "", limit=200).text
        raise ConfigError(f"{where} token_command: {argv[0]!r} exited with {done.returncode}" + (f": {first}" if first else ""))
    token = done.stdout.strip()
    if not token or "\n" in token:
        raise ConfigError(f"{where} token_command: {argv[0]!r} must print the token alone on one line")
    return token


def _read_token_file(path: Path, where: str) -> str:
    try:
        token = read_private(path).strip()
    except PrivateFileError as exc:
        raise ConfigError(f"{where} token_file: {exc}") from None
    if not token or "\n" in token:
        raise ConfigError(f"{where} token_file: {path} must hold the token alone on one line")
    return token


# -- writing --------------------------------------------------------------------------------


STARTER = {
    "default_profile": "local",
    "profiles": {
        "local": {"url": "http://127.0.0.1:8470", "backend": "triage", "token_env": "TRIAGE_TUI_TOKEN"},
    },
    "ui": {"theme": "triage-dark", "undo_seconds": 8, "auto_advance": True, "confirm_above": 10, "mask_sensitive": True, "claim_on_open": True},
    "sync": {"batch": 100, "max_delay": 60},
}


def write_starter(path: Path, *, force: bool = False) -> None:
    """Write the starter config atomically: a 0600 temp file in the same directory,
    fsynced, then renamed over — a crash leaves the old file or the new, never half."""
    import tomli_w

    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists; pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(b"# triage-tui configuration; every key is described in config.toml.example\n")
            out.write(tomli_w.dumps(STARTER).encode())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
