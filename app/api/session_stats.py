"""/api/session-stats: ingest, replace and read sessions in the wire format."""
import base64
import binascii
import json

from flask import jsonify, request

from app.api import bp
from app.auth import audit, may, requires
from app.database import unit_of_work
from app.errors import error_response
from app.extensions import db
from app.payloads import PayloadError, ingest_error_details, parse_ingest_request
from app.services.ingest import IngestError, ingest_sessions
from app.services.sessions import (
    get_session,
    last_ingested_at,
    page_of_sessions,
    purge_session,
    restore_session,
    trash_session,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# The largest pk an SQL INTEGER column holds (PostgreSQL's is 32 bits).
MAX_PK = 2**31 - 1


@bp.post("/session-stats")
@requires("editor")
def post_session_stats():
    """Ingest sessions (editor) or replace the whole index with them (admin)."""
    try:
        sessions, replace, prefix = parse_ingest_request(request.get_data(cache=False))
        if replace and not may("admin"):
            return error_response(403, "replaceSessions trashes every other session: it needs the admin role.")
        with unit_of_work():
            result = ingest_sessions(db.session, sessions, replace=replace)
            audit("sessions.replaced" if replace else "sessions.ingested", details=result.counts())
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
    if type(after) is not int or not 0 <= after <= MAX_PK:
        raise ValueError("not a cursor from this API")
    return after


@bp.get("/session-stats")
@requires("viewer")
def list_session_stats():
    """SessionStatsData: live sessions a page at a time, with lastIngestedAt."""
    problems = [{"path": name, "message": "Extra inputs are not permitted"}
                for name in request.args if name not in ("limit", "cursor")]
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
@requires("viewer")
def get_session_stats(session_id):
    """One session in the wire format."""
    session, trashed = get_session(db.session, session_id)
    if session is None:
        return error_response(404, f"No session has id {session_id!r}.")
    if trashed:
        return error_response(404, f"Session {session_id!r} is in the trash; restore it to read it.",
                              code="trashed")
    return jsonify(session)


@bp.delete("/session-stats/<session_id>")
@requires("editor")
def trash_session_stats(session_id):
    """Move a session to the trash, from where it can be restored."""
    with unit_of_work():
        trashed = trash_session(db.session, session_id)
        if trashed:
            audit("session.trashed", target=session_id)
    if not trashed:
        return error_response(404, f"No live session has id {session_id!r}.")
    return jsonify({"trashed": session_id})


@bp.post("/session-stats/<session_id>/restore")
@requires("editor")
def restore_session_stats(session_id):
    """Take a session out of the trash."""
    with unit_of_work():
        restored = restore_session(db.session, session_id)
        if restored:
            audit("session.restored", target=session_id)
    if not restored:
        return error_response(404, f"No session with id {session_id!r} is in the trash.")
    session, _ = get_session(db.session, session_id)
    return jsonify(session)


@bp.post("/session-stats/<session_id>/purge")
@requires("admin")
def purge_session_stats(session_id):
    """Delete a trashed session for good."""
    with unit_of_work():
        name = purge_session(db.session, session_id)
        if name is not None:
            audit("session.purged", target=session_id, details={"name": name})
    if name is None:
        return error_response(404, f"No session with id {session_id!r} is in the trash; only trashed sessions "
                                   "can be purged.")
    return jsonify({"purged": session_id})

