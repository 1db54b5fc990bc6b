"""Themes: the built-in files (found from a wheel too), the moderator's own, one clear
message for a bad file with the default used instead, --theme and [ui] theme, the
palette's theme switch, and a snapshot of the main screen in each built-in theme."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_triage_screen import fixed_app, fixed_server, outbox_path, settle, until  # noqa: F401 - fixtures

from tests.conftest import RunningServer
from triage_tui.theming import DEFAULT, ThemeError, builtin_dir, discover, load_file
from triage_tui.ui.themes import choose

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = ("triage-colour-blind", "triage-dark", "triage-high-contrast", "triage-light")


def test_the_built_in_themes() -> None:
    catalogue = discover([builtin_dir()])
    assert tuple(catalogue.themes) == BUILTIN and catalogue.problems == ()
    assert DEFAULT == "triage-dark"
    assert catalogue.themes["triage-light"].dark is False
    assert all(catalogue.themes[n].dark for n in BUILTIN if n != "triage-light")
    for spec in catalogue.themes.values():
        assert spec.path.stem == spec.name  # the file is named after its theme
        assert {"background", "foreground", "error", "warning", "success"} <= set(spec.colours)


@pytest.mark.parametrize(("text", "message"), [
    ('name = "x"\nprimary = "#123456"\nshade = "#000"\n', "shade: unknown key; allowed: name, dark, primary"),
    ('name = "My Theme"\nprimary = "#123456"\n', 'name: expected 1-40 lower-case letters, digits or - (e.g. "my-theme"), got \'My Theme\''),
    ('name = "x"\n', "primary: missing; a theme needs at least name and primary"),
    ('name = "x"\nprimary = "blue"\n', 'primary: expected a hex colour like "#1e90ff" (#rgb, #rrggbb or #rrggbbaa), got \'blue\''),
    ('name = "x"\nprimary = "#123456"\nerror = "#12345"\n', "error: expected a hex colour"),
    ('name = "x"\nprimary = "#123456"\ndark = "yes"\n', "dark: expected true or false, got 'yes'"),
    ('name = "x"\nprimary = "#123456"\nvariables = 3\n', "variables: expected a table of variable = value"),
    ('name = "x"\nprimary = "#123456"\n[variables]\n"Bad Name" = "#fff"\n', 'variables.Bad Name: expected a variable name like "block-cursor-background"'),
    ('name = "x"\nprimary = "#123456"\n[variables]\n"text-muted" = "#fff; } Screen { display: none"\n', "variables.text-muted: expected a colour or style"),
    ('name = "x"\nprimary = "#123456\n', "not valid TOML"),
])
def test_a_bad_theme_file_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(ThemeError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:")
    assert message in str(caught.value)


def test_user_themes_join_and_may_replace_a_built_in(tmp_path: Path) -> None:
    (tmp_path / "ocean.toml").write_text('name = "ocean"\nprimary = "#0077be"\nbackground = "#001f3f"\n')
    (tmp_path / "triage-light.toml").write_text('name = "triage-light"\ndark = false\nprimary = "#000000"\n')
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "red"\n')
    catalogue = discover([builtin_dir(), tmp_path])
    assert set(catalogue.themes) == {*BUILTIN, "ocean"}
    assert catalogue.themes["triage-light"].primary == "#000000"  # the moderator's wins
    assert catalogue.broken == {"broken"}
    assert len(catalogue.problems) == 1 and catalogue.problems[0].startswith(f"{tmp_path / 'broken.toml'}: primary:")
    assert choose("ocean", catalogue) == ("ocean", list(catalogue.problems))
    theme, notices = choose("broken", catalogue)
    assert theme == DEFAULT and notices[-1] == f"theme 'broken' could not be used; showing {DEFAULT}"
    assert choose(None, catalogue)[0] == DEFAULT
    assert choose("nord", catalogue)[0] == "nord"  # Textual's own themes stay available
    with pytest.raises(ThemeError, match="no theme 'oceann'; themes: ocean, triage-colour-blind"):
        choose("oceann", catalogue)


def test_the_wheel_carries_the_built_in_themes(tmp_path: Path) -> None:
    """Installed from a wheel (no checkout beside it), the package still finds them."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path / "dist")],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("triage_tui-*.whl")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp_path / "site")
    code = "import triage_tui.theming as t; print(t.builtin_dir()); print(' '.join(t.discover([t.builtin_dir()]).themes))"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
                          cwd=tmp_path, capture_output=True, text=True, check=True)
    where, names = done.stdout.splitlines()
    assert where == str(tmp_path / "site" / "triage_tui" / "themes")
    assert tuple(names.split()) == BUILTIN


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "triage_tui", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def test_an_unknown_theme_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("--demo", "--demo-items", "0", "--theme", "triage-drak")
    assert done.returncode == 2
    assert done.stderr.startswith("triage-tui: --theme: no theme 'triage-drak'; themes: triage-colour-blind, triage-dark,")
    config = tmp_path / "config.toml"
    config.write_text('[profiles.p]\nurl = "http://127.0.0.1:9"\ntoken_env = "T"\n[ui]\ntheme = "solarised"\n')
    done = run_cli("--config", str(config), T="x" * 20)
    assert done.returncode == 2
    assert done.stderr.startswith(f"triage-tui: {config}: [ui] theme: no theme 'solarised'")
    assert "Traceback" not in done.stderr


