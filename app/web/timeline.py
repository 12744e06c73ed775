"""A session's timeline on its page: markers from its file and timed notes that editors add, edit, resolve and
delete (to a trash, with undo). Each action saves at once and answers with the whole Timeline region."""
from flask import abort, redirect, render_template, request, url_for
from pydantic import ValidationError

from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.errors import validation_problems
from app.extensions import db
from app.models.timeline import NOTE
from app.services.events import (
    EventError,
    add_events,
    event_by_id,
    move_event_to_trash,
    restore_event,
    session_timeline,
    update_event,
)
from app.timeline_input import EventChange, EventInput
from app.timecode import parse_position
from app.web.rendering import is_fragment_request
from app.web.sessions import bp

LABELS = {"t_sec": "Position", "text": "Note", "label": "Label"}


def _timeline(session_id: str, *, status: int = 200, **state):
    """The Timeline region (or, asked for outside htmx, the session's page at it)."""
    if not is_fragment_request():
        return redirect(url_for("sessions.show", session_id=session_id, _anchor="timeline"))
    timeline = session_timeline(db.session, session_id)
    if timeline is None:
        abort(404, description=f"No live session has id {session_id!r}.")
    return render_template("sessions/_timeline.html", timeline=timeline, **state), status


def _note_values() -> tuple[dict, str | None]:
    """The note form's fields as event values, or the first problem in words."""
    values = {"text": request.form.get("text", "").strip(), "label": request.form.get("label", "").strip() or None}
    try:
        values["t_sec"] = parse_position(request.form.get("position", ""))
    except ValueError as exc:
        return values, f"Position {exc}."
    return values, None


def _first_problem(error: ValidationError) -> str:
    """The first problem in words: "Position must be …", or the note's own ("A note needs text.")."""
    problem = validation_problems(error)[0]
    field = problem["path"].rsplit(".", 1)[-1]
    if field in LABELS:
        return f"{LABELS[field]} {problem['message']}."
    return f"{problem['message'][:1].upper()}{problem['message'][1:]}."


def _note(session_id: str, event_id: str):
    """The note with this id on this session's timeline; 404 otherwise."""
    event = event_by_id(db.session, event_id)
    if event is None or event.session.id != session_id or event.kind != NOTE:
        abort(404, description=f"No note {event_id!r} on session {session_id!r}.")
    return event


@bp.get("/sessions/<session_id>/timeline")
@requires("viewer")
def timeline(session_id):
    """The Timeline region as it is now (a note's Cancel)."""
    return _timeline(session_id)


@bp.post("/sessions/<session_id>/notes")
@requires("editor")
def add_note(session_id):
    """Add an open note at a typed position; a refused note comes back in the form with the reason."""
    values, problem = _note_values()
    if problem is None:
        try:
            note = EventInput.model_validate({"kind": NOTE, **values})
        except ValidationError as exc:
            problem = _first_problem(exc)
    if problem is not None:
        return _timeline(session_id, status=422, error=problem, typed=request.form)
    with unit_of_work():
        added = add_events(db.session, session_id, [note], principal().name)
        if added is None:
            abort(404, description=f"No live session has id {session_id!r}.")
        audit("events.added", target=session_id, details={"events": [added[0].id]})
    return _timeline(session_id, focus="note-position", added=added[0].id)


@bp.get("/sessions/<session_id>/notes/<event_id>/edit")
@requires("editor")
def edit_note(session_id, event_id):
    """The Timeline with one note in its edit form."""
    _note(session_id, event_id)
    return _timeline(session_id, editing=event_id)


def _change(session_id: str, event_id: str, change: dict):
    """Save `change` to a note, or the region with the note's form and the reason."""
    _note(session_id, event_id)
    try:
        EventChange.model_validate(change)
        with unit_of_work():
            update_event(db.session, event_id, change)
            audit("event.updated", target=event_id, details={"fields": sorted(change)})
    except ValidationError as exc:
        return _timeline(session_id, status=422, editing=event_id, error=_first_problem(exc), typed=request.form)
    except EventError as exc:
        return _timeline(session_id, status=exc.status, editing=event_id, error=exc.message, typed=request.form)
    return _timeline(session_id, focus=f"event-{event_id}")


@bp.patch("/sessions/<session_id>/notes/<event_id>")
@requires("editor")
def save_note(session_id, event_id):
    """Save a note's position, text and label."""
    values, problem = _note_values()
    if problem is not None:
        _note(session_id, event_id)
        return _timeline(session_id, status=422, editing=event_id, error=problem, typed=request.form)
    return _change(session_id, event_id, values)


@bp.post("/sessions/<session_id>/notes/<event_id>/status")
@requires("editor")
def set_note_status(session_id, event_id):
    """Resolve a note, or open it again (`status` is resolved or open)."""
    return _change(session_id, event_id, {"status": request.form.get("status", "")})


@bp.post("/sessions/<session_id>/notes/<event_id>/trash")
@requires("editor")
def trash_note(session_id, event_id):
    """Move a note to the trash; the region offers to undo it."""
    _note(session_id, event_id)
    with unit_of_work():
        move_event_to_trash(db.session, event_id)
        audit("event.trashed", target=event_id)
    return _timeline(session_id, undo=event_id)


@bp.post("/sessions/<session_id>/notes/<event_id>/restore")
@requires("editor")
def restore_note(session_id, event_id):
    """Take a note back out of the trash."""
    _note(session_id, event_id)
    with unit_of_work():
        restore_event(db.session, event_id)
        audit("event.restored", target=event_id)
    return _timeline(session_id, focus=f"event-{event_id}")
