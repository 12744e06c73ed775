"""The OpenAPI 3.1 document of every /api route, built from the models that validate the requests."""
from functools import cache
from typing import Any, Literal

from flask import jsonify
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from app.api import bp
from app.api.schemas import (
    MetadataUpdate,
    ProductAnswer,
    ProductList,
    RebuildAnswer,
    RebuildRequest,
    SessionList,
    SessionMetadataAnswer,
    SessionStatsAnswer,
    StatsRefreshAnswer,
)
from app.auth import requires
from app.list_params import LikedParams, ProductListParams, SessionListParams, WireListParams
from app.params import MAX_QUERY_BYTES
from app.wire import SessionsPayload, SessionStatsSession

REF = "#/components/schemas/{model}"
ERRORS = {
    400: "The request is malformed.",
    401: "No valid API token (or signed-in user).",
    403: "The token's role does not allow this.",
    404: "No such session (or product).",
    409: "The sessions conflict with the index (an id taken by another session).",
    413: "The body is too large.",
    414: f"The query string is too long (over {MAX_QUERY_BYTES:,} bytes).",
    422: "Invalid parameters or body; `details` names each problem's parameter or field.",
    429: "Too many writes: wait and try again.",
    500: "The session's stats cannot be computed from its stored values.",
    503: "The database cannot take the write now (busy with other writes, disk full, read-only): nothing was "
         "changed; `Retry-After` says when to try again.",
}


class Problem(BaseModel):
    """One problem of a refused request."""

    path: str | int | None = Field(None, description="The parameter or field it concerns.")
    message: str | None = None


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str
    message: str
    details: list[Problem | dict[str, Any]]


class Error(BaseModel):
    """Every error of the API."""

    error: ErrorBody


class IngestSessions(BaseModel):
    """Sessions to add to or update in the index: `{sessions: [...]}`, or one session without a `sessions` key."""

    action: Literal["ingestSessions"]
    payload: SessionsPayload | SessionStatsSession


class ReplaceSessions(BaseModel):
    """The whole index: every live session not in `payload` moves to the trash (admin)."""

    action: Literal["replaceSessions"]
    payload: list[SessionStatsSession]


class IngestSummary(BaseModel):
    """What an ingest did."""

    inserted: int
    updated: int
    trashed: int
    insertedIds: list[str]  # noqa: N815  (wire names are camelCase)
    updatedIds: list[str]  # noqa: N815
    trashedIds: list[str]  # noqa: N815
    lastIngestedAt: str | None  # noqa: N815


class WireSessionPage(BaseModel):
    """Live sessions in the wire format, a page at a time."""

    sessions: list[SessionStatsSession]
    lastIngestedAt: str | None = None  # noqa: N815
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")  # noqa: N815


class Trashed(BaseModel):
    """A session moved to the trash."""

    trashed: str


class Purged(BaseModel):
    """A session deleted for good."""

    purged: str


RESPONSE_MODELS = [SessionList, SessionStatsAnswer, SessionMetadataAnswer, StatsRefreshAnswer, IngestSummary,
                   WireSessionPage, SessionStatsSession, Trashed, Purged, RebuildAnswer, ProductList, ProductAnswer,
                   Error]
REQUEST_MODELS = [MetadataUpdate, IngestSessions, ReplaceSessions, RebuildRequest]


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(model: type[BaseModel]) -> list[dict]:
    """A query parameter per field of `model`; a list field takes the parameter repeated."""
    schema = model.model_json_schema()
    parameters = []
    for name, field in schema["properties"].items():
        field = dict(field)
        description = field.pop("description", None)
        field.pop("title", None)
        if "anyOf" in field and {"type": "null"} in field["anyOf"]:
            # An absent parameter is the null: the parameter itself is never null.
            options = [option for option in field.pop("anyOf") if option != {"type": "null"}]
            field |= options[0] if len(options) == 1 else {"anyOf": options}
        if field.get("default") is None:
            field.pop("default", None)
        parameter = {"name": name, "in": "query", "required": False, "schema": field}
        if description:
            parameter["description"] = description
        if field.get("type") == "array":
            parameter |= {"style": "form", "explode": True}
        parameters.append(parameter)
    return parameters


SESSION_ID = {"name": "session_id", "in": "path", "required": True, "description": "The session's id.",
              "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/\x00]+$"}}
PRODUCT_KEY = {"name": "product_key", "in": "path", "required": True,
               "description": "The product's key (lower-cased vendor|product), as /api/products gives it.",
               "schema": {"type": "string", "minLength": 1, "pattern": r"^[^\x00]+$"}}


INGEST_REQUEST = {"oneOf": [_ref(IngestSessions), _ref(ReplaceSessions)],
                  "discriminator": {"propertyName": "action", "mapping": {
                      "ingestSessions": REF.format(model=IngestSessions.__name__),
                      "replaceSessions": REF.format(model=ReplaceSessions.__name__)}}}


def _operation(summary: str, role: str, answer: dict, errors: tuple[int, ...], **extra) -> dict:
    responses = {"200": answer}
    # Every write may find the database unable to take it.
    writes = (503,) if role != "viewer" else ()
    for status in (400, 401, 403, 414, 429) + errors + writes:
        responses[str(status)] = _json(_ref(Error), ERRORS[status])
    return {"summary": summary, "description": f"Needs the {role} role.", "responses": responses, **extra}


