"""How the integrations are doing: each source's syncs and errors, for its page and the overview's panel."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.models import Job, RemoteSource
from app.models.job import FAILED, SYNC

RECENT = timedelta(hours=24)
# Sync jobs looked at for the panel: far more than a day of syncs every minute from a few sources.
RECENT_JOBS = 2000


def recent_sync_jobs(db_session, source_pk: int, limit: int = 10) -> list[Job]:
    """The source's newest sync jobs."""
    jobs = db_session.scalars(select(Job).where(Job.kind == SYNC).order_by(Job.pk.desc()).limit(RECENT_JOBS))
    return [job for job in jobs if job.params.get("source_pk") == source_pk][:limit]


@dataclass
class SourceHealth:
    """A source as the overview shows it."""

    source: RemoteSource
    errors: int
    last_job: Job | None


def sources_health(db_session, now: datetime) -> list[SourceHealth]:
    """Each current source with its errors in the last 24 hours (failed syncs, and sessions that failed to land)
    and its last sync job."""
    sources = list(db_session.scalars(select(RemoteSource).where(RemoteSource.removed_at.is_(None))
                                      .order_by(RemoteSource.name)))
    if not sources:
        return []
    errors = dict.fromkeys((s.pk for s in sources), 0)
    for job in db_session.scalars(select(Job).where(Job.kind == SYNC, Job.created_at >= now - RECENT)
                                  .order_by(Job.pk.desc()).limit(RECENT_JOBS)):
        source_pk = job.params.get("source_pk")
        if source_pk in errors:
            errors[source_pk] += job.failed + (job.status == FAILED)
    last_jobs = {job.pk: job for job in db_session.scalars(select(Job).where(
        Job.pk.in_([s.last_job_pk for s in sources if s.last_job_pk])))}
    return [SourceHealth(s, errors[s.pk], last_jobs.get(s.last_job_pk)) for s in sources]
