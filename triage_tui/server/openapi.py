"""`/openapi.json`: the protocol in machine-readable form, beside docs/protocol.md.

Written by hand rather than generated so that it says what the protocol promises (the
error codes, the per-decision results) and not only what the routes happen to accept.
It says exactly what the server does: tests/test_openapi_conformance.py runs
Schemathesis against the real server with every check on, so a request valid by this
document is answered, one invalid by it is refused, and every answer matches it.

The patterns below are the server's own rules (the model's `ID_RE`, the store's time
grammar, the code and country patterns), imported rather than copied.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from triage_tui import __version__, countries
from triage_tui.model import MAX_COMMENT, MAX_ID, MAX_NAME, MAX_TEXT
from triage_tui.server.query import SORT_NAMES
from triage_tui.server.store import MAX_BATCH, MAX_INGEST, TIME_PATTERN, TIME_RULE

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(summary: str, ok: Json | None, *, errors: tuple[int, ...] = (401,), params: tuple[Json, ...] = (), body: Json | None = None,
        status: str = "200", body_required: bool = True) -> Json:
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
        op["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    return op


def _q(name: str, schema: Json, description: str, *, required: bool = False) -> Json:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_NTIME = {"type": ["string", "null"], "format": "date-time"}
_INT = {"type": "integer"}
_SOURCE = {"type": "string", "enum": ["user_report", "trusted_flagger", "authority_order", "automated"]}
_ID = {"type": "string", "pattern": f"^[!-~]{{1,{MAX_ID}}}$", "description": "1-512 printable ASCII characters"}
_CODE = {"type": "string", "pattern": "^[A-Za-z0-9_.:#/-]{1,128}$"}
_COUNTRY = {"type": "string", "enum": sorted(countries.assigned()), "description": "an assigned ISO 3166-1 alpha-2 code"}
# Times the server reads (ingest, `since`): its own grammar, stricter than date-time.
_IN_TIME = {"type": "string", "pattern": TIME_PATTERN, "description": TIME_RULE}
_IN_NTIME = {"type": ["string", "null"], "pattern": TIME_PATTERN, "description": f"{TIME_RULE}, or null"}
_ITEM_PATH = {"name": "item_id", "in": "path", "required": True, "schema": _ID,
              "description": "percent-encoded as one path segment (/ as %2F; the ids . and .. as %2E, %2E%2E)",
              "examples": {"post": {"value": "it-0000001"}, "ozone": {"value": "at://did:plc:abc/app.bsky.feed.post/3k"}}}


def _text(max_len: int, *, null: bool = False) -> Json:
    return {"type": ["string", "null"] if null else "string", "maxLength": max_len}


def _item_input() -> Json:
    """What `POST /v1/items` takes, exactly as ingest.check_input checks it."""
    common = {"id": _ID, "reason": _CODE, "created_at": _IN_TIME, "comment": _text(MAX_COMMENT, null=True)}
    by_source = {
        "user_report": ((), {"reporter": {"type": ["string", "null"], "pattern": _ID["pattern"]}}),
        "trusted_flagger": (("organisation",), {"organisation": _text(MAX_NAME)}),
        "authority_order": (("country", "authority", "legal_basis", "reference", "deadline"),
                            {"country": _COUNTRY, "authority": _text(MAX_NAME), "legal_basis": _text(MAX_NAME),
                             "reference": _text(MAX_NAME), "deadline": _IN_TIME}),
        "automated": (("model", "score"), {"model": _text(MAX_NAME), "score": {"type": "number", "minimum": 0, "maximum": 1}}),
    }
    report = {"oneOf": [
        _obj(("id", "source", "reason", "created_at", *required), **common, source={"const": source}, **props)
        for source, (required, props) in by_source.items()
    ]}
    prior = _obj(("item_id", "action", "decided_at"), item_id=_ID, action={"enum": ["approve", "remove", "escalate"]},
                 reason={"type": ["string", "null"], "pattern": _CODE["pattern"]}, decided_at=_IN_TIME)
    author = _obj(("id", "handle"), id=_ID, handle=_text(MAX_NAME), display_name=_text(MAX_NAME, null=True),
                  created_at=_IN_NTIME, strikes={"type": ["integer", "null"], "minimum": 0, "maximum": 10**6},
                  prior_decisions={"type": ["array", "null"], "maxItems": 10_000, "items": prior})
    media = _obj(("type", "size", "sha256"), type=_CODE, size={"type": "integer", "minimum": 0, "maximum": 2**50},
                 sha256={"type": "string", "pattern": "^[0-9a-f]{16,128}$"})
    item = _obj(
        ("id", "kind", "text", "reports"),
        id=_ID, kind={"enum": ["post", "channel"]}, text=_text(MAX_TEXT), title=_text(2048, null=True),
        language={"type": ["string", "null"], "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$"}, created_at=_IN_NTIME,
        media={"type": ["array", "null"], "maxItems": 1000, "items": media},
        author={"oneOf": [{"type": "null"}, author]},
        member_count={"type": ["integer", "null"], "minimum": 0, "maximum": 10**11},
        reports={"type": "array", "minItems": 1, "maxItems": 10_000, "items": report},
    )
    # A channel needs its name.
    item["if"] = {"properties": {"kind": {"const": "channel"}}, "required": ["kind"]}
    item["then"] = {"required": ["title"], "properties": {"title": {"type": "string", "minLength": 1}}}
    return item


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
    item = _obj(
        ("id", "kind", "state", "version", "priority", "deadline", "text", "title", "language", "created_at", "media",
         "author", "member_count", "reports", "escalated_to", "campaign", "claim", "history"),
        id=_STR, kind={"enum": ["post", "channel"]}, state={"enum": ["open", "escalated", "closed"]}, version=_INT,
        priority={"type": "integer", "minimum": 0, "maximum": 100}, deadline=_NTIME,
        text=_STR, title=_NSTR, language=_NSTR, created_at=_NTIME,
        media={"type": "array", "items": _obj(("type", "size", "sha256"), type=_STR, size=_INT, sha256=_STR)},
        author={"type": ["object", "null"]}, member_count={"type": ["integer", "null"]},
        reports={"type": "array", "items": _ref("Report")}, escalated_to=_NSTR,
        campaign={"type": ["object", "null"]}, claim={"type": ["object", "null"]},
        history={"type": "array", "items": {"type": "object"}},
    )
    change = _obj(
        ("seq", "type", "item_id", "at"),
        seq=_INT, type={"enum": ["new", "decided", "escalated", "claimed", "released", "left"]}, item_id=_STR,
        by={**_NSTR, "description": "who acted; in a `left` change only your own id, else null"}, at=_TIME,
        action={"enum": ["approve", "remove", "escalate"]}, state=_STR, version=_INT, item=_ref("ItemSummary"),
        escalated_to=_NSTR, expires_at=_TIME,
    )
    change["description"] = ("One change as the asking moderator may see it: `left` (the item went where they may "
                              "not see it) carries seq, type, item_id, at and by only.")
    view = (
        _q("queue", {"enum": ["open", "escalated"]}, "which queue (default open)"),
        _q("sort", {"enum": list(SORT_NAMES)}, "order (default deadline); -name is its exact reverse (v1.1)"),
        _q("kind", {"enum": ["post", "channel"]}, "only this kind"),
        _q("source", _SOURCE, "only items with a report from this source"),
        _q("country", _COUNTRY, "only items with an authority order from this country"),
        _q("reason", _CODE, "only items with a report that gives this reason (any report, not only the main reason)"),
        _q("min_reports", {"type": "integer", "minimum": 0, "maximum": 10**9}, "only items with at least this many reports"),
        _q("q", {"type": "string", "maxLength": 500}, "case-insensitive substring of title or text"),
        _q("filter", {"type": "string", "maxLength": 2000},
           "v1.1: an expression of the filter language (docs/filters.md), AND-ed with the parameters above; "
           "one that does not parse is a 400 bad_filter naming the token"),
    )
    view[-1]["examples"] = {"fields": {"value": "kind:post source:tf,ao -reason:spam reports>=2 priority<90"},
                            "time": {"value": "age>1h due<30m -overdue"}, "text": {"value": 'bitcoin -"free money" flag:any'}}
    filters = (
        *view,
        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size (default 200)"),
        _q("cursor", {"type": "string", "maxLength": 4096}, "opaque, from next_cursor; any other value is 422"),
        _q("offset", {"type": "integer", "minimum": 0, "maximum": 10**9},
           "v1.1: the page's first row by position (0 is the first) in the queue as at the answer's seq; not with cursor"),
    )
    bad_filter = {"description": "A filter expression that does not parse", "content": {"application/json": {"schema": _obj(
        ("error", "detail", "start", "end", "token", "incomplete"), error={"const": "bad_filter"}, detail=_STR,
        start=_INT, end=_INT, token=_STR, incomplete={"type": "boolean"})}}}
    ids_line = {"oneOf": [_obj(("seq",), seq=_INT), _obj(("ids",), ids={"type": "array", "items": _ID}), _obj(("total",), total=_INT)]}
    ids_line["description"] = 'One NDJSON line: {"seq"} first, then {"ids": [...]} lines in the view\'s order, then {"total"}.'

    def with_bad_filter(op: Json) -> Json:
        op["responses"]["400"] = bad_filter
        return op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Triage protocol", "version": f"1.1 (triage-tui {__version__})",
                 "description": "See docs/protocol.md in the triage-tui repository."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _obj(("error", "detail"), error=_STR, detail=_STR),
                "ItemSummary": summary, "Item": item, "Report": report, "Decision": decision, "Result": result,
                "Change": change,
                "ItemInput": _item_input(),
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/health": {"get": {**_op("Liveness and protocol version", _obj(("status", "protocol")), errors=()), "security": []}},
            "/openapi.json": {"get": {**_op("This document", {"type": "object"}, errors=()), "security": []}},
            "/v1/me": {"get": _op("The token's moderator", _obj(("id", "name", "roles")))},
            "/v1/policy": {"get": _op("Reasons, escalation targets, deadlines, escalation rules", {"type": "object"})},
            "/v1/queue": {"get": with_bad_filter(_op("A page of the queue", _obj(("items", "total", "seq"), items={"type": "array", "items": _ref("ItemSummary")}, next_cursor=_NSTR, total=_INT, seq=_INT), errors=(401, 422), params=filters))},
            "/v1/queue/count": {"get": with_bad_filter(_op("v1.1: how many items the view holds, at feed position seq",
                                                           _obj(("total", "seq"), total=_INT, seq=_INT), errors=(401, 422), params=view))},
            "/v1/queue/ids": {"get": with_bad_filter({**_op("v1.1: the ids of the view in its order, streamed", None, errors=(401, 422), params=view),
                                                      "responses": {"200": {"description": "NDJSON, one IdsLine per line",
                                                                            "content": {"application/x-ndjson": {"schema": ids_line}}},
                                                                    **{str(c): {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
                                                                       for c in (401, 422)}}})},
            "/v1/queue/changes": {"get": _op("Changes after a feed position, as the asking moderator may see them (long-poll)", _obj(("changes", "seq"), changes={"type": "array", "items": _ref("Change")}, seq=_INT), errors=(401, 422), params=(
                _q("since", {"type": "integer", "minimum": 0, "maximum": 2**62}, "feed position", required=True),
                _q("wait", {"type": "number", "minimum": 0, "maximum": 60}, "seconds to hold"),
                _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "at most this many"),
            ))},
            "/v1/items": {"post": _op("Ingest reported items (admin); all or nothing", _obj(("created", "updated", "seq")),
                                      errors=(401, 403, 413, 422), body=_obj(("items",), items={
                                          "type": "array", "minItems": 1, "maxItems": MAX_INGEST, "items": _ref("ItemInput")}))},
            "/v1/items/{item_id}": {"get": _op("One item in full", _ref("Item"), errors=(401, 403, 404, 422), params=(_ITEM_PATH,))},
            "/v1/items/{item_id}/claim": {
                "post": _op("Claim or renew a lease", _obj(("item_id", "holder", "expires_at")), errors=(401, 403, 404, 409, 413, 422),
                            params=(_ITEM_PATH,), body=_obj((), ttl={"type": "number", "minimum": 5, "maximum": 3600}), body_required=False),
                "delete": _op("Release your claim", None, errors=(401, 403, 404, 409, 422), params=(_ITEM_PATH,), status="204"),
            },
            "/v1/decisions": {
                "post": _op("Decide; one result per decision", _obj(("results",), results={"type": "array", "items": _ref("Result")}),
                            errors=(401, 413, 422), body=_obj(("decisions",), decisions={
                                "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
                                # Each one should be a Decision; one that is not gets its own result `invalid`
                                # naming the field, and the rest of the batch goes on — so any value is taken.
                                "items": {"description": "a Decision (components/schemas/Decision); anything else is "
                                                         "answered with its own result invalid, naming the field"}})),
                "get": _op("Audit log of applied decisions", _obj(("decisions",), decisions={"type": "array"}, next_cursor=_NSTR), errors=(401, 403, 422), params=(
                    _q("since", _IN_TIME, "applied at or after"),
                    _q("cursor", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "from next_cursor"),
                    _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size"),
                    _q("moderator", {"type": "string", "maxLength": 128}, "whose decisions"),
                )),
            },
            "/v1/stats": {"get": _op("Aggregates over the items the asking moderator may see", {"type": "object"})},
        },
    }
