"""The detail pane: one item in full, safely, and cheaply on every cursor move.

Items come from the reference backend's store seeded with the demo data (showcase ids
are fixed, see `triage_tui/server/demo.py`), read through `Item.from_json` as the app
reads them. A tiny app mounts only the pane; what it shows is read back from the
painted lines (`render_lines`) and from the exported screen.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot

from triage_tui.model import Item, Policy
from triage_tui.server.auth import demo_moderators
from triage_tui.server.demo import seed_demo
from triage_tui.server.policy import DEFAULT_POLICY, DEFAULT_POLICY_JSON
from triage_tui.server.store import Store
from triage_tui.ui.widgets.detail import DetailPane, main_reason, masked_by, render_item, size_text

NOW = datetime(2026, 11, 28, 20, 0, tzinfo=UTC).timestamp()
AT = datetime.fromtimestamp(NOW, UTC)
POLICY = Policy.from_json(DEFAULT_POLICY_JSON)
HOSTILE_IDS = [f"it-{n:07d}" for n in range(14, 24)]
MARKUP = ["[@click=app.quit]x[/]", "[link=https://example.com]x[/]", "[/", "[bold red]x", "[b]bold[/b]"]
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def raw_items(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """The first 40 demo items as the backend sends them (JSON), by id."""
    store = Store(tmp_path_factory.mktemp("detail") / "x.db", DEFAULT_POLICY, clock=lambda: NOW)
    try:
        seed_demo(store, 40, now=NOW)
        table, tokens = demo_moderators()
        who = table.lookup(tokens["sam"])
        assert who is not None
        yield {f"it-{n:07d}": store.item(who, f"it-{n:07d}") for n in range(1, 41)}
    finally:
        store.close()


@pytest.fixture
def item(raw_items: dict[str, dict[str, Any]]) -> Any:
    def get(item_id: str) -> Item:
        return Item.from_json(copy.deepcopy(raw_items[item_id]))

    return get


class PaneApp(App[None]):
    """Just the pane, the whole screen."""

    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")


def painted(pane: DetailPane) -> list[str]:
    """The pane's lines as painted (padding, scrollbar column dropped)."""
    lines = pane.render_lines(Region(0, 0, pane.size.width, pane.size.height))
    pad = pane.styles.padding.left
    return ["".join(segment.text for segment in strip)[pad:].rstrip() for strip in lines]


def all_lines(pane: DetailPane) -> list[str]:
    """Every wrapped line of the document, by scrolling through it."""
    out: list[str] = []
    height = pane.scrollable_content_region.height
    total = pane.virtual_size.height
    for top in range(0, total, height):
        pane.scroll_to(y=top, animate=False, immediate=True)
        skip = top - pane.scroll_offset.y  # the last page scrolls only as far as it can
        out += painted(pane)[skip : skip + min(height, total - top)]
    pane.scroll_to(y=0, animate=False, immediate=True)
    assert len(out) == total
    return out


def assert_inert(pane: DetailPane) -> None:
    """No painted segment carries a link, an action or a control character."""
    for strip in pane.render_lines(Region(0, 0, pane.size.width, pane.size.height)):
        for segment in strip:
            style = segment.style
            if style is not None:
                assert style.link is None, segment
                assert not any(key.startswith("@") for key in (style.meta or {})), segment
            assert not CONTROL.search(segment.text), segment


async def shown(pilot: Pilot[None], item: Item | None, *, revealed: bool = False, now: datetime = AT) -> DetailPane:
    pane = pilot.app.query_one(DetailPane)
    pane.show(item, policy=POLICY, now=now, revealed=revealed)
    await pilot.pause()
    return pane


# -- what it shows ------------------------------------------------------------------------


async def test_authority_order_with_live_countdown(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item("it-0000001"))
        lines = painted(pane)
        assert lines[0].startswith("it-0000001 · post · open · v1 · P100 · ◷ due in 35m")
        assert "· due 2026-11-28 20:35 UTC" in " ".join(line.strip() for line in lines[1:3])  # the moment in full, the date too
        text = "\n".join(all_lines(pane))
        for expected in (
            "AO authority order", "DE · Bundeskriminalamt", "legal basis Regulation (EU) 2021/784 Art. 3",
            "ref TCO-2026-00042 · ◷ due in 35m", "AU automated", "model tvec-hash-v2 · score 99.9%",
            "UR user report", "acct-4102", "│ terrorist propaganda",
            "image/jpeg · 179.9 KiB · sha256 0100cccccccc… · not fetched", "Media (1) · never fetched",
            "@wahrheit_kanal · Wahrheit Kanal", "account 40 days old", "no strikes", "no prior decisions",
        ):
            assert expected in text, expected
        # The authority order comes first among the reports, whatever order they came in.
        assert text.index("AO authority order") < text.index("AU automated") < text.index("UR user report")


