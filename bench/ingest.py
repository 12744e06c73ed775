"""Ingest throughput: the service, the HTTP endpoint, and the raw executemany ceiling.

Run with `make bench`. Generates SESSIONS sessions (about 40 tracks and 120 plugin
instances each) and loads them, in batches of BATCH, into three fresh SQLite databases
built by the migrations: through `ingest_sessions`, through POST /api/session-stats on a
running `session-stats serve`, and as plain sqlite3 `executemany` of exactly the rows the
service wrote. Writes its section of bench/RESULTS.md.
"""
import gc
import http.client
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app import create_app
from app.database import SQLITE_PRAGMAS, unit_of_work, upgrade_database
from app.extensions import db
from app.gc_pause import gc_paused
from app.models import Meta, Plugin, Session, SessionPlugin, Source, Tag, Track, TrackPlugin
from app.sample_data import generate_sessions
from app.wire import SessionStatsSession
from bench.results import write_section

SESSIONS = int(os.environ.get("BENCH_SESSIONS", 10_000))
BATCH = 500
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CHILD_TABLES = ("tags", "tracks", "track_plugins", "session_plugins", "sources")
TABLES = (Plugin, Session, Tag, Track, TrackPlugin, SessionPlugin, Source, Meta)


def fresh_app(name):
    """An app on a new, migrated SQLite database under bench/data/<name>."""
    folder = DATA / name
    shutil.rmtree(folder, ignore_errors=True)
    app = create_app({"INSTANCE_PATH": str(folder)})
    with app.app_context():
        upgrade_database()
    return app, folder / "session-stats.db"


def batches(items):
    return [items[start:start + BATCH] for start in range(0, len(items), BATCH)]


def bench_service(sessions):
    app, path = fresh_app("service")
    with app.app_context():
        from app.services.ingest import ingest_sessions

        started = time.perf_counter()
        with gc_paused():
            validated = [[SessionStatsSession.model_validate(s) for s in batch] for batch in batches(sessions)]
        validation = time.perf_counter() - started
        # A server holds one request's sessions at a time; the collector should not scan the
        # benchmark's other batches, held here only so that validation stays out of the figure.
        gc.freeze()
        started = time.perf_counter()
        for batch in validated:
            with unit_of_work():
                ingest_sessions(db.session, batch)
        elapsed = time.perf_counter() - started
        gc.unfreeze()
        rows = {model.__tablename__: db.session.query(model).count() for model in TABLES}
        db.engine.dispose()
    return elapsed, validation, rows, path


def bench_http(sessions):
    folder = DATA / "http"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    bodies = [json.dumps({"action": "ingestSessions", "payload": {"sessions": b}}).encode() for b in batches(sessions)]
    port = 5917
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSION_STATS_")}
    env["SESSION_STATS_INSTANCE_PATH"] = str(folder)
    # The benchmark measures ingest, not the rate limit that protects a real server from runaway scripts.
    env["SESSION_STATS_API_WRITE_LIMIT"] = "1000000 per minute"
    command = [sys.executable, "-m", "app.cli"]
    subprocess.run([*command, "setup"], env=env, check=True, capture_output=True)
    token = subprocess.run([*command, "tokens", "create", "bench", "--role", "editor"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen([*command, "serve", "--port", str(port)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        started = time.perf_counter()
        for body in bodies:
            connection.request("POST", "/api/session-stats", body, headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP ingest failed: {response.status} {answer[:500]!r}")
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return elapsed, sum(len(b) for b in bodies)


def wait_for(port):
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/login")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the benchmark server did not start")


def bench_raw(service_db):
    """executemany of the very rows the service wrote, batch by batch, into a fresh database."""
    _, path = fresh_app("raw")
    source = sqlite3.connect(service_db)
    rows = {model.__tablename__: source.execute(f"SELECT * FROM {model.__tablename__}").fetchall() for model in TABLES}
    source.close()
    session_batches = batches(rows["sessions"])
    target = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        target.execute(pragma)
    started = time.perf_counter()
    target.execute("BEGIN")
    insert(target, "plugins", rows["plugins"])
    insert(target, "meta", rows["meta"])
    target.execute("COMMIT")
    children = {table: group_by_session(rows[table]) for table in CHILD_TABLES}
    for batch in session_batches:
        target.execute("BEGIN")
        insert(target, "sessions", batch)
        for table in CHILD_TABLES:
            insert(target, table, [row for session in batch for row in children[table].get(session[0], ())])
        target.execute("COMMIT")
    elapsed = time.perf_counter() - started
    target.close()
    return elapsed, sum(len(r) for r in rows.values())


def group_by_session(rows):
    """Rows by their session_pk, the first column of every child table."""
    grouped = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def insert(connection, table, rows):
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def main():
    DATA.mkdir(exist_ok=True)
    sessions = list(generate_sessions(SESSIONS))
    tracks = sum(len(s["tracks"]) for s in sessions)
    instances = sum(len(t["plugins"]) for s in sessions for t in s["tracks"])
    print(f"{SESSIONS} sessions, {tracks} tracks, {instances} plugin instances", flush=True)

    service, validation, rows, service_db = bench_service(sessions)
    total_rows = sum(rows.values())
    print(f"service: {service:.1f} s ({SESSIONS / service:.0f} sessions/s); validation {validation:.1f} s", flush=True)
    http_time, http_bytes = bench_http(sessions)
    print(f"http: {http_time:.1f} s ({SESSIONS / http_time:.0f} sessions/s)", flush=True)
    raw, raw_rows = bench_raw(service_db)
    print(f"raw executemany: {raw:.1f} s ({SESSIONS / raw:.0f} sessions/s)", flush=True)
    assert raw_rows == total_rows

    lines = [
        f"`make bench` on this machine ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}), one run.",
        f"{SESSIONS:,} generated sessions: {tracks:,} tracks, {instances:,} plugin instances; "
        f"{total_rows:,} rows in all ({', '.join(f'{k} {v:,}' for k, v in rows.items())}).",
        f"Batches of {BATCH} sessions, one transaction each, into fresh migrated SQLite databases "
        "(WAL, synchronous=FULL).",
        "",
        "| path | seconds | sessions/s | rows/s | vs. ceiling |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, seconds in (("raw sqlite3 executemany (ceiling)", raw), ("ingest service", service),
                           ("HTTP POST /api/session-stats", http_time)):
        lines.append(f"| {label} | {seconds:.1f} | {SESSIONS / seconds:,.0f} | {total_rows / seconds:,.0f} "
                     f"| {raw / seconds:.2f} |")
    lines += [
        "",
        f"Service ingest reaches {raw / service:.2f} of the ceiling (target: at least 0.5); HTTP takes "
        f"{http_time / service:.2f}x the service time (target: at most 1.5x), including JSON parsing and "
        f"validation of {http_bytes / 2**20:,.0f} MiB of request bodies. Validating the same sessions into wire "
        f"models alone took {validation:.1f} s (not part of the service figure).",
        "",
    ]
    write_section("Ingest", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
