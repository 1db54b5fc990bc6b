"""`/openapi.json`: the protocol in machine-readable form, beside docs/protocol.md.

Written by hand rather than generated so that it says what the protocol promises (the
error codes, the per-decision results) and not only what the routes happen to accept;
a test checks that every route the app serves is described here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from triage_tui import __version__, countries

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(summary: str, ok: Json | None, *, errors: tuple[int, ...] = (401,), params: tuple[Json, ...] = (), body: Json | None = None, status: str = "200") -> Json:
    op: Json = {"summary": summary, "responses": {}}
    if ok is not None:
        op["responses"][status] = {"description": "OK", "content": {"application/json": {"schema": ok}}}
    else:
        op["responses"][status] = {"description": "No content"}
    for code in errors:
        op["responses"][str(code)] = {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _q(name: str, schema: Json, description: str, *, required: bool = False) -> Json:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_NTIME = {"type": ["string", "null"], "format": "date-time"}
_INT = {"type": "integer"}
_SOURCE = {"type": "string", "enum": ["user_report", "trusted_flagger", "authority_order", "automated"]}
_ITEM_PATH = {"name": "item_id", "in": "path", "required": True, "schema": _STR}


def _obj(required: tuple[str, ...], **props: Json) -> Json:
    return {"type": "object", "required": list(required), "properties": props}


@cache
def openapi() -> Json:
    summary = _obj(
        ("id", "kind", "state", "version", "priority", "sources", "report_count", "snippet", "first_reported_at"),
        id=_STR, kind={"enum": ["post", "channel"]}, state={"enum": ["open", "escalated", "closed"]}, version=_INT,
        priority={"type": "integer", "minimum": 0, "maximum": 100}, deadline=_NTIME,
        sources={"type": "array", "items": _SOURCE}, countries={"type": "array", "items": _STR}, reason=_NSTR,
        report_count=_INT, snippet=_STR, first_reported_at=_TIME, escalated_to=_NSTR, campaign=_NSTR,
    )
    report = _obj(
        ("id", "source", "reason", "created_at"),
        id=_STR, source=_SOURCE, reason=_STR, created_at=_TIME, comment=_NSTR, reporter=_NSTR, organisation=_NSTR,
        country=_NSTR, authority=_NSTR, legal_basis=_NSTR, reference=_NSTR, deadline=_NTIME,
        model=_NSTR, score={"type": ["number", "null"], "minimum": 0, "maximum": 1},
    )
    decision = _obj(
        ("id", "item_id", "item_version", "action", "decided_at"),
        id={"type": "string", "description": "idempotency key (a UUID made when the moderator pressed the key)"},
        item_id=_STR, item_version=_INT, action={"enum": ["approve", "remove", "escalate"]}, reason=_NSTR,
        scope={"oneOf": [{"const": "global"}, {
            "type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": sorted(countries.assigned())},
            "description": "withhold in these countries only: assigned ISO 3166-1 alpha-2 codes (GB, not UK), each once"}]},
        escalate_to=_NSTR, note=_NSTR, decided_at=_TIME,
    )
    result = _obj(
        ("id", "result"),
        id=_STR, item_id=_NSTR, result={"enum": ["applied", "duplicate", "conflict", "invalid", "forbidden"]},
        version=_INT, state=_STR, error=_STR, detail=_STR, current={"type": "object"}, original={"type": "object"},
    )
    item = {
        "allOf": [summary, _obj(
            ("text", "reports"), text=_STR, title=_NSTR, language=_NSTR, created_at=_NTIME,
            media={"type": "array", "items": _obj(("type", "size", "sha256"), type=_STR, size=_INT, sha256=_STR)},
            author={"type": ["object", "null"]}, member_count={"type": ["integer", "null"]},
            reports={"type": "array", "items": _ref("Report")}, claim={"type": ["object", "null"]},
            history={"type": "array", "items": {"type": "object"}}, campaign={"type": ["object", "null"]},
        )]
    }
    change = _obj(
        ("seq", "type", "item_id", "at"),
        seq=_INT, type={"enum": ["new", "decided", "escalated", "claimed", "released", "left"]}, item_id=_STR,
        by={**_NSTR, "description": "who acted; in a `left` change only your own id, else null"}, at=_TIME,
        action={"enum": ["approve", "remove", "escalate"]}, state=_STR, version=_INT, item=_ref("ItemSummary"),
        escalated_to=_NSTR, expires_at=_TIME,
    )
    change["description"] = ("One change as the asking moderator may see it: `left` (the item went where they may "
                              "not see it) carries seq, type, item_id, at and by only.")
    filters = (
        _q("queue", {"enum": ["open", "escalated"]}, "which queue (default open)"),
        _q("sort", {"enum": ["deadline", "priority", "reports", "age"]}, "order (default deadline)"),
        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size (default 200)"),
        _q("cursor", _STR, "opaque, from next_cursor"),
        _q("kind", {"enum": ["post", "channel"]}, "only this kind"),
        _q("source", _SOURCE, "only items with a report from this source"),
        _q("country", _STR, "only items with an authority order from this country"),
        _q("reason", _STR, "only items whose main reason is this code"),
        _q("min_reports", _INT, "only items with at least this many reports"),
        _q("q", _STR, "case-insensitive substring of title or text"),
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Triage protocol", "version": f"1 (triage-tui {__version__})",
                 "description": "See docs/protocol.md in the triage-tui repository."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _obj(("error", "detail"), error=_STR, detail=_STR),
                "ItemSummary": summary, "Item": item, "Report": report, "Decision": decision, "Result": result,
                "Change": change,
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/health": {"get": {**_op("Liveness and protocol version", _obj(("status", "protocol")), errors=()), "security": []}},
            "/openapi.json": {"get": {**_op("This document", {"type": "object"}, errors=()), "security": []}},
            "/v1/me": {"get": _op("The token's moderator", _obj(("id", "name", "roles")))},
            "/v1/policy": {"get": _op("Reasons, escalation targets, deadlines, escalation rules", {"type": "object"})},
            "/v1/queue": {"get": _op("A page of the queue", _obj(("items", "total", "seq"), items={"type": "array", "items": _ref("ItemSummary")}, next_cursor=_NSTR, total=_INT, seq=_INT), errors=(401, 422), params=filters)},
            "/v1/queue/changes": {"get": _op("Changes after a feed position, as the asking moderator may see them (long-poll)", _obj(("changes", "seq"), changes={"type": "array", "items": _ref("Change")}, seq=_INT), errors=(401, 422), params=(
                _q("since", _INT, "feed position", required=True), _q("wait", {"type": "number", "minimum": 0, "maximum": 60}, "seconds to hold"),
                _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "at most this many"),
            ))},
            "/v1/items": {"post": _op("Ingest reported items (admin)", _obj(("created", "updated", "seq")), errors=(401, 403, 413, 422), body=_obj(("items",), items={"type": "array"}))},
            "/v1/items/{item_id}": {"get": _op("One item in full", _ref("Item"), errors=(401, 403, 404), params=(_ITEM_PATH,))},
            "/v1/items/{item_id}/claim": {
                "post": _op("Claim or renew a lease", _obj(("item_id", "holder", "expires_at")), errors=(401, 403, 404, 409, 422), params=(_ITEM_PATH,), body=_obj((), ttl={"type": "number", "minimum": 5, "maximum": 3600})),
                "delete": _op("Release your claim", None, errors=(401, 403, 404, 409), params=(_ITEM_PATH,), status="204"),
            },
            "/v1/decisions": {
                "post": _op("Decide; one result per decision", _obj(("results",), results={"type": "array", "items": _ref("Result")}), errors=(401, 413, 422), body=_obj(("decisions",), decisions={"type": "array", "items": _ref("Decision"), "minItems": 1, "maxItems": 500})),
                "get": _op("Audit log of applied decisions", _obj(("decisions",), decisions={"type": "array"}, next_cursor=_NSTR), errors=(401, 403, 422), params=(
                    _q("since", _TIME, "applied at or after"), _q("cursor", _STR, "from next_cursor"),
                    _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size"), _q("moderator", _STR, "whose decisions"),
                )),
            },
            "/v1/stats": {"get": _op("Aggregates over the items the asking moderator may see", {"type": "object"})},
        },
    }
