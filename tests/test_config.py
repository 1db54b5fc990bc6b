"""config.toml: every bad file gives one message naming the file, the key and what is
allowed; tokens come from env, a command or a private file and never appear in output."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from triage_tui.config import ConfigError, load, write_starter

ROOT = Path(__file__).resolve().parent.parent
GOOD = 'default_profile = "p"\n[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "T"\n'

BAD = [
    ("not toml [", "not valid TOML"),
    ("surprise = 1\n" + GOOD, "surprise: unknown key in top level; allowed: default_profile, profiles, ui, sync, keys"),
    ('[profiles.p]\ntoken_env = "T"\n', "[profiles.p] url: missing; expected the backend's base URL"),
    ('[profiles.p]\nurl = "ftp://x"\ntoken_env = "T"\n', "[profiles.p] url: backend URL 'ftp://x' must be https://host[:port][/path], or http:// to this machine (127.0.0.0/8, [::1] or localhost); expected the backend's base URL"),
    ('[profiles.p]\nurl = "http://m.example.com"\ntoken_env = "T"\n', "[profiles.p] url: refusing plain http:// for backend URL 'http://m.example.com': the token would cross the network unencrypted; it must be https://host[:port][/path], or http:// to this machine"),
    ('[profiles.p]\nurl = "https://m.example.com"\n', "[profiles.p]: give exactly one of token_env, token_command, token_file (found none)"),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "T"\ntoken_file = "/x"\n', "(found token_env, token_file)"),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "1BAD"\n', "[profiles.p] token_env: expected an environment variable name"),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_command = "pass show x"\n', "[profiles.p] token_command: expected a list of program and arguments"),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "T"\nbackend = "mastodon"\n', "[profiles.p] backend: expected triage or ozone, got 'mastodon'"),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "T"\nqueue = "closed"\n', "[profiles.p] queue: expected open or escalated, got 'closed'"),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "T"\ncolour = "red"\n', "[profiles.p] colour: unknown key in a profile"),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "T"\nca_file = "/no/such.pem"\n', "[profiles.p] ca_file: expected the path of an existing PEM file"),
    ('default_profile = "q"\n' + GOOD.split("\n", 1)[1], "default_profile: 'q' is not one of the profiles (p)"),
    (GOOD + "[ui]\nundo_seconds = -1\n", "[ui] undo_seconds: expected a number from 0 to 300, got -1"),
    (GOOD + "[ui]\nconfirm_above = 2.5\n", "[ui] confirm_above: expected a whole number from 1 to 100000, got 2.5"),
    (GOOD + '[ui]\nmask_sensitive = "yes"\n', "[ui] mask_sensitive: expected true or false, got 'yes'"),
    (GOOD + "[ui]\nauto_advance = 1\n", "[ui] auto_advance: expected true or false, got 1"),
    (GOOD + "[ui]\ntheme_song = 1\n", "[ui] theme_song: unknown key in [ui]; allowed: theme, undo_seconds, auto_advance, confirm_above, mask_sensitive, claim_on_open"),
    (GOOD + "[ui]\ntheme = \"Solarized Dark\"\n", "[ui] theme: expected a theme name like \"triage-light\" (see `triage-tui config check`), got 'Solarized Dark'"),
    ('[profiles.o]\nurl = "https://ozone.example.com"\nbackend = "ozone"\ntoken_env = "T"\n', '[profiles.o] auth: missing; expected "admin" (sign in with the admin password) or "moderator" (with your account\'s app password)'),
    ('[profiles.o]\nurl = "https://ozone.example.com"\nbackend = "ozone"\nauth = "moderator"\ntoken_env = "T"\npds = "https://pds.example.com"\n', "[profiles.o] handle: missing; expected your account's handle (e.g. mod.example.com) or DID"),
    ('[profiles.o]\nurl = "https://ozone.example.com"\nbackend = "ozone"\nauth = "moderator"\nhandle = "mod.example.com"\npds = "https://pds.example.com"\nozone_did = "did:example:1"\ntoken_env = "T"\n', "[profiles.o] ozone_did: expected the Ozone service's DID, e.g. did:plc:ar7c4by46qjdydhdevvrndac, got 'did:example:1'"),
    ('[profiles.o]\nurl = "https://ozone.example.com"\nbackend = "ozone"\nauth = "moderator"\nhandle = "mod.example.com"\nozone_did = "did:plc:ar7c4by46qjdydhdevvrndac"\ntoken_env = "T"\n', "[profiles.o] pds: missing; expected the URL of your account's PDS"),
    ('[profiles.o]\nurl = "https://ozone.example.com"\nbackend = "ozone"\nauth = "mod"\ntoken_env = "T"\n', "[profiles.o] auth: expected \"admin\" (sign in with the admin password) or \"moderator\" (with your account's app password), got 'mod'"),
    ('[profiles.o]\nurl = "https://ozone.example.com"\nbackend = "ozone"\nauth = "admin"\nhandle = "mod.example.com"\ntoken_env = "T"\n', '[profiles.o] handle: goes with auth = "moderator"'),
    ('[profiles.p]\nurl = "https://m.example.com"\ntoken_env = "T"\nauth = "admin"\n', '[profiles.p] auth: only an Ozone profile (backend = "ozone") has auth'),
    ('[profiles.o]\nurl = "https://ozone.example.com"\nbackend = "ozone"\nauth = "moderator"\nhandle = "mod.example.com"\npds = "http://pds.example.com"\nozone_did = "did:plc:ar7c4by46qjdydhdevvrndac"\ntoken_env = "T"\n', "[profiles.o] pds: refusing plain http:// for backend URL 'http://pds.example.com'"),
    (GOOD + "[sync]\nbatch = 0\n", "[sync] batch: expected a whole number from 1 to 500, got 0"),
    (GOOD + "[sync]\nmax_delay = true\n", "[sync] max_delay: expected a number from 1 to 3600, got True"),
    (GOOD + '[keys]\napprove = "a"\n', '[keys] approve: expected a binding id like "decide.approve"'),
    (GOOD + '[keys]\n"decide.approve" = "a b"\n', '[keys] decide.approve: expected a key or comma-separated keys'),
    ("ui = 3\n" + GOOD, "[ui]: expected a table, got int"),
    (GOOD + '[keys]\n"decide.approve" = "r"\n', "[keys] r: bound to both decide.approve and decide.remove on the triage screen"),
    (GOOD + '[keys]\n"decide.aprove" = "y"\n', "[keys] decide.aprove: no such binding; did you mean decide.approve? ids: app.commands,"),
    (GOOD + '[keys]\n"decide.approve" = "ctrl+q"\n', "[keys] decide.approve: ctrl+q is reserved for Textual's quit"),
    (GOOD + '[keys]\n"sync.drop" = "p"\n', "[keys] p: bound to both sync.drop and sync.resume on the outbox"),
    (GOOD + '[keys]\n"find.filter" = "?"\n', "[keys] question_mark: bound to both app.help and find.filter on the triage screen"),
    (GOOD + '[keys]\n"decide.approve" = "ctlr+a"\n', "[keys] decide.approve: 'ctlr+a' is not a key; keys are like a, T, ctrl+d"),
    (GOOD + '[ui]\ntheme = "triage-drak"\n', "[ui] theme: no theme 'triage-drak'; themes: "),
    ("[profiles.'bad name']\nurl = \"https://m.example.com\"\ntoken_env = \"T\"\n", "[profiles.bad name]: a profile name is 1-64 letters"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_config_names_the_file_the_key_and_what_is_allowed(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:")
    assert message in str(caught.value)
    assert "got None" not in str(caught.value)  # a key left out says "missing" (issue #15)


def test_a_bad_config_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD + "[ui]\nundo_seconds = 999\n")
    done = subprocess.run([sys.executable, "-m", "triage_tui", "--config", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"triage-tui: {path}: [ui] undo_seconds: expected a number from 0 to 300, got 999"
    assert "Traceback" not in done.stderr


def test_the_example_config_is_valid_and_documents_every_key(tmp_path: Path) -> None:
    text = (ROOT / "config.toml.example").read_text()
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text(text)
    cfg = load(cfg_path)
    assert set(cfg.profiles) == {"prod", "staging", "local"} and cfg.default_profile == "prod"
    for key in ("undo_seconds", "confirm_above", "mask_sensitive", "claim_on_open", "batch", "max_delay",
                "token_env", "token_command", "token_file", "ca_file", "queue", "backend", "default_profile"):
        assert key in text, key


def test_token_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cret-token-value-0123456789"
    token_file = tmp_path / "token"
    token_file.write_text(secret + "\n")
    os.chmod(token_file, 0o644)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[profiles.env]\nurl = "https://m.example.com"\ntoken_env = "MY_TOKEN"\n'
        f'[profiles.cmd]\nurl = "https://m.example.com"\ntoken_command = ["{sys.executable}", "-c", "print(\'{secret}\')"]\n'
        f'[profiles.fail]\nurl = "https://m.example.com"\ntoken_command = ["{sys.executable}", "-c", "import sys; sys.exit(\'vault locked\')"]\n'
        f'[profiles.file]\nurl = "https://m.example.com"\ntoken_file = "{token_file}"\n'
    )
    cfg = load(path)
    monkeypatch.setenv("MY_TOKEN", secret)
    assert cfg.profile("env").token(path) == secret
    assert cfg.profile("cmd").token(path) == secret
    with pytest.raises(ConfigError, match="exited with 1: vault locked"):
        cfg.profile("fail").token(path)
    with pytest.raises(ConfigError) as loose:
        cfg.profile("file").token(path)
    assert "readable by others (mode 644); run chmod 600" in str(loose.value) and secret not in str(loose.value)
    os.chmod(token_file, 0o600)
    assert cfg.profile("file").token(path) == secret
    monkeypatch.delenv("MY_TOKEN")
    with pytest.raises(ConfigError, match="MY_TOKEN is not set"):
        cfg.profile("env").token(path)
    with pytest.raises(ConfigError, match="several profiles and no default_profile"):
        cfg.profile(None)


def test_config_init_writes_atomically_and_privately(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    write_starter(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load(path).default_profile == "local"
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left behind
    with pytest.raises(ConfigError, match="already exists; pass --force"):
        write_starter(path)
    write_starter(path, force=True)


def test_keymap_clash_and_unknown_id_are_reported_at_start(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD.replace('token_env = "T"', 'token_env = "T"') + '[keys]\n"decide.approve" = "r"\n"decide.nope" = "x"\n')
    done = subprocess.run([sys.executable, "-m", "triage_tui", "--config", str(path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "T": "a-token-that-is-long-enough"})
    assert done.returncode == 2
    assert "[keys] decide.nope: no such binding" in done.stderr
    assert "[keys] r: bound to both decide.approve and decide.remove" in done.stderr


BAD_FOR_EVERY_COMMAND = {
    '[keys]\n"decide.approve" = "r"\n': "[keys] r: bound to both decide.approve and decide.remove on the triage screen",
    '[keys]\n"decide.nope" = "x"\n': "[keys] decide.nope: no such binding",
    '[keys]\n"decide.approve" = "ctrl+q"\n': "[keys] decide.approve: ctrl+q is reserved for Textual's quit",
    '[ui]\ntheme = "no-such-theme"\n': "[ui] theme: no theme 'no-such-theme'; themes: triage-colour-blind, triage-dark,",
}
COMMANDS = (["config", "check"], ["export"], ["batch", "approve", "--filter", "", "--dry-run"], ["report"], ["sync"], [], ["--demo"])


@pytest.mark.parametrize("bad", BAD_FOR_EVERY_COMMAND)
def test_every_command_refuses_a_bad_config_alike(server, tmp_path: Path, bad: str) -> None:  # type: ignore[no-untyped-def]
    """Each command — the app's start included — reads the whole config through the same
    check: exit 2, one message naming the file and the key, nothing done, no traceback.
    The profile points at a live server, so a command that skipped the check would work."""
    home = tmp_path / "xdg"
    path = home / "triage-tui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(f'[profiles.p]\nurl = "{server.url}"\ntoken_env = "T"\n{bad}')
    env = {**os.environ, "XDG_CONFIG_HOME": str(home), "TRIAGE_TUI_STATE_DIR": str(tmp_path / "state"), "T": server.tokens["ana"]}
    errors = set()
    for command in COMMANDS:
        where = [*command, "--config", str(path)] if command[:1] != ["--demo"] else ["--config", str(path), *command]
        done = subprocess.run([sys.executable, "-m", "triage_tui", *where], env=env,
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert (done.returncode, done.stdout) == (2, ""), (command, done.stdout, done.stderr)
        assert done.stderr.startswith(f"triage-tui: {path}: {BAD_FOR_EVERY_COMMAND[bad]}"), (command, done.stderr)
        assert "Traceback" not in done.stderr
        errors.add(done.stderr)
    assert len(errors) == 1  # word for word the same, whichever command read it
    assert not (tmp_path / "state" / "outbox.db").exists()


def test_the_config_check_needs_no_textual(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD + '[ui]\ntheme = "nord"\n[keys]\n"decide.approve" = "y"\n"sync.drop" = "x"\n')
    code = f"import sys; from triage_tui.config import load; load(__import__('pathlib').Path({str(path)!r})); print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_config_check_calls_every_profile_and_reads_the_themes(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    home = tmp_path / "xdg"
    (home / "triage-tui" / "themes").mkdir(parents=True)
    config = home / "triage-tui" / "config.toml"
    config.write_text(f'[profiles.good]\nurl = "{server.url}"\ntoken_env = "GOOD"\n'
                      f'[profiles.bad]\nurl = "{server.url}"\ntoken_env = "BAD"\n[ui]\ntheme = "triage-light"\n')
    env = {**os.environ, "XDG_CONFIG_HOME": str(home), "GOOD": server.tokens["ana"], "BAD": "wrong-token-wrong-token"}

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "triage_tui", "config", "check"], env=env, capture_output=True, text=True, timeout=60)

    done = check()
    assert done.returncode == 3, done.stderr  # the bad token
    assert f"good: ok — {server.url} as mod-ana (moderator)" in done.stdout
    assert f"bad: {server.url}: token rejected" in done.stdout
    assert "theme: triage-light (of 4 theme files found)" in done.stdout
    assert "wrong-token" not in done.stdout + done.stderr and server.tokens["ana"] not in done.stdout + done.stderr
    (home / "triage-tui" / "themes" / "mine.toml").write_text('name = "mine"\nprimary = "teal"\n')
    done = check()
    assert done.returncode == 3  # the worst of the problems: auth (3) over a theme file (2)
    assert f"theme: {home / 'triage-tui' / 'themes' / 'mine.toml'}: primary: expected a hex colour" in done.stdout


def test_ozone_profiles(tmp_path: Path) -> None:
    from triage_tui.config import parse

    cfg = parse({"profiles": {
        "admin": {"url": "https://ozone.example.com/", "backend": "ozone", "auth": "admin", "token_env": "OZONE_ADMIN"},
        "me": {"url": "https://ozone.example.com", "backend": "ozone", "auth": "moderator", "handle": "mod.example.com",
               "pds": "https://pds.example.com", "ozone_did": "did:plc:ar7c4by46qjdydhdevvrndac", "token_command": ["pass", "bsky"]},
    }}, tmp_path / "config.toml")
    admin, me = cfg.profiles["admin"], cfg.profiles["me"]
    assert (admin.backend, admin.auth, admin.url, admin.handle) == ("ozone", "admin", "https://ozone.example.com", None)
    assert (me.auth, me.handle, me.pds, me.ozone_did) == ("moderator", "mod.example.com", "https://pds.example.com", "did:plc:ar7c4by46qjdydhdevvrndac")
