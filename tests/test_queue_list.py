"""QueueList: the Line-API virtual list of the triage screen, driven through Pilot."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.widgets import Static

from triage_tui.model import ItemSummary, iso
from triage_tui.sanitize import Flag
from triage_tui.ui.widgets import QueueList
from triage_tui.ui.widgets.queue_list import due_label

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
SENSITIVE = {"child_safety", "self_harm"}
REASONS = ["spam", "harassment", "violent_extremism", "child_safety", "hate_speech", None]
SOURCE_SETS = [
    ["user_report"],
    ["authority_order", "user_report"],
    ["trusted_flagger"],
    ["automated", "user_report"],
    ["authority_order", "trusted_flagger", "automated", "user_report"],
]


def payload(i: int, **over: Any) -> dict[str, Any]:
    """A protocol-shaped ItemSummary; every 3rd item has no deadline, the first is overdue."""
    data: dict[str, Any] = {
        "id": f"it-{i:06d}",
        "kind": "channel" if i % 5 == 4 else "post",
        "state": "open",
        "version": 1,
        "priority": 90 - i % 50,
        "deadline": iso(NOW + timedelta(minutes=7 * i - 20)) if i % 3 != 2 else None,
        "sources": SOURCE_SETS[i % len(SOURCE_SETS)],
        "countries": ["DE"] if i % 5 == 1 else [],
        "reason": REASONS[i % len(REASONS)],
        "report_count": 1 + i % 40,
        "snippet": f"post number {i}: lorem ipsum dolor sit amet\nsecond line",
        "first_reported_at": iso(NOW - timedelta(hours=1)),
        "escalated_to": None,
        "campaign": None,
    }
    data.update(over)
    return data


def summary(i: int, **over: Any) -> ItemSummary:
    return ItemSummary.from_json(payload(i, **over))


@functools.cache
def many(n: int) -> tuple[ItemSummary, ...]:
    return tuple(summary(i) for i in range(n))


def sensitive(item: ItemSummary) -> bool:
    return item.reason in SENSITIVE


class FakeClock:
    def __init__(self, when: datetime = NOW) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


class QueueApp(App[None]):
    """The smallest host: the list and one status line fed by its messages."""

    CSS = "#status { height: 1; dock: bottom; }"

    def __init__(self, items: Sequence[ItemSummary], *, clock: Callable[[], datetime] | None = None, masked: Callable[[ItemSummary], bool] | None = sensitive, **kwargs: Any) -> None:
        super().__init__()
        self.initial = items
        self.clock = clock or FakeClock()
        self.masked = masked
        self.kwargs = kwargs
        self.moves: list[str | None] = []
        self.tag_sets: list[frozenset[str]] = []
        self.revealed: list[frozenset[str]] = []

    def compose(self) -> ComposeResult:
        yield QueueList(self.initial, clock=self.clock, masked=self.masked, **self.kwargs)
        yield Static(id="status")

    def on_mount(self) -> None:
        self.query_one(QueueList).focus()

    def on_queue_list_cursor_moved(self, message: QueueList.CursorMoved) -> None:
        self.moves.append(message.item.id if message.item else None)
        # Ids may contain '[': even they go in as Content, never as a markup string.
        self.query_one("#status", Static).update(Content(f"{message.index} {message.item.id if message.item else '-'}"))

    def on_queue_list_tagged(self, message: QueueList.Tagged) -> None:
        self.tag_sets.append(message.tagged)

    def on_queue_list_revealed(self, message: QueueList.Revealed) -> None:
        self.revealed.append(message.ids)


def screen_lines(app: App[Any]) -> list[str]:
    """What the terminal shows, one string per row (the compositor's output as text)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def terminal_output(app: App[Any]) -> str:
    """The exact bytes a full repaint would write to the terminal."""
    console = Console(force_terminal=True, color_system="truecolor", width=app.size.width, legacy_windows=False)
    return app.screen._compositor.render_full_update().render_segments(console)


def rows(app: App[Any]) -> list[str]:
    queue = app.query_one(QueueList)
    return [queue.render_line(y).text for y in range(queue.scrollable_content_region.height)]


class Builds:
    """Counts the rows `queue` builds from now on."""

    def __init__(self, queue: QueueList) -> None:
        self.count = 0
        build = queue._build_row

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return build(*args, **kwargs)

        queue._build_row = counted  # type: ignore[method-assign]


def row_of(app: App[Any], item_id: str) -> str:
    queue = app.query_one(QueueList)
    index = queue.index_of(item_id)
    assert index is not None
    y = index - queue.scroll_offset.y
    assert 0 <= y < queue.scrollable_content_region.height, f"{item_id} is not on screen"
    return queue.render_line(y).text


def assert_cursor_visible(queue: QueueList) -> None:
    top = queue.scroll_offset.y
    assert queue.cursor_index is not None
    assert top <= queue.cursor_index < top + queue.scrollable_content_region.height


# ---------------------------------------------------------------------------- opening


async def test_opens_100k_items_and_paints_the_first_screen() -> None:
    items = many(100_000)
    app = QueueApp(items)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        queue = app.query_one(QueueList)
        height = queue.scrollable_content_region.height
        assert height == 29  # 30 rows less the status line
        assert queue.virtual_size.height == 100_000
        assert queue.cursor_index == 0 and queue.cursor_item is items[0]
        assert app.moves == ["it-000000"]
        lines = screen_lines(app)
        assert lines[0].startswith("▶")
        for y in range(height):
            assert f"post number {y}:" in lines[y] or "masked" in lines[y], lines[y]
            assert "▶" not in lines[y] or y == 0
        assert lines[-1].startswith("0 it-000000")
        # Virtual: only the rows on screen were built, not 100k.
        assert len(queue._row_cache) <= height + 2


async def test_set_items_replaces_the_index_and_keeps_the_cursor_item() -> None:
    items = list(many(1000))
    app = QueueApp(items[:100])
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        queue.move_cursor(40)
        await pilot.pause()
        queue.set_items(list(reversed(items)))
        await pilot.pause()
        assert queue.item_count == 1000
        assert queue.cursor_item is not None and queue.cursor_item.id == "it-000040"
        assert queue.cursor_index == 959
        assert_cursor_visible(queue)
        queue.set_items(items[500:], cursor="it-000600")
        await pilot.pause()
        assert queue.cursor_index == 100
        queue.set_items(items[:10])  # cursor item gone: back to the top
        await pilot.pause()
        assert queue.cursor_index == 0
        assert app.moves[-1] == "it-000000"
        queue.set_items([])
        await pilot.pause()
        assert queue.cursor_index is None and queue.cursor_item is None
        assert app.moves[-1] is None
        assert all(line.strip() == "" for line in rows(app))


# ---------------------------------------------------------------------------- keys


async def test_every_binding_moves_the_cursor() -> None:
    items = many(1000)
    app = QueueApp(items)
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        page = queue.scrollable_content_region.height
        assert page == 19

        async def press(key: str, expected: int) -> None:
            await pilot.press(key)
            await pilot.pause()
            assert queue.cursor_index == expected, key
            assert queue.cursor_item is items[expected]
            assert app.moves[-1] == items[expected].id
            assert_cursor_visible(queue)
            assert row_of(app, items[expected].id).startswith("▶")

        await press("j", 1)
        await press("down", 2)
        await press("k", 1)
        await press("up", 0)
        await press("up", 0)  # clamped at the top
        await press("pagedown", page)
        await press("pagedown", 2 * page)
        await press("pageup", page)
        await press("G", 999)
        await press("j", 999)  # clamped at the bottom
        await press("pageup", 999 - page)
        await press("g", 0)
        await press("end", 999)
        await press("home", 0)
        for _ in range(25):
            await pilot.press("j")
        await pilot.pause()
        assert queue.cursor_index == 25
        assert_cursor_visible(queue)
        # Each binding has an id, so a keymap can move it.
        assert {b.id for _, b in queue._bindings} >= {
            "queue.down", "queue.up", "queue.page_down", "queue.page_up",
            "queue.first", "queue.last", "queue.tag", "queue.reveal",
        }


async def test_bindings_can_be_remapped_by_id() -> None:
    app = QueueApp(many(100))
    async with app.run_test(size=(100, 20)) as pilot:
        app.set_keymap({"queue.down": "n", "queue.tag": "t"})
        await pilot.pause()
        queue = app.query_one(QueueList)
        await pilot.press("n", "n")
        await pilot.pause()
        assert queue.cursor_index == 2
        await pilot.press("t")
        await pilot.pause()
        assert queue.tagged == {"it-000002"}


async def test_click_moves_the_cursor() -> None:
    app = QueueApp(many(100))
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.click(QueueList, offset=(40, 5))
        await pilot.pause()
        assert app.query_one(QueueList).cursor_index == 5


# ---------------------------------------------------------------------------- tags


async def test_tag_and_untag() -> None:
    app = QueueApp(many(100))
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        await pilot.press("space")
        await pilot.pause()
        assert queue.tagged == {"it-000000"}
        assert queue.cursor_index == 1  # space advances, so space-space-space tags a run
        assert row_of(app, "it-000000").startswith(" *")
        assert row_of(app, "it-000001").startswith("▶ ")
        await pilot.press("space", "space")
        await pilot.pause()
        assert queue.tagged == {"it-000000", "it-000001", "it-000002"}
        await pilot.press("k", "space")
        await pilot.pause()
        assert queue.tagged == {"it-000000", "it-000001"}
        assert row_of(app, "it-000002")[1] == " "
        assert app.tag_sets[-1] == frozenset({"it-000000", "it-000001"})
        # Tagging by filter only tags items that are in the index.
        assert queue.tag_ids(["it-000050", "it-000051", "nope"]) == 2
        assert queue.tagged == {"it-000000", "it-000001", "it-000050", "it-000051"}
        queue.clear_tags()
        await pilot.pause()
        assert queue.tagged == set() and app.tag_sets[-1] == frozenset()
        # The returned set is a copy: changing it does not tag anything.
        queue.tagged.add("it-000007")
        assert queue.tagged == set()


async def test_tags_of_items_that_leave_are_dropped() -> None:
    app = QueueApp(many(100))
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        queue.tag_ids(["it-000003", "it-000004", "it-000080"])
        queue.remove(["it-000004"])
        await pilot.pause()
        assert queue.tagged == {"it-000003", "it-000080"}
        queue.set_items(many(100)[:50])
        await pilot.pause()
        assert queue.tagged == {"it-000003"}
        assert app.tag_sets[-1] == frozenset({"it-000003"})


# ---------------------------------------------------------------------------- masking


async def test_masked_rows_show_the_reason_not_the_text_until_revealed() -> None:
    items = many(20)
    masked_item = items[3]
    assert masked_item.reason == "child_safety"
    app = QueueApp(items)
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        line = row_of(app, masked_item.id)
        assert "child_safety" in line
        assert "▒▒ masked — v to reveal" in line
        assert "post number 3" not in line
        assert "post number 3" not in "\n".join(screen_lines(app))
        assert queue.is_masked(masked_item)
        # v on an unmasked row reveals nothing new but is harmless; on the masked row it reveals.
        queue.move_cursor(3)
        await pilot.press("v")
        await pilot.pause()
        assert app.revealed == [frozenset({masked_item.id})]
        assert "post number 3: lorem" in row_of(app, masked_item.id)
        assert not queue.is_masked(masked_item)
        queue.conceal([masked_item.id])
        await pilot.pause()
        assert "masked" in row_of(app, masked_item.id)
        # reveal() from the screen (e.g. its own `v` on tagged items)
        queue.reveal([items[9].id])
        await pilot.pause()
        assert items[9].reason == "child_safety"
        assert "post number 9" in row_of(app, items[9].id)
        # A new policy: nothing sensitive.
        queue.set_mask(None)
        await pilot.pause()
        assert "post number 3" in row_of(app, masked_item.id)


async def test_masked_placeholder_names_a_remapped_reveal_key() -> None:
    app = QueueApp(many(10))
    async with app.run_test(size=(100, 20)) as pilot:
        app.set_keymap({"queue.reveal": "R"})
        queue = app.query_one(QueueList)
        queue.refresh_rows()
        await pilot.pause()
        assert "▒▒ masked — R to reveal" in row_of(app, "it-000003")


# ---------------------------------------------------------------------------- live changes


async def test_remove_keeps_the_cursor_on_its_item_or_the_next() -> None:
    items = many(200)
    app = QueueApp(items)
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        queue.move_cursor(10)
        await pilot.pause()
        assert queue.remove(["it-000003", "it-000004", "missing"]) == 2
        await pilot.pause()
        assert queue.cursor_item is items[10] and queue.cursor_index == 8
        assert queue.remove(["it-000010"]) == 1  # decided by someone else
        await pilot.pause()
        assert queue.cursor_item is items[11] and queue.cursor_index == 8
        assert app.moves[-1] == "it-000011"
        assert row_of(app, "it-000011").startswith("▶")
        assert queue.index_of("it-000010") is None
        # Many at once (the bulk path) including the cursor item.
        gone = [f"it-{i:06d}" for i in range(5, 60)]
        assert queue.remove(gone) == 55 - 1  # it-000010 was already gone
        await pilot.pause()
        assert queue.cursor_item is items[60]
        assert [it.id for it in queue.items[:4]] == ["it-000000", "it-000001", "it-000002", "it-000060"]
        # The last item, under the cursor: the cursor moves to the new last one.
        queue.action_last()
        queue.remove([items[-1].id])
        await pilot.pause()
        assert queue.cursor_item is items[-2]
        assert_cursor_visible(queue)
        queue.remove([it.id for it in queue.items])
        await pilot.pause()
        assert queue.cursor_item is None and queue.item_count == 0
        assert app.moves[-1] is None
        queue.upsert(summary(5000))
        await pilot.pause()
        assert queue.cursor_item is not None and queue.cursor_item.id == "it-005000"


@pytest.mark.parametrize("count", [1, 3, 5, 40, 150])
async def test_remove_any_number_keeps_order(count: int) -> None:
    items = many(300)
    app = QueueApp(items)
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        queue.move_cursor(200)
        gone = {items[i].id for i in range(0, 2 * count, 2)}  # every other item from the top
        assert queue.remove(gone | {"not-there"}) == count
        await pilot.pause()
        assert [it.id for it in queue.items] == [it.id for it in items if it.id not in gone]
        assert queue.cursor_item is (items[201] if items[200].id in gone else items[200])
        assert_cursor_visible(queue)


async def test_remove_above_the_view_does_not_move_the_rows_on_screen() -> None:
    items = many(500)
    app = QueueApp(items)
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        queue.move_cursor(300)
        await pilot.pause()
        before = rows(app)
        top = queue.scroll_offset.y
        queue.remove(["it-000001", "it-000002", "it-000003"])
        await pilot.pause()
        assert queue.scroll_offset.y == top - 3
        assert rows(app) == before
        queue.upsert(summary(9999), )  # appended at the end: nothing moves
        await pilot.pause()
        assert rows(app) == before


async def test_upsert_replaces_in_place_and_inserts_by_sort_key() -> None:
    items = many(100)
    app = QueueApp(items[::2], sort_key=lambda it: it.id)  # even ids, sorted by id
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        queue.move_cursor(5)  # it-000010
        await pilot.pause()
        assert queue.cursor_item is items[10]
        # A newer version of the cursor item: replaced where it is; the detail pane hears of it.
        newer = summary(10, version=2, snippet="edited text", report_count=99)
        queue.upsert(newer)
        await pilot.pause()
        assert queue.cursor_item is newer and queue.cursor_index == 5
        assert "edited text" in row_of(app, "it-000010") and "×99" in row_of(app, "it-000010")
        assert app.moves[-2:] == ["it-000010", "it-000010"]
        # A new item before the cursor: inserted in order, the cursor stays on its item.
        queue.upsert(items[3])
        await pilot.pause()
        assert queue.index_of("it-000003") == 2
        assert queue.cursor_item is newer and queue.cursor_index == 6
        # After the cursor.
        queue.upsert(items[51])
        await pilot.pause()
        assert queue.index_of("it-000051") == 27
        assert queue.cursor_index == 6
        assert [it.id for it in queue.items] == sorted(it.id for it in queue.items)


async def test_upsert_without_sort_key_appends() -> None:
    app = QueueApp(many(10))
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        queue.upsert(summary(77))
        queue.upsert(summary(3, version=5, snippet="v5"))
        await pilot.pause()
        assert queue.items[-1].id == "it-000077"
        assert queue.items[3].version == 5
        assert queue.item_count == 11


async def test_upsert_with_a_new_sort_position_follows_the_cursor_item() -> None:
    items = many(50)
    app = QueueApp(items, sort_key=lambda it: -it.priority)
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        ordered = sorted(items, key=lambda it: -it.priority)
        queue.set_items(ordered)
        queue.move_cursor(30)
        await pilot.pause()
        target = queue.cursor_item
        assert target is not None
        bumped = dataclasses.replace(target, priority=100, version=target.version + 1)
        queue.upsert(bumped)
        await pilot.pause()
        assert queue.cursor_item is bumped and queue.cursor_index == 0
        assert_cursor_visible(queue)


# ---------------------------------------------------------------------------- untrusted text

HOSTILE = [
    "\x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07 clip \x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "[@click=app.quit]x[/]",
    "[/",
    "[bold]not bold[/bold] [link=https://evil.example]l[/link]",
    "\x9b31m C1 CSI \u202eRLO override",
    "multi\nline\r\ntext\twith tab",
]


async def test_hostile_snippets_show_literally_and_do_nothing() -> None:
    items = [summary(i, snippet=text, reason="spam") for i, text in enumerate(HOSTILE)]
    app = QueueApp(items)
    async with app.run_test(size=(160, 20)) as pilot:
        queue = app.query_one(QueueList)
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert "[@click=app.quit]x[/]" in lines[1]
        assert lines[2].rstrip().endswith("[/")
        assert "[bold]not bold[/bold] [link=https://evil.example]l[/link]" in lines[3]
        assert "␛[31mred␛[0m ␛]52;c;ZXZpbA==␇ clip" in lines[0]
        assert "⟨RLO⟩" in lines[4]
        assert "multi⏎line␍⏎text with tab" in lines[5]
        # Items the sanitizer flagged carry a warning sign; the plain-markup ones do not.
        assert "⚠" in lines[0] and "⚠" in lines[4]
        assert "⚠" not in lines[1] and "⚠" not in lines[2]
        assert "\x1b" not in text and "\x9b" not in text
        out = terminal_output(app)
        assert "\x1b]52" not in out and "\x1b]8;;https://evil" not in out and "\x9b" not in out
        assert "\x07" not in out
        # Clicking and keying over them runs no action from the text.
        for y in range(len(HOSTILE)):
            await pilot.click(QueueList, offset=(70, y))
            await pilot.click(QueueList, offset=(60, y), times=2)
        await pilot.press("j", "space", "v", "G", "g")
        await pilot.pause()
        assert app.is_running
        assert app.return_code is None
        assert queue.cursor_index == 0


async def test_control_characters_that_bypassed_the_model_are_still_neutralised() -> None:
    # Defence in depth: a summary built without the sanitizer (a bug elsewhere).
    raw = dataclasses.replace(summary(0), snippet="\x1b]52;c;aGk=\x07\x1b[2J\x85end")
    app = QueueApp([raw])
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        line = screen_lines(app)[0]
        assert "␛]52;c;aGk=␇␛[2J\ufffdend" in line
        out = terminal_output(app)
        assert "\x1b]52" not in out and "\x1b[2J" not in out and "\x85" not in out


# ---------------------------------------------------------------------------- deadlines


def test_due_label() -> None:
    assert due_label(NOW + timedelta(minutes=45, seconds=30), NOW) == ("45m", False)
    assert due_label(NOW + timedelta(seconds=20), NOW) == ("<1m", False)
    assert due_label(NOW + timedelta(hours=2, minutes=5), NOW) == ("2h05m", False)
    assert due_label(NOW + timedelta(days=3, hours=4, minutes=59), NOW) == ("3d04h", False)
    assert due_label(NOW + timedelta(days=400), NOW) == (">99d", False)
    assert due_label(NOW, NOW) == ("!<1m", True)
    assert due_label(NOW - timedelta(minutes=12), NOW) == ("!12m", True)
    assert due_label(NOW - timedelta(hours=26), NOW) == ("!1d02h", True)


@pytest.mark.parametrize(("width", "cells"), [(160, ["hate_speech +2", "harassment", "violent_extrem… +1"]),
                                              (70, ["hate_s… +2", "harassment", "violen… +1"])])
async def test_the_reason_cell_shows_the_main_reason_and_how_many_others(width: int, cells: list[str]) -> None:
    """A reason: filter matches any report's reason, so the row says there are others:
    `+N` after the main one, the main one shortened to make room (compact below 75)."""
    items = [
        summary(0, reason="hate_speech", reasons=["harassment", "hate_speech", "spam"], deadline=None),
        summary(1, reason="harassment", reasons=["harassment"], deadline=None),
        summary(2, reason="violent_extremism", reasons=["spam"], deadline=None),  # the main one is among them
    ]
    app = QueueApp(items)
    async with app.run_test(size=(width, 6)) as pilot:
        await pilot.pause()
        lines = rows(app)
        for line, cell in zip(lines, cells):
            assert f" {cell} " in line, (line, cell)
        assert "+" not in lines[1]
        assert len({line.index("×") for line in lines[:3]}) == 1  # the count column stays put


async def test_overdue_rows_carry_a_symbol_not_only_colour() -> None:
    items = [
        summary(0, deadline=iso(NOW - timedelta(minutes=20))),
        summary(1, deadline=iso(NOW + timedelta(minutes=45))),
        summary(2, deadline=None, priority=87),
        summary(3, deadline=iso(NOW - timedelta(hours=3, minutes=1)), reason="spam"),
    ]
    clock = FakeClock()
    app = QueueApp(items, clock=clock)
    async with app.run_test(size=(100, 10)) as pilot:
        queue = app.query_one(QueueList)
        lines = rows(app)
        assert lines[0][2:10].strip() == "!20m"
        assert lines[1][2:10].strip() == "45m"
        assert lines[2][2:10].strip() == "—"  # no deadline shows none: not the priority
        assert "P87" not in lines[2] and "87" not in lines[2][:10]
        assert lines[3][2:10].strip() == "!3h01m"
        assert "!" not in lines[1][:10] and "!" not in lines[2][:10]
        # Overdue is also coloured differently (the theme's error colour).
        overdue_style = next(s.style for s in queue.render_line(0) if "!20m" in s.text)
        due_style = next(s.style for s in queue.render_line(1) if "45m" in s.text)
        assert overdue_style is not None and due_style is not None
        assert overdue_style.color != due_style.color
        # Time passes: the countdown moves on, and the due item becomes overdue.
        clock.when = NOW + timedelta(minutes=46)
        queue._tick()
        await pilot.pause()
        lines = rows(app)
        assert lines[0][2:10].strip() == "!1h06m"
        assert lines[1][2:10].strip() == "!1m"


# ---------------------------------------------------------------------------- styles


def _style_of(queue: QueueList, y: int, text: str) -> Any:
    return next(seg.style for seg in queue.render_line(y) if text in seg.text)


async def test_component_classes_restyle_rows() -> None:
    class Themed(QueueApp):
        CSS = QueueApp.CSS + """
        QueueList > .queue-list--overdue { color: #00ff00; }
        QueueList > .queue-list--tagged { background: #0000ff; }
        """

    items = [summary(0), summary(1, deadline=iso(NOW - timedelta(minutes=5))), summary(2)]
    app = Themed(items)
    async with app.run_test(size=(100, 6)) as pilot:
        queue = app.query_one(QueueList)
        await pilot.pause()
        assert _style_of(queue, 1, "!5m").color.triplet.hex == "#00ff00"
        queue.toggle_tag("it-000002")
        await pilot.pause()
        assert _style_of(queue, 2, "post number 2").bgcolor.triplet.hex == "#0000ff"


async def test_cursor_row_looks_different_when_the_list_loses_focus() -> None:
    class WithOther(QueueApp):
        def compose(self) -> ComposeResult:
            yield from super().compose()
            yield Static("other", id="other")

    app = WithOther(many(10))
    async with app.run_test(size=(100, 12)) as pilot:
        queue = app.query_one(QueueList)
        await pilot.pause()
        focused = _style_of(queue, 0, "post number 0").bgcolor
        app.query_one("#other", Static).can_focus = True
        app.query_one("#other", Static).focus()
        await pilot.pause()
        assert not queue.has_focus
        blurred = _style_of(queue, 0, "post number 0").bgcolor
        assert focused != blurred
        assert screen_lines(app)[0].startswith("▶")  # the marker stays: not colour alone


# ---------------------------------------------------------------------------- widths


@pytest.mark.parametrize("width", [160, 100, 80, 60, 48, 30, 12])
async def test_rows_fit_any_width(width: int) -> None:
    items = [
        summary(0, snippet="中文字符" * 40, sources=["authority_order", "trusted_flagger", "automated", "user_report"], report_count=123_456),
        summary(1, snippet="x" * 300, reason="violent_extremism_and_more"),
        summary(2, snippet="short"),
        summary(3),  # masked
    ]
    app = QueueApp(items)
    async with app.run_test(size=(width, 8)) as pilot:
        await pilot.pause()
        queue = app.query_one(QueueList)
        inner = queue.scrollable_content_region.width
        for y in range(4):
            strip = queue.render_line(y)
            assert strip.cell_length == inner
        lines = rows(app)
        if width >= 80:
            # Everything essential is there at 80 columns (a 78-cell list).
            assert lines[0].startswith("▶ ")
            assert "AO TF AU UR" in lines[0] and "×123k" in lines[0] and "post" in lines[0]
            assert "violent_extremism…" in lines[1] or "violent_extremism_and_more" in lines[1]
            assert lines[1].rstrip().endswith("…")
            assert "▒▒ masked" in lines[3]
        elif width >= 48:
            assert "AO+3" in lines[0] and "×123k" in lines[0]
            assert "violent_e…" in lines[1]
            assert "▒▒" in lines[3]


async def test_flagged_items_get_a_warning_sign() -> None:
    flagged = summary(0, snippet="pay\u200bpal")
    assert Flag.INVISIBLE in flagged.flags
    app = QueueApp([flagged, summary(1)])
    async with app.run_test(size=(100, 6)) as pilot:
        await pilot.pause()
        lines = rows(app)
        assert "⚠" in lines[0] and "pay⟨ZWSP⟩pal" in lines[0]
        assert "⚠" not in lines[1]


# ---------------------------------------------------------------------------- snapshots


def snapshot_items() -> list[ItemSummary]:
    """A deterministic queue that shows every kind of row."""
    specials = [
        summary(0, deadline=iso(NOW - timedelta(minutes=20)), sources=["authority_order"], reason="violent_extremism", countries=["DE"], snippet="Join us on the 5th.\nBring everything."),
        summary(1, deadline=iso(NOW + timedelta(minutes=38)), sources=["trusted_flagger", "user_report"], reason="hate_speech", report_count=12,
                reasons=["harassment", "hate_speech", "spam"]),
        summary(2, deadline=None, priority=64, sources=["automated"], reason="spam", snippet="BUY NOW!!! cheap followers → example.invalid",
                reasons=["scam", "spam"]),
        summary(3, reason="child_safety", sources=["trusted_flagger"], snippet="must never be shown unmasked"),
        summary(4, kind="channel", snippet="Официальный канал — News [@click=app.quit]free[/]", reason="harassment"),
        summary(5, snippet="\x1b]52;c;ZXZpbA==\x07 clipboard \u202eevil", reason="spam"),
        summary(6, snippet="日本語のテキストがここにあります。" * 5, reason="spam", report_count=1234),
    ]
    return specials + [summary(i) for i in range(7, 200)]


def snapshot_app() -> QueueApp:
    return QueueApp(snapshot_items(), clock=FakeClock())


def test_snapshot_80x24(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), press=["j", "space", "j", "j"], terminal_size=(80, 24))


