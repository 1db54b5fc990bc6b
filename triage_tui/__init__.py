"""triage-tui: triage reported posts and channels from the terminal."""

__version__ = "0.1.0"
