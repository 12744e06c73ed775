"""Where the time went: the blocks of work logged on a session, from a running timer or entered afterwards."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.session import Session
from app.models.types import UTCDateTime

ACTIVITY_KINDS = ("tracking", "editing", "production", "mixing", "mastering", "other")
# A timer runs until it is stopped: its activity has no end yet.
RUNNING = text("ended_at IS NULL AND deleted_at IS NULL")


class Activity(db.Model):
    """A block of work on a session: its kind, who did it, when it started and ended (a running timer has no end
    yet), and a note. A deleted one waits in the trash until restored."""

    __tablename__ = "activities"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    session_pk: Mapped[int] = mapped_column(ForeignKey("sessions.pk", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # Who did the work, as a name (an engineer without an account can be credited too).
    person: Mapped[str] = mapped_column(String(200))
    # Who logged it, as "user:<pk>" or "token:<pk>": a running timer is theirs to stop, one at a time.
    owner: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()

    __table_args__ = (
        Index("ix_activities_session_pk_started_at", "session_pk", "started_at"),
        # One running timer per account, whatever races to start a second one.
        Index("ux_activities_running_timer", "owner", unique=True, sqlite_where=RUNNING, postgresql_where=RUNNING),
    )

    @property
    def seconds(self) -> int | None:
        """How long it lasted, in whole seconds; None while its timer runs."""
        if self.ended_at is None:
            return None
        return round((self.ended_at - self.started_at).total_seconds())
