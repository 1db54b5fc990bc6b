"""The whole queue's order kept in step with small changes (`_Order` in the triage
screen): after any run of puts and drops it is exactly a fresh sort of what is loaded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_queue_list import summary
from triage_tui.filters import SORTS, parse_sort
from triage_tui.model import ItemSummary
from triage_tui.ui.screens.triage import _Order

ORDERS = [parse_sort(name) for name in SORTS] + [parse_sort(f"-{name}") for name in SORTS]

change = st.tuples(
    st.sampled_from(["put", "drop"]),
    st.lists(st.integers(0, 60), min_size=1, max_size=5),  # which items
    st.integers(0, 99),  # what they become: priority, reports
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ORDERS), st.lists(change, max_size=30), st.integers(0, 80))
def test_the_order_is_a_fresh_sort_after_any_small_changes(sort: object, changes: list[tuple[str, list[int], int]], big: int) -> None:
    loaded: dict[str, ItemSummary] = {}
    for i in range(40):
        item = summary(i)
        loaded[item.id] = item
    order = _Order()
    assert order.get(sort, loaded.values()) == sort.sort(loaded.values())  # type: ignore[attr-defined]
    for what, which, value in changes:
        if what == "put":
            batch = {s.id: s for s in (summary(i, priority=value, report_count=1 + value % 7, version=2) for i in which)}
            gone = [loaded[i] for i in batch if i in loaded]
            loaded.update(batch)
            order.change(gone, list(batch.values()))
        else:
            gone = [loaded.pop(f"it-{i:06d}") for i in set(which) if f"it-{i:06d}" in loaded]
            order.change(gone, [])
        assert order.get(sort, loaded.values()) == sort.sort(loaded.values())  # type: ignore[attr-defined]
    # A big batch (a page while loading) is not kept in step: the next use sorts afresh.
    batch = [summary(100 + i, priority=i % 90) for i in range(big)]
    order.change([], batch)
    loaded.update((s.id, s) for s in batch)
    assert order.get(sort, loaded.values()) == sort.sort(loaded.values())  # type: ignore[attr-defined]
