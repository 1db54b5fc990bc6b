"""`triage-tui serve` takes its moderators' tokens from places other users cannot read.

argv is readable by every user of the machine (`ps`, /proc/PID/cmdline), so the server's
token sources are a tokens file only its owner can read and an environment variable
(readable by the same user and root only). Everything here runs the real command in
its own process on 127.0.0.1 at a free port and signs in over real HTTP.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from triage_tui.server.cli import TOKENS_ENV

ROOT = Path(__file__).resolve().parent.parent


def new_token() -> str:
    return "t" + secrets.token_urlsafe(24)  # never starts with "-", which argparse would take for an option


def tokens_toml(*moderators: tuple[str, str, str]) -> str:
    return "".join(f'[[moderator]]\nid = "{mid}"\nroles = ["{role}"]\ntoken = "{token}"\n' for token, mid, role in moderators)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_argv(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "triage_tui", "serve", "--db", str(tmp_path / "q.db"), *args]


def run_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != TOKENS_ENV}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, **(extra or {})}


def refused(tmp_path: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A serve that must not start: it exits by itself (the timeout is only a safety net)."""
    return subprocess.run(serve_argv(tmp_path, "--port", str(free_port()), *args), env=run_env(env),
                          capture_output=True, text=True, timeout=60)


class Serving:
    def __init__(self, proc: subprocess.Popen[str], url: str, stderr: Path) -> None:
        self.proc, self.url, self._stderr = proc, url, stderr

    def me(self, token: str) -> httpx.Response:
        return httpx.get(f"{self.url}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def cmdline(self) -> str:
        return Path(f"/proc/{self.proc.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()

    @property
    def stderr(self) -> str:
        return self._stderr.read_text()


@contextmanager
def serving(tmp_path: Path, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Serving]:
    port = free_port()
    log = tmp_path / f"serve-{port}.err"
    with log.open("w") as err:
        proc = subprocess.Popen(serve_argv(tmp_path, "--port", str(port), *args), env=run_env(env),
                                stdout=subprocess.DEVNULL, stderr=err, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
            assert proc.poll() is None, f"serve exited with {proc.returncode}: {log.read_text()}"
            assert time.monotonic() < deadline, "serve did not start"
        yield Serving(proc, url, log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660], ids=lambda m: f"{m:o}")
def test_a_tokens_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    token = new_token()
    path = tmp_path / "tokens.toml"
    path.write_text(tokens_toml((token, "ana", "moderator")))
    os.chmod(path, mode)
    done = refused(tmp_path, "--tokens", str(path))
    assert done.returncode == 2
    assert f"{path} is readable by others (mode {mode:o}); run chmod 600 {path}" in done.stderr
    assert token not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "q.db").exists()  # nothing was started or created


def test_a_private_tokens_file_serves_and_keeps_argv_clean(tmp_path: Path) -> None:
    ana, lea = new_token(), new_token()
    path = tmp_path / "tokens.toml"
    path.write_text(tokens_toml((ana, "ana", "moderator"), (lea, "lea", "legal")))
    os.chmod(path, 0o600)
    with serving(tmp_path, "--tokens", str(path)) as server:
        answer = server.me(ana)
        assert answer.status_code == 200 and answer.json()["id"] == "ana"
        assert server.me(lea).json()["roles"] == ["legal"]
        assert server.me(new_token()).status_code == 401
        assert ana not in server.cmdline() and lea not in server.cmdline()
        assert "warning" not in server.stderr


def test_tokens_from_the_environment(tmp_path: Path) -> None:
    ana, sam = new_token(), new_token()
    with serving(tmp_path, env={TOKENS_ENV: f"{ana}:ana:moderator,legal\n  {sam}:sam:senior "}) as server:
        assert server.me(ana).json() == {"id": "ana", "name": "ana", "roles": ["legal", "moderator"]}
        assert server.me(sam).json()["roles"] == ["senior"]
        assert ana not in server.cmdline() and sam not in server.cmdline()
        assert "warning" not in server.stderr


def test_the_environment_and_the_file_add_up_and_a_repeated_token_is_refused(tmp_path: Path) -> None:
    ana, ben = new_token(), new_token()
    path = tmp_path / "tokens.toml"
    path.write_text(tokens_toml((ana, "ana", "moderator")))
    os.chmod(path, 0o600)
    with serving(tmp_path, "--tokens", str(path), env={TOKENS_ENV: f"{ben}:ben:moderator"}) as server:
        assert server.me(ana).json()["id"] == "ana" and server.me(ben).json()["id"] == "ben"
    twice = refused(tmp_path, "--tokens", str(path), env={TOKENS_ENV: f"{ana}:ana2:moderator"})
    assert twice.returncode == 2 and "the same token is given twice" in twice.stderr and ana not in twice.stderr


@pytest.mark.parametrize(("value", "message"), [
    ("", f"${TOKENS_ENV} is set but holds no TOKEN:ID:ROLES entries"),
    ("{token}:ana:moderator oops", f"${TOKENS_ENV} entry 2: expected TOKEN:ID:ROLES"),
    ("{token}:ana:janitor", f"${TOKENS_ENV} entry 1 for 'ana': unknown role 'janitor'"),
    ("short:ana:moderator", f"${TOKENS_ENV} entry 1 for 'ana': a token needs at least 16 characters"),
])
def test_a_bad_environment_entry_is_named_and_not_repeated(tmp_path: Path, value: str, message: str) -> None:
    token = new_token()
    done = refused(tmp_path, env={TOKENS_ENV: value.format(token=token)})
    assert done.returncode == 2
    assert message in done.stderr
    assert token not in done.stderr and "Traceback" not in done.stderr


def test_no_token_source_says_which_to_use(tmp_path: Path) -> None:
    done = refused(tmp_path)
    assert done.returncode == 2
    assert "--tokens FILE" in done.stderr and f"${TOKENS_ENV}" in done.stderr and "--token " not in done.stderr


def test_the_token_flag_still_works_and_warns_that_ps_shows_it(tmp_path: Path) -> None:
    token = new_token()
    with serving(tmp_path, "--token", f"{token}:ana:moderator") as server:
        assert server.me(token).status_code == 200
        warning = server.stderr.splitlines()[0]
    assert warning.startswith("triage-tui serve: warning: --token shows its token to every user of this machine (ps")
    assert "--tokens FILE" in warning and TOKENS_ENV in warning and token not in warning


def test_the_help_names_the_sources_that_stay_out_of_argv() -> None:
    done = subprocess.run([sys.executable, "-m", "triage_tui", "serve", "--help"], env=run_env(),
                          capture_output=True, text=True, check=True)
    text = " ".join(done.stdout.split())
    assert f"${TOKENS_ENV}" in text and "chmod 600" in text and "shows in ps" in text


def readme_serve_example() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### The reference backend", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the reference backend section has no sh block"
    return block.group(1).rstrip("\n").split("\n")


def test_the_readme_example_writes_a_private_file_and_serves_from_it(tmp_path: Path) -> None:
    """The README's commands, run as written (but for a smaller demo and a free port)."""
    *setup, serve = readme_serve_example()
    assert not re.search(r"--token\b(?!s)", "\n".join(setup + [serve]))  # no token in argv anywhere
    subprocess.run(["bash", "-euc", "umask 022\n" + "\n".join(setup)], cwd=tmp_path, check=True, timeout=60)
    tokens = tmp_path / "tokens.toml"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    token = re.search(r'token = "([^"]+)"', tokens.read_text())
    assert token is not None
    words = serve.split()
    assert words[:2] == ["triage-tui", "serve"]
    args = words[2:]
    args[args.index("--seed-demo") + 1] = "20"
    args[args.index("--db") + 1] = str(tmp_path / "q.db")
    args[args.index("--tokens") + 1] = str(tokens)
    with serving(tmp_path, *args) as server:
        assert server.me(token.group(1)).json()["roles"] == ["legal", "moderator"]
