"""Setting up the Ozone tests: a missing harness is explained once, and its installer
gives npm nothing npm warns about (issue #15, items 17 and 18).

Real pytest runs in a subprocess, with PostgreSQL pointed at a closed port so that the
harness is missing; the real npm judges the configuration install.sh hands it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ozone_harness import ENABLE_HINT, SKIP_REASON

ROOT = Path(__file__).resolve().parent.parent
OZONE_FILES = ["tests/test_ozone_harness.py", "tests/test_ozone_backend.py"]


def pytest_run(*args: str, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env.update(DB_POSTGRES_URL="postgresql://triage:triage@127.0.0.1:1/triage", **({"CI": "true"} if ci else {}))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_without_the_harness_the_ozone_tests_skip_and_the_hint_is_printed_once() -> None:
    done = pytest_run("-q", *OZONE_FILES, ci=False)
    assert done.returncode == 0, done.stdout[-3000:]
    skipped = int(re.search(r"(\d+) skipped", done.stdout).group(1))  # type: ignore[union-attr]
    assert skipped > 30
    assert done.stdout.count(ENABLE_HINT[1:]) == 1, done.stdout
    assert f"{skipped} Ozone tests skipped: PostgreSQL is not reachable at 127.0.0.1:1" in done.stdout
    lines = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED [")]
    assert all(line.endswith(SKIP_REASON) for line in lines), lines
    assert len(lines) < skipped / 10  # folded: a line per file (or per marked test), not one per test


def test_with_ci_true_a_missing_harness_fails_the_ozone_tests() -> None:
    done = pytest_run("-q", "-x", OZONE_FILES[0], ci=True)
    assert done.returncode == 1
    assert "CI=true and PostgreSQL is not reachable at 127.0.0.1:1" in done.stdout
    assert "skipped" not in done.stdout.splitlines()[-1]


def test_install_sh_gives_npm_only_configuration_npm_knows() -> None:
    """Every npm_config_* the installer exports and every option it passes npm, as the real
    npm sees them: npm 11 warns of each unknown one that it "will stop working in the next
    major version" (as it did of npm_config_build_from_source)."""
    npm = shutil.which("npm")
    assert npm, "npm is needed to install the Ozone harness (and .ci/run installs it)"
    script = (ROOT / "tests" / "ozone" / "install.sh").read_text()
    code = [line.split("#", 1)[0] for line in script.splitlines()]
    exported = dict(re.findall(r"^\s*export\s+(npm_config_\w+)=(\S+)", "\n".join(code), re.M))
    options = sorted({flag.split("=")[0] for line in code if re.match(r"\s*(\S+\s+)*npm\s", line)
                      for flag in re.findall(r"(?<!\S)--[a-z][a-z-]*(?:=\S+)?", line)})
    done = subprocess.run([npm, "config", "get", "registry", *options], env={**os.environ, **exported},
                          capture_output=True, text=True, timeout=60, cwd=ROOT / "tests")
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr and "next major version" not in done.stderr, (exported, options, done.stderr)
    assert options, "the installer's npm options were not found: this test would check nothing"
