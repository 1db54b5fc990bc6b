"""The protocol's fixed vocabularies: what an item is, where a report came from, the
states of an item, the actions on it, a backend's answers and the moderators' roles.

A value outside them is a `PayloadError` where the JSON is read (`gate.req_enum`).
"""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    POST = "post"
    CHANNEL = "channel"
    ACCOUNT = "account"  # a reported account as a whole (Ozone's repo subjects)


class Source(enum.StrEnum):
    USER_REPORT = "user_report"
    TRUSTED_FLAGGER = "trusted_flagger"
    AUTHORITY_ORDER = "authority_order"
    AUTOMATED = "automated"


class State(enum.StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"


class Action(enum.StrEnum):
    APPROVE = "approve"
    REMOVE = "remove"
    ESCALATE = "escalate"


class Outcome(enum.StrEnum):
    """The backend's answer to one decision."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    LEGAL = "legal"
    CHILD_SAFETY = "child_safety"
    SENIOR = "senior"
    ADMIN = "admin"
