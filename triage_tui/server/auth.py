"""Who is asking: bearer tokens mapped to moderators with roles.

Tokens are kept only as SHA-256 digests, so a token table can be printed, logged or
shown in a traceback without giving a token away, and lookups do not compare secrets
character by character.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from triage_tui.model import Role
from triage_tui.paths import PrivateFileError, read_private
from triage_tui.words import plural

_ID_RE = re.compile(r"[A-Za-z0-9_.@-]{1,128}")
MIN_TOKEN = 16


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    name: str
    roles: frozenset[Role]

    @property
    def sees_everything(self) -> bool:
        return bool(self.roles & {Role.SENIOR, Role.ADMIN})

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "roles": sorted(r.value for r in self.roles)}


class TokenError(ValueError):
    """A tokens file, --token flag or environment entry that cannot be used; the message says where and why."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenTable:
    """Token digest → moderator."""

    def __init__(self, entries: Iterable[tuple[str, Principal]] = ()) -> None:
        self._by_digest: dict[str, Principal] = {}
        for token, who in entries:
            self.add(token, who)

    def add(self, token: str, who: Principal, *, where: str = "token") -> None:
        if len(token) < MIN_TOKEN:
            raise TokenError(f"{where}: a token needs at least {plural(MIN_TOKEN, 'character')} (try: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
        key = digest(token)
        if key in self._by_digest:
            raise TokenError(f"{where}: the same token is given twice")
        self._by_digest[key] = who

    def lookup(self, token: str) -> Principal | None:
        return self._by_digest.get(digest(token))

    def __len__(self) -> int:
        return len(self._by_digest)

    def __repr__(self) -> str:
        return f"TokenTable({plural(len(self), 'moderator')})"


def _roles(value: object, where: str) -> frozenset[Role]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v]
    if not isinstance(value, list) or not value:
        raise TokenError(f"{where}: roles must be a non-empty list of {', '.join(r.value for r in Role)}")
    roles = set()
    for r in value:
        try:
            roles.add(Role(r))
        except ValueError:
            raise TokenError(f"{where}: unknown role {r!r}; allowed: {', '.join(x.value for x in Role)}") from None
    return frozenset(roles)


def _principal(mid: object, name: object, roles: object, where: str) -> Principal:
    if not isinstance(mid, str) or not _ID_RE.fullmatch(mid):
        raise TokenError(f"{where}: id must be 1-128 letters, digits or _.@- (got {mid!r})")
    if name is None:
        name = mid
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        raise TokenError(f"{where}: name must be a string of 1-200 characters")
    return Principal(mid, name, _roles(roles, where))


def parse_token_flag(flag: str, table: TokenTable, *, source: str = "--token") -> None:
    """`TOKEN:ID:ROLES`, roles comma-separated. The error never repeats the token.

    `source` says where the entry came from (`--token`, or the environment variable).
    """
    token, sep1, rest = flag.partition(":")
    mid, sep2, roles = rest.partition(":")
    if not (sep1 and sep2 and token):
        raise TokenError(f"{source}: expected TOKEN:ID:ROLES, e.g. \"$TOKEN:ana:moderator,legal\"")
    where = f"{source} for {mid!r}"
    table.add(token, _principal(mid, None, roles, where), where=where)


def parse_token_env(value: str, name: str, table: TokenTable) -> None:
    """The environment variable's `TOKEN:ID:ROLES` entries, separated by spaces or newlines.

    The same grammar as `--token`, so moving a token out of argv is moving the text, but
    an environment is readable only by its own user (and root), where argv is in `ps`.
    """
    entries = value.split()
    if not entries:
        raise TokenError(f"${name} is set but holds no TOKEN:ID:ROLES entries")
    for n, entry in enumerate(entries, 1):
        parse_token_flag(entry, table, source=f"${name} entry {n}")


def load_tokens(path: Path, table: TokenTable) -> None:
    """A TOML file of `[[moderator]]` tables with id, name, roles and token, readable only by us."""
    try:
        data = tomllib.loads(read_private(path))
    except PrivateFileError as exc:
        raise TokenError(f"--tokens: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TokenError(f"{path}: not valid TOML: {exc}") from None
    mods = data.get("moderator")
    if not isinstance(mods, list) or not mods:
        raise TokenError(f"{path}: expected one or more [[moderator]] tables with id, name, roles, token")
    for i, m in enumerate(mods):
        where = f"{path}: moderator[{i}]"
        unknown = set(m) - {"id", "name", "roles", "token"}
        if unknown:
            raise TokenError(f"{where}: unknown key {sorted(unknown)[0]!r}; allowed: id, name, roles, token")
        token = m.get("token")
        if not isinstance(token, str):
            raise TokenError(f"{where}.token: missing or not a string")
        table.add(token, _principal(m.get("id"), m.get("name"), m.get("roles"), where), where=f"{where}.token")


DEMO_MODERATORS: Mapping[str, tuple[str, tuple[Role, ...]]] = {
    "ana": ("Ana Moreau", (Role.MODERATOR,)),
    "ben": ("Ben Okafor", (Role.MODERATOR,)),
    "lea": ("Lea Schmidt", (Role.LEGAL,)),
    "cas": ("Cas Lindqvist", (Role.CHILD_SAFETY,)),
    "sam": ("Sam Haddad", (Role.SENIOR,)),
    "root": ("Platform admin", (Role.ADMIN,)),
}


def demo_moderators() -> tuple[TokenTable, dict[str, str]]:
    """Fresh random tokens for the demo cast (ids `mod-<name>`); returns the table and name → token."""
    table = TokenTable()
    tokens: dict[str, str] = {}
    for name, (display, roles) in DEMO_MODERATORS.items():
        tokens[name] = secrets.token_urlsafe(24)
        table.add(tokens[name], Principal(f"mod-{name}", display, frozenset(roles)))
    return table, tokens
