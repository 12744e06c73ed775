"""Sync jobs: pull a remote source's sessions that changed since its last sync through `ingest_sessions`, and mark
those gone from it; local edits survive, as they do for a file read again."""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote

from flask import current_app
from pydantic import ValidationError
from sqlalchemy import func, select, update

from app.credentials import CredentialError, keyring
from app.database import unit_of_work
from app.extensions import db, jobs
from app.gc_pause import gc_paused
from app.models import Job, JobSession, RemoteSource, Session
from app.models.job import CANCELLED, FAILED, SUCCEEDED, SYNC, UNFINISHED
from app.models.types import utc_now
from app.normalize import iso_utc
from app.remote.client import ClientSettings, RemoteClient, RemoteError, RemoteRefused
from app.services.audit import Actor, record
from app.services.bulk import chunked, dialect_insert
from app.services.derived import live_change
from app.services.ingest import IngestError, ingest_sessions
from app.services.jobs import add_job_errors, create_job, finish_job, report_progress
from app.services.remote_sources import source_token, sources_due
from app.services.webhooks import emit
from app.wire import MAX_SOURCES, SessionStatsSession

PAGE_SIZE = 500
GONE_PAGE_SIZE = 5000
CHECK_TIMEOUT = 10


def imported_fingerprint(source: RemoteSource, remote_id: str) -> str:
    """The fingerprint a session from `source` is kept under here: the source and its id there."""
    return f"remote {source.pk}|{remote_id}"


def start_sync(db_session, source: RemoteSource, started_by: str) -> tuple[Job, bool]:
    """Queue a sync of `source`; the job, and False when one was queued or running already (that one)."""
    if source.last_job_pk is not None:
        running = db_session.get(Job, source.last_job_pk)
        if running is not None and running.status in UNFINISHED:
            return running, False
    job = create_job(db_session, SYNC, {"source": source.name, "source_pk": source.pk}, started_by)
    source.last_job_pk = job.pk
    return job, True


SCHEDULE = Actor("schedule")


def queue_due_syncs_now() -> list[int]:
    """The periodic task: queue a sync of each scheduled source whose time has come; the jobs queued."""
    queued = []
    with unit_of_work():
        for source in sources_due(db.session, utc_now()):
            job, new = start_sync(db.session, source, SCHEDULE.name)
            if new:
                record(db.session, SCHEDULE, "source.sync_started", source.name, {"job": job.pk})
                queued.append(job.pk)
    for job_pk in queued:
        jobs.enqueue(job_pk)
    return queued


