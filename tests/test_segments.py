"""Fewer segments for the same cells (`ui/widgets/segments.py`): whatever is merged, every
cell shows the same character in a style that looks the same there."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style

from triage_tui.ui.widgets.segments import compact, spaces_alike

BG = Style(bgcolor="#102030")
STYLES = [
    None,
    BG,
    BG + Style(color="#ff0000", bold=True),
    BG + Style(color="#00ff00", dim=True),
    BG + Style(color="#00ff00", dim=True),  # equal to the one before, not the same object
    BG + Style(underline=True),
    BG + Style(reverse=True),
    BG + Style(strike=True),
    BG + Style(link="https://example.com"),
    BG + Style(meta={"@click": "app.bell"}),
    Style(bgcolor="#ffffff", color="#ff0000"),
]
segment = st.builds(lambda text, style: Segment(text, style), st.text(alphabet=" ab\u00e9", max_size=4), st.sampled_from(STYLES))
segments = st.lists(segment, max_size=12)


def cells(line: list[Segment]) -> list[tuple[str, Style | None]]:
    return [(char, style) for text, style, _ in line for char in text]


@given(segments)
def test_every_cell_looks_the_same(line: list[Segment]) -> None:
    merged = compact(line)
    before, after = cells(line), cells(merged)
    assert [c for c, _ in before] == [c for c, _ in after]
    for (char, old), (_, new) in zip(before, after, strict=True):
        if char == " ":
            assert old == new or spaces_alike(old, new), (old, new)
        else:
            assert old == new
    assert len(merged) <= len(line)


@given(segments)
def test_nothing_left_to_merge(line: list[Segment]) -> None:
    merged = compact(line)
    for (text_a, a, _), (text_b, b, _) in zip(merged, merged[1:]):
        assert a != b
        if spaces_alike(a, b):
            assert text_a.strip(" ") and text_b.strip(" ")


def test_what_shows_on_spaces_keeps_them_apart() -> None:
    plain, red = BG, BG + Style(color="#ff0000", bold=True)
    assert compact([Segment("ab", red), Segment("  ", plain), Segment("cd", plain)]) == [Segment("ab  ", red), Segment("cd", plain)]
    assert compact([Segment("  ", plain), Segment("cd", red)]) == [Segment("  cd", red)]
    for shown in (BG + Style(underline=True), BG + Style(reverse=True), BG + Style(link="https://example.com"), Style(bgcolor="#ffffff")):
        assert len(compact([Segment("ab", shown), Segment("  ", plain)])) == 2
        assert len(compact([Segment("  ", plain), Segment("ab", shown)])) == 2
