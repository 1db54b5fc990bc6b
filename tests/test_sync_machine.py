"""A hypothesis state machine over the outbox and the sender, against the real reference
backend behind the loopback fault proxy: decide, undo, network down and up, the server
committing and then dropping the connection, crash and restart, another moderator
acting, time passing, sync steps — in any order.

Invariants: every acknowledged decision is in the outbox (in some recorded state) or
applied on the server; the server applies each key at most once; an undone decision is
never applied; nothing disappears without a recorded state. At the end, with the
network back, every decision that was not undone is applied or shown as a conflict.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.conftest import FakeClock, start_server
from tests.faultproxy import Canned, FaultProxy, Mangle, Received
from triage_tui.backends.triage import TriageBackend
from triage_tui.model import Action, Decision
from triage_tui.outbox import Outbox, RowState
from triage_tui.sync import Sender

ITEMS = [f"it-{n:07d}" for n in range(30, 60)]  # none needs an escalation first
BACKEND = "ref"
ME = "mod-ana"


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="triage-machine-")
        tmp = Path(self.tmp.name)
        self.embedded, self.server = start_server(tmp / "backend.db", FakeClock(), items=60)
        self.loop = asyncio.new_event_loop()
        self.proxy = FaultProxy(self.server.url)
        self.loop.run_until_complete(self.proxy.__aenter__())
        self.down = False
        self.drop_next = False
        self.proxy.faults["/v1/decisions"] = self._fault
        self.clock = 1_000_000.0
        self.path = tmp / "outbox.db"
        self.outbox = Outbox(self.path)
        self.backend = TriageBackend(self.proxy.url, self.server.tokens["ana"], timeout=2.0)
        self.sender = self._sender()
        self.acknowledged: dict[str, str] = {}  # key -> item id: the UI moved on after these
        self.undone: set[str] = set()

    def _sender(self) -> Sender:
        return Sender(self.outbox, self.backend, backend_name=BACKEND, moderator=ME, clock=lambda: self.clock, lease_seconds=30)

    def _fault(self, got: Received) -> Canned | Mangle | None:
        if self.down:
            return Canned(503, {"error": "unavailable", "detail": "down"}, {"Retry-After": "5"})
        if self.drop_next:
            self.drop_next = False
            return Mangle("drop")  # the server commits; the answer never arrives
        return None

    # -- rules ---------------------------------------------------------------------

    @rule(item=st.sampled_from(ITEMS), hold=st.sampled_from([0.0, 8.0]))
    def decide(self, item: str, hold: float) -> None:
        d = Decision.new(item, 1, Action.APPROVE)
        self.outbox.add_many([d], backend=BACKEND, moderator=ME, hold_seconds=hold, now=self.clock)
        self.acknowledged[d.id] = item

    @rule()
    def undo_latest(self) -> None:
        if not self.acknowledged:
            return
        key = list(self.acknowledged)[-1]
        if self.outbox.undo(key, self.clock):
            self.undone.add(key)

    @rule()
    def network_down(self) -> None:
        self.down = True

    @rule()
    def network_up(self) -> None:
        self.down = False

    @rule()
    def commit_then_drop(self) -> None:
        self.drop_next = True

    @rule()
    def crash_and_restart(self) -> None:
        self.outbox.close()
        self.outbox = Outbox(self.path)  # only what was committed survives
        self.sender = self._sender()  # a new owner: the dead one's leases lapse

    @rule(item=st.sampled_from(ITEMS))
    def another_moderator_acts(self, item: str) -> None:
        theirs = Decision.new(item, 1, Action.REMOVE, reason="spam").to_json()
        httpx.post(f"{self.server.url}/v1/decisions", headers=self.server.auth("ben"), json={"decisions": [theirs]}).raise_for_status()

    @rule(seconds=st.sampled_from([1.0, 10.0, 120.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock += seconds

    @rule()
    def sync_step(self) -> None:
        self.loop.run_until_complete(self.sender.step())

    # -- invariants --------------------------------------------------------------------

    def _applied_keys(self) -> list[str]:
        r = httpx.get(f"{self.server.url}/v1/decisions", headers=self.server.auth("sam"), params={"limit": 1000, "moderator": ME})
        return [d["id"] for d in r.json()["decisions"]]

    @invariant()
    def nothing_is_lost_or_applied_twice(self) -> None:
        rows = {r.key: r.state for r in self.outbox.rows(BACKEND, ME, RowState)}
        assert set(self.acknowledged) <= set(rows), "an acknowledged decision vanished from the outbox"
        applied = self._applied_keys()
        assert len(applied) == len(set(applied)), "a key was applied twice"
        assert not self.undone & set(applied), "an undone decision was applied"
        assert all(rows[k] is RowState.UNDONE for k in self.undone)

    def teardown(self) -> None:
        try:
            self.down = self.drop_next = False
            for _ in range(50):
                self.clock += 120
                self.loop.run_until_complete(self.sender.step())
                if not self.outbox.unsent(BACKEND, ME):
                    break
            rows = {r.key: r.state for r in self.outbox.rows(BACKEND, ME, RowState)}
            applied = set(self._applied_keys())
            for key in self.acknowledged:
                if key in self.undone:
                    continue
                assert key in applied or rows[key] in (RowState.CONFLICT, RowState.NEEDS_ATTENTION), (key, rows[key])
                assert (key in applied) == (rows[key] is RowState.SENT), (key, rows[key])
        finally:
            self.loop.run_until_complete(self.backend.aclose())
            self.loop.run_until_complete(self.proxy.__aexit__(None, None, None))
            self.loop.close()
            self.outbox.close()
            self.embedded.stop()
            self.server.store.close()
            self.tmp.cleanup()


TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = settings(
    max_examples=20, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
