"""CSV that a spreadsheet opens as text: the one writer of every CSV the project writes.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab, CR or LF
before one, or their full-width forms) as a formula: `=HYPERLINK(…)` in an item id, a
snippet or a moderator's id becomes a live link or a command. Every cell — ids and
numbers included, ours or an attacker's — goes through `cell`, which puts a `'` in
front of such text; a spreadsheet shows the `'` as "this is text" and hides it.

A cell that already starts with `'` gets one more, so the guard can be undone exactly:
`uncell(cell(x)) == x` for every x, which is how `apply` reads an export back.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

# What makes a spreadsheet (Excel, LibreOffice, Google Sheets) start a formula, and `'`
# itself so that guarded and unguarded text can never be confused.
TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20'")


def cell(value: Any) -> str:
    """One CSV cell: None is empty, a list is joined with `;`, and text that a
    spreadsheet would run gets a leading `'`. Numbers are not exempt: `-Infinity` and
    `+1` come from text an attacker chose as easily as from a count."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ";".join(map(str, value))
    text = str(value)
    return "'" + text if text[:1] in TRIGGERS else text


def uncell(text: str) -> str:
    """The text `cell` was given: one leading `'` goes when a guarded character follows it
    (a hand-written `'tis` keeps its apostrophe)."""
    return text[1:] if text[:1] == "'" and text[1:2] in TRIGGERS else text


class Writer:
    """`csv.writer` whose every cell, header included, goes through `cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])