async def test_tick_moves_only_the_countdowns(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item("it-0000001"))
        body = pane._blocks[3:]  # everything below the header and summary is left alone
        pane.tick(AT + timedelta(seconds=10))
        assert "◷ due in 34m" in painted(pane)[0]  # 34m50s left
        header = pane._blocks[0].content
        pane.tick(AT + timedelta(seconds=40))
        assert pane._blocks[0].content is header  # the same label: nothing rebuilt
        pane.tick(AT + timedelta(minutes=10))
        await pilot.pause()
        assert "◷ due in 25m" in painted(pane)[0]
        assert "ref TCO-2026-00042 · ◷ due in 25m" in "\n".join(all_lines(pane))
        pane.tick(AT + timedelta(minutes=36))
        await pilot.pause()
        assert painted(pane)[0].rstrip().endswith("!! OVERDUE 1m")
        assert "!! OVERDUE 1m" in "\n".join(all_lines(pane))
        assert pane._blocks[3:] == body


async def test_tick_keeps_the_scroll_position(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 12)) as pilot:
        pane = await shown(pilot, item("it-0000001"))
        pane.scroll_to(y=6, animate=False, immediate=True)
        await pilot.pause()
        pane.tick(AT + timedelta(minutes=5))
        await pilot.pause()
        assert pane.scroll_offset.y == 6


async def test_overdue_channel_with_members_and_trusted_flagger(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item("it-0000002"))
        text = "\n".join(all_lines(pane))
        assert painted(pane)[0].endswith("!! OVERDUE 20m")
        assert "· due 2026-11-28 19:40 UTC" in " ".join(line.strip() for line in painted(pane)[1:3])
        assert "── Channel · 18,400 members" in text
        assert "title أخبار الجبهة — القناة الرسمية" in text
        assert "by Counter-Extremism Monitor Europe" in text
        assert "── Channel owner" in text
        assert "FR · OCLCTIC (Pharos)" in text


async def test_campaign_and_policy_guard(item: Any) -> None:
    async with PaneApp().run_test(size=(100, 40)) as pilot:
        text = "\n".join(all_lines(await shown(pilot, item("it-0000009"))))
        assert re.search(r"⧉ part of campaign c-[0-9a-f]+ with 4 items", text)
        text = "\n".join(all_lines(await shown(pilot, item("it-0000003"))))
        assert "⇪ policy: escalate to Legal review before removal" in text


