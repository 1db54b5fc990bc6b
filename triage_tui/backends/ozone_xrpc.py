"""The XRPC transport of the Ozone backend: bounded requests, Ozone's errors as typed
`BackendError`s, and the session (admin basic auth, or a moderator's PDS session renewed
when it expires, proxied to the Ozone service).

A mixin of `ozone.OzoneBackend`, which holds the client, the secrets and the session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from triage_tui.backends.auth import Secret, check_token
from triage_tui.backends.errors import (
    BackendError, Forbidden, InvalidRequest, NotFound, Unauthorized, bad_payload, error_for_response, safe_text,
)
from triage_tui.backends.triage import _json_or_none, decode_json, build_request, send_bounded
from triage_tui.model import PayloadError
from triage_tui.backends.ozone_map import SESSION_ERRORS, _DID_RE

if TYPE_CHECKING:
    from triage_tui.backends.ozone import OzoneBackend

    _Base = OzoneBackend
else:
    _Base = object


class OzoneRefused(InvalidRequest):
    """Ozone answered 4xx; `code` is its XRPC error name (DuplicateExternalId, SubjectHasAction, …)."""

    def __init__(self, message: str, *, detail: str | None, status: int | None, code: str | None) -> None:
        super().__init__(message, detail=detail, status=status)
        self.code = code


@dataclass
class _Answer:
    status: int
    data: object
    headers: httpx.Headers



class XrpcSession(_Base):
    """Requests to Ozone and the session they carry (mixed into `OzoneBackend`)."""

    # -- transport -------------------------------------------------------------------

    async def _raw(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: object = None,
                   headers: Mapping[str, str] | None = None, where: str) -> _Answer:
        request = build_request(self._client, method, path, params=params, body=body, headers=dict(headers or {}), where=where)
        response, raw = await send_bounded(self._client, request, target=self._target, where=where, redact=self.redact)
        if not 200 <= response.status_code < 300:
            return _Answer(response.status_code, _json_or_none(raw), response.headers)
        if not raw.strip():
            return _Answer(response.status_code, {}, response.headers)
        return _Answer(response.status_code, decode_json(raw, where=where, status=response.status_code, redact=self.redact), response.headers)

    def _error(self, answer: _Answer, where: str, *, login: bool = False) -> BackendError:
        fields = answer.data if isinstance(answer.data, dict) else {}
        code = fields.get("error") if isinstance(fields.get("error"), str) and re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", fields["error"]) else None
        message = safe_text(fields.get("message"), self.redact)
        status = answer.status
        said = f"{status}{' ' + code if code else ''}" + (f": {message}" if message else "")
        if login:
            who = f"PDS login for {self.handle}"
            if status == 401 or code in ("AuthenticationRequired", "InvalidPassword"):
                return Unauthorized(f"{who}: wrong handle or app password ({said}); check the handle, and the app password"
                                    + (f" from {self.token_from}" if self.token_from else ""), status=status)
            if code in ("AccountTakedown", "AccountDeactivated", "AuthFactorTokenRequired"):
                return Unauthorized(f"{who}: the PDS will not open a session ({said})", status=status)
            if 400 <= status < 500 and status not in (408, 429):
                return Unauthorized(f"{who}: refused ({said})", status=status)
            return error_for_response(status, {"error": code, "detail": message}, answer.headers, where=who, redact=self.redact,
                                      token_from=self.token_from)
        if status == 401 and message and message.startswith("Must be"):
            return Forbidden(f"Ozone refused {where}: not allowed for your Ozone role ({said})", status=status)
        if status == 401:
            if self.auth == "admin":
                return Unauthorized(f"Ozone admin login: wrong password ({said}); check the admin password"
                                    + (f" from {self.token_from}" if self.token_from else ""), status=status)
            return Unauthorized(f"Ozone refused {self.handle} through {self.pds} ({said}); is the account on the Ozone team?", status=status)
        if status == 403:
            return Forbidden(f"Ozone refused {where}: not allowed for your Ozone role ({said})", status=status)
        if status == 404:
            return NotFound(f"Ozone {where}: not found ({said})", status=status)
        if 400 <= status < 500 and status not in (408, 429):
            return OzoneRefused(f"Ozone refused {where} ({said})", detail=message, status=status, code=code)
        return error_for_response(status, {"error": code, "detail": message}, answer.headers, where=f"Ozone {where}", redact=self.redact,
                                  token_from=self.token_from)

    async def _xrpc(self, method: str, nsid: str, *, params: Mapping[str, Any] | None = None, body: object = None) -> Any:
        """One call to Ozone (directly, or through the moderator's PDS); the decoded JSON or a BackendError."""
        if self.auth == "admin":
            assert self._basic is not None
            answer = await self._raw(method, f"/xrpc/{nsid}", params=params, body=body, where=nsid,
                                     headers={"Authorization": f"Basic {self._basic.reveal()}"})
        else:
            access = await self._session()
            answer = await self._raw(method, f"/xrpc/{nsid}", params=params, body=body, where=nsid, headers=self._proxied(access))
            if self._session_expired(answer):
                access = await self._renew(access)
                answer = await self._raw(method, f"/xrpc/{nsid}", params=params, body=body, where=nsid, headers=self._proxied(access))
        if not 200 <= answer.status < 300:
            raise self._error(answer, nsid)
        return answer.data

    def _proxied(self, access: Secret) -> dict[str, str]:
        return {"Authorization": f"Bearer {access.reveal()}", "atproto-proxy": f"{self.ozone_did}#atproto_labeler"}

    @staticmethod
    def _session_expired(answer: _Answer) -> bool:
        code = answer.data.get("error") if isinstance(answer.data, dict) else None
        return answer.status in (400, 401) and code in SESSION_ERRORS

    async def _session(self) -> Secret:
        if self._access is not None:
            return self._access
        return await self._renew(None)

    async def _renew(self, stale: Secret | None) -> Secret:
        """A fresh access token: refresh the session, or log in again when that fails.
        Concurrent callers share one renewal."""
        async with self._session_lock:
            if self._access is not None and self._access is not stale:
                return self._access
            if self._refresh is not None and stale is not None:
                answer = await self._raw("POST", "/xrpc/com.atproto.server.refreshSession", where=f"PDS session refresh for {self.handle}",
                                         headers={"Authorization": f"Bearer {self._refresh.reveal()}"})
                if 200 <= answer.status < 300 and self._keep_session(answer.data):
                    assert self._access is not None
                    return self._access
                if answer.status >= 500 or answer.status in (408, 429):
                    raise self._error(answer, f"PDS session refresh for {self.handle}", login=True)
            self._access = self._refresh = None
            answer = await self._raw("POST", "/xrpc/com.atproto.server.createSession", where=f"PDS login for {self.handle}",
                                     body={"identifier": self.handle, "password": self._secret.reveal()})
            if not 200 <= answer.status < 300:
                raise self._error(answer, "com.atproto.server.createSession", login=True)
            if not self._keep_session(answer.data):
                raise bad_payload(PayloadError("session", "no accessJwt/refreshJwt/did"), where=f"PDS login for {self.handle}")
            assert self._access is not None
            return self._access

    def _keep_session(self, data: object) -> bool:
        if not isinstance(data, dict):
            return False
        access, refresh, did = data.get("accessJwt"), data.get("refreshJwt"), data.get("did")
        if not (isinstance(access, str) and isinstance(refresh, str) and access and refresh):
            return False
        try:
            self._access, self._refresh = check_token(access), check_token(refresh)
        except ValueError:
            return False
        self._register(self._access)
        self._register(self._refresh)
        if isinstance(did, str) and _DID_RE.fullmatch(did):
            self._session_did = did
        return True

    def _parse(self, data: object, parse: Any, where: str) -> Any:
        try:
            return parse(data)
        except PayloadError as exc:
            raise bad_payload(exc, where=f"Ozone {where}", redact=self.redact) from None
        except RecursionError:
            raise bad_payload(PayloadError("body", "nested too deeply"), where=f"Ozone {where}") from None

    async def _actor(self) -> str:
        """The DID our events are created by: the moderator's, or (admin) the Ozone service's."""
        if self._actor_did is not None:
            return self._actor_did
        if self.auth == "moderator":
            await self._session()
            did = self._session_did
        else:
            did = self.ozone_did
            if did is None:
                answer = await self._raw("GET", "/.well-known/ozone-metadata.json", where="Ozone metadata")
                meta = answer.data if isinstance(answer.data, dict) else {}
                did = meta.get("did") if isinstance(meta.get("did"), str) else None
            if did is None:
                config = await self._xrpc("GET", "tools.ozone.server.getConfig")
                did = config.get("verifierDid") if isinstance(config, dict) else None
        if not isinstance(did, str) or not _DID_RE.fullmatch(did):
            raise bad_payload(PayloadError("did", "Ozone did not say its service DID"), where="Ozone metadata")
        self._actor_did = did
        return did
