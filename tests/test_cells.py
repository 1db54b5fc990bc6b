"""Cell widths: every pad and cut is measured as the screen is drawn (Rich's `cell_len`).

Devanagari and Thai carry marks that take no cell of their own, combining accents
stack, an emoji ZWJ family is seven code points in two cells, CJK takes two cells a
character: each breaks a column measured with `len()`.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from triage_tui.cells import ELLIPSIS, boundary, clip, cut, fit, pad, settled, width
from triage_tui.filters import FilterError, parse
from triage_tui.sanitize import clean

DEVANAGARI = "घर बैठे रोज़ ₹2000 कमाएं! अभी जुड़ें ज़रूरी सूचना: इस बार वोटिंग मैसेज से होगी"
THAI = "สวัสดีครับ ผู้ใช้ที่รัก กรุณาคลิกลิงก์นี้"
COMBINING = "e\u0301 a\u0308\u0323 Z\u0351\u0352\u0353a\u0300"
ZWJ = "👨\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈 🧑🏽\u200d💻 ❤\ufe0f"
CJK = "日本語のテキスト 中文字符 한국어"

# Pieces a moderator's queue really holds, and characters drawn from each script's block.
PIECES = st.one_of(
    st.sampled_from([*DEVANAGARI.split(), *THAI.split(), *COMBINING.split(), *ZWJ.split(), *CJK.split(), " ", "ok", "×3"]),
    st.characters(min_codepoint=0x0900, max_codepoint=0x097F),  # Devanagari
    st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F),  # Thai
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),  # CJK
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1F6FF),  # emoji
    st.sampled_from(["\u200d", "\ufe0f"]),
)
SCRIPT_TEXT = st.lists(PIECES, max_size=40).map("".join)


@given(SCRIPT_TEXT, st.integers(min_value=0, max_value=60))
def test_fit_is_exactly_the_width(text: str, cells: int) -> None:
    fitted = fit(text, cells)
    assert cell_len(fitted) == width(fitted) == cells
    assert cell_len(fit(text, cells, right=True)) == cells
    if not cells:
        assert fitted == ""
    elif cell_len(settled(text)) <= cells:
        assert fitted.rstrip(" ") == settled(text).rstrip(" ")  # nothing cut when it fits
    else:
        assert fitted.rstrip(" ").endswith(ELLIPSIS)


@given(SCRIPT_TEXT, st.integers(min_value=0, max_value=60))
def test_cut_and_clip_stay_within_the_width_and_keep_the_start(text: str, cells: int) -> None:
    start = cut(text, cells)
    assert text.startswith(start) and cell_len(start) <= cells
    assert cell_len(clip(text, cells)) <= cells
    assert cell_len(pad(text, cells)) == max(cells, cell_len(settled(text)))


def test_a_dangling_joiner_does_not_swallow_the_padding() -> None:
    assert cell_len("a\u200d" + " ") == 1  # Rich glues the space to the joiner
    assert fit("a\u200d", 3) == "a  " and cell_len(pad("\u200da", 2)) == 2


def test_cuts_fall_between_graphemes() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert cut(family + "x", 2) == family  # the whole family or nothing, never a lone man
    assert cut(family, 1) == ""
    assert cut("e\u0301e\u0301", 1) == "e\u0301"  # the accent stays with its letter
    assert cut("日本", 3) == "日"  # a wide character is not halved
    assert fit("日本語", 4) == "日" + ELLIPSIS + " "
    assert width(DEVANAGARI) < len(DEVANAGARI)
    assert width(CJK) > len(CJK)


def test_the_size_cap_does_not_split_a_grapheme() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert boundary("ab" + family, 4) == 2
    assert boundary("abe\u0301x", 3) == 2
    assert boundary("abc", 10) == 3
    capped = clean("ab" + family + " tail", limit=4)
    assert capped.text.startswith("ab⟨… ") and "\u200d" not in capped.text
    marks = "a" + "\u0301" * 500  # a zalgo run: the cap does not walk back without end
    assert boundary(marks, 300) == 300


@given(SCRIPT_TEXT)
def test_filter_caret_sits_under_the_bad_token(text: str) -> None:
    prefix = "".join(ch for ch in text if not ch.isspace() and ch not in "\"'-:<>=!()")
    try:
        parse(f"{prefix} sourc:x")
    except FilterError as exc:
        line, carets = exc.caret().split("\n")
        start = len(carets) - len(carets.lstrip(" "))
        if exc.message.startswith("unknown field 'sourc'"):
            assert cell_len(line[: line.rindex("sourc:x")]) == start


def test_a_spacing_mark_takes_the_cell_the_terminal_draws_it_in() -> None:
    """The terminal's own width function (glibc's wcwidth, which tmux, xterm and VTE
    draw by) against every measure the app and Textual use, for every spacing combining
    mark (category Mc): Rich alone counts them as no cell, and a Devanagari row then
    drew wider than it was laid out."""
    import ctypes
    import ctypes.util
    import sys
    import unicodedata

    from textual.content import Content

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.setlocale.restype = ctypes.c_char_p
    assert libc.setlocale(6, b"C.UTF-8"), "glibc has no C.UTF-8 locale"  # LC_ALL
    libc.wcwidth.argtypes = [ctypes.c_wchar]
    marks = [chr(o) for o in range(0x300, 0x20000) if unicodedata.category(chr(o)) == "Mc"]
    terminal = {m: libc.wcwidth(m) for m in marks}
    known = [m for m in marks if terminal[m] == 1]  # what this glibc's tables know of
    assert len(known) > 400 and sys.maxunicode > 0xFFFF
    assert [m for m in known if width(m) != 1 or cell_len(m) != 1 or Content(m).cell_length != 1] == []
    row = "कोई भी"  # क ो ई: the vowel sign is a cell of its own on the screen
    assert width(row) == sum(max(0, libc.wcwidth(c)) for c in row) == 6