async def test_mass_reports_are_summarised(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        text = "\n".join(all_lines(await shown(pilot, item("it-0000008"))))
        assert "── Reports (150)" in text
        assert " 10. UR user report" in text and " 11. " not in text
        assert re.search(r"… 140 more user reports: Harassment ×\d+, Hate speech ×\d+", text)
        assert "150 reports: 150 UR" in text


async def test_claim_history_prior_decisions_and_hidden_markers(raw_items: dict[str, Any]) -> None:
    raw = copy.deepcopy(raw_items["it-0000005"])
    raw["claim"] = {"holder": "ana", "expires_at": "2026-11-28T20:04:00Z"}
    raw["history"] = [{
        "id": "d-1", "action": "escalate", "moderator": "ben", "reason": None, "escalate_to": "legal",
        "note": "needs a lawyer\n── Reports (0)", "decided_at": "2026-11-28T19:00:00Z",
    }]
    raw["author"]["strikes"] = 2
    raw["author"]["prior_decisions"] = [
        {"item_id": "it-0009999", "action": "remove", "reason": "hate_speech", "decided_at": "2026-11-01T10:00:00Z"},
        {"item_id": "it-0009998", "action": "approve", "reason": None, "decided_at": "2026-10-01T10:00:00Z"},
    ]
    async with PaneApp().run_test(size=(100, 40)) as pilot:
        pane = await shown(pilot, Item.from_json(raw))
        lines = all_lines(pane)
        text = "\n".join(lines)
        assert "⚑ claimed by ana · expires in 4m (2026-11-28 20:04 UTC)" in text
        assert "⚑ 2 strikes" in text
        assert "prior decisions (2):" in text
        assert "✗ removed · hate_speech · it-0009999" in text and "✓ approved · no reason · it-0009998" in text
        assert "── History (1)" in text
        assert "2026-11-28 19:00 UTC · ben · ⇪ escalated → legal" in text  # today, and still dated
        # A note cannot pass for one of the pane's own headings: it stays behind the gutter.
        assert "    │ ── Reports (0)" in lines
        assert "── Reports (0)" not in [line.lstrip() for line in lines if not line.startswith("    │")]
        pane.tick(AT + timedelta(minutes=5))
        await pilot.pause()
        assert "⚑ claimed by ana · expired (2026-11-28 20:04 UTC)" in "\n".join(all_lines(pane))


async def test_loading_error_and_nothing() -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = pilot.app.query_one(DetailPane)
        pane.show_loading("it-0000042")
        await pilot.pause()
        assert painted(pane)[0] == "Loading it-0000042…"
        assert pane.item is None
        pane.show_error("it-0000042", "backend said [/ [@click=app.quit]x[/] \x1b[2J")
        await pilot.pause()
        assert painted(pane)[0] == "⚠ could not load it-0000042: backend said [/ [@click=app.quit]x[/] ␛[2J"
        assert_inert(pane)
        pane.show(None, policy=POLICY, now=AT, revealed=False)
        await pilot.pause()
        assert painted(pane)[0].startswith("Nothing here.")


# -- hidden characters and impersonation ------------------------------------------------


async def test_mixed_script_title_warns(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item("it-0000013"))
        lines = painted(pane)
        assert lines[2] == "⚠ mixed scripts in name: possible impersonation (channel title, display name)"
        assert "@paypal_support_help · Раypal Support Team ⚠ mixed scripts" in "\n".join(all_lines(pane))


async def test_persian_with_legitimate_zwnj_is_not_flagged(item: Any) -> None:
    it = item("it-0000024")
    assert "\u200c" in it.text  # the joiner is kept, as Persian needs it
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        text = "\n".join(all_lines(await shown(pilot, it)))
        assert "⚠" not in text and "⟨ZWNJ⟩" not in text
        assert "بازنده\u200cای" in text


@pytest.mark.parametrize(("item_id", "words"), [
    ("it-0000014", "control codes"), ("it-0000021", "bidi"), ("it-0000022", "zero-width"), ("it-0000017", "control codes"),
])
async def test_hidden_characters_are_flagged(item: Any, item_id: str, words: str) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item(item_id))
        assert painted(pane)[2].startswith(f"⚠ hidden characters: {words}")


# -- hostile content ----------------------------------------------------------------------


@pytest.mark.parametrize("item_id", HOSTILE_IDS)
async def test_hostile_items_render_literally_and_inertly(item: Any, item_id: str) -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item(item_id))
        lines = all_lines(pane)
        for top in range(0, min(pane.virtual_size.height, 300), 10):
            pane.scroll_to(y=top, animate=False, immediate=True)
            assert_inert(pane)
        svg = app.export_screenshot()
        assert not CONTROL.search(svg)
        await pilot.click(DetailPane, offset=(2, 5))
        await pilot.click(DetailPane, offset=(8, 14))
        assert app.is_running
        text = "\n".join(lines)
        literal = {
            "it-0000014": "␛[2J␛[H␛[2K␛[1A␛[32m✔ Reviewed by Trust & Safety: no violation␛[0m",
            "it-0000015": "│ ␛]52;c;",
            "it-0000016": "␛]8;;https://evil.example/login␛\\https://bank.example/secure␛]8;;␛\\",
            "it-0000017": "⟨U+009B⟩2J⟨U+009B⟩1;1H",
            "it-0000018": "title [bold red]OFFICIAL[/] Giveaway Hub",
            "it-0000019": "│ [@click=app.quit]click me[/] to see what",
            "it-0000020": "@[/deals · Best Deals [/",
            "it-0000021": "invoice_2026⟨RLO⟩fdp.exe",
            "it-0000022": "f⟨ZWSP⟩r⟨ZWNJ⟩e⟨ZWJ⟩e c⟨WJ⟩r⟨BOM⟩ypto",
            "it-0000023": "102,400 characters",
        }[item_id]
        assert literal in text


