"""The triage rules that do not depend on a screen: which items an action acts on, what
the policy refuses, how decisions are built, and what a change from the feed does to
the queue a moderator is looking at.

Kept out of `ui/` so batch mode shares them and so they are tested without Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from triage_tui.countries import NAMED_SCOPES
from triage_tui.countries import problem as country_problem
from triage_tui.words import plural
from triage_tui.model import (
    Action,
    ChangeBatch,
    ChangeType,
    Decision,
    EscalationRule,
    ItemSummary,
    Kind,
    Policy,
    Reason,
    Scope,
    State,
)



def guard(policy: Policy, item: ItemSummary) -> EscalationRule | None:
    """The rule that forbids removing `item` now (it must be escalated first), if any.

    The same rule as `Policy.escalation_needed`, read from the summary the queue already
    holds so the refusal is instant and needs no network."""
    for rule in policy.escalation_required:
        if rule.source not in item.sources:
            continue
        if rule.countries is not None and not rule.countries & set(item.countries):
            continue
        if item.state is State.ESCALATED and item.escalated_to == rule.target:
            continue
        return rule
    return None


def refusal(policy: Policy, rule: EscalationRule, items: Sequence[ItemSummary], *, brief: bool = False) -> str:
    """Why a removal is refused, in the moderator's words, naming what to do instead.
    `brief`: the same for a notice titled "Removal refused" (one line at 80 columns)."""
    target = policy.target(rule.target)
    team = str(target.label) if target else rule.target
    origin = rule.source.value.replace("_", " ") + "s"
    if rule.countries is not None:
        hit = sorted({c for i in items for c in i.countries if c in rule.countries})
        origin += f" from {', '.join(hit) or ', '.join(sorted(rule.countries))}"
    if brief:
        return f"{origin} need {team} first; e escalates to {rule.target}."
    return f"Removal refused: {origin} need {team} before removal. Escalate to {rule.target} (e) instead."


def reasons_for(policy: Policy, items: Iterable[ItemSummary]) -> tuple[Reason, ...]:
    """Reasons that apply to every kind among `items` (a bulk removal needs one reason for all)."""
    kinds = {i.kind for i in items} or {Kind.POST}
    return tuple(r for r in policy.reasons if kinds <= r.applies_to)


def reported_reason(reasons: Sequence[Reason], items: Iterable[ItemSummary]) -> str | None:
    """The reason the remove dialog preselects: the reported reason every one of `items`
    shares (each item's main reason), when it is among `reasons` (what `reasons_for` offers
    for their kinds). Otherwise None, and nothing is preselected: a reason the reports do
    not give, or one of several, is the moderator's to pick, never a default enter takes."""
    codes = {item.reason for item in items}
    if len(codes) != 1:
        return None
    (code,) = codes
    return code if code is not None and any(reason.code == code for reason in reasons) else None


def scope_words(scope: Scope, most: int = 6) -> str:
    """A scope as the moderator reads it before deciding: everywhere, or where withheld."""
    if scope == "global":
        return "everywhere (global)"
    if len(scope) > most:
        return f"withheld only in {plural(len(scope), 'country', 'countries')} ({', '.join(scope[:3])}, …)"
    return f"withheld only in {', '.join(scope)}"


class ScopeError(ValueError):
    pass


def parse_scope(text: str) -> Scope:
    """`global` (or blank), or countries separated by commas or spaces, in any case: `DE, at`.

    The named scopes `eu` and `eea` stand for their member states; repeats are dropped.
    A word that is not an assigned country code is refused, naming it and the code meant
    (`UK` → GB), by the same check as every decision's scope (`countries.problem`)."""
    words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
    if not words or (len(words) == 1 and words[0].lower() == "global"):
        return "global"
    if any(w.lower() == "global" for w in words):
        raise ScopeError("global stands alone: it withholds everywhere, so it takes no countries")
    codes: list[str] = []
    problems: list[str] = []  # every bad word at once: fixing one to meet the next is a wasted round
    for word in words:
        if word.lower() in NAMED_SCOPES:
            codes.extend(NAMED_SCOPES[word.lower()])
            continue
        problem = country_problem(word.upper()) if len(word) == 2 else country_problem(word)
        if problem is not None:
            problems.append(problem)
        codes.append(word.upper())
    if problems:
        raise ScopeError(_all_problems(problems))
    return tuple(dict.fromkeys(codes))


