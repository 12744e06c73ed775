"""/api/session-stats: ingest, replace and read sessions in the wire format."""
from datetime import timedelta

from flask import current_app, jsonify, request

from app.api import bp
from app.api.documented import documented
from app.api.schemas import INGEST_REQUEST, GoneSessionPage, IngestSummary, Purged, Trashed, WireSessionPage
from app.api.sessions import query_params
from app.auth import audit, may, requires
from app.database import unit_of_work
from app.errors import error_response
from app.extensions import db
from app.json_text import json_bytes
from app.list_params import GoneListParams, WireListParams, encode_cursor
from app.normalize import iso_utc
from app.payloads import PayloadError, ingest_error_details, parse_ingest_request
from app.services.attachments import hashes_of_session, remove_unreferenced
from app.services.hook_runs import run_hooks_on_ingested
from app.services.ingest import IngestError, ingest_sessions
from app.services.sessions import (
    get_session,
    last_ingested_at,
    page_of_gone_sessions,
    page_of_sessions,
    purge_session,
    restore_session,
    trash_session,
    visible_changes_until,
)
from app.wire import SessionStatsSession


@bp.post("/session-stats")
@requires("editor")
@documented(IngestSummary, "What the ingest did.", body=INGEST_REQUEST, errors=(409, 413, 422))
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
    run_hooks_on_ingested(db.session, result.inserted + result.updated)
    return result.summary()


# Sessions go out as stored, not rebuilt through the wire model, whose input rules (tags, ids) are newer than some
# stored sessions: those must stay readable. The API tests check these answers against the document.
@bp.get("/session-stats")
@requires("viewer")
@documented(WireSessionPage, "A page of sessions.", query=WireListParams, errors=(422,))
def list_session_stats():
    """Live sessions in the wire format, a page at a time, with lastIngestedAt."""
    params, refused = query_params(WireListParams)
    if refused:
        return refused
    served_at = visible_changes_until(change_margin())
    sessions, next_after = page_of_sessions(db.session, params.cursor or 0, params.limit, params.changed_since,
                                            params.narrowing)
    body = {"sessions": sessions, "servedAt": iso_utc(served_at)}
    stamp = last_ingested_at(db.session)
    if stamp:
        body["lastIngestedAt"] = stamp
    body["nextCursor"] = encode_cursor(next_after) if next_after is not None else None
    # Keys sorted, as every other answer's.
    return current_app.response_class(json_bytes(body, sort_keys=True), mimetype="application/json")


@bp.get("/session-stats/gone")
@requires("viewer")
@documented(GoneSessionPage, "A page of gone sessions.", query=GoneListParams, errors=(422,))
def list_gone_sessions():
    """Sessions moved to the trash or deleted for good, by id, a page at a time: what a sync marks gone."""
    params, refused = query_params(GoneListParams)
    if refused:
        return refused
    served_at = visible_changes_until(change_margin())
    gone, next_after = page_of_gone_sessions(db.session, params.cursor or "", params.limit, params.changed_since)
    return jsonify({"gone": gone, "servedAt": iso_utc(served_at),
                    "nextCursor": encode_cursor(next_after) if next_after is not None else None})


def change_margin() -> timedelta:
    """How long before now every change is surely visible to a read (CHANGE_MARGIN_SECONDS)."""
    return timedelta(seconds=current_app.config["CHANGE_MARGIN_SECONDS"])


@bp.get("/session-stats/<session_id>")
@requires("viewer")
@documented(SessionStatsSession, "The session.", errors=(404,))
def get_session_stats(session_id):
    """One live session in the wire format."""
    session, trashed = get_session(db.session, session_id)
    if session is None:
        return error_response(404, f"No session has id {session_id!r}.")
    if trashed:
        return error_response(404, f"Session {session_id!r} is in the trash; restore it to read it.",
                              code="trashed")
    return jsonify(session)


@bp.delete("/session-stats/<session_id>")
@requires("editor")
@documented(Trashed, "The session is in the trash.", errors=(404,))
def trash_session_stats(session_id):
    """Move a session to the trash, from where it can be restored."""
    with unit_of_work():
        trashed = trash_session(db.session, session_id)
        if trashed:
            audit("session.trashed", target=session_id)
    if not trashed:
        return error_response(404, f"No live session has id {session_id!r}.")
    return {"trashed": session_id}


@bp.post("/session-stats/<session_id>/restore")
@requires("editor")
@documented(SessionStatsSession, "The restored session.", errors=(404,))
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
@documented(Purged, "The session is gone.", errors=(404,))
def purge_session_stats(session_id):
    """Delete a trashed session for good."""
    with unit_of_work():
        attached = hashes_of_session(db.session, session_id)
        name = purge_session(db.session, session_id)
        if name is not None:
            audit("session.purged", target=session_id, details={"name": name})
    remove_unreferenced(db.session, current_app.config["ATTACHMENT_DIR"], attached)
    if name is None:
        return error_response(404, f"No session with id {session_id!r} is in the trash; only trashed sessions "
                                   "can be purged.")
    return {"purged": session_id}

