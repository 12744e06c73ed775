"""PostgreSQL at scale: ingest beside a raw COPY ceiling, and every dashboard page at a million sessions.

Run with `make bench-pg`. Keeps its own PostgreSQL cluster in bench/data/pg (started for the run, stopped after)
unless BENCH_DATABASE_URL names a server's empty or already-built database. Builds an archive of
BENCH_PG_SESSIONS generated sessions (1,000,000 by default) of BENCH_PG_TRACKS tracks at the median (8 by
default, a fifth of bench-pages' shape) once, reused while it holds that many. Then:

- ingest: BENCH_PG_INGEST full-shape sessions through `ingest_sessions` into a fresh database, and the very rows it
  wrote loaded again with COPY into another fresh one, the ceiling the service is held against;
- pages: each page of bench-pages timed the same way, and for each page over its target the plan of its slowest
  statement (EXPLAIN (ANALYZE, BUFFERS)) written to bench/data/pg/plans.txt.

Writes its section of bench/RESULTS.md.
"""
import os
import platform
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import event

from app import create_app
from app.database import unit_of_work, upgrade_database
from app.extensions import db
from app.gc_pause import gc_paused
from app.sample_data import generate_sessions
from app.services.ingest import ingest_sessions
from app.wire import SessionStatsSession
from bench.load import free_port
from bench.pages import (HOW_PAGES_ARE_TIMED, archive_size, build_archive, dashboard_pages, page_table, seed_timeline,
                         time_pages)
from bench.results import write_section

SESSIONS = int(os.environ.get("BENCH_PG_SESSIONS", 1_000_000))
MEDIAN_TRACKS = int(os.environ.get("BENCH_PG_TRACKS", 8))
INGESTED = int(os.environ.get("BENCH_PG_INGEST", 5_000))
BATCH = 500
FOLDER = Path(__file__).resolve().parent / "data" / "pg"
# A server given a quarter of this machine's memory, as its README's "Scaling out" suggests.
SERVER_SETTINGS = {"shared_buffers": "2GB", "effective_cache_size": "12GB", "work_mem": "32MB",
                   "maintenance_work_mem": "512MB", "max_wal_size": "8GB", "random_page_cost": "1.1"}
COMMON_PAGES = ("Overview", "Sessions, first page", "Session", "Plugins (by product)", "Plugin (the most used)")


