"""Pulling from a remote: a sync of SESSIONS generated sessions from a real server, against ingesting them here.

Run with `make bench-sync`. Serves server A (SQLite, waitress, eight threads) with SESSIONS generated sessions,
then on server B (another SQLite file): ingests the same sessions directly in batches of 500 (the local rate),
and pulls them from A with a sync job (the pull rate). Then syncs A again, unchanged, and counts the requests.
Writes its section of bench/RESULTS.md.
"""
import os
import platform
import shutil
import threading
import time
from pathlib import Path

from waitress.server import create_server

from app import create_app
from app.credentials import keyring
from app.database import unit_of_work, upgrade_database
from app.extensions import db
from app.remote.sync import run_sync, start_sync
from app.sample_data import generate_sessions
from app.services.ingest import ingest_sessions
from app.services.jobs import claim_job
from app.services.remote_sources import add_source, get_source
from app.services.tokens import create_token
from app.wire import SessionStatsSession
from bench.results import write_section

SESSIONS = int(os.environ.get("BENCH_SESSIONS", 10_000))
BATCH = 500
HERE = Path(__file__).resolve().parent
FOLDER = HERE / "data" / "sync"


def fresh_app(name: str, **settings):
    """An app on a new SQLite file in FOLDER/name."""
    instance = FOLDER / name
    instance.mkdir(parents=True)
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'index.db'}",
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


def main():
    shutil.rmtree(FOLDER, ignore_errors=True)
    generated = generate_sessions(SESSIONS)
    sessions = [SessionStatsSession.model_validate(s) for s in generated]
    remote = fresh_app("a")
    ingest_all(remote, sessions)
    with remote.app_context(), unit_of_work():
        _, token = create_token(db.session, "bench", "viewer")
    server = create_server(remote, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"

    local = ingest_all(fresh_app("local"), sessions)
    puller = fresh_app("b")
    with puller.app_context(), unit_of_work():
        add_source(db.session, keyring(puller), "a", url, token, created_by="bench")
    pulled, seconds = sync_once(puller, "a")
    again, again_seconds = sync_once(puller, "a")
    server.close()

    local_rate, pull_rate = SESSIONS / local, pulled["added"] / seconds
    lines = [
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite on both sides; "
        f"{SESSIONS:,} generated sessions.",
        "",
        "| | sessions | seconds | sessions/s |",
        "|---|---:|---:|---:|",
        f"| local ingest, batches of {BATCH} | {SESSIONS:,} | {local:.1f} | {local_rate:,.0f} |",
        f"| pull from a remote (sync job) | {pulled['added']:,} | {seconds:.1f} | {pull_rate:,.0f} |",
        "",
        f"The pull runs at {pull_rate / local_rate:.2f} of the local ingest rate, in {pulled['requests']} requests "
        f"(pages of 500). A second sync of the unchanged remote made {again['requests']} requests, transferred "
        f"{again['added'] + again['updated']} sessions and took {again_seconds * 1000:.0f} ms.",
    ]
    write_section("Pulling from a remote", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
