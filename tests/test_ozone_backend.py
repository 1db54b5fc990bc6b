"""The Ozone backend against a real Ozone (tests/ozone_harness.py) over real HTTP.

Admin Basic auth straight to Ozone, and a moderator's PDS session proxied to Ozone;
the queue, the detail, the three decisions and what they do to Ozone's review state,
exactly-once through the outbox and a dropped response, clear auth errors that pause
the sender and keep the decision, the triage screen through Pilot, and `export`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ozone_harness import REVIEW_CLOSED, REVIEW_ESCALATED, REVIEW_OPEN, OzoneHarness, OzoneSubject, OzoneSubjects
from tests.faultproxy import Canned, FaultProxy, Mangle, Received
from triage_tui.backends import QueueQuery
from triage_tui.backends.auth import Secret
from triage_tui.backends.errors import ClaimConflict, InvalidRequest, Unauthorized
from triage_tui.backends.ozone import ESCALATION_TARGET, OzoneBackend
from triage_tui.model import Action, Decision, Kind, Outcome, Source, State
from triage_tui.outbox import Outbox, RowState
from triage_tui.sync import Sender

ROOT = Path(__file__).resolve().parent.parent


# -- helpers -------------------------------------------------------------------------------


def admin_backend(ozone: OzoneHarness, url: str | None = None, password: str | None = None) -> OzoneBackend:
    return OzoneBackend(url or ozone.ozone_url, password or ozone.admin_password, auth="admin")


def moderator_backend(ozone: OzoneHarness, password: str | None = None) -> OzoneBackend:
    mod = ozone.moderator
    return OzoneBackend(ozone.ozone_url, password or mod.password, auth="moderator", handle=mod.handle,
                        pds=ozone.pds_url, ozone_did=ozone.ozone_did)


@pytest.fixture
async def admin(ozone: OzoneHarness) -> AsyncIterator[OzoneBackend]:
    async with admin_backend(ozone) as backend:
        yield backend


def http(ozone: OzoneHarness) -> httpx.Client:
    return httpx.Client(base_url=ozone.ozone_url, auth=ozone.admin_auth, timeout=30)


def status_of(ozone: OzoneHarness, subject: OzoneSubject) -> dict[str, Any]:
    with http(ozone) as client:
        r = client.get("/xrpc/tools.ozone.moderation.queryStatuses", params={"subject": subject.key})
        r.raise_for_status()
        [status] = r.json()["subjectStatuses"]
        return status


def events_of(ozone: OzoneHarness, subject: OzoneSubject, kind: str) -> list[dict[str, Any]]:
    with http(ozone) as client:
        r = client.get("/xrpc/tools.ozone.moderation.queryEvents",
                       params={"subject": subject.key, "limit": 100, "types": [f"tools.ozone.moderation.defs#{kind}"]})
        r.raise_for_status()
        return r.json()["events"]


async def whole_queue(backend: OzoneBackend, queue: str = "open", **filters: Any) -> dict[str, Any]:
    items: dict[str, Any] = {}
    cursor = None
    for _ in range(100):
        page = await backend.queue(QueueQuery(queue=queue, **filters), cursor=cursor, limit=100)  # type: ignore[arg-type]
        items.update((i.id, i) for i in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    return items


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def outbox_with(tmp_path: Path, decisions: list[Decision], moderator: str) -> Outbox:
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.add_many(decisions, backend="ozone", moderator=moderator, hold_seconds=0, now=time.time() - 1)
    return outbox


def states(outbox: Outbox, moderator: str) -> dict[str, RowState]:
    return {r.key: r.state for r in outbox.rows("ozone", moderator, RowState)}


# -- queue and detail ------------------------------------------------------------------------


async def test_the_open_queue_lists_the_seeded_posts_and_accounts(admin: OzoneBackend, ozone_subjects: OzoneSubjects) -> None:
    queue = await whole_queue(admin)
    for subject in ozone_subjects.all:
        item = queue[subject.key]
        assert item.kind is (Kind.POST if subject.kind == "post" else Kind.ACCOUNT)
        assert item.state is State.OPEN
        assert item.sources == (Source.USER_REPORT,)
        assert item.report_count >= 1
        assert item.reason in {r.code for r in (await admin.policy()).reasons}
    post = queue[ozone_subjects.posts[0].key]
    assert post.snippet == ozone_subjects.posts[0].text
    assert ozone_subjects.accounts[0].handle in queue[ozone_subjects.accounts[0].key].snippet
    # Filters Ozone applies itself: kind, and a reason through Ozone's report tags.
    accounts = await whole_queue(admin, kind="account")
    assert ozone_subjects.accounts[0].key in accounts and ozone_subjects.posts[0].key not in accounts
    posts = await whole_queue(admin, kind="post")
    assert ozone_subjects.posts[0].key in posts and ozone_subjects.accounts[0].key not in posts
    assert await whole_queue(admin, kind="channel") == {}
    assert await whole_queue(admin, source="authority_order") == {}
    reason = post.reason
    assert reason is not None
    by_reason = await whole_queue(admin, reason=reason)
    assert post.id in by_reason
    assert await whole_queue(admin, reason="child-safety-csam") == {}  # no such report tag on any seeded subject


async def test_paging_walks_the_whole_queue_with_ozones_cursor(admin: OzoneBackend, ozone_subjects: OzoneSubjects) -> None:
    first = await admin.queue(QueueQuery(), limit=2)
    assert len(first.items) == 2 and first.next_cursor is not None
    second = await admin.queue(QueueQuery(), cursor=first.next_cursor, limit=2)
    assert {i.id for i in first.items}.isdisjoint(i.id for i in second.items)


async def test_the_detail_shows_the_post_text_and_its_reports(admin: OzoneBackend, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    subject = ozone_subjects.posts[0]
    item = await admin.item(subject.key)
    assert item.kind is Kind.POST and item.state is State.OPEN
    assert item.text == subject.text
    assert item.author is not None and item.author.id == subject.did and item.author.handle == subject.handle
    assert sorted(int(r.id) for r in item.reports) == sorted(subject.report_ids)
    assert {r.origin.reporter for r in item.reports} == {r.did for r in ozone.reporters}  # type: ignore[union-attr]
    assert all(r.source is Source.USER_REPORT and r.comment for r in item.reports)
    account = await admin.item(ozone_subjects.accounts[0].key)
    assert account.kind is Kind.ACCOUNT and account.author is not None
    assert account.author.handle == ozone_subjects.accounts[0].handle
    assert sorted(int(r.id) for r in account.reports) == sorted(ozone_subjects.accounts[0].report_ids)


async def test_the_policy_covers_every_kind_and_has_one_escalation_target(admin: OzoneBackend) -> None:
    policy = await admin.policy()
    assert [r.code for r in policy.reasons][:6] == ["spam", "violation", "misleading", "sexual", "rude", "other"]
    assert all(set(Kind) <= r.applies_to for r in policy.reasons)
    assert [t.code for t in policy.escalation_targets] == [ESCALATION_TARGET]
    assert policy.escalation_required == ()
    assert admin.capabilities.versions is False
    assert admin.capabilities.claims is False  # until me() has asked this server about report assignments


# -- decisions -----------------------------------------------------------------------------


async def test_approve_remove_and_escalate_change_ozones_review_state(admin: OzoneBackend, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    approve, remove = ozone_subjects.posts
    escalate = ozone_subjects.accounts[0]
    results = await admin.decide([
        Decision.new(approve.key, 0, Action.APPROVE, note="no violation"),
        Decision.new(remove.key, 0, Action.REMOVE, reason="spam", note="link farm"),
        Decision.new(escalate.key, 0, Action.ESCALATE, escalate_to=ESCALATION_TARGET, note="needs a senior"),
    ])
    assert [r.outcome for r in results] == [Outcome.APPLIED] * 3
    assert status_of(ozone, approve)["reviewState"] == REVIEW_CLOSED
    assert status_of(ozone, approve)["takendown"] is False
    removed = status_of(ozone, remove)
    assert (removed["reviewState"], removed["takendown"]) == (REVIEW_CLOSED, True)
    [takedown] = events_of(ozone, remove, "modEventTakedown")
    assert takedown["event"]["policies"] == ["spam"] and takedown["event"]["comment"] == "link farm"
    assert status_of(ozone, escalate)["reviewState"] == REVIEW_ESCALATED
    assert escalate.key in await whole_queue(admin, "escalated")
    assert escalate.key not in await whole_queue(admin, "open")
    item = await admin.item(escalate.key)
    assert item.state is State.ESCALATED and item.escalated_to == ESCALATION_TARGET
    assert [(h.action, h.note) for h in item.history] == [(Action.ESCALATE, "needs a senior")]
    # The audit log holds the three, newest first, each with our decision key.
    keys = {d.id for d in results}
    audit = await admin.audit(limit=200)
    assert keys <= {e.decision.id for e in audit.decisions}
    mine = [e for e in audit.decisions if e.decision.id in keys]
    assert {(e.decision.item_id, e.decision.action) for e in mine} == {
        (approve.key, Action.APPROVE), (remove.key, Action.REMOVE), (escalate.key, Action.ESCALATE)}
    stats = await admin.stats()
    assert stats.queues[State.ESCALATED] >= 1 and stats.queues[State.OPEN] >= 1


async def test_deciding_a_subject_someone_else_decided_is_a_conflict(admin: OzoneBackend, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    subject = ozone_subjects.posts[0]
    [first] = await admin.decide([Decision.new(subject.key, 0, Action.REMOVE, reason="spam")])
    assert first.outcome is Outcome.APPLIED
    [again, approve] = await admin.decide([Decision.new(subject.key, 0, Action.REMOVE, reason="rude"),
                                           Decision.new(subject.key, 0, Action.APPROVE)])
    assert again.outcome is Outcome.CONFLICT and approve.outcome is Outcome.CONFLICT
    assert again.current is not None and again.current.action is Action.REMOVE
    assert "taken down" in (again.detail or "")
    assert len(events_of(ozone, subject, "modEventTakedown")) == 1


async def test_approving_what_a_colleague_escalated_meanwhile_is_a_conflict(admin: OzoneBackend, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    """A stale view from the open queue must not close a subject sent to the specialists."""
    subject = ozone_subjects.posts[0]
    seen = (await admin.item(subject.key)).version  # what the moderator saw, before the escalation
    [escalated] = await admin.decide([Decision.new(subject.key, seen, Action.ESCALATE, escalate_to="ozone", note="for the team")])
    assert escalated.outcome is Outcome.APPLIED
    [stale] = await admin.decide([Decision.new(subject.key, seen, Action.APPROVE)])
    assert stale.outcome is Outcome.CONFLICT and "escalated" in (stale.detail or "")
    assert events_of(ozone, subject, "modEventAcknowledge") == []
    fresh = (await admin.item(subject.key)).version  # the specialist, on the escalated queue, decides it
    [done] = await admin.decide([Decision.new(subject.key, fresh, Action.APPROVE)])
    assert done.outcome is Outcome.APPLIED


async def test_a_decision_resent_after_a_lost_response_makes_one_ozone_event(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    post, account = ozone_subjects.posts[0], ozone_subjects.accounts[0]
    seen: set[str] = set()

    def drop_first(got: Received) -> Mangle | None:
        key = json.loads(got.body)["externalId"]
        if key in seen:
            return None
        seen.add(key)
        return Mangle("drop")  # Ozone applies it; the answer never arrives

    async with FaultProxy(ozone.ozone_url) as proxy:
        proxy.faults["/xrpc/tools.ozone.moderation.emitEvent"] = drop_first
        async with admin_backend(ozone, url=proxy.url) as backend:
            me = (await backend.me()).id
            remove = Decision.new(post.key, 0, Action.REMOVE, reason="spam")
            approve = Decision.new(account.key, 0, Action.APPROVE)
            outbox = outbox_with(tmp_path, [remove, approve], me)
            clock = Clock()
            sender = Sender(outbox, backend, backend_name="ozone", moderator=me, clock=clock, max_delay=1.0)
            for _ in range(6):
                report = await sender.step()
                clock.now += 5  # past any backoff
                if outbox.unsent("ozone", me) == 0:
                    break
            assert states(outbox, me) == {remove.id: RowState.SENT, approve.id: RowState.SENT}, report
    assert len([r for r in proxy.received if r.target.startswith("/xrpc/tools.ozone.moderation.emitEvent")]) == 2  # no resend emitted
    assert len(events_of(ozone, post, "modEventTakedown")) == 1
    assert len(events_of(ozone, account, "modEventAcknowledge")) == 1
    assert status_of(ozone, post)["takendown"] is True
    assert status_of(ozone, account)["reviewState"] == REVIEW_CLOSED


async def test_a_resend_that_reaches_ozone_is_refused_as_a_duplicate_external_id(admin: OzoneBackend, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    """The pre-check cannot see an escalation of an item that is escalated again by its
    own resend; Ozone's DuplicateExternalId answers it, counted as applied."""
    subject = ozone_subjects.posts[1]
    decision = Decision.new(subject.key, 0, Action.APPROVE, note="once")
    [first] = await admin.decide([decision])
    # Re-open the subject (a new report would) so the resend passes our pre-check and reaches Ozone.
    with http(ozone) as client:
        r = client.post("/xrpc/tools.ozone.moderation.emitEvent", json={
            "event": {"$type": "tools.ozone.moderation.defs#modEventReport", "reportType": "com.atproto.moderation.defs#reasonSpam"},
            "subject": subject.ref, "createdBy": ozone.reporters[0].did})
        assert r.status_code == 200, r.text
    assert status_of(ozone, subject)["reviewState"] == REVIEW_OPEN
    [second] = await admin.decide([decision])
    assert (first.outcome, second.outcome, second.effective.outcome) == (Outcome.APPLIED, Outcome.DUPLICATE, Outcome.APPLIED)
    assert len(events_of(ozone, subject, "modEventAcknowledge")) == 1


