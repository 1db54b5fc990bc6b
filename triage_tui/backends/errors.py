"""Every way a backend call can fail, as one exception hierarchy.

The outbox sender (`sync.py`) and the UI decide what to do from the *class* and its
`retryable` flag alone — retry with backoff, pause and ask for a token, show a
conflict — so no caller ever inspects an HTTP status or an httpx exception. Nothing
here imports httpx: the sender and the CLI can catch these without loading it.

Server text is untrusted (a hostile or compromised backend can put terminal escapes
in an error `detail`), so every piece of it goes through `sanitize.clean` before it
reaches a message, and through the backend's `redact` so a server that echoes our
token back cannot get it into a log line or onto the screen.
"""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import ClassVar, Literal

from triage_tui.model import ID_RE, PayloadError
from triage_tui.sanitize import clean
from triage_tui.words import moment

Redact = Callable[[str], str]
"""Removes secrets (our token) from a string; the identity when there are none."""

MAX_RETRY_AFTER = 3600.0
DETAIL_LIMIT = 500
_CODE_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_SECONDS_RE = re.compile(r"\d{1,12}(\.\d{1,6})?")


def _same(text: str) -> str:
    return text


class BackendError(Exception):
    """A backend call failed. `str(exc)` is a message fit for the status line."""

    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Unauthorized(BackendError):
    """401: the token is missing, wrong or revoked. Retrying cannot help; a human must act."""


class Forbidden(BackendError):
    """403: the moderator's roles do not allow this."""


class NotFound(BackendError):
    """404: no such item (or route)."""


class BadItemId(NotFound, ValueError):
    """An id this backend cannot name (outside its grammar): no request is made, and to
    the caller it is simply no such item. Also a ValueError, as the caller's own mistake."""


class ClaimConflict(BackendError):
    """409: someone else holds the claim (`code="claimed"`) or the item is closed (`"not_claimable"`)."""

    def __init__(self, message: str, *, code: Literal["claimed", "not_claimable"], holder: str | None, expires_at: datetime | None, status: int | None = 409) -> None:
        super().__init__(message, status=status)
        self.code = code
        self.holder = holder
        self.expires_at = expires_at


