"""The demo generator's precomputed pools: text tables, syllables, followers, lead-source
thresholds, campaign variants and report templates, built once from `demo_tables`.

The generator's hot path (`demo._Generator`) only indexes these tuples and copies
dicts: on a 2-core machine a million items must take seconds, not minutes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from triage_tui.server.demo_tables import (
    CAMPAIGNS, CAMPAIGN_ACCOUNTS, CAMPAIGN_VARIANTS, CHANNELS, COUNTRY_WEIGHTS, DAY, DOMAINS, HOUR, Json,
    LANGUAGE_WEIGHTS, MASS_REPORT_SHARE, MEDIA_SHARE, POSTS, REASON_WEIGHTS, SOURCES, SOURCE_SHARES, SOURCE_TAGS,
    _Clock,
)


# ---------------------------------------------------------------------------
# Precomputed pools. The generator's hot path only indexes tuples and copies dicts:
# on a 2-core machine a million items must take seconds, not minutes.


@dataclass(frozen=True, slots=True)
class _Entry:
    """One text template. An item's text is one of `heads` (the text before the slot,
    ending in "@" or in "https://<domain>/"), a random nick or link slug, then `tail`."""

    lang: str
    reason: str
    tag: str
    title: str | None
    heads: tuple[str, ...]
    link: bool
    tail: str
    media_share: float


_SLOT = re.compile(r"\{(link|at)\}")
MEDIA_HEAVY = frozenset({"csam", "graphic_violence", "ip_infringement"})


def _entry(lang: str, reason: str, tag: str, title: str | None, text: str) -> _Entry:
    parts = _SLOT.split(text)
    if len(parts) != 3:
        raise ValueError(f"demo text needs exactly one {{link}} or {{at}}: {text!r}")
    head, slot, tail = parts
    heads = tuple(f"{head}https://{domain}/" for domain in DOMAINS[reason]) if slot == "link" else (head + "@",)
    return _Entry(lang, reason, tag, title, heads, slot == "link", tail, 0.9 if reason in MEDIA_HEAVY else MEDIA_SHARE)


Table = tuple[tuple[_Entry, ...], tuple[float, ...]]
"""Entries and their cumulative weights, ending at 1.0: `bisect(cum, random())` draws one."""


def _table(entries: Sequence[_Entry], source: str) -> Table:
    """Weight entries so reasons follow the source's mix and languages LANGUAGE_WEIGHTS.

    Within a reason, a language's weight is shared by its texts; a reason with no text
    of the right kind and tag drops out and the others scale up.
    """
    usable = [e for e in entries if e.tag in SOURCE_TAGS[source] and REASON_WEIGHTS[source].get(e.reason)]
    weights = []
    for e in usable:
        same_reason = [x for x in usable if x.reason == e.reason]
        lang_total = sum(LANGUAGE_WEIGHTS[lang] for lang in {x.lang for x in same_reason})
        same_lang = sum(1 for x in same_reason if x.lang == e.lang)
        weights.append(REASON_WEIGHTS[source][e.reason] * LANGUAGE_WEIGHTS[e.lang] / lang_total / same_lang)
    cum, total = [], sum(weights)
    for w in weights:
        cum.append((cum[-1] if cum else 0.0) + w / total)
    cum[-1] = 1.0
    return tuple(usable), tuple(cum)


@cache
def _tables() -> dict[tuple[str, str], Table]:
    posts = [_entry(lang, reason, tag, None, text) for lang, reason, tag, text in POSTS]
    channels = [_entry(lang, reason, tag, title, text) for lang, reason, tag, title, text in CHANNELS]
    return {(kind, source): _table(entries, source) for kind, entries in (("post", posts), ("channel", channels)) for source in SOURCES}


@cache
def _syllables() -> tuple[str, ...]:
    """256 pronounceable syllables: mentions and handles look like nicknames, and two
    random ones rarely share letters, which keeps unrelated texts out of campaigns."""
    onsets = "b d f g k l m n p r s t v z ch sh".split()
    return tuple(o + v + c for o in onsets for v in "aeio" for c in ("", "n", "r", "x"))


@cache
def _slug_pairs() -> tuple[str, ...]:
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    pick = random.Random("demo-slugs").choice
    return tuple(pick(alphabet) + pick(alphabet) for _ in range(1024))


def _follower_table() -> tuple[int, ...]:
    """Follow-up user reports per item, as 1024 slots: most items have none or a few."""
    spec = ((0, 680), (1, 180), (2, 70), (3, 37), (4, 20), (5, 13), (7, 11), (10, 8), (14, 5))
    table = tuple(count for count, slots in spec for _ in range(slots))
    assert len(table) == 1024
    return table


FOLLOWERS = _follower_table()
MASS_REPORTS = (20, 200)
MEAN_FOLLOWERS = sum(FOLLOWERS) / len(FOLLOWERS) + MASS_REPORT_SHARE * sum(MASS_REPORTS) / 2


def _lead_thresholds() -> tuple[float, float, float]:
    """Cumulative P(first report is automated, trusted flagger, authority order), chosen
    so that with the follow-up user reports each source's share of all reports is
    SOURCE_SHARES: a source with share s over R reports per item leads s*R items."""
    total = sum(SOURCE_SHARES.values())
    per_item = 1 + MEAN_FOLLOWERS
    automated, flagger, order = (SOURCE_SHARES[s] / total * per_item for s in SOURCES[1:])
    return automated, automated + flagger, automated + flagger + order


LEAD_AUTOMATED, LEAD_FLAGGER, LEAD_ORDER = _lead_thresholds()


def _cumulative(weights: dict[str, float]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    keys, cum, total = tuple(weights), [], sum(weights.values())
    for w in weights.values():
        cum.append((cum[-1] if cum else 0.0) + w / total)
    cum[-1] = 1.0
    return keys, tuple(cum)


COUNTRY_KEYS, COUNTRY_CUM = _cumulative(COUNTRY_WEIGHTS)


@cache
def _campaign_variants() -> tuple[tuple[str, ...], ...]:
    """For each campaign, CAMPAIGN_VARIANTS texts with `{h}` left for the handle."""
    return tuple(_variants(family, template, punct.split("|")) for family, _, _, template, punct in CAMPAIGNS)


def _variants(family: str, template: str, punct: list[str]) -> tuple[str, ...]:
    rng = random.Random(f"campaign:{family}")
    out = []
    for _ in range(CAMPAIGN_VARIANTS):
        a = rng.choice((100, 200, 250, 300, 500, 800, 1000, 1500))
        text = template.replace("{h}", "\0").format(a=a, b=f"{a * 10:,}", d=rng.randint(2, 12), x=rng.choice(punct))
        if template.isascii():
            text = rng.choice((str, str, str.upper, str.lower))(text)
        if rng.random() < 0.3:
            at = rng.choice([i for i, ch in enumerate(text) if ch == " "])
            text = text[:at] + "  " + text[at + 1:]
        out.append(text.replace("\0", "{h}"))
    return tuple(out)


# ---------------------------------------------------------------------------
# Reports and items.


def _report(rid: str, source: str, reason: str, created: str, *, comment: str | None = None,
           reporter: str | None = None, organisation: str | None = None, country: str | None = None,
           authority: str | None = None, legal_basis: str | None = None, reference: str | None = None,
           deadline: str | None = None, model: str | None = None, score: float | None = None) -> Json:
    """A Report in the protocol shape: every field present, the other sources' null."""
    return {
        "id": rid, "source": source, "reason": reason, "created_at": created, "comment": comment,
        "reporter": reporter, "organisation": organisation, "country": country, "authority": authority,
        "legal_basis": legal_basis, "reference": reference, "deadline": deadline, "model": model, "score": score,
    }


