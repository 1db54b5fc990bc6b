"""The moderator signed in, and the policy they decide under: the reasons, the
escalation targets, the deadlines per source, and the rules that require an escalation
before a removal."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from triage_tui.model.enums import Kind, Source, State
from triage_tui.model.gate import (
    _CODE_RE,
    ID_RE,
    MAX_CODE,
    MAX_ID,
    MAX_NAME,
    PayloadError,
    _check_enum,
    _check_str,
    _countries,
    _or_empty,
    _type_name,
    _untrusted,
    obj,
    opt_num,
    opt_str,
    parse_list,
    req_enum,
    req_int,
    req_list,
    req_str,
)
from triage_tui.model.items import AuthorityOrder, Item
from triage_tui.sanitize import Sanitized



@dataclass(frozen=True, slots=True)
class Moderator:
    id: str
    name: Sanitized
    roles: frozenset[str]

    @classmethod
    def from_json(cls, value: object, path: str = "me") -> Moderator:
        o = obj(value, path)
        mid = req_str(o, "id", path, max_len=MAX_ID, pattern=ID_RE)
        name = _untrusted(o, "name", path, set(), max_len=MAX_NAME, limit=MAX_NAME, optional=False)
        assert name is not None
        roles = frozenset(_check_str(r, f"{path}.roles[{i}]", MAX_CODE, _CODE_RE) for i, r in enumerate(req_list(o, "roles", path, max_items=100)))
        return cls(id=mid, name=name, roles=roles)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    label: Sanitized
    applies_to: frozenset[Kind]
    severity: int
    dsa_category: str | None
    sensitive: bool

    @classmethod
    def from_json(cls, value: object, path: str) -> Reason:
        o = obj(value, path)
        label = _untrusted(o, "label", path, set(), max_len=MAX_NAME, limit=MAX_NAME, optional=False)
        assert label is not None
        sensitive = o.get("sensitive", False)
        if not isinstance(sensitive, bool):
            raise PayloadError(f"{path}.sensitive", f"expected true or false, got {_type_name(sensitive)}")
        return cls(
            code=req_str(o, "code", path, max_len=MAX_CODE, pattern=_CODE_RE),
            label=label,
            applies_to=frozenset(_check_enum(v, f"{path}.applies_to[{i}]", Kind) for i, v in enumerate(req_list(o, "applies_to", path, max_items=10))),
            severity=req_int(o, "severity", path, lo=1, hi=5),
            dsa_category=opt_str(o, "dsa_category", path, max_len=MAX_CODE, pattern=re.compile(r"STATEMENT_CATEGORY_[A-Z_]{1,100}")),
            sensitive=sensitive,
        )


@dataclass(frozen=True, slots=True)
class EscalationTarget:
    code: str
    label: Sanitized
    role: str

    @classmethod
    def from_json(cls, value: object, path: str) -> EscalationTarget:
        o = obj(value, path)
        label = _untrusted(o, "label", path, set(), max_len=MAX_NAME, limit=MAX_NAME, optional=False)
        assert label is not None
        return cls(
            code=req_str(o, "code", path, max_len=MAX_CODE, pattern=_CODE_RE),
            label=label,
            role=req_str(o, "role", path, max_len=MAX_CODE, pattern=_CODE_RE),
        )


@dataclass(frozen=True, slots=True)
class EscalationRule:
    """Items with a report from `source` (and from `countries`, if set) need `target` before removal."""

    source: Source
    countries: frozenset[str] | None
    target: str

    def matches(self, item: Item) -> bool:
        return any(
            r.source is self.source
            and (self.countries is None or (isinstance(r.origin, AuthorityOrder) and r.origin.country in self.countries))
            for r in item.reports
        )

    @classmethod
    def from_json(cls, value: object, path: str) -> EscalationRule:
        o = obj(value, path)
        countries = None if o.get("countries") is None else frozenset(_countries(o, "countries", path))
        return cls(
            source=req_enum(o, "source", path, Source),
            countries=countries,
            target=req_str(o, "target", path, max_len=MAX_CODE, pattern=_CODE_RE),
        )


@dataclass(frozen=True, slots=True)
class Policy:
    reasons: tuple[Reason, ...]
    escalation_targets: tuple[EscalationTarget, ...]
    deadlines: Mapping[Source, float | None]
    escalation_required: tuple[EscalationRule, ...]
    _by_code: Mapping[str, Reason] = field(default_factory=dict, repr=False, compare=False)

    def reason(self, code: str) -> Reason | None:
        return self._by_code.get(code)

    def reasons_for(self, kind: Kind) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if kind in r.applies_to)

    def target(self, code: str) -> EscalationTarget | None:
        return next((t for t in self.escalation_targets if t.code == code), None)

    def escalation_needed(self, item: Item) -> EscalationRule | None:
        """The rule that forbids removing `item` unless it is escalated to the rule's target."""
        for rule in self.escalation_required:
            if rule.matches(item) and not (item.state is State.ESCALATED and item.escalated_to == rule.target):
                return rule
        return None

    @classmethod
    def from_json(cls, value: object, path: str = "policy") -> Policy:
        o = obj(value, path)
        reasons = parse_list(o, "reasons", path, Reason.from_json, max_items=1000)
        seen: set[str] = set()
        for i, r in enumerate(reasons):
            if r.code in seen:
                raise PayloadError(f"{path}.reasons[{i}].code", f"duplicate code {r.code!r}")
            seen.add(r.code)
        targets = parse_list(o, "escalation_targets", path, EscalationTarget.from_json, max_items=100)
        raw_deadlines = obj(_or_empty(o, "deadlines"), f"{path}.deadlines")
        deadlines: dict[Source, float | None] = {}
        for key in raw_deadlines:
            source = _check_enum(key, f"{path}.deadlines", Source)
            deadlines[source] = opt_num(raw_deadlines, key, f"{path}.deadlines", lo=1, hi=10**9)
        rules = parse_list(o, "escalation_required", path, EscalationRule.from_json, max_items=100, optional=True)
        codes = {t.code for t in targets}
        for i, rule in enumerate(rules):
            if rule.target not in codes:
                raise PayloadError(f"{path}.escalation_required[{i}].target", f"unknown escalation target {rule.target!r}")
        return cls(reasons, targets, deadlines, rules, {r.code: r for r in reasons})
