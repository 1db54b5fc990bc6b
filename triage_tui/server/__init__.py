"""The reference moderation backend: triage protocol v1.1 over Starlette, uvicorn and SQLite.

It exists so that the client, the TUI and batch mode are always tested against a real
backend — real HTTP, real SQLite, real concurrency — and so that `triage-tui --demo`
runs the same stack a moderator gets in production. Import the parts you need
(`store`, `app`, `embedded`); this package module stays empty so importing it is cheap.
"""
