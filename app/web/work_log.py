"""A session's work log on its page: a timer to start and stop (one per person, shown in the header of every page
while it runs), work logged afterwards, edited and deleted (to a trash, with undo)."""
from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from pydantic import ValidationError

from app.auth import audit, principal, requires, safe_next_url
from app.database import unit_of_work
from app.errors import validation_problems
from app.extensions import db
from app.models.types import utc_now
from app.models.work import ACTIVITY_KINDS
from app.services.activities import (
    ActivityError,
    activity_by_id,
    log_activity,
    move_activity_to_trash,
    owner_of,
    restore_activity,
    running_timer,
    stop_timer,
    update_activity,
    work_log,
)
from app.time_zones import wall_clock_to_utc
from app.web.rendering import WALL_CLOCK, is_fragment_request, viewer_zone
from app.web.sessions import bp
from app.work_input import ActivityChange, ActivityInput, parse_duration

LABELS = {"kind": "Kind", "started_at": "Start", "ended_at": "End", "duration_seconds": "Duration", "note": "Note",
          "person": "Who"}


@bp.app_context_processor
def _timer_of_the_viewer():
    def my_timer():
        """The timer the signed-in person is running, if any (looked up once a request: the header and the work
        log both ask)."""
        if "my_timer" not in g:
            who = principal()
            g.my_timer = running_timer(db.session, owner_of(who)) if who.user_pk is not None else None
        return g.my_timer
    return {"my_timer": my_timer, "activity_kinds": ACTIVITY_KINDS}


def _work(session_id: str, *, status: int = 200, **state):
    """The Work log region (or, asked for outside htmx, the session's page at it, saying what was refused)."""
    if not is_fragment_request():
        if state.get("error"):
            flash(state["error"], "error")
        return redirect(url_for("sessions.show", session_id=session_id, _anchor="work"))
    log = work_log(db.session, session_id)
    if log is None:
        abort(404, description=f"No live session has id {session_id!r}.")
    return render_template("sessions/_work.html", log=log, **state), status


def _moment(field: str) -> datetime:
    """A datetime-local field's wall-clock time, in the viewer's zone, as UTC."""
    try:
        typed = datetime.strptime(request.form.get(field, "").strip(), WALL_CLOCK)
    except ValueError:
        raise ValueError(f"{LABELS[field]} must be a date and time such as 2026-03-02 10:00") from None
    try:
        return wall_clock_to_utc(typed, viewer_zone())
    except ValueError as exc:
        raise ValueError(f"{LABELS[field]}: {exc}") from None


def _form_values(with_person_default: str | None = None) -> dict:
    """The log form's fields as an activity's values; ValueError with the first problem in words."""
    values = {"kind": request.form.get("kind", ""), "note": request.form.get("note", "").strip(),
              "started_at": _moment("started_at")}
    person = request.form.get("person", "").strip() or with_person_default
    if person:
        values["person"] = person
    if request.form.get("duration", "").strip():
        try:
            values["duration_seconds"] = parse_duration(request.form["duration"])
        except ValueError as exc:
            raise ValueError(f"Duration {exc}") from None
    elif request.form.get("ended_at", "").strip():
        values["ended_at"] = _moment("ended_at")
    else:
        raise ValueError("Give the work's duration (such as 2:30) or its end.")
    return values


def _first_problem(error: ValidationError) -> str:
    problem = validation_problems(error)[0]
    return f"{LABELS.get(problem['path'], problem['path'])} {problem['message']}."


def _activity(session_id: str, activity_id: str):
    activity = activity_by_id(db.session, activity_id)
    if activity is None or activity.session.id != session_id:
        abort(404, description=f"No activity {activity_id!r} on session {session_id!r}.")
    return activity


@bp.get("/sessions/<session_id>/work")
@requires("viewer")
def work(session_id):
    """The Work log region as it is now (an edit's Cancel)."""
    return _work(session_id)


