"""The OpenAPI document of /api: valid OpenAPI 3.1, naming exactly the /api routes, and true of every answer.

Schemathesis sends every operation of the document requests that fit it and requests that do not, on a
database seeded with sample sessions, and checks each answer against the document. Besides what it draws,
it sends the examples added here: real session ids, and values a database refuses or overflows on (NUL
characters, integers beyond 32 and 64 bits, timestamps at the edges of the calendar, ids longer than a column).
"""
import copy
import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.api.openapi import openapi_document
from app.database import unit_of_work
from app.extensions import db
from app.list_params import encode_cursor
from app.sample_data import generate_sessions
from app.services.ingest import ingest_sessions
from app.services.sessions import trash_session
from app.wire import MAX_NAME, SessionStatsSession
from tests.helpers import app_settings

DOCUMENT = "/api/openapi.json"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
# Requests drawn per operation, on top of the examples and the schema's edge cases.
FUZZ_EXAMPLES = 25
SAMPLE_IDS = [f"sample-{number:02}" for number in range(20)]
LIVE_IDS, TRASHED_IDS = SAMPLE_IDS[:15], SAMPLE_IDS[15:]
BEYOND_32_BITS, BEYOND_64_BITS = 2**31, 2**64

# Request bodies, by operation, that fit the document and must not break the server.
BODY_EXAMPLES = {
    ("/api/session-stats", "post"): {
        "nul in a name": {"action": "ingestSessions", "payload": {"name": "Mix\x00 v2"}},
        "nul in a track name": {"action": "ingestSessions", "payload": {"name": "Mix", "tracks": [{"name": "K\x00"}]}},
        "nul in a tag": {"action": "ingestSessions", "payload": {"name": "Mix", "tags": ["vocals\x00"]}},
        "longest session id": {"action": "ingestSessions", "payload": {"name": "Mix", "id": "i" * MAX_NAME}},
        "longest track id": {"action": "ingestSessions", "payload": {
            "name": "Mix", "tracks": [{"id": "t" * MAX_NAME, "name": "Kick"}]}},
        "plugin count beyond 32 bits": {"action": "ingestSessions", "payload": {
            "name": "Mix", "plugins": [{"name": "EQ", "count": BEYOND_32_BITS, "trackCount": 1}]}},
        "plugin count beyond 64 bits": {"action": "ingestSessions", "payload": {
            "name": "Mix", "plugins": [{"name": "EQ", "count": BEYOND_64_BITS, "trackCount": 1}]}},
        "first moment east of utc": {"action": "ingestSessions", "payload": {
            "name": "Mix", "createdAt": "0001-01-01T00:00:00+05:00"}},
        "last moment west of utc": {"action": "ingestSessions", "payload": {
            "name": "Mix", "createdAt": "9999-12-31T23:59:59-05:00"}},
        "odd unicode": {"action": "ingestSessions", "payload": {"name": "\ufeff\u0301\u200b\U0001f3b5\u202e"}},
    },
    ("/api/sessions/{session_id}/metadata", "patch"): {
        "nul in the note": {"user_note": "take\x00 two"},
        "nul in a tag": {"tags": ["mix\x00"]},
    },
}
# Query parameter values, by operation and parameter, that fit the document and must not break the server.
QUERY_EXAMPLES = {
    ("/api/session-stats", "get", "cursor"): {
        "after a pk beyond 32 bits": encode_cursor(BEYOND_32_BITS),
        "after a pk beyond 64 bits": encode_cursor(BEYOND_64_BITS),
        "after true": encode_cursor(True),
    },
}


def app_operations(app) -> set[tuple[str, str]]:
    """(path, method) of every /api route of `app`, paths written as OpenAPI writes them."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == "/api" or rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            operations |= {(path, method.lower()) for method in rule.methods - IGNORED_METHODS}
    return operations


def document_operations(document: dict) -> set[tuple[str, str]]:
    """(path, method) of every operation of an OpenAPI document."""
    return {(path, method) for path, item in document["paths"].items() for method in item}


def seed_sessions(app) -> None:
    """Ingest sample sessions under SAMPLE_IDS and move those of TRASHED_IDS to the trash."""
    sessions = [SessionStatsSession.model_validate(item | {"id": session_id})
                for item, session_id in zip(generate_sessions(len(SAMPLE_IDS)), SAMPLE_IDS, strict=True)]
    with app.app_context(), unit_of_work():
        ingest_sessions(db.session, sessions)
        for session_id in TRASHED_IDS:
            trash_session(db.session, session_id)


def named(values: dict) -> dict:
    """OpenAPI `examples` of named values."""
    return {name: {"value": value} for name, value in values.items()}


def fuzzed_document() -> dict:
    """The document with the examples above: sample ids for every session_id, and the bodies and values."""
    app = create_app(app_settings(Path(tempfile.mkdtemp()), "sqlite://"))
    document = copy.deepcopy(openapi_document(app))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "session_id":
                    parameter["examples"] = named({session_id: session_id
                                                   for session_id in LIVE_IDS[:3] + TRASHED_IDS[:2]})
                if (path, method, parameter["name"]) in QUERY_EXAMPLES:
                    parameter["examples"] = named(QUERY_EXAMPLES[path, method, parameter["name"]])
            if (path, method) in BODY_EXAMPLES:
                operation["requestBody"]["content"]["application/json"]["examples"] = named(
                    BODY_EXAMPLES[path, method])
    return document


def test_document_is_valid_openapi_31(auth):
    document = auth.client(token_role="viewer").get(DOCUMENT).get_json()

    assert document["openapi"].startswith("3.1.")
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()
    broken = [result.err() for result in schema.get_all_operations() if isinstance(result, Err)]
    assert broken == []


def test_document_names_exactly_the_api_routes(app, auth):
    document = auth.client(token_role="viewer").get(DOCUMENT).get_json()

    assert document_operations(document) == app_operations(app)


def test_document_needs_a_token(anonymous):
    response = anonymous.get(DOCUMENT)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.fixture
def admin_headers(app, auth):
    """The headers of an admin's API calls to `app`, seeded with the sample sessions."""
    seed_sessions(app)
    return {"Authorization": f"Bearer {auth.token('admin')}"}


schema = schemathesis.openapi.from_dict(fuzzed_document(), config=schemathesis.Config.from_dict({
    "seed": 2024,
    # The test sends an admin's token itself (access is tested route by route elsewhere): a case drawn without
    # the header would count as invalid data that the server then rightly accepts.
    "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "with-security-parameters": False},
    # A query string made too long by invalid values is refused for its length before its values are read.
    "checks": {"negative_data_rejection": {"expected-statuses": [
        "400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5XX"]}},
    # The wire format's list ignores query parameters it does not know, as it always has.
    "operations": [{"include-path": "/api/session-stats", "include-method": "GET",
                    "generation": {"allow-extra-parameters": False}}],
}))


# Operations whose coverage phase (a case per boundary and wrong value of every field: thousands for the wire
# format) runs on SQLite alone: what they refuse is decided before the database is reached, and what they take
# is tried on both databases by the examples and the fuzzing phase.
COVERED_ON_SQLITE = {"POST /api/session-stats"}


# The sample sessions are seeded once per operation: its requests share them, as they would share a server.
@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case, app, admin_headers, backend):
    if backend == "postgresql" and case.operation.label in COVERED_ON_SQLITE and case.meta.phase.name == "coverage":
        return
    case.call_and_validate(app=app, headers=admin_headers, checks=CHECKS)
