"""The OpenAPI 3.1 document of every /api route, generated from the routes themselves: each view's access level,
docstring and declaration (its query, body and answer models, see app/api/documented.py)."""
import re

from flask import current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api import bp
from app.api.documented import documented
from app.api.schemas import REF, Error, IngestSessions, MetadataUpdate, ReplaceSessions
from app.auth import requires
from app.params import MAX_QUERY_BYTES

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
# Every route may answer these; a write may also find the database unable to take it (503).
ALWAYS = (400, 401, 403, 414, 429)
PATH_PARAMETERS = {
    "session_id": {"description": "The session's id.",
                   "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/\x00]+$"}},
    "event_id": {"description": "The event's id, as the session's events list gives it.",
                 "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/\x00]+$"}},
    "activity_id": {"description": "The activity's id, as the session's activities list gives it.",
                    "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/\x00]+$"}},
    "product_key": {"description": "The product's key (lower-cased vendor|product), as /api/products gives it.",
                    "schema": {"type": "string", "minLength": 1, "pattern": r"^[^\x00]+$"}},
    "plugin_id": {"description": "The plugin's pluginId, as /api/products gives it for each of its plugins.",
                  "schema": {"type": "string", "minLength": 1, "pattern": r"^[^\x00]+$"}},
    "source_name": {"description": "The remote source's name on this server.",
                    "schema": {"type": "string", "minLength": 1, "pattern": r"^[^/\x00]+$"}},
    "machine_name": {"description": "The machine's name, as its inventories are sent under.",
                     "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[^/\x00]+$"}},
}
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


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


def _routes(app):
    """(OpenAPI path, method, view) of every /api route of `app`."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.rule.startswith("/api/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield ARGUMENT.sub(r"{\1}", rule.rule), method.lower(), app.view_functions[rule.endpoint]


def _operation(path: str, method: str, view) -> dict:
    declared = view.declaration
    answer = _ref(declared.answer) if declared.answer is not None else {"type": "object"}
    responses = {str(declared.status): _json(answer, declared.described)}
    writes = (503,) if method != "get" else ()
    for status in sorted(set(ALWAYS + declared.errors + writes)):
        responses[str(status)] = _json(_ref(Error), ERRORS[status])
    parameters = [{"name": name, "in": "path", "required": True, **PATH_PARAMETERS[name]}
                  for name in ARGUMENT.findall(path.replace("{", "<").replace("}", ">"))]
    if declared.query is not None:
        parameters += _query(declared.query)
    operation = {"summary": (view.__doc__ or "").strip().splitlines()[0].rstrip("."),
                 "description": f"Needs the {view.access} role.", "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        schema = declared.body if isinstance(declared.body, dict) else _ref(declared.body)
        operation["requestBody"] = {"required": declared.body_required,
                                    "content": {declared.body_type: {"schema": schema}}}
    return operation


def _without_null_defaults(schema: dict) -> dict:
    """A request schema without `default: null` on fields that may be left out but not sent as null."""
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None and "anyOf" not in field:
            del field["default"]
    return schema


def _schemas(declarations) -> dict:
    answers = {d.answer for d in declarations if d.answer is not None} | {Error}
    bodies = {d.body for d in declarations if isinstance(d.body, type)} | {IngestSessions, ReplaceSessions}
    _, responses = models_json_schema([(model, "serialization") for model in sorted(answers, key=str)],
                                      ref_template=REF)
    _, requests = models_json_schema([(model, "validation") for model in sorted(bodies, key=str)], ref_template=REF)
    schemas = responses["$defs"]
    for name, schema in requests["$defs"].items():
        # A model used both ways keeps the stricter, request form: its answers satisfy it as well.
        schemas[name] = _without_null_defaults(schema) if name == MetadataUpdate.__name__ else schema
    return dict(sorted(schemas.items()))


def openapi_document(app) -> dict:
    """The whole document, from the routes of `app` (built once per app)."""
    if "openapi" not in app.extensions:
        routes = list(_routes(app))
        paths = {}
        for path, method, view in routes:
            paths.setdefault(path, {})[method] = _operation(path, method, view)
        app.extensions["openapi"] = {
            "openapi": "3.1.0",
            "info": {"title": "Session Stats API", "version": "1",
                     "description": "Sessions, their stats and metadata, products, and the ingest of the wire format. "
                                    "Send an API token as `Authorization: Bearer <token>`. Errors are "
                                    "`{\"error\": {\"code\", \"message\", \"details\"}}`."},
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}],
            "paths": paths,
            "components": {"schemas": _schemas([view.declaration for _, _, view in routes]),
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        }
    return app.extensions["openapi"]


@bp.get("/openapi.json")
@requires("viewer")
@documented(None, "The OpenAPI 3.1 document.")
def openapi_json():
    """This document."""
    return jsonify(openapi_document(current_app))
