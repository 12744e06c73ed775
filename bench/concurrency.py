"""Many writers at once: eight clients against a real server, and how long writes waited for the write lock.

Run with `make bench-concurrency`. Serves a fresh SQLite index of SEEDED generated sessions with waitress
(eight threads, as `session-stats serve`), then runs eight clients at once for REQUESTS requests each: four
ingesting batches of five sessions through the API, one editing metadata through the API, two editors adding
tags to the same session from the dashboard, and one reader listing sessions with a token (which notes the
token's use on the side), while a scan of generated REAPER files runs on the server's consumer. With
BENCH_DATABASE_URL (a PostgreSQL URL of an empty database) it runs the same against PostgreSQL.

Reports answers by status, each kind of request's latency, and the time each write spent waiting for the
write lock (SQLite's BEGIN IMMEDIATE). Writes its section of bench/RESULTS.md.
"""
import os
import platform
import shutil
import sqlite3
import statistics
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests
from bs4 import BeautifulSoup
from sqlalchemy import event, text
from waitress.server import create_server

from app import create_app
from app.database import WriteTurns, unit_of_work, upgrade_database
from app.extensions import db, jobs
from app.sample_data import generate_sessions
from app.services.accounts import create_user
from app.services.derived import check_derived
from app.services.ingest import ingest_sessions
from app.services.tokens import create_token
from app.wire import SessionStatsSession
from bench.results import write_section

SEEDED = int(os.environ.get("BENCH_SEEDED", 2_000))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 60))
SCAN_FILES = 200
PASSWORD = "bench password of some length"
HERE = Path(__file__).resolve().parent
FOLDER = HERE / "data" / "concurrency"
REAPER = '<REAPER_PROJECT 0.1 "7.0/linux64" 0\n  <TRACK\n    NAME "Take {n}"\n    <FXCHAIN\n' \
         '      <VST "VST3: Pro-Q 3 (FabFilter)" ProQ3.vst3 0 "" 0<00> ""\n      >\n    >\n  >\n>\n'


class LockWaits:
    """How long each write waited for the write lock: for its turn among this process's writers, then for SQLite's
    lock (BEGIN IMMEDIATE)."""

    def __init__(self, engine):
        self.waits, self.started = [], threading.local()
        taking = WriteTurns.take

        def timed_take(turns, timeout):
            self.started.at = time.perf_counter()
            return taking(turns, timeout)

        WriteTurns.take = timed_take
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, _connection, _cursor, statement, *_):
        if statement == "BEGIN IMMEDIATE" and getattr(self.started, "at", None) is None:
            self.started.at = time.perf_counter()

    def after(self, _connection, _cursor, statement, *_):
        if statement == "BEGIN IMMEDIATE":
            self.waits.append(time.perf_counter() - self.started.at)
            self.started.at = None


def prepared_app():
    """An app on a fresh index of SEEDED sessions, an archive of REAPER files, an admin, editors and tokens."""
    shutil.rmtree(FOLDER, ignore_errors=True)
    archive = FOLDER / "archive"
    archive.mkdir(parents=True)
    for n in range(SCAN_FILES):
        (archive / f"take-{n}.rpp").write_text(REAPER.format(n=n))
    app = create_app({"INSTANCE_PATH": str(FOLDER), "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL"),
                      "ARCHIVE_ROOTS": str(archive), "API_WRITE_LIMIT": "100000 per minute",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_database()
        sessions = [SessionStatsSession.model_validate(s) for s in generate_sessions(SEEDED, seed=3)]
        for start in range(0, len(sessions), 500):
            with unit_of_work():
                ingest_sessions(db.session, sessions[start:start + 500])
        with unit_of_work():
            for name in ("admin", "editor1", "editor2"):
                create_user(db.session, name, "admin" if name == "admin" else "editor", PASSWORD,
                            hash_method=app.config["PASSWORD_HASH_METHOD"])
            tokens = {role: create_token(db.session, f"bench {role}", role)[1] for role in ("editor", "viewer")}
    return app, archive, tokens


def browser(base, username):
    session = requests.Session()
    form = BeautifulSoup(session.get(f"{base}/login").text, "html.parser")
    session.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                        "csrf_token": form.select_one('input[name="csrf_token"]')["value"]})
    page = BeautifulSoup(session.get(f"{base}/settings").text, "html.parser")
    session.headers["X-CSRFToken"] = page.select_one('meta[name="csrf-token"]')["content"]
    return session


