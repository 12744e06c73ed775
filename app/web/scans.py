"""Archive scans: start one, follow its progress, read what it did and which files it could not read."""
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.extensions import db, jobs
from app.list_params import PageParams
from app.models import Job
from app.models.job import SYNC
from app.models.types import utc_now
from app.scanning import ScanError, start_scan
from app.services.jobs import (job_as_it_stands, job_errors, job_session_count, recent_jobs, request_cancel,
                               unfinished_jobs)
from app.web.forms import ButtonForm, StartScanForm
from app.web.rendering import is_fragment_request, list_params, render_page

bp = Blueprint("scans", __name__, url_prefix="/scans")

FINDING_FILES = "finding files"
# Paths longer than this show their end only: the file name and its nearest folders say the most.
SHORT_PATH = 70


@dataclass
class Progress:
    """How far a job has got, ready to show: percent, rate, time left and what it works on."""

    job: Job
    phase: str | None
    percent: int | None
    files_per_second: float | None
    eta_seconds: int | None

    @property
    def noun(self) -> str:
        """What kind of job it is, as its title names it: Scan or Sync."""
        return "Sync" if self.job.kind == SYNC else "Scan"

    @property
    def unit(self) -> str:
        """What it counts: files (a scan) or sessions (a sync)."""
        return "sessions" if self.job.kind == SYNC else "files"

    @property
    def rate_text(self) -> str | None:
        """The rate as people read it, e.g. "120 files/s"."""
        if self.files_per_second is None:
            return None
        rate = self.files_per_second
        return f"{rate:,.0f} {self.unit}/s" if rate >= 10 else f"{rate:.1f} {self.unit}/s"

    @property
    def eta_text(self) -> str | None:
        """The time left as people read it, e.g. "about 2 min left"."""
        seconds = self.eta_seconds
        if seconds is None:
            return None
        if seconds < 60:
            return "less than a minute left"
        if seconds < 90 * 60:
            return f"about {round(seconds / 60)} min left"
        return f"about {round(seconds / 3600)} h left"

    @property
    def current_item_short(self) -> str | None:
        """The file or folder being worked on, cut to its end when long."""
        item = self.job.current_item
        if not item or len(item) <= SHORT_PATH:
            return item
        tail = item[-(SHORT_PATH - 1):]
        # Start at a folder boundary, so that no name shows cut in half.
        return "…" + (tail[tail.index(os.sep):] if os.sep in tail[:-1] else tail)


