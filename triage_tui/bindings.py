"""Every key binding of the app, as plain data: its id, default keys, action and label.

The UI builds its Textual `Binding`s from these tables (`ui/keymap.py`), and the config
check reads them to judge `[keys]` — without importing Textual, so `export`, `batch` and
`sync` check a config exactly as the app does, and fast. One table, so the check and
the screens cannot drift apart (tests/test_config.py holds the UI to it).

Keys are Textual's names: `a`, `T`, `ctrl+q`, `question_mark`, `pagedown`.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    keys: str  # the default, comma-separated
    action: str
    description: str
    show: bool = True
    priority: bool = False


APP = (
    Key("app.quit_now", "ctrl+q", "quit", "Quit", show=False, priority=True),
    Key("app.commands", "ctrl+p", "command_palette", "Commands", show=False),
)
QUEUE = (  # the queue list widget, on the triage screen
    Key("queue.down", "j,down", "cursor_down", "Down", show=False),
    Key("queue.up", "k,up", "cursor_up", "Up", show=False),
    Key("queue.page_down", "pagedown", "page_down", "Page down", show=False),
    Key("queue.page_up", "pageup", "page_up", "Page up", show=False),
    Key("queue.first", "g,home", "first", "First", show=False),
    Key("queue.last", "G,end", "last", "Last", show=False),
    Key("queue.tag", "space", "toggle_tag", "Tag"),
    Key("queue.reveal", "v", "reveal", "Reveal", show=False),
)
TRIAGE = (
    Key("app.help", "question_mark", "help", "Help"),
    Key("decide.approve", "a", "approve", "Approve"),
    Key("decide.remove", "r", "remove", "Remove"),
    Key("decide.escalate", "e", "escalate", "Escalate"),
    Key("decide.undo", "u", "undo", "Undo"),
    # Priority: the bar opens (and takes the focus) when the key is read, so that what is
    # typed right after it goes into the field, not to the list as keys (`a` approves).
    Key("find.filter", "slash", "filter", "Filter", priority=True),
    Key("find.sort", "s", "sort", "Sort"),
    Key("select.tag_filter", "T", "tag_filter", "Tag by filter", show=False, priority=True),
    Key("find.new", "R", "show_new", "Show new items", show=False),
    Key("select.clear", "escape", "clear", "Clear tags/filter", show=False),
    Key("item.claim", "c", "claim", "Claim/release", show=False),
    Key("app.sync", "O", "sync", "Outbox: unsent & conflicts", show=False),
    Key("app.stats", "S", "stats", "Stats for today", show=False),
    Key("item.scroll_down", "ctrl+d", "detail_page(1)", "Scroll the item down", show=False),
    Key("item.scroll_up", "ctrl+u", "detail_page(-1)", "Scroll the item up", show=False),
    Key("app.quit", "q", "quit", "Quit"),
)
FILTER = (  # the filter bar of `/` and `T`, while it has the focus (typed keys go into it)
    Key("filter.help", "f1", "screen.help('filters')", "Filter help"),
)
OUTBOX = (
    Key("sync.drop", "d", "drop", "Drop (record)"),
    Key("sync.redecide", "r", "redecide", "Re-decide"),
    Key("sync.resume", "p", "resume", "Resume sending"),
    Key("sync.close", "escape,q", "close", "Close"),
)
STATS = (
    Key("stats.refresh", "r", "refresh", "Refresh"),
    Key("stats.close", "escape,q,S", "close", "Close"),
)
HELP = (Key("help.close", "escape,q,question_mark", "close", "Close"),)
DIALOG = (Key("dialog.cancel", "escape", "cancel", "Cancel"),)  # every dialog
CONFIRM = (  # the yes/no dialog, a dialog too
    Key("dialog.yes", "y,enter", "confirm", "Yes"),
    Key("dialog.no", "n,escape", "cancel", "No"),
)

# The bindings live at the same time on each screen: on one screen a key may run only
# one action. The others are modal: there only the app's priority bindings join theirs.
_PRIORITY = tuple(k for k in APP if k.priority)
SCREENS: Mapping[str, tuple[Key, ...]] = {
    "the triage screen": APP + TRIAGE + QUEUE,
    "the filter bar": APP + TRIAGE + FILTER,
    "the outbox": _PRIORITY + OUTBOX,
    "the stats screen": _PRIORITY + STATS,
    "the help screen": _PRIORITY + HELP,
    "a dialog": _PRIORITY + DIALOG,
    "the yes/no dialog": _PRIORITY + DIALOG + CONFIRM,
}
ALL: Mapping[str, Key] = {k.id: k for table in SCREENS.values() for k in table}

# Keys that Textual itself binds on every screen, whatever the keymap says: a binding
# moved onto one of them would not do what the moderator asked (ctrl+q quits first).
RESERVED: Mapping[str, str] = {
    "ctrl+q": "Textual's quit, which runs before any other binding",
    "ctrl+c": "Textual's copy and quit hint",
    "tab": "moving the focus to the next field",
    "shift+tab": "moving the focus to the previous field",
}

_RENAMED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at", "hyphen_minus": "minus",
            "plus_sign": "plus", "low_line": "underscore"}  # as textual.keys.KEY_NAME_REPLACEMENTS


def normalise(key: str) -> str:
    """A key as Textual names it: `?` is `question_mark`, `/` is `slash` (as Textual's
    own keymap normalisation does, so `"?"` and `"question_mark"` are seen as one key)."""
    key = key.strip()
    if len(key) != 1 or key.isalnum():
        return key
    if key == "\t":
        return "tab"
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key
    return _RENAMED.get(name, name)


MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
# The keys textual.keys.Keys names (tests/test_bindings.py holds this to it), besides the
# characters, which go by their Unicode names (question_mark, slash, full_stop).
NAMED = frozenset(("escape", "enter", "return", "tab", "space", "backspace", "delete", "insert", "home", "end", "pageup",
                   "pagedown", "up", "down", "left", "right", "ctrl-at", *(f"f{n}" for n in range(1, 25))))


_CHARACTERS = frozenset(normalise(chr(c)) for c in range(0x21, 0x250) if chr(c).isprintable())


def typed(key: str) -> bool:
    """Whether `key` types a character: a text field that has the focus takes it as text
    (Textual's Input consumes printable characters), so no binding of it runs there."""
    key = normalise(key)
    return key == "space" or len(key) == 1 or key in _CHARACTERS


TYPING = frozenset(k.id for k in FILTER)
"""Bindings that live while a text field has the focus: a key that types is no key there."""


def known(key: str) -> bool:
    """Whether Textual can ever send `key`: `ctlr+a` or `enterr` would bind nothing."""
    *modifiers, name = key.split("+")
    if any(m not in MODIFIERS for m in modifiers) or len(set(modifiers)) != len(modifiers) or not name:
        return False
    if len(name) == 1 or name in NAMED or name in _CHARACTERS:
        return True
    try:  # a character beyond Latin: its name with spaces (ambiguous ones, like "-", are above)
        unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return False
    return True


def problems(keymap: Mapping[str, str]) -> list[str]:
    """What is wrong with a `[keys]` table (binding id -> keys), one line per problem,
    each starting with the binding id or key it is about; empty when fine."""
    found: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in ALL:
            near = difflib.get_close_matches(binding_id, ALL, n=1)
            hint = f"did you mean {near[0]}? " if near else ""
            found.append(f"{binding_id}: no such binding; {hint}ids: {', '.join(sorted(ALL))}")
            continue
        default = {normalise(k) for k in ALL[binding_id].keys.split(",")}
        for key in (normalise(k) for k in keys.split(",")):
            if not known(key):
                found.append(f"{binding_id}: {key!r} is not a key; keys are like a, T, ctrl+d, f5, pagedown, "
                             f"question_mark, with modifiers {', '.join(MODIFIERS)}")
            elif key in RESERVED and key not in default:
                found.append(f"{binding_id}: {key} is reserved for {RESERVED[key]}; choose another key")
            elif binding_id in TYPING and typed(key):
                found.append(f"{binding_id}: {key} would be typed into the filter bar; choose a key that types nothing, "
                             "like f1 or ctrl+h")
    for screen, table in SCREENS.items():
        owner: dict[str, Key] = {}
        for binding in table:
            for key in (normalise(k) for k in keymap.get(binding.id, binding.keys).split(",")):
                if key in RESERVED:  # said above, for the binding moved onto it
                    continue
                if screen == "the filter bar" and typed(key):  # typed into the bar: no binding runs
                    continue
                other = owner.setdefault(key, binding)
                clash = f"{key}: bound to both {other.id} and {binding.id} on {screen}"
                if other.action != binding.action and clash not in found:
                    found.append(clash)
    return found
