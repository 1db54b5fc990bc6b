"""The layering rules of DESIGN.md, checked on the real package."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import triage_tui

CORE_MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(triage_tui.__path__, "triage_tui.")
    if not m.name.startswith("triage_tui.ui") and m.name != "triage_tui.__main__"
)


def _modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_core_is_found() -> None:
    # Guards the parametrisation below against silently testing nothing.
    assert {"triage_tui.model", "triage_tui.sanitize", "triage_tui.cli"} <= set(CORE_MODULES)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_nothing_outside_ui_imports_textual(module: str) -> None:
    loaded = _modules_after_import(module)
    assert module in loaded
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_version_is_fast_path() -> None:
    code = (
        "import sys\n"
        "from triage_tui.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "heavy = [m for m in ('textual', 'httpx', 'starlette', 'uvicorn', 'sqlite3') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith(f"triage-tui {triage_tui.__version__}\n")
    assert out.stdout.splitlines()[-1] == ""