# -- claims: Ozone's report assignments ------------------------------------------------------


def active_assignments(ozone: OzoneHarness, subject: OzoneSubject) -> list[dict[str, Any]]:
    """Ozone's own view: the active assignments of the subject's reports."""
    with http(ozone) as client:
        ids: list[int] = []
        for status in ("open", "escalated", "closed"):
            r = client.get("/xrpc/tools.ozone.report.queryReports", params={"subject": subject.key, "status": status})
            r.raise_for_status()
            ids += [report["id"] for report in r.json()["reports"]]
        assert ids
        r = client.get("/xrpc/tools.ozone.report.getAssignments", params={"reportIds": ids, "onlyActive": "true"})
        r.raise_for_status()
        return r.json()["assignments"]


async def test_a_moderator_claims_a_subject_and_the_admin_sees_who_holds_it(ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    subject = ozone_subjects.posts[0]
    mod_did = ozone.moderator.did
    async with moderator_backend(ozone) as moderator, admin_backend(ozone) as admin:
        assert moderator.capabilities.claims is False  # not probed yet
        await moderator.me()
        await admin.me()
        assert moderator.capabilities.claims is True and admin.capabilities.claims is True
        assert OzoneBackend.capabilities.claims is False  # per server, per instance

        before = time.time()
        claim = await moderator.claim(subject.key)
        assert claim.holder == mod_did
        # Ozone sets the lease itself: OZONE_ASSIGNMENT_REPORT_DURATION_MS, 5 minutes by default.
        assert 240 <= claim.expires_at.timestamp() - before <= 360
        held = active_assignments(ozone, subject)
        assert len(held) == len(subject.report_ids) and {a["did"] for a in held} == {mod_did}
        assert all("endAt" in a for a in held)  # non-permanent

        with pytest.raises(ClaimConflict) as caught:
            await admin.claim(subject.key)
        assert caught.value.code == "claimed" and caught.value.holder == mod_did
        # Each report has its own lease (assigned one after the other): the conflict says when the last ends.
        assert caught.value.expires_at is not None and 0 <= (caught.value.expires_at - claim.expires_at).total_seconds() < 10
        assert mod_did in str(caught.value) and ozone.moderator.handle in str(caught.value)
        await admin.release(subject.key)  # releases only its own: the moderator still holds it
        assert {a["did"] for a in active_assignments(ozone, subject)} == {mod_did}

        again = await moderator.claim(subject.key)  # claiming again refreshes the lease
        assert again.holder == mod_did and again.expires_at >= claim.expires_at

        await moderator.release(subject.key)
        assert active_assignments(ozone, subject) == []

        # Released: the admin (the Ozone service DID, as in me()) can take it, and now holds it.
        admin_claim = await admin.claim(subject.key)
        assert admin_claim.holder == ozone.ozone_did == (await admin.me()).id
        with pytest.raises(ClaimConflict) as caught:
            await moderator.claim(subject.key)
        assert caught.value.holder == ozone.ozone_did
        await admin.release(subject.key)
        assert active_assignments(ozone, subject) == []
        # Claims cover an account subject too.
        account = ozone_subjects.accounts[0]
        assert (await moderator.claim(account.key)).holder == mod_did
        await moderator.release(account.key)
        assert active_assignments(ozone, account) == []


async def test_an_escalated_subject_can_be_claimed_and_a_closed_one_cannot(admin: OzoneBackend, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    subject, escalated = ozone_subjects.posts
    await admin.me()
    [result, up] = await admin.decide([Decision.new(subject.key, 0, Action.APPROVE),
                                       Decision.new(escalated.key, 0, Action.ESCALATE, escalate_to=ESCALATION_TARGET)])
    assert result.outcome is Outcome.APPLIED and up.outcome is Outcome.APPLIED
    assert (await admin.claim(escalated.key)).holder == ozone.ozone_did
    await admin.release(escalated.key)
    assert active_assignments(ozone, escalated) == []
    with pytest.raises(ClaimConflict) as caught:
        await admin.claim(subject.key)
    assert caught.value.code == "not_claimable" and caught.value.holder is None
    await admin.release(subject.key)  # nothing held: a no-op


async def test_losing_a_claim_race_gives_back_the_reports_this_claim_took(ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    """Ozone answers AlreadyAssigned for the second report (someone was faster): the first
    report, just assigned to us, is unassigned again and the claim is a conflict."""
    subject = ozone_subjects.posts[0]
    assert len(subject.report_ids) >= 2
    calls: list[Received] = []

    def second_is_taken(got: Received) -> Canned | None:
        calls.append(got)
        return Canned(400, {"error": "AlreadyAssigned", "message": "Report already assigned"}) if len(calls) == 2 else None

    async with FaultProxy(ozone.ozone_url) as proxy:
        proxy.faults["/xrpc/tools.ozone.report.assignModerator"] = second_is_taken
        async with admin_backend(ozone, url=proxy.url) as backend:
            await backend.me()
            with pytest.raises(ClaimConflict) as caught:
                await backend.claim(subject.key)
    assert caught.value.code == "claimed"
    assert len(calls) == 2
    assert [r for r in proxy.received if r.target.startswith("/xrpc/tools.ozone.report.unassignModerator")]
    assert active_assignments(ozone, subject) == []


@pytest.mark.parametrize("answer", [
    Canned(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}),
    Canned(400, {"error": "XRPCNotSupported", "message": "XRPCNotSupported"}),
    Canned(404, {"error": "NotFound", "message": "Not Found"}),
], ids=["501-MethodNotImplemented", "400-XRPCNotSupported", "404"])
async def test_a_server_without_report_assignments_has_no_claims(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, answer: Canned) -> None:
    probe = "/xrpc/tools.ozone.report.getAssignments"
    async with FaultProxy(ozone.ozone_url) as proxy:
        proxy.faults[probe] = answer
        async with admin_backend(ozone, url=proxy.url) as backend:
            me = await backend.me()
            assert me.id == ozone.ozone_did  # the rest of Ozone works through the proxy
            assert backend.capabilities.claims is False
            with pytest.raises(InvalidRequest, match="no report assignments"):
                await backend.claim(ozone_subjects.posts[0].key)
            await backend.release(ozone_subjects.posts[0].key)  # nothing to release: no call
            await backend.me()  # probed once
    probes = [r for r in proxy.received if r.target.startswith(probe)]
    assert len(probes) == 1
    assert not [r for r in proxy.received if "assignModerator" in r.target or "unassignModerator" in r.target]


# -- auth ------------------------------------------------------------------------------------


async def test_a_wrong_admin_password_is_a_clear_error_and_the_outbox_keeps_the_decision(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-admin-password-42"
    subject = ozone_subjects.posts[0]
    async with admin_backend(ozone, password=wrong) as backend:
        with pytest.raises(Unauthorized) as caught:
            await backend.me()
        assert str(caught.value).startswith("Ozone admin login: wrong password")
        decision = Decision.new(subject.key, 0, Action.APPROVE)
        outbox = outbox_with(tmp_path, [decision], ozone.ozone_did)
        sender = Sender(outbox, backend, backend_name="ozone", moderator=ozone.ozone_did)
        report = await sender.step()
        assert report.paused and "Ozone admin login: wrong password" in report.paused
        assert states(outbox, ozone.ozone_did) == {decision.id: RowState.PENDING}
        texts = [str(caught.value), repr(caught.value), repr(backend), report.paused, caplog.text]
    assert status_of(ozone, subject)["reviewState"] == REVIEW_OPEN
    import base64
    for secret in (wrong, base64.b64encode(f"admin:{wrong}".encode()).decode()):
        assert not [t for t in texts if secret in t]
    # The right password then sends what was kept.
    async with admin_backend(ozone) as backend:
        sender = Sender(outbox, backend, backend_name="ozone", moderator=ozone.ozone_did)
        await sender.step()
    assert states(outbox, ozone.ozone_did) == {decision.id: RowState.SENT}
    assert status_of(ozone, subject)["reviewState"] == REVIEW_CLOSED


async def test_a_moderator_works_through_their_pds(ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    subject = ozone_subjects.posts[0]
    async with moderator_backend(ozone) as backend:
        me = await backend.me()
        assert me.id == ozone.moderator.did and "moderator" in me.roles
        queue = await whole_queue(backend)
        assert {s.key for s in ozone_subjects.all} <= set(queue)
        assert (await backend.item(subject.key)).text == subject.text
        [result] = await backend.decide([Decision.new(subject.key, 0, Action.REMOVE, reason="spam", note="via the PDS")])
        assert result.outcome is Outcome.APPLIED
    [takedown] = events_of(ozone, subject, "modEventTakedown")
    assert takedown["createdBy"] == ozone.moderator.did
    assert status_of(ozone, subject)["takendown"] is True
    assert repr(backend).startswith("OzoneBackend(") and ozone.moderator.password not in repr(backend)


async def test_an_expired_session_is_refreshed_and_a_dead_one_logs_in_again(ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    async with moderator_backend(ozone) as backend:
        await backend.me()
        backend._access = Secret("not-a-valid-access-jwt")  # as an expired one: refreshed
        assert ozone_subjects.posts[0].key in await whole_queue(backend)
        assert backend._access is not None and backend._access.reveal() != "not-a-valid-access-jwt"
        backend._access = Secret("not-a-valid-access-jwt")
        backend._refresh = Secret("not-a-valid-refresh-jwt")  # the refresh fails too: a new login
        assert (await backend.item(ozone_subjects.posts[0].key)).text == ozone_subjects.posts[0].text


async def test_a_dead_session_and_a_revoked_app_password_pause_the_sender(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    subject = ozone_subjects.accounts[0]
    async with moderator_backend(ozone) as backend:
        me = (await backend.me()).id
        decision = Decision.new(subject.key, 0, Action.ESCALATE, escalate_to=ESCALATION_TARGET)
        outbox = outbox_with(tmp_path, [decision], me)
        good = backend._secret
        backend._access, backend._refresh = Secret("expired-access-jwt"), Secret("expired-refresh-jwt")
        backend._secret = Secret("revoked-app-password")
        sender = Sender(outbox, backend, backend_name="ozone", moderator=me)
        report = await sender.step()
        assert report.paused is not None
        assert f"PDS login for {ozone.moderator.handle}: wrong handle or app password" in report.paused
        assert "revoked-app-password" not in report.paused
        assert states(outbox, me) == {decision.id: RowState.PENDING}
        assert status_of(ozone, subject)["reviewState"] == REVIEW_OPEN
        backend._secret = good  # a new app password in the token source, and resume
        sender.resume()
        await sender.step()
        assert states(outbox, me) == {decision.id: RowState.SENT}
    assert status_of(ozone, subject)["reviewState"] == REVIEW_ESCALATED


async def test_a_wrong_app_password_names_the_pds_login(ozone: OzoneHarness) -> None:
    async with moderator_backend(ozone, password="wrong-app-password") as backend:
        with pytest.raises(Unauthorized) as caught:
            await backend.me()
    assert str(caught.value).startswith(f"PDS login for {ozone.moderator.handle}: wrong handle or app password")
    assert "wrong-app-password" not in str(caught.value)


def test_bad_profiles_are_refused_before_any_request(ozone: OzoneHarness) -> None:
    with pytest.raises(ValueError, match="plain http"):
        OzoneBackend("http://ozone.example.com", "pw")
    with pytest.raises(ValueError, match="ozone_did"):
        OzoneBackend(ozone.ozone_url, "pw", auth="moderator", handle="mod.test", pds=ozone.pds_url)
    with pytest.raises(ValueError, match="credentials"):
        OzoneBackend("https://admin:pw@ozone.example.com", "pw")


# -- the triage screen and the command line --------------------------------------------------------


async def until(pilot: Any, condition: Callable[[], bool], *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def test_the_triage_screen_removes_a_post_in_ozone(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    from triage_tui.ui.app import TriageApp
    from triage_tui.ui.screens.dialogs import ReasonPicker
    from triage_tui.ui.screens.triage import Settings, TriageScreen

    subject = ozone_subjects.posts[0]
    app = TriageApp(admin_backend(ozone), Outbox(tmp_path / "outbox.db"), backend_name=ozone.ozone_url,
                    settings=Settings(claim_on_open=False, undo_seconds=0.2))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
        screen = next(s for s in pilot.app.screen_stack if isinstance(s, TriageScreen))
        await until(pilot, lambda: screen.session.opened and screen.policy is not None and screen.queue.index_of(subject.key) is not None)
        screen.queue.move_cursor(screen.queue.index_of(subject.key))
        await pilot.pause()
        pane = screen.detail
        await until(pilot, lambda: pane.item is not None and pane.item.id == subject.key)
        assert subject.text in pane.content.plain  # read: the post's text is on screen
        assert "reasonSpam" not in pane.content.plain
        await pilot.press("r")
        assert isinstance(pilot.app.screen, ReasonPicker)
        await pilot.press("1")  # spam
        await until(pilot, lambda: status_of(ozone, subject)["takendown"] is True)
    status = status_of(ozone, subject)
    assert (status["reviewState"], status["takendown"]) == (REVIEW_CLOSED, True)
    [takedown] = events_of(ozone, subject, "modEventTakedown")
    assert takedown["event"]["policies"] == ["spam"]


async def test_the_remove_dialog_offers_no_scope_on_ozone_and_the_issues_keys_remove_globally(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    """Ozone cannot withhold in some countries only (capabilities.scoped_removal is False):
    the dialog has no scope field, so nothing typed there can make a decision Ozone refuses."""
    from triage_tui.ui.app import TriageApp
    from triage_tui.ui.screens.dialogs import ReasonPicker
    from triage_tui.ui.screens.triage import Settings, TriageScreen

    subject = ozone_subjects.posts[0]
    app = TriageApp(admin_backend(ozone), Outbox(tmp_path / "outbox.db"), backend_name=ozone.ozone_url,
                    settings=Settings(claim_on_open=False, undo_seconds=0.2))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
        screen = next(s for s in pilot.app.screen_stack if isinstance(s, TriageScreen))
        await until(pilot, lambda: screen.session.opened and screen.policy is not None and screen.queue.index_of(subject.key) is not None)
        screen.queue.move_cursor(screen.queue.index_of(subject.key))
        await pilot.press("r")
        picker = pilot.app.screen
        assert isinstance(picker, ReasonPicker) and not picker.query("#scope")
        code = picker.reasons[4].code
        await pilot.press("tab", "D", "E", "shift+tab", "5")  # the issue's keys: no field takes DE; 5 picks a reason
        await until(pilot, lambda: status_of(ozone, subject)["takendown"] is True)
    assert status_of(ozone, subject)["reviewState"] == REVIEW_CLOSED
    [takedown] = events_of(ozone, subject, "modEventTakedown")
    assert takedown["event"]["policies"] == [code]


def shell(ozone: OzoneHarness, tmp_path: Path, command: str, *args: str) -> list[Any]:
    """`triage-tui COMMAND` against this Ozone, as a moderator runs it: its JSON lines, in order."""
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.ozone]\nurl = "{ozone.ozone_url}"\nbackend = "ozone"\nauth = "admin"\ntoken_env = "OZONE_ADMIN_PASSWORD"\n')
    env = {**os.environ, "OZONE_ADMIN_PASSWORD": ozone.admin_password, "TRIAGE_TUI_STATE_DIR": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    done = subprocess.run([sys.executable, "-m", "triage_tui", command, "--config", str(config), "--profile", "ozone", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert ozone.admin_password not in done.stdout + done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def export(ozone: OzoneHarness, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    return shell(ozone, tmp_path, "export", *args)


def ozone_reasons(ozone: OzoneHarness, subject: OzoneSubject) -> set[str]:
    """The reasons of a subject's reports, as Ozone itself records them (its report tags)."""
    return {t.removeprefix("report:") for t in status_of(ozone, subject).get("tags", []) if t.startswith("report:")}


def tagged(ozone: OzoneHarness, reason: str) -> set[str]:
    """Every open subject Ozone lists for `tags=report:<reason>`, all pages."""
    keys: set[str] = set()
    cursor = None
    with http(ozone) as client:
        while True:
            params = {"tags": f"report:{reason}", "reviewState": REVIEW_OPEN, "limit": 100, **({"cursor": cursor} if cursor else {})}
            r = client.get("/xrpc/tools.ozone.moderation.queryStatuses", params=params)
            r.raise_for_status()
            statuses = r.json()["subjectStatuses"]
            keys |= {s["subject"].get("uri") or s["subject"]["did"] for s in statuses}
            cursor = r.json().get("cursor")
            if not cursor or len(statuses) < 100:
                return keys


async def test_a_reason_filter_finds_every_subject_any_of_whose_reports_gives_it(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    """Each seeded subject is reported for two reasons. `reason:X` finds it by either, in
    `export` and with `/` in the app, as Ozone's own `tags=report:X` does; its queue line
    names both (the main one first, `+1` on the row)."""
    from triage_tui.ui.app import TriageApp
    from triage_tui.ui.screens.triage import Settings, TriageScreen

    by_subject = {s.key: ozone_reasons(ozone, s) for s in ozone_subjects.all}
    assert all(len(reasons) == 2 for reasons in by_subject.values()), by_subject  # the harness's mix
    async with admin_backend(ozone) as backend:
        queue = await whole_queue(backend)
    for key, reasons in by_subject.items():
        assert set(queue[key].reasons) == reasons and queue[key].reason in reasons
    every = set().union(*by_subject.values())
    exported = {reason: [line["item_id"] for line in export(ozone, tmp_path, "--filter", f"reason:{reason}")] for reason in every}
    for reason, ids in exported.items():
        assert set(ids) == tagged(ozone, reason), reason  # what Ozone itself lists for the tag
        assert {k for k, r in by_subject.items() if reason in r} <= set(ids)
    app = TriageApp(admin_backend(ozone), Outbox(tmp_path / "outbox.db"), backend_name=ozone.ozone_url,
                    settings=Settings(claim_on_open=False))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
        screen = next(s for s in pilot.app.screen_stack if isinstance(s, TriageScreen))
        await until(pilot, lambda: screen.session.opened and screen.policy is not None)
        row = screen.queue.render_line(screen.queue.index_of(ozone_subjects.posts[0].key)).text
        assert f" {queue[ozone_subjects.posts[0].key].reason} +1 " in row
        for reason, ids in exported.items():
            await pilot.press("slash", *f"reason:{reason}", "enter")
            await until(pilot, lambda: screen.queue.item_count == len(ids))
            assert [i.id for i in screen.queue.items] == ids  # the same items, in export's order
            await pilot.press("escape")


async def test_the_app_and_export_list_one_query_in_one_order_without_a_priority_for_a_deadline(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    """Ozone sorts by its own fields (lastReportedAt for "deadline"): the order shown is
    the client's sort of the whole queue, in the app and in `export` alike, for every sort.
    Ozone has no deadlines: the deadline column shows none, not `P0`."""
    from triage_tui.filters import SORTS, Sort
    from triage_tui.ui.app import TriageApp
    from triage_tui.ui.screens.triage import Settings, TriageScreen

    ozone.seed(posts=3, accounts=1)  # more subjects than Ozone's order and ours agree on by chance
    orders = {name: [line["item_id"] for line in export(ozone, tmp_path, "--sort", name)] for name in SORTS}
    async with admin_backend(ozone) as backend:
        queue = await whole_queue(backend)
    for name, ids in orders.items():
        assert ids == [i.id for i in Sort(name).sort(queue.values())], name
    app = TriageApp(admin_backend(ozone), Outbox(tmp_path / "outbox.db"), backend_name=ozone.ozone_url,
                    settings=Settings(claim_on_open=False))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: any(isinstance(s, TriageScreen) for s in pilot.app.screen_stack))
        screen = next(s for s in pilot.app.screen_stack if isinstance(s, TriageScreen))
        await until(pilot, lambda: screen.session.opened and screen.policy is not None)
        assert [i.id for i in screen.queue.items] == orders["deadline"]
        for y in range(min(screen.queue.item_count, 10)):
            line = screen.queue.render_line(y).text
            assert line[2:10].strip() == "\u2014" and "P0" not in line, line


async def test_ozone_says_it_cannot_count_or_stream_ids_before_any_request(ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    """counts and id_streams are False, and count(), ids() and a filter expression are
    refused with Unsupported naming the flag — no request, and no walk of the queue."""
    from triage_tui import views
    from triage_tui.backends import Backend
    from triage_tui.backends.errors import Unsupported
    from triage_tui.filters import parse, parse_sort

    async with FaultProxy(ozone.ozone_url) as proxy:
        async with admin_backend(ozone, url=proxy.url) as backend:
            assert isinstance(backend, Backend)
            caps = backend.capabilities
            assert not (caps.counts or caps.id_streams or caps.filter_expressions or caps.sorted_pages)
            with pytest.raises(Unsupported, match="cannot count") as counted:
                await backend.count(QueueQuery())
            stream = backend.ids(QueueQuery())
            with pytest.raises(Unsupported, match="no id stream") as streamed:
                await anext(stream)
            with pytest.raises(Unsupported, match="no filter expressions") as expressed:
                await backend.queue(QueueQuery(filter="kind:post"))
            assert (counted.value.capability, streamed.value.capability, expressed.value.capability) == ("counts", "id_streams", "filter_expressions")
            assert proxy.received == []
            view = views.plan(caps, "open", parse("kind:post"), parse_sort("-age"))
            assert view.query.filter is None and view.query.kind == "post" and view.sorted_here and str(view.rest) == "kind:post"
            assert await views.count(backend, view) is None and await views.ids(backend, view) is None  # the caller reads rows
            assert proxy.received == []
            rows = [i async for i in views.matching(backend, view)]
            assert {s.key for s in ozone_subjects.posts} <= {i.id for i in rows}
            assert all(r.target.startswith("/xrpc/tools.ozone.moderation.") for r in proxy.received)


async def test_batch_and_export_on_ozone_list_what_its_filtered_and_sorted_pages_hold(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    """Ozone evaluates no expression and sorts by its own fields: `batch` and `export` take
    the client-side path, and list the same items in the same order — the whole queue's
    pages, the filter applied to them, sorted by `filters.Sort`."""
    from triage_tui.filters import parse, parse_sort
    from triage_tui.model import now

    reason = next(iter(ozone_reasons(ozone, ozone_subjects.posts[0])))
    expr = f"reason:{reason} -kind:account"
    async with admin_backend(ozone) as backend:
        queue = await whole_queue(backend)
    flt, when = parse(expr), now()
    orders = {sort: [i.id for i in parse_sort(sort).sort(flt.select(queue.values(), when))] for sort in ("-age", "priority")}
    for sort, want in orders.items():
        assert ozone_subjects.posts[0].key in want
        assert [line["item_id"] for line in export(ozone, tmp_path, "--filter", expr, "--sort", sort)] == want
        [dry] = shell(ozone, tmp_path, "batch", "approve", "--filter", expr, "--sort", sort, "--dry-run", "--json")
        assert dry["items"] == want and dry["matched"] == len(want)
    [few] = shell(ozone, tmp_path, "batch", "escalate", "--to", ESCALATION_TARGET, "--filter", expr, "--sort", "-age", "--limit", "1",
                  "--dry-run", "--json")
    assert few["items"] == orders["-age"][:1]


def test_export_lists_the_open_queue(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.ozone]\nurl = "{ozone.ozone_url}"\nbackend = "ozone"\nauth = "admin"\ntoken_env = "OZONE_ADMIN_PASSWORD"\n')
    env = {**os.environ, "OZONE_ADMIN_PASSWORD": ozone.admin_password, "TRIAGE_TUI_STATE_DIR": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    done = subprocess.run([sys.executable, "-m", "triage_tui", "export", "--config", str(config), "--profile", "ozone"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    exported = {line["item_id"]: line for line in lines}
    for subject in ozone_subjects.all:
        assert subject.key in exported
        assert exported[subject.key]["kind"] == subject.kind
    assert exported[ozone_subjects.posts[0].key]["snippet"] == ozone_subjects.posts[0].text
    assert all(line["state"] == "open" for line in lines)
    assert ozone.admin_password not in done.stdout + done.stderr


def test_the_example_configs_ozone_profiles_are_valid_and_open_a_backend(tmp_path: Path) -> None:
    """config.toml.example documents the Ozone profiles commented out; uncommented they load."""
    from triage_tui.config import load

    text = (ROOT / "config.toml.example").read_text()
    start, end = text.index("# [profiles.ozone-admin]"), text.index("[ui]")
    block = "\n".join(line.removeprefix("# ").removeprefix("#") for line in text[start:end].splitlines())
    path = tmp_path / "config.toml"
    path.write_text(block)
    cfg = load(path)
    admin, moderator = cfg.profile("ozone-admin"), cfg.profile("ozone")
    assert (admin.backend, admin.auth) == ("ozone", "admin")
    assert (moderator.backend, moderator.auth, moderator.handle) == ("ozone", "moderator", "mod.example.com")
    backend = OzoneBackend(moderator.url, "app-pass-word", auth="moderator", handle=moderator.handle,
                           pds=moderator.pds, ozone_did=moderator.ozone_did)
    assert "app-pass-word" not in repr(backend)


async def test_no_password_or_session_token_reaches_a_log_or_an_error(ozone: OzoneHarness, ozone_subjects: OzoneSubjects, caplog: pytest.LogCaptureFixture) -> None:
    import base64
    import traceback

    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "triage_tui"):
        caplog.set_level(logging.DEBUG, logger=name)
    failures: list[BaseException] = []
    async with moderator_backend(ozone) as backend, admin_backend(ozone) as admin:
        await backend.me()
        await backend.item(ozone_subjects.posts[0].key)
        assert backend._access is not None and backend._refresh is not None
        jwts = [backend._access.reveal(), backend._refresh.reveal()]
        backend._access = Secret("stale-access-token-0123")
        await backend.queue(QueueQuery(), limit=5)  # refreshed
        jwts += [backend._access.reveal(), backend._refresh.reveal()]
        await admin.stats()
        reprs = [repr(backend), repr(admin), repr(backend._access), repr(vars(backend)), repr(vars(admin))]
    async with moderator_backend(ozone, password="wrong-app-password-77") as wrong, admin_backend(ozone, password="wrong-admin-pw-77") as bad:
        for call in (wrong.me, bad.me):
            try:
                await call()
            except Unauthorized as exc:
                failures.append(exc)
    assert len(failures) == 2
    secrets = [ozone.moderator.password, ozone.admin_password, "wrong-app-password-77", "wrong-admin-pw-77",
               base64.b64encode(f"admin:{ozone.admin_password}".encode()).decode(), *jwts]
    texts = [caplog.text, *reprs, *(t for exc in failures for t in (str(exc), repr(exc), "".join(traceback.format_exception(exc))))]
    texts += [str(r.__dict__) for r in caplog.records]
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    for secret in secrets:
        leaked = [t[:120] for t in texts if secret in t]
        assert not leaked, leaked



def test_a_chat_message_subject_is_not_an_account() -> None:
    """A reported DM carries the sender's DID; taking "it" down must never take the account down."""
    from triage_tui.backends.ozone import subject_key

    message = {"$type": "chat.bsky.convo.defs#messageRef", "did": "did:plc:ar7c4by46qjdydhdevvrndac", "convoId": "c1", "messageId": "m1"}
    assert subject_key(message) is None
    assert subject_key({"$type": "com.atproto.admin.defs#repoRef", "did": "did:plc:ar7c4by46qjdydhdevvrndac"}) == "did:plc:ar7c4by46qjdydhdevvrndac"
