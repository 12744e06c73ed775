"""What sits on a session's timeline and beside it: events (markers, notes, extensions' kinds) and media files."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, BigInteger, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.session import WITHOUT_ROWID, Session
from app.models.types import UTCDateTime

MARKER = "marker"
NOTE = "note"
# The source of the events read from a session's file: each ingest of the file replaces them.
FILE_SOURCE = "file"
OPEN_NOTE = text("kind = 'note' AND status = 'open' AND deleted_at IS NULL")


class Event(db.Model):
    """Something at a position of a session's timeline: a marker read from its file, a note someone wrote, or a
    kind an extension adds. A region also has an end."""

    __tablename__ = "events"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    session_pk: Mapped[int] = mapped_column(ForeignKey("sessions.pk", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    # Who made it: "file" (the session's file, replaced by each scan), "user", or an extension's name.
    source: Mapped[str] = mapped_column(String(200))
    t_sec: Mapped[float] = mapped_column(Float)
    end_sec: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str | None] = mapped_column(String(1000))
    comment: Mapped[str | None] = mapped_column(Text)
    track: Mapped[str | None] = mapped_column(String(1000))
    # Notes are "open" or "resolved"; other kinds have none.
    status: Mapped[str | None] = mapped_column(String(20))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A deleted note waits in the trash: its session's page offers to restore it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()

    __table_args__ = (
        Index("ix_events_session_pk_t_sec", "session_pk", "t_sec"),
        Index("ix_events_open_notes", "session_pk", sqlite_where=OPEN_NOTE, postgresql_where=OPEN_NOTE),
        # The overview's latest open notes: the newest first, read in order.
        Index("ix_events_open_notes_newest", "updated_at", "pk", sqlite_where=OPEN_NOTE, postgresql_where=OPEN_NOTE),
    )


class MediaFile(db.Model):
    """An audio or video file a session plays, as the session names it, and what a scan found at that path."""

    __tablename__ = "media_files"

    session_pk: Mapped[int] = mapped_column(ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(1000))
    # What the session says (Pro Tools lists offline files apart).
    offline: Mapped[bool | None] = mapped_column(Boolean)
    # Whether a scan found it (a relative path from the session's folder), and its size.
    exists: Mapped[bool | None] = mapped_column(Boolean)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # Not found by the last scan, or (never looked for) offline by the session's own account.
    missing: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (WITHOUT_ROWID,)


class Attachment(db.Model):
    """A file attached to a session (a mix, master, stem, reference or document), stored once by its content."""

    __tablename__ = "attachments"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    session_pk: Mapped[int] = mapped_column(ForeignKey("sessions.pk", ondelete="CASCADE"))
    # The content's SHA-256 in hex: the stored file's name, shared by every attachment of the same bytes.
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the analysis found (loudness, peak, duration …), or why it could not run.
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    analysis_error: Mapped[str | None] = mapped_column(Text)

    session: Mapped[Session] = relationship()

    __table_args__ = (Index("ix_attachments_session_pk", "session_pk"), Index("ix_attachments_sha256", "sha256"))
