"""The built-in moderation policy, and loading a policy file for `serve --policy`.

The policy travels as protocol JSON (`GET /v1/policy`), so a policy file is that JSON
and is checked by the same parser the client uses: one definition of a valid policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from triage_tui.model import PayloadError, Policy

HOUR = 3600


def _reason(code: str, label: str, severity: int, dsa: str, *, kinds: tuple[str, ...] = ("post", "channel"), sensitive: bool = False) -> dict[str, Any]:
    return {
        "code": code,
        "label": label,
        "applies_to": list(kinds),
        "severity": severity,
        "dsa_category": f"STATEMENT_CATEGORY_{dsa}",
        "sensitive": sensitive,
    }


DEFAULT_POLICY_JSON: dict[str, Any] = {
    "reasons": [
        _reason("spam", "Spam", 1, "OTHER_VIOLATION_TC"),  # the DSA database's v2 categories (July 2025)
        _reason("scam_fraud", "Scam or fraud", 3, "SCAMS_AND_FRAUD"),
        _reason("hate_speech", "Hate speech", 4, "ILLEGAL_OR_HARMFUL_SPEECH"),
        _reason("harassment", "Harassment", 3, "CYBER_VIOLENCE"),
        _reason("violent_extremism", "Terrorist or violent extremist content", 5, "RISK_FOR_PUBLIC_SECURITY"),
        _reason("csam", "Child sexual abuse material", 5, "PROTECTION_OF_MINORS", sensitive=True),
        _reason("self_harm", "Self-harm or suicide", 4, "SELF_HARM", sensitive=True),
        _reason("graphic_violence", "Graphic violence", 4, "VIOLENCE", sensitive=True),
        _reason("illegal_goods", "Illegal goods or services", 4, "UNSAFE_AND_PROHIBITED_PRODUCTS"),
        _reason("ip_infringement", "Intellectual property infringement", 2, "INTELLECTUAL_PROPERTY_INFRINGEMENTS"),
        _reason("privacy_doxxing", "Doxxing or private information", 4, "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS"),
        _reason("impersonation", "Impersonation", 3, "SCAMS_AND_FRAUD", kinds=("channel", "post")),
        _reason("election_misinfo", "Election misinformation", 3, "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"),
        _reason("other", "Other policy violation", 1, "OTHER_VIOLATION_TC"),
    ],
    "escalation_targets": [
        {"code": "legal", "label": "Legal review", "role": "legal"},
        {"code": "child_safety", "label": "Child safety team", "role": "child_safety"},
        {"code": "senior", "label": "Senior moderator", "role": "senior"},
    ],
    "deadlines": {
        "user_report": 72 * HOUR,
        "trusted_flagger": 24 * HOUR,
        "authority_order": 1 * HOUR,
        "automated": None,
    },
    # Orders from these jurisdictions have targeted lawful speech (journalism, anti-war
    # posts): legal review decides whether the platform complies, never a queue moderator.
    "escalation_required": [
        {"source": "authority_order", "countries": ["RU", "TR"], "target": "legal"},
    ],
}

DEFAULT_POLICY: Policy = Policy.from_json(DEFAULT_POLICY_JSON)


class PolicyFileError(ValueError):
    """A policy file that cannot be used; the message names the file and the field."""


def load_policy(path: Path) -> tuple[Policy, dict[str, Any]]:
    """Read and check a policy file; returns the parsed policy and the JSON to serve."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PolicyFileError(f"{path}: not valid JSON: {exc}") from None
    try:
        policy = Policy.from_json(raw)
    except PayloadError as exc:
        raise PolicyFileError(f"{path}: {exc}") from None
    return policy, raw
