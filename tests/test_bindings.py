"""The one table of key bindings (triage_tui/bindings.py) is what the UI binds: every
Textual Binding in triage_tui/ui is built from it, the keys live on each screen are the
table's for that screen, and its key names are Textual's. So the config check, which
reads only the table, judges `[keys]` against what the keys really do."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string
from pathlib import Path

from textual.binding import Binding
from textual.keys import _normalize_key_list, key_to_character

import triage_tui.ui
from tests.conftest import RunningServer
from tests.test_triage_screen import loaded, make_app, outbox_path, until  # noqa: F401
from triage_tui import bindings


def test_every_binding_of_the_ui_is_the_tables() -> None:
    found: dict[str, tuple[object, ...]] = {}
    for info in pkgutil.walk_packages(triage_tui.ui.__path__, "triage_tui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or "BINDINGS" not in vars(cls):
                continue
            for binding in vars(cls)["BINDINGS"]:
                assert isinstance(binding, Binding) and binding.id, f"{cls.__name__}: {binding!r} is not from the table"
                assert binding.id not in found, f"{binding.id} is bound twice"
                found[binding.id] = (binding.key, binding.action, binding.description, binding.show, binding.priority)
    assert found == {k.id: (k.keys, k.action, k.description, k.show, k.priority) for k in bindings.ALL.values()}


def test_a_key_that_types_cannot_open_the_filter_help() -> None:
    assert bindings.problems({"filter.help": "h"}) == [
        "filter.help: h would be typed into the filter bar; choose a key that types nothing, like f1 or ctrl+h"]
    assert bindings.problems({"filter.help": "question_mark"})
    assert bindings.problems({"filter.help": "f2"}) == []
    assert bindings.problems({"filter.help": "escape"})  # select.clear's: a clash in the filter bar


def test_keys_are_named_as_textual_names_them() -> None:
    for char in string.printable.strip().replace(",", ""):  # a comma separates keys; [keys] refuses one
        assert bindings.normalise(char) == _normalize_key_list(char), repr(char)
    for key in ("ctrl+q", "pagedown", "question_mark", "T"):
        assert bindings.normalise(key) == key


def test_every_key_textual_can_send_is_known_and_a_typo_is_not() -> None:
    from textual.keys import Keys

    sendable = [k.value for k in Keys if not k.value.startswith("<")]
    sendable += [_normalize_key_list(c) for c in string.printable.strip().replace(",", "")]
    assert [k for k in sendable if not bindings.known(k)] == []
    assert all(bindings.known(k) for key in bindings.ALL.values() for k in key.keys.split(","))
    for typo in ("ctlr+a", "enterr", "f25", "ctrl+ctrl+a", "ctrl+", "questionmark", "pgdn"):
        assert not bindings.known(typo), typo


async def test_the_keys_live_on_a_screen_are_the_tables_for_it(server: RunningServer, outbox_path: Path) -> None:  # noqa: F811
    def live() -> set[str]:
        """As Textual dispatches a key: the priority bindings of the whole chain, then the
        chain up to the first modal screen (App._check_bindings)."""
        chain = app.screen._binding_chain
        priority = {b.id for _, bound in chain for _, b in bound if b.priority}
        return ({b.id for _, bound in app.screen._modal_binding_chain for _, b in bound} | priority) - {None}

    app = make_app(server, outbox_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert live() == {k.id for k in bindings.SCREENS["the triage screen"]}
        await pilot.press("slash")
        # The field takes a, r, ? …: in the bar only keys that type nothing are bindings (as
        # Textual filters the chain; it does not know `/` is a character, but the field
        # takes it all the same).
        field = app.screen.focused
        assert field is not None

        def consumed(key: str) -> bool:
            return field.check_consume_key(key, key_to_character(key))

        typing = {k.id for k in bindings.SCREENS["the filter bar"] if all(consumed(key) for key in k.keys.split(","))}
        assert typing and "filter.help" not in typing
        every = {key for k in bindings.ALL.values() for key in k.keys.split(",")}
        assert all(bindings.typed(key) for key in every if consumed(key))
        assert live() == {k.id for k in bindings.SCREENS["the filter bar"]} - typing
        await pilot.press("escape")
        await pilot.press("O")
        await until(pilot, lambda: type(app.screen).__name__ == "SyncScreen")
        assert live() == {k.id for k in bindings.SCREENS["the outbox"]}
        await pilot.press("escape", "question_mark")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        assert live() == {k.id for k in bindings.SCREENS["the help screen"]}
