"""Where triage-tui keeps its state (the outbox) and its configuration, per platform.

`TRIAGE_TUI_STATE_DIR` overrides the state directory, so tests and a second profile
never touch a moderator's real outbox. `read_private` is the one way a secret is read
from a file: the client's `token_file` and the server's `--tokens` both go through it.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

APP = "triage-tui"


def _base(xdg: str, fallback: str, mac: str, windows: str) -> Path:
    if sys.platform == "darwin":
        return Path.home() / mac
    if sys.platform == "win32":
        # %LOCALAPPDATA% is AppData\Local, %APPDATA% is AppData\Roaming (config roams with the profile).
        return Path(os.environ.get(windows) or Path.home() / "AppData" / ("Roaming" if windows == "APPDATA" else "Local"))
    value = os.environ.get(xdg)
    return Path(value) if value and Path(value).is_absolute() else Path.home() / fallback


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def state_dir() -> Path:
    override = os.environ.get("TRIAGE_TUI_STATE_DIR")
    if override:
        return _ensure(Path(override))
    return _ensure(_base("XDG_STATE_HOME", ".local/state", "Library/Application Support", "LOCALAPPDATA") / APP)


def config_dir() -> Path:
    return _base("XDG_CONFIG_HOME", ".config", "Library/Application Support", "APPDATA") / APP


class PrivateFileError(ValueError):
    """A secrets file that cannot be used; the message names the file and the fix."""


def read_private(path: Path) -> str:
    """The text of a file of secrets, refused unless it is ours and only we can read it.

    As ssh does with a key and netrc with a password: a token that other local users can
    read is already given away, so refusing is kinder than using it. The mode is checked
    on the open file itself, so the file read is the file checked.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise PrivateFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PrivateFileError(f"{path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}); run chmod 600 {path}")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise PrivateFileError(f"{path} belongs to another user; it must be yours")
        try:
            data = file.read()
        except OSError as exc:
            raise PrivateFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PrivateFileError(f"{path} is not UTF-8 text") from None
