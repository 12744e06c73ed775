"""Recomputing a session's stats on request, reading its file again first when it has one."""
from dataclasses import dataclass

from sqlalchemy import select

from app.models import ScannedFile
from app.models.job import SUCCEEDED
from app.models.scanned_file import INDEXED, MISSING
from app.scanning import ScanError, read_file_again
from app.services.jobs import job_errors
from app.services.stats import forget_stats, session_stats
from app.services.summaries import live_session


@dataclass
class RefreshedStats:
    """Stats recomputed on request: from the file read again, or from the index (and why, when a file failed)."""

    session_id: str
    stats: dict | None
    source: str
    file_path: str | None = None
    file_error: str | None = None
    job_pk: int | None = None

    @property
    def message(self) -> str:
        """What was done, in words."""
        if self.stats is None:
            return "The stats could not be computed from this session's values; the reason is in the server log."
        if self.source == "file":
            return f"Stats recomputed after reading {self.file_path} again."
        if self.file_path:
            return f"Stats recomputed from the index: {self.file_path} could not be read again ({self.file_error})."
        return "Stats recomputed from the index: the session has no file of its own."


def _session_file(db_session, session_pk: int) -> str | None:
    return db_session.scalar(select(ScannedFile.path).where(
        ScannedFile.session_pk == session_pk, ScannedFile.status.in_((INDEXED, MISSING)))
        .order_by(ScannedFile.scanned_at.desc()).limit(1))


def _read_again(db_session, path: str, allowed_roots, started_by: str) -> tuple[str | None, int | None]:
    """Read the session file again as a one-file scan; the reason it failed (None when it did) and the job."""
    try:
        job = read_file_again(db_session, path, allowed_roots, started_by)
    except ScanError as exc:
        return exc.message, None
    if job.status != SUCCEEDED:
        return job.message or f"the scan ended {job.status}", job.pk
    errors = job_errors(db_session, job).rows
    if errors:
        return errors[0].message, job.pk
    if not job.result.get("indexed"):
        return "the file no longer holds a session", job.pk
    return None, job.pk


@dataclass
class Reread:
    """A live session whose stats are to be recomputed, and how reading its file again went."""

    session_pk: int
    session_id: str
    file_path: str | None
    file_error: str | None
    job_pk: int | None


def reread_session_file(db_session, session_id: str, allowed_roots, started_by: str) -> Reread | None:
    """Read a live session's file again, when it has one, as a one-file scan; None when there is no such session."""
    session = live_session(db_session, session_id)
    if session is None:
        return None
    path = _session_file(db_session, session.pk)
    error, job_pk = _read_again(db_session, path, allowed_roots, started_by) if path else (None, None)
    return Reread(session.pk, session.id, path, error, job_pk)


def recompute_session_stats(db_session, reread: Reread) -> RefreshedStats:
    """The session's stats computed again now and cached, within the caller's unit of work."""
    forget_stats(db_session, [reread.session_pk])
    stats = session_stats(db_session, {reread.session_pk: reread.session_id})[reread.session_pk]
    source = "file" if reread.file_path and reread.file_error is None else "index"
    return RefreshedStats(reread.session_id, stats, source, reread.file_path, reread.file_error, reread.job_pk)
