"""The gate through which backend JSON becomes the model: one reader per kind of field.

Every backend (our triage protocol, Ozone, …) hands us JSON we did not write. Each
reader checks one value's type, size and range and raises one `PayloadError` naming the
field (`items[3].reports[0].deadline: expected an ISO 8601 time`), so a bad payload is a
clear, typed error at the edge — never an AttributeError three layers later. Untrusted
text is sanitized here, once (`_untrusted`, `_text`; see `sanitize.py`), so nothing
downstream has to ask; text that is not Unicode at all is refused here too
(`check_text`, `check_json_text`).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from triage_tui import countries
from triage_tui.model.enums import Source
from triage_tui.sanitize import Clean, Flag, Sanitized, clean
from triage_tui.words import plural


class PayloadError(ValueError):
    """A backend (or file) payload that does not match the model; names the field."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# Limits. Generous for real data, tight enough that a hostile or broken backend
# cannot make us hold gigabytes or do arithmetic on 1e308.
MAX_ID = 512
MAX_CODE = 128
MAX_REASONS = 50  # distinct report reasons in a queue line
MAX_NAME = 512
MAX_COMMENT = 10_000
MAX_TEXT = 1_000_000
MAX_LIST = 100_000
MAX_COUNT = 10**12
SNIPPET_CHARS = 300
TEXT_DISPLAY_CHARS = 200_000

# The one id grammar of the protocol (items, reports, moderators): 1-512 printable ASCII
# characters, no spaces. Ozone ids are at:// URIs with "/" and ":"; the reference server
# takes and serves every id it admits (the client percent-encodes ids in paths).
ID_RE = re.compile(r"[!-~]{1,%d}" % MAX_ID)
_CODE_RE = re.compile(r"[A-Za-z0-9_.:#/-]{1,%d}" % MAX_CODE)
_LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
_HEX_RE = re.compile(r"[0-9a-f]{16,128}")
_MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
Json = Mapping[str, Any]


# ---------------------------------------------------------------------------
# Field readers: each checks one value and names it on failure.


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def obj(value: object, path: str) -> Json:
    if not isinstance(value, dict):
        raise PayloadError(path, f"expected an object, got {_type_name(value)}")
    return value


def _get(o: Json, key: str, path: str, optional: bool) -> Any:
    value = o.get(key)
    if value is None and not optional:
        raise PayloadError(f"{path}.{key}", "missing" if key not in o else "must not be null")
    return value


def req_str(o: Json, key: str, path: str, *, max_len: int = MAX_NAME, pattern: re.Pattern[str] | None = None) -> str:
    value = _get(o, key, path, optional=False)
    return _check_str(value, f"{path}.{key}", max_len, pattern)


def opt_str(o: Json, key: str, path: str, *, max_len: int = MAX_NAME, pattern: re.Pattern[str] | None = None) -> str | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_str(value, f"{path}.{key}", max_len, pattern)


def _check_str(value: object, path: str, max_len: int, pattern: re.Pattern[str] | None) -> str:
    if not isinstance(value, str):
        raise PayloadError(path, f"expected a string, got {_type_name(value)}")
    if len(value) > max_len:
        raise PayloadError(path, f"longer than {plural(max_len, 'character')} ({len(value):,})")
    if pattern is not None and not pattern.fullmatch(value):
        raise PayloadError(path, f"not a valid value: {clean(value[:40]).text!r}")
    return value


def _untrusted(o: Json, key: str, path: str, flags: set[Flag], *, max_len: int, limit: int, name: bool = False, optional: bool = True) -> Sanitized | None:
    raw = opt_str(o, key, path, max_len=max_len) if optional else req_str(o, key, path, max_len=max_len)
    if raw is None:
        return None
    result = clean(raw, limit=limit, name=name)
    flags.update(result.flags)
    return result.text


def summary_snippet(raw: str) -> Clean:
    """A queue line's snippet as the client holds it (`ItemSummary.snippet`, `.flags`):
    the one rule, which the reference server applies too when it evaluates `flag:` and
    free text in a filter (server/query.py), so its answer is the client's."""
    return clean(raw, limit=SNIPPET_CHARS)


def _check_int(value: object, path: str, lo: int, hi: int) -> int:
    if isinstance(value, float) and value.is_integer():  # JSON has one number type: 5.0 is the integer 5
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(path, f"expected an integer, got {_type_name(value)}")
    if not lo <= value <= hi:
        raise PayloadError(path, f"out of range {lo}..{hi}: {value}")
    return value


def req_int(o: Json, key: str, path: str, *, lo: int = 0, hi: int = MAX_COUNT) -> int:
    return _check_int(_get(o, key, path, optional=False), f"{path}.{key}", lo, hi)


def opt_int(o: Json, key: str, path: str, *, lo: int = 0, hi: int = MAX_COUNT) -> int | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_int(value, f"{path}.{key}", lo, hi)


def opt_num(o: Json, key: str, path: str, *, lo: float, hi: float) -> float | None:
    value = _get(o, key, path, optional=True)
    if value is None:
        return None
    where = f"{path}.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(where, f"expected a number, got {_type_name(value)}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise PayloadError(where, f"out of range {lo}..{hi}: {value}")
    return float(value)