_BLANK = _report("", "", "", "")


def _blank(source: str, reason: str, rid: str, created: str) -> Json:
    """A report of `source` with its own fields still null. Copying a template costs half
    of building a 14-key dict, and a million items make over two million reports."""
    r = _BLANK.copy()
    r["id"], r["source"], r["reason"], r["created_at"] = rid, source, reason, created
    return r


def _item_id(i: int) -> str:
    return f"it-{i:07d}"


def _campaign_accounts(c: int, clock: _Clock) -> list[Json]:
    """Twenty related accounts, created within one hour a few days ago: a signal."""
    family = CAMPAIGNS[c][0]
    born = clock.now - (3 + c) * DAY - 7 * HOUR
    return [
        {"id": f"acct-c{c}-{k:02d}", "handle": f"{family}_{k:02d}",
         "display_name": f"{family.replace('_', ' ').title()} {k:02d}",
         "created_at": clock.iso(born + 97 * k)}
        for k in range(1, CAMPAIGN_ACCOUNTS + 1)
    ]


# 4,096 active reporters (their ids fit the CPU cache; a bigger table costs more in
# cache misses than the ids save). The k-th user reporting an item is number
# (base + k * stride) % 4096: distinct within an item, since the stride is odd.
REPORTERS = tuple(f"acct-{k * 977 + 1000}" for k in range(4096))
REPORTER_STRIDE = 1031
_USER_BLANK = _report("", "user_report", "", "")
SUFFIXES = tuple(str(k) for k in range(MASS_REPORTS[1] + 2))  # report numbers within an item


MIN_AUTHORS = 8  # before the pool has this many, every item brings a new author
RECENT_AUTHORS = 2048
RECENT_AUTHOR_SHARE = 0.6  # accounts post in bursts: reuse favours recently seen ones
