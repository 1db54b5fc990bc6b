"""Theme files: the built-in ones shipped with the package and a moderator's own.

A theme is a small TOML file of named colours (see `docs/themes.md`). They are read and
checked here, without Textual, so `config check` can report a bad one; `ui/themes.py`
turns the checked values into Textual themes. A bad file never stops the app: it is
reported in one message naming the file, the key and what is allowed, and the default
theme is used instead.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage_tui.expected import expected
from triage_tui.paths import config_dir
from triage_tui.words import plural

DEFAULT = "triage-dark"
# Textual's own themes (textual.theme.BUILTIN_THEMES), named here so that a config can be
# checked without importing Textual; tests/test_themes.py holds this list to Textual's.
TEXTUAL_THEMES = ("textual-dark", "textual-light", "nord", "gruvbox", "catppuccin-mocha", "dracula", "tokyo-night", "monokai",
                  "flexoki", "catppuccin-latte", "catppuccin-frappe", "catppuccin-macchiato", "solarized-light",
                  "solarized-dark", "rose-pine", "rose-pine-moon", "rose-pine-dawn", "atom-one-dark", "atom-one-light",
                  "ansi-dark", "ansi-light")
COLOURS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost", "warning", "error", "success")
MAX_BYTES = 64 * 1024
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_VARIABLE = re.compile(r"[a-z][a-z0-9-]{0,63}")
_VALUE = re.compile(r"[A-Za-z0-9#%.,() -]{1,64}")


class ThemeError(ValueError):
    """A theme file that cannot be used, phrased as file, key and what is allowed."""


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    """A checked theme: every colour is a hex string, every variable a short plain value."""

    name: str
    path: Path
    primary: str
    dark: bool = True
    colours: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The themes found, by name (a user theme replaces a built-in of the same name),
    and one message per file that could not be used."""

    themes: Mapping[str, ThemeSpec]
    problems: tuple[str, ...] = ()
    broken: frozenset[str] = frozenset()  # names of themes whose file was rejected


def builtin_dir() -> Path:
    """The built-in theme files: inside the installed package (the wheel carries them as
    `triage_tui/themes/`), else the checkout's top-level `themes/` (an editable install)."""
    package = Path(__file__).resolve().parent
    inside = package / "themes"
    return inside if inside.is_dir() else package.parent / "themes"


def user_dir() -> Path:
    return config_dir() / "themes"


def parse(data: Mapping[str, Any], path: Path) -> ThemeSpec:
    where = f"{path}:"
    allowed = ("name", "dark", *COLOURS, "variables")
    for key in data:
        if key not in allowed:
            raise ThemeError(f"{where} {key}: unknown key; allowed: {', '.join(allowed)}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ThemeError(f"{where} name: " + expected('1-40 lower-case letters, digits or - (e.g. "my-theme")', name))
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{where} dark: {expected('true or false', dark)}")
    if "primary" not in data:
        raise ThemeError(f"{where} primary: missing; a theme needs at least name and primary")
    colours: dict[str, str] = {}
    for key in COLOURS:
        if key in data:
            value = data[key]
            if not isinstance(value, str) or not _HEX.fullmatch(value):
                raise ThemeError(f"{where} {key}: expected a hex colour like \"#1e90ff\" (#rgb, #rrggbb or #rrggbbaa), got {value!r}")
            colours[key] = value
    variables_raw = data.get("variables", {})
    if not isinstance(variables_raw, dict):
        raise ThemeError(f"{where} variables: expected a table of variable = value")
    variables: dict[str, str] = {}
    for key, value in variables_raw.items():
        if not _VARIABLE.fullmatch(key):
            raise ThemeError(f"{where} variables.{key}: expected a variable name like \"block-cursor-background\"")
        if not isinstance(value, str) or not _VALUE.fullmatch(value):
            raise ThemeError(f"{where} variables.{key}: expected a colour or style like \"#ffcc00\" or \"bold\", got {value!r}")
        variables[key] = value
    return ThemeSpec(name, path, colours.pop("primary"), dark, colours, variables)


def load_file(path: Path) -> ThemeSpec:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ThemeError(f"{path}: {plural(len(raw), 'byte')}; a theme file is at most {MAX_BYTES:,}")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ThemeError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, path)


def discover(dirs: Iterable[Path] | None = None) -> Catalogue:
    """Every theme in the built-in directory, then the user's (later ones win)."""
    themes: dict[str, ThemeSpec] = {}
    problems: list[str] = []
    broken: set[str] = set()
    for directory in dirs if dirs is not None else (builtin_dir(), user_dir()):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                spec = load_file(path)
            except ThemeError as exc:
                problems.append(str(exc))
                broken.add(path.stem)
                continue
            themes[spec.name] = spec
    return Catalogue(themes, tuple(problems), frozenset(broken - themes.keys()))


def names(catalogue: Catalogue) -> list[str]:
    """Every theme name the app can show: ours and the moderator's first, then Textual's."""
    return [*sorted(catalogue.themes), *(n for n in TEXTUAL_THEMES if n not in catalogue.themes)]


def check_name(requested: str, catalogue: Catalogue) -> None:
    """A name that matches no theme at all is an error (a typo should not pass silently);
    a theme whose file is broken is not: the app shows the default and says why."""
    if requested not in names(catalogue) and requested not in catalogue.broken:
        raise ThemeError(f"no theme {requested!r}; themes: {', '.join(names(catalogue))}")
