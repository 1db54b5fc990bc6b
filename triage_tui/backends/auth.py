"""The bearer token: sent only to the backend's own origin, never shown, never logged.

A moderator's token can remove content on a platform with millions of users, and our
logs, tracebacks and bug reports travel further than the token should. So:

- `Secret` holds it; its repr is a mask, so a stray `repr(obj)` or a debugger's local
  view shows `Secret('***')`.
- `BearerAuth` adds `Authorization` only to requests for the backend's origin (scheme,
  host, port) and strips it from any other — defence in depth under the client's
  `follow_redirects=False`.
- `protect_logs` installs a filter on the httpx/httpcore (and HTTP/2 hpack) loggers
  that masks every registered token in a record before any handler sees it. httpcore
  logs response headers at DEBUG, and a hostile server can echo our token into them.

Redaction masks a secret's value and nothing else: the text around it — the `'),` of
a header dump, the words "bearer token" in an error message — stays as it was, so a
redacted line still reads (and parses) as the line it was. It masks exactly what the
process holds (every registered token, as it would appear in a bytes repr too) and,
in header dumps only, the value of an `Authorization` header and any header value of
the form `Bearer <credential>` or `Basic <credential>`, whoever's credential it is.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Generator

import httpx

from triage_tui.words import plural

MAX_TOKEN = 8192
_TOKEN_RE = re.compile(r"[!-~]+")  # printable ASCII, no spaces: safe in a header, RFC 6750-ish
# A quoted string as repr() writes it: an escape, or any character but the quote and the backslash
# (one way only to read each character, so a run of backslashes cannot make the match backtrack).
_QUOTED = r"""b?(?P<{0}q>['"])(?P<{0}>(?:\\.|(?!(?P={0}q))[^\\])*?)(?P={0}q)"""
# A header in a dump: httpcore's and hpack's (b'name', b'value') pairs, or a dict's 'name': 'value'.
_HEADER_RE = re.compile(_QUOTED.format("name") + r"(?P<sep>\s*[,:]\s*)" + _QUOTED.format("value"), re.S)
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
# RFC 7235: `auth-scheme 1*SP token68`, the credential after "Bearer " or "Basic ".
_CREDENTIAL_RE = re.compile(r"(?i)((?:bearer|basic) +)([A-Za-z0-9._~+/-]+=*)")
_SCHEME_RE = re.compile(r"(?i)(?:bearer|basic) +")
_DEFAULT_PORTS = {"http": 80, "https": 443}
MASK = "[redacted]"
_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
    "hpack.hpack",
    "hpack.table",
    "h2",
    "h2.connection",
)


class Secret:
    """A string that does not show itself: `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> object:
        raise TypeError("a Secret cannot be pickled")


def check_token(token: str | Secret) -> Secret:
    """A token usable in a header. The error never repeats the token (it may be almost right)."""
    value = token.reveal() if isinstance(token, Secret) else token
    if not isinstance(value, str):
        raise TypeError(f"the token must be a string, not {type(value).__name__}")
    if not value:
        raise ValueError("the token is empty")
    if len(value) > MAX_TOKEN:
        raise ValueError(f"the token is longer than {plural(MAX_TOKEN, 'character')}")
    if not _TOKEN_RE.fullmatch(value):
        raise ValueError("the token contains spaces, control or non-ASCII characters (is there a stray newline?)")
    return token if isinstance(token, Secret) else Secret(value)


Origin = tuple[str, str, int]


def origin_of(url: httpx.URL | str) -> Origin:
    """(scheme, host, port) with the default port filled in, as browsers compare origins."""
    u = httpx.URL(url)
    scheme = u.scheme.lower()
    return scheme, u.host.lower().rstrip("."), u.port or _DEFAULT_PORTS.get(scheme, 0)


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>` for requests to `origin`, and nothing for any other."""

    def __init__(self, token: str | Secret, *, origin: httpx.URL | str) -> None:
        self._token = check_token(token)
        self._origin = origin_of(origin)
        protect_logs(self._token)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if origin_of(request.url) == self._origin:
            request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        else:
            request.headers.pop("Authorization", None)
        yield request

    def redact(self, text: str) -> str:
        """`text` with this token (and any credential in a header dump) masked."""
        return _redact(text, (self._token.reveal(),))

    def __repr__(self) -> str:
        scheme, host, port = self._origin
        return f"BearerAuth(origin='{scheme}://{host}:{port}', token=***)"


# ---------------------------------------------------------------------------
# Log redaction.


def _variants(token: str) -> tuple[str, ...]:
    """The token as it can appear in a record: plain, and inside a bytes repr (httpcore)."""
    as_bytes = repr(token.encode())[2:-1]
    return (token,) if as_bytes == token else (token, as_bytes)


def _redact(text: str, secrets: tuple[str, ...] | frozenset[str]) -> str:
    """`text` with each secret, and each credential in a header dump, replaced by MASK.

    Longest secret first, so that a secret containing another is masked whole.
    """
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return _HEADER_RE.sub(_redact_header, text) if "'" in text or '"' in text else text


def _redact_header(match: re.Match[str]) -> str:
    """One quoted (name, value) pair with its value's credential masked, its quotes and the rest kept."""
    value = match.group("value")
    if match.group("name").lower() in _AUTH_HEADERS:
        scheme = _SCHEME_RE.match(value)
        prefix = scheme.group(0) if scheme else ""
        masked = prefix + MASK if value[len(prefix):] not in ("", MASK) else value
    else:
        bearer = _CREDENTIAL_RE.fullmatch(value)
        masked = bearer.group(1) + MASK if bearer else value
    start, end = match.span("value")
    return match.string[match.start() : start] + masked + match.string[end : match.end()]


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message (or traceback) contains a protected token."""

    def __init__(self) -> None:
        super().__init__("triage_tui.redact")
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()

    def add(self, token: Secret) -> None:
        with self._lock:
            self._secrets = self._secrets | set(_variants(token.reveal()))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return True
        cleaned = _redact(message, self._secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _redact(logging.Formatter().formatException(record.exc_info), self._secrets)
        return True

    def __repr__(self) -> str:
        return f"RedactingFilter({plural(len(self._secrets), 'secret')})"


_FILTER = RedactingFilter()


def protect_logs(token: Secret) -> None:
    """Register `token` for redaction and make sure the HTTP libraries' loggers use the filter.

    A logger's filters see only records logged on that very logger, not its children's,
    so each library logger is named. Tokens stay registered for the process's life:
    forgetting one could unmask a late log line, and they are in memory anyway.
    """
    _FILTER.add(token)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