class Sync:
    """One run of a sync job."""

    def __init__(self, db_session, job: Job, settings: ClientSettings):
        self.db_session = db_session
        self.job = job
        self.settings = settings
        self.source = db_session.get(RemoteSource, job.params["source_pk"])
        self.counts = {"added": 0, "updated": 0, "unchanged": 0, "gone": 0, "failed": 0, "skipped": 0}
        self.errors = 0
        self.cancelled = False
        # What the run leaves for the source: its breaker's state, and the moment the next sync asks from.
        self.breaker_state = self.source.breaker_state
        self.synced_until = None

    def run(self, token: str) -> tuple[str, str | None]:
        """Pull and land everything; the job's status and message."""
        source = self.source
        since = source.synced_until
        before = self._imported()
        with RemoteClient(source.name, source.base_url, token, self.settings) as client:
            try:
                served = [self._mark_gone(client, since), self._pull(client, since)]
            except RemoteError as exc:
                self._error(f"{source.base_url}/api/session-stats", exc.message)
                return FAILED, f"The sync stopped: {exc.message} What arrived before is kept; the next sync " \
                               "asks again for everything since the last complete one."
            finally:
                self.counts["requests"] = client.requests
                self.breaker_state = client.breaker.current_state
        if self.cancelled:
            return CANCELLED, "Cancelled: what arrived before is kept."
        self.counts["unchanged"] = max(0, before - self.counts["updated"] - self.counts["gone"])
        self.synced_until = min(moment for moment in served if moment is not None) if all(served) else None
        return SUCCEEDED, None

    def _imported(self) -> int:
        return self.db_session.scalar(select(func.count()).select_from(Session).where(
            Session.remote_source_pk == self.source.pk, Session.deleted_at.is_(None),
            Session.gone_at_source_at.is_(None)))

    def _query(self, since: datetime | None, limit: int, narrowed: bool = False) -> dict:
        query = {"limit": limit, **(self.source.filters if narrowed else {})}
        if since is not None:
            query["updatedSince"] = iso_utc(since)
        return query

    def _pages(self, client: RemoteClient, path: str, query: dict, key: str):
        """Each page's list under `key` with the page's servedAt; the next page is fetched while this one lands."""
        with ThreadPoolExecutor(max_workers=1) as ahead:
            coming = ahead.submit(client.get_json, path, query)
            while True:
                page = coming.result()
                if not isinstance(page.get(key), list):
                    raise RemoteRefused(f"{self.source.base_url} answered {path} without a list of {key}: it is not "
                                        "a Session Stats server (or a much older one).")
                cursor = page.get("nextCursor")
                if cursor and not self.cancelled:
                    coming = ahead.submit(client.get_json, path, query | {"cursor": cursor})
                yield page[key], _moment(page.get("servedAt"))
                if not cursor or self.cancelled:
                    return

    def _mark_gone(self, client: RemoteClient, since) -> datetime | None:
        first_served = None
        for gone, served in self._pages(client, "/api/session-stats/gone", self._query(since, GONE_PAGE_SIZE),
                                        "gone"):
            first_served = first_served or served
            fingerprints = [imported_fingerprint(self.source, item["id"]) for item in gone
                            if isinstance(item, dict) and isinstance(item.get("id"), str)]
            with unit_of_work(self.db_session):
                pks = [pk for chunk in chunked(fingerprints) for pk in self.db_session.scalars(select(Session.pk).where(
                    Session.fingerprint.in_(chunk), Session.gone_at_source_at.is_(None)))]
                with live_change(self.db_session, pks):
                    for chunk in chunked(pks):
                        self.db_session.execute(update(Session).where(Session.pk.in_(chunk))
                                                .values(gone_at_source_at=utc_now()))
                self.counts["gone"] += len(pks)
        return first_served

    def _pull(self, client: RemoteClient, since) -> datetime | None:
        first_served = None
        for number, (sessions, served) in enumerate(self._pages(
                client, "/api/session-stats", self._query(since, PAGE_SIZE, narrowed=True), "sessions"), start=1):
            first_served = first_served or served
            ingested_at = iso_utc(utc_now())
            with gc_paused():
                self._land([self._wire(raw, ingested_at) for raw in sessions])
            done = sum(self.counts[name] for name in ("added", "updated", "failed", "skipped"))
            with unit_of_work(self.db_session):
                self.cancelled = report_progress(self.db_session, self.job.pk, done=done, total=done,
                                                 failed=self.counts["failed"], current_item=f"page {number}")
        return first_served

    def _wire(self, raw, ingested_at: str) -> SessionStatsSession | None:
        """A remote session as it lands here, or None (skipped or failed, and counted so)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            self._failed("(a session without an id)", "The remote sent a session without an id.")
            return None
        remote_id = raw["id"]
        sources = raw.get("sources") if isinstance(raw.get("sources"), list) else []
        if any(isinstance(s, dict) and s.get("type") == "import" for s in sources):
            # It came to the remote from elsewhere: taken from where it was made, not second-hand.
            self.counts["skipped"] += 1
            return None
        data = {key: value for key, value in raw.items() if key != "id"}
        data["fingerprint"] = imported_fingerprint(self.source, remote_id)
        data["sources"] = [{"type": "import", "path": f"{self.source.base_url}/api/session-stats/{quote(remote_id)}",
                            "ingestedAt": ingested_at}, *sources[:MAX_SOURCES - 1]]
        try:
            return SessionStatsSession.model_validate(data)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            self._failed(remote_id, f"The remote's session does not fit the wire format here: {where}: "
                                    f"{problem['msg']}.")
            return None

    def _land(self, sessions: list) -> None:
        sessions = [s for s in sessions if s is not None]
        try:
            self._ingest(sessions)
        except IngestError:
            # One of them cannot be taken: land the others one by one, and say which.
            for session in sessions:
                try:
                    self._ingest([session])
                except IngestError as exc:
                    self._failed(session.fingerprint.partition("|")[2], exc.message)

    def _ingest(self, sessions: list[SessionStatsSession]) -> None:
        if not sessions:
            return
        with unit_of_work(self.db_session):
            result = ingest_sessions(self.db_session, sessions)
            added = set(result.inserted)
            for chunk in chunked([s.fingerprint for s in sessions]):
                rows = self.db_session.execute(select(Session.pk, Session.id).where(
                    Session.fingerprint.in_(chunk))).all()
                self.db_session.execute(update(Session).where(Session.pk.in_([row.pk for row in rows])).values(
                    remote_source_pk=self.source.pk, gone_at_source_at=None))
                # What the sync added or changed, for the list of its sessions.
                self.db_session.execute(dialect_insert(self.db_session, JobSession.__table__).values([
                    {"job_pk": self.job.pk, "session_pk": row.pk, "change": "added" if row.id in added else "updated"}
                    for row in rows]).on_conflict_do_nothing())
        self.counts["added"] += len(result.inserted)
        self.counts["updated"] += len(result.updated)

    def _failed(self, what: str, message: str) -> None:
        self.counts["failed"] += 1
        self._error(what, message)

    def _error(self, what: str, message: str) -> None:
        with unit_of_work(self.db_session):
            self.errors = add_job_errors(self.db_session, self.job.pk, self.errors, [(what, message)])


def _moment(text) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if isinstance(text, str) else None
    except ValueError:
        return None


def run_sync(db_session, job: Job) -> dict:
    """Run a claimed sync job to its end; its summary (added, updated, unchanged, gone, failed, requests)."""
    sync = Sync(db_session, job, ClientSettings.from_config(current_app.config))
    source = sync.source
    try:
        status, message = sync.run(source_token(keyring(current_app), source))
    except CredentialError as exc:
        status, message = FAILED, str(exc)
    now = utc_now()
    with unit_of_work(db_session):
        source = db_session.get(RemoteSource, source.pk)
        source.breaker_state = sync.breaker_state
        source.last_sync_at = now
        if status == SUCCEEDED:
            source.synced_until = sync.synced_until or source.synced_until
        if status == FAILED:
            source.last_error, source.last_error_at = message, now
        finish_job(db_session, job.pk, status, result=sync.counts, message=message,
                   failed=sync.counts["failed"])
        emit(db_session, "sync.finished", {"source": source.name, "status": status, **sync.counts})
    return sync.counts


def check_connection(source: RemoteSource, settings: ClientSettings) -> tuple[bool, str]:
    """Ask the source for one session: whether it works, and what was found (or what is wrong) in plain words."""
    try:
        token = source_token(keyring(current_app), source)
    except CredentialError as exc:
        return False, str(exc)
    # Someone waits for the answer: one try, and not longer than CHECK_TIMEOUT.
    quick = replace(settings, retries=0, timeout=min(settings.timeout, CHECK_TIMEOUT))
    with RemoteClient(source.name, source.base_url, token, quick) as client:
        try:
            page = client.get_json("/api/session-stats", {"limit": 1})
        except RemoteError as exc:
            return False, exc.message
    if not isinstance(page.get("sessions"), list) or "servedAt" not in page:
        return False, (f"{source.base_url} answered, but not as a Session Stats server that can sync (no "
                       "sessions and servedAt in its answer): is it this software, and up to date?")
    last = page.get("lastIngestedAt")
    return True, (f"Connected: {client.host} answers as a Session Stats server"
                  + (f", last ingest {last}." if last else ", with nothing indexed yet."))
