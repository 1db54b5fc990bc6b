"""The sender: moves decisions from the outbox to the backend, exactly once in effect.

Each step leases due rows, sends them as one batch with their own keys, and files
every answer: applied (or a duplicate of an applied one) is sent; a conflict is kept
for the moderator — who decided, what — and never resubmitted; an invalid or
forbidden decision is parked as needs_attention. Network trouble, 5xx and 429 are
retried with full-jitter exponential backoff, never sooner than Retry-After; a 401
pauses sending until `resume()`, because every later request would fail the same way.
A row that fails for a local reason (the request cannot be built: any exception that is
not a `BackendError`), or a batch the backend refuses as a whole, is split until the
failing row is alone: it is parked as needs_attention with the error, and every other
row goes on — one bad decision never holds up the ones behind it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from triage_tui.backends import Backend
from triage_tui.backends.errors import BackendError, BadPayload, InvalidRequest, Unauthorized, Unsendable
from triage_tui.model import DecisionResult, Outcome
from triage_tui.outbox import Outbox, Row, RowState, process_owner

IDLE = 30.0  # seconds to sleep with nothing due (a new decision wakes the sender sooner)
MIN_PAUSE = 0.05  # run() never steps more often than this, whatever next_in says


@dataclass(slots=True)
class StepReport:
    sent: int = 0
    conflicts: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # "ITEM: why" for each row parked as needs_attention
    retried: int = 0
    paused: str | None = None
    problem: str | None = None
    next_in: float = IDLE

    @property
    def attention(self) -> int:
        return len(self.parked)


def conflict_line(row: Row, result: DecisionResult) -> str:
    """One sentence for the moderator: what they tried, who got there first, what they did."""
    tried = row.decision.action.value if row.decision else "decision"
    current = result.current
    cause = conflict_cause(result.error, current.claimed_by if current else None, current.decided_by if current else None,
                           current.action.value if current and current.action else None)
    return f"{row.item_id}: your {tried} was not applied — {cause}."


def conflict_cause(error: str | None, claimed_by: str | None, decided_by: str | None, action: str | None,
                   name: Callable[[str], str] = str) -> str:
    """Why a decision met a conflict, from what the backend said of the item: who holds a
    claim on it, or who decided it and how. The sender's stored line and the screen's
    notice (which names moderators with `name`, e.g. `notice.short_id`) say it alike."""
    if error == "claimed" and claimed_by:
        return f"{name(claimed_by)} holds a claim on it"
    if decided_by:
        return f"{name(decided_by)} already did: {action or 'changed it'}"
    return "the item changed since you saw it"


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        backend: Backend,
        *,
        backend_name: str,
        moderator: str,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        batch: int = 100,
        base_delay: float = 0.5,
        max_delay: float = 60.0,
        lease_seconds: float = 120.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.outbox = outbox
        self.backend = backend
        self.backend_name = backend_name
        self.moderator = moderator
        self.owner = owner or process_owner()  # a dead owner's leases are taken over at once
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch = batch
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease_seconds = lease_seconds
        self.sleep = sleep
        self.paused: str | None = None
        self._wake = asyncio.Event()

    def resume(self) -> None:
        self.paused = None
        self.wake()

    def wake(self) -> None:
        """Step now rather than at the next due time: a decision was just added, or resumed."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, on_report: Callable[[StepReport], object] | None = None) -> None:
        """Step until `stop` is set, sleeping until the next hold ends or retry comes due
        (or `wake()`); `on_report` sees every report (the UI posts it as a message)."""
        while not stop.is_set():
            self._wake.clear()
            report = await self.step()
            if on_report is not None:
                on_report(report)
            waits = [asyncio.ensure_future(self.sleep(max(MIN_PAUSE, report.next_in))),
                     asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()
                await asyncio.gather(*waits, return_exceptions=True)

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        """Full jitter: uniform in [0, min(cap, base·2^attempts)], but not before Retry-After."""
        delay = self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** min(attempts, 30)))
        return max(delay, retry_after or 0.0)

    async def step(self) -> StepReport:
        now = self.clock()
        self.outbox.release_held(now)
        report = StepReport(paused=self.paused, problem=self.paused)
        if self.paused is None:
            rows = self.outbox.lease(self.backend_name, self.moderator, owner=self.owner, now=now,
                                     limit=self.batch, lease_seconds=self.lease_seconds)
            for row in rows:
                if row.decision is None:  # its error says why: "stored decision is unreadable: …"
                    self._park([row], row.last_error or "stored decision is unreadable", report)
            rows = [r for r in rows if r.decision is not None]
            if rows:
                await self._send(rows, report)
        due = None if self.paused else self.outbox.next_due(self.backend_name, self.moderator)
        report.next_in = IDLE if due is None else max(0.0, due - self.clock())
        return report

    async def _send(self, rows: list[Row], report: StepReport) -> None:
        try:
            results = await self.backend.decide([r.decision for r in rows if r.decision is not None])
        except asyncio.CancelledError:
            # Quitting mid-send: hand the rows back so the next start (or the other
            # instance) need not wait out the lease. They may have been applied; a resend
            # with the same keys is answered `duplicate`.
            self.outbox.unlease((r.key for r in rows), owner=self.owner)
            raise
        except Unauthorized as exc:
            self.outbox.unlease((r.key for r in rows), owner=self.owner)
            self.paused = report.paused = report.problem = f"sending paused: the backend rejected the token ({exc})"
            return
        except (InvalidRequest, Unsendable) as exc:
            # Refused whole by the backend, or could not be made here at all: the same
            # request fails the same way forever and holds up every row behind it. Halve
            # the batch until the rows that spoil it are alone; park those, send the others.
            if len(rows) > 1:
                await self._split(rows, report)
                return
            why = str(exc) if isinstance(exc, InvalidRequest) else f"could not be sent from here: {exc}"
            self._park(rows, why, report)
            if isinstance(exc, InvalidRequest):
                report.problem = f"the backend refused the batch: {exc}"
            return
        except BackendError as exc:
            if not (exc.retryable or isinstance(exc, BadPayload)):
                self._park(rows, str(exc), report)
                report.problem = str(exc)
                return
            self._retry(rows, str(exc), getattr(exc, "retry_after", None), report)
            return
        except Exception as exc:  # noqa: BLE001 — failed after the request may have gone out
            # The backend may have applied these decisions: the outcome is unknown, so
            # they are resent later with the same keys (answered `duplicate` if they were).
            # Parking them would show an applied decision as not applied.
            self._retry(rows, f"outcome unknown ({type(exc).__name__}: {exc})", None, report)
            return
        self.outbox.finish([self._file(row, result, report) for row, result in zip(rows, results, strict=True)], owner=self.owner)

    def _retry(self, rows: list[Row], why: str, retry_after: float | None, report: StepReport) -> None:
        now = self.clock()
        self.outbox.retry(((r.key, why, now + self.backoff(r.attempts, retry_after)) for r in rows), owner=self.owner)
        report.retried += len(rows)
        report.problem = f"not sent yet, retrying: {why}"

    def _park(self, rows: list[Row], why: str, report: StepReport) -> None:
        """File rows as needs_attention with the reason; the moderator decides what next."""
        self.outbox.finish(((r.key, RowState.NEEDS_ATTENTION, None, why) for r in rows), owner=self.owner)
        report.parked += [f"{r.item_id}: {why}" for r in rows]
        if report.problem is None:
            report.problem = f"{report.parked[-1]} — parked for attention"

    async def _split(self, rows: list[Row], report: StepReport) -> None:
        """Send the two halves apart (a bad row costs log2(batch) extra requests, once)."""
        half, retried = len(rows) // 2, report.retried
        await self._send(rows[:half], report)
        if self.paused or report.retried > retried:  # the token went bad, or the network: the rest waits for the next step
            self.outbox.unlease((r.key for r in rows[half:]), owner=self.owner)
            return
        await self._send(rows[half:], report)

    def _file(self, row: Row, result: DecisionResult, report: StepReport) -> tuple[str, RowState, dict[str, Any], str | None]:
        """What to record for one answer (and count it in the report)."""
        answer = result.effective
        stored = {"result": answer.outcome.value, "error": answer.error, "detail": answer.detail,
                  "state": answer.current.state.value if answer.current else None,
                  "decided_by": answer.current.decided_by if answer.current else None,
                  "action": answer.current.action.value if answer.current and answer.current.action else None,
                  "claimed_by": answer.current.claimed_by if answer.current else None,
                  "version": answer.current.version if answer.current else None}
        if answer.outcome is Outcome.APPLIED:
            report.sent += 1
            return row.key, RowState.SENT, stored, None
        if answer.outcome is Outcome.CONFLICT:
            line = conflict_line(row, answer)
            report.conflicts.append(line)
            return row.key, RowState.CONFLICT, stored, line
        why = answer.detail or answer.error
        report.parked.append(f"{row.item_id}: {why}")
        return row.key, RowState.NEEDS_ATTENTION, stored, why


