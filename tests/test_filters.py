"""The filter/sort language: what each term matches, what each mistake says and where,
and that a filter survives being printed and read back."""

from __future__ import annotations

import bisect
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from triage_tui import countries
from triage_tui.views import server_params
from triage_tui.filters import FIELDS, SORTS, Filter, FilterError, Sort, parse, parse_sort
from triage_tui.model import ItemSummary, iso

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)


def ago(**delta: float) -> str:
    return iso(NOW - timedelta(**delta))


def ahead(**delta: float) -> str:
    return iso(NOW + timedelta(**delta))


BASE: dict[str, Any] = {
    "id": "it-0000042", "kind": "post", "state": "open", "version": 1, "priority": 50,
    "deadline": None, "sources": ["user_report"], "countries": [], "reason": "spam",
    "report_count": 3, "snippet": "Free Bitcoin giveaway: click here", "first_reported_at": ago(hours=1),
    "escalated_to": None, "campaign": None,
}


def item(**fields: Any) -> ItemSummary:
    """A real summary, parsed (and sanitized) the way a backend page would be."""
    return ItemSummary.from_json({**BASE, **fields})


# ---------------------------------------------------------------------------
# What each term matches.

MATCHES: list[tuple[str, dict[str, Any], bool]] = [
    # kind
    ("kind:post", {}, True),
    ("kind:channel", {}, False),
    ("kind:channel", {"kind": "channel"}, True),
    ("KIND:Channel", {"kind": "channel"}, True),
    ("kind=channel", {"kind": "channel"}, True),
    ("kind:post,channel", {"kind": "channel"}, True),
    ("-kind:post", {}, False),
    # source: full names, aliases, any of the item's sources, comma lists
    ("source:user_report", {}, True),
    ("source:user", {}, True),
    ("source:tf", {"sources": ["trusted_flagger"]}, True),
    ("source:trusted", {"sources": ["trusted_flagger"]}, True),
    ("source:ao", {"sources": ["user_report", "authority_order"]}, True),
    ("source:order", {"sources": ["authority_order"]}, True),
    ("source:authority", {"sources": ["authority_order"]}, True),
    ("source:auto", {"sources": ["automated"]}, True),
    ("source:automated", {"sources": ["user_report"]}, False),
    ("source:tf,ao", {"sources": ["authority_order"]}, True),
    ("source:tf,ao", {"sources": ["user_report", "automated"]}, False),
    ("-source:automated", {"sources": ["user_report", "automated"]}, False),
    ("-source:automated", {"sources": ["user_report", "authority_order"]}, True),
    # country: any case, any of the item's countries, none never matches
    ("country:DE", {"countries": ["AT", "DE"]}, True),
    ("country:de", {"countries": ["DE"]}, True),
    ("country:fr,at", {"countries": ["AT"]}, True),
    ("country:FR", {"countries": ["DE"]}, False),
    ("country:DE", {"countries": []}, False),
    ("-country:DE", {"countries": []}, True),
    # reason: exact code, comma list, none
    ("reason:spam", {}, True),
    ("reason:hate,spam", {}, True),
    ("reason:hate", {}, False),
    ("reason:Spam", {}, False),
    ("reason:spam", {"reason": None}, False),
    ("-reason:spam", {"reason": None}, True),
    # ... and any report's reason, not only the main one the row shows first
    ("reason:hate", {"reasons": ["hate", "spam"]}, True),
    ("reason:scam,hate", {"reasons": ["hate", "spam"]}, True),
    ("-reason:hate", {"reasons": ["hate", "spam"]}, False),
    ("reason:scam", {"reasons": ["hate", "spam"]}, False),
    ("reason:tos:3.1", {"reason": "tos:3.1"}, True),
    ("reason::x", {"reason": ":x"}, True),
    # state
    ("state:open", {}, True),
    ("state:escalated,closed", {}, False),
    ("state:ESCALATED", {"state": "escalated", "escalated_to": "legal"}, True),
    # escalated: the target code
    ("escalated:legal", {"state": "escalated", "escalated_to": "legal"}, True),
    ("escalated:child_safety,legal", {"state": "escalated", "escalated_to": "legal"}, True),
    ("escalated:legal", {}, False),
    ("-escalated:legal", {}, True),
    # reports: every comparison, and `reports:N` is exactly N
    ("reports>=3", {}, True),
    ("reports>=4", {}, False),
    ("reports>2", {}, True),
    ("reports>3", {}, False),
    ("reports<=3", {}, True),
    ("reports<=2", {}, False),
    ("reports<4", {}, True),
    ("reports<3", {}, False),
    ("reports=3", {}, True),
    ("reports=4", {}, False),
    ("reports:3", {}, True),
    ("reports:5", {"report_count": 6}, False),
    ("-reports>=5", {}, True),
    # priority
    ("priority>=50", {}, True),
    ("priority>50", {}, False),
    ("priority<51", {}, True),
    ("priority:50", {}, True),
    ("priority=0", {"priority": 0}, True),
    ("priority>=100", {"priority": 100}, True),
    # age: time since the first report (one hour here)
    ("age>30m", {}, True),
    ("age>2h", {}, False),
    ("age<2h", {}, True),
    ("age>=1h", {}, True),
    ("age>1h", {}, False),
    ("age<=3600s", {}, True),
    ("age>59m59s", {}, True),
    ("age>1d", {"first_reported_at": ago(days=1, seconds=1)}, True),
    ("age<1h30m", {"first_reported_at": ago(minutes=89)}, True),
    ("age>=0", {}, True),
    ("-age>2h", {}, True),
    # due: time until the deadline; overdue is negative; no deadline never matches
    ("due<30m", {"deadline": ahead(minutes=29)}, True),
    ("due<30m", {"deadline": ahead(minutes=30)}, False),
    ("due<=30m", {"deadline": ahead(minutes=30)}, True),
    ("due>1d", {"deadline": ahead(days=2)}, True),
    ("due<30m", {"deadline": ago(minutes=5)}, True),
    ("due<0", {"deadline": ago(seconds=1)}, True),
    ("due<0", {"deadline": ahead(seconds=1)}, False),
    ("due<0", {"deadline": iso(NOW)}, False),
    ("due<-1h", {"deadline": ago(hours=2)}, True),
    ("due<-1h", {"deadline": ago(minutes=30)}, False),
    ("due>=-1h", {"deadline": ago(minutes=30)}, True),
    ("due<30m", {"deadline": None}, False),
    ("due>30m", {"deadline": None}, False),
    ("-due<30m", {"deadline": None}, True),
    # overdue: the deadline has come (the list's `!` mark counts "now" as overdue too)
    ("overdue", {"deadline": ago(seconds=1)}, True),
    ("overdue", {"deadline": iso(NOW)}, True),
    ("OVERDUE", {"deadline": iso(NOW)}, True),
    ("overdue", {"deadline": ahead(seconds=1)}, False),
    ("overdue", {"deadline": None}, False),
    ("-overdue", {"deadline": None}, True),
    ("-overdue", {"deadline": ago(hours=1)}, False),
    # flag: what the sanitizer found in the snippet
    ("flag:bidi", {"snippet": "admin\u202egnp.exe"}, True),
    ("flag:BIDI", {"snippet": "admin\u202egnp.exe"}, True),
    ("flag:control", {"snippet": "admin\u202egnp.exe"}, False),
    ("flag:control,invisible", {"snippet": "pay\u200bpal"}, True),
    ("flag:control", {"snippet": "\x1b]52;c;ZXZpbA==\x07"}, True),
    ("flag:truncated", {"snippet": "x" * 400}, True),
    ("flag:any", {"snippet": "pay\u200bpal"}, True),
    ("flag:any", {}, False),
    ("-flag:any", {}, True),
    # campaign
    ("campaign:c-1a2b", {"campaign": "c-1a2b"}, True),
    ("campaign:c-9,c-1a2b", {"campaign": "c-1a2b"}, True),
    ("campaign:c-1a2b", {"campaign": "c-ffff"}, False),
    ("campaign:any", {"campaign": "c-ffff"}, True),
    ("campaign:ANY", {}, False),
    ("-campaign:any", {}, True),
    # text: case-insensitive substrings of the snippet
    ("bitcoin", {}, True),
    ("BITCOIN", {}, True),
    ("bit", {}, True),
    ("ethereum", {}, False),
    ('"free bitcoin"', {}, True),
    ('"bitcoin free"', {}, False),
    ('"giveaway: click"', {}, True),
    ('"  "', {}, False),
    ('-"free bitcoin"', {}, False),
    ("-ethereum", {}, True),
    ('"say \\"hi\\""', {"snippet": 'they say "hi" a lot'}, True),
    ('"back\\\\slash"', {"snippet": "a back\\slash"}, True),
    ("back\\slash", {"snippet": "a back\\slash"}, True),
    ('"overdue"', {"snippet": "Your invoice is OVERDUE"}, True),
    ('"kind:post"', {"snippet": "see kind:post"}, True),
    ("12:30", {"snippet": "meet at 12:30"}, True),
    ('"-5%"', {"snippet": "now -5% off"}, True),
    ("<3", {"snippet": "i <3 u"}, True),
    ("⟨RLO⟩", {"snippet": "admin\u202egnp.exe"}, True),
    ("strasse", {"snippet": "Straße"}, False),
    # terms AND together
    ("kind:post source:user reason:spam reports>=3 bitcoin", {}, True),
    ("kind:post source:user reason:spam reports>=4 bitcoin", {}, False),
    ("kind:post kind:channel", {"kind": "channel"}, False),
]