_NOT_A_CODE = " is not an ISO 3166-1 alpha-2 country code (assigned codes are like DE, FR, GB)"


def _all_problems(problems: list[str], most: int = 8) -> str:
    """Every refused word in one message: the plain "not a code" ones named together,
    the ones with a suggestion each with its own."""
    problems = list(dict.fromkeys(problems))
    plain = [p.removesuffix(_NOT_A_CODE) for p in problems if p.endswith(_NOT_A_CODE)]
    said = [p for p in problems if not p.endswith(_NOT_A_CODE)]
    if plain:
        names = ", ".join(plain[:most]) + (f" and {len(plain) - most} more" if len(plain) > most else "")
        said.append(names + (_NOT_A_CODE if len(plain) == 1 else
                             " are not ISO 3166-1 alpha-2 country codes (assigned codes are like DE, FR, GB)"))
    return "; ".join(said)


def decisions_for(items: Sequence[ItemSummary], action: Action, *, reason: str | None = None, scope: Scope = "global", escalate_to: str | None = None, note: str | None = None) -> list[Decision]:
    """One decision per item, each with its own key made now: the key press is the decision."""
    return [
        Decision.new(i.id, i.version, action, reason=reason, scope=scope, escalate_to=escalate_to, note=note)
        for i in items
    ]


@dataclass(frozen=True, slots=True)
class DecidedElsewhere:
    item_id: str
    by: str | None
    action: str


@dataclass(slots=True)
class FeedEffect:
    """What a batch of changes does to the open queue."""

    removed: set[str] = field(default_factory=set)
    added: list[ItemSummary] = field(default_factory=list)
    elsewhere: list[DecidedElsewhere] = field(default_factory=list)
    claims: dict[str, str | None] = field(default_factory=dict)


def feed_effect(batch: ChangeBatch, me: str, queue: State = State.OPEN, teams: set[str] | None = None) -> FeedEffect:
    """Read a change batch for a moderator viewing `queue`: items decided or escalated
    by others leave it, new items join it, claims are noted. Our own decisions already
    left the list when the key was pressed. On the escalated queue only items escalated
    to `teams` (the moderator's; None for senior and admin) join it. A `left` change (the
    item went where we may not see it; the backend says neither who nor where) takes it
    out as a decision does: by `None` and action `left` unless it was our own."""
    effect = FeedEffect()
    for change in batch.changes:
        if change.type in (ChangeType.DECIDED, ChangeType.ESCALATED, ChangeType.LEFT):
            stays = (change.type is ChangeType.ESCALATED and queue is State.ESCALATED and change.item is not None
                     and (teams is None or change.escalated_to in teams))  # teams: None sees every team
            if stays and change.item is not None:
                effect.added.append(change.item)
                continue
            effect.removed.add(change.item_id)
            effect.added = [i for i in effect.added if i.id != change.item_id]
            if change.by != me:
                action = change.action.value if change.action else change.type.value
                effect.elsewhere.append(DecidedElsewhere(change.item_id, change.by, action))
        elif change.type is ChangeType.NEW and change.item is not None and change.item.state is queue:
            effect.added.append(change.item)
            effect.removed.discard(change.item_id)
        elif change.type is ChangeType.CLAIMED:
            effect.claims[change.item_id] = change.by
        elif change.type is ChangeType.RELEASED:
            effect.claims[change.item_id] = None
    return effect
