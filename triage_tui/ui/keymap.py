"""Checking `[keys]` from the config against the real bindings, before the app starts:
an unknown binding id or two bindings on one key is reported, not silently ignored."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from triage_tui.ui.screens.triage import TriageScreen
from triage_tui.ui.widgets.queue_list import QueueList


def _bindings() -> list[Binding]:
    return [b for b in (*QueueList.BINDINGS, *TriageScreen.BINDINGS) if isinstance(b, Binding) and b.id]


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """Problems with a keymap (binding id -> keys), one sentence each; empty when fine."""
    bindings = _bindings()
    ids = {b.id for b in bindings}
    problems = [f"{binding_id}: no such binding; ids: {', '.join(sorted(i for i in ids if i))}"
                for binding_id in keymap if binding_id not in ids]
    owner: dict[str, str] = {}
    for b in bindings:
        assert b.id is not None
        for key in keymap.get(b.id, b.key).split(","):
            key = key.strip()
            if key in owner and owner[key] != b.id:
                problems.append(f"{key}: bound to both {owner[key]} and {b.id}")
            owner[key] = b.id
    return problems
