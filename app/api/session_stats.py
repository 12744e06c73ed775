"""/api/session-stats: ingest, replace and read sessions in the wire format."""
from flask import jsonify, request

from app.api import bp
from app.api.sessions import query_params
from app.auth import audit, may, requires
from app.database import unit_of_work
from app.errors import error_response
from app.extensions import db
from app.list_params import WireListParams, encode_cursor
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


@bp.get("/session-stats")
@requires("viewer")
def list_session_stats():
    """SessionStatsData: live sessions a page at a time, with lastIngestedAt."""
    params, refused = query_params(WireListParams)
    if refused:
        return refused
    sessions, next_after = page_of_sessions(db.session, params.cursor or 0, params.limit)
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

