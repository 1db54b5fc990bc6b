"""Screens: each owns its flow (the triage screen, its dialogs, help)."""
