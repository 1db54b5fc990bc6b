"""What a country is: the one place that says which codes name one.

A removal scoped to countries withholds the item there only, so a code that names no
country (`XX`, `EU`, `UK`) records a removal that withholds nothing anywhere real. Every
country code the app reads or sends — a decision's scope, an authority order's country,
a policy rule's countries, a `country:` filter — is checked here, on the client and on
the reference server alike: an assigned ISO 3166-1 alpha-2 code, upper case.

The list of assigned codes comes from pycountry (the well-kept ISO 3166 data, updated
with each ISO change), never from a table of our own. It is imported on first use, not
at import time, so `--version` and batch commands that meet no country do not pay for it.

What is ours is small: the codes ISO reserves for usages that are not countries (`UK`
and `EL`, which the EU itself uses for the United Kingdom and Greece; `EU`), each with
the code that was meant; and the named scopes `eu` and `eea`, which a moderator types to
withhold across the EU or the EEA and which expand, where typed, into their member
states. A decision records the countries themselves, never the name of a group: the
record stays true when the group changes.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from triage_tui.sanitize import clean

# The EU's 27 member states (since 1 February 2020), and the EEA: the EU with Iceland,
# Liechtenstein and Norway, whose codes the EU Transparency Database takes as a
# statement's territorial scope. Membership is law, not ISO data: it lives here, and
# every code in it is checked against pycountry's list (tests/test_model.py).
EU = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
      "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
EEA = tuple(sorted(EU + ("IS", "LI", "NO")))
NAMED_SCOPES: dict[str, tuple[str, ...]] = {"eu": EU, "eea": EEA}
"""Scopes typed by name (any case) and expanded into their countries where they are typed."""

# ISO 3166-1 codes reserved for something that is not an assigned country, with the
# country meant. UK and EL are the EU's own abbreviations for the United Kingdom and Greece.
_MEANT = {"UK": "GB", "EL": "GR", "FX": "FR", "CP": "FR", "EA": "ES", "IC": "ES", "AC": "SH", "TA": "SH", "DG": "IO",
          "BU": "MM", "TP": "TL", "ZR": "CD"}
_GROUPS = {"EU": "eu", "EZ": "eu", "EEA": "eea"}
_SHOWN = 40  # characters of a bad value that a message repeats
_LONGEST = 80  # characters of a country's longest name: beyond that, nothing to suggest


@functools.cache
def _pycountry() -> Any:
    import pycountry  # here, on first use: importing it costs ~25 ms

    return pycountry


@functools.cache
def assigned() -> frozenset[str]:
    """Every assigned ISO 3166-1 alpha-2 code, from pycountry."""
    return frozenset(c.alpha_2 for c in _pycountry().countries)


def is_country(code: str) -> bool:
    return code in assigned()


def _named(code: str) -> str:
    country = _pycountry().countries.get(alpha_2=code)
    return f"{code} ({getattr(country, 'common_name', None) or country.name})"


def problem(value: str) -> str | None:
    """None when `value` is an assigned code; otherwise why not, naming the value and,
    where one can tell, the code that was meant."""
    if value in assigned():
        return None
    shown = repr(clean(value[:_SHOWN]).text) + ("…" if len(value) > _SHOWN else "")
    if len(value) > _LONGEST:
        return f"{shown} is not a country code (assigned codes are like DE, FR, GB)"
    if value.upper() in _MEANT:
        return f"{shown} is not an ISO 3166-1 country code: did you mean {_named(_MEANT[value.upper()])}?"
    if value.upper() in _GROUPS:
        name = _GROUPS[value.upper()]
        return (f"{shown} is not a country: a scope lists countries. For every member state, type the named scope "
                f"{name} (it expands into their codes)")
    if value.upper() in assigned():
        return f"{shown}: country codes are upper case: {value.upper()}"
    if meant := _guess(value):
        return f"{shown} is not an ISO 3166-1 alpha-2 code: did you mean {_named(meant)}?"
    if len(value) == 2 and (gone := [h.name for h in _pycountry().historic_countries if h.alpha_2 == value.upper()]):
        return f"{shown} is no longer a country code (it was {' / '.join(gone)}): name the country it is now"
    return f"{shown} is not an ISO 3166-1 alpha-2 country code (assigned codes are like DE, FR, GB)"


def _guess(value: str) -> str | None:
    """The code of the country `value` names (an alpha-3 code, a name), or of the one
    whose name it is closest to."""
    if len(value) <= 2:
        return None
    countries = _pycountry().countries
    try:
        return str(countries.lookup(value).alpha_2)
    except LookupError:
        pass
    names = {n.lower(): c.alpha_2 for c in countries for n in (c.name, getattr(c, "common_name", None)) if n}
    close = difflib.get_close_matches(value.lower(), names, n=1, cutoff=0.8)
    return names[close[0]] if close else None
