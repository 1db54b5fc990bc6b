"""Textual `Binding`s built from the one table of bindings (`triage_tui/bindings.py`),
which the config check reads too: what `[keys]` is checked against is what runs."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType

from triage_tui.bindings import Key


def bindings(table: Iterable[Key]) -> list[BindingType]:
    return [Binding(k.keys, k.action, k.description, show=k.show, priority=k.priority, id=k.id) for k in table]
