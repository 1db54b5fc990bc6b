"""The reference store's machinery for queues of millions, held to the plain answers.

- Rows by position come from each kept view's marks (server/views.py): a page at any
  offset must be the rows the cursor walk reaches there, also after decisions moved
  items out of the view and escalations moved them into another, after a write by a
  second connection, and after a load.
- Free text of three or more characters is a phrase of the FTS5 trigram index: the
  ids it finds must be the client's `Filter.select` over the same rows, for any
  substring of any snippet, in any case, with the FTS5 query syntax's own characters.
- The set fields are bitmasks whose bits are assigned on first sight: a load that is
  rolled back must not leave a bit in memory that the file does not have, and a file
  of an older version gets its bitmasks and free-text index when it is opened.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FakeClock
from triage_tui.filters import parse, parse_sort
from triage_tui.model import Action, Decision, ItemSummary, PayloadError, Role, summary_snippet
from triage_tui.server import views
from triage_tui.server.auth import Principal
from triage_tui.server.demo import generate, seed_demo
from triage_tui.server.policy import DEFAULT_POLICY
from triage_tui.server.store import QueueFilter, Store

SENIOR = Principal("sam", "Sam", frozenset({Role.MODERATOR, Role.SENIOR}))
SORTS = ("deadline", "-deadline", "priority", "-priority", "reports", "-reports", "age", "-age")
FILTERS = ("", "kind:post -source:auto", "reason:spam", "-flag:any reports>=2")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """300 demo items, and marks every 7 rows, so a few hundred rows have dozens of marks."""
    monkeypatch.setattr(views, "STRIDE", 7)
    clock = FakeClock()
    s = Store(tmp_path / "scale.db", DEFAULT_POLICY, clock=clock)
    seed_demo(s, 300, now=clock())
    yield s
    s.close()


def _walk(store: Store, f: QueueFilter) -> list[str]:
    """The view's ids by keyset paging, the way that never counts positions."""
    out: list[str] = []
    cursor = None
    while True:
        page = store.queue(SENIOR, f, cursor=cursor, limit=11)
        out.extend(i["id"] for i in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return out


def _same_by_position(store: Store, f: QueueFilter) -> list[str]:
    order = _walk(store, f)
    for offset in [*range(0, len(order) + 3, 5), len(order) - 1]:
        page = store.queue(SENIOR, f, cursor=None, limit=6, offset=offset)
        assert [i["id"] for i in page["items"]] == order[offset:offset + 6], (f, offset)
        assert page["total"] == len(order)
    assert store.count(SENIOR, f)["total"] == len(order)
    return order


def _decide(store: Store, item_id: str, action: Action, **kw: Any) -> None:
    version = store.item(SENIOR, item_id)["version"]
    [result] = store.decide(SENIOR, [Decision.new(item_id, version, action, **kw).to_json()])
    assert result["result"] == "applied", result


def test_pages_by_position_are_the_cursor_walk_as_decisions_move_items(store: Store) -> None:
    views_ = [QueueFilter(queue=q, sort=s, expr=parse(e)) for q in ("open", "escalated") for s in SORTS for e in FILTERS]
    for f in views_:
        _same_by_position(store, f)
    assert len(store._views) == views.MAX_VIEWS  # the kept views follow the decisions below  # noqa: SLF001
    rng = random.Random(7)
    order = _walk(store, QueueFilter())
    for n in range(12):  # first, last, and rows at and beside marks
        item_id = order.pop(rng.choice([0, len(order) - 1, 7 * rng.randint(1, 20), 7 * rng.randint(1, 20) + 1]))
        if n % 3 == 0:
            _decide(store, item_id, Action.ESCALATE, escalate_to="senior")
        else:
            _decide(store, item_id, Action.APPROVE)
    for f in views_:
        _same_by_position(store, f)
    assert _walk(store, QueueFilter()) == order


def test_a_write_by_another_connection_is_seen_by_position(store: Store) -> None:
    f = QueueFilter(sort="priority")
    order = _same_by_position(store, f)
    other = Store(store.path, DEFAULT_POLICY, clock=store.clock)
    try:
        for item_id in (order[3], order[100], order[200]):
            version = other.item(SENIOR, item_id)["version"]
            assert other.decide(SENIOR, [Decision.new(item_id, version, Action.APPROVE).to_json()])[0]["result"] == "applied"
    finally:
        other.close()
    assert _same_by_position(store, f) == [i for i in order if i not in (order[3], order[100], order[200])]


def test_a_load_moves_rows_and_positions_follow(store: Store) -> None:
    f = QueueFilter(sort="age", expr=parse("kind:post"))
    before = _same_by_position(store, f)
    store.add_items(list(generate(340, now=store.clock()))[300:])  # forty more, interleaved by age
    after = _same_by_position(store, f)
    assert len(after) > len(before) and set(before) < set(after)


def _all_rows(store: Store) -> list[ItemSummary]:
    return [ItemSummary.from_json(i) for i in store.queue(SENIOR, QueueFilter(sort="age"), cursor=None, limit=10_000)["items"]]


_ROWS: dict[str, list[ItemSummary]] = {}
_REACHED: list[int] = []  # how many texts reached the comparison, and their match counts


@pytest.fixture(scope="module")
def text_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Demo items, and a few whose snippets hold FTS5's own syntax and hostile text."""
    clock = FakeClock()
    s = Store(tmp_path_factory.mktemp("fts") / "fts.db", DEFAULT_POLICY, clock=clock)
    seed_demo(s, 150, now=clock())
    base = next(iter(generate(1, now=clock())))
    odd = ['say "hi" NEAR(a b) AND c*', "x OR y - z ^start", "Straße İstanbul STRASSE", "pay\u200bpal \u202eevil",
           "ab", "a\x1b[31mred", "ÀÉÎ õü ß", "tele gram telegram TeLeGrAm"]
    s.add_items([dict(base, id=f"it-odd-{n}", text=t) for n, t in enumerate(odd)])
    _ROWS["all"] = _all_rows(s)
    yield s
    s.close()


@st.composite
def _substrings(draw: st.DrawFn) -> str:
    shown = summary_snippet(draw(st.sampled_from([r.snippet for r in _ROWS["all"]]))).text
    start = draw(st.integers(0, max(0, len(shown) - 1)))
    text = shown[start:start + draw(st.integers(1, 12))]
    if draw(st.booleans()):
        text = text.upper()
    return text


@settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_free_text_is_the_client_substring_rule(text_store: Store, data: st.DataObject) -> None:
    text = data.draw(st.one_of(_substrings(), st.sampled_from(['"', "AND", "NEAR(", "c*", "^", "ß", "ss", "i̇", "xyzq"])))
    if '"' in text or not text.strip():  # not a text the language can hold as one term
        return
    expr = '"' + text + '"' if " " in text or text.startswith("-") else text
    try:
        f = parse(expr)
    except Exception:  # noqa: BLE001 (a substring that reads as a field term: not free text)
        return
    now = datetime.fromtimestamp(text_store.clock(), UTC)
    expected = [i.id for i in parse_sort("age").sort(f.select(_ROWS["all"], now))]
    ids = [i for line in text_store.ids(SENIOR, QueueFilter(sort="age", expr=f)) for i in line.get("ids", [])]
    assert ids == expected, expr
    _REACHED.append(len(expected))


def test_a_rolled_back_load_leaves_no_reason_bit_behind(tmp_path: Path) -> None:
    clock = FakeClock()
    s = Store(tmp_path / "bits.db", DEFAULT_POLICY, clock=clock)
    base = next(iter(generate(1, now=clock())))
    report = dict(base["reports"][0], reason="brand_new")
    with pytest.raises(PayloadError):
        s.add_items([dict(base, id="it-a", reports=[report]), dict(base, id="it-bad", kind="video")])
    s.add_items([dict(base, id="it-a", reports=[report])])
    s.close()
    again = Store(tmp_path / "bits.db", DEFAULT_POLICY, clock=clock)
    try:
        assert again.count(SENIOR, QueueFilter(expr=parse("reason:brand_new")))["total"] == 1
    finally:
        again.close()


def test_a_file_of_an_older_version_gets_its_query_columns(tmp_path: Path) -> None:
    """A file written before the query columns (no src/rsn/cty/flg, no item_fts, the old
    indexes) answers every filter as a file written now does."""
    clock = FakeClock()
    new = Store(tmp_path / "new.db", DEFAULT_POLICY, clock=clock)
    seed_demo(new, 200, now=clock())
    new.close()
    old = tmp_path / "old.db"
    with sqlite3.connect(tmp_path / "new.db") as src, sqlite3.connect(old) as dst:
        src.backup(dst)
    with sqlite3.connect(old) as db:
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'items_%'").fetchall():
            db.execute(f"DROP INDEX {name}")
        db.execute("DROP TABLE item_fts")
        db.execute("DROP TABLE code_bits")
        for column in ("src", "rsn", "cty", "flg"):
            db.execute(f"ALTER TABLE items DROP COLUMN {column}")
        db.execute("CREATE INDEX items_by_deadline ON items (state, dkey, priority DESC, id)")
    a, b = Store(tmp_path / "new.db", DEFAULT_POLICY, clock=clock), Store(old, DEFAULT_POLICY, clock=clock)
    try:
        assert b._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'items_by_deadline'").fetchone() is None  # noqa: SLF001
        for expr in ("source:ao", "country:de", "reason:spam", "flag:any", "flag:bidi", "telegram", '"free "', "ab",
                     "-reason:hate_speech,fraud kind:post", "source:tf,user"):
            f = QueueFilter(sort="priority", expr=parse(expr))
            assert [x["ids"] for x in a.ids(SENIOR, f) if "ids" in x] == [x["ids"] for x in b.ids(SENIOR, f) if "ids" in x], expr
    finally:
        a.close()
        b.close()


def test_the_free_text_property_compared_many_texts(text_store: Store) -> None:
    """Guards the property above against drawing only texts it skips, or only misses."""
    assert len(_REACHED) >= 100 and sum(1 for n in _REACHED if n > 0) >= 50 and sum(1 for n in _REACHED if n == 0) >= 1


def test_a_view_that_grows_by_escalations_is_marked_again(store: Store) -> None:
    """Escalations move items into the escalated view one by one; its marks follow, and a
    stretch grown past a few strides is marked again rather than walked."""
    f = QueueFilter(queue="escalated", sort="age")
    before = _same_by_position(store, f)
    for item_id in _walk(store, QueueFilter(sort="-age"))[:60]:
        _decide(store, item_id, Action.ESCALATE, escalate_to="senior")
    assert len(_same_by_position(store, f)) == len(before) + 60
