"""Background jobs: what each did, how far it got, the files it could not read and the sessions it touched."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utc_now

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
JOB_STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
UNFINISHED = (QUEUED, RUNNING)
# The kind of job that pulls a remote source (app/remote/sync.py); named here, where services can read it.
SYNC = "sync"


class Job(db.Model):
    """One run of long work (an archive scan), from queued to finished."""

    __tablename__ = "jobs"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    # What the job was asked to do, e.g. a scan's paths and whether it reads backups.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    current_item: Mapped[str | None] = mapped_column(Text)
    # What it did, by outcome, e.g. a scan's files unchanged, extracted, sessions added and updated.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(200))
    # Which process runs it ("host:pid"), so a worker that died can be told from one that is busy.
    worker: Mapped[str | None] = mapped_column(String(300))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_jobs_status", "status"),)

    @property
    def finished(self) -> bool:
        """True once the job has ended, whichever way."""
        return self.status not in UNFINISHED


class JobError(db.Model):
    """A file or folder a job could not read, and why."""

    __tablename__ = "job_errors"

    job_pk: Mapped[int] = mapped_column(ForeignKey("jobs.pk", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)


class JobSession(db.Model):
    """A session a job added or changed."""

    __tablename__ = "job_sessions"

    job_pk: Mapped[int] = mapped_column(ForeignKey("jobs.pk", ondelete="CASCADE"), primary_key=True)
    session_pk: Mapped[int] = mapped_column(ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True)
    change: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_job_sessions_session_pk", "session_pk"),)
