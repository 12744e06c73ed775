"""How the integrations are doing: each source's syncs and errors, for its page and the overview's panel."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, case, func, select

from app.models import Job, RemoteSource
from app.models.job import FAILED, SYNC

RECENT = timedelta(hours=24)
# The source a sync job pulls, as its parameters name it.
SYNC_SOURCE = Job.params["source_pk"].as_integer()


def recent_sync_jobs(db_session, source_pk: int, limit: int = 10) -> list[Job]:
    """The source's newest sync jobs."""
    return list(db_session.scalars(select(Job).where(Job.kind == SYNC, SYNC_SOURCE == source_pk)
                                   .order_by(Job.pk.desc()).limit(limit)))


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
    errors = dict(db_session.execute(
        select(SYNC_SOURCE, func.sum(Job.failed + case((Job.status == FAILED, 1), else_=0).cast(Integer)))
        .where(Job.kind == SYNC, Job.created_at >= now - RECENT, SYNC_SOURCE.in_([s.pk for s in sources]))
        .group_by(SYNC_SOURCE)).all())
    last_jobs = {job.pk: job for job in db_session.scalars(select(Job).where(
        Job.pk.in_([s.last_job_pk for s in sources if s.last_job_pk])))}
    return [SourceHealth(s, errors.get(s.pk) or 0, last_jobs.get(s.last_job_pk)) for s in sources]