@bp.post("/sessions/<session_id>/work")
@requires("editor")
def log_work(session_id):
    """Log a block of work done; a refused one comes back in the form with the reason."""
    who = principal()
    try:
        entry = ActivityInput.model_validate(_form_values(who.name))
        with unit_of_work():
            activity = log_activity(db.session, session_id, entry, owner_of(who), who.name)
            if activity is None:
                abort(404, description=f"No live session has id {session_id!r}.")
            audit("activity.logged", target=session_id, details={"activity": activity.id})
    except ValueError as exc:  # a ValidationError is one too
        problem = _first_problem(exc) if isinstance(exc, ValidationError) else str(exc)
        return _work(session_id, status=422, error=problem, typed=request.form)
    except ActivityError as exc:
        return _work(session_id, status=exc.status, error=exc.message, typed=request.form)
    return _work(session_id, focus="work-started", added=activity.id)


@bp.get("/sessions/<session_id>/work/<activity_id>/edit")
@requires("editor")
def edit_work(session_id, activity_id):
    """The Work log with one activity in its edit form."""
    _activity(session_id, activity_id)
    return _work(session_id, editing=activity_id)


@bp.patch("/sessions/<session_id>/work/<activity_id>")
@requires("editor")
def save_work(session_id, activity_id):
    """Save an activity's kind, start, duration or end, person and note."""
    _activity(session_id, activity_id)
    try:
        change = ActivityChange.model_validate(_form_values()).model_dump(exclude_unset=True)
        with unit_of_work():
            update_activity(db.session, activity_id, change)
            audit("activity.updated", target=session_id, details={"activity": activity_id, "fields": sorted(change)})
    except ValueError as exc:
        problem = _first_problem(exc) if isinstance(exc, ValidationError) else str(exc)
        return _work(session_id, status=422, editing=activity_id, error=problem, typed=request.form)
    except ActivityError as exc:
        return _work(session_id, status=exc.status, editing=activity_id, error=exc.message, typed=request.form)
    return _work(session_id, focus=f"activity-{activity_id}")


@bp.post("/sessions/<session_id>/work/<activity_id>/trash")
@requires("editor")
def trash_work(session_id, activity_id):
    """Move an activity to the trash; the region offers to undo it."""
    _activity(session_id, activity_id)
    with unit_of_work():
        move_activity_to_trash(db.session, activity_id)
        audit("activity.trashed", target=session_id, details={"activity": activity_id})
    return _work(session_id, undo=activity_id)


@bp.post("/sessions/<session_id>/work/<activity_id>/restore")
@requires("editor")
def restore_work(session_id, activity_id):
    """Take an activity back out of the trash."""
    _activity(session_id, activity_id)
    try:
        with unit_of_work():
            restore_activity(db.session, activity_id)
            audit("activity.restored", target=session_id, details={"activity": activity_id})
    except ActivityError as exc:
        return _work(session_id, status=exc.status, error=exc.message)
    return _work(session_id, focus=f"activity-{activity_id}")


@bp.post("/sessions/<session_id>/timer")
@requires("editor")
def start_timer(session_id):
    """Start the signed-in person's timer on this session; the page then shows it, as every page's header does."""
    who = principal()
    if who.user_pk is None:
        abort(403, description="Timers belong to people: sign in to start one.")
    try:
        entry = ActivityInput.model_validate({"kind": request.form.get("kind", ""), "started_at": utc_now()})
        with unit_of_work():
            activity = log_activity(db.session, session_id, entry, owner_of(who), who.name)
            if activity is None:
                abort(404, description=f"No live session has id {session_id!r}.")
            audit("activity.logged", target=session_id, details={"activity": activity.id, "timer": "started"})
    except ValidationError as exc:
        return _work(session_id, status=422, error=_first_problem(exc))
    except ActivityError as exc:
        return _work(session_id, status=exc.status, error=exc.message)
    return _work(session_id, focus="timer-stop")


@bp.post("/timer/stop")
@requires("editor")
def stop_my_timer():
    """Stop the signed-in person's timer, wherever it runs, and go back to the page it was stopped from."""
    who = principal()
    with unit_of_work():
        activity = stop_timer(db.session, owner_of(who))
        if activity is not None:
            audit("activity.updated", target=activity.session.id, details={"activity": activity.id,
                                                                            "timer": "stopped"})
    return redirect(safe_next_url(request.form.get("back")))
