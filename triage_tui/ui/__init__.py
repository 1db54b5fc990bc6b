"""The Textual user interface. Only modules under `triage_tui.ui` may import `textual`."""
