"""The real-Ozone harness works, and Ozone behaves as the Ozone backend will rely on.

Real HTTP with httpx to a real Ozone (tests/ozone/launch.mjs): admin Basic auth,
and a moderator's PDS session proxied to Ozone with the atproto-proxy header.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ozone_harness import REVIEW_CLOSED, REVIEW_ESCALATED, REVIEW_OPEN, OzoneHarness, OzoneSubject, OzoneSubjects


@pytest.fixture
def admin(ozone: OzoneHarness) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ozone.ozone_url, auth=ozone.admin_auth, timeout=30) as client:
        yield client


def open_queue(client: httpx.Client) -> list[dict[str, Any]]:
    statuses: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):
        params = {"reviewState": REVIEW_OPEN, "limit": 100, **({"cursor": cursor} if cursor else {})}
        response = client.get("/xrpc/tools.ozone.moderation.queryStatuses", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        statuses += page["subjectStatuses"]
        cursor = page.get("cursor")
        if not cursor or not page["subjectStatuses"]:
            break
    return statuses


def status_key(status: dict[str, Any]) -> str:
    subject = status["subject"]
    return subject.get("uri") or subject["did"]


def status_of(client: httpx.Client, subject: OzoneSubject) -> dict[str, Any]:
    response = client.get("/xrpc/tools.ozone.moderation.queryStatuses", params={"subject": subject.key})
    assert response.status_code == 200, response.text
    [status] = response.json()["subjectStatuses"]
    return status


def emit(client: httpx.Client, ozone: OzoneHarness, subject: OzoneSubject, event: dict[str, Any], **extra: Any) -> httpx.Response:
    body = {"event": event, "subject": subject.ref, "createdBy": ozone.ozone_did, **extra}
    return client.post("/xrpc/tools.ozone.moderation.emitEvent", json=body)


def events_of(client: httpx.Client, subject: OzoneSubject) -> list[dict[str, Any]]:
    response = client.get("/xrpc/tools.ozone.moderation.queryEvents", params={"subject": subject.key, "limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["events"]


def test_the_open_queue_lists_the_seeded_posts_and_accounts(admin: httpx.Client, ozone_subjects: OzoneSubjects) -> None:
    queue = {status_key(s): s for s in open_queue(admin)}
    for subject in ozone_subjects.all:
        assert subject.key in queue, f"{subject.kind} {subject.key} not in the open queue"
        status = queue[subject.key]
        assert status["reviewState"] == REVIEW_OPEN
        assert status["takendown"] is False
    post = queue[ozone_subjects.posts[0].key]
    assert post["subject"]["$type"] == "com.atproto.repo.strongRef"
    assert post["subject"]["cid"] == ozone_subjects.posts[0].cid
    account = queue[ozone_subjects.accounts[0].key]
    assert account["subject"]["$type"] == "com.atproto.admin.defs#repoRef"
    assert account["subjectRepoHandle"] == ozone_subjects.accounts[0].handle


def test_each_seeded_subject_carries_its_user_reports(admin: httpx.Client, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    reporters = {r.did for r in ozone.reporters}
    for subject in ozone_subjects.all:
        reports = [e for e in events_of(admin, subject) if e["event"]["$type"] == "tools.ozone.moderation.defs#modEventReport"]
        assert sorted(e["id"] for e in reports) == sorted(subject.report_ids)
        assert {e["createdBy"] for e in reports} == reporters
    record = admin.get("/xrpc/tools.ozone.moderation.getRecord", params={"uri": ozone_subjects.posts[0].uri})
    assert record.status_code == 200, record.text
    assert record.json()["value"]["text"] == ozone_subjects.posts[0].text


def test_the_short_review_state_is_rejected_with_400(admin: httpx.Client, ozone_subjects: OzoneSubjects) -> None:
    response = admin.get("/xrpc/tools.ozone.moderation.queryStatuses", params={"reviewState": "#reviewOpen"})
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidRequest"


def test_acknowledge_closes_the_review(admin: httpx.Client, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    post = ozone_subjects.posts[0]
    assert status_of(admin, post)["reviewState"] == REVIEW_OPEN
    response = emit(admin, ozone, post, {"$type": "tools.ozone.moderation.defs#modEventAcknowledge", "comment": "no violation"})
    assert response.status_code == 200, response.text
    assert status_of(admin, post)["reviewState"] == REVIEW_CLOSED
    # the other fresh subjects are untouched
    assert status_of(admin, ozone_subjects.posts[1])["reviewState"] == REVIEW_OPEN


def test_escalate_moves_the_subject_to_the_escalated_queue(admin: httpx.Client, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    post = ozone_subjects.posts[0]
    response = emit(admin, ozone, post, {"$type": "tools.ozone.moderation.defs#modEventEscalate", "comment": "needs legal"})
    assert response.status_code == 200, response.text
    assert status_of(admin, post)["reviewState"] == REVIEW_ESCALATED
    escalated = admin.get("/xrpc/tools.ozone.moderation.queryStatuses", params={"reviewState": REVIEW_ESCALATED, "limit": 100})
    assert post.key in {status_key(s) for s in escalated.json()["subjectStatuses"]}
    assert post.key not in {status_key(s) for s in open_queue(admin)}


def test_takedown_closes_the_review_and_marks_it_taken_down(admin: httpx.Client, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    for subject in (ozone_subjects.posts[0], ozone_subjects.accounts[0]):
        event = {"$type": "tools.ozone.moderation.defs#modEventTakedown", "comment": "spam campaign", "policies": ["policy-one"]}
        response = emit(admin, ozone, subject, event)
        assert response.status_code == 200, response.text
        status = status_of(admin, subject)
        assert (status["reviewState"], status["takendown"]) == (REVIEW_CLOSED, True)
        again = emit(admin, ozone, subject, event)  # a second moderator's takedown: a conflict, by message only
        assert again.status_code == 400
        assert again.json() == {"error": "InvalidRequest", "message": "Subject is already taken down"}


def test_a_wrong_admin_password_is_401(ozone: OzoneHarness) -> None:
    response = httpx.get(f"{ozone.ozone_url}/xrpc/tools.ozone.moderation.queryStatuses", auth=(ozone.admin_username, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "AuthenticationRequired"


def test_an_external_id_sent_twice_is_refused_as_duplicate(admin: httpx.Client, ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    account = ozone_subjects.accounts[0]
    event = {"$type": "tools.ozone.moderation.defs#modEventAcknowledge", "comment": "sent twice"}
    external_id = str(uuid.uuid4())
    first = emit(admin, ozone, account, event, externalId=external_id)
    assert first.status_code == 200, first.text
    second = emit(admin, ozone, account, event, externalId=external_id)
    assert second.status_code == 400, second.text
    assert second.json()["error"] == "DuplicateExternalId"
    acks = [e for e in events_of(admin, account) if e["event"]["$type"].endswith("#modEventAcknowledge")]
    assert len(acks) == 1


def test_each_test_gets_subjects_no_one_decided(admin: httpx.Client, ozone_subjects: OzoneSubjects) -> None:
    """Runs after the tests above in file order: their decisions do not leak into these."""
    for subject in ozone_subjects.all:
        status = status_of(admin, subject)
        assert status["reviewState"] == REVIEW_OPEN
        # only the users' reports and Ozone's own automatic report tags (modEventTag "report:spam" …)
        automatic = ("#modEventReport", "#modEventTag")
        assert [e["event"]["$type"] for e in events_of(admin, subject) if not e["event"]["$type"].endswith(automatic)] == []


def test_a_moderator_reaches_ozone_through_their_pds(ozone: OzoneHarness, ozone_subjects: OzoneSubjects) -> None:
    moderator = ozone.moderator
    with httpx.Client(base_url=ozone.pds_url, timeout=30) as pds:
        session = pds.post("/xrpc/com.atproto.server.createSession", json={"identifier": moderator.handle, "password": moderator.password})
        assert session.status_code == 200, session.text
        headers = {"Authorization": f"Bearer {session.json()['accessJwt']}", "atproto-proxy": ozone.labeler_proxy}
        response = pds.get("/xrpc/tools.ozone.moderation.queryStatuses", params={"subject": ozone_subjects.posts[0].key}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["subjectStatuses"][0]["reviewState"] == REVIEW_OPEN
        wrong = pds.post("/xrpc/com.atproto.server.createSession", json={"identifier": moderator.handle, "password": "wrong"})
        assert wrong.status_code == 401