def _check_time(value: object, path: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise PayloadError(path, f"expected an ISO 8601 time, got {_type_name(value)}")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(path, f"expected an ISO 8601 time, got {clean(value).text!r}") from None
    if when.tzinfo is None:
        raise PayloadError(path, "time has no UTC offset")
    if not _MIN_TIME <= when <= _MAX_TIME:
        raise PayloadError(path, f"time out of range 1970..2200: {value}")
    return when.astimezone(UTC)


def req_time(o: Json, key: str, path: str) -> datetime:
    return _check_time(_get(o, key, path, optional=False), f"{path}.{key}")


def opt_time(o: Json, key: str, path: str) -> datetime | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_time(value, f"{path}.{key}")


def _check_enum(value: object, path: str, kind: type[E]) -> E:
    try:
        return kind(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(m.value) for m in kind)
        shown = clean(value[:40]).text if isinstance(value, str) else _type_name(value)
        raise PayloadError(path, f"expected one of {allowed}; got {shown!r}") from None


def req_enum(o: Json, key: str, path: str, kind: type[E]) -> E:
    return _check_enum(_get(o, key, path, optional=False), f"{path}.{key}", kind)


def opt_enum(o: Json, key: str, path: str, kind: type[E]) -> E | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_enum(value, f"{path}.{key}", kind)


def req_list(o: Json, key: str, path: str, *, max_items: int = MAX_LIST, optional: bool = False) -> list[Any]:
    value = _get(o, key, path, optional=optional)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{path}.{key}", f"expected a list, got {_type_name(value)}")
    if len(value) > max_items:
        raise PayloadError(f"{path}.{key}", f"more than {plural(max_items, 'entry')} ({len(value):,})")
    return value


def parse_list(o: Json, key: str, path: str, parse: Callable[[object, str], T], *, max_items: int = MAX_LIST, optional: bool = False) -> tuple[T, ...]:
    return tuple(parse(v, f"{path}.{key}[{i}]") for i, v in enumerate(req_list(o, key, path, max_items=max_items, optional=optional)))


def _check_country(value: object, path: str) -> str:
    """An assigned ISO 3166-1 alpha-2 code (see `countries`), or an error naming it and the code meant."""
    if not isinstance(value, str):
        raise PayloadError(path, f"expected a country code, got {_type_name(value)}")
    problem = countries.problem(value)
    if problem is not None:
        raise PayloadError(path, problem)
    return value


def opt_country(o: Json, key: str, path: str) -> str | None:
    value = _get(o, key, path, optional=True)
    return None if value is None else _check_country(value, f"{path}.{key}")


def _countries(o: Json, key: str, path: str) -> tuple[str, ...]:
    return tuple(_check_country(v, f"{path}.{key}[{i}]") for i, v in enumerate(req_list(o, key, path, max_items=300, optional=True)))


def _or_empty(o: Json, key: str) -> object:
    """An absent or null map reads as empty; any other non-object is still an error."""
    value = o.get(key)
    return {} if value is None else value


def iso(when: datetime) -> str:
    """Protocol time format: UTC with a Z."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


def _text(o: Json, key: str, path: str, flags: set[Flag], *, required: bool = False) -> Sanitized:
    value = _untrusted(o, key, path, flags, max_len=MAX_NAME, limit=MAX_NAME, optional=not required)
    return value if value is not None else Sanitized("")


def _sources(o: Json, path: str) -> tuple[Source, ...]:
    return tuple(_check_enum(v, f"{path}.sources[{i}]", Source) for i, v in enumerate(req_list(o, "sources", path, max_items=4)))


def check_text(value: str, path: str) -> str:
    """Refuse text that is not Unicode: a lone surrogate, which is how Python carries an
    undecodable byte of argv or a file (`$'\\xff'` arrives as U+DCFF), or a JSON `"\\ud800"`.
    No backend can be sent it (the request cannot be encoded) and no terminal can show
    it, so it is stopped where it enters, with the field named, before anything is written."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        what = f"a lone surrogate U+{code:04X}"
        if 0xDC80 <= code <= 0xDCFF:  # how surrogateescape carries an undecodable byte of argv or a file
            what += f" (the byte 0x{code - 0xDC00:02x}, which is not UTF-8)"
        raise PayloadError(path, f"not valid text: character {exc.start + 1} is {what}") from None
    return value


def check_json_text(value: object, path: str) -> None:
    """`check_text` over every string (and key) of a decoded JSON value: a body the server
    could neither store (SQLite text is UTF-8) nor echo is refused naming the field.

    A first walk only asks whether all is well, building no paths (it runs on every item
    of every ingest: a seed of millions); the walk that names the field runs only when
    something is wrong."""
    if _all_text(value):
        return
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:  # no recursion: the body's nesting is the sender's choice
        v, where = stack.pop()
        if isinstance(v, str):
            if not v.isascii():
                check_text(v, where)
        elif isinstance(v, dict):
            for k, x in reversed(v.items()):
                if not k.isascii():
                    check_text(k, f"{where}.{k!r}")  # repr: the key itself cannot be shown
                stack.append((x, f"{where}.{k}"))
        elif isinstance(v, list):
            stack.extend((x, f"{where}[{i}]") for i, x in reversed(list(enumerate(v))))


def _all_text(value: object) -> bool:
    """Whether every string and key of a decoded JSON value is Unicode (`check_json_text`)."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        v = pop()
        if isinstance(v, str):
            if not v.isascii() and not _encodes(v):
                return False
        elif isinstance(v, dict):
            for k in v:
                if not k.isascii() and not _encodes(k):
                    return False
            extend(v.values())
        elif isinstance(v, list):
            extend(v)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
