"""/api/sessions: sessions with their stats and metadata, filters, metadata edits and stats refresh."""
from flask import current_app, request
from pydantic import BaseModel, ValidationError

from app.api import bp
from app.api.documented import documented
from app.api.schemas import (
    MetadataUpdate,
    SessionList,
    SessionMetadataAnswer,
    SessionStatsAnswer,
    StatsRefreshAnswer,
)
from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.errors import error_response, validation_problems
from app.extensions import db
from app.list_params import LikedParams, SessionListParams
from app.params import ParamsError, parse_query
from app.scanning.refresh import recompute_session_stats, reread_session_file
from app.services.metadata import parse_change, update_metadata
from app.services.facets import with_stored_spellings
from app.services.summaries import recently_liked, session_metadata, session_summaries, stats_of_session


def query_params(model: type[BaseModel]):
    """The query string validated by a list's parameters `model`; or a 422 answer naming each parameter refused."""
    try:
        return parse_query(model, request.args), None
    except ParamsError as exc:
        return None, error_response(422, "Invalid query parameters.", exc.problems)


def json_body(model: type[BaseModel], invalid: str):
    """The JSON body validated by `model`, or an error answer: 400 when it is not a JSON object, 422 saying `invalid`
    with the path of each problem."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return None, error_response(400, "Send a JSON object.")
    try:
        return model.model_validate(body), None
    except ValidationError as exc:
        return None, error_response(422, invalid, validation_problems(exc))


def missing_session(session_id: str):
    """The API's answer for a session id no live session has."""
    return error_response(404, f"No live session has id {session_id!r}.")


@bp.get("/sessions/")
@requires("viewer")
@documented(SessionList, "A page of sessions and how many match in all.", query=SessionListParams, errors=(422,))
def list_sessions_api():
    """Sessions passing every filter, newest first, with their stats and metadata."""
    params, refused = query_params(SessionListParams)
    if refused:
        return refused
    return session_summaries(db.session, with_stored_spellings(db.session, params.session_query()), params.limit,
                             params.offset)


@bp.get("/sessions/recent/liked")
@requires("viewer")
@documented(SessionList, "A page of favourite (starred) sessions.", query=LikedParams, errors=(422,))
def recently_liked_api():
    """The favourite (starred) sessions, most recently edited first; the star alone decides, not the rating."""
    params, refused = query_params(LikedParams)
    if refused:
        return refused
    return recently_liked(db.session, params.limit, params.offset)


@bp.get("/sessions/<session_id>/stats")
@requires("viewer")
@documented(SessionStatsAnswer, "The session's stats.", errors=(404, 500))
def session_stats_api(session_id):
    """A session's stats: computed on first read, then cached until the session changes."""
    found, stats = stats_of_session(db.session, session_id)
    if not found:
        return missing_session(session_id)
    if stats is None:
        return error_response(500, "The stats of this session cannot be computed from its stored values; the "
                                   "server log says why.", code="stats_failed")
    return stats


@bp.patch("/sessions/<session_id>/metadata")
@requires("editor")
@documented(SessionMetadataAnswer, "The metadata after the change.", body=MetadataUpdate, errors=(404, 422))
def update_metadata_api(session_id):
    """Change a session's metadata: only the fields given change."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return error_response(400, "Send the change as a JSON object, such as {\"is_favorite\": true}.")
    try:
        update = MetadataUpdate.model_validate(body)
    except ValidationError as exc:
        return error_response(422, "Invalid metadata.", validation_problems(exc))
    given = update.model_dump(exclude_unset=True)
    change = parse_change({
        {"user_rating": "rating", "user_note": "notes"}.get(name, name): value for name, value in given.items()})
    with unit_of_work():
        found = update_metadata(db.session, session_id, change)
        if found and given:
            audit("session.metadata_updated", target=session_id, details={"fields": sorted(given)})
    if not found:
        return missing_session(session_id)
    return session_metadata(db.session, session_id)


@bp.post("/sessions/<session_id>/stats/refresh")
@requires("editor")
@documented(StatsRefreshAnswer, "The recomputed stats and how they were made.", errors=(404,))
def refresh_stats_api(session_id):
    """Recompute a session's stats now, reading its file again first when it has one."""
    reread = reread_session_file(db.session, session_id, current_app.config["ARCHIVE_ROOTS"], principal().name)
    if reread is None:
        return missing_session(session_id)
    with unit_of_work():
        refreshed = recompute_session_stats(db.session, reread)
        audit("session.stats_refreshed", target=session_id,
              details={"source": refreshed.source, "job": refreshed.job_pk})
    return {"session_id": refreshed.session_id, "stats": refreshed.stats, "source": refreshed.source,
            "file_error": refreshed.file_error, "job": refreshed.job_pk, "message": refreshed.message}
