"""Checked theme files (see `triage_tui/theming.py`) as Textual themes."""

from __future__ import annotations

from textual.color import Color, ColorParseError
from textual.theme import Theme

from triage_tui.theming import Catalogue, ThemeError, ThemeSpec


_STYLES = {"bold", "dim", "italic", "underline", "reverse", "strike", "none", "not"}


def to_textual(spec: ThemeSpec) -> Theme:
    """Textual's own parser has the last word on every value: a variable it cannot read
    becomes a ThemeError here, not a crash at the first repaint. A variable is a colour
    (for names that end in a colour role) or a text style (for `…-text-style`)."""
    for key, value in spec.variables.items():
        if key.endswith("text-style"):
            if not set(value.split()) <= _STYLES:
                raise ThemeError(f"{spec.path}: variables.{key}: {value!r} is not a text style; use words from {', '.join(sorted(_STYLES))}")
            continue
        try:
            Color.parse(value)
        except ColorParseError:
            raise ThemeError(f"{spec.path}: variables.{key}: {value!r} is not a colour Textual can read") from None
    theme = Theme(name=spec.name, primary=spec.primary, dark=spec.dark, variables=dict(spec.variables), **spec.colours)
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # noqa: BLE001 - whatever Textual objects to, the file is at fault
        raise ThemeError(f"{spec.path}: Textual cannot use it: {exc}") from None
    return theme


def usable(catalogue: Catalogue) -> Catalogue:
    """The catalogue without the themes Textual refuses (they join the broken ones)."""
    themes, problems, broken = dict(catalogue.themes), list(catalogue.problems), set(catalogue.broken)
    for name, spec in catalogue.themes.items():
        try:
            to_textual(spec)
        except ThemeError as exc:
            problems.append(str(exc))
            broken.add(name)
            del themes[name]
    return Catalogue(themes, tuple(problems), frozenset(broken))


def textual_themes(catalogue: Catalogue) -> tuple[list[Theme], list[str]]:
    themes, problems = [], list(catalogue.problems)
    for spec in catalogue.themes.values():
        try:
            themes.append(to_textual(spec))
        except ThemeError as exc:
            problems.append(str(exc))
    return themes, problems


def choose(requested: str | None, catalogue: Catalogue) -> tuple[str, list[str]]:
    """The theme to start with and what to tell the moderator about the theme files.

    A theme whose file is broken falls back to the default, with the file's message; a
    name that matches no theme at all is a usage error (a typo should not pass silently).
    """
    from triage_tui.theming import DEFAULT, check_name, names

    default = DEFAULT if DEFAULT in catalogue.themes else "textual-dark"
    problems = list(catalogue.problems)
    if requested is None or requested in names(catalogue):
        return requested or default, problems
    check_name(requested, catalogue)
    return default, [*problems, f"theme {requested!r} could not be used; showing {default}"]
