"""/api/sessions/<id>/activities and /api/activities/<id>: a session's work log, read and written."""
from app.api import bp
from app.api.documented import documented
from app.api.timeline_schemas import ActivityAnswer, ActivityList
from app.api.sessions import json_body, missing_session
from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.errors import error_response
from app.extensions import db
from app.services.activities import (
    ActivityError,
    activity_answer,
    log_activity,
    move_activity_to_trash,
    owner_of,
    update_activity,
    work_log,
)
from app.work_input import ActivityChange, ActivityInput


def _refused(exc: ActivityError):
    details = [{"path": exc.path, "message": exc.message}] if exc.path else None
    return error_response(exc.status, exc.message, details)


@bp.get("/sessions/<session_id>/activities")
@requires("viewer")
@documented(ActivityList, "The session's activities, newest first, and its worked time.", errors=(404,))
def list_activities_api(session_id):
    """A session's activities, newest first (trashed ones left out), and the time worked on it."""
    log = work_log(db.session, session_id)
    if log is None:
        return missing_session(session_id)
    return {"activities": [activity_answer(activity, session_id) for activity in log.activities],
            "worked_seconds": log.session.worked_seconds, "worked_from": log.session.worked_from}


@bp.post("/sessions/<session_id>/activities")
@requires("editor")
@documented(ActivityAnswer, "The activity logged (or the timer started).", body=ActivityInput, status=201,
            errors=(400, 404, 422))
def log_activity_api(session_id):
    """Log a block of work on a session; without ended_at or duration_seconds, start a timer (one per account)."""
    given, refused = json_body(ActivityInput, "Invalid activity.")
    if refused:
        return refused
    who = principal()
    try:
        with unit_of_work():
            activity = log_activity(db.session, session_id, given, owner_of(who), who.name.removeprefix("token "))
            if activity is not None:
                audit("activity.logged", target=session_id, details={"activity": activity.id})
    except ActivityError as exc:
        return _refused(exc)
    if activity is None:
        return missing_session(session_id)
    return activity_answer(activity, session_id)


@bp.patch("/activities/<activity_id>")
@requires("editor")
@documented(ActivityAnswer, "The activity after the change.", body=ActivityChange, errors=(400, 404, 409, 422))
def update_activity_api(activity_id):
    """Change an activity's kind, times, person or note."""
    change, refused = json_body(ActivityChange, "Invalid change.")
    if refused:
        return refused
    try:
        with unit_of_work():
            activity = update_activity(db.session, activity_id, change.model_dump(exclude_unset=True))
            audit("activity.updated", target=activity.session.id,
                  details={"activity": activity_id, "fields": sorted(change.model_fields_set)})
    except ActivityError as exc:
        return _refused(exc)
    return activity_answer(activity, activity.session.id)


@bp.delete("/activities/<activity_id>")
@requires("editor")
@documented(ActivityAnswer, "The activity, now in the trash.", errors=(404,))
def delete_activity_api(activity_id):
    """Move an activity to the trash (its session's page can restore it)."""
    try:
        with unit_of_work():
            activity = move_activity_to_trash(db.session, activity_id)
            audit("activity.trashed", target=activity.session.id, details={"activity": activity_id})
    except ActivityError as exc:
        return _refused(exc)
    return activity_answer(activity, activity.session.id)
