"""A session's timeline: markers read from its file, notes people add (open or resolved), and kinds extensions add.

Each write goes through `live_change`, so the session's event counts and the open-note totals follow in the
same transaction. Deleted events wait in the trash until restored (their session's purge removes them).
"""
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.models import Event, LiveCount, Session
from app.models.timeline import MARKER, NOTE
from app.models.types import utc_now
from app.normalize import iso_utc
from app.services.derived import live_change
from app.services.webhooks import emit
from app.services.rollups import OPEN_NOTES
from app.timeline_input import EventInput


class EventError(Exception):
    """A change the timeline refuses, with the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Timeline:
    """A session's events in time order, and its trashed notes (most recently deleted first)."""

    session: Session
    events: list[Event]
    trashed: list[Event]


def live_session(db_session, session_id: str) -> Session | None:
    """The live session with this id, or None."""
    return db_session.scalar(select(Session).where(Session.id == session_id, Session.deleted_at.is_(None)))


def session_timeline(db_session, session_id: str) -> Timeline | None:
    """The timeline of the live session with this id, or None."""
    session = live_session(db_session, session_id)
    if session is None:
        return None
    rows = db_session.scalars(select(Event).where(Event.session_pk == session.pk)
                              .order_by(Event.t_sec, Event.end_sec.is_not(None), Event.created_at, Event.pk)).all()
    return Timeline(session, [row for row in rows if row.deleted_at is None],
                    sorted((row for row in rows if row.deleted_at is not None), key=lambda row: row.deleted_at,
                           reverse=True))


def add_events(db_session, session_id: str, events: list[EventInput], author: str, source: str = "user"
               ) -> list[Event] | None:
    """Add these events to the live session with this id, within the caller's unit of work; None when there is no
    such session."""
    session = live_session(db_session, session_id)
    if session is None:
        return None
    now = utc_now()
    rows = [Event(id=str(uuid.uuid4()), session_pk=session.pk, source=source, author=author, created_at=now,
                  updated_at=now, **event.model_dump()) for event in events]
    with live_change(db_session, [session.pk]):
        db_session.add_all(rows)
        db_session.flush()
    _tell(db_session, "timeline.created", session_id, rows)
    return rows


def event_by_id(db_session, event_id: str) -> Event | None:
    """The event with this id whose session is live (trashed or not), or None."""
    return db_session.scalar(select(Event).join(Session, Session.pk == Event.session_pk)
                             .where(Event.id == event_id, Session.deleted_at.is_(None)))


def _writable(db_session, event_id: str) -> Event:
    event = event_by_id(db_session, event_id)
    if event is None:
        raise EventError(404, f"No event has id {event_id!r}.")
    if event.kind == MARKER:
        raise EventError(409, "Markers come from the session's file: change them in the DAW and scan it again.")
    return event


def update_event(db_session, event_id: str, change: dict[str, Any]) -> Event:
    """Change an event (not a marker) as `change` says, within the caller's unit of work; EventError when refused."""
    event = _writable(db_session, event_id)
    if event.deleted_at is not None:
        raise EventError(409, "This event is in the trash: restore it before changing it.")
    merged = {"t_sec": event.t_sec, "end_sec": event.end_sec, "text": event.text} | change
    if merged["end_sec"] is not None and merged["end_sec"] < merged["t_sec"]:
        raise EventError(422, "end_sec cannot come before t_sec.")
    if event.kind == NOTE and not merged["text"].strip():
        raise EventError(422, "A note needs text.")
    if "status" in change and event.kind != NOTE:
        raise EventError(422, "Only notes are open or resolved.")
    with live_change(db_session, [event.session_pk]):
        for name, value in change.items():
            setattr(event, name, value)
        event.updated_at = utc_now()
        db_session.flush()
    _tell(db_session, "timeline.updated", event.session.id, [event])
    return event


def _tell(db_session, webhook_event: str, session_id: str, events: list[Event]) -> None:
    """Owe the webhook subscribers to `webhook_event` word of these timeline events."""
    emit(db_session, webhook_event, {"sessionId": session_id, "events": [
        {"id": event.id, "kind": event.kind, "tSec": event.t_sec} for event in events]})


def move_event_to_trash(db_session, event_id: str) -> Event:
    """Move an event (not a marker) to the trash, within the caller's unit of work; EventError when refused."""
    event = _writable(db_session, event_id)
    if event.deleted_at is None:
        with live_change(db_session, [event.session_pk]):
            event.deleted_at = utc_now()
            db_session.flush()
        _tell(db_session, "timeline.trashed", event.session.id, [event])
    return event


def restore_event(db_session, event_id: str) -> Event:
    """Take an event back out of the trash, within the caller's unit of work; EventError when there is none."""
    event = _writable(db_session, event_id)
    if event.deleted_at is not None:
        with live_change(db_session, [event.session_pk]):
            event.deleted_at = None
            event.updated_at = utc_now()
            db_session.flush()
        _tell(db_session, "timeline.restored", event.session.id, [event])
    return event


def event_answer(event: Event, session_id: str) -> dict:
    """An event as the API gives it."""
    return {
        "id": event.id, "session_id": session_id, "kind": event.kind, "source": event.source, "t_sec": event.t_sec,
        "end_sec": event.end_sec, "text": event.text, "label": event.label, "comment": event.comment,
        "track": event.track, "status": event.status, "attributes": event.attributes, "author": event.author,
        "created_at": iso_utc(event.created_at), "updated_at": iso_utc(event.updated_at),
        "deleted_at": iso_utc(event.deleted_at),
    }


def latest_open_notes(db_session, limit: int = 5) -> list:
    """The open notes of live sessions most recently written or changed, with their session's id and name."""
    return db_session.execute(
        select(Event.id, Event.t_sec, Event.text, Event.label, Event.author, Event.updated_at,
               Session.id.label("session_id"), Session.name.label("session_name"))
        .join(Session, Session.pk == Event.session_pk)
        .where(Event.kind == NOTE, Event.status == "open", Event.deleted_at.is_(None), Session.deleted_at.is_(None))
        .order_by(Event.updated_at.desc(), Event.pk.desc()).limit(limit)).all()


def open_notes_by(db_session, dimension: str, limit: int = 5) -> list[tuple[str, int]]:
    """The artists (or projects) with the most open notes, from the counts kept on write: `dimension` is "artist" or
    "project"."""
    return db_session.execute(select(LiveCount.value, LiveCount.count)
                              .where(LiveCount.dimension == f"{OPEN_NOTES} by {dimension}")
                              .order_by(LiveCount.count.desc(), LiveCount.value).limit(limit)).all()


def session_rollup(session: Session) -> dict:
    """What a session's timeline holds, as kept: events per kind, notes, open notes, markers, media files and
    attachments."""
    kinds = session.event_counts or {}
    return {"events": kinds, "notes": kinds.get(NOTE, 0), "open_notes": session.open_note_count,
            "markers": kinds.get(MARKER, 0), "media_files": session.media_count,
            "missing_media_files": session.missing_media_count, "attachments": session.attachment_count}
