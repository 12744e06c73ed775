"""Scans queued on huey and run by a consumer, on SqliteHuey and on RedisHuey."""
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.database import unit_of_work
from app.extensions import db, jobs
from app.models import Job, Session
from app.models.types import utc_now
from app.scanning import start_scan
from app.services.jobs import claim_job, create_job, fail_abandoned_jobs
from tests.extractors.conftest import CORPUS


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def app_config(request):
    """The job queue in the instance folder's SQLite file, or in Redis under a name of this test's own."""
    if request.param == "redis-queue":
        return {"REDIS_URL": request.getfixturevalue("redis_url"), "JOB_QUEUE_NAME": f"test-{uuid.uuid4().hex}",
                "SCAN_PROCESSES": 1}
    return {"SCAN_PROCESSES": 1}


def finished(job_pk: int, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # a new transaction sees what the worker committed since
        job = db.session.get(Job, job_pk)
        if job.finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_pk} did not finish: {job.status}, {job.done} of {job.total}")


def test_a_queued_scan_of_the_corpus_runs_on_a_consumer_and_a_rescan_skips_everything(app, corpus):
    corpus("rpp/exvertus_track2.rpp")  # skips when the corpus is absent
    with app.app_context():
        consumer = jobs.start_consumer(app)
        try:
            with unit_of_work():
                first = start_scan(db.session, [str(CORPUS)], [], "tests")
            jobs.enqueue(first.pk)
            first = finished(first.pk)
            with unit_of_work():
                second = start_scan(db.session, [str(CORPUS)], [], "tests")
            jobs.enqueue(second.pk)
            second = finished(second.pk)
        finally:
            consumer.stop(graceful=True)
        assert first.status == "succeeded" and first.worker and first.started_at and first.finished_at
        assert first.result["added"] == db.session.scalar(select(func.count()).select_from(Session)) > 20
        assert second.status == "succeeded"
        assert second.result["unchanged"] == first.result["found"] == second.done


def test_a_job_cancelled_while_queued_is_not_run(app, corpus):
    corpus("rpp/exvertus_track2.rpp")  # skips when the corpus is absent
    with app.app_context():
        from app.services.jobs import request_cancel
        with unit_of_work():
            job = start_scan(db.session, [str(CORPUS)], [], "tests")
        with unit_of_work():
            request_cancel(db.session, job.pk)
        jobs.enqueue(job.pk)
        consumer = jobs.start_consumer(app)
        try:
            with unit_of_work():
                marker = create_job(db.session, "scan", {"paths": [str(CORPUS / "rpp")], "backups": False}, "tests")
            jobs.enqueue(marker.pk)
            finished(marker.pk)
        finally:
            consumer.stop(graceful=True)
        db.session.expire_all()
        assert db.session.get(Job, job.pk).status == "cancelled"
        assert db.session.get(Job, job.pk).started_at is None


def test_running_jobs_whose_worker_fell_silent_are_failed(app):
    with app.app_context():
        with unit_of_work():
            job = create_job(db.session, "scan", {"paths": ["/nowhere"]}, "tests")
        with unit_of_work():
            claim_job(db.session, job.pk)
        with unit_of_work():
            assert fail_abandoned_jobs(db.session) == 0
        with unit_of_work():
            assert fail_abandoned_jobs(db.session, now=utc_now() + timedelta(minutes=3)) == 1
        assert job.status == "failed" and "stopped without finishing" in job.message
