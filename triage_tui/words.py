"""The words the app shows: counts of things, the names of sources, moments in time.

One place for each, so that the screen, the shell commands, the reports and the
README say the same thing the same way (`1 decision`, `2 decisions`; `AU automated`
everywhere; `2026-12-04 00:25 UTC`, never a bare `00:25 UTC`). Nothing here imports
textual: the shell commands use it too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

__all__ = ["plural", "noun", "SourceName", "SOURCE_NAMES", "moment", "day"]


def _many(word: str) -> str:
    """English plural of the last word of `word` by the regular rules (entry → entries,
    batch → batches, item → items); irregular words pass theirs to `plural`."""
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 decision`, `0 decisions`, `1,234 decisions`: a count with its noun agreeing.

    Every message that counts things goes through here (a test scans the package for
    f-strings that put a count before a hand-written plural), so `1 items` cannot come back.
    """
    return f"{n:,} {noun(n, word, many)}"


def noun(n: int, word: str, many: str | None = None) -> str:
    """The noun alone, agreeing with `n`: for a count styled apart from its noun."""
    return word if n == 1 else (many or _many(word))


class SourceName(NamedTuple):
    """How one report source is shown: the two-letter badge of the queue and detail
    pane, and its name (`AU automated`), the same on every screen, report and page."""

    badge: str
    name: str


# The one table of source display names: queue badges, the detail pane, the stats
# screen, the README's legend. Keyed by the protocol's source values (model.Source is a
# StrEnum, so `SOURCE_NAMES[Source.AUTOMATED]` works; this module stays below the model,
# which counts things in its messages too). Order is the badge columns' order.
SOURCE_NAMES: dict[str, SourceName] = {
    "authority_order": SourceName("AO", "authority order"),
    "trusted_flagger": SourceName("TF", "trusted flagger"),
    "automated": SourceName("AU", "automated"),
    "user_report": SourceName("UR", "user report"),
}


def moment(when: datetime) -> str:
    """A moment as evidence: always the date, the time and the zone, in UTC
    (`2026-12-04 00:25 UTC`). A report, a decision or a deadline from today is read
    beside ones from other days, and later (a screenshot, an appeal): a bare `00:25`
    does not say which day it was."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(when: datetime) -> str:
    """A calendar day in UTC (`2026-12-04`): for an account's age, a report's day."""
    return when.astimezone(UTC).strftime("%Y-%m-%d")