async def test_markup_in_every_untrusted_field_is_shown_as_text(raw_items: dict[str, Any]) -> None:
    """Markup in each field the pane draws: text, title, names, comments, sources, notes, policy labels."""
    raw = copy.deepcopy(raw_items["it-0000002"])  # a channel with an authority order and a trusted flagger
    m = " ".join(MARKUP)
    raw["title"] = f"title {m}"
    raw["text"] = f"text {m}\n[/"
    raw["author"]["handle"] = f"handle{MARKUP[0]}"
    raw["author"]["display_name"] = f"name {m}"
    raw["author"]["prior_decisions"] = [{"item_id": "[@click=app.quit]x[/]", "action": "remove", "reason": None, "decided_at": "2026-11-01T10:00:00Z"}]
    for report in raw["reports"]:
        report["comment"] = f"comment {m}"
        if report["source"] == "authority_order":
            report.update(authority=f"auth {m}", legal_basis=f"basis {m}", reference=f"ref {m}")
        else:
            report["organisation"] = f"org {m}"
    raw["reports"].append({**raw["reports"][0], "id": "rp-x", "source": "user_report", "reporter": "[@click=app.quit]x[/]", "organisation": None})
    raw["reports"].append({**raw["reports"][0], "id": "rp-y", "source": "automated", "model": f"model {m}", "score": 0.5, "organisation": None})
    raw["claim"] = {"holder": "[@click=app.quit]x[/]", "expires_at": "2026-11-28T20:04:00Z"}
    raw["history"] = [{"id": "d-1", "action": "approve", "moderator": "[/", "reason": None, "escalate_to": None,
                       "note": f"note {m}", "decided_at": "2026-11-28T19:00:00Z"}]
    policy_json = copy.deepcopy(DEFAULT_POLICY_JSON)
    for reason in policy_json["reasons"]:
        reason["label"] = f"{MARKUP[0]} {reason['label']} [/"
    policy = Policy.from_json(policy_json)
    hostile = Item.from_json(raw)
    app = PaneApp()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pilot.app.query_one(DetailPane)
        pane.show(hostile, policy=policy, now=AT, revealed=True)
        await pilot.pause()
        lines = all_lines(pane)
        text = "\n".join(lines)
        for prefix in ("title", "text", "name", "comment", "auth", "basis", "ref", "org", "model", "note"):
            assert f"{prefix} {m}" in text, prefix
        assert f"@handle{MARKUP[0]}" in text
        assert "by [@click=app.quit]x[/]" in text and "claimed by [@click=app.quit]x[/]" in text
        assert f"reason {MARKUP[0]} Terrorist or violent extremist content [/" in text
        for top in range(0, pane.virtual_size.height, 20):
            pane.scroll_to(y=top, animate=False, immediate=True)
            assert_inert(pane)
        pane.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "[@click=app.quit]x[/]" in svg
        for y in range(pane.size.height):
            await pilot.click(DetailPane, offset=(10, y))
        assert app.is_running
        # The pure rendering used by other tests says the same, with no span carrying an action.
        content = render_item(hostile, policy, AT, revealed=True)
        assert all("@click" not in str(span.style) and "link" not in str(span.style) for span in content.spans)


async def test_untrusted_text_cannot_pass_for_a_heading(raw_items: dict[str, Any]) -> None:
    """Wrapped or multi-line untrusted text never starts in the first column, where headings are."""
    fake = "── Reports (0)"
    raw = copy.deepcopy(raw_items["it-0000002"])
    raw["text"] = f"hello\n{fake}\n"
    raw["title"] = "t" * 70 + " " + fake
    raw["author"]["display_name"] = "n" * 60 + " " + fake
    for report in raw["reports"]:
        report["comment"] = f"ok\n{fake}"
    policy_json = copy.deepcopy(DEFAULT_POLICY_JSON)
    for reason in policy_json["reasons"]:
        reason["label"] = "x" * 60 + " " + fake
    for target in policy_json["escalation_targets"]:
        target["label"] = "y" * 60 + " " + fake
    raw["escalated_to"] = policy_json["escalation_targets"][0]["code"]
    async with PaneApp().run_test(size=(80, 40)) as pilot:
        pane = pilot.app.query_one(DetailPane)
        pane.show(Item.from_json(raw), policy=Policy.from_json(policy_json), now=AT, revealed=True)
        await pilot.pause()
        lines = all_lines(pane)
        assert sum(fake in line for line in lines) >= 5
        assert not [line for line in lines if line.startswith(fake)]
        assert [line for line in lines if line.startswith("── Reports")] == ["── Reports (2)"]


