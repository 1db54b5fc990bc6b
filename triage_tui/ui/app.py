"""The Textual app: thin. It holds the backend and the outbox and shows the triage
screen, which owns the flow; the command palette lists every action of the screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from triage_tui.backends import Backend
from triage_tui.bindings import APP
from triage_tui.model import State
from triage_tui.model import now as utc_now
from triage_tui.outbox import Outbox
from triage_tui.theming import DEFAULT, Catalogue, discover
from triage_tui.ui.keymap import bindings
from triage_tui.ui.themes import textual_themes
from triage_tui.ui.toasts import TOAST_CSS
from triage_tui.ui.screens.triage import Settings, TriageScreen


class TriageApp(App[None]):
    TITLE = "triage-tui"
    CSS = TOAST_CSS  # a notice on one line at 80 columns, not wrapped at half the screen
    BINDINGS = bindings(APP)

    def __init__(self, backend: Backend, outbox: Outbox, *, backend_name: str, queue: State = State.OPEN, settings: Settings = Settings(), clock: Callable[[], datetime] = utc_now, keymap: Mapping[str, str] | None = None,
                 theme: str | None = None, catalogue: Catalogue | None = None, notices: Sequence[str] = ()) -> None:
        super().__init__()
        if keymap:
            self.set_keymap(dict(keymap))
        themes, problems = textual_themes(catalogue if catalogue is not None else discover())
        for one in themes:
            self.register_theme(one)
        try:
            self.theme = theme or (DEFAULT if DEFAULT in self.available_themes else self.theme)
        except Exception as exc:  # noqa: BLE001 - a theme Textual refuses must not stop the moderator
            problems.append(f"theme {theme!r} could not be used ({exc}); showing Textual's default")
        self._started_theme = self.theme
        self._notices = [*notices, *problems]
        self.clock = clock
        self.backend = backend
        self.outbox = outbox
        self.backend_name = backend_name
        self.queue = queue
        self.settings = settings

    def on_mount(self) -> None:
        for notice in dict.fromkeys(self._notices):  # a bad theme file: one message, the app goes on
            self.notify(notice, title="Theme", severity="warning", timeout=20, markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.push_screen(TriageScreen(self.backend, self.outbox, backend_name=self.backend_name, queue=self.queue, settings=self.settings, clock=self.clock))

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self._started_theme:
            self._started_theme = theme.name
            self.notify(f'Theme {theme.name}. To keep it: [ui] theme = "{theme.name}" in config.toml, or --theme {theme.name}.',
                        title="Theme", timeout=8, markup=False)

    async def on_unmount(self) -> None:
        await self.backend.aclose()

    async def action_quit(self) -> None:
        """Quitting goes through the screen, which warns about unsent decisions."""
        screen = next((s for s in self.screen_stack if isinstance(s, TriageScreen)), None)
        if screen is not None:  # even from a dialog: the unsent warning must not be skipped
            screen.action_quit()
        else:
            self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        triage = next((s for s in self.screen_stack if isinstance(s, TriageScreen)), None)
        if triage is None:
            return
        for binding_id, keys, description in triage.binding_rows():
            action = _action_of(triage, binding_id)
            if action is None:
                continue
            yield SystemCommand(description, f"{keys}  ({binding_id})", _runner(triage, action))


def _action_of(screen: TriageScreen, binding_id: str) -> str | None:
    from triage_tui.ui.widgets.queue_list import QueueList

    for binding in (*QueueList.BINDINGS, *TriageScreen.BINDINGS):
        if isinstance(binding, Binding) and binding.id == binding_id:
            target = "queue." if binding in QueueList.BINDINGS else ""
            return target + binding.action
    return None


def _runner(screen: TriageScreen, action: str):  # noqa: ANN202 - a zero-argument callback
    async def run() -> None:
        if action.startswith("queue."):
            await screen.app.run_action(action.removeprefix("queue."), default_namespace=screen.queue)
        else:
            await screen.app.run_action(action, default_namespace=screen)

    return run
