"""The layering of docs/architecture.md, held by import-linter on the real package.

The contracts live in pyproject.toml (`[tool.importlinter]`); these tests run them with
`lint-imports` exactly as a developer would, show that each contract can break (a copy
of the package with one deliberate bad import), and keep the document's table of layers
the contract's. Whether *loading* a command pulls in Textual is a question of cost, not
of layering: tests/test_batch.py, tests/test_config.py and `--version` below check it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import triage_tui

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _lint(root: Path, *contract_ids: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with root's pyproject.toml on the package under root (and no cache left behind)."""
    only = [arg for cid in contract_ids for arg in ("--contract", cid)]
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "400", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", code, "--no-cache", "--no-logo", *only, str(root / "pyproject.toml")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def _status(output: str) -> dict[str, str]:
    """Each contract's name → KEPT or BROKEN, from lint-imports' summary."""
    return dict(re.findall(r"^(.+) (KEPT|BROKEN)$", output, re.M))


def test_the_package_keeps_every_contract() -> None:
    ran = _lint(ROOT)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert _status(ran.stdout) == {c["name"]: "KEPT" for c in CONTRACTS}
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in ran.stdout


def _inject(package: Path, module: str, line: str) -> str:
    """Append `line` to the copy's `module` (a dotted name); the import as lint-imports names it."""
    path = package.parent.joinpath(*module.split(".")).with_suffix(".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") else "\n") + line + "\n")
    imported = line.split()[1]
    return f"{module} -> {imported} (l.{len(path.read_text().splitlines())})"


# One deliberate bad import per contract: the contract that must break and the import it must name.
BAD_IMPORTS = [
    ("layers", "triage_tui.model", "import triage_tui.ui.app"),
    ("layers", "triage_tui.sync", "import triage_tui.unapplied"),
    ("layers", "triage_tui.views", "import triage_tui.shell"),
    ("layers", "triage_tui.export", "import triage_tui.batch"),
    ("textual", "triage_tui.words", "import textual"),
    ("textual", "triage_tui.queue.decide", "import textual"),
    ("layers", "triage_tui.queue.decide", "import triage_tui.ui.toasts"),
    ("server", "triage_tui.ui.app", "import triage_tui.server.store"),
    ("server-alone", "triage_tui.server.store", "import triage_tui.outbox"),
    ("backend-blind-ui", "triage_tui.ui.screens.stats", "import triage_tui.backends.triage"),
]


@pytest.mark.parametrize(("contract", "module", "line"), BAD_IMPORTS, ids=[f"{c}:{m}" for c, m, _ in BAD_IMPORTS])
def test_a_bad_import_breaks_its_contract(tmp_path: Path, contract: str, module: str, line: str) -> None:
    shutil.copytree(ROOT / "triage_tui", tmp_path / "triage_tui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    named = _inject(tmp_path / "triage_tui", module, line)
    ran = _lint(tmp_path, contract)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    name = next(c["name"] for c in CONTRACTS if c["id"] == contract)
    assert _status(ran.stdout) == {name: "BROKEN"}
    assert named in ran.stdout, ran.stdout


def test_a_module_in_no_layer_breaks_the_layers_contract(tmp_path: Path) -> None:
    """The contract is exhaustive: #16's triage_tui/queue/ passes only with its layer (one line)."""
    shutil.copytree(ROOT / "triage_tui", tmp_path / "triage_tui", ignore=shutil.ignore_patterns("__pycache__"))
    config = (ROOT / "pyproject.toml").read_text()
    unplaced = config.replace('    "shell",\n    "queue",\n', '    "shell",\n', 1)
    assert unplaced != config
    (tmp_path / "pyproject.toml").write_text(unplaced)
    ran = _lint(tmp_path, "layers")
    assert ran.returncode == 1 and "- triage_tui.queue" in ran.stdout, ran.stdout
    (tmp_path / "pyproject.toml").write_text(config)
    assert _lint(tmp_path, "layers").returncode == 0


def test_docs_architecture_lists_the_contract_s_layers_in_order() -> None:
    layers = next(c for c in CONTRACTS if c["id"] == "layers")
    doc = (ROOT / "docs" / "architecture.md").read_text()
    section = doc.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = [row.replace("\\|", "|") for row in re.findall(r"^\| `([^`]+)` \|", section, re.M)]  # a table cell escapes |
    assert rows == layers["layers"]
    for module in layers["exhaustive_ignores"]:
        assert f"`triage_tui.{module}`" in section, module


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
