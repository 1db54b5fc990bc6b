"""The detail pane's document: blocks of plain Content, each wrapped to the pane's width
once and drawn with a prefix (an indent, a `│` gutter) on every wrapped line.

Untrusted text becomes Content here only as plain text (`plain`, `plain_line`), never
as markup. As a second line of defence behind `sanitize.py`, any control character
that reaches the pane anyway is drawn as a visible symbol, and a newline in a one-line
field (a name, an organisation, a reference) as `⏎`. What the blocks say for an item is
`detail_sections`; drawing them is `DetailPane` (`detail`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from textual.content import Content

__all__ = [
    "EMPTY",
    "NEWLINE",
    "Block",
    "Part",
    "document_lines",
    "first_column",
    "join",
    "line_starts",
    "plain",
    "plain_line",
    "update_live",
]

Part = Content | tuple[str, str] | str
"""A piece of `Content.assemble`: untrusted text only ever as Content or a `str`, styles
only on our own labels, as `(text, style)`."""

NEWLINE = "⏎"

# Control characters that must never reach the terminal. The sanitizer replaced them
# already (only \n and \t survive it); this is the belt to its braces.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_DISPLAY = {i: chr(0x2400 + i) for i in range(0x20)}
_DISPLAY.update({0x7F: "\u2421", 0x2028: NEWLINE, 0x2029: NEWLINE})
_DISPLAY.update({i: "\ufffd" for i in range(0x80, 0xA0)})
del _DISPLAY[0x0A], _DISPLAY[0x09]
_DISPLAY_TABLE = str.maketrans(_DISPLAY)
_ONE_LINE_TABLE = str.maketrans({**_DISPLAY, 0x0A: NEWLINE, 0x09: " "})


def plain(value: str) -> Content:
    """Untrusted text, possibly several lines, as plain Content."""
    if _CONTROL.search(value):
        value = value.translate(_DISPLAY_TABLE)
    return Content(value)


def plain_line(value: str) -> Content:
    """An untrusted one-line field (name, organisation, reference) as plain Content."""
    if "\n" in value or "\t" in value or _CONTROL.search(value):
        value = value.translate(_ONE_LINE_TABLE)
    return Content(value)


EMPTY = Content("")


@dataclass(eq=False, slots=True)
class Block:
    """Part of the document; `live` blocks are rebuilt by `tick` (they hold countdowns)."""

    content: Content
    prefix: Content = EMPTY
    live: Callable[[datetime], Content] | None = None
    first: Content | None = None  # the prefix of the first line, if not `prefix` (no wider)
    width: int = -1
    lines: list[Content] = field(default_factory=list)  # wrapped, without the prefix
    indent: bool = False  # whether the prefix fits at this width

    def wrap(self, width: int) -> None:
        self.width = width
        room = width - self.prefix.cell_length
        self.indent = bool(self.prefix) and room >= 12  # too narrow: drop the indent, not text
        if not self.indent:
            room = width
        first = self.first.cell_length if self.first is not None and self.indent else None
        content = self.content
        if first is not None and first < self.prefix.cell_length and content.cell_length + first <= width and "\n" not in content.plain:
            self.lines = [content]  # one line that fits beside a narrower first prefix
        else:
            self.lines = (content.wrap(room) or [EMPTY]) if room > 0 else [EMPTY]

    def line(self, index: int) -> Content:
        """Wrapped line `index` with its prefix (built only for lines on screen)."""
        line = self.lines[index] if index < len(self.lines) else EMPTY
        if not self.indent:
            return line
        prefix = self.first if index == 0 and self.first is not None else self.prefix
        return Content.assemble(prefix, line)

    def as_content(self) -> Content:
        """Unwrapped, with the prefix on every line (what `DetailPane.content` returns)."""
        if not self.prefix:
            return self.content
        lines = [Content.assemble(self.prefix, line) for line in self.content.split("\n")]
        if self.first is not None:
            lines[0] = Content.assemble(self.first, self.content.split("\n")[0])
        return Content("\n").join(lines)


_HANG = Content("  ")


def first_column(content: Content, *, live: Callable[[datetime], Content] | None = None) -> Block:
    """A block that starts in the first column; its wrapped lines are indented, so that
    untrusted text in it (a policy label, an id) can never start a line of its own."""
    return Block(content, _HANG, live=live, first=EMPTY)


def join(blocks: Iterable[Block]) -> Content:
    """The blocks unwrapped, one after the other: what the pane shows, as one Content."""
    return Content("\n").join(block.as_content() for block in blocks)


def update_live(blocks: list[Block], now: datetime) -> list[int]:
    """Rebuild the live blocks for `now`; the indexes of those whose text or style changed."""
    changed = []
    for index, block in enumerate(blocks):
        if block.live is None:
            continue
        new = block.live(now)
        if new.plain != block.content.plain or new.spans != block.content.spans:
            block.content = new
            changed.append(index)
    return changed


def line_starts(blocks: list[Block]) -> tuple[list[int], int]:
    """The first document line of each block, and the number of lines."""
    starts = []
    total = 0
    for block in blocks:
        starts.append(total)
        total += max(1, len(block.lines))
    return starts, total


def document_lines(blocks: list[Block], starts: list[int], start: int, end: int) -> list[Content]:
    """Document lines `start:end`, with their prefixes."""
    number = bisect.bisect_right(starts, start) - 1
    lines = []
    index = start
    while index < end and number < len(blocks):
        block = blocks[number]
        offset = index - starts[number]
        count = max(1, len(block.lines))
        while offset < count and index < end:
            lines.append(block.line(offset))
            offset += 1
            index += 1
        number += 1
    return lines
