"""/api/session-stats: ingest, replace and read sessions in the wire format."""
import base64
import binascii
import json

from flask import jsonify, request

from app.api import bp
from app.errors import error_response
from app.extensions import db
from app.payloads import PayloadError, ingest_error_details, parse_ingest_request
from app.services.ingest import IngestError, ingest_sessions
from app.services.sessions import get_session, last_ingested_at, page_of_sessions, restore_session

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@bp.post("/session-stats")
def post_session_stats():
    """Ingest or replace sessions."""
    try:
        sessions, replace, prefix = parse_ingest_request(request.get_data(cache=False))
        result = ingest_sessions(db.session, sessions, replace=replace)
    except PayloadError as exc:
        return error_response(exc.status, exc.message, exc.details, exc.code)
    except IngestError as exc:
        return error_response(exc.status, exc.message, ingest_error_details(exc, prefix))
    return jsonify(result.summary())


def encode_cursor(pk: int) -> str:
    """An opaque continuation token for the session list."""
    return base64.urlsafe_b64encode(json.dumps({"after": pk}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The pk a cursor continues after; ValueError when it is not one of ours."""
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise ValueError("not a cursor from this API") from exc
    if not isinstance(after, int) or after < 0:
        raise ValueError("not a cursor from this API")
    return after


@bp.get("/session-stats")
def list_session_stats():
    """SessionStatsData: live sessions a page at a time, with lastIngestedAt."""
    problems = []
    limit = request.args.get("limit", DEFAULT_LIMIT)
    try:
        limit = int(limit)
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError
    except ValueError:
        problems.append({"path": "limit", "message": f"must be a whole number from 1 to {MAX_LIMIT}"})
    after = 0
    if request.args.get("cursor"):
        try:
            after = decode_cursor(request.args["cursor"])
        except ValueError as exc:
            problems.append({"path": "cursor", "message": str(exc)})
    if problems:
        return error_response(422, "Invalid query parameters.", problems)
    sessions, next_after = page_of_sessions(db.session, after, limit)
    body = {"sessions": sessions}
    stamp = last_ingested_at(db.session)
    if stamp:
        body["lastIngestedAt"] = stamp
    body["nextCursor"] = encode_cursor(next_after) if next_after is not None else None
    return jsonify(body)


@bp.get("/session-stats/<session_id>")
def get_session_stats(session_id):
    """One session in the wire format."""
    session, trashed = get_session(db.session, session_id)
    if session is None:
        return error_response(404, f"No session has id {session_id!r}.")
    if trashed:
        return error_response(404, f"Session {session_id!r} is in the trash; restore it to read it.",
                              code="trashed")
    return jsonify(session)


@bp.post("/session-stats/<session_id>/restore")
def restore_session_stats(session_id):
    """Take a session out of the trash."""
    if not restore_session(db.session, session_id):
        return error_response(404, f"No session with id {session_id!r} is in the trash.")
    session, _ = get_session(db.session, session_id)
    return jsonify(session)

