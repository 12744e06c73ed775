"""Archive scans: finding session files on disk, noticing what changed, and the scan job; and the runner of every
kind of job."""
import time

from flask import current_app

from app import metrics
from app.database import unit_of_work
from app.extensions import db
from app.file_paths import real_path
from app.remote.sync import SYNC, run_sync
from app.scanning.scan import SCAN, ScanError, run_scan, start_scan
from app.services.hook_runs import ATTACHMENT_HOOKS, run_attachment_hooks
from app.services.jobs import claim_job, get_job
from app.services.webhooks import emit

__all__ = ["SCAN", "ScanError", "read_file_again", "run_job", "start_scan"]


def run_job(job_pk: int) -> None:
    """Run a queued job in this process (the huey task's body); a job already taken or cancelled is left alone."""
    with unit_of_work():
        job = claim_job(db.session, job_pk)
    if job is None:
        return
    started = time.monotonic()
    if job.kind == SCAN:
        config = current_app.config
        run_scan(db.session, job, config["ARCHIVE_ROOTS"], config["SCAN_PROCESSES"], config["SCAN_READ_SECONDS"])
    elif job.kind == SYNC:
        run_sync(db.session, job)
    elif job.kind == ATTACHMENT_HOOKS:
        run_attachment_hooks(db.session, job, current_app.config["ATTACHMENT_DIR"])
    job = get_job(db.session, job_pk)
    metrics.JOB_SECONDS.labels(job.kind, job.status).observe(time.monotonic() - started)
    if job.kind == SCAN:
        with unit_of_work():
            emit(db.session, "scan.finished", {"job": job.pk, "status": job.status, **(job.result or {})})


def read_file_again(db_session, path: str, allowed_roots, started_by: str):
    """Read one session file again now (`path` as the index stores it), changed or not, as a scan job of its own run
    by this thread; the finished job.

    ScanError when the file cannot be scanned (gone, or outside the archive roots).
    """
    with unit_of_work(db_session):
        job = start_scan(db_session, [real_path(path)], allowed_roots, started_by, backups=True, reread=True)
        job = claim_job(db_session, job.pk)
    run_scan(db_session, job, allowed_roots, processes=1, read_seconds=current_app.config["SCAN_READ_SECONDS"])
    return get_job(db_session, job.pk)
