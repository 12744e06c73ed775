"""Background jobs as rows: queue, claim, report progress, cancel, finish, and notice the ones whose worker died."""
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update

from app.database import write_incidentally
from app.models import Job, JobError, JobSession, Session
from app.models.job import CANCELLED, FAILED, QUEUED, RUNNING, UNFINISHED
from app.models.types import utc_now
from app.services.bulk import page_count

# A running job writes a heartbeat every second or so; one silent for this long has lost its worker.
ABANDONED_AFTER = timedelta(minutes=2)
ERRORS_PAGE_SIZE = 50


def this_worker() -> str:
    """This process, as "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def create_job(db_session, kind: str, params: dict, started_by: str) -> Job:
    """A new queued job."""
    job = Job(kind=kind, params=params, started_by=started_by[:200], status=QUEUED)
    db_session.add(job)
    db_session.flush()
    return job


def get_job(db_session, job_pk: int) -> Job | None:
    """The job with this number, or None."""
    return db_session.get(Job, job_pk)


def job_as_it_stands(db_session, job_pk: int) -> Job | None:
    """The job with this number (None if unknown), first failed if it was running on a worker that is gone."""
    job = get_job(db_session, job_pk)
    if job is not None and job.status == RUNNING and _is_abandoned(job, utc_now()):
        write_incidentally(db_session, fail_abandoned_jobs)
        job = db_session.get(Job, job_pk, populate_existing=True)
    return job


def recent_jobs(db_session, limit: int = 20) -> list[Job]:
    """The newest jobs first."""
    return list(db_session.scalars(select(Job).order_by(Job.pk.desc()).limit(limit)))


def unfinished_jobs(db_session) -> list[Job]:
    """Queued and running jobs, oldest first, after failing those whose worker died (if the database lets it now)."""
    if _abandoned_jobs(db_session, utc_now()):
        write_incidentally(db_session, fail_abandoned_jobs)
    return list(db_session.scalars(select(Job).where(Job.status.in_(UNFINISHED)).order_by(Job.pk)))


def claim_job(db_session, job_pk: int) -> Job | None:
    """Mark a queued job running in this process; None when it is gone, cancelled or already taken."""
    now = utc_now()
    claimed = db_session.execute(
        update(Job).where(Job.pk == job_pk, Job.status == QUEUED)
        .values(status=RUNNING, started_at=now, heartbeat_at=now, worker=this_worker())
    ).rowcount
    return db_session.get(Job, job_pk, populate_existing=True) if claimed else None


def report_progress(db_session, job_pk: int, **values) -> bool:
    """Save a running job's progress with a heartbeat; whether someone asked to cancel it."""
    return db_session.execute(update(Job).where(Job.pk == job_pk).values(heartbeat_at=utc_now(), **values)
                              .returning(Job.cancel_requested)).scalar_one()


def finish_job(db_session, job_pk: int, status: str, result: dict | None = None, message: str | None = None,
               **progress) -> None:
    """End the job with `status`, what it did, why it ended and its last progress fields."""
    values = {"status": status, "message": message, "current_item": None, "finished_at": utc_now(), **progress}
    if result is not None:
        values["result"] = result
    db_session.execute(update(Job).where(Job.pk == job_pk).values(**values))


def request_cancel(db_session, job_pk: int) -> Job | None:
    """Cancel a queued job at once, ask a running one to stop at its next batch; the job, or None if unknown."""
    db_session.execute(update(Job).where(Job.pk == job_pk, Job.status == QUEUED).values(
        status=CANCELLED, message="Cancelled before it started.", finished_at=utc_now()))
    db_session.execute(update(Job).where(Job.pk == job_pk, Job.status == RUNNING).values(cancel_requested=True))
    return db_session.get(Job, job_pk, populate_existing=True)


def add_job_errors(db_session, job_pk: int, first: int, errors: list[tuple[str, str]]) -> int:
    """Record files or folders a job could not read, as (path, reason), numbered from `first`; the next number."""
    if errors:
        db_session.execute(insert(JobError), [{"job_pk": job_pk, "position": first + offset, "path": path,
                                               "message": message} for offset, (path, message) in enumerate(errors)])
    return first + len(errors)


def _worker_is_dead(worker: str | None) -> bool:
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _is_abandoned(job: Job, now: datetime) -> bool:
    return _worker_is_dead(job.worker) or (job.heartbeat_at or job.created_at) < now - ABANDONED_AFTER


def _abandoned_jobs(db_session, now: datetime) -> list[Job]:
    return [job for job in db_session.scalars(select(Job).where(Job.status == RUNNING)) if _is_abandoned(job, now)]


def fail_abandoned_jobs(db_session, now: datetime | None = None) -> int:
    """Fail running jobs whose worker process is gone or has been silent too long; how many there were."""
    abandoned = _abandoned_jobs(db_session, now or utc_now())
    for job in abandoned:
        finish_job(db_session, job.pk, FAILED, message=(
            f"The worker running it ({job.worker}) stopped without finishing: what it had saved is kept, "
            "and a new scan picks up the rest."))
    return len(abandoned)


@dataclass
class JobErrorPage:
    """One page of a job's file errors."""

    rows: list[JobError]
    total: int
    page: int
    pages: int


def job_errors(db_session, job: Job, page: int = 1) -> JobErrorPage:
    """A page of the files and folders the job could not read, in the order it met them."""
    total = db_session.scalar(select(func.count()).select_from(JobError).where(JobError.job_pk == job.pk))
    pages = page_count(total, ERRORS_PAGE_SIZE)
    page = min(max(page, 1), pages)
    rows = db_session.scalars(select(JobError).where(JobError.job_pk == job.pk).order_by(JobError.position)
                              .offset((page - 1) * ERRORS_PAGE_SIZE).limit(ERRORS_PAGE_SIZE))
    return JobErrorPage(list(rows), total, page, pages)


def job_session_count(db_session, job: Job) -> int:
    """How many live sessions the job added, changed or found missing."""
    return db_session.scalar(select(func.count()).select_from(JobSession)
                             .join(Session, Session.pk == JobSession.session_pk)
                             .where(JobSession.job_pk == job.pk, Session.deleted_at.is_(None)))
