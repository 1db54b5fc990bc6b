"""Demo data: deterministic, shaped like protocol.md's ItemInput, realistic in its mix,
and carrying every hostile pattern the UI must render safely."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage_tui.model import Item
from triage_tui.sanitize import clean, mixed_script
from triage_tui.server.demo import generate, seed_demo
from triage_tui.server.demo_tables import CAMPAIGNS, FLAGGER_COMMENT, LANGUAGE_WEIGHTS, MODELS, REASONS, SHOWCASE_SIZE, SOURCES

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC).timestamp()
HOUR, DAY = 3600, 86400
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
ITEM_KEYS = {"id", "kind", "text", "title", "language", "created_at", "media", "author", "member_count", "reports"}
AUTHOR_KEYS = {"id", "handle", "display_name", "created_at"}
REPORT_KEYS = {"id", "source", "reason", "created_at", "comment", "reporter", "organisation", "country",
               "authority", "legal_basis", "reference", "deadline", "model", "score"}
OWN_FIELDS = {
    "user_report": {"reporter"},
    "trusted_flagger": {"organisation"},
    "authority_order": {"country", "authority", "legal_basis", "reference", "deadline"},
    "automated": {"model", "score"},
}
COUNTRIES = {"DE", "FR", "AT", "IT", "ES", "NL", "PL", "IE", "BR", "IN", "TR", "RU"}
EU = {"DE", "FR", "AT", "IT", "ES", "NL", "PL", "IE"}
TCO = "Regulation (EU) 2021/784 Art. 3"

Json = dict[str, Any]


@pytest.fixture(scope="module")
def many() -> list[Json]:
    return list(generate(20_000, now=NOW))


@pytest.fixture(scope="module")
def few() -> list[Json]:
    return list(generate(50, now=NOW))


def by_id(items: Iterable[Json]) -> dict[str, Json]:
    return {it["id"]: it for it in items}


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def reports(items: Iterable[Json], source: str | None = None) -> Iterator[Json]:
    for it in items:
        for r in it["reports"]:
            if source is None or r["source"] == source:
                yield r


def untrusted(item: Json) -> Iterator[tuple[str, str]]:
    """(field, text) for every attacker-written string of an item."""
    yield "text", item["text"]
    if item["title"] is not None:
        yield "title", item["title"]
    yield "handle", item["author"]["handle"]
    if item["author"]["display_name"] is not None:
        yield "display_name", item["author"]["display_name"]
    for r in item["reports"]:
        if r["comment"] is not None:
            yield "comment", r["comment"]


def normalise_words(text: str) -> str:
    r"""The campaign key as the brief states it: lowercase, drop digits, punctuation, spaces."""
    return re.sub(r"[\W\d_]+", "", text.lower())


def normalise_categories(text: str) -> str:
    """A stricter reading: drop only Unicode punctuation (P*), numbers (N*) and separators."""
    return "".join(ch for ch in text.lower() if unicodedata.category(ch)[0] not in "PNZ" and not ch.isspace())


def is_campaign(item: Json) -> bool:
    return item["author"]["id"].startswith("acct-c")


# ---------------------------------------------------------------------------
# Shape: protocol.md's ItemInput and Report.


def check_item(item: Json, now: float) -> None:
    assert set(item) == ITEM_KEYS
    assert re.fullmatch(r"it-\d{7,}", item["id"])
    assert item["kind"] in ("post", "channel")
    assert isinstance(item["text"], str) and item["text"]
    assert len(item["text"]) <= 1_000_000
    if item["kind"] == "post":
        assert item["title"] is None and item["member_count"] is None
    else:
        assert isinstance(item["title"], str) and item["title"]
        assert isinstance(item["member_count"], int) and item["member_count"] > 0
    assert re.fullmatch(r"[a-z]{2,3}", item["language"])
    check_time(item["created_at"], now)
    for m in item["media"]:
        assert set(m) == {"type", "size", "sha256"}
        assert re.fullmatch(r"(image|video)/[a-z0-9]+", m["type"])
        assert isinstance(m["size"], int) and m["size"] > 0
        assert re.fullmatch(r"[0-9a-f]{64}", m["sha256"])
    author = item["author"]
    assert set(author) == AUTHOR_KEYS
    assert re.fullmatch(r"acct-[\w-]+", author["id"])
    assert isinstance(author["handle"], str) and 0 < len(author["handle"]) <= 512
    assert isinstance(author["display_name"], str) and len(author["display_name"]) <= 512
    check_time(author["created_at"], now)
    assert item["reports"]
    for r in item["reports"]:
        check_report(r, now)
    first_report = min(epoch(r["created_at"]) for r in item["reports"])
    assert epoch(item["created_at"]) <= first_report


def check_report(r: Json, now: float) -> None:
    assert set(r) == REPORT_KEYS
    assert re.fullmatch(r"rp-\d{7,}-\d+", r["id"])
    assert r["source"] in SOURCES and r["reason"] in REASONS
    created = check_time(r["created_at"], now)
    assert created >= now - 4 * DAY, "reports arrive over the last ~3 days"
    for key in set().union(*OWN_FIELDS.values()) - OWN_FIELDS[r["source"]]:
        assert r[key] is None, f"{r['source']} report has {key}"
    for key in OWN_FIELDS[r["source"]]:
        assert r[key] is not None, f"{r['source']} report lacks {key}"
    assert r["comment"] is None or (isinstance(r["comment"], str) and len(r["comment"]) <= 10_000)
    if r["source"] != "user_report":  # only users write comments an attacker controls
        assert r["comment"] in (None, FLAGGER_COMMENT)
    if r["source"] == "automated":
        assert 0.5 <= r["score"] <= 0.999 and r["model"] in MODELS[r["reason"]]
    if r["source"] == "user_report":
        assert re.fullmatch(r"acct-\d+", r["reporter"])
    if r["source"] == "authority_order":
        assert r["country"] in COUNTRIES
        allowed = HOUR if r["legal_basis"] == TCO else DAY
        assert epoch(r["deadline"]) - created == allowed
        if r["legal_basis"] == TCO:
            assert r["country"] in EU and r["reason"] == "violent_extremism"
            assert re.fullmatch(r"TCO-2026-\d{5}", r["reference"])


def check_time(value: object, now: float) -> float:
    assert isinstance(value, str) and ISO.fullmatch(value), value
    when = epoch(value)
    assert when <= now
    return when


def test_items_match_the_protocol_shape(many: list[Json]) -> None:
    for item in many:
        check_item(item, NOW)


def test_items_parse_with_the_client_model(many: list[Json]) -> None:
    # What the server stores is what the client reads back: the model's checks of
    # types, sizes, ids and times must accept every demo item.
    server_fields = {"state": "open", "version": 1, "priority": 50, "deadline": None, "escalated_to": None,
                     "campaign": None, "claim": None, "history": []}
    for item in many[:3000]:
        parsed = Item.from_json({**item, "author": {**item["author"], "strikes": 0, "prior_decisions": []}, **server_fields})
        assert parsed.id == item["id"] and len(parsed.reports) == len(item["reports"])


def test_ids_are_sequential_and_unique(many: list[Json]) -> None:
    assert [it["id"] for it in many] == [f"it-{i:07d}" for i in range(1, len(many) + 1)]
    ids = [r["id"] for r in reports(many)]
    assert len(ids) == len(set(ids))


def test_reporters_are_distinct_within_an_item(many: list[Json]) -> None:
    for item in many:
        who = [r["reporter"] for r in item["reports"] if r["reporter"]]
        assert len(who) == len(set(who)), item["id"]


def test_an_author_id_always_has_the_same_profile(many: list[Json]) -> None:
    profiles: dict[str, Json] = {}
    for item in many:
        assert profiles.setdefault(item["author"]["id"], item["author"]) == item["author"]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 90), seed=st.integers(0, 2**64))
def test_any_n_and_seed_give_well_formed_items(n: int, seed: int) -> None:
    items = list(generate(n, seed=seed, now=NOW))
    assert [it["id"] for it in items] == [f"it-{i:07d}" for i in range(1, n + 1)]
    for item in items:
        check_item(item, NOW)


# ---------------------------------------------------------------------------
# Determinism.


def test_same_arguments_give_the_same_items() -> None:
    assert list(generate(600, seed=7, now=NOW)) == list(generate(600, seed=7, now=NOW))


def test_another_seed_gives_other_items_but_the_same_showcase() -> None:
    one, two = list(generate(600, seed=1, now=NOW)), list(generate(600, seed=2, now=NOW))
    assert one[:SHOWCASE_SIZE] == two[:SHOWCASE_SIZE]
    assert one[SHOWCASE_SIZE:] != two[SHOWCASE_SIZE:]


def test_a_smaller_n_is_a_prefix_of_a_larger_one() -> None:
    assert list(generate(150, now=NOW)) == list(generate(700, now=NOW))[:150]


def test_only_times_move_with_now() -> None:
    def strip_times(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip_times(v) for k, v in value.items() if k not in ("created_at", "deadline")}
        if isinstance(value, list):
            return [strip_times(v) for v in value]
        return value

    before, after = list(generate(300, now=NOW)), list(generate(300, now=NOW + 5400))
    assert strip_times(before) == strip_times(after)
    for old, new in zip(reports(before), reports(after), strict=True):
        assert epoch(new["created_at"]) - epoch(old["created_at"]) == 5400


def test_small_and_invalid_n() -> None:
    assert list(generate(0, now=NOW)) == []
    assert [it["id"] for it in generate(3, now=NOW)] == ["it-0000001", "it-0000002", "it-0000003"]
    with pytest.raises(ValueError):
        generate(-1, now=NOW)


# ---------------------------------------------------------------------------
# Realism: proportions over the random part of 20,000 items.


def test_sources_have_realistic_shares(many: list[Json]) -> None:
    counts = Counter(r["source"] for r in reports(many[SHOWCASE_SIZE:]))
    total = sum(counts.values())
    share = {s: counts[s] / total for s in SOURCES}
    assert share["user_report"] == pytest.approx(0.70, abs=0.04)
    assert share["automated"] == pytest.approx(0.18, abs=0.03)
    assert share["trusted_flagger"] == pytest.approx(0.08, abs=0.015)
    assert share["authority_order"] == pytest.approx(0.02, abs=0.007)


def test_kinds_languages_and_reasons(many: list[Json]) -> None:
    rest = many[SHOWCASE_SIZE:]
    kinds = Counter(it["kind"] for it in rest)
    assert kinds["channel"] / len(rest) == pytest.approx(0.15, abs=0.02)
    languages = Counter(it["language"] for it in rest)
    assert set(languages) == set(LANGUAGE_WEIGHTS)
    assert languages["en"] / len(rest) < 0.5, "a global platform, not an English one"
    scripts = {"ar": "ARABIC", "fa": "ARABIC", "ru": "CYRILLIC", "uk": "CYRILLIC", "hi": "DEVANAGARI", "ja": "HIRAGANA", "ko": "HANGUL"}
    for lang, script in scripts.items():
        assert any(script in unicodedata.name(ch, "") for it in rest if it["language"] == lang for ch in it["text"])
    assert set(Counter(r["reason"] for r in reports(rest))) == set(REASONS)


def test_many_items_have_several_reports_and_a_few_are_mass_reported(many: list[Json]) -> None:
    rest = many[SHOWCASE_SIZE:]
    sizes = Counter(len(it["reports"]) for it in rest)
    assert sum(n for size, n in sizes.items() if size >= 3) / len(rest) > 0.1
    mass = [it for it in rest if sum(r["source"] == "user_report" for r in it["reports"]) >= 20]
    assert 0 < len(mass) <= 0.003 * len(rest)
    assert all(len(it["reports"]) <= 201 for it in rest)


def test_deadlines_are_overdue_and_due_soon(many: list[Json]) -> None:
    orders = list(reports(many[SHOWCASE_SIZE:], "authority_order"))
    due = [epoch(r["deadline"]) - NOW for r in orders]
    assert sum(d < 0 for d in due) > 0.05 * len(orders), "some orders are overdue"
    assert sum(0 <= d < HOUR for d in due) > 0.05 * len(orders), "some are due within the hour"
    assert {r["country"] for r in orders} == COUNTRIES
    assert any(r["legal_basis"] == TCO for r in orders)
    flags = [NOW - epoch(r["created_at"]) for r in reports(many[SHOWCASE_SIZE:], "trusted_flagger")]
    assert 0.05 < sum(age > DAY for age in flags) / len(flags) < 0.5, "some flags are past the 24 h deadline"
    users = [NOW - epoch(r["created_at"]) for r in reports(many[SHOWCASE_SIZE:], "user_report")]
    assert any(age > 3 * DAY for age in users), "some user reports are past 72 h"
    assert all(age < 81 * HOUR for age in users)


def test_authors_are_a_reused_pool(many: list[Json]) -> None:
    authors = Counter(it["author"]["id"] for it in many)
    assert 0.2 * len(many) < len(authors) < 0.3 * len(many)
    assert sum(n >= 3 for n in authors.values()) > 0.1 * len(authors), "profiles have several items"
    created = {it["author"]["id"]: epoch(it["author"]["created_at"]) for it in many}
    assert min(created.values()) < NOW - 365 * DAY < max(created.values())


# ---------------------------------------------------------------------------
# Campaigns: the server groups items whose normalised text is the same.


def test_campaign_items_normalise_to_one_text_per_campaign(many: list[Json]) -> None:
    campaigns = defaultdict(list)
    for item in many:
        if is_campaign(item):
            campaigns[item["author"]["id"].split("-")[1]].append(item)
    assert len(campaigns) == len(CAMPAIGNS)
    for members in campaigns.values():
        assert len(members) >= 3
        for normalise in (normalise_words, normalise_categories):
            assert len({normalise(it["text"]) for it in members}) == 1
        assert len({it["text"] for it in members}) > 1, "near-duplicates, not copies"
        assert len({it["author"]["id"] for it in members}) > 1, "from related accounts"
    share = sum(map(len, campaigns.values())) / len(many)
    assert share == pytest.approx(0.05, abs=0.015)


def test_other_items_rarely_share_a_normalised_text(many: list[Json]) -> None:
    texts = Counter(normalise_words(it["text"]) for it in many if not is_campaign(it))
    shared = sum(n for n in texts.values() if n > 1)
    assert shared < 0.005 * len(many)


def test_the_showcase_campaign_matches_its_family(many: list[Json]) -> None:
    showcase = [by_id(many)[f"it-{i:07d}"] for i in range(9, 13)]
    assert [it["author"]["handle"] for it in showcase] == [f"crypto_gains_{k:02d}" for k in range(1, 5)]
    family = {normalise_words(it["text"]) for it in many if it["author"]["id"].startswith("acct-c0-")}
    assert len(family) == 1 and len({it["text"] for it in showcase}) == 4


# ---------------------------------------------------------------------------
# Hostile content: every pattern is in the showcase, so every demo exercises it.

HOSTILE_PATTERNS = {
    "ANSI CSI colour": r"\x1b\[[\d;]*m",
    "ANSI CSI cursor": r"\x1b\[\d*[ABCDHJK]",
    "OSC 52 clipboard write": r"\x1b\]52;c;[A-Za-z0-9+/=]+\x07",
    "OSC 8 hyperlink": r"\x1b\]8;;https?://",
    "C1 CSI U+009B": "\x9b",
    "other C1 controls": "[\x80-\x9a\x9c-\x9f]",
    "Rich markup": r"\[bold red\].*\[/\]",
    "click action": r"\[@click=app\.quit\]click me\[/\]",
    "lone [/": r"\[/(?![\w\]])",
    "bidi override U+202E": "\u202e",
    "bidi isolates U+2066-2069": "\u2066.*\u2069",
    "first strong isolate U+2068": "\u2068",
    "right-to-left isolate U+2067": "\u2067",
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "BOM": "\ufeff",
}


@pytest.mark.parametrize("pattern", HOSTILE_PATTERNS.values(), ids=HOSTILE_PATTERNS.keys())
def test_each_hostile_pattern_is_in_the_first_50_items(few: list[Json], pattern: str) -> None:
    assert any(re.search(pattern, text, re.S) for it in few for _, text in untrusted(it))


def test_hostile_content_reaches_every_kind_of_field(few: list[Json]) -> None:
    fields = {field for it in few for field, text in untrusted(it) if hostile(text, field)}
    assert fields == {"text", "title", "handle", "display_name", "comment"}


def test_homoglyph_channel_name(few: list[Json]) -> None:
    channel = by_id(few)["it-0000013"]
    assert channel["kind"] == "channel" and channel["title"] == "\u0420\u0430ypal Support"  # Cyrillic Р, а
    assert mixed_script(channel["title"]) and mixed_script(channel["author"]["display_name"])


def test_100_kib_bodies_are_rare_but_in_every_demo_of_200(many: list[Json]) -> None:
    assert any(len(it["text"]) >= 100 * 1024 for it in generate(200, now=NOW))
    big = sum(len(it["text"]) >= 100 * 1024 for it in many)
    assert 1 <= big <= 12


def hostile(text: str, field: str) -> bool:
    """What the UI must treat as hostile: anything the sanitizer flags, or markup."""
    return bool(clean(text, limit=200_000, name=field in ("title", "handle", "display_name")).flags) or "[" in text and bool(
        re.search(r"\[(/|@|bold|blink)", text)
    )


def test_about_three_percent_of_items_are_hostile(many: list[Json]) -> None:
    rest = many[SHOWCASE_SIZE:]
    share = sum(any(hostile(text, field) for field, text in untrusted(it)) for it in rest) / len(rest)
    assert 0.02 <= share <= 0.045


def test_legitimate_persian_zwnj_is_not_hostile(few: list[Json]) -> None:
    persian = by_id(few)["it-0000024"]
    assert "\u200c" in persian["text"] and not hostile(persian["text"], "text")


# ---------------------------------------------------------------------------
# The showcase: fixed items that other tests and the UI rely on.


def only(item: Json, source: str) -> Json:
    found = [r for r in item["reports"] if r["source"] == source]
    assert len(found) == 1, f"{item['id']}: {len(found)} {source} reports"
    return found[0]


def due_in(r: Json) -> float:
    return epoch(r["deadline"]) - NOW


def test_showcase_does_not_depend_on_seed_or_n() -> None:
    first = list(generate(SHOWCASE_SIZE, seed=1, now=NOW))
    assert first == list(generate(SHOWCASE_SIZE, seed=99, now=NOW)) == list(generate(500, seed=5, now=NOW))[:SHOWCASE_SIZE]


def test_showcase_covers_every_source_and_kind(few: list[Json]) -> None:
    showcase = few[:SHOWCASE_SIZE]
    assert {r["source"] for r in reports(showcase)} == set(SOURCES)
    assert {it["kind"] for it in showcase} == {"post", "channel"}


def test_showcase_items(few: list[Json]) -> None:
    s = by_id(few)
    tco = only(s["it-0000001"], "authority_order")
    assert (tco["country"], tco["legal_basis"], tco["reference"]) == ("DE", TCO, "TCO-2026-00042")
    assert 0 < due_in(tco) <= HOUR
    late_tco = only(s["it-0000002"], "authority_order")
    assert s["it-0000002"]["kind"] == "channel" and s["it-0000002"]["language"] == "ar"
    assert late_tco["legal_basis"] == TCO and late_tco["country"] == "FR" and due_in(late_tco) < 0
    assert only(s["it-0000003"], "authority_order")["country"] == "RU"
    turkey = only(s["it-0000004"], "authority_order")
    assert turkey["country"] == "TR" and 0 < due_in(turkey) < 5 * HOUR
    assert NOW - epoch(only(s["it-0000005"], "trusted_flagger")["created_at"]) > DAY, "overdue flagger notice"
    csam = s["it-0000006"]
    assert {r["reason"] for r in csam["reports"]} == {"csam"} and csam["media"]
    assert only(csam, "automated")["model"] == "csam-hash-v1"
    fp = s["it-0000007"]["reports"]
    assert [(r["source"], r["model"], r["score"]) for r in fp] == [("automated", "nsfw-img-v3", 0.62)]
    brigade = s["it-0000008"]["reports"]
    assert len(brigade) == 150 and {r["source"] for r in brigade} == {"user_report"}
    assert s["it-0000013"]["kind"] == "channel" and s["it-0000018"]["kind"] == "channel"
    assert "\x1b[1A" in s["it-0000014"]["text"] and "\x1b]52;" in s["it-0000015"]["reports"][0]["comment"]
    assert "\x1b]8;;" in s["it-0000016"]["text"] and "\x9b" in s["it-0000017"]["author"]["handle"]
    assert s["it-0000018"]["title"].startswith("[bold red]") and "[@click=app.quit]" in s["it-0000019"]["text"]
    assert s["it-0000020"]["author"]["handle"] == "[/deals" and "\u202e" in s["it-0000021"]["text"]
    assert "\u200b" in s["it-0000022"]["text"] and len(s["it-0000023"]["text"]) == 100 * 1024
    brazil = only(s["it-0000028"], "authority_order")
    assert brazil["country"] == "BR" and brazil["legal_basis"] != TCO and 0 < due_in(brazil) <= HOUR
    assert NOW - epoch(s["it-0000030"]["reports"][0]["created_at"]) > 3 * DAY


def test_showcase_languages(few: list[Json]) -> None:
    langs = {it["language"] for it in few[:SHOWCASE_SIZE]}
    assert {"en", "de", "ar", "ru", "tr", "pl", "fa", "ja", "hi", "pt", "zh"} <= langs


# ---------------------------------------------------------------------------
# Seeding a store.


def test_seed_demo_fills_the_real_store(tmp_path: Any) -> None:
    from triage_tui.server.auth import demo_moderators
    from triage_tui.server.policy import DEFAULT_POLICY
    from triage_tui.server.store import QueueFilter, Store

    store = Store(tmp_path / "demo.db", DEFAULT_POLICY, clock=lambda: NOW)
    try:
        assert seed_demo(store, 300, now=NOW) == {"created": 300, "updated": 0, "seq": 300}
        # Seeding again is harmless: same ids, same report ids, nothing new.
        assert seed_demo(store, 300, now=NOW)["created"] == 0
        table, tokens = demo_moderators()
        ana = table.lookup(tokens["ana"])
        assert ana is not None
        page = store.queue(ana, QueueFilter(source="authority_order", country="DE"), cursor=None, limit=1000)
        assert "it-0000001" in {i["id"] for i in page["items"]}
        tco = store.item(ana, "it-0000001")
        assert tco["deadline"] == iso_at(NOW + 35 * 60)
        assert store.item(ana, "it-0000009")["campaign"]["size"] >= 4
    finally:
        store.close()


def iso_at(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")
