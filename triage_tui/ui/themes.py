"""Checked theme files (see `triage_tui/theming.py`) as Textual themes."""

from __future__ import annotations

from textual.color import Color, ColorParseError
from textual.theme import Theme

from triage_tui.theming import Catalogue, ThemeError, ThemeSpec


def to_textual(spec: ThemeSpec) -> Theme:
    """Textual's own parser has the last word on every value: a variable it cannot read
    becomes a ThemeError here, not a crash at the first repaint."""
    for key, value in spec.variables.items():
        if value.startswith("#") or value.startswith(("rgb", "hsl")):
            try:
                Color.parse(value)
            except ColorParseError:
                raise ThemeError(f"{spec.path}: variables.{key}: {value!r} is not a colour Textual can read") from None
    return Theme(name=spec.name, primary=spec.primary, dark=spec.dark, variables=dict(spec.variables), **spec.colours)


def textual_themes(catalogue: Catalogue) -> tuple[list[Theme], list[str]]:
    themes, problems = [], list(catalogue.problems)
    for spec in catalogue.themes.values():
        try:
            themes.append(to_textual(spec))
        except ThemeError as exc:
            problems.append(str(exc))
    return themes, problems


def available(catalogue: Catalogue) -> list[str]:
    """Every theme name the app can show: ours and the moderator's first, then Textual's."""
    from textual.theme import BUILTIN_THEMES

    return [*sorted(catalogue.themes), *(n for n in BUILTIN_THEMES if n not in catalogue.themes)]


def choose(requested: str | None, catalogue: Catalogue) -> tuple[str, list[str]]:
    """The theme to start with and what to tell the moderator about the theme files.

    A theme whose file is broken falls back to the default, with the file's message; a
    name that matches no theme at all is a usage error (a typo should not pass silently).
    """
    from triage_tui.theming import DEFAULT

    default = DEFAULT if DEFAULT in catalogue.themes else "textual-dark"
    problems = list(catalogue.problems)
    if requested is None or requested in available(catalogue):
        return requested or default, problems
    if requested in catalogue.broken:
        return default, [*problems, f"theme {requested!r} could not be used; showing {default}"]
    raise ThemeError(f"no theme {requested!r}; themes: {', '.join(available(catalogue))}")
