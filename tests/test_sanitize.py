"""Hostile text becomes visible evidence, never terminal commands or markup."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from triage_tui.sanitize import Flag, clean, mixed_script

DANGEROUS = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {chr(c) for c in range(0x7F, 0xA0)} | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff\u00ad"
)

HOSTILE = [
    ("\x1b[2J\x1b[31mred", "␛[2J␛[31mred", {Flag.CONTROL}),
    ("\x1b]52;c;cm0gLXJmIH4=\x07", "␛]52;c;cm0gLXJmIH4=␇", {Flag.CONTROL}),
    ("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "␛]8;;https://evil.example␛\\click␛]8;;␛\\", {Flag.CONTROL}),
    ("\x9b31m", "⟨U+009B⟩31m", {Flag.CONTROL}),
    ("admin\u202egnp.exe", "admin⟨RLO⟩gnp.exe", {Flag.BIDI}),
    ("pay\u200bpal", "pay⟨ZWSP⟩pal", {Flag.INVISIBLE}),
    ("[@click=app.quit]win[/]", "[@click=app.quit]win[/]", set()),
    ("tag\U000e0041\U000e0042", "tag⟨U+E0041⟩⟨U+E0042⟩", {Flag.INVISIBLE}),
    ("line\r\nnext", "line␍\nnext", {Flag.CONTROL}),
    ("lone \udcff and \ud800", "lone ⟨U+DCFF⟩ and ⟨U+D800⟩", {Flag.INVISIBLE}),
]


def test_hostile_examples_become_visible_tokens() -> None:
    for raw, shown, flags in HOSTILE:
        result = clean(raw)
        assert result.text == shown, raw
        assert result.flags == flags, raw


def test_legitimate_joiners_are_kept() -> None:
    family = "👨\u200d👩\u200d👧"
    persian = "می\u200cخواهم"
    assert clean(family) == (family, frozenset())
    assert clean(persian) == (persian, frozenset())


def test_truncation_says_how_much_was_cut() -> None:
    result = clean("x" * 150, limit=100)
    assert result.text == "x" * 100 + "⟨… 50 more characters⟩"
    assert result.flags == {Flag.TRUNCATED}


def test_zalgo_runs_are_capped() -> None:
    result = clean("a" + "\u0301" * 40 + "b")
    assert result.text == "a\u0301\u0301⟨+38 marks⟩b"
    assert Flag.COMBINING in result.flags


def test_mixed_script_names() -> None:
    assert mixed_script("Pаypal Support")  # Cyrillic а inside a Latin word
    assert mixed_script("Раураl")  # Cyrillic word with a Latin l
    assert mixed_script("Support Рорс")  # all-look-alike Cyrillic word beside Latin
    assert not mixed_script("News Новости")
    assert not mixed_script("Москва")
    assert clean("Pаypal", name=True).flags == {Flag.MIXED_SCRIPT}
    assert clean("Pаypal").flags == frozenset()  # only names are checked


@given(st.text(alphabet=st.characters(codec=None), max_size=300))
def test_no_dangerous_character_survives(raw: str) -> None:
    out = clean(raw).text
    assert not DANGEROUS & set(out)
    out.encode("utf-8")  # a lone surrogate (JSON's "\\udcff") would crash the terminal's writer


@given(st.text(max_size=200))
def test_rendering_sanitized_text_emits_no_escape(raw: str) -> None:
    console = Console(file=io.StringIO(), color_system=None, force_terminal=False, width=80)
    console.print(Text(clean(raw).text))
    rendered = console.file.getvalue()
    assert "\x1b" not in rendered and "\x9b" not in rendered and "\x07" not in rendered