@pytest.mark.parametrize(("expr", "fields", "expected"), MATCHES)
def test_term_matches(expr: str, fields: dict[str, Any], expected: bool) -> None:
    target = item(**fields)
    f = parse(expr)
    assert f.matches(target, NOW) is expected
    assert f.select([target], NOW) == ([target] if expected else [])


def test_the_example_from_the_brief() -> None:
    expr = 'kind:channel source:authority country:DE reason:spam reports>=5 age>2h "free text" -source:automated due<30m flag:bidi'
    hit = item(
        kind="channel", sources=["authority_order", "user_report"], countries=["DE"], report_count=7,
        first_reported_at=ago(hours=3), deadline=ahead(minutes=20), snippet="Free text\u202e here",
    )
    assert parse(expr).matches(hit, NOW)
    for miss in (
        {"sources": ["authority_order", "automated"]},
        {"deadline": ahead(hours=1)},
        {"snippet": "Free text here"},
        {"first_reported_at": ago(hours=1)},
    ):
        fields = {
            "kind": "channel", "sources": ["authority_order"], "countries": ["DE"], "report_count": 7,
            "first_reported_at": ago(hours=3), "deadline": ahead(minutes=20), "snippet": "Free text\u202e here",
        }
        assert not parse(expr).matches(item(**{**fields, **miss}), NOW), miss


