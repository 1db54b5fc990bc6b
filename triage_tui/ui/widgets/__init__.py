"""Widgets of the triage screen."""

from triage_tui.ui.widgets.queue_list import QueueList

__all__ = ["QueueList"]
