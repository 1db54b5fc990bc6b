"""Finding on the triage screen: `/` filter, `T` tag by filter, `s` sort, esc, `R`.

A mixin of `TriageScreen`. The backend evaluates the filter and the sort where it can
(`views.plan`): while the moderator types, the first page of what enter would
show is fetched with its count (one request, `QueueSession.preview`), so the note under
the field says how many match and enter shows a page that is already here. On a backend
that cannot count, the note gives a lower bound from the rows held ("≥ 240 so far").
`T` tags every match of the view, streamed as ids in one request where the backend can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from triage_tui.backends.errors import BackendError
from triage_tui.filters import SORTS, Filter, FilterError, parse, parse_sort
from triage_tui.notice import fit
from triage_tui.queue.session import Preview, View
from triage_tui.ui.screens.triage_messages import FilterPreview, IdsStreamed
from triage_tui.ui.widgets.filter_bar import FilterBar
from triage_tui.words import plural

if TYPE_CHECKING:
    from triage_tui.ui.screens.triage import TriageScreen

    _Base = TriageScreen
else:
    _Base = object

__all__ = ["Finding"]


class Finding(_Base):
    """The filter bar, tag by filter, sort and new items of the triage screen."""

    def action_filter(self) -> None:
        self._open_filter("filter", str(self.session.view.filter))

    def action_tag_filter(self) -> None:
        self._open_filter("tag", "")

    def _open_filter(self, mode: str, value: str) -> None:
        self._filter_mode = mode
        bar = self.query_one("#filter-bar")
        bar.styles.visibility = "visible"
        field = self.query_one("#filter-input", Input)
        field.styles.visibility = "visible"  # (its own, too: focusable now, before the bar's style reaches it)
        field.placeholder = "tag every item matching…" if mode == "tag" else 'filter, e.g. source:authority country:DE reports>=5 "free text"'
        field.value = value
        self.query_one(FilterBar).show_hint()
        # Now, not `field.focus()` (deferred to after the messages already queued): what is
        # typed right after `/` goes into the field, never to the list as keys (`r`, `u`, `s`).
        self.set_focus(field)

    def _filter_open(self) -> bool:
        return self.query_one("#filter-bar").styles.visibility == "visible"

    def _close_filter(self) -> None:
        # An inline style, not a class: a class change matches the stylesheet against the
        # bar and everything in it again (~2 ms of the frame that shows a filter's result).
        self.query_one("#filter-bar").styles.visibility = "hidden"
        self.query_one("#filter-input", Input).styles.visibility = "hidden"
        self._preview = None
        self.set_focus(self.queue)

    def _view_for(self, mode: str, query: Filter) -> View:
        session = self.session
        return session.tag_view(query) if mode == "tag" else View(session.view.queue, query, session.view.sort)

    # Handlers by name, not `@on`: Textual collects `@on` only from classes it creates,
    # and this mixin is a plain class.
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter-input":
            self._preview_filter(event.value)

    def _preview_filter(self, text: str) -> None:
        self._preview = None
        try:
            query = parse(text)
        except FilterError as exc:  # said as it is typed: what is missing, or what is wrong
            self.query_one(FilterBar).show_problem(exc)
            return
        self.call_after_refresh(self._start_preview, text, query)

    def _start_preview(self, text: str, query: Filter) -> None:
        if self._filter_open() and self.query_one("#filter-input", Input).value == text:
            self.run_worker(self._previewing(text, self._filter_mode, query), group="filter-preview", exclusive=True, exit_on_error=False)

    async def _previewing(self, text: str, mode: str, query: Filter) -> None:
        view = self._view_for(mode, query)
        try:
            preview = await self.session.preview(view)
        except BackendError as exc:
            self.post_message(FilterPreview(text, mode, view.sort, None, str(exc)))
        else:
            self.post_message(FilterPreview(text, mode, view.sort, preview))

    def _items_changed(self) -> None:
        """The view changed under an open filter bar: its preview is worked out again."""
        if self._preview is not None and self._filter_open():
            self._preview_filter(self.query_one("#filter-input", Input).value)

    def on_filter_preview(self, message: FilterPreview) -> None:
        field = self.query_one("#filter-input", Input)
        if message.mode != self._filter_mode or field.value != message.text or not self._filter_open():
            return
        bar = self.query_one(FilterBar)
        preview = message.preview
        if preview is None:
            bar.show_count(fit(f"count unknown: {message.problem}"))
            return
        self._preview = (message.text, message.mode, preview)
        count = preview.total
        verb = "matches" if count == 1 else "match"
        if message.mode == "tag":
            shown = self.session.window.known
            what = f"{count:,} of {shown:,} shown {verb}" if preview.exact else f"≥ {count:,} of the {shown:,} held {verb}"
        else:
            what = f"{plural(count, 'item')} {verb}" if preview.exact else f"≥ {plural(count, 'item')} {verb} so far"
        bar.show_count(what)
        if message.mode == "filter" and preview.items:
            cursor = self._cursor_id()
            if all(item.id != cursor for item in preview.items[: self.queue.scrollable_content_region.height]):
                self.queue.prepare_rows(preview.items, 0)  # where the result will put the cursor
            self._want(preview.items[0].id)

    def _preview_for(self, text: str) -> Preview | None:
        """The preview for `text` if it is of the view as it is now."""
        ready = self._preview
        if ready is None or ready[0] != text or ready[1] != self._filter_mode or ready[2].generation != self.session.generation:
            return None
        return ready[2]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter-input":
            self._filter_submitted(event)

    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            parsed = parse(event.value)
        except FilterError as exc:
            self.query_one(FilterBar).show_problem(exc, entered=True)
            return
        ready = self._preview_for(event.value)
        mode = self._filter_mode
        self._close_filter()
        if mode == "tag":
            view = self.session.tag_view(parsed)
            self.run_worker(self._streaming_ids(event.value, view), group="tag-filter", exclusive=True, exit_on_error=False)
        else:
            self._show_view(View(self.session.view.queue, parsed, self.session.view.sort), ready)
        self._refresh_status()

    async def _streaming_ids(self, text: str, view: View) -> None:
        try:
            ids = await self.session.matching_ids(view)
        except BackendError as exc:
            self.post_message(IdsStreamed(text, [], str(exc)))
        else:
            self._tag_views.append(view)
            self.post_message(IdsStreamed(text, ids))

    def on_ids_streamed(self, message: IdsStreamed) -> None:
        if message.problem is not None:
            self.notify(fit(f"Nothing tagged: {message.problem}"), severity="error", markup=False)
            return
        count = self.queue.tag_ids(message.ids, anywhere=True)
        said = message.text.strip() or "everything"
        self.notify(fit(f"Tagged {plural(count, 'item')} matching {said}."), markup=False)
        self._refresh_status()

    def action_clear(self) -> None:
        if self._filter_open():
            self._close_filter()
        elif self.queue.tagged:
            self._clear_tags()
        elif self.session.view.filter:
            self._show_view(View(self.session.view.queue, Filter(), self.session.view.sort))
        self._refresh_status()

    def action_sort(self) -> None:
        names = list(SORTS)
        sort = parse_sort(names[(names.index(self.session.view.sort.name) + 1) % len(names)])
        self.queue.set_sort_key(sort.key)
        self._show_view(View(self.session.view.queue, self.session.view.filter, sort), top=True)  # sorted to see the new top
        self.notify(f"Sorted by {sort}.", markup=False)
        self._refresh_status()

    def action_show_new(self) -> None:
        """R: the items that arrived since the view was read join it; the cursor stays on its item."""
        if not self.session.new:
            self.notify("No new items.", markup=False)
            return
        count = len(self.session.new)
        request, index, items = self.session.refresh(self.queue.cursor_item, self.queue.cursor_index)
        for item in items:
            self.queue.upsert(item)
        if request is not None:
            self._pending_cursor = (self._cursor_id(), index)
            self._run_fetch(request)
        self.notify(f"{plural(count, 'new item')} shown.", markup=False)
        self._refresh_status()