def job_progress(job: Job, now: datetime | None = None) -> Progress:
    """The progress of `job` now: percent (None while the total is unknown), files per second, seconds left."""
    phase = None if job.finished else (job.result or {}).get("phase")
    # While it is still finding files the total only grows: a percent of it would mislead.
    total_known = job.total > 0 and job.started_at is not None and phase != FINDING_FILES
    percent = min(100, job.done * 100 // job.total) if total_known else None
    rate = None
    if job.started_at is not None and job.done > 0:
        elapsed = ((job.finished_at if job.finished else None) or now or utc_now()) - job.started_at
        if elapsed.total_seconds() > 0:
            rate = job.done / elapsed.total_seconds()
    eta = None
    if not job.finished and total_known and rate:
        eta = round(max(job.total - job.done, 0) / rate)
    return Progress(job, phase, percent, rate, eta)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def scan_counts(job: Job) -> list[str]:
    """What a scan did, in words: files found, unchanged and read; sessions added, updated and missing (a sync: its
    sessions added, updated, unchanged, gone and failed)."""
    result = job.result or {}
    if job.kind == SYNC:
        return [f"{result.get(outcome, 0):,} {outcome}" for outcome in ("added", "updated", "unchanged", "gone", "failed")
                if outcome in result]
    if "found" not in result:
        return []
    read = sum(result.get(outcome, 0) for outcome in ("indexed", "failed", "ignored"))
    return [_plural(result["found"], "file found", "files found"),
            f"{result.get('unchanged', 0):,} unchanged",
            f"{read:,} read",
            _plural(result.get("added", 0), "session added", "sessions added"),
            f"{result.get('updated', 0):,} updated",
            f"{result.get('missing_sessions', 0):,} missing"]


def archive_roots() -> list[tuple[Path, bool]]:
    """The configured archive roots, each with whether it can be found right now (a drive may be unmounted)."""
    return [(root, root.is_dir()) for root in current_app.config["ARCHIVE_ROOTS"]]


def _job(job_pk: int) -> Job:
    job = job_as_it_stands(db.session, job_pk)
    if job is None:
        abort(404, description=f"There is no job #{job_pk}. The list of scans shows the recent ones.")
    return job


def _scans_page(form, error=None):
    return render_template("scans/index.html", form=form, roots=archive_roots(), error=error,
                           running=[job_progress(job) for job in unfinished_jobs(db.session)],
                           jobs=recent_jobs(db.session))


def _new_form(roots) -> StartScanForm:
    # Roots that cannot be found are left unticked: scanning them would only fail.
    return StartScanForm([root for root, _ in roots], roots=[str(root) for root, exists in roots if exists])


def _progress_or_redirect(job: Job):
    """The progress panel for htmx; any other request goes to the job's page (303: after a POST, a GET)."""
    if is_fragment_request():
        response = make_response(render_template("scans/_progress.html", progress=job_progress(job)))
    else:
        response = redirect(url_for("scans.show", job_pk=job.pk), 303)
    response.vary.add("HX-Request")
    return response


@bp.get("/")
@requires("admin")
def index():
    """The archive roots, a form to start a scan, the scans running now and the recent ones."""
    return _scans_page(_new_form(archive_roots()))


@bp.post("/")
@requires("admin")
def start():
    """Queue a scan of the chosen roots or folder and go to its page; the form again with the reason when it cannot."""
    roots = current_app.config["ARCHIVE_ROOTS"]
    form = StartScanForm(roots)
    if not roots:
        return _scans_page(form, error="No archive roots are configured, so there is nothing to scan."), 422
    if not form.validate_on_submit():
        return _scans_page(form), 422
    try:
        with unit_of_work():
            job = start_scan(db.session, form.paths(), roots, principal().name, form.backups.data)
            audit("scan.started", target=", ".join(job.params["paths"]), details={"job": job.pk})
    except ScanError as exc:
        form.folder.errors.append(exc.message)
        return _scans_page(form), 422
    # Queued once saved, so that the worker finds it.
    jobs.enqueue(job.pk)
    return redirect(url_for("scans.show", job_pk=job.pk), 303)


@bp.get("/<int:job_pk>")
@requires("viewer")
def show(job_pk):
    """One job: what it scans, what it did, its progress while it runs, and the files it could not read."""
    return _job_page(_job(job_pk))


def _job_page(job: Job):
    """The job's page, or for htmx what the job did (the page's region that its progress panel keeps current)."""
    return render_page("scans/show.html", "outcome", job=job, progress=job_progress(job), counts=scan_counts(job),
                       errors=job_errors(db.session, job, list_params(PageParams).page),
                       changed=job_session_count(db.session, job))


@bp.get("/<int:job_pk>/progress")
@requires("viewer")
def progress(job_pk):
    """The progress panel alone, which htmx polls; opened directly, the job's page."""
    return _progress_or_redirect(_job(job_pk))


@bp.post("/<int:job_pk>/cancel")
@requires("admin")
def cancel(job_pk):
    """Cancel a queued job, or ask a running one to stop after the batch it is on."""
    job = _job(job_pk)
    if ButtonForm().validate_on_submit() and not job.finished:
        with unit_of_work():
            job = request_cancel(db.session, job_pk)
            audit("scan.cancelled", target=", ".join(job.params.get("paths", [])), details={"job": job.pk})
    if request.form.get("then") == "page" and is_fragment_request():
        return _job_page(job)
    return _progress_or_redirect(job)
