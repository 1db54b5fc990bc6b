"""What a value must be, said one way: "expected …, got …", or "missing; expected …".

`expected` is the phrasing of every config, theme and decisions-file message, so a key
left out says "missing", never "got None". `Range` is the one range check for every
number a moderator types or configures: the command-line options (`--limit`,
`--timeout`, `--port`, …) and the config keys (`[sync] batch`, …) say what is allowed
in the same words whatever was wrong: `--limit 0`, `--limit -3` and `--limit x` get one
message. No imports beyond the standard library: `triage-tui --version` loads this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def expected(what: str, value: object) -> str:
    """ "expected WHAT, got VALUE", or "missing; expected WHAT" when the key was not given
    (None: TOML has no null, so None is always a key left out)."""
    return f"missing; expected {what}" if value is None else f"expected {what}, got {value!r}"


@dataclass(frozen=True, slots=True)
class Range:
    """Allowed numbers: `lo` (inclusive, or exclusive when `above`) up to `hi` (inclusive);
    None is no bound. `integer` allows whole numbers only."""

    lo: float | None = None
    hi: float | None = None
    integer: bool = True
    above: bool = False
    unit: str = ""

    def describe(self) -> str:
        """What is allowed, as the end of "expected …": "a whole number from 1 to 500"."""
        kind = "a whole number" if self.integer else "a number"
        if self.unit:
            kind = f"{kind} of {self.unit}"
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            return f"{kind} above {lo:g}, up to {hi:g}" if self.above else f"{kind} from {lo:g} to {hi:g}"
        if lo is not None:
            return f"{kind} above {lo:g}" if self.above else f"{kind}, {lo:g} or more"
        if hi is not None:
            return f"{kind}, {hi:g} or less"
        return kind

    def problem(self, value: object) -> str | None:
        """None when `value` is allowed, else the message: "expected …, got …"."""
        kinds: tuple[type, ...] = (int,) if self.integer else (int, float)
        ok = not isinstance(value, bool) and isinstance(value, kinds)
        if ok and isinstance(value, float) and not math.isfinite(value):
            ok = False
        if ok:
            number = float(value)  # type: ignore[arg-type]
            if self.lo is not None and (number <= self.lo if self.above else number < self.lo):
                ok = False
            if self.hi is not None and number > self.hi:
                ok = False
        return None if ok else expected(self.describe(), value)

    def parse(self, text: str) -> int | float:
        """The number in `text` if it is allowed; else ValueError with the one message."""
        try:
            value: int | float = int(text) if self.integer else float(text)
        except ValueError:
            raise ValueError(f"expected {self.describe()}, got {text!r}") from None
        if self.problem(value) is not None:
            raise ValueError(f"expected {self.describe()}, got {text}")  # as typed: "got 0", not "got 0.0"
        return value
