"""Helpers for scan tests: real session files copied into trees the tests build."""
import shutil
from pathlib import Path

import pytest

from app.database import unit_of_work
from app.extensions import db
from app.models import Job
from app.scanning import run_job, start_scan
from tests.extractors.conftest import corpus  # noqa: F401  (the fixture, for the scan tests too)


@pytest.fixture
def app_config():
    """One reading process: the tests' trees are small."""
    return {"SCAN_PROCESSES": 1}


def copy(source: Path, target: Path) -> Path:
    """Copy a session file to `target`, making its folders."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def scan(*paths, backups=False) -> Job:
    """Run a scan of `paths` to its end in this process, as a worker would; the finished job."""
    with unit_of_work():
        job = start_scan(db.session, [str(p) for p in paths], [], "tests", backups)
    run_job(job.pk)
    db.session.expire_all()
    return db.session.get(Job, job.pk)