@pytest.mark.parametrize("expr", ["", "   ", "\t\n"])
def test_empty_expression_matches_everything(expr: str) -> None:
    f = parse(expr)
    assert not f
    assert f == Filter()
    assert str(f) == ""
    assert server_params(f) == {}
    assert f.matches(item(), NOW)
    assert f.matches(item(kind="channel", deadline=ago(days=3), state="closed"), NOW)


def test_now_is_the_callers() -> None:
    f = parse("age>2h")
    target = item()  # reported an hour before NOW
    assert not f.matches(target, NOW)
    assert f.matches(target, NOW + timedelta(hours=1, seconds=1))


def test_select_keeps_order() -> None:
    items = [item(id=f"it-{i}", report_count=i) for i in range(10)]
    assert [i.id for i in parse("reports>=3 -reports=7").select(items, NOW)] == [
        "it-3", "it-4", "it-5", "it-6", "it-8", "it-9"]


def test_whitespace_of_any_kind_separates_terms() -> None:
    assert parse("kind:post\tbitcoin\n reports>=2") == parse("kind:post bitcoin reports>=2")
    assert parse('"a\tb"').terms[0].text == "a\tb"  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Normalised form.

NORMALISED = [
    ("KIND:Channel   source:authority,TF,ao", "kind:channel source:authority_order,trusted_flagger"),
    ("kind=post", "kind:post"),
    ("country:de,AT,De", "country:DE,AT"),
    ("reports:5 priority>=070", "reports=5 priority>=70"),
    ("age>90m due<-0 due>=3600s due<1d24h", "age>1h30m due<0 due>=1h due<2d"),
    ("age>0s due<-1h30m", "age>0 due<-1h30m"),
    ("OverDue -overdue", "overdue -overdue"),
    ("flag:ANY campaign:Any campaign:C-1", "flag:any campaign:any campaign:C-1"),
    ('"free"  "free text"  \'x\'', "free \"free text\" 'x'"),
    ('"-x" "kind:post" "overdue" "OR" "a\\"b" "c\\\\d" e\\f', '"-x" "kind:post" "overdue" "OR" "a\\"b" c\\d e\\f'),
]


@pytest.mark.parametrize(("expr", "normal"), NORMALISED)
def test_str_gives_the_normalised_expression(expr: str, normal: str) -> None:
    f = parse(expr)
    assert str(f) == normal
    assert parse(normal) == f
    assert repr(f) == f"parse({normal!r})"


def test_equal_filters_hash_alike() -> None:
    assert {parse("source:tf kind:post"), parse("source:trusted KIND:post")} == {parse("source:tf kind:post")}
    assert parse("kind:post") != "kind:post"


# ---------------------------------------------------------------------------
# Errors: the exact message and the span of the bad token.

ALL_FIELDS = "kind, source, country, reason, state, reports, priority, age, due, flag, campaign, escalated"
BAD_DURATION = "— use e.g. 30s, 45m, 2h, 1d or 1h30m"