async def test_a_bad_theme_file_is_one_message_and_the_default_is_used(fixed_server: RunningServer, outbox_path: Path, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "mine.toml").write_text('name = "mine"\nprimary = "#12"\n')
    catalogue = discover([builtin_dir(), tmp_path])
    theme, notices = choose("mine", catalogue)
    app = fixed_app(fixed_server, outbox_path)
    from triage_tui.ui.app import TriageApp

    app = TriageApp(app.backend, app.outbox, backend_name=app.backend_name, settings=app.settings, clock=app.clock,
                    theme=theme, catalogue=catalogue, notices=notices)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(app._notifications) >= 2)
        messages = [n.message for n in app._notifications]
        assert app.theme == DEFAULT
        assert messages == [f"{tmp_path / 'mine.toml'}: primary: expected a hex colour like \"#1e90ff\" (#rgb, #rrggbb or #rrggbbaa), got '#12'",
                            f"theme 'mine' could not be used; showing {DEFAULT}"]
        app.clear_notifications()
        app.theme = "triage-high-contrast"  # what the palette's "Change theme" does
        await until(pilot, lambda: len(app._notifications) == 1)
        assert 'To keep it: [ui] theme = "triage-high-contrast"' in next(iter(app._notifications)).message


@pytest.mark.parametrize("theme", BUILTIN)
def test_snapshot_main_screen_in_each_theme(snap_compare: Any, fixed_server: RunningServer, outbox_path: Path, theme: str) -> None:  # noqa: F811
    app = fixed_app(fixed_server, outbox_path)
    app.theme = theme
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_a_variable_textual_cannot_read_makes_the_theme_unusable(tmp_path: Path) -> None:
    from triage_tui.ui.themes import usable

    (tmp_path / "ocean.toml").write_text('name = "ocean"\nprimary = "#0077be"\n[variables]\n"block-cursor-background" = "notacolour"\n')
    (tmp_path / "reef.toml").write_text('name = "reef"\nprimary = "#0077be"\n[variables]\n"block-cursor-text-style" = "blinking"\n')
    catalogue = usable(discover([builtin_dir(), tmp_path]))
    assert catalogue.broken == {"ocean", "reef"} and set(catalogue.themes) == set(BUILTIN)
    theme, notices = choose("ocean", catalogue)
    assert theme == DEFAULT and "variables.block-cursor-background: 'notacolour' is not a colour" in notices[0]
    assert "variables.block-cursor-text-style: 'blinking' is not a text style" in notices[1]


def test_the_config_check_knows_textuals_themes() -> None:
    """`[ui] theme` is checked without Textual, against theming.TEXTUAL_THEMES: it must be
    Textual's own list, so a Textual upgrade that adds or drops a theme shows up here."""
    from textual.theme import BUILTIN_THEMES

    from triage_tui.theming import TEXTUAL_THEMES

    assert set(TEXTUAL_THEMES) == set(BUILTIN_THEMES) and len(TEXTUAL_THEMES) == len(BUILTIN_THEMES)
