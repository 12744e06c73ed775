"""The command that scans folders for sessions, here or through the job queue."""
import click
from flask import current_app

from app.cli import cli
from app.cli.common import echo_json, fail, with_app_context
from app.cli.writing import writing
from app.extensions import db, jobs
from app.scanning import ScanError, run_job, start_scan
from app.services.audit import COMMAND_LINE, record
from app.services.jobs import job_errors


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--backups", is_flag=True, help="Also read backups and autosaves, which are skipped otherwise.")
@click.option("--queue", "queued", is_flag=True, help="Queue the scan for a worker instead of running it here.")
@with_app_context
def scan(paths, backups, queued):
    """Scan folders or files for sessions: new and changed files are read, unchanged ones skipped.

    Prints what the scan did; files it could not read go to stderr. When SESSION_STATS_ARCHIVE_ROOTS
    is set, only paths inside those roots are scanned.
    """
    try:
        with writing():
            job = start_scan(db.session, list(paths), current_app.config["ARCHIVE_ROOTS"], COMMAND_LINE.name, backups)
            record(db.session, COMMAND_LINE, "scan.started", ", ".join(job.params["paths"]), {"job": job.pk})
    except ScanError as exc:
        fail(exc.message)
    if queued:
        jobs.enqueue(job.pk)
        click.echo(f"Queued scan job {job.pk}.")
        return
    run_job(job.pk)
    db.session.refresh(job)
    page, pages = 1, 1
    while page <= pages:
        errors = job_errors(db.session, job, page)
        for error in errors.rows:
            click.echo(f"Skipped {error.path}: {error.message}", err=True)
        page, pages = page + 1, errors.pages
    echo_json({"job": job.pk, "status": job.status, "errors": job.failed, **(job.result or {}),
                **({"message": job.message} if job.message else {})})
    if job.status != "succeeded":
        raise click.exceptions.Exit(1)