ERRORS: list[tuple[str, str, tuple[int, int]]] = [
    ("knd:post", f"unknown field 'knd' (did you mean kind?) — fields: {ALL_FIELDS}", (0, 3)),
    ("kind:post -sorce:tf", f"unknown field 'sorce' (did you mean source?) — fields: {ALL_FIELDS}", (11, 16)),
    ("zzz>5", f"unknown field 'zzz' — fields: {ALL_FIELDS}", (0, 3)),
    ("http://example.com", f"unknown field 'http' — fields: {ALL_FIELDS}", (0, 4)),
    ("kind:chanel", "kind is post, channel or account", (5, 11)),
    ("kind:post,chanel", "kind is post, channel or account", (10, 16)),
    ("source:police", "source is user_report (user), trusted_flagger (trusted, tf), authority_order (authority, order, ao) or automated (auto)", (7, 13)),
    ("state:done", "state is open, escalated or closed", (6, 10)),
    ("country:DEU", "'DEU' is not an ISO 3166-1 alpha-2 code: did you mean DE (Germany)?", (8, 11)),
    ("country:DE,1A", "'1A' is not an ISO 3166-1 alpha-2 country code (assigned codes are like DE, FR, GB)", (11, 13)),
    ("country:uk", "'UK' is not an ISO 3166-1 country code: did you mean GB (United Kingdom)?", (8, 10)),  # names no country
    ("country:DE,XX", "'XX' is not an ISO 3166-1 alpha-2 country code (assigned codes are like DE, FR, GB)", (11, 13)),
    ("reason:sp@m", "reason is a policy code such as spam (letters, digits, _ . : # / -)", (7, 11)),
    ("escalated:lé", "escalated is a target code such as legal (letters, digits, _ . : # / -)", (10, 12)),
    ("flag:weird", "flag is control, bidi, invisible, combining, mixed_script, truncated or any", (5, 10)),
    ("campaign:ç", "campaign is an id (printable ASCII) or any", (9, 10)),
    ("reports>=x", "reports is a whole number, e.g. reports>=5", (9, 10)),
    ("reports>=-1", "reports is a whole number, e.g. reports>=5", (9, 11)),
    ("reports>=1.5", "reports is a whole number, e.g. reports>=5", (9, 12)),
    ("reports>=1234567890123", "reports is a whole number, e.g. reports>=5", (9, 22)),
    ("reports>=٣", "reports is a whole number, e.g. reports>=5", (9, 10)),
    ("priority>101", "priority is a whole number from 0 to 100, e.g. priority>=70", (9, 12)),
    ("age>2x", f"bad duration '2x' {BAD_DURATION}", (4, 6)),
    ("age>2", f"bad duration '2' {BAD_DURATION}", (4, 5)),
    ("age>30m1h", f"bad duration '30m1h' {BAD_DURATION}", (4, 9)),
    ("age>1h1h", f"bad duration '1h1h' {BAD_DURATION}", (4, 8)),
    ("due<-", f"bad duration '-' {BAD_DURATION}", (4, 5)),
    ("due<1h 30m", None, (0, 0)),  # `30m` alone is a text term: valid
    ("age>-1h", "age cannot be negative", (4, 7)),
    ("due<36501d", "duration too long: at most 36500d", (4, 10)),
    ("age:2h", "age needs <, <=, > or >=, e.g. age>2h", (3, 4)),
    ("due=0", "due needs <, <=, > or >=, e.g. due<30m", (3, 4)),
    ("kind>post", "kind takes ':', as in kind:post, not '>'", (4, 5)),
    ("reports=>5", "bad comparison '=>' — use >=, >, <=, < or =", (7, 9)),
    ("reports<>5", "bad comparison '<>' — use >=, >, <=, < or =", (7, 9)),
    ("reports::5", "bad comparison '::' — use >=, >, <=, < or =", (7, 9)),
    ("kind:>post", "kind is post, channel or account", (5, 10)),
    ("reports!=5", "bad comparison '!=' — use >=, >, <=, < or = (to negate, put - before the term: -reports=…)", (7, 9)),
    ("kind:", "kind needs a value, e.g. kind:post", (0, 5)),
    ("bitcoin -country:", "country needs a value, e.g. country:DE", (8, 17)),
    ("reports>=", "reports needs a value, e.g. reports>=5", (0, 9)),
    ("due<", "due needs a value, e.g. due<30m", (0, 4)),
    ("country:DE,,FR", "empty value in the country list", (10, 11)),
    ("country:DE,", "empty value in the country list", (10, 11)),
    ("country:,DE", "empty value in the country list", (8, 9)),
    ('"free text', 'unterminated quote: close the phrase with "', (0, 10)),
    ('kind:post -"free text', 'unterminated quote: close the phrase with "', (11, 21)),
    ('"ends in escape\\"', 'unterminated quote: close the phrase with "', (0, 17)),
    ('"a"b', "put a space after the closing quote", (3, 4)),
    ('"a"kind:post x', "put a space after the closing quote", (3, 12)),
    ('a"b', "a quote can only start a term: put a space before it", (1, 2)),
    ('reason:"spam"', "a quote can only start a term: put a space before it", (7, 8)),
    ('""', "empty phrase", (0, 2)),
    ('x -""', "empty phrase", (2, 5)),
    ("-", "'-' needs a term after it, e.g. -source:auto", (0, 1)),
    ("kind:post - bitcoin", "'-' needs a term after it, e.g. -source:auto", (10, 11)),
    ("--source:tf", "a term can be negated only once", (0, 11)),
    ('--"x"', "a term can be negated only once", (0, 5)),
    ("source:tf OR source:ao", "no OR: terms are AND-ed; for alternatives use a comma list, e.g. source:tf,ao", (10, 12)),
    ("kind:post AND spam", "no AND needed: terms are always AND-ed", (10, 13)),
    ("NOT spam", "no NOT: put - before a term, e.g. -source:auto", (0, 3)),
]


@pytest.mark.parametrize(("expr", "message", "span"), [e for e in ERRORS if e[1] is not None])
def test_error_message_and_span(expr: str, message: str, span: tuple[int, int]) -> None:
    with pytest.raises(FilterError) as info:
        parse(expr)
    err = info.value
    assert err.message == message
    assert str(err) == message
    assert (err.start, err.end) == span
    assert err.text == expr


