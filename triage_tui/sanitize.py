"""The only path from untrusted text to anything displayable.

Post text, channel titles, user names and report comments are written by attackers.
Rich and Textual strip only BEL/BS/VT/FF/CR, so ESC, C1 controls, OSC 52 (clipboard
write) and OSC 8 (fake links) would reach the moderator's terminal as-is, and bidi
overrides or zero-width characters would make the text lie about what it says. This
module turns such text into a plain string in which every one of those characters is
a visible token, and reports what it found so the UI can flag the item as evidence.

It is applied once, where backend data enters the model (`model/gate.py`); widgets then
wrap the result in `Text`/`Content` objects, never in a markup string.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import NamedTuple, NewType

from triage_tui.cells import boundary
from triage_tui.words import plural

Sanitized = NewType("Sanitized", str)
"""A string that went through this module: safe to show as plain (non-markup) text."""


class Flag(enum.StrEnum):
    """What the sanitizer found; the UI shows these as warnings beside the text."""

    CONTROL = "control"  # C0/C1 controls, DEL, ESC: terminal escape attempts
    BIDI = "bidi"  # direction overrides/isolates/marks that reorder what is shown
    INVISIBLE = "invisible"  # zero-width and other invisible formatting characters
    COMBINING = "combining"  # long runs of combining marks ("zalgo") that smear lines
    MIXED_SCRIPT = "mixed_script"  # Latin mixed with look-alike scripts: impersonation
    TRUNCATED = "truncated"  # longer than the display cap


class Clean(NamedTuple):
    text: Sanitized
    flags: frozenset[Flag]


NO_FLAGS: frozenset[Flag] = frozenset()

_BIDI_NAMES = {
    "\u061c": "ALM",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
}
_INVISIBLE_NAMES = {
    "\u00ad": "SHY",
    "\u180e": "MVS",
    "\u200b": "ZWSP",
    "\u200c": "ZWNJ",
    "\u200d": "ZWJ",
    "\u2060": "WJ",
    "\u2061": "FA",
    "\u2062": "IT",
    "\u2063": "IS",
    "\u2064": "IP",
    "\ufeff": "BOM",
}

# Everything that is not plain printable text: C0 (but \n and \t), DEL, C1, every
# format (Cf) character, line/paragraph separators, private-use and unassigned-looking
# specials, lone surrogates (a JSON "\\udcff" escape decodes to one; no terminal can be
# sent it: UTF-8 cannot encode it), plus combining-mark runs. A regex search is the fast path: most text
# contains none of these and is returned untouched.
_SUSPECT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0e\ufeff\uffa0\ufff0-\ufffb"
    "\U000e0000-\U000e0fff\ud800-\udfff]"
    "|[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{4,}"
)
_COMBINING_RUN_KEEP = 2


def _is_emoji(ch: str) -> bool:
    o = ord(ch)
    return o >= 0x1F000 or 0x2600 <= o <= 0x27BF or o == 0xFE0F


def _joins_letters(prev: str, nxt: str) -> bool:
    """ZWJ/ZWNJ are ordinary between letters of scripts that use them (Persian, Indic)."""
    return (
        ord(prev) >= 0x0590 and ord(nxt) >= 0x0590 and prev.isalpha() and nxt.isalpha()
    )


def _token(ch: str) -> str:
    o = ord(ch)
    if o < 0x20:
        return chr(0x2400 + o)  # Unicode control pictures: ␛ for ESC, ␀ for NUL
    if o == 0x7F:
        return "\u2421"  # ␡
    return f"⟨U+{o:04X}⟩"


def _replace(text: str, flags: set[Flag]) -> str:
    out: list[str] = []
    last = 0
    for m in _SUSPECT.finditer(text):
        start, end = m.span()
        out.append(text[last:start])
        last = end
        found = m.group()
        if len(found) > 1:  # a run of combining marks
            out.append(found[:_COMBINING_RUN_KEEP] + f"⟨+{plural(len(found) - _COMBINING_RUN_KEEP, 'mark')}⟩")
            flags.add(Flag.COMBINING)
            continue
        ch = found
        if ch in ("\u200d", "\u200c") and 0 < start and end < len(text):
            prev, nxt = text[start - 1], text[end]
            if (ch == "\u200d" and _is_emoji(prev) and _is_emoji(nxt)) or _joins_letters(prev, nxt):
                out.append(ch)
                continue
        if ch in _BIDI_NAMES:
            out.append(f"⟨{_BIDI_NAMES[ch]}⟩")
            flags.add(Flag.BIDI)
        elif ch in _INVISIBLE_NAMES:
            out.append(f"⟨{_INVISIBLE_NAMES[ch]}⟩")
            flags.add(Flag.INVISIBLE)
        elif ord(ch) < 0xA0:
            out.append(_token(ch))
            flags.add(Flag.CONTROL)
        else:
            out.append(_token(ch))
            flags.add(Flag.INVISIBLE)
    out.append(text[last:])
    return "".join(out)


def clean(text: str, *, limit: int = 100_000, name: bool = False) -> Clean:
    """Make `text` displayable; `name=True` also checks for mixed-script look-alikes.

    Truncation happens before replacement so that the cap bounds the work too, and the
    marker says how much was cut, because a 100 KB body is itself evidence.
    """
    flags: set[Flag] = set()
    if len(text) > limit:
        cut = boundary(text, limit)  # not inside a grapheme: no dangling mark, no half emoji
        text = text[:cut] + f"⟨… {plural(len(text) - cut, 'more character')}⟩"
        flags.add(Flag.TRUNCATED)
    if _SUSPECT.search(text) is not None:
        text = _replace(text, flags)
    if name and not text.isascii() and mixed_script(text):
        flags.add(Flag.MIXED_SCRIPT)
    return Clean(Sanitized(text), frozenset(flags) if flags else NO_FLAGS)


# Cyrillic and Greek letters that look like Latin ones. A word made only of these,
# beside Latin words, is how "Раураl Support" impersonates "Paypal Support".
_LOOKALIKES = frozenset(
    "аеорсухіјѕһԁԛԝАВЕКМНОРСТХУІЈЅ"  # Cyrillic
    "αεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"  # Greek
)
_WORD = re.compile(r"\w+")


def _script(ch: str) -> str | None:
    o = ord(ch)
    if o < 0x0250 or 0x1E00 <= o <= 0x1EFF:
        return "latin" if ch.isalpha() else None
    if 0xFF21 <= o <= 0xFF5A:
        return "fullwidth"
    if 0x0400 <= o <= 0x052F or 0x1C80 <= o <= 0x1C8F:
        return "cyrillic"
    if 0x0370 <= o <= 0x03FF or 0x1F00 <= o <= 0x1FFF:
        return "greek"
    if ch.isalpha():
        try:
            return unicodedata.name(ch).split(" ", 1)[0].lower()
        except ValueError:
            return None
    return None


def mixed_script(text: str) -> bool:
    """True when a name mixes Latin with look-alike scripts in a way that deceives.

    A word mixing Latin with Cyrillic, Greek or fullwidth letters is always suspect; a
    whole Cyrillic/Greek word built only from Latin look-alikes is suspect when the
    name also has Latin words. A bilingual title such as "News Новости" is not.
    """
    words = _WORD.findall(text)
    has_latin_word = False
    lookalike_word = False
    for word in words:
        scripts = {s for s in map(_script, word) if s is not None}
        if "latin" in scripts and scripts & {"cyrillic", "greek", "fullwidth"}:
            return True
        if scripts == {"latin"}:
            has_latin_word = True
        elif scripts and scripts <= {"cyrillic", "greek"} and all(
            ch in _LOOKALIKES for ch in word if ch.isalpha()
        ):
            lookalike_word = True
    return has_latin_word and lookalike_word
