"""A session's work log: activities logged afterwards or timed as they happen (one running timer per account).

Each write goes through `live_change`, so the session's worked time follows in the same transaction. Deleted
activities wait in the trash until restored.
"""
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models import Activity, Session
from app.models.types import utc_now
from app.normalize import iso_utc
from app.services.derived import live_change
from app.services.events import live_session
from app.work_input import MAX_ACTIVITY_SECONDS, ActivityInput, check_end


class ActivityError(Exception):
    """A change the work log refuses, with the HTTP status that says why and, for a refused value, its field."""

    def __init__(self, status: int, message: str, path: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path


@dataclass
class WorkLog:
    """A session's activities, newest first, and its trashed ones (most recently deleted first)."""

    session: Session
    activities: list[Activity]
    trashed: list[Activity]


def work_log(db_session, session_id: str) -> WorkLog | None:
    """The work log of the live session with this id, or None."""
    session = live_session(db_session, session_id)
    if session is None:
        return None
    rows = db_session.scalars(select(Activity).where(Activity.session_pk == session.pk)
                              .order_by(Activity.started_at.desc(), Activity.pk.desc())).all()
    return WorkLog(session, [row for row in rows if row.deleted_at is None],
                   sorted((row for row in rows if row.deleted_at is not None), key=lambda row: row.deleted_at,
                          reverse=True))


def owner_of(principal) -> str:
    """The owner key of what a signed-in user or an API token logs: "user:<pk>" or "token:<pk>"."""
    return f"user:{principal.user_pk}" if principal.user_pk is not None else f"token:{principal.token_pk}"


def running_timer(db_session, owner: str) -> Activity | None:
    """The activity whose timer this owner is running, if any (its session may be in the trash)."""
    return db_session.scalar(select(Activity).where(Activity.owner == owner, Activity.ended_at.is_(None),
                                                    Activity.deleted_at.is_(None)))


def _refuse_second_timer(db_session, owner: str) -> None:
    running = running_timer(db_session, owner)
    if running is not None:
        raise ActivityError(422, f"You already have a timer running on “{running.session.name}” since "
                                 f"{iso_utc(running.started_at)}: stop it before starting another.", "ended_at")


def log_activity(db_session, session_id: str, entry: ActivityInput, owner: str, person: str) -> Activity | None:
    """Log an activity of `owner` on the live session with this id (a running timer when it has no end), crediting
    `person` unless the entry names someone, within the caller's unit of work; None when there is no such session,
    ActivityError when refused."""
    session = live_session(db_session, session_id)
    if session is None:
        return None
    values = entry.values()
    if values["ended_at"] is None:
        _refuse_second_timer(db_session, owner)
    now = utc_now()
    values["person"] = values["person"] or person
    activity = Activity(id=str(uuid.uuid4()), session_pk=session.pk, owner=owner, created_at=now, updated_at=now,
                        **values)
    with live_change(db_session, [session.pk]):
        db_session.add(activity)
        try:
            db_session.flush()
        except IntegrityError:  # another request of the same account started a timer at the same moment
            raise ActivityError(422, "You already have a timer running: stop it before starting another.",
                                "ended_at") from None
    return activity


def stop_timer(db_session, owner: str) -> Activity | None:
    """Stop this owner's running timer now, within the caller's unit of work; the activity, or None when no timer
    runs. A timer left running longer than an activity may last stops at that length."""
    activity = running_timer(db_session, owner)
    if activity is None:
        return None
    with live_change(db_session, [activity.session_pk]):
        activity.ended_at = min(utc_now(), activity.started_at + timedelta(seconds=MAX_ACTIVITY_SECONDS))
        activity.updated_at = utc_now()
        db_session.flush()
    return activity


def activity_by_id(db_session, activity_id: str) -> Activity | None:
    """The activity with this id whose session is live (trashed or not), or None."""
    return db_session.scalar(select(Activity).join(Session, Session.pk == Activity.session_pk)
                             .where(Activity.id == activity_id, Session.deleted_at.is_(None)))


def _found(db_session, activity_id: str) -> Activity:
    activity = activity_by_id(db_session, activity_id)
    if activity is None:
        raise ActivityError(404, f"No activity has id {activity_id!r}.")
    return activity


def update_activity(db_session, activity_id: str, change: dict[str, Any]) -> Activity:
    """Change an activity as `change` says (duration_seconds sets the end from the start), within the caller's unit
    of work; ActivityError when refused."""
    activity = _found(db_session, activity_id)
    if activity.deleted_at is not None:
        raise ActivityError(409, "This activity is in the trash: restore it before changing it.")
    change = dict(change)
    started_at = change.get("started_at", activity.started_at)
    if "duration_seconds" in change:
        change["ended_at"] = started_at + timedelta(seconds=change.pop("duration_seconds"))
    ended_at = change.get("ended_at", activity.ended_at)
    if ended_at is not None:  # an end given to a running timer stops it then
        try:
            check_end(started_at, ended_at)
        except ValueError as exc:
            raise ActivityError(422, f"The end {exc}.", "ended_at" if "ended_at" in change else "started_at") from None
    with live_change(db_session, [activity.session_pk]):
        for name, value in change.items():
            setattr(activity, name, value)
        activity.updated_at = utc_now()
        db_session.flush()
    return activity


def move_activity_to_trash(db_session, activity_id: str) -> Activity:
    """Move an activity to the trash (a running one stops counting), within the caller's unit of work."""
    activity = _found(db_session, activity_id)
    if activity.deleted_at is None:
        with live_change(db_session, [activity.session_pk]):
            activity.deleted_at = utc_now()
            db_session.flush()
    return activity


def restore_activity(db_session, activity_id: str) -> Activity:
    """Take an activity back out of the trash, within the caller's unit of work; ActivityError when it cannot be."""
    activity = _found(db_session, activity_id)
    if activity.deleted_at is None:
        return activity
    if activity.ended_at is None:
        _refuse_second_timer(db_session, activity.owner)
    with live_change(db_session, [activity.session_pk]):
        activity.deleted_at = None
        activity.updated_at = utc_now()
        db_session.flush()
    return activity


def activity_answer(activity: Activity, session_id: str) -> dict:
    """An activity as the API gives it."""
    return {
        "id": activity.id, "session_id": session_id, "kind": activity.kind, "person": activity.person,
        "started_at": iso_utc(activity.started_at), "ended_at": iso_utc(activity.ended_at),
        "duration_seconds": activity.seconds, "running": activity.ended_at is None, "note": activity.note,
        "created_at": iso_utc(activity.created_at), "updated_at": iso_utc(activity.updated_at),
        "deleted_at": iso_utc(activity.deleted_at),
    }
