"""Where triage-tui keeps its state (the outbox) and its configuration, per platform.

`TRIAGE_TUI_STATE_DIR` overrides the state directory, so tests and a second profile
never touch a moderator's real outbox.
"""

from __future__ import annotations

import os
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
