"""Toasts the app can take back, and the width that keeps a notice on one line.

Textual's `notify` gives no handle on the toast it shows, so a notice a later key makes
untrue ("Escalated it-0000001. u undoes for 8 s." after `u`) would stay beside the one
that says the opposite. `post` shows a notice and returns its `Notification`; `withdraw`
takes it away again, by its identity, as the toast itself does when its time is up.

Textual's toast is at most half the screen wide, so at 80 columns a notice wraps after
about 37 cells; `TOAST_CSS` lets it take the width it needs, up to the screen's, which
is the one line of `notice.NOTICE_CELLS` cells every notice is written to fit.
"""

from __future__ import annotations

from textual.app import App
from textual.notifications import Notification, Notify, SeverityLevel

TOAST_CSS = """
Toast { width: auto; max-width: 100%; }
"""


def post(app: App[object], message: str, *, title: str = "", severity: SeverityLevel = "information", timeout: float | None = None) -> Notification:
    """Show `message` (plain text, never markup) as `App.notify` would, and return the
    notification so that it can be withdrawn."""
    notification = Notification(message, title, severity, app.NOTIFICATION_TIMEOUT if timeout is None else timeout, markup=False)
    app.post_message(Notify(notification))
    return notification


def withdraw(app: App[object], notification: Notification | None) -> None:
    """Take `notification`'s toast away now (nothing happens if it has already gone).

    Textual 8 offers `clear_notifications` (every toast) but no public call for one; its
    own toast forgets itself through `App._unnotify` when it times out, and so does this.
    Its time is also ended, so that a notice not yet shown (its `Notify` message still
    queued: `u` pressed in the same frame as the key that made it) never appears."""
    if notification is not None:
        notification.timeout = 0
        app._unnotify(notification)
