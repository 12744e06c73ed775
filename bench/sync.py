"""Pulling from a remote: a sync of SESSIONS generated sessions from a real server, against ingesting them here.

Run with `make bench-sync`. Fills server A (SQLite) with SESSIONS generated sessions and runs it as `session-stats
serve` in a process of its own, as a remote is; then, in this process, ingests the same sessions into a fresh index
in batches of 500 (the local rate: the ingest service alone, and with the JSON parsing and validation an API ingest
adds), and pulls them from A into another with a sync job (the pull rate). Then syncs A again, unchanged, and
counts the requests. Writes its section of bench/RESULTS.md.
"""
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from app import create_app
from app.credentials import keyring
from app.config import SQLITE_FILENAME
from app.database import unit_of_work, upgrade_database
from app.extensions import db
from app.gc_pause import gc_paused
from app.remote.sync import PAGE_SIZE, run_sync, start_sync
from app.sample_data import generate_sessions
from app.services.ingest import ingest_sessions
from app.services.jobs import claim_job
from app.services.remote_sources import add_source, get_source
from app.services.tokens import create_token
from app.wire import SessionStatsSession
from bench.results import write_section

SESSIONS = int(os.environ.get("BENCH_SESSIONS", 10_000))
BATCH = 500
PORT = 5931
HERE = Path(__file__).resolve().parent
FOLDER = HERE / "data" / "sync"


def fresh_app(name: str, **settings):
    """An app on a new SQLite file in FOLDER/name."""
    instance = FOLDER / name
    instance.mkdir(parents=True)
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{instance / SQLITE_FILENAME}",
                      "BACKUP_INTERVAL_HOURS": 0, "CHANGE_MARGIN_SECONDS": 0, "REMOTE_REQUESTS_PER_SECOND": 1000,
                      **settings})
    with app.app_context():
        upgrade_database()
    return app


def ingest_all(app, sessions) -> float:
    """Ingest `sessions` in batches; the seconds it took."""
    started = time.perf_counter()
    with app.app_context():
        for first in range(0, len(sessions), BATCH):
            with unit_of_work():
                ingest_sessions(db.session, sessions[first:first + BATCH])
    return time.perf_counter() - started


def sync_once(app, name: str) -> tuple[dict, float]:
    """Run one sync of the source in this process; its summary and the seconds it took."""
    with app.app_context():
        with unit_of_work():
            job, _ = start_sync(db.session, get_source(db.session, name), "bench")
            job = claim_job(db.session, job.pk)
        started = time.perf_counter()
        summary = run_sync(db.session, job)
        return summary, time.perf_counter() - started


def serving(folder: Path, port: int) -> subprocess.Popen:
    """`session-stats serve` on the instance in `folder`, once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSION_STATS_")}
    env |= {"SESSION_STATS_INSTANCE_PATH": str(folder), "SESSION_STATS_BACKUP_INTERVAL_HOURS": "0"}
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the remote server did not start: see its server.log")


def main():
    shutil.rmtree(FOLDER, ignore_errors=True)
    generated = list(generate_sessions(SESSIONS))
    remote = fresh_app("a")
    ingest_all(remote, [SessionStatsSession.model_validate(s) for s in generated])
    with remote.app_context(), unit_of_work():
        _, token = create_token(db.session, "bench", "viewer")
        db.engine.dispose()
    server = serving(FOLDER / "a", PORT)
    try:
        started = time.perf_counter()
        with gc_paused():
            sessions = [SessionStatsSession.model_validate(s) for s in json.loads(json.dumps(generated))]
        validation = time.perf_counter() - started
        local = ingest_all(fresh_app("local"), sessions)
        puller = fresh_app("b")
        with puller.app_context(), unit_of_work():
            add_source(db.session, keyring(puller), "a", f"http://127.0.0.1:{PORT}", token, created_by="bench")
        pulled, seconds = sync_once(puller, "a")
        if pulled["added"] != SESSIONS:
            raise RuntimeError(f"the pull brought {pulled['added']} sessions, not {SESSIONS:,}: {pulled}")
        again, again_seconds = sync_once(puller, "a")
    finally:
        server.terminate()
        server.wait(timeout=30)

    service_rate, api_rate, pull_rate = SESSIONS / local, SESSIONS / (local + validation), pulled["added"] / seconds
    lines = [
        f"`make bench-sync` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}), SQLite on "
        f"both sides, the remote a `session-stats serve` of its own; {SESSIONS:,} generated sessions.",
        "",
        "| | seconds | sessions/s | pull vs. it |",
        "|---|---:|---:|---:|",
        f"| local ingest service, batches of {BATCH} | {local:.1f} | {service_rate:,.0f} | "
        f"{pull_rate / service_rate:.2f} |",
        f"| local ingest with JSON parsing and validation (as the API) | {local + validation:.1f} | {api_rate:,.0f} | "
        f"{pull_rate / api_rate:.2f} |",
        f"| pull from the remote (a sync job) | {seconds:.1f} | {pull_rate:,.0f} | |",
        "",
        f"The pull took {pulled['requests']} requests (pages of {PAGE_SIZE}, the next fetched while one lands). A "
        f"second sync of the unchanged remote made {again['requests']} requests, transferred "
        f"{again['added'] + again['updated']} sessions and took {again_seconds * 1000:.0f} ms.",
    ]
    write_section("Pulling from a remote", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
