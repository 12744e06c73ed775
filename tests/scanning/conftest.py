"""Helpers for scan tests: real session files copied into trees the tests build, and the commands as processes."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
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


COMMAND = [sys.executable, "-m", "app.cli"]


@pytest.fixture
def environment(tmp_path):
    """Settings for commands run as processes: an instance folder of their own with a migrated SQLite database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSION_STATS_")}
    env.update(SESSION_STATS_INSTANCE_PATH=str(tmp_path / "instance"), SESSION_STATS_SCAN_PROCESSES="1")
    subprocess.run([*COMMAND, "setup"], env=env, check=True, capture_output=True)
    return env


def state(env):
    """The app those commands use, to look at its database."""
    return create_app({"INSTANCE_PATH": env["SESSION_STATS_INSTANCE_PATH"]})


def with_example_extension(env: dict, folder: Path) -> dict:
    """The settings `env` with the example extension installed for the commands (it reads `.slow` files slowly)."""
    info = folder / "site" / "session_stats_example-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: session-stats-example\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[session_stats.extensions]\nexample = session_stats_example\n")
    example = Path(__file__).resolve().parents[1] / "extension_example"
    return {**env, "PYTHONPATH": os.pathsep.join([str(folder / "site"), str(example), env.get("PYTHONPATH", "")])}