@dataclass(slots=True)
class Drained:
    """What `drain` did, summed over its steps."""

    sent: int = 0
    conflicts: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)
    problem: str | None = None
    paused: str | None = None
    unsent: int = 0

    @property
    def attention(self) -> int:
        return len(self.parked)


async def drain(sender: Sender, *, wait: bool, timeout: float | None = None,
                on_report: Callable[[StepReport], object] | None = None) -> Drained:
    """Send what is due for the sender's moderator, for the shell commands (`sync`,
    `batch`, `apply`): one pass, or with `wait` until nothing is unsent, the token is
    refused, or `timeout` seconds pass. Whatever is left stays in the outbox."""
    total = Drained()
    started = sender.clock()
    while True:
        report = await sender.step()
        if on_report is not None:
            on_report(report)
        total.sent += report.sent
        total.conflicts += report.conflicts
        total.parked += report.parked
        if report.problem is not None or report.sent or report.conflicts or report.parked:  # a quiet wait keeps the last word
            total.problem = report.problem
        total.paused = report.paused
        total.unsent = sender.outbox.unsent(sender.backend_name, sender.moderator)
        if report.paused or not total.unsent or not wait:
            return total
        left = None if timeout is None else timeout - (sender.clock() - started)
        if left is not None and left <= 0:
            return total
        pause = min(report.next_in, 60.0 if left is None else left)
        if pause > 0:  # more already due: straight on
            await sender.sleep(max(MIN_PAUSE, pause))
