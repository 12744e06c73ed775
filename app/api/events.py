"""/api/sessions/<id>/events and /api/events/<id>: a session's timeline, read and written; its rollup."""
from app.api import bp
from app.api.documented import documented
from app.api.timeline_schemas import EventAnswer, EventList, SessionRollup
from app.api.sessions import json_body, missing_session
from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.errors import error_response
from app.extensions import db
from app.services.events import (
    EventError,
    add_events,
    event_answer,
    live_session,
    move_event_to_trash,
    session_rollup,
    session_timeline,
    update_event,
)
from app.timeline_input import EventChange, EventsInput

API_SOURCE = "api"


@bp.get("/sessions/<session_id>/events")
@requires("viewer")
@documented(EventList, "The session's events in time order (markers, notes, extensions' kinds).", errors=(404,))
def list_events_api(session_id):
    """A session's events in time order; trashed ones left out."""
    timeline = session_timeline(db.session, session_id)
    if timeline is None:
        return missing_session(session_id)
    return {"events": [event_answer(event, session_id) for event in timeline.events]}


@bp.post("/sessions/<session_id>/events")
@requires("editor")
@documented(EventList, "The events added.", body=EventsInput, status=201, errors=(400, 404, 422))
def add_events_api(session_id):
    """Add events (notes, extensions' kinds) to a session: all of them, or none when one is invalid."""
    given, refused = json_body(EventsInput, "Invalid events.")
    if refused:
        return refused
    with unit_of_work():
        added = add_events(db.session, session_id, given.events, principal().name, API_SOURCE)
        if added is not None:
            audit("events.added", target=session_id, details={"events": [event.id for event in added]})
    if added is None:
        return missing_session(session_id)
    return {"events": [event_answer(event, session_id) for event in added]}


@bp.patch("/events/<event_id>")
@requires("editor")
@documented(EventAnswer, "The event after the change.", body=EventChange, errors=(400, 404, 409, 422))
def update_event_api(event_id):
    """Change an event's position, text, label or (notes) status; markers from files are read-only."""
    change, refused = json_body(EventChange, "Invalid change.")
    if refused:
        return refused
    try:
        with unit_of_work():
            event = update_event(db.session, event_id, change.model_dump(exclude_unset=True))
            audit("event.updated", target=event_id, details={"fields": sorted(change.model_fields_set)})
    except EventError as exc:
        return error_response(exc.status, exc.message)
    return event_answer(event, event.session.id)


@bp.delete("/events/<event_id>")
@requires("editor")
@documented(EventAnswer, "The event, now in the trash.", errors=(404, 409))
def delete_event_api(event_id):
    """Move an event to the trash (its session's page can restore it); markers from files cannot be deleted."""
    try:
        with unit_of_work():
            event = move_event_to_trash(db.session, event_id)
            audit("event.trashed", target=event_id)
    except EventError as exc:
        return error_response(exc.status, exc.message)
    return event_answer(event, event.session.id)


@bp.get("/sessions/<session_id>/rollup")
@requires("viewer")
@documented(SessionRollup, "What the session's timeline and media hold.", errors=(404,))
def session_rollup_api(session_id):
    """A session's event counts per kind, notes, open notes, markers and media files, as kept on every write."""
    session = live_session(db.session, session_id)
    if session is None:
        return missing_session(session_id)
    return {"session_id": session_id, **session_rollup(session)}