def test_what_looks_like_an_error_but_is_not() -> None:
    assert str(parse("due<1h 30m")) == "due<1h 30m"
    assert str(parse("or and not")) == "or and not"  # lower-case words are just text


def test_caret_underlines_the_bad_token() -> None:
    with pytest.raises(FilterError) as info:
        parse("kind:channel knd:post reports>=5")
    assert info.value.caret() == (
        "kind:channel knd:post reports>=5\n"
        "             ^^^"
    )
    with pytest.raises(FilterError) as info:
        parse("kind:chanel")
    assert info.value.caret() == "kind:chanel\n     ^^^^^^"


def test_caret_at_the_end_of_the_text_still_shows() -> None:
    with pytest.raises(FilterError) as info:
        parse("kind:post -")
    assert info.value.caret() == "kind:post -\n          ^"


def test_caret_counts_terminal_columns_and_hides_controls() -> None:
    # Wide characters take two columns; a bidi override or an escape in the typed text
    # must not reorder or drive the terminal when the line is printed back.
    with pytest.raises(FilterError) as info:
        parse('"日本" \u202e\x1b[2J knd:x')
    err = info.value
    assert (err.start, err.end) == (11, 14)
    line, marks = err.caret().split("\n")
    assert line == '"日本" \ufffd\ufffd[2J knd:x'
    assert marks == " " * 13 + "^^^"
    assert "\x1b" not in err.message and "\u202e" not in err.caret()


def test_messages_are_printable_even_for_undecodable_argv() -> None:
    # `batch --filter $'age>1\xffh'` reaches Python with a lone surrogate (surrogateescape);
    # quoting it back, or an escape character, must not break or drive the terminal.
    with pytest.raises(FilterError) as info:
        parse("age>1\udcff\x1bh")
    assert info.value.message == f"bad duration '1\ufffd\ufffdh' {BAD_DURATION}"
    info.value.caret().encode("utf-8")
    with pytest.raises(FilterError) as info:
        parse_sort("\udcff")
    info.value.message.encode("utf-8")


def test_long_tokens_are_shortened_in_messages() -> None:
    with pytest.raises(FilterError) as info:
        parse("a" * 100 + ":x")
    assert info.value.message.startswith("unknown field '" + "a" * 40 + "…'")


# ---------------------------------------------------------------------------
# Properties.


@settings(max_examples=500)
@given(st.text())
@example("\udcff")
@example('"\\')
@example("-\"")
def test_any_text_parses_or_fails_with_a_span_inside_it(text: str) -> None:
    try:
        f = parse(text)
    except FilterError as err:
        assert 0 <= err.start <= err.end <= len(text)
        assert err.message and err.text == text
        assert err.message.isprintable()
        err.caret().encode("utf-8")  # printable to a UTF-8 terminal: no lone surrogates
    else:
        assert parse(str(f)) == f


# Text made of the grammar's own pieces reaches the deep paths that random text misses.
GRAMMAR_BITS = st.sampled_from([
    *FIELDS, "overdue", "OR", ":", ",", "=", ">", "<", "!", "-", '"', "\\", " ", "post", "tf", "DE", "any",
    "5", "0", "1h", "30m", "d", "s", "x", "é", "日",
])


@settings(max_examples=1500)
@given(st.lists(GRAMMAR_BITS, max_size=12).map("".join))
def test_grammar_shaped_text_parses_or_fails_with_a_span_inside_it(text: str) -> None:
    try:
        f = parse(text)
    except FilterError as err:
        assert 0 <= err.start <= err.end <= len(text)
        assert err.message
    else:
        assert parse(str(f)) == f


def _cased(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.capitalize()])