def _paths() -> dict:
    body = {"required": True}
    return {
        "/api/sessions/": {"get": _operation(
            "Sessions passing every filter, newest first, with their stats and metadata", "viewer",
            _json(_ref(SessionList), "A page of sessions and how many match in all."), (422,),
            parameters=_query(SessionListParams))},
        "/api/sessions/recent/liked": {"get": _operation(
            "The liked (favorite) sessions, most recently edited first", "viewer",
            _json(_ref(SessionList), "A page of liked sessions."), (422,), parameters=_query(LikedParams))},
        "/api/sessions/{session_id}/stats": {"get": _operation(
            "A session's stats: computed on first read, then cached until the session changes", "viewer",
            _json(_ref(SessionStatsAnswer), "The session's stats."), (404, 500), parameters=[SESSION_ID])},
        "/api/sessions/{session_id}/metadata": {"patch": _operation(
            "Change a session's metadata: only the fields given change", "editor",
            _json(_ref(SessionMetadataAnswer), "The metadata after the change."), (404, 422),
            parameters=[SESSION_ID],
            requestBody=body | {"content": {"application/json": {"schema": _ref(MetadataUpdate)}}})},
        "/api/sessions/{session_id}/stats/refresh": {"post": _operation(
            "Recompute a session's stats now, reading its file again first when it has one", "editor",
            _json(_ref(StatsRefreshAnswer), "The recomputed stats and how they were made."), (404,),
            parameters=[SESSION_ID])},
        "/api/session-stats": {
            "get": _operation(
                "Live sessions in the wire format, a page at a time", "viewer",
                _json(_ref(WireSessionPage), "A page of sessions."), (422,), parameters=_query(WireListParams)),
            "post": _operation(
                "Ingest sessions (editor), or replace the whole index with them (admin)", "editor",
                _json(_ref(IngestSummary), "What the ingest did."), (409, 413, 422),
                requestBody=body | {"content": {"application/json": {"schema": INGEST_REQUEST}}}),
        },
        "/api/session-stats/{session_id}": {
            "get": _operation("One live session in the wire format", "viewer",
                              _json(_ref(SessionStatsSession), "The session."), (404,), parameters=[SESSION_ID]),
            "delete": _operation("Move a session to the trash", "editor",
                                 _json(_ref(Trashed), "The session is in the trash."), (404,),
                                 parameters=[SESSION_ID]),
        },
        "/api/session-stats/{session_id}/restore": {"post": _operation(
            "Take a session out of the trash", "editor", _json(_ref(SessionStatsSession), "The restored session."),
            (404,), parameters=[SESSION_ID])},
        "/api/session-stats/{session_id}/purge": {"post": _operation(
            "Delete a trashed session for good", "admin", _json(_ref(Purged), "The session is gone."), (404,),
            parameters=[SESSION_ID])},
        "/api/rollups/rebuild": {"post": _operation(
            "Recount every maintained figure (counts, totals, search indexes, cached stats) from the rows and repair "
            "what differs; with {\"check\": true} only report it", "admin",
            _json(_ref(RebuildAnswer), "What differed, table by table, and whether it was repaired."), (422,),
            requestBody={"required": False, "content": {"application/json": {"schema": _ref(RebuildRequest)}}})},
        "/api/products": {"get": _operation(
            "Canonical products in use, most used first: vendor, name, category, their use over the live sessions and "
            "the plugins (spellings, versions, formats) each gathers", "viewer",
            _json(_ref(ProductList), "A page of products and how many match in all."), (422,),
            parameters=_query(ProductListParams))},
        "/api/products/{product_key}": {"get": _operation(
            "One product with its use and its variants", "viewer", _json(_ref(ProductAnswer), "The product."), (404,),
            parameters=[PRODUCT_KEY])},
        "/api/openapi.json": {"get": _operation(
            "This document", "viewer", _json({"type": "object"}, "The OpenAPI 3.1 document."), ())},
    }


def _without_null_defaults(schema: dict) -> dict:
    """A request schema without `default: null` on fields that may be left out but not sent as null."""
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None and "anyOf" not in field:
            del field["default"]
    return schema


@cache
def openapi_document() -> dict:
    """The whole document (built once)."""
    _, responses = models_json_schema([(model, "serialization") for model in RESPONSE_MODELS], ref_template=REF)
    _, requests = models_json_schema([(model, "validation") for model in REQUEST_MODELS], ref_template=REF)
    schemas = responses["$defs"]
    for name, schema in requests["$defs"].items():
        # A model used both ways keeps the stricter, request form: its answers satisfy it as well.
        schemas[name] = _without_null_defaults(schema) if name == MetadataUpdate.__name__ else schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "Session Stats API", "version": "1",
                 "description": "Sessions, their stats and metadata, products, and the ingest of the wire format. Send an API "
                                "token as `Authorization: Bearer <token>`. Errors are "
                                "`{\"error\": {\"code\", \"message\", \"details\"}}`."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
@requires("viewer")
def openapi_json():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())
