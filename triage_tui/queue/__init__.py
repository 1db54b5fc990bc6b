"""The queue without a screen: what the triage screen does that is not drawing widgets.

Nothing here imports Textual (the `textual` contract in pyproject.toml holds it). The
screen reads keys and opens dialogs, hands the work to this package, and applies the
plain results it gets back to its widgets. `decide.py` is decide and undo over the
outbox; docs/architecture.md ("A decision, from a key to the server") follows it.
"""
