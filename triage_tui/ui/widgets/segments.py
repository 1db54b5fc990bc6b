"""Fewer segments for the same cells.

Every segment of a painted line costs Textual work on every frame that paints it
(dividing the line among widgets, the colour filter, composing) and costs the terminal
a full SGR sequence and a reset, about 40 bytes: over a slow SSH link, bytes are
latency. Rows and detail lines are built from many small styled pieces, often with
equal styles side by side and spaces between them whose style does not show, so they
are merged once, when the line is built, not on every frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style

# Attributes that make a space visible (or, for a link, clickable): a space with any of
# them cannot take another style's place.
_SHOWN_ON_SPACES = ("reverse", "underline", "underline2", "strike", "overline", "frame", "encircle")


@lru_cache(maxsize=4096)
def spaces_alike(a: Style | None, b: Style | None) -> bool:
    """Whether a run of spaces looks the same (and does the same) in style `a` as in `b`:
    the same background, and nothing that draws on blank cells."""
    if a is None or b is None:
        return a is b
    if a.bgcolor != b.bgcolor or a.link != b.link or a.meta != b.meta:
        return False
    return not any(getattr(style, name) for style in (a, b) for name in _SHOWN_ON_SPACES)


def compact(segments: Iterable[Segment]) -> list[Segment]:
    """The same cells in as few segments as possible: neighbours of equal style are joined,
    and a run of spaces joins a neighbour in whose style it looks the same."""
    out: list[Segment] = []
    for segment in segments:
        text, style, control = segment
        while not control and out and not out[-1].control:
            last_text, last_style, _ = out[-1]
            if last_style == style or (not text.strip(" ") and spaces_alike(last_style, style)):
                out[-1] = Segment(last_text + text, last_style)
                break
            if not last_text.strip(" ") and spaces_alike(last_style, style):
                out.pop()  # the spaces take this style; then look at what came before them
                text = last_text + text
                continue
            out.append(Segment(text, style))
            break
        else:
            out.append(Segment(text, style, control))
    return out
