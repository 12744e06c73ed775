"""Parsing an ingest request body: the POST /api/session-stats body and `session-stats ingest`."""
from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json

from app.gc_pause import gc_paused
from app.wire import SessionsPayload, SessionStatsSession, problem_message

SESSION_LIST = TypeAdapter(list[SessionStatsSession])


class PayloadError(Exception):
    """A request body that cannot be ingested, with the status and details to answer."""

    def __init__(self, status, message, details=(), code=None):
        super().__init__(message)
        self.status, self.message, self.details, self.code = status, message, list(details), code


def field_path(loc) -> str:
    """`('sessions', 0, 'tracks', 2, 'name')` → `sessions[0].tracks[2].name`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def validation_details(error: ValidationError) -> list[dict]:
    """One {path, message} per invalid field, paths relative to the payload."""
    return [{"path": field_path(e["loc"]), "message": problem_message(e)} for e in error.errors()]


def parse_ingest_request(body: bytes):
    """Parse a POST body into (sessions, replace, item path prefix); raise PayloadError."""
    with gc_paused():
        return _parse_ingest_request(body)


def _parse_ingest_request(body):
    try:
        envelope = from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        raise PayloadError(400, f"The body is not valid JSON: {exc}", code="malformed_json") from exc
    if not isinstance(envelope, dict):
        raise PayloadError(400, 'The body must be a JSON object: {"action": ..., "payload": ...}.')
    action, payload = envelope.get("action"), envelope.get("payload")
    if action not in ("ingestSessions", "replaceSessions"):
        raise PayloadError(400, f"Unknown action {action!r}: use ingestSessions or replaceSessions.",
                           [{"path": "action", "message": "unknown action"}], code="unknown_action")
    try:
        if action == "replaceSessions":
            if not isinstance(payload, list):
                raise PayloadError(422, "replaceSessions takes an array of sessions as its payload.",
                                   [{"path": "payload", "message": "must be an array"}])
            return SESSION_LIST.validate_python(payload), True, ()
        if isinstance(payload, dict) and "sessions" in payload:
            return SessionsPayload.model_validate(payload).sessions, False, ("sessions",)
        if isinstance(payload, dict):
            return [SessionStatsSession.model_validate(payload)], False, None
    except ValidationError as exc:
        raise PayloadError(422, "The payload has invalid fields; nothing was ingested.",
                           validation_details(exc)) from exc
    raise PayloadError(422, "ingestSessions takes {sessions: [...]} or one session as its payload.",
                       [{"path": "payload", "message": "must be an object"}])


def ingest_error_details(error, prefix) -> list[dict]:
    """{path, message} for each problem of an IngestError, paths relative to the payload."""
    return [
        {"path": field_path((*prefix, index, *path.split("."))) if prefix is not None else path,
         "message": message}
        for index, path, message in error.problems
    ]
