"""The status line: queue counts, unsent decisions, connection, SLA breaches.

Every state has a word or a symbol, not only a colour, so it reads the same on a
monochrome terminal or to a colour-blind moderator.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from triage_tui.cells import clip
from triage_tui.words import plural


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def show(
        self,
        *,
        queue: str,
        total: int,
        loading: bool,
        shown: int,
        tagged: int,
        unsent: int,
        conflicts: int,
        attention: int,
        overdue: int,
        online: bool,
        problem: str | None,
        sort: str,
        filter: str | None,
        me: str | None,
    ) -> None:
        parts: list[Content | tuple[str, str] | str] = []
        link = ("● online", "bold $text-success") if online else ("○ offline", "bold $text-error")
        parts.append(link)
        if problem:
            parts += [" ", Content(clip(problem, 60)).stylize("$text-warning")]
        count = f"{queue} {total:,}" + ("…" if loading else "")
        parts += ["  │ ", (count, "bold")]
        if filter is not None or shown != total:
            parts.append(f" · shown {shown:,}")
        if tagged:
            parts.append((f" · ✱ {tagged:,} tagged", "bold"))
        parts += ["  │ ", (f"↑ {unsent} unsent", "bold $text-warning" if unsent else "")]
        if conflicts:
            parts.append((f" · ✖ {plural(conflicts, 'conflict')}", "bold $text-error"))
        if attention:
            parts.append((f" · ? {attention} need attention", "bold $text-error"))
        parts.append("  │ ")
        parts.append((f"! {overdue:,} past deadline", "bold $text-error") if overdue else ("no SLA breach", ""))
        parts.append(f"  │ sort {sort}")
        if filter:
            parts += ["  │ filter ", Content(clip(filter, 40))]
        if me:
            parts += ["  │ ", Content(me)]
        self.update(Content.assemble(*parts), layout=False)