def _set_term(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(_cased(name), st.sampled_from([":", "="]), st.lists(values, min_size=1, max_size=3)).map(
        lambda t: f"{t[0]}{t[1]}{','.join(t[2])}"
    )


CODES = st.from_regex(r"[A-Za-z0-9_.:#/-]{1,12}", fullmatch=True)
DURATIONS = st.tuples(*(st.one_of(st.none(), st.integers(0, 400)) for _ in range(4))).map(
    lambda parts: "".join(f"{n}{u}" for n, u in zip(parts, "dhms", strict=True) if n is not None) or "0"
)
COMPARE = st.sampled_from([">=", ">", "<=", "<"])
PHRASE = st.text(min_size=1, max_size=12).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"')

TERMS = st.one_of(
    _set_term("kind", st.sampled_from(["post", "channel", "POST"])),
    _set_term("source", st.sampled_from(["user_report", "user", "tf", "trusted", "ao", "order", "authority", "auto", "automated"])),
    _set_term("country", st.sampled_from(sorted(countries.assigned())).flatmap(lambda c: st.sampled_from([c, c.lower()]))),
    _set_term("reason", CODES),
    _set_term("state", st.sampled_from(["open", "escalated", "closed"])),
    _set_term("escalated", CODES),
    _set_term("flag", st.sampled_from(["control", "bidi", "invisible", "combining", "mixed_script", "truncated", "any"])),
    _set_term("campaign", st.one_of(st.just("any"), st.from_regex(r'[!#-+\--~]{1,10}', fullmatch=True))),
    st.tuples(_cased("reports"), st.sampled_from([">=", ">", "<=", "<", "=", ":"]), st.integers(0, 10**6)).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    st.tuples(_cased("priority"), st.sampled_from([">=", ">", "<=", "<", "=", ":"]), st.integers(0, 100)).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    st.tuples(COMPARE, DURATIONS).map(lambda t: f"age{t[0]}{t[1]}"),
    st.tuples(COMPARE, st.sampled_from(["", "-"]), DURATIONS).map(lambda t: f"due{t[0]}{t[1]}{t[2]}"),
    _cased("overdue"),
    st.from_regex(r"[a-z0-9<>%$]{1,8}", fullmatch=True).filter(lambda w: w != "overdue" and not re.match(r"[a-z]+[<>]", w)),
    PHRASE,
)
EXPRESSIONS = st.lists(
    st.tuples(st.booleans(), TERMS, st.sampled_from([" ", "  ", "\t"])), max_size=6
).map(lambda terms: "".join(("-" if neg else "") + term + sep for neg, term, sep in terms))


@settings(max_examples=500)
@given(EXPRESSIONS)
def test_valid_expressions_round_trip(expr: str) -> None:
    f = parse(expr)
    again = parse(str(f))
    assert again == f
    assert str(again) == str(f)
    assert len(f.terms) == len(again.terms)


def _summaries() -> st.SearchStrategy[list[ItemSummary]]:
    """Items crowded onto few values, so that every sort meets ties."""
    times = st.sampled_from([ago(hours=2), ago(hours=1), iso(NOW), ahead(hours=1)])
    one = st.fixed_dictionaries({
        "priority": st.integers(0, 3),
        "deadline": st.one_of(st.none(), times),
        "report_count": st.integers(0, 3),
        "first_reported_at": times,
        "sources": st.lists(st.sampled_from(["user_report", "trusted_flagger", "authority_order", "automated"]), min_size=1, max_size=4, unique=True),
        "countries": st.lists(st.sampled_from(["DE", "FR"]), max_size=2, unique=True),
        "kind": st.sampled_from(["post", "channel"]),
        "reason": st.sampled_from(["spam", "hate", None]),
        "reasons": st.lists(st.sampled_from(["spam", "hate", "scam"]), max_size=3, unique=True).map(sorted),
        "snippet": st.sampled_from(["free bitcoin", "Free text", "hello", "pay\u200bpal"]),
        "campaign": st.sampled_from([None, "c-1"]),
    })
    ids = st.lists(st.from_regex(r"it-[0-9a-z]{1,4}", fullmatch=True), unique=True, max_size=30)
    return ids.flatmap(lambda keys: st.tuples(*(one for _ in keys)).map(
        lambda rows: [item(id=k, **row) for k, row in zip(keys, rows, strict=True)]))


@settings(max_examples=200)
@given(EXPRESSIONS, _summaries())
def test_server_params_never_drop_a_match(expr: str, items: list[ItemSummary]) -> None:
    """What a server filtering by `server_params` returns holds every item `matches` keeps."""
    params = server_params(parse(expr))
    assert set(params) <= {"kind", "source", "country", "reason", "min_reports", "q"}

    def server_keeps(it: ItemSummary) -> bool:  # protocol.md's filters, read literally
        return (
            ("kind" not in params or it.kind == params["kind"])
            and ("source" not in params or params["source"] in it.sources)
            and ("country" not in params or params["country"] in it.countries)
            and ("reason" not in params or params["reason"] in it.reasons)
            and ("min_reports" not in params or it.report_count >= int(params["min_reports"]))
            and ("q" not in params or params["q"].lower() in it.snippet.lower())
        )

    f = parse(expr)
    assert all(server_keeps(it) for it in items if f.matches(it, NOW))


# ---------------------------------------------------------------------------
# server_params.

SERVER_PARAMS: list[tuple[str, dict[str, str]]] = [
    ("", {}),
    ("kind:channel source:authority country:de reason:spam reports>=5 age>2h \"free text\" -source:automated due<30m flag:bidi",
     {"kind": "channel", "source": "authority_order", "country": "DE", "reason": "spam", "min_reports": "5", "q": "free text"}),
    ("source:tf,ao country:DE,FR reason:a,b kind:post,channel", {}),  # the protocol takes one value
    ("source:tf,tf", {"source": "trusted_flagger"}),  # a repeat is one value
    ("-kind:post -source:tf -country:DE -reason:spam -bitcoin", {}),  # nothing negative can be sent
    ("state:open escalated:legal flag:any campaign:any priority>50 age>1h due<1h overdue", {}),
    ("kind:post kind:channel", {"kind": "post"}),  # both are implied; one is enough
    ("reports>5", {"min_reports": "6"}),
    ("reports=5", {"min_reports": "5"}),
    ("reports:5", {"min_reports": "5"}),
    ("reports>=2 reports>=7 reports>3", {"min_reports": "7"}),
    ("-reports<4", {"min_reports": "4"}),
    ("-reports<=4", {"min_reports": "5"}),
    ("reports<9 reports<=9 -reports>2 -reports=3", {}),
    ("reports>=0", {}),  # no narrowing at all
    ("bit \"free bitcoin\" coin", {"q": "free bitcoin"}),  # the longest narrows most
    ("⟨RLO⟩", {}),  # a sanitizer token is in the snippet, never in the server's text
    ("\"Title — body\"", {}),  # a channel snippet's title separator, likewise
    ("\"Title — body\" body", {"q": "body"}),
]


@pytest.mark.parametrize(("expr", "params"), SERVER_PARAMS)
def test_server_params(expr: str, params: dict[str, str]) -> None:
    assert server_params(parse(expr)) == params


# ---------------------------------------------------------------------------
# Sorts.


def ids(items: list[ItemSummary]) -> list[str]:
    return [i.id for i in items]


SORT_ITEMS = [
    item(id="it-a", priority=10, deadline=ahead(hours=2), report_count=1, first_reported_at=ago(hours=3)),
    item(id="it-b", priority=90, deadline=ahead(hours=2), report_count=9, first_reported_at=ago(hours=1)),
    item(id="it-c", priority=90, deadline=ahead(hours=2), report_count=9, first_reported_at=ago(hours=3)),
    item(id="it-d", priority=50, deadline=ago(minutes=5), report_count=1, first_reported_at=ago(hours=2)),
    item(id="it-e", priority=99, deadline=None, report_count=4, first_reported_at=ago(hours=5)),
    item(id="it-f", priority=10, deadline=None, report_count=4, first_reported_at=ago(hours=5)),
]

SORT_ORDERS = [
    # earliest deadline first (overdue first of all), none last; ties by priority, then id
    ("deadline", ["it-d", "it-b", "it-c", "it-a", "it-e", "it-f"]),
    # highest first; ties by id
    ("priority", ["it-e", "it-b", "it-c", "it-d", "it-a", "it-f"]),
    # most first; ties by id
    ("reports", ["it-b", "it-c", "it-e", "it-f", "it-a", "it-d"]),
    # oldest first report first; ties by id
    ("age", ["it-e", "it-f", "it-a", "it-c", "it-d", "it-b"]),
]


@pytest.mark.parametrize(("name", "order"), SORT_ORDERS)
def test_sort_orders_and_ties(name: str, order: list[str]) -> None:
    shuffled = SORT_ITEMS[::-1]
    sort = parse_sort(name)
    assert ids(sorted(shuffled, key=sort.key)) == order
    assert ids(sort.sort(shuffled)) == order
    assert sort.protocol_name == name
    assert str(sort) == name
    backwards = parse_sort(f"-{name}")
    assert ids(sorted(shuffled, key=backwards.key)) == order[::-1]
    assert ids(backwards.sort(shuffled)) == order[::-1]
    assert backwards.protocol_name is None
    assert str(backwards) == f"-{name}"


def test_parse_sort() -> None:
    assert parse_sort("") == Sort("deadline") == parse_sort("  ")
    assert parse_sort(" Priority ") == Sort("priority")
    assert parse_sort("-AGE") == Sort("age", reverse=True)
    assert SORTS == ("deadline", "priority", "reports", "age")
    assert {parse_sort(str(Sort(n, r))) for n in SORTS for r in (False, True)} == {Sort(n, r) for n in SORTS for r in (False, True)}


@pytest.mark.parametrize(("text", "span"), [("dead", (0, 4)), ("  -due ", (2, 6)), ("deadline priority", (0, 17)), ("--age", (0, 5))])
def test_parse_sort_errors(text: str, span: tuple[int, int]) -> None:
    with pytest.raises(FilterError) as info:
        parse_sort(text)
    word = text.strip()
    assert info.value.message == f"unknown sort '{word}' — sorts: deadline, priority, reports, age; - before one reverses it, e.g. -age"
    assert (info.value.start, info.value.end) == span
    assert info.value.caret().split("\n")[1] == " " * span[0] + "^" * (span[1] - span[0])


@settings(max_examples=200)
@given(_summaries(), st.sampled_from(SORTS))
def test_reversed_sort_is_the_exact_reverse(items: list[ItemSummary], name: str) -> None:
    forward, backward = parse_sort(name), parse_sort(f"-{name}")
    ordered = sorted(items, key=forward.key)
    assert sorted(items, key=backward.key) == ordered[::-1]
    assert forward.sort(items) == ordered
    assert backward.sort(items) == ordered[::-1]


@settings(max_examples=100)
@given(_summaries(), st.sampled_from(SORTS), st.booleans())
def test_sort_keys_work_with_bisect_as_the_queue_list_uses_them(items: list[ItemSummary], name: str, reverse: bool) -> None:
    sort = Sort(name, reverse)
    index: list[ItemSummary] = []
    for it in items:
        index.insert(bisect.bisect_right(index, sort.key(it), key=sort.key), it)
    assert index == sort.sort(items)
    for it in items:  # an unchanged item keeps an equal key: upsert replaces it in place
        assert sort.key(it) == sort.key(item(**{**BASE, **_json(it)}))


def _json(it: ItemSummary) -> dict[str, Any]:
    return {
        "id": it.id, "priority": it.priority, "report_count": it.report_count,
        "deadline": None if it.deadline is None else iso(it.deadline),
        "first_reported_at": iso(it.first_reported_at),
    }


# ---------------------------------------------------------------------------
# For the prompt and the docs.


def test_terms_know_where_they_were_typed() -> None:
    text = ' kind:post  -"free text" reports>=5 overdue'
    assert [text[slice(*t.span)] for t in parse(text).terms] == ["kind:post", '-"free text"', "reports>=5", "overdue"]


def test_docs_filters_md_holds_the_table_the_parser_is_driven_by() -> None:
    from pathlib import Path

    from triage_tui import filter_fields

    doc = (Path(__file__).resolve().parent.parent / "docs" / "filters.md").read_text(encoding="utf-8")
    assert doc == filter_fields.with_table(doc), "docs/filters.md is stale: run python3 -m triage_tui.filter_fields"
    table = filter_fields.markdown_table()
    for name in (*FIELDS, "overdue"):
        assert f"| `{name}" in table, name
    for name in SORTS:
        assert f"`{name}`" in doc, name


def test_the_reference_is_the_parsers_table() -> None:
    """Every field the parser knows has a row, every example in it parses to a term of its
    field, and what a row says a field takes is what the parser says when it is not."""
    from triage_tui import filter_fields

    rows = filter_fields.reference()
    assert [r.syntax.split(":")[0].split(" ")[0] for r in rows[: len(FIELDS)]] == list(FIELDS)
    for row in rows:
        for example in row.examples:
            assert len(parse(example).terms) == 1, example
    for f in filter_fields.FIELD_LIST:
        assert all(parse(e).terms[0].name == f.name for e in f.examples)  # type: ignore[attr-defined]
        if f.values is not None and not isinstance(f.values, filter_fields.Country):
            with pytest.raises(FilterError) as info:
                parse(f"{f.name}:é@")
            assert info.value.message == f"{f.name} is {row_for(rows, f.name).takes}"
        value = re.split(r"[:<>=]+", f.example, maxsplit=1)[1]
        for op in (">=", ">", "<=", "<", "=", ":"):
            ok = op in f.shape.ops
            try:
                parse(f"{f.name}{op}{value}")
            except FilterError:
                assert not ok, (f.name, op)
            else:
                assert ok, (f.name, op)


def row_for(rows: Any, name: str) -> Any:
    return next(r for r in rows if r.syntax.startswith(name))


# ---------------------------------------------------------------------------
# Unfinished or wrong: what the filter bar says while a filter is typed.

UNFINISHED = ["reason:", "reports>=", "due<", "age>2", "age>1h3", "due<-", "due<-1", "kind:po", "kind:post,", "source:t",
              "country:d", '"unterminated', 'kind:post -"free', "-", "kind:post -", "flag:mixed_", "OR", "x AND"]
WRONG = ["sourc:x", "reports>>5", "reports!=5", "priority>101", "kind:pox", "age>-", "age>1s2", "age:2h", "kind>post",
         "country:uk", "reason:sp@m", '"a"b', '""', "--x", "a\"b", "reason: x", "kind:,post", "source:tf OR x", "- x",
         "reports>=x", "age>2 x"]


@pytest.mark.parametrize("text", UNFINISHED)
def test_an_unfinished_term_is_incomplete(text: str) -> None:
    with pytest.raises(FilterError) as info:
        parse(text)
    assert info.value.incomplete
    assert any(_parses(text + more) for more in CONTINUATIONS), "said unfinished, but nothing finishes it"


@pytest.mark.parametrize("text", WRONG)
def test_a_term_no_typing_can_mend_is_wrong_at_once(text: str) -> None:
    with pytest.raises(FilterError) as info:
        parse(text)
    assert not info.value.incomplete


def _parses(text: str) -> bool:
    try:
        parse(text)
    except FilterError:
        return False
    return True


def _continuations() -> list[str]:
    from triage_tui import countries, filter_fields

    words = {"post", "channel", "DE", "E", "x", "0", "1h", "s", "h", "5", "spam", "=5", "\"", 'x"', " x"}
    for f in filter_fields.FIELD_LIST:
        if isinstance(f.values, filter_fields.Choice):
            words |= {w for w in f.values._table()}
    words |= set(countries.assigned())
    return sorted({w[k:] for w in words for k in range(len(w))} | {"ANGE"})


CONTINUATIONS = _continuations()


@settings(max_examples=300, deadline=None)
@given(st.lists(GRAMMAR_BITS, max_size=8).map("".join))
def test_incomplete_is_exactly_what_typing_on_can_still_mend(text: str) -> None:
    """The principle, checked on grammar-shaped text: an error said to be unfinished is
    one some continuation makes valid; an error said to be wrong is one none does."""
    try:
        parse(text)
    except FilterError as err:
        mended = any(_parses(text + more) for more in CONTINUATIONS)
        assert mended == err.incomplete, (text, err.message)
