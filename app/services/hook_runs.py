"""Running extensions' hooks where they cannot hold up a write: a new attachment's in a background job (the
built-in loudness analysis among them, so that an upload answers at once), an indexed session's after the write
that indexed it. Each calls the hooks outside any write and keeps what they give in a unit of work of its own."""
from pathlib import Path

from sqlalchemy import select

from app.database import unit_of_work
from app.hooks import enabled_extensions
from app.models import Attachment, Job, Session
from app.models.job import FAILED, SUCCEEDED
from app.services.attachments import blob_path
from app.services.bulk import chunked
from app.services.extension_results import (
    attachment_outcomes,
    keep_attachment_outcomes,
    keep_session_outcomes,
    session_outcomes,
)
from app.services.jobs import add_job_errors, create_job, finish_job

ATTACHMENT_HOOKS = "attachment"


def start_attachment_hooks(db_session, attachment: Attachment, started_by: str) -> Job | None:
    """Queue the hooks for a new attachment (within the caller's unit of work); None when no extension has one."""
    if not any(callable(getattr(e.target, "on_attachment_added", None)) for e in enabled_extensions()):
        return None
    return create_job(db_session, ATTACHMENT_HOOKS, {"attachment": attachment.id}, started_by)


def run_attachment_hooks(db_session, job: Job, folder: Path) -> None:
    """Run the job's hooks on its attachment (outside any write: they may take long), keep what they give, record
    what failed, and finish the job."""
    attachment = db_session.scalar(select(Attachment).where(Attachment.id == job.params.get("attachment")))
    outcomes = attachment_outcomes(db_session, attachment, str(blob_path(folder, attachment.sha256))) \
        if attachment is not None else []
    with unit_of_work(db_session):
        attachment = db_session.scalar(select(Attachment).where(Attachment.id == job.params.get("attachment")))
        if attachment is None:
            finish_job(db_session, job.pk, FAILED, message="The attachment is gone (its session was purged).")
            return
        failures = keep_attachment_outcomes(db_session, attachment, outcomes)
        add_job_errors(db_session, job.pk, 0, [(attachment.filename, failure) for failure in failures])
        finish_job(db_session, job.pk, SUCCEEDED, {"failed": len(failures)})


def run_session_hooks(db_session, session_pks: list[int], job_pk: int | None = None, errors_from: int = 0) -> int:
    """After a write indexed these sessions: call the enabled extensions' `on_session_indexed` and keep what they
    give; failures go to the job's errors (when there is a job), the sessions' pages and the log. The job's next
    error number."""
    if not session_pks or not any(callable(getattr(e.target, "on_session_indexed", None))
                                  for e in enabled_extensions()):
        return errors_from
    outcomes = session_outcomes(db_session, session_pks)
    with unit_of_work(db_session):
        failures = keep_session_outcomes(db_session, outcomes)
        if job_pk is not None:
            errors_from = add_job_errors(db_session, job_pk, errors_from, failures)
    return errors_from


def run_hooks_on_ingested(db_session, session_ids: list[str]) -> None:
    """`run_session_hooks` for the sessions an ingest request wrote, by their ids."""
    if not session_ids or not enabled_extensions():
        return
    pks = [pk for chunk in chunked(session_ids) for pk in db_session.scalars(select(Session.pk).where(
        Session.id.in_(chunk)))]
    run_session_hooks(db_session, pks)
