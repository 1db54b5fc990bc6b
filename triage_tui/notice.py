"""Notices (the toasts the triage screen shows): how an item is named in one, and how
long one may be.

A notice is read at a glance and goes away: it must fit on one line of an 80-column
terminal, and it must not spend that line on a whole Ozone `at://did:plc:…/app.bsky.
feed.post/…` URI. Every notice that names an item names it through `short_id`, and every
notice that carries text of unknown length (a backend's reason) is cut to its line with
`fit`. The list row, the detail pane and the outbox screen keep the whole id: a notice
only has to say which item, the others are where it is read and copied.

Kept out of `ui/` so the not-applied notices of `unapplied.py` use the same rule.
"""

from __future__ import annotations

import re

from triage_tui.cells import ELLIPSIS, clip, width

# The cells of text on one toast line at 80 columns: the toast rack is the screen's
# width less its scrollbar gutter (2), and a toast spends 3 more on its border and
# padding (`TOAST_CSS` in ui/app.py gives the toast that width).
NOTICE_CELLS = 75
SHORT_ID = 24  # ids this long or shorter are shown whole (the reference server's `it-0000001`)
_AT_URI = re.compile(r"at://(did:[a-z]+:[^/]+)/([^/]+)/(.+)")
_DID = re.compile(r"(did:[a-z]+:)(.+)")
_DID_KEEP = 6  # characters of a DID's own part: enough to tell two authors apart at a glance


def short_id(item_id: str) -> str:
    """`item_id` as a notice names it: whole when short; an `at://` record URI as its
    author's DID cut short, the collection's last word and the record key
    (`at://did:plc:ab12cd…/post/3kxyz…`); a DID cut short; any other long id as its head
    and tail around an ellipsis (ids are unique by either end in practice)."""
    if len(item_id) <= SHORT_ID:
        return item_id
    uri = _AT_URI.fullmatch(item_id)
    if uri is not None:
        did, collection, rkey = uri.groups()
        return f"at://{_short_did(did)}/{collection.rsplit('.', 1)[-1]}/{rkey if len(rkey) <= 16 else rkey[:15] + ELLIPSIS}"
    if _DID.fullmatch(item_id):
        return _short_did(item_id)
    return item_id[: SHORT_ID - 8] + ELLIPSIS + item_id[-7:]


def _short_did(did: str) -> str:
    found = _DID.fullmatch(did)
    if found is None or len(found.group(2)) <= _DID_KEEP + 1:
        return did
    return found.group(1) + found.group(2)[:_DID_KEEP] + ELLIPSIS


def fit(text: str, cells: int = NOTICE_CELLS, *, keep: str = "") -> str:
    """`text` then `keep`, in at most `cells` terminal cells: `text` is cut (with an
    ellipsis, by `cells.clip`) so that `keep` — the part that says what to do next — is
    never lost."""
    return clip(text, cells - width(keep)) + keep
