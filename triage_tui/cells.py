"""Text measured in terminal cells: the one place that pads, cuts and measures.

A column lines up only when every piece of a row is measured the way the screen is
drawn. Textual lays out and crops with Rich's `cell_len`, so that is the measure here:
`len()` counts code points (a Devanagari vowel sign, a Thai tone mark or a combining
accent is one code point and no cell; a CJK character or an emoji is one code point and
two cells; an emoji ZWJ family is up to seven code points and two cells), and any width
function of our own would disagree with the compositor somewhere.

Cuts fall between graphemes (Rich's `split_graphemes`), so a base letter never loses its
marks and a ZWJ sequence is never split into pieces that draw wider than the whole.
Nothing here imports textual: the shell commands use it too.
"""

from __future__ import annotations

import unicodedata

import rich.cells
from rich.cells import cell_len, split_graphemes

__all__ = ["ELLIPSIS", "width", "fit", "clip", "cut", "pad", "settled", "boundary"]

ELLIPSIS = "\u2026"  # …


def _spacing_marks_take_a_cell() -> None:
    """Make Rich (and so Textual's compositor) count a spacing combining mark (category
    Mc: the Devanagari vowel signs ा ो, Bengali, Tamil, Sinhala…) as the one cell the
    terminal draws it in. Rich 15 counts them as 0; glibc's wcwidth, and with it tmux,
    xterm and VTE, give 1 (441 code points disagree, all Mc; measured against glibc 2.36).
    Left alone, every such mark in a row pushes the rest of the line one column right —
    a Devanagari snippet with 9 of them broke the list/detail separator by 9 columns at
    200x60 in tmux. One table edit, before anything is measured, keeps every measure
    (ours, Rich's, Textual's) in step with the screen; caches are cleared so nothing
    measured before it survives. Idempotent."""
    table = rich.cells.load_cell_table("auto").widths
    marks = [o for start, end, w in table if w == 0 for o in range(start, end + 1)
             if unicodedata.category(chr(o)) == "Mc"]
    if not marks:
        return
    spacing = set(marks)
    rebuilt: list[tuple[int, int, int]] = []
    for start, end, w in table:
        if w != 0 or not any(start <= o <= end for o in marks):
            rebuilt.append((start, end, w))
            continue
        run: int | None = None  # start of the current run of zero-width non-marks
        for o in range(start, end + 1):
            if o in spacing:  # left out of the table: a code point it does not list is 1 cell
                if run is not None:
                    rebuilt.append((run, o - 1, 0))
                    run = None
            elif run is None:
                run = o
        if run is not None:
            rebuilt.append((run, end, 0))
    table[:] = rebuilt
    rich.cells.get_character_cell_size.cache_clear()
    rich.cells.cached_cell_len.cache_clear()


_spacing_marks_take_a_cell()


def _plain(text: str) -> bool:
    """Printable ASCII: one code point, one cell (the common case, measured by len)."""
    return text.isascii() and text.isprintable()


def settled(text: str) -> str:
    """`text` without a zero-width joiner at either end, where it joins nothing.

    Rich measures a ZWJ as gluing the next character to the one before (an emoji
    family), so a dangling one at the end of a piece would swallow the padding joined
    after it, and one at the start would swallow its first letter: the row would come
    out a cell short. (A snippet line split at a newline can end so.)"""
    return text.strip("\u200d") if "\u200d" in text else text


def width(text: str) -> int:
    """How many cells `text` takes on the screen (not how many code points it has)."""
    return len(text) if _plain(text) else cell_len(text)


def cut(text: str, cells: int) -> str:
    """The longest start of `text` that takes at most `cells` cells, ending on a whole
    grapheme (a wide character that would straddle the edge is left out, not halved)."""
    if cells <= 0:
        return ""
    if _plain(text):
        return text[:cells]
    spans, total = split_graphemes(text)
    if total <= cells:
        return text
    used = 0
    end = 0
    for _start, stop, size in spans:
        if used + size > cells:
            break
        used += size
        end = stop
    return text[:end]


def clip(text: str, cells: int) -> str:
    """`text` in at most `cells` cells: cut with an ellipsis when it does not fit."""
    if cells <= 0:
        return ""
    text = settled(text)
    if width(text) <= cells:
        return text
    return cut(text, cells - 1) + ELLIPSIS


def pad(text: str, cells: int, *, right: bool = False) -> str:
    """`text` padded with spaces to at least `cells` cells (on the left when `right`,
    to right-align a number); never cut."""
    text = settled(text)
    room = cells - width(text)
    if room <= 0:
        return text
    return " " * room + text if right else text + " " * room


def fit(text: str, cells: int, *, right: bool = False) -> str:
    """`text` in exactly `cells` cells: cut with an ellipsis, or padded with spaces.

    A wide character that cannot fit before the ellipsis leaves a space, so the result
    is always exactly `cells` wide: what a column needs."""
    if cells <= 0:
        return ""
    return pad(clip(text, cells), cells, right=right)


_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # ZWJ and the variation selectors join to what precedes


def boundary(text: str, index: int) -> int:
    """The last grapheme boundary at or before `index`, for a cap counted in code points
    (the sanitizer's size cap): the cut keeps a letter's marks and a ZWJ sequence whole
    rather than leaving a dangling mark or half an emoji. Looks back a bounded distance,
    so a cap bounds the work even over a run of thousands of marks."""
    if index >= len(text):
        return len(text)
    def inside(i: int) -> bool:
        return unicodedata.category(text[i]).startswith("M") or text[i] in _JOINERS or (i > 0 and text[i - 1] == "\u200d")

    floor = max(0, index - 64)
    i = index
    while i > floor and inside(i):
        i -= 1
    return index if inside(i) else i
