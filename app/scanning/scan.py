"""An archive scan as a job: walk the paths, skip what has not changed, read the rest in worker processes,
ingest in batches (each batch, with the record of its files, one transaction), then mark what disappeared.

A scan killed at any point leaves whole batches only; the next scan skips the files those
batches recorded and reads the rest.
"""
import logging
import os
import time
from collections import Counter
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from app.database import database_unavailable, unit_of_work
from app.file_paths import real_path, stored_path
from app.models import Job, JobSession, ScannedFile, Session
from app.models.job import CANCELLED, FAILED, SUCCEEDED
from app.models.scanned_file import COMPANION, INDEXED, MISSING
from app.models.scanned_file import FAILED as FAILED_FILE
from app.models.types import utc_now
from app.scanning import examine as examining
from app.scanning.bounces import attach_bounces
from app.scanning.examine import Examined
from app.scanning.readers import Readers
from app.scanning.walk import FoundFile, WalkProblem, is_under, walk, wanted
from app.services.bulk import chunked, dialect_insert
from app.services.hook_runs import run_session_hooks
from app.services.ingest import IngestError, ingest_sessions
from app.services.jobs import add_job_errors, create_job, finish_job, report_progress

SCAN = "scan"
BATCH_SESSIONS = 100
# Progress, the heartbeat and a pending batch are saved at least this often.
PROGRESS_SECONDS = 1.0
log = logging.getLogger(__name__)


