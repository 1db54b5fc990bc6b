"""Bluesky Ozone as a backend: the Backend protocol over Ozone's XRPC API.

What maps to what:
- items: an Ozone subject. A reported record (a post) has its at-uri as item id, a
  reported account its DID; both are printable ASCII and fit the model's id rule as-is.
- queues: `tools.ozone.moderation.queryStatuses` with the full review-state values
  (`tools.ozone.moderation.defs#reviewOpen` / `#reviewEscalated`; Ozone refuses the
  short `#reviewOpen` with 400), Ozone's cursor, a sort mapped to Ozone's sortField.
- reports: the subject's `modEventReport` events (`queryEvents`), each a user report
  with its reporter's DID and comment; reason codes are Ozone's own report tags
  (`com.atproto.moderation.defs#reasonSpam` → `spam`, `…#reasonChildSafetyCSAM` →
  `child-safety-csam`), so the policy is synthesized here and a `reason` filter is
  Ozone's `report:<code>` tag.
- decisions: approve → `modEventAcknowledge`, remove → `modEventTakedown` (the reason
  in `policies`, the note as comment), escalate → `modEventEscalate`. The decision key
  is sent as `externalId` (Ozone answers a resend `DuplicateExternalId`) and in
  `modTool.meta`, because a resent *takedown* is refused "Subject is already taken
  down" before Ozone looks at the externalId: the event carrying our key tells our own
  earlier takedown (duplicate) from someone else's (conflict).
- claims: Ozone's report assignments, where the server offers them. me() probes
  `tools.ozone.report.getAssignments` once; a 404/501/MethodNotImplemented/XRPCNotSupported
  (or 403) answer means none, and `capabilities.claims` stays False for this instance.
  A claim assigns each of the subject's open/queued/assigned/escalated reports
  (`queryReports`) to the caller with `assignModerator` (isPermanent false); Ozone sets
  the lease itself (OZONE_ASSIGNMENT_REPORT_DURATION_MS, default 5 minutes, our `ttl` is
  not honoured) and a repeat claim refreshes it. Someone else's active assignment (or
  `AlreadyAssigned`) is a ClaimConflict naming their DID; a closed subject is
  `not_claimable`. Release unassigns only the reports we hold (Ozone would let us end
  anyone's). The admin claims as the Ozone service DID, the same id me() reports.
- no versions (item_version is informational: the status's updatedAt in ms), no
  change feed, no scoped removal: the capability flags say so.

Auth: "admin" sends Basic auth (`admin` / the secret) straight to Ozone; "moderator"
logs in at the account's PDS (`com.atproto.server.createSession`, the secret is an app
password) and calls Ozone through the PDS with `atproto-proxy: <ozone_did>#atproto_labeler`,
refreshing the session when it expires and logging in again when the refresh fails.

Untrusted text (post text, handles, display names, report comments, Ozone's error
messages) enters the model only through the model's `from_json` constructors or
`sanitize.clean`; secrets are in no URL, repr, log record or exception text.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from triage_tui import __version__
from triage_tui.backends import Capabilities, QueueQuery
from triage_tui.backends.auth import Secret, _redact, check_token, protect_logs
from triage_tui.backends.errors import Forbidden, InvalidRequest, NotFound, Unsupported, bad_payload, safe_text
from triage_tui.backends.triage import DEFAULT_TIMEOUT, _ssl_context, check_base_url
from triage_tui.model import (
    Action, AuditPage, ChangeBatch, CurrentState, Decision, DecisionResult, Item, Moderator, Outcome, PayloadError,
    Policy, QueueCount, QueuePage, Source, State, Stats, iso,
)
from triage_tui.backends.ozone_map import (
    ACTION_OF, AFTER, COUNT_CAP, ESCALATION_TARGET, EVENT_OF, MOD_TOOL, PAGE_MAX, POST_COLLECTION, REPO_REF,
    REVIEW_CLOSED, REVIEW_ESCALATED, REVIEW_OPEN, ROLES, SORT_FIELD, STATE_OF, STRONG_REF, _DID_RE, _check_id,
    _decision_key, _duplicate, _parse_time, _priority, _profile_value, _ref, _said, _str, _time_ms,
    _unsupported_ids, account_snippet, author_json, decision_json, kind_of, ozone_policy, report_json, subject_key,
    summary_json,
)
from triage_tui.backends.ozone_xrpc import OzoneRefused, XrpcSession
from triage_tui.backends.ozone_claims import Assignments


class OzoneBackend(XrpcSession, Assignments):
    """An Ozone moderation service. Use as `async with OzoneBackend(url, secret, ...) as b:`."""

    name = "ozone"
    # Ozone sorts by its fields, not ours (SORT_FIELD), so no order of ours is native; of
    # the filter it evaluates `kind` (a post is a record of POST_COLLECTION; nothing in
    # Ozone is a channel) and one `reason` (the report:… tag) in queryStatuses; the
    # rest (`min_reports` too, dropped from each page here) is the client's. Its `total`
    # is the page's length, not a count, and it pages only by its own cursor.
    # queryStatuses has no count and no id-only answer: `counts` and `id_streams` are False,
    # and count()/ids() say so (Unsupported) rather than walk every page behind a
    # caller's back — a count of a 100k queue would be 1,000 requests against the team's Ozone.
    capabilities = Capabilities(claims=False, versions=False, escalation=True, scoped_removal=False, change_feed=False,
                                sorted_pages=False, filter_fields=frozenset({"kind", "reason"}), filter_expressions=False,
                                counts=False, offsets=False, id_streams=False)
    """claims becomes True on an instance once me() (or the first claim) finds report assignments."""

    def __init__(
        self,
        base_url: str,
        token: str | Secret,
        *,
        auth: Literal["admin", "moderator"] | str = "admin",
        handle: str | None = None,
        pds: str | None = None,
        ozone_did: str | None = None,
        ca_file: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        token_from: str | None = None,
    ) -> None:
        """`token_from` says where the secret came from (the profile's token source), so
        that a rejected password's message names what to check."""
        secret = check_token(token)
        del token  # only the masked Secret from here on (tracebacks with locals)
        self.token_from = token_from
        if auth not in ("admin", "moderator"):
            raise ValueError(f'Ozone auth must be "admin" or "moderator", not {safe_text(str(auth)[:40])!r}')
        self.auth = auth
        url = check_base_url(base_url)
        self.base_url = str(url).rstrip("/")
        self._secret = secret
        self._secrets: list[Secret] = [secret]  # Secrets, so that vars(self) shows none of them
        protect_logs(secret)
        if auth == "admin":
            basic = base64.b64encode(f"admin:{secret.reveal()}".encode()).decode("ascii")
            self._basic = Secret(basic)
            self._register(self._basic)
            target = url
            self.handle = None
            self.ozone_did = ozone_did
            self.pds = None
        else:
            if not handle:
                raise ValueError("an Ozone moderator profile needs the account's handle")
            if not pds:
                raise ValueError("an Ozone moderator profile needs the URL of the account's PDS")
            if not ozone_did or not _DID_RE.fullmatch(ozone_did):
                raise ValueError("an Ozone moderator profile needs the Ozone service's DID (ozone_did)")
            target = check_base_url(pds)
            self.pds = str(target).rstrip("/")
            self.handle = handle
            self.ozone_did = ozone_did
            self._basic = None
        self._target = str(target).rstrip("/")
        self._access: Secret | None = None
        self._refresh: Secret | None = None
        self._session_did: str | None = None
        self._actor_did: str | None = None
        self.capabilities = OzoneBackend.capabilities
        self._assignments_offered: bool | None = None  # None: not probed yet
        self._claimed_reports: dict[str, list[int]] = {}
        self._session_lock = asyncio.Lock()
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._client = httpx.AsyncClient(
            base_url=target,
            headers={"User-Agent": f"triage-tui/{__version__}", "Accept": "application/json"},
            timeout=self._timeout,
            verify=_ssl_context(ca_file),
            follow_redirects=False,
            transport=transport,
            trust_env=target.scheme == "https",
        )

    def _register(self, secret: Secret) -> None:
        self._secrets.append(secret)
        protect_logs(secret)

    def redact(self, text: str) -> str:
        return _redact(text, tuple(s.reveal() for s in self._secrets))

    def __repr__(self) -> str:
        url = getattr(self, "base_url", "<not constructed>")
        if getattr(self, "auth", None) == "moderator":
            return f"OzoneBackend({url!r}, auth='moderator', handle={self.handle!r}, pds={self.pds!r})"
        return f"OzoneBackend({url!r}, auth='admin')"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- the protocol ------------------------------------------------------------------

    async def me(self) -> Moderator:
        config = await self._xrpc("GET", "tools.ozone.server.getConfig")
        viewer = config.get("viewer") if isinstance(config, dict) else None
        role = viewer.get("role") if isinstance(viewer, dict) else None
        roles = ROLES.get(role, frozenset({"moderator"})) if isinstance(role, str) else frozenset({"moderator"})
        did = await self._actor()
        await self._probe_assignments()
        name = f"Ozone admin ({self.base_url})" if self.auth == "admin" else (self.handle or did)
        return self._parse({"id": did, "name": name, "roles": sorted(roles)}, Moderator.from_json, "getConfig")

    async def policy(self) -> Policy:
        return ozone_policy()

    async def queue(self, query: QueueQuery, *, cursor: str | None = None, limit: int = 200) -> QueuePage:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError(f"limit must be 1..1000, not {limit!r}")
        if query.filter is not None:  # capabilities.filter_expressions is False: never silently ignored
            raise Unsupported("Ozone queue: no filter expressions; apply the filter to the pages", capability="filter_expressions")
        if query.sort not in SORT_FIELD:
            raise InvalidRequest(f"Ozone queue: no sort {safe_text(query.sort[:40])!r} (sorts: {', '.join(SORT_FIELD)})", detail=None)
        empty = QueuePage((), None, 0, 0)
        # Filters Ozone can apply are sent; ones nothing in Ozone can match give an empty page;
        # the rest (q, min_reports) are left to the caller's own filter, which stays the truth.
        if query.kind == "channel" or (query.source not in (None, Source.USER_REPORT.value)) or query.country is not None:
            return empty
        field, direction = SORT_FIELD[query.sort]
        params: dict[str, Any] = {
            "reviewState": REVIEW_ESCALATED if query.queue == "escalated" else REVIEW_OPEN,
            "limit": min(limit, PAGE_MAX),
            "sortField": field,
            "sortDirection": direction,
        }
        if query.kind == "post":
            params["subjectType"] = "record"
            params["collections"] = [POST_COLLECTION]
        elif query.kind == "account":
            params["subjectType"] = "account"
        if query.reason is not None:
            params["tags"] = [f"report:{query.reason}"]
        if cursor is not None:
            params["cursor"] = cursor
        data = await self._xrpc("GET", "tools.ozone.moderation.queryStatuses", params=params)
        statuses = data.get("subjectStatuses") if isinstance(data, dict) else None
        if not isinstance(statuses, list):
            raise bad_payload(PayloadError("subjectStatuses", "expected a list"), where="Ozone tools.ozone.moderation.queryStatuses")
        full_page = len(statuses) >= params["limit"]  # before dropping subjects we do not list
        statuses = [s for s in statuses if isinstance(s, dict) and subject_key(s.get("subject")) is not None]
        snippets = await self._snippets([subject_key(s.get("subject")) or "" for s in statuses])
        raw_items = []
        for status in statuses:
            key = subject_key(status.get("subject")) or ""
            item = summary_json(status, snippets.get(key, ""))
            if item is not None:
                raw_items.append(item)
        next_cursor = data.get("cursor") if isinstance(data.get("cursor"), str) and full_page else None
        page = self._parse({"items": raw_items, "next_cursor": next_cursor, "total": len(raw_items), "seq": 0},
                           QueuePage.from_json, "tools.ozone.moderation.queryStatuses")
        if query.min_reports is not None:
            page = QueuePage(tuple(i for i in page.items if i.report_count >= query.min_reports), page.next_cursor, page.total, 0)
        return page

    async def count(self, query: QueueQuery) -> QueueCount:
        """Ozone cannot count a queue (capabilities.counts is False): Unsupported, before
        any request. Counting by walking queryStatuses would cost one request per 100
        subjects; a caller that must know walks `queue` itself and says it is a lower bound."""
        raise Unsupported("Ozone cannot count a queue: page through it instead (capabilities.counts is False)", capability="counts")

    def ids(self, query: QueueQuery) -> AsyncIterator[str]:
        """Ozone has no id stream (capabilities.id_streams is False): Unsupported, raised when
        the iteration starts and before any request. Its pages are not in our order and
        not filtered by our terms, so the ids of a view come only from `queue` pages the
        caller filters and sorts itself (`views.matching`), one implementation for all."""
        return _unsupported_ids()

    async def _snippets(self, keys: Sequence[str]) -> dict[str, str]:
        """The text shown in the queue line: a post's text, an account's handle and profile."""
        uris = [k for k in keys if k.startswith("at://")]
        dids = [k for k in keys if k.startswith("did:")]
        out: dict[str, str] = {}
        for i in range(0, len(uris), PAGE_MAX):
            data = await self._xrpc("GET", "tools.ozone.moderation.getRecords", params={"uris": uris[i:i + PAGE_MAX]})
            for record in (data.get("records") if isinstance(data, dict) else None) or ():
                if isinstance(record, dict) and isinstance(record.get("uri"), str):
                    value = record.get("value")
                    text = value.get("text") if isinstance(value, dict) else None
                    out[record["uri"]] = text if isinstance(text, str) else "(no text: the record is missing or not a post)"
        for i in range(0, len(dids), PAGE_MAX):
            data = await self._xrpc("GET", "tools.ozone.moderation.getRepos", params={"dids": dids[i:i + PAGE_MAX]})
            for repo in (data.get("repos") if isinstance(data, dict) else None) or ():
                if isinstance(repo, dict) and isinstance(repo.get("did"), str):
                    out[repo["did"]] = account_snippet(repo)
        return out

    async def changes(self, since: int, *, wait: float = 0, limit: int = 500) -> ChangeBatch:
        """Ozone has no change feed (capabilities.change_feed is False): wait, report nothing."""
        if wait > 0:
            await asyncio.sleep(min(wait, 60.0))
        return ChangeBatch((), since)

    async def item(self, item_id: str) -> Item:
        key = _check_id(item_id)
        kind = kind_of(key)
        if kind == "post":
            record = await self._xrpc("GET", "tools.ozone.moderation.getRecord", params={"uri": key})
            record = record if isinstance(record, dict) else {}
            value = record.get("value") if isinstance(record.get("value"), dict) else {}
            repo = record.get("repo") if isinstance(record.get("repo"), dict) else {}
            moderation = record.get("moderation") if isinstance(record.get("moderation"), dict) else {}
            text = _str(value, "text") or ""
            created = _str(value, "createdAt")
            langs = value.get("langs")
            language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
            title = None
            author_repo = repo
        else:
            repo = await self._xrpc("GET", "tools.ozone.moderation.getRepo", params={"did": key})
            repo = repo if isinstance(repo, dict) else {}
            moderation = repo.get("moderation") if isinstance(repo.get("moderation"), dict) else {}
            profile = _profile_value(repo)
            text = _str(profile, "description") or ""
            title = _str(profile, "displayName")
            created, language = None, None
            author_repo = repo
        status = moderation.get("subjectStatus") if isinstance(moderation.get("subjectStatus"), dict) else {}
        events = await self._events(key)
        reports = [r for r in (report_json(e) for e in events) if r is not None]
        history = []
        for event in events:
            d = decision_json(event)
            if d is not None:
                history.append({"id": d["id"], "action": d["action"], "moderator": d["moderator"], "reason": d["reason"],
                                "escalate_to": d["escalate_to"], "note": d["note"], "decided_at": d["decided_at"]})
        review = _str(status, "reviewState") or ""
        if created is not None and not _time_ms(created):
            created = None
        if language is not None and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}", language):
            language = None
        raw = {
            "id": key,
            "kind": kind,
            "state": STATE_OF.get(review, State.CLOSED).value,
            "version": _time_ms(_str(status, "updatedAt")),
            "text": text,
            "title": title,
            "language": language,
            "created_at": created,
            "media": [],
            "author": author_json(author_repo, status) if author_repo else None,
            "member_count": None,
            "reports": sorted(reports, key=lambda r: r["created_at"] or ""),
            "priority": _priority(status),
            "deadline": None,
            "escalated_to": ESCALATION_TARGET if review == REVIEW_ESCALATED else None,
            "campaign": None,
            "claim": None,
            "history": history,
        }
        return self._parse(raw, Item.from_json, "getRecord" if kind == "post" else "getRepo")

    async def _events(self, key: str, *, types: Sequence[str] | None = None, limit: int = 100) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"subject": key, "limit": limit, "sortDirection": "desc"}
        if types:
            params["types"] = list(types)
        data = await self._xrpc("GET", "tools.ozone.moderation.queryEvents", params=params)
        events = data.get("events") if isinstance(data, dict) else None
        return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []

    # -- decisions ---------------------------------------------------------------------

    async def decide(self, decisions: Sequence[Decision]) -> tuple[DecisionResult, ...]:
        """One emitEvent per decision, in order. A network failure part-way raises: the
        sender resends the whole batch and the ones already applied come back duplicate."""
        return tuple([await self._decide(d) for d in decisions])

    async def _decide(self, d: Decision) -> DecisionResult:
        try:
            key = _check_id(d.item_id)
        except ValueError as exc:
            return DecisionResult(d.id, d.item_id if d.item_id.isascii() else None, Outcome.INVALID, error="invalid", detail=_said(safe_text(str(exc))))
        if d.scope != "global":
            return DecisionResult(d.id, key, Outcome.INVALID, error="invalid",
                                  detail=_said("Ozone cannot withhold in some countries only: remove globally or escalate"))
        if d.action is Action.ESCALATE and d.escalate_to != ESCALATION_TARGET:
            return DecisionResult(d.id, key, Outcome.INVALID, error="invalid",
                                  detail=_said(f"Ozone has one escalation target, {ESCALATION_TARGET!r}"))
        status = await self._status(key)
        if status is None:
            subject = await self._subject_ref(key)
            if subject is None:
                return DecisionResult(d.id, key, Outcome.INVALID, error="not_found", detail=_said("Ozone has no such subject"))
        else:
            subject = _ref(status.get("subject"))
            review = _str(status, "reviewState")
            taken = status.get("takendown") is True
            # Escalated since it was seen (its updatedAt moved on): a colleague sent it to the
            # specialists, so an approve or remove from the open queue must not close it silently.
            moved = d.item_version not in (0, _time_ms(_str(status, "updatedAt")))
            decided = (review == REVIEW_CLOSED or (d.action is Action.REMOVE and taken)
                       or (review == REVIEW_ESCALATED and (d.action is Action.ESCALATE or moved)))
            if decided:
                return await self._already(d, key, status)
        event: dict[str, Any] = {"$type": EVENT_OF[d.action]}
        if d.note:
            event["comment"] = d.note
        if d.action is Action.REMOVE:
            event["policies"] = [d.reason]
            event.setdefault("comment", f"removed: {d.reason}")
        body = {"event": event, "subject": subject, "createdBy": await self._actor(), "externalId": d.id,
                "modTool": {"name": MOD_TOOL, "meta": {"decision": d.id}}}
        try:
            await self._xrpc("POST", "tools.ozone.moderation.emitEvent", body=body)
        except OzoneRefused as exc:
            code = exc.code
            if code == "DuplicateExternalId":
                return _duplicate(d, key)
            if code == "SubjectHasAction" or "already taken down" in (exc.detail or ""):
                return await self._already(d, key, await self._status(key) or {})
            return DecisionResult(d.id, key, Outcome.INVALID, error=code or "invalid", detail=_said(exc.detail or str(exc)))
        except (Forbidden,) as exc:
            return DecisionResult(d.id, key, Outcome.FORBIDDEN, error="forbidden", detail=_said(str(exc)))
        except NotFound as exc:
            return DecisionResult(d.id, key, Outcome.INVALID, error="not_found", detail=_said(str(exc)))
        return DecisionResult(d.id, key, Outcome.APPLIED, state=AFTER[d.action])

    async def _already(self, d: Decision, key: str, status: Mapping[str, Any]) -> DecisionResult:
        """The subject is already decided: by this very decision earlier (its key is on an
        event: a duplicate), or by someone else (a conflict, with who and what)."""
        for event in await self._events(key, types=[EVENT_OF[d.action]]):
            if _decision_key(event) == d.id:
                return _duplicate(d, key)
        review = _str(status, "reviewState") or ""
        taken = status.get("takendown") is True
        by = _str(status, "lastReviewedBy")
        action = Action.REMOVE if taken else Action.ESCALATE if review == REVIEW_ESCALATED else Action.APPROVE if review == REVIEW_CLOSED else None
        current = CurrentState(
            state=STATE_OF.get(review, State.CLOSED),
            version=_time_ms(_str(status, "updatedAt")),
            decided_by=by if by and _DID_RE.fullmatch(by) else None,
            action=action,
            reason=None,
            decided_at=_parse_time(_str(status, "lastReviewedAt")),
            claimed_by=None,
        )
        what = "taken down" if taken else "escalated" if review == REVIEW_ESCALATED else "closed"
        return DecisionResult(d.id, key, Outcome.CONFLICT, state=current.state, error="conflict",
                              detail=_said(f"already {what} in Ozone"), current=current)

    async def _status(self, key: str) -> dict[str, Any] | None:
        data = await self._xrpc("GET", "tools.ozone.moderation.queryStatuses", params={"subject": key, "limit": 1})
        statuses = data.get("subjectStatuses") if isinstance(data, dict) else None
        for status in statuses if isinstance(statuses, list) else ():
            if isinstance(status, dict) and subject_key(status.get("subject")) == key:
                return status
        return None

    async def _subject_ref(self, key: str) -> dict[str, str] | None:
        if key.startswith("did:"):
            return {"$type": REPO_REF, "did": key}
        try:
            record = await self._xrpc("GET", "tools.ozone.moderation.getRecord", params={"uri": key})
        except NotFound:
            return None
        cid = record.get("cid") if isinstance(record, dict) else None
        return {"$type": STRONG_REF, "uri": key, "cid": cid} if isinstance(cid, str) else None

    # -- audit and stats ---------------------------------------------------------------

    async def audit(self, *, since: datetime | None = None, cursor: str | None = None, limit: int = 200, moderator: str | None = None) -> AuditPage:
        """Ozone's acknowledge, takedown and escalate events (by anyone, with any tool), newest first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ValueError(f"limit must be 1..1000, not {limit!r}")
        # Oldest first, as the protocol's audit log is: reports page forward from `since`.
        params: dict[str, Any] = {"types": list(ACTION_OF), "limit": min(limit, PAGE_MAX), "sortDirection": "asc"}
        if since is not None:
            params["createdAfter"] = iso(since)
        if cursor is not None:
            params["cursor"] = cursor
        if moderator is not None:
            params["createdBy"] = moderator
        data = await self._xrpc("GET", "tools.ozone.moderation.queryEvents", params=params)
        events = data.get("events") if isinstance(data, dict) else None
        events = [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
        entries = [d for d in (decision_json(e) for e in events) if d is not None]
        next_cursor = data.get("cursor") if isinstance(data.get("cursor"), str) and len(events) >= params["limit"] else None
        page = self._parse({"decisions": entries, "next_cursor": next_cursor}, AuditPage.from_json, "tools.ozone.moderation.queryEvents")
        return page

    async def stats(self) -> Stats:
        """Queue counts by paging queryStatuses (up to 10,000 per queue), the oldest open
        subject, and decision counts from Ozone's events (up to 10,000)."""
        counts: dict[State, int] = {}
        oldest: dict[str, Any] | None = None
        for state, review in ((State.OPEN, REVIEW_OPEN), (State.ESCALATED, REVIEW_ESCALATED)):
            total, cursor = 0, None
            while total < COUNT_CAP:
                params: dict[str, Any] = {"reviewState": review, "limit": PAGE_MAX, "sortField": "lastReportedAt", "sortDirection": "asc"}
                if cursor:
                    params["cursor"] = cursor
                data = await self._xrpc("GET", "tools.ozone.moderation.queryStatuses", params=params)
                statuses = data.get("subjectStatuses") if isinstance(data, dict) else None
                statuses = [s for s in statuses if isinstance(s, dict)] if isinstance(statuses, list) else []
                if state is State.OPEN and cursor is None and statuses:
                    first = statuses[0]
                    key = subject_key(first.get("subject"))
                    when = _str(first, "createdAt") or _str(first, "lastReportedAt")
                    if key and when:
                        oldest = {"item_id": key, "first_reported_at": when, "deadline": None}
                total += len(statuses)
                cursor = data.get("cursor") if isinstance(data, dict) else None
                if len(statuses) < PAGE_MAX or not isinstance(cursor, str):
                    break
            counts[state] = total
        decided: dict[tuple[str, str | None], int] = {}
        cursor, seen = None, 0
        while seen < COUNT_CAP:
            page = await self.audit(cursor=cursor, limit=PAGE_MAX)
            for entry in page.decisions:
                k = (entry.decision.action.value, entry.decision.reason)
                decided[k] = decided.get(k, 0) + 1
            seen += len(page.decisions)
            cursor = page.next_cursor
            if cursor is None:
                break
        raw = {
            "queues": {s.value: n for s, n in counts.items()},
            "open_by_source": {Source.USER_REPORT.value: counts.get(State.OPEN, 0)},
            "overdue_by_source": {},
            "oldest_open_by_source": {Source.USER_REPORT.value: oldest} if oldest else {},
            "decisions": [{"action": a, "reason": r, "source": Source.USER_REPORT.value, "country": None, "count": n}
                          for (a, r), n in sorted(decided.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))],
            "seq": 0,
        }
        return self._parse(raw, Stats.from_json, "stats")