@contextmanager
def own_cluster():
    """This bench's PostgreSQL cluster in bench/data/pg/cluster, created once, running while in the block."""
    binaries = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1]).parent
    data, port = FOLDER / "cluster", free_port()
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    FOLDER.mkdir(parents=True, exist_ok=True)
    if as_owner:
        shutil.chown(FOLDER, "postgres", "postgres")
    if not data.exists():
        subprocess.run([*as_owner, binaries / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
                       check=True, capture_output=True)
    options = " ".join([f"-p {port} -k {FOLDER} -c listen_addresses=127.0.0.1",
                        *(f"-c {name}={value}" for name, value in SERVER_SETTINGS.items())])
    subprocess.run([*as_owner, binaries / "pg_ctl", "-D", data, "-o", options, "-l", FOLDER / "server.log", "-w",
                    "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_owner, binaries / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], check=True,
                       capture_output=True)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg", "postgresql")


def fresh_database(server: str, name: str) -> str:
    with psycopg.connect(libpq(f"{server}/postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def app_on(url: str):
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(FOLDER / "instance"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade_database()
    return app


def bench_ingest(server: str) -> list[str]:
    """The service's ingest beside COPY of exactly the rows it wrote, both into fresh migrated databases."""
    sessions = list(generate_sessions(INGESTED, seed=7))
    service_url, ceiling_url = fresh_database(server, "ingest_service"), fresh_database(server, "ingest_copy")
    app, _ = app_on(service_url), app_on(ceiling_url)
    with app.app_context():
        with gc_paused():
            batches = [[SessionStatsSession.model_validate(s) for s in sessions[start:start + BATCH]]
                       for start in range(0, len(sessions), BATCH)]
        started = time.perf_counter()
        for batch in batches:
            with gc_paused(), unit_of_work():
                ingest_sessions(db.session, batch)
        service = time.perf_counter() - started
        tables = [table.name for table in db.metadata.sorted_tables]
        db.engine.dispose()
    dumped, rows = {}, 0
    with psycopg.connect(libpq(service_url)) as source:
        for table in tables:
            with source.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                dumped[table] = list(copy)
            rows += source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    with psycopg.connect(libpq(ceiling_url)) as target:
        started = time.perf_counter()
        for table in tables:
            with target.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                for chunk in dumped[table]:
                    copy.write(chunk)
        target.commit()
        ceiling = time.perf_counter() - started
    return [
        f"Ingest: {INGESTED:,} generated sessions of bench-pages' shape ({rows:,} rows in all tables), in batches of "
        f"{BATCH}, each a transaction, into a fresh migrated database. Through `ingest_sessions` (validation "
        f"excluded): {service:.1f} s, {INGESTED / service:,.0f} sessions/s. The same rows as COPY FROM STDIN of "
        f"the dumped tables into another fresh migrated database, indexes in place, one transaction: "
        f"{ceiling:.1f} s, {INGESTED / ceiling:,.0f} sessions/s. The service reaches {ceiling / service:.2f} of that "
        "ceiling.",
    ]


def vacuum_analyze(url: str):
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def slowest_statement(app, queries):
    """The slowest SQL statement `queries` runs, with its parameters and milliseconds."""
    timings = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timings.append(((time.perf_counter() - conn.info["started"]) * 1000, statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        queries()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return max(timings, key=lambda timing: timing[0])


def write_plans(app, pages, slow_labels):
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of each page in `slow_labels`, to plans.txt."""
    written = []
    for label, url, queries in pages:
        if label not in slow_labels:
            continue
        milliseconds, statement, parameters = slowest_statement(app, queries)
        with app.app_context():
            plan = db.session.connection().exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).scalars().all()
        written.append(f"== {label} ({url}): slowest statement {milliseconds:.1f} ms\n{statement}\n{parameters}\n"
                       + "\n".join(plan) + "\n")
    (FOLDER / "plans.txt").write_text("\n".join(written))


def main():
    server_url = os.environ.get("BENCH_DATABASE_URL")
    with (own_cluster() if not server_url else _given(server_url)) as server:
        ingest_lines = bench_ingest(server)
        print("\n".join(ingest_lines), flush=True)
        archive_url = f"{server}/archive" if not server_url else server_url
        if not server_url and not _exists(server, "archive"):
            fresh_database(server, "archive")
        app = app_on(archive_url)
        build_archive(app, SESSIONS, MEDIAN_TRACKS, archive_url)
        seed_timeline(app)
        vacuum_analyze(archive_url)
        client, totals, pages = dashboard_pages(app)
        rows = time_pages(client, pages)
        slow = [label for label, _, page, _ in rows if page > (50 if label in COMMON_PAGES else 100)]
        write_plans(app, pages, slow)
        with psycopg.connect(libpq(archive_url)) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0].split()[0]
            size = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    lines = [
        f"`make bench-pg` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{version} on the same machine: " + ", ".join(f"{k}={v}" for k, v in SERVER_SETTINGS.items()) + ").",
        "",
        *ingest_lines,
        "",
        f"Pages: {archive_size(totals)} ({MEDIAN_TRACKS} tracks at the median; {size} of database). "
        f"{HOW_PAGES_ARE_TIMED} Target: every page under 100 ms, and the common ones ({', '.join(COMMON_PAGES)}) "
        f"under 50 ms. Over target: {', '.join(slow) or 'none'}.",
        "",
        *page_table(rows),
    ]
    write_section("PostgreSQL at scale", lines)
    print("\n".join(lines))


@contextmanager
def _given(url):
    yield url.rsplit("/", 1)[0]


def _exists(server, name) -> bool:
    with psycopg.connect(libpq(f"{server}/postgres")) as connection:
        return bool(connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone())


if __name__ == "__main__":
    main()