class ScanError(Exception):
    """A scan that cannot start, with the reason in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def start_scan(db_session, paths: list[str], allowed_roots: list[Path], started_by: str,
               backups: bool = False, reread: bool = False) -> Job:
    """Check the paths (they exist, inside `allowed_roots` when there are any) and make a queued scan job.

    The paths are as the file system names them; the job keeps them as the index stores paths. With `reread`,
    the scan reads every file again, changed or not.
    """
    if not paths:
        raise ScanError("Name at least one folder or file to scan.")
    resolved = []
    for given in paths:
        path = Path(given).expanduser().resolve()
        if allowed_roots and not is_under(str(path), allowed_roots):
            roots = ", ".join(map(str, allowed_roots))
            raise ScanError(f"{stored_path(given)} is outside the archive roots ({roots}).")
        if not path.exists():
            raise ScanError(f"{stored_path(given)} does not exist.")
        resolved.append(stored_path(str(path)))
    return create_job(db_session, SCAN, {"paths": resolved, "backups": backups, "reread": reread}, started_by)


class ScanRun:
    """One scan job's run: its counts, the files stored from earlier scans, and the batch being built."""

    def __init__(self, db_session, job, allowed_roots: list[Path], processes: int, read_seconds: float):
        self.db_session = db_session
        self.job_pk = job.pk
        self.paths = job.params["paths"]
        self.backups = bool(job.params.get("backups"))
        self.reread = bool(job.params.get("reread"))
        self.started_by = job.started_by
        self.allowed_roots = allowed_roots or [Path(real_path(p)) for p in self.paths]
        self.processes = processes
        self.read_seconds = read_seconds
        self.counts = Counter()
        self.batch: list[tuple[FoundFile, Examined]] = []
        self.current_item: str | None = None
        self.phase: str | None = None
        # Kept here and written with each progress report: the job row is only ever written, never read back.
        self.done = 0
        self.errors = 0
        # The sessions the batch being written indexed, for the extensions' hooks once it is written.
        self.indexed: list[int] = []
        self.last_beat = time.monotonic()
        self.cancelled = False

    def run(self) -> None:
        """Scan, and finish the job as succeeded or cancelled."""
        found, failed_folders = self._walk()
        if self.cancelled:
            return self._finish()
        stored = self._stored_files()
        found_paths = {item.path for item in found}
        missing = [row for path, row in stored.items()
                   if row.status != MISSING and path not in found_paths
                   and not is_under(path, failed_folders) and wanted(Path(path), self.backups)]
        vanished_companions = {row.session_pk for row in missing if row.status == COMPANION}
        to_read, still_failing = [], []
        for item in found:
            known = self._known_hash(item, stored, vanished_companions)
            if known is True:
                self.counts["unchanged"] += 1
                if stored[item.path].status == FAILED_FILE:
                    still_failing.append((item.path, f"{stored[item.path].error} (unchanged since an earlier scan)"))
            else:
                to_read.append((item, known))
        self.done = self.counts["unchanged"]
        # A broken file stays broken until it changes: each scan reports it again, without reading it again.
        self._progress(phase="reading", errors=still_failing)
        self._read(to_read)
        if not self.cancelled:
            self._mark_missing(missing)
        self._finish()

    def _walk(self) -> tuple[list[FoundFile], list[str]]:
        found, failed_folders, problems = [], [], []
        for item in walk([Path(real_path(p)) for p in self.paths], self.allowed_roots, self.backups):
            if isinstance(item, WalkProblem):
                problems.append((item.path, item.message))
                if item.folder:
                    failed_folders.append(item.path)
            elif isinstance(item, FoundFile):
                found.append(item)
            elif self._due():
                self._progress(total=len(found), current_item=item.path, phase="finding files", errors=problems)
                problems = []
                if self.cancelled:
                    break
        self.counts["found"] = len(found)
        self._progress(total=len(found), phase="finding files", errors=problems)
        return found, failed_folders

    def _stored_files(self) -> dict:
        columns = (ScannedFile.path, ScannedFile.size, ScannedFile.mtime_ns, ScannedFile.content_hash,
                   ScannedFile.session_pk, ScannedFile.status, ScannedFile.error)
        stored = {}
        for path in self.paths:
            rows = self.db_session.execute(select(*columns).where(or_(
                ScannedFile.path == path, ScannedFile.path.startswith(path.rstrip(os.sep) + os.sep, autoescape=True))))
            # LIKE ignores case in SQLite: keep the rows that really lie below the path.
            stored.update((row.path, row) for row in rows if is_under(row.path, [path]))
        return stored

    def _known_hash(self, item: FoundFile, stored: dict, vanished_companions: set):
        """True when the file is unchanged; else the content hash to compare (None: read it whatever it holds)."""
        row = stored.get(item.path)
        if self.reread or row is None or row.status == MISSING:
            return None
        if item.companion is not None:
            companion = stored.get(item.companion.path)
            if companion is None or companion.status != COMPANION or (
                    (companion.size, companion.mtime_ns) != (item.companion.size, item.companion.mtime_ns)):
                return None
        elif row.session_pk is not None and row.session_pk in vanished_companions:
            return None
        if (row.size, row.mtime_ns) == (item.size, item.mtime_ns):
            return True
        return row.content_hash if row.status == INDEXED and row.session_pk is not None else None

    def _read(self, to_read: list) -> None:
        with Readers(self.processes, self.read_seconds) as readers:
            for answers in readers.read(to_read, timeout=PROGRESS_SECONDS):
                for item, examined in answers:
                    self._add(item, examined)
                if len(self.batch) >= BATCH_SESSIONS or self._due():
                    self._flush()
                    if self.cancelled:
                        break
        self._flush()

    def _add(self, item: FoundFile, examined: Examined) -> None:
        self.batch.append((item, examined))
        self.current_item = item.path

    def _flush(self) -> None:
        batch, self.batch = self.batch, []
        if batch:
            self.indexed = []
            self._write(batch)
            self.errors = run_session_hooks(self.db_session, self.indexed, self.job_pk, self.errors)
            self._attach_bounces()
        self._progress(current_item=self.current_item)

    def _attach_bounces(self) -> None:
        config = current_app.config
        problems = attach_bounces(self.db_session, self.indexed, config["ATTACHMENT_DIR"],
                                  config["MAX_ATTACHMENT_BYTES"], self.started_by)
        if problems:
            with unit_of_work(self.db_session):
                self.errors = add_job_errors(self.db_session, self.job_pk, self.errors, problems)

    def _write(self, batch: list) -> None:
        """Ingest a batch's sessions and record its files in one unit of work; alone, a session that fails."""
        try:
            with unit_of_work(self.db_session):
                self._write_batch(batch)
        except IngestError as exc:
            if len(batch) > 1:
                for single in batch:
                    self._write([single])
                return
            item, examined = batch[0]
            with unit_of_work(self.db_session):
                self._write_batch([(item, Examined(item.path, examining.FAILED, examined.content_hash,
                                                   examined.extractor,
                                                   error=f"the index refused its session: {exc.message}"))])

    def _write_batch(self, batch: list) -> None:
        readable = [(item, examined) for item, examined in batch if examined.outcome == examining.INDEXED]
        sessions = [examined.session for _, examined in readable]
        result = ingest_sessions(self.db_session, sessions) if sessions else None
        session_pks = self._record_sessions(readable, result)
        self.indexed.extend(session_pks.values())
        self._record_files(batch, session_pks)
        errors = [(item.path, examined.error) for item, examined in batch if examined.outcome == examining.FAILED]
        self.errors = add_job_errors(self.db_session, self.job_pk, self.errors, errors)
        for _, examined in batch:
            self.counts[examined.outcome] += 1
        self.done += len(batch)

    def _record_sessions(self, readable: list, result) -> dict[str, int]:
        """Session pk by file path; the job's added and changed sessions; found sessions no longer missing."""
        if not readable:
            return {}
        fingerprints = {examined.session.fingerprint: item.path for item, examined in readable}
        rows = self.db_session.execute(select(Session.pk, Session.id, Session.fingerprint)
                                       .where(Session.fingerprint.in_(list(fingerprints)))).all()
        added = set(result.inserted)
        changes = [{"job_pk": self.job_pk, "session_pk": row.pk, "change": "added" if row.id in added else "updated"}
                   for row in rows]
        self.counts["added"] += len(added)
        self.counts["updated"] += len(rows) - len(added)
        self.db_session.execute(dialect_insert(self.db_session, JobSession.__table__).values(changes)
                                .on_conflict_do_nothing())
        pks = [row.pk for row in rows]
        self.db_session.execute(update(Session).where(Session.pk.in_(pks), Session.missing_at.is_not(None))
                                .values(missing_at=None))
        return {fingerprints[row.fingerprint]: row.pk for row in rows}

    def _record_files(self, batch: list, session_pks: dict[str, int]) -> None:
        now = utc_now()
        rows = []
        for item, examined in batch:
            if examined.outcome == examining.UNCHANGED:
                # Touched but the same content: it keeps its session and outcome, only its size and time change.
                self.db_session.execute(update(ScannedFile).where(ScannedFile.path == item.path).values(
                    size=item.size, mtime_ns=item.mtime_ns, scanned_at=now))
                continue
            session_pk = session_pks.get(item.path)
            rows.append({"path": item.path, "size": item.size, "mtime_ns": item.mtime_ns,
                         "content_hash": examined.content_hash, "session_pk": session_pk,
                         "extractor": examined.extractor, "status": examined.outcome, "error": examined.error,
                         "scanned_at": now, "job_pk": self.job_pk})
            if item.companion is not None and session_pk is not None:
                rows.append({"path": item.companion.path, "size": item.companion.size,
                             "mtime_ns": item.companion.mtime_ns, "content_hash": None, "session_pk": session_pk,
                             "extractor": "protools-text", "status": COMPANION, "error": None, "scanned_at": now,
                             "job_pk": self.job_pk})
        for chunk in chunked(rows, 500):
            statement = dialect_insert(self.db_session, ScannedFile.__table__).values(chunk)
            self.db_session.execute(statement.on_conflict_do_update(
                index_elements=["path"], set_={name: statement.excluded[name] for name in chunk[0] if name != "path"}))

    def _mark_missing(self, missing: list) -> None:
        with unit_of_work(self.db_session):
            self._record_missing(missing)

    def _record_missing(self, missing: list) -> None:
        now = utc_now()
        for chunk in chunked([row.path for row in missing]):
            self.db_session.execute(update(ScannedFile).where(ScannedFile.path.in_(chunk))
                                    .values(status=MISSING, scanned_at=now, job_pk=self.job_pk))
        sessions = sorted({row.session_pk for row in missing if row.status == INDEXED and row.session_pk is not None})
        for chunk in chunked(sessions):
            self.db_session.execute(update(Session).where(Session.pk.in_(chunk), Session.missing_at.is_(None))
                                    .values(missing_at=now))
            self.db_session.execute(dialect_insert(self.db_session, JobSession.__table__).values(
                [{"job_pk": self.job_pk, "session_pk": pk, "change": "missing"} for pk in chunk]
            ).on_conflict_do_nothing())
        self.counts["missing"] = len(missing)
        self.counts["missing_sessions"] = len(sessions)

    def _due(self) -> bool:
        return time.monotonic() - self.last_beat > PROGRESS_SECONDS

    def _progress(self, phase: str | None = None, errors: list[tuple[str, str]] = (), **fields) -> None:
        """Save progress, files and folders that could not be read, and the heartbeat; notice a cancel."""
        self.phase = phase or self.phase
        with unit_of_work(self.db_session):
            self.errors = add_job_errors(self.db_session, self.job_pk, self.errors, list(errors))
            cancel = report_progress(self.db_session, self.job_pk, result={**self.counts, "phase": self.phase},
                                     done=self.done, failed=self.errors, **fields)
        self.last_beat = time.monotonic()
        self.cancelled = self.cancelled or cancel

    def _finish(self) -> None:
        status, message = (CANCELLED, "Cancelled: the files read so far are indexed.") if self.cancelled else (
            SUCCEEDED, None)
        with unit_of_work(self.db_session):
            finish_job(self.db_session, self.job_pk, status, {**self.counts}, message, done=self.done,
                       failed=self.errors)


def run_scan(db_session, job, allowed_roots: list[Path], processes: int, read_seconds: float) -> None:
    """Run a claimed scan job to its end, reading in `processes` processes that may each spend `read_seconds` on a
    file; an unexpected error fails the job and is logged."""
    job_pk = job.pk
    try:
        ScanRun(db_session, job, allowed_roots, processes, read_seconds).run()
    except Exception as exc:
        log.exception("scan job %s failed", job_pk)
        unavailable = database_unavailable(exc)
        reason = (f"the database refused a write: {unavailable.message}" if unavailable
                  else f"an unexpected error: {exc}")
        with unit_of_work(db_session):
            finish_job(db_session, job_pk, FAILED, message=f"The scan stopped on {reason}")
