"""Claims on Ozone: its report assignments (`tools.ozone.report.*`), where the service
has them. A mixin of `ozone.OzoneBackend`; `capabilities.claims` becomes True on an
instance once a probe finds assignments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from triage_tui.backends.errors import (
    BackendError, ClaimConflict, Forbidden, InvalidRequest, NotFound, Unauthorized, safe_text,
)
from triage_tui.model import Claim, iso
from triage_tui.words import moment
from triage_tui.backends.ozone_map import (
    ASSIGN, ASSIGN_GET, CLAIMABLE_REPORTS, MAX_REPORT_PAGES, NOT_IMPLEMENTED_STATUS, PAGE_MAX, REVIEW_ESCALATED,
    REVIEW_OPEN, UNASSIGN, _DID_RE, _MAX_LEASE_END, _check_id, _parse_time, _str,
)
from triage_tui.backends.ozone_xrpc import OzoneRefused

if TYPE_CHECKING:
    from triage_tui.backends.ozone import OzoneBackend

    _Base = OzoneBackend
else:
    _Base = object


class Assignments(_Base):
    """Claims as Ozone report assignments (mixed into `OzoneBackend`)."""

    # -- claims: Ozone's report assignments ----------------------------------------------

    async def _probe_assignments(self) -> None:
        """Once per backend: does this Ozone offer report assignments? Sets capabilities.claims.
        "Not offered" is an answer that the method is unknown (404, 501, MethodNotImplemented,
        XRPCNotSupported) or not allowed for this login (403); a transient failure leaves it
        unprobed (claims stay False) and the next me() asks again."""
        if self._assignments_offered is not None:
            return
        try:
            await self._xrpc("GET", ASSIGN_GET, params={"onlyActive": "true", "limit": 1})
        except (NotFound, Forbidden):
            offered = False
        except OzoneRefused:
            offered = False  # MethodNotImplemented / XRPCNotSupported, or a server that knows the name but not our call
        except BackendError as exc:
            if exc.status in NOT_IMPLEMENTED_STATUS:
                offered = False
            elif isinstance(exc, Unauthorized):
                raise
            else:
                return  # unavailable or unreachable: ask again later
        else:
            offered = True
        self._assignments_offered = offered
        self.capabilities = replace(self.capabilities, claims=offered)

    async def _require_assignments(self) -> None:
        if self._assignments_offered is None:
            await self._probe_assignments()
        if not self._assignments_offered:
            raise InvalidRequest("Ozone: this server offers no report assignments, so no claims (capabilities.claims is False)", detail=None)

    async def _report_ids(self, key: str, statuses: Sequence[str]) -> list[int]:
        """The ids of the subject's reports in these report statuses (queryReports, paged)."""
        ids: list[int] = []
        for status in statuses:
            cursor: str | None = None
            for _ in range(MAX_REPORT_PAGES):
                params: dict[str, Any] = {"subject": key, "status": status, "limit": PAGE_MAX}
                if cursor:
                    params["cursor"] = cursor
                data = await self._xrpc("GET", "tools.ozone.report.queryReports", params=params)
                reports = data.get("reports") if isinstance(data, dict) else None
                reports = [r for r in reports if isinstance(r, dict)] if isinstance(reports, list) else []
                for report in reports:
                    rid = report.get("id")
                    if isinstance(rid, int) and not isinstance(rid, bool) and rid >= 0 and rid not in ids:
                        ids.append(rid)
                cursor = data.get("cursor") if isinstance(data, dict) and isinstance(data.get("cursor"), str) else None
                if cursor is None or len(reports) < PAGE_MAX:
                    break
        return ids

    async def _active_assignments(self, report_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Active assignments (endAt in the future, or permanent) of these reports."""
        out: list[dict[str, Any]] = []
        for i in range(0, len(report_ids), PAGE_MAX):
            data = await self._xrpc("GET", ASSIGN_GET, params={"onlyActive": "true", "reportIds": list(report_ids[i:i + PAGE_MAX]),
                                                              "limit": PAGE_MAX})
            views = data.get("assignments") if isinstance(data, dict) else None
            out += [v for v in views if isinstance(v, dict) and isinstance(v.get("did"), str)] if isinstance(views, list) else []
        return out

    def _claimed_by(self, key: str, views: Sequence[Mapping[str, Any]]) -> ClaimConflict:
        """Someone else holds some of the subject's reports: the first holder, and when the
        last of their assignments ends (None: at least one is permanent)."""
        view = views[0] if views else {}
        holder = view.get("did")
        holder = holder if isinstance(holder, str) and _DID_RE.fullmatch(holder) else None
        ends = [_parse_time(_str(v, "endAt")) for v in views if v.get("did") == view.get("did")]
        expires_at = max(ends) if ends and None not in ends else None  # type: ignore[type-var]
        member = view.get("moderator") if isinstance(view.get("moderator"), dict) else {}
        profile = member.get("profile") if isinstance(member.get("profile"), dict) else {}
        handle = safe_text(_str(profile, "handle"), self.redact, limit=100)
        who = f"@{handle} ({holder})" if handle and holder else holder or "someone else"
        until = f" until {moment(expires_at)}" if expires_at else " (permanently)"
        return ClaimConflict(f"Ozone: {key} is assigned to {who}{until}", code="claimed", holder=holder, expires_at=expires_at)

    async def claim(self, item_id: str, ttl: float = 300) -> Claim:
        """Assign the subject's open reports to us (non-permanent: they lapse). Ozone sets the
        lease length itself (OZONE_ASSIGNMENT_REPORT_DURATION_MS, 5 minutes by default), so
        `ttl` is not sent; the Claim's expires_at is Ozone's endAt. Claiming again refreshes it."""
        key = _check_id(item_id)
        await self._require_assignments()
        me = await self._actor()
        status = await self._status(key)
        if status is None or _str(status, "reviewState") not in (REVIEW_OPEN, REVIEW_ESCALATED):
            raise ClaimConflict(f"Ozone: {key} is not in review (closed or unknown): nothing to claim",
                                code="not_claimable", holder=None, expires_at=None)
        reports = await self._report_ids(key, CLAIMABLE_REPORTS)
        if not reports:
            raise ClaimConflict(f"Ozone: {key} has no open reports to assign", code="not_claimable", holder=None, expires_at=None)
        held = await self._active_assignments(reports)
        mine_before = {v.get("reportId") for v in held if v.get("did") == me}
        other = [v for v in held if v.get("did") != me]
        if other:
            raise self._claimed_by(key, other)
        ends: list[datetime] = []
        taken: list[int] = []
        for rid in reports:
            try:
                view = await self._xrpc("POST", ASSIGN, body={"reportId": rid, "isPermanent": False})
            except OzoneRefused as exc:
                if exc.code not in ("AlreadyAssigned", "InvalidAssignment"):
                    raise
                for mine in taken:  # someone else got one first: give back what this call took
                    try:
                        await self._xrpc("POST", UNASSIGN, body={"reportId": mine})
                    except BackendError:
                        pass  # lapses by itself
                if exc.code == "InvalidAssignment":
                    raise ClaimConflict(f"Ozone: {key} can no longer be assigned ({exc.detail or exc.code})",
                                        code="not_claimable", holder=None, expires_at=None, status=exc.status) from None
                winners = [v for v in await self._active_assignments(reports) if v.get("did") != me]
                raise self._claimed_by(key, winners) from None
            if rid not in mine_before:
                taken.append(rid)
            end = _parse_time(_str(view, "endAt")) if isinstance(view, dict) else None
            if end is not None:
                ends.append(end)
        self._claimed_reports[key] = reports
        expires = min(ends) if ends else _MAX_LEASE_END  # no endAt: a permanent assignment
        return self._parse({"holder": me, "expires_at": iso(expires)}, lambda o: Claim.from_json(o, "claim"), ASSIGN)

    async def release(self, item_id: str) -> None:
        """Unassign the subject's reports that *we* hold. Ozone lets any moderator unassign any
        report, so we look first and never end someone else's assignment."""
        key = _check_id(item_id)
        if not self._assignments_offered:
            return
        me = await self._actor()
        reports = self._claimed_reports.pop(key, None) or await self._report_ids(key, (*CLAIMABLE_REPORTS, "closed"))
        if not reports:
            return
        for view in await self._active_assignments(reports):
            rid = view.get("reportId")
            if view.get("did") != me or not isinstance(rid, int):
                continue
            try:
                await self._xrpc("POST", UNASSIGN, body={"reportId": rid})
            except OzoneRefused as exc:
                if exc.code != "InvalidAssignment":  # already lapsed or released
                    raise
