"""The words the app shows: counts agree with their nouns, each source has one name, and
every moment shows its date."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import triage_tui
from triage_tui.model import Source
from triage_tui.words import SOURCE_NAMES, day, moment, noun, plural

PACKAGE = Path(triage_tui.__file__).parent
README = PACKAGE.parent / "README.md"
DOCS = PACKAGE.parent / "docs"

# Things the app counts in its messages. A count written before one of these by hand
# (`f"{n} items"`) says `1 items` when n is 1: counts go through words.plural.
NOUNS = ("decisions items statements batches reports entries characters bytes moderators results lines cells attempts "
         "conflicts marks secrets removals comments days strikes members times subjects rows tokens profiles errors "
         "reasons countries ids hours minutes").split()
_COUNTED = re.compile(r"^\)?\s(?:[a-z-]+\s){0,2}?(%s)\b" % "|".join(NOUNS))


def hand_written_plurals(root: Path) -> list[str]:
    """Each f-string (and each run of Content parts, where the count is styled apart
    from its noun) that puts a value right before a plural noun."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for value, text in zip(node.values, node.values[1:]):
                    if isinstance(value, ast.FormattedValue) and isinstance(text, ast.Constant) and _COUNTED.match(str(text.value)):
                        found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
            elif isinstance(node, (ast.List, ast.Tuple)):
                for part, after in zip(node.elts, node.elts[1:]):
                    first = part.elts[0] if isinstance(part, ast.Tuple) and part.elts else part
                    if (isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[-1], ast.FormattedValue)
                            and isinstance(after, ast.Constant) and isinstance(after.value, str) and _COUNTED.match(after.value)):
                        found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(part)}, {after.value!r}")
    return found


def test_no_message_writes_its_plural_by_hand() -> None:
    assert hand_written_plurals(PACKAGE) == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        'a = f"exported {n:,} items"\n'
        'b = f"{len(x)} statements in {k} batches"\n'
        'c = [(f"{total:,}", "bold"), " decisions — "]\n'
        'd = f"{n} earlier unsent decisions"\n'
        'e = f"{name} takes a value"  # a verb, not a count\n'
        'f = f"{plural(n, \'item\')} left"\n'
    )
    assert [line.split(":")[1] for line in hand_written_plurals(tmp_path)] == ["1", "2", "2", "3", "4"]


@pytest.mark.parametrize(("n", "word", "shown"), [
    (1, "decision", "1 decision"), (0, "decision", "0 decisions"), (2, "decision", "2 decisions"),
    (1, "batch", "1 batch"), (3, "batch", "3 batches"), (1, "entry", "1 entry"), (2, "earlier entry", "2 earlier entries"),
    (1_234, "item", "1,234 items"), (2, "day", "2 days"), (1, "unsent decision", "1 unsent decision"),
])
def test_plural(n: int, word: str, shown: str) -> None:
    assert plural(n, word) == shown
    assert noun(n, word) == shown.split(" ", 1)[1]


def test_an_irregular_plural_is_given() -> None:
    assert plural(2, "person", "people") == "2 people" and plural(1, "person", "people") == "1 person"


# -- one name per source ------------------------------------------------------------------


def test_every_source_has_one_badge_and_one_name() -> None:
    assert set(SOURCE_NAMES) == {s.value for s in Source}
    assert SOURCE_NAMES[Source.AUTOMATED] == ("AU", "automated")
    assert len({n.badge for n in SOURCE_NAMES.values()}) == len({n.name for n in SOURCE_NAMES.values()}) == len(Source)


def test_the_readme_legend_is_the_table() -> None:
    legend = " · ".join(f"`{n.badge}` {n.name}" for n in SOURCE_NAMES.values())
    assert legend in " ".join(README.read_text(encoding="utf-8").split())


@pytest.mark.parametrize("other", ["classifier", "classifiers"])
def test_no_second_name_for_a_source(other: str) -> None:
    texts = [README, *DOCS.glob("*.md"), *PACKAGE.rglob("*.py")]
    said = [str(p) for p in texts if re.search(rf"\b{other}\b", p.read_text(encoding="utf-8"), re.IGNORECASE)]
    assert said == []


# -- one time format ----------------------------------------------------------------------


def test_a_moment_always_shows_its_date() -> None:
    now = datetime.now(UTC)
    assert moment(now) == now.strftime("%Y-%m-%d %H:%M UTC")  # today too: not a bare 00:25 UTC
    assert moment(now - timedelta(days=400)).startswith(f"{(now - timedelta(days=400)):%Y-%m-%d} ")
    east = datetime(2026, 12, 4, 1, 25, tzinfo=timezone(timedelta(hours=1)))
    assert moment(east) == "2026-12-04 00:25 UTC" and day(east) == "2026-12-04"  # in UTC, whatever zone it came in