def test_snapshot_160x50(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), press=["space", "space", "j", "j"], terminal_size=(160, 50))


async def test_a_page_prepared_ahead_is_painted_without_building_a_row() -> None:
    items = many(1000)
    app = QueueApp(items)
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)
        page = queue.scrollable_content_region.height
        queue.prepare(page, page)  # the next page, the cursor on its first row
        built = Builds(queue)
        await pilot.press("pagedown")
        await pilot.pause()
        assert queue.cursor_index == page and queue.scroll_offset.y == page
        shown = rows(app)
        assert built.count == 0, f"{built.count} rows built although prepared"
        assert shown[0].startswith("▶") and f"post number {page}:" in shown[0]
        queue._row_cache.clear()
        assert rows(app) == shown  # the same rows as built now


async def test_focus_going_and_coming_back_rebuilds_no_row() -> None:
    """Rows are kept by the styles they were built with: the focused and the blurred look
    (the filter bar takes focus and gives it back on every filter) each built once."""
    app = QueueApp(many(1000))
    async with app.run_test(size=(100, 20)) as pilot:
        queue = app.query_one(QueueList)

        def strips() -> list[Any]:
            queue.render_lines(Region(0, 0, queue.size.width, queue.size.height))  # (styles looked at per frame)
            return [queue.render_line(y) for y in range(queue.scrollable_content_region.height)]

        focused = strips()
        queue.blur()
        await pilot.pause()
        blurred = strips()
        assert blurred != focused  # the cursor row and the tint show where the focus is
        built = Builds(queue)
        queue.focus()
        await pilot.pause()
        assert strips() == focused and built.count == 0
        queue.blur()
        await pilot.pause()
        assert strips() == blurred and built.count == 0



