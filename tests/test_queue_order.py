"""The window keeps the view's order through the live feed's edits (`queue.window.Window`):
after any run of upserts and removals, a run that holds the whole view is exactly a fresh
sort of it, and a run that holds a middle part of it keeps its position true: its start
is the number of the view's items that sort before its first row."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_queue_list import summary
from triage_tui.filters import SORTS, parse_sort
from triage_tui.model import ItemSummary
from triage_tui.queue.window import Window

ORDERS = [parse_sort(name) for name in SORTS] + [parse_sort(f"-{name}") for name in SORTS]

change = st.tuples(
    st.sampled_from(["put", "drop"]),
    st.lists(st.integers(0, 60), min_size=1, max_size=5),  # which items
    st.integers(0, 99),  # what they become: priority, reports
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ORDERS), st.lists(change, max_size=30))
def test_the_whole_view_stays_a_fresh_sort_after_any_changes(sort: object, changes: list[tuple[str, list[int], int]]) -> None:
    view: dict[str, ItemSummary] = {}
    for i in range(40):
        item = summary(i)
        view[item.id] = item
    window = Window(sort.sort(view.values()), key=sort.key)  # type: ignore[attr-defined]
    for what, which, value in changes:
        if what == "put":
            for item in (summary(i, priority=value, report_count=1 + value % 7, version=2) for i in which):
                view[item.id] = item
                window.upsert(item)
        else:
            gone = {f"it-{i:06d}" for i in which} & view.keys()
            for item_id in gone:
                del view[item_id]
            window.remove(gone)
        assert window.rows == sort.sort(view.values())  # type: ignore[attr-defined]
        assert window.start == 0 and len(window) == len(view)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ORDERS), st.integers(5, 20), st.integers(5, 15), st.lists(change, max_size=30))
def test_a_middle_run_keeps_its_position_true(sort: object, start: int, size: int, changes: list[tuple[str, list[int], int]]) -> None:
    """The items that change outside the run are placed by their sort key: one that joins
    or leaves before the run moves it down or up, as the backend's positions move."""
    key = sort.key  # type: ignore[attr-defined]
    view = {item.id: item for item in (summary(i) for i in range(40))}
    ordered = sort.sort(view.values())  # type: ignore[attr-defined]
    window = Window(key=key)
    window.replace(ordered[start : start + size], start=start, total=len(ordered))
    for what, which, value in changes:
        for i in set(which):
            item_id = f"it-{i:06d}"
            if what == "put":
                item = summary(i, priority=value, report_count=1 + value % 7, version=2)
                old = view.get(item_id)
                if old is not None and window.index_of(item_id) is None:
                    window.left_outside(old)  # a change outside the run: it leaves its old place…
                view[item_id] = item
                window.upsert(item)  # …and takes its new one
            elif item_id in view:
                old = view.pop(item_id)
                if window.index_of(item_id) is not None:
                    window.remove({item_id})
                else:
                    window.left_outside(old)
        ordered = sort.sort(view.values())  # type: ignore[attr-defined]
        assert len(window) == len(ordered)
        if window.rows:
            first = ordered.index(window.rows[0])
            assert window.start == first
            assert window.rows == ordered[first : first + len(window.rows)]