# -- wellbeing: sensitive items are masked ----------------------------------------------------


@pytest.mark.parametrize(("item_id", "label", "hidden", "kept"), [
    ("it-0000006", "Child sexual abuse material", ["files-share.example", "Assessed by our analysts", "0600cccc"],
     ["Kinderveilig Meldpunt (NL)", "csam-hash-v1 · score 99.9%", "@qx_files", "Media (3)"]),
    ("it-0000027", "Self-harm or suicide", ["सबको अलविदा", "please check on them"], ["acct-2701", "@akela_raahi"]),
])
async def test_sensitive_items_are_masked_until_revealed(item: Any, item_id: str, label: str, hidden: list[str], kept: list[str]) -> None:
    it = item(item_id)
    assert masked_by(it, POLICY) == label
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, it)
        text = "\n".join(all_lines(pane))
        assert f"▒ masked: {label} — press v to reveal" in text
        for secret in hidden:
            assert secret not in text, secret
        for metadata in kept:
            assert metadata in text, metadata
        pane = await shown(pilot, it, revealed=True)
        text = "\n".join(all_lines(pane))
        assert "masked" not in text
        for secret in hidden:
            assert secret in text, secret


async def test_any_sensitive_report_reason_masks(raw_items: dict[str, Any]) -> None:
    """Not only the main reason: one report saying graphic violence is enough."""
    raw = copy.deepcopy(raw_items["it-0000001"])
    raw["reports"].append({**raw["reports"][0], "id": "rp-extra", "reason": "graphic_violence", "comment": "gore"})
    it = Item.from_json(raw)
    assert main_reason(it) == "violent_extremism"
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, it)
        text = "\n".join(all_lines(pane))
        assert "▒ masked: Graphic violence — press v to reveal" in text
        assert "gore" not in text and "archive-mirror.example" not in text and "0100cccc" not in text
        assert "Bundeskriminalamt" in text


async def test_reveal_key_follows_the_keymap(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item("it-0000027"))
        pane.reveal_key = "ctrl+r"
        await pilot.pause()
        assert "press ctrl+r to reveal" in "\n".join(all_lines(pane))


# -- cheap on every cursor move -----------------------------------------------------------------


async def test_show_reuses_recent_documents_and_scrolls_home_on_a_new_item(item: Any) -> None:
    long_item, other = item("it-0000023"), item("it-0000001")
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, long_item)
        blocks = pane._blocks
        assert pane.virtual_size.height > 1000  # 100 KiB of text, wrapped
        pane.scroll_to(y=500, animate=False, immediate=True)
        await pilot.pause()
        await shown(pilot, long_item)  # the same item again (a refresh, a reveal): stays put
        assert pane._blocks is blocks and pane.scroll_offset.y == 500
        await shown(pilot, other)
        assert pane.scroll_offset.y == 0 and pane.virtual_size.height < 60
        await shown(pilot, long_item)  # back again: nothing rebuilt, from the top
        assert pane._blocks is blocks and pane.scroll_offset.y == 0
        await shown(pilot, dataclasses.replace(long_item, version=2))  # changed on the backend: rebuilt
        assert pane._blocks is not blocks and "v2" in painted(pane)[0]


async def test_rewraps_on_resize(item: Any) -> None:
    async with PaneApp().run_test(size=(120, 30)) as pilot:
        pane = await shown(pilot, item("it-0000013"))
        wide = all_lines(pane)
        await pilot.resize_terminal(50, 30)
        await pilot.pause()
        narrow = all_lines(pane)
        assert pane.built_width == pane.scrollable_content_region.width == 50 - 2  # padding, scrollbar
        assert len(narrow) > len(wide)
        assert all(len(line) <= pane.scrollable_content_region.width for line in narrow)
        assert "restore your account" in " ".join(wide) and "restore your" in " ".join(narrow)


def test_size_text() -> None:
    assert [size_text(n) for n in (0, 1023, 1024, 184213, 5 * 1024**3)] == ["0 B", "1023 B", "1.0 KiB", "179.9 KiB", "5.0 GiB"]


