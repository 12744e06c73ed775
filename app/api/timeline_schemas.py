"""What the /api routes of a session's timeline take and give: events, logged work, attachments and the counts kept
of them (see app/api/schemas.py)."""
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.schemas import WORKED_FROM_TEXT, WORKED_SECONDS, IsoTimestamp
from app.models.work import ACTIVITY_KINDS
from app.services.work_time import WORKED_FROM


class EventAnswer(BaseModel):
    """An event on a session's timeline."""

    id: str
    session_id: str
    kind: str = Field(description="marker (from the session's file), note, or an extension's kind.")
    source: str = Field(description="file, user, api, or the extension that added it.")
    t_sec: float = Field(description="Seconds from the session's start.")
    end_sec: float | None = Field(description="Where a region ends.")
    text: str = Field(description="A marker's name, a note's text.")
    label: str | None
    comment: str | None
    track: str | None
    status: Literal["open", "resolved"] | None = Field(description="Notes only.")
    attributes: dict[str, Any] | None
    author: str | None
    created_at: IsoTimestamp
    updated_at: IsoTimestamp
    deleted_at: IsoTimestamp = Field(description="When it went to the trash; null while it is on the timeline.")


class ActivityAnswer(BaseModel):
    """A block of work logged on a session."""

    id: str
    session_id: str
    kind: Literal[ACTIVITY_KINDS]
    person: str = Field(description="Who did the work.")
    started_at: IsoTimestamp
    ended_at: IsoTimestamp = Field(description="null while its timer runs.")
    duration_seconds: int | None = Field(description="Whole seconds; null while its timer runs.")
    running: bool = Field(description="Whether its timer is running.")
    note: str
    created_at: IsoTimestamp
    updated_at: IsoTimestamp
    deleted_at: IsoTimestamp = Field(description="When it went to the trash; null while it counts.")


class ActivityList(BaseModel):
    """A session's activities, newest first, and the time worked on it."""

    activities: list[ActivityAnswer]
    worked_seconds: int | None = Field(description=WORKED_SECONDS)
    worked_from: Literal[WORKED_FROM] | None = Field(description=WORKED_FROM_TEXT)


class EventList(BaseModel):
    """A session's events in time order."""

    events: list[EventAnswer]


class SessionRollup(BaseModel):
    """What a session's timeline and media hold, as the index keeps it."""

    session_id: str
    events: dict[str, int] = Field(description="Events per kind, trashed ones left out.")
    notes: int
    open_notes: int
    markers: int
    media_files: int
    missing_media_files: int
    attachments: int


class AttachmentAnswer(BaseModel):
    """A file attached to a session, and what its analysis measured."""

    id: str
    session_id: str
    filename: str
    kind: str = Field(description="mix, master, stem, reference, document, bounce or other.")
    content_type: str
    size_bytes: int
    sha256: str = Field(description="The content's SHA-256: attachments of the same bytes share one stored file.")
    author: str | None
    created_at: IsoTimestamp
    analysis: dict[str, Any] | None = Field(description="Loudness (LUFS), range (LU), sample peak (dBFS), duration, "
                                                        "sample rate, channels and full-scale places of an audio file; "
                                                        "null until measured.")
    analysis_error: str | None


class AttachmentList(BaseModel):
    """A session's attachments, newest first."""

    attachments: list[AttachmentAnswer]