def run_clients(base, archive, tokens, session_ids):
    """Eight clients at once; (kind, status, seconds) of every request."""
    answers, lock = [], threading.Lock()
    batches = iter(generate_sessions(4 * REQUESTS * 5, seed=99))
    batch_lock = threading.Lock()

    def timed(kind, call):
        started = time.perf_counter()
        response = call()
        with lock:
            answers.append((kind, response.status_code, time.perf_counter() - started))
        return response

    def ingester():
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {tokens['editor']}"
        for _ in range(REQUESTS):
            with batch_lock:
                sessions = [next(batches) for _ in range(5)]
            timed("ingest (5 sessions)", lambda: api.post(f"{base}/api/session-stats", json={
                "action": "ingestSessions", "payload": {"sessions": sessions}}))

    def metadata():
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {tokens['editor']}"
        for n in range(REQUESTS):
            timed("metadata PATCH", lambda: api.patch(f"{base}/api/sessions/{session_ids[n % 50]}/metadata",
                                                      json={"user_note": f"note {n}", "is_favorite": n % 2 == 0}))

    def tagger(name):
        page = browser(base, name)
        for n in range(REQUESTS):
            timed("tag from the dashboard", lambda: page.patch(f"{base}/sessions/{session_ids[0]}/tags",
                                                               data={"add": f"{name}-{n}"},
                                                               headers={"HX-Request": "true"}))

    def reader():
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {tokens['viewer']}"
        for n in range(REQUESTS):
            timed("read (token)", lambda: api.get(f"{base}/api/sessions/", params={"limit": 50, "offset": n * 50}))

    admin = browser(base, "admin")
    form = BeautifulSoup(admin.get(f"{base}/scans/").text, "html.parser")
    timed("scan start", lambda: admin.post(f"{base}/scans/", allow_redirects=False, data={
        "csrf_token": form.select_one('input[name="csrf_token"]')["value"], "roots": str(archive)}))
    clients = [threading.Thread(target=ingester) for _ in range(4)] + [
        threading.Thread(target=metadata), threading.Thread(target=tagger, args=("editor1",)),
        threading.Thread(target=tagger, args=("editor2",)), threading.Thread(target=reader)]
    started = time.perf_counter()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return answers, time.perf_counter() - started


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main():
    app, archive, tokens = prepared_app()
    with app.app_context():
        waits = LockWaits(db.engine)
        session_ids = db.session.scalars(text("SELECT id FROM sessions ORDER BY pk LIMIT 50")).all()
        dialect = db.engine.dialect.name
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    consumer = jobs.start_consumer(app)
    try:
        answers, elapsed = run_clients(f"http://127.0.0.1:{server.effective_port}", archive, tokens, session_ids)
        time.sleep(1)
    finally:
        consumer.stop(graceful=True)
        server.close()
    with app.app_context():
        drift = check_derived(db.session)
        integrity = db.session.execute(text("PRAGMA integrity_check")).scalar() if dialect == "sqlite" else "n/a"

    statuses = Counter(status for _, status, _ in answers)
    by_kind = defaultdict(list)
    for kind, _, seconds in answers:
        by_kind[kind].append(seconds)
    lines = [f"`make bench-concurrency` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}, "
             f"{dialect}{' ' + sqlite3.sqlite_version if dialect == 'sqlite' else ''}). An index of {SEEDED:,} "
             f"generated sessions served by waitress with 8 threads; 8 clients at once ({REQUESTS} requests each: "
             "4 ingesting 5 sessions a request, 1 editing metadata, 2 adding tags to one session from the dashboard, "
             f"1 reading 50 sessions with stats a request) while a scan of {SCAN_FILES} REAPER files runs on the "
             "server's consumer.",
             "",
             f"{len(answers):,} requests in {elapsed:.1f} s; answers: "
             + ", ".join(f"{count:,} × {status}" for status, count in sorted(statuses.items()))
             + f". Server errors (5xx): {sum(c for s, c in statuses.items() if s >= 500)}. After the run: integrity "
               f"check {integrity}, {len(drift)} maintained figures differing from a recount.",
             "",
             "| request | n | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
    for kind, seconds in sorted(by_kind.items()):
        lines.append(f"| {kind} | {len(seconds)} | {statistics.median(seconds) * 1000:.1f} | "
                     f"{percentile(seconds, 0.95) * 1000:.1f} | {max(seconds) * 1000:.1f} |")
    if waits.waits:
        lines += ["", f"Wait for the write lock (a turn among the server's writers, then BEGIN IMMEDIATE), "
                      f"{len(waits.waits):,} units of work (requests, the scan's batches and progress, side writes): "
                      f"p50 {statistics.median(waits.waits) * 1000:.1f} ms, "
                      f"p95 {percentile(waits.waits, 0.95) * 1000:.1f} ms, max {max(waits.waits) * 1000:.1f} ms."]
    write_section("Concurrency" + (" (PostgreSQL)" if dialect == "postgresql" else ""), lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