# -- snapshots (fixed clock and fixed store clock) ---------------------------------------------


def snapshot_app(raw: dict[str, Any], *, revealed: bool = False) -> tuple[PaneApp, Any]:
    app = PaneApp()

    async def before(pilot: Pilot[None]) -> None:
        await shown(pilot, Item.from_json(copy.deepcopy(raw)), revealed=revealed)

    return app, before


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
@pytest.mark.parametrize("item_id", ["it-0000001", "it-0000017", "it-0000019"])
def test_snapshot(snap_compare: Any, raw_items: dict[str, Any], item_id: str, size: tuple[int, int]) -> None:
    app, before = snapshot_app(raw_items[item_id])
    assert snap_compare(app, terminal_size=size, run_before=before)


# -- drawn ahead ---------------------------------------------------------------------------


async def test_an_item_drawn_ahead_is_shown_without_drawing_and_the_same(item: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_tui.ui.widgets import detail

    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item("it-0000013"))
        pane.prepare(item("it-0000001"), policy=POLICY, now=AT, revealed=False)
        draws = 0
        draw = detail._draw_chunk

        def counted(*args: Any) -> None:
            nonlocal draws
            draws += 1
            draw(*args)

        monkeypatch.setattr(detail, "_draw_chunk", counted)
        await shown(pilot, item("it-0000001"))
        ahead = painted(pane)
        assert draws == 0, "drawn again although drawn ahead"
        pane._strips.clear()
        pane.refresh()
        assert painted(pane) == ahead and draws == 1  # the same as drawn now
        assert ahead[0].startswith("it-0000001 · post · open · v1 · P100 · ◷ due in 35m")


async def test_a_countdown_that_moved_since_it_was_drawn_ahead_is_drawn_again(item: Any) -> None:
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        await shown(pilot, item("it-0000013"))
        pane = pilot.app.query_one(DetailPane)
        pane.prepare(item("it-0000001"), policy=POLICY, now=AT, revealed=False)
        pane = await shown(pilot, item("it-0000001"), now=AT + timedelta(minutes=10))
        assert "◷ due in 25m" in painted(pane)[0]
        assert "ref TCO-2026-00042 · ◷ due in 25m" in "\n".join(all_lines(pane))


async def test_an_item_drawn_ahead_at_another_width_is_wrapped_again(item: Any) -> None:
    async with PaneApp().run_test(size=(120, 30)) as pilot:
        await shown(pilot, item("it-0000001"))
        pane = pilot.app.query_one(DetailPane)
        pane.prepare(item("it-0000013"), policy=POLICY, now=AT, revealed=False)
        await pilot.resize_terminal(50, 30)
        await pilot.pause()
        pane = await shown(pilot, item("it-0000013"))
        narrow = all_lines(pane)
        assert all(len(line) <= pane.scrollable_content_region.width for line in narrow)
        assert "restore your" in " ".join(narrow)


async def test_a_new_item_repaints_only_the_lines_that_differ(item: Any) -> None:
    """Consecutive items share blank lines, section rules and the blank tail: only the
    lines that differ go through Textual's styling again, and what stays on screen is
    what a full repaint would show."""
    async with PaneApp().run_test(size=(80, 24)) as pilot:
        pane = await shown(pilot, item("it-0000001"))
        region = Region(0, 0, pane.size.width, pane.size.height)
        before = pane.render_lines(region)
        calls = 0
        render_line = pane.render_line

        def counted(y: int) -> Any:
            nonlocal calls
            calls += 1
            return render_line(y)

        pane.render_line = counted  # type: ignore[method-assign]
        skipped = 0
        states: list[Item | None] = [item(f"it-{n:07d}") for n in range(2, 41)] + [None, item("it-0000005")]
        for state in states:
            calls = 0
            await shown(pilot, state)
            partial = pane.render_lines(region)  # the cached lines, as the screen holds them
            repainted = calls
            pane.refresh()
            full = pane.render_lines(region)
            assert [strip.text for strip in partial] == [strip.text for strip in full]
            assert partial == full  # styles too
            differing = sum(old != new for old, new in zip(before, full, strict=True))
            assert repainted == differing, (state and state.id, repainted, differing)
            skipped += len(full) - differing
            before = full
        assert skipped > 0  # the blank tail and the shared rules were not painted again