class InvalidRequest(BackendError):
    """400/413/422 (and other 4xx): the backend refused what we sent; `detail` says why."""

    def __init__(self, message: str, *, detail: str | None, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.detail = detail


class Unsupported(InvalidRequest):
    """The backend cannot do this at all: its `capabilities.<capability>` is False. Raised
    before any request is made, so a caller that checks the flag never sees it, and one
    that forgot gets a typed error naming the flag rather than a silently partial answer."""

    def __init__(self, message: str, *, capability: str) -> None:
        super().__init__(message, detail=None)
        self.capability = capability


class RateLimited(BackendError):
    """429: slow down; `retry_after` is the backend's hint in seconds (None: use backoff)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Unavailable(BackendError):
    """5xx, or an answer we will not act on (a redirect): try again later."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Unreachable(BackendError):
    """No usable HTTP answer at all: connect error, timeout, broken connection or protocol."""

    retryable = True


class Unsendable(BackendError):
    """The request could not be made here: its body or a header cannot be encoded, so no
    byte of it left this machine. Sending it again fails the same way, so the sender
    parks the decision that spoils it instead of retrying — unlike a failure after the
    request went out, whose outcome is unknown and which must be resent."""


class BadPayload(BackendError):
    """The backend answered 2xx but its JSON does not match the model; `path` names the
    offending field. Not retryable for a read (the same answer would come back), but the
    sender does resend a decision batch after one: the backend may have applied it, and
    the same keys make a resend safe."""

    def __init__(self, message: str, *, error: PayloadError, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.error = error
        self.path = error.path


# ---------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP-date, clamped to
    0..3600 so a hostile value cannot park the sender for a year; garbage → None."""
    if value is None:
        return None
    text = value.strip()
    if _SECONDS_RE.fullmatch(text):
        seconds = float(text)
    else:
        if len(text) > 64:
            return None
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:  # pragma: no cover - older Pythons returned None
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def safe_text(text: object, redact: Redact = _same, *, limit: int = DETAIL_LIMIT) -> str | None:
    """Untrusted server text made printable, capped and stripped of our secrets."""
    if not isinstance(text, str) or not text:
        return None
    return redact(clean(redact(text), limit=limit).text)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else None


def check_token_hint(token_from: str | None) -> str:
    """"; check the token from $TRIAGE_TUI_TOKEN": the remedy for a rejected token, naming
    where this token came from (the client was told: a profile's source, or --url's
    variable), or no source at all when nobody said — never a guess."""
    return f"; check the token from {token_from}" if token_from else "; check the token"


def error_for_response(status: int, body: object, headers: Mapping[str, str], *, where: str, redact: Redact = _same,
                       token_from: str | None = None) -> BackendError:
    """The exception for a non-2xx answer. `where` is our own "METHOD /path" (never
    server text); `body` is the decoded JSON or None; `headers` is case-insensitive;
    `token_from` names where the token came from, for the 401 message."""
    fields: Mapping[str, object] = body if isinstance(body, dict) else {}
    raw_code = fields.get("error")
    code = raw_code if isinstance(raw_code, str) and _CODE_RE.fullmatch(raw_code) else None
    detail = safe_text(fields.get("detail"), redact)
    said = f"{status}{' ' + code if code else ''}" + (f": {detail}" if detail else "")

    if 300 <= status < 400:
        location = safe_text(headers.get("location"), redact, limit=200)
        return Unavailable(
            f"{where}: the backend redirected ({status}) to {location or 'another address'}; "
            "redirects are not followed so the token cannot go elsewhere — check the backend URL",
            status=status,
        )
    if status == 401:
        return Unauthorized(f"{where}: the backend did not accept the token ({said}){check_token_hint(token_from)}", status=status)
    if status == 403:
        return Forbidden(f"{where}: not allowed for your roles ({said})", status=status)
    if status == 404:
        return NotFound(f"{where}: not found ({said})", status=status)
    if status == 409:
        raw_holder = fields.get("holder")
        holder = raw_holder if isinstance(raw_holder, str) and ID_RE.fullmatch(raw_holder) else None
        holder = safe_text(holder, redact, limit=512) if holder else None
        expires_at = _time(fields.get("expires_at"))
        kind: Literal["claimed", "not_claimable"]
        if code in ("claimed", "not_claimable"):
            kind = code  # type: ignore[assignment]
        else:
            kind = "claimed" if holder else "not_claimable"
        if kind == "claimed":
            until = f" until {moment(expires_at)}" if expires_at else ""
            text = f"{where}: claimed by {holder or 'someone else'}{until} ({said})"
        else:
            text = f"{where}: the item can no longer be claimed ({said})"
        return ClaimConflict(text, code=kind, holder=holder, expires_at=expires_at, status=status)
    if status == 429:
        return RateLimited(f"{where}: rate limited ({said})", retry_after=parse_retry_after(headers.get("retry-after")), status=status)
    if status >= 500 or status == 408 or status < 200:
        return Unavailable(f"{where}: the backend is unavailable ({said})", retry_after=parse_retry_after(headers.get("retry-after")), status=status)
    return InvalidRequest(f"{where}: the backend refused the request ({said})", detail=detail, status=status)


def bad_payload(error: PayloadError, *, where: str, redact: Redact = _same, status: int | None = None) -> BadPayload:
    """Wrap a model PayloadError; its text quotes server values, so it is redacted too."""
    safe = PayloadError(redact(error.path), redact(error.problem))
    return BadPayload(f"{where}: the backend's answer does not match protocol v1: {safe}", error=safe, status=status)