# ---------------------------------------------------------------------------- scripts


async def test_rows_in_any_script_are_exactly_the_width_and_their_columns_line_up() -> None:
    """Devanagari, Thai, combining marks, emoji ZWJ sequences and CJK in the snippet (and
    as a decided label): every row is exactly its width, and the columns start at the
    same cell on every row, as the compositor measures them (Rich's `cell_len`)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from rich.cells import cell_len

    from tests.test_cells import SCRIPT_TEXT

    app = QueueApp([summary(0)])
    async with app.run_test(size=(120, 6)) as pilot:
        await pilot.pause()
        queue = app.query_one(QueueList)
        styles = queue._get_styles()

        @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(SCRIPT_TEXT, min_size=2, max_size=6), st.sampled_from([200, 120, 100, 80, 60, 40]), st.booleans())
        def check(snippets: list[str], width: int, decided: bool) -> None:
            starts = set()
            for i, snippet in enumerate(snippets):
                item = summary(i, snippet=snippet or "x", report_count=1 + i)
                strip = queue._build_row(item, width, NOW, styles, cursor=i == 0, tagged=i == 1, masked=False, due=None,
                                         decided=snippet if decided and i == 2 else None)
                text = strip.text
                assert strip.cell_length == width and cell_len(text) == width, (snippet, text)
                assert sum(cell_len(seg.text) for seg in strip) == width
                starts.add(cell_len(text[: text.index("\u00d7")]))  # the report count column
            assert len(starts) == 1, starts

        check()
