"""A bounded load test: fifty people using the dashboard at once while two others write, against a real server.

Run with `make bench-load`. Seeds a fresh index of SEEDED generated sessions (SQLite in bench/data/load, or the
empty PostgreSQL database BENCH_DATABASE_URL names), then starts `session-stats serve --no-jobs --processes 2` on
loopback, 8 threads each. For SECONDS, USERS people
signed in to the dashboard each repeat, with THINK seconds between requests, one of: a page of the sessions list,
a search, a filter followed by its facet panel, a session, the overview, the plugins list, one plugin; what the
first WARM_UP seconds ask (signing in, each process's first pages) is not counted. Beside them
one writer ingests 5 sessions a request through the API and another edits sessions' metadata, each about once a
second. Reports requests/s, p50/p95/p99 per kind of request, the answers by status and any "database is locked".
Writes its section of bench/RESULTS.md.
"""
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests
from bs4 import BeautifulSoup
from sqlalchemy import select

from app import create_app
from app.database import unit_of_work, upgrade_database
from app.extensions import db
from app.models import Plugin, Session
from app.sample_data import generate_sessions
from app.services.accounts import create_user
from app.services.ingest import ingest_sessions
from app.services.tokens import create_token
from app.wire import SessionStatsSession
from bench.results import write_section

SEEDED = int(os.environ.get("BENCH_SEEDED", 10_000))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 120))
USERS = 50
WARM_UP = 15.0  # seconds for everyone to sign in and each process to load its first pages, before counting
THINK = (1.0, 5.0)  # seconds a person spends on a page before the next; 3 on average
PASSWORD = "bench password of some length"
FOLDER = Path(__file__).resolve().parent / "data" / "load"
WORDS = ("vocal", "piano", "mix", "drum", "bass", "guitar", "master", "live")
SETTINGS = {"API_WRITE_LIMIT": "100000 per minute", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def seeded_instance(database_url: str | None):
    """A fresh index of SEEDED sessions with a viewer, an editor's token, and ids to open; its dialect."""
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    app = create_app({"INSTANCE_PATH": str(FOLDER), "DATABASE_URL": database_url, **SETTINGS})
    with app.app_context():
        upgrade_database()
        sessions = [SessionStatsSession.model_validate(s) for s in generate_sessions(SEEDED, seed=11)]
        for start in range(0, len(sessions), 500):
            with unit_of_work():
                ingest_sessions(db.session, sessions[start:start + 500])
        with unit_of_work():
            create_user(db.session, "viewer", "viewer", PASSWORD, hash_method=SETTINGS["PASSWORD_HASH_METHOD"])
            token = create_token(db.session, "bench writer", "editor")[1]
        session_ids = db.session.scalars(select(Session.id).order_by(Session.pk)).all()
        plugin_ids = db.session.scalars(select(Plugin.id).limit(200)).all()
        daws = sorted({daw for daw in db.session.scalars(select(Session.daw).distinct()) if daw})
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return token, session_ids, plugin_ids, daws, dialect


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_in(base: str) -> requests.Session:
    person = requests.Session()
    form = BeautifulSoup(person.get(f"{base}/login").text, "html.parser")
    person.post(f"{base}/login", data={"username": "viewer", "password": PASSWORD,
                                       "csrf_token": form.select_one('input[name="csrf_token"]')["value"]})
    return person


class Recorder:
    """(kind, status, seconds) of every request, and the answers that said the database was locked."""

    def __init__(self):
        self.answers, self.locked, self.lock = [], 0, threading.Lock()
        self.since = float("inf")  # requests started before are the warm-up, not counted

    def get(self, client, kind, url, **options):
        return self.timed(kind, lambda: client.get(url, **options))

    def timed(self, kind, call):
        started = time.perf_counter()
        response = call()
        if started < self.since:
            return response
        with self.lock:
            self.answers.append((kind, response.status_code, time.perf_counter() - started))
            self.locked += "database is locked" in response.text
        return response


def browse(base, record, stop, session_ids, plugin_ids, daws, seed):
    """One person reading the dashboard until `stop`."""
    rng, person = random.Random(seed), signed_in(base)
    while not stop.is_set():
        action = rng.randrange(7)
        if action == 0:
            record.get(person, "sessions list, a page", f"{base}/sessions", params={"page": rng.randint(1, 20)})
        elif action == 1:
            record.get(person, "sessions list, a search", f"{base}/sessions", params={"q": rng.choice(WORDS)},
                       headers={"HX-Request": "true"})
        elif action == 2:
            query = {"daw": rng.choice(daws), "tag": "mix"}
            record.get(person, "sessions list, a filter", f"{base}/sessions", params=query)
            record.get(person, "facet panel", f"{base}/sessions/facets", params=query, headers={"HX-Request": "true"})
        elif action == 3:
            record.get(person, "a session", f"{base}/sessions/{rng.choice(session_ids)}")
        elif action == 4:
            record.get(person, "overview", f"{base}/")
        elif action == 5:
            record.get(person, "plugins", f"{base}/plugins")
        else:
            record.get(person, "a plugin", f"{base}/plugins/{requests.utils.quote(rng.choice(plugin_ids), safe='')}")
        stop.wait(rng.uniform(*THINK))


def write(base, record, stop, token, session_ids, kind):
    """One writer until `stop`: ingesting new sessions, or editing existing ones' metadata."""
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    batches, n = generate_sessions(10_000, seed=12), 0
    while not stop.is_set():
        n += 1
        if kind == "ingest":
            sessions = [next(batches) for _ in range(5)]
            record.timed("ingest (5 sessions)", lambda: api.post(f"{base}/api/session-stats", json={
                "action": "ingestSessions", "payload": {"sessions": sessions}}))
        else:
            record.timed("metadata PATCH", lambda: api.patch(
                f"{base}/api/sessions/{session_ids[n % len(session_ids)]}/metadata",
                json={"user_note": f"load note {n}", "is_favorite": n % 2 == 0}))
        stop.wait(1.0)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    database_url = os.environ.get("BENCH_DATABASE_URL")
    token, session_ids, plugin_ids, daws, dialect = seeded_instance(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes, threads = 2, 8  # one process per core: a process's Python runs on one core at a time
    env = {**os.environ, "SESSION_STATS_INSTANCE_PATH": str(FOLDER),
           **{f"SESSION_STATS_{name}": value for name, value in SETTINGS.items()}}
    if database_url:
        env["SESSION_STATS_DATABASE_URL"] = database_url
    server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--no-jobs", "--port", str(port),
                               "--processes", str(processes), "--threads", str(threads)], env=env,
                              stdout=subprocess.DEVNULL, stderr=(FOLDER / "server.log").open("wb"))
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/login", timeout=60)  # accepted at once, answered once a process is up
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        record, stop = Recorder(), threading.Event()
        people = [threading.Thread(target=browse, args=(base, record, stop, session_ids, plugin_ids, daws, n))
                  for n in range(USERS)]
        writers = [threading.Thread(target=write, args=(base, record, stop, token, session_ids, kind))
                   for kind in ("ingest", "metadata")]
        for client in people + writers:
            client.start()
        time.sleep(WARM_UP)
        started = record.since = time.perf_counter()
        stop.wait(SECONDS)
        stop.set()
        for client in people + writers:
            client.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    statuses = Counter(status for _, status, _ in record.answers)
    by_kind = defaultdict(list)
    for kind, _, seconds in record.answers:
        by_kind[kind].append(seconds)
    everything = [seconds for _, _, seconds in record.answers]
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    lines = [
        f"`make bench-load` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{dialect}{' ' + sqlite3.sqlite_version if dialect == 'sqlite' else ''}), the load generator on the same "
        f"machine. {SEEDED:,} generated sessions; `session-stats serve --no-jobs --processes {processes} "
        f"--threads {threads}` on loopback. After {WARM_UP:.0f} s of warm-up (signing in), for {SECONDS:.0f} s, {USERS} signed-in people each repeat one of "
        f"seven dashboard requests with {THINK[0]}–{THINK[1]} s between them; one writer ingests 5 sessions a "
        "request through the API and one edits metadata, each about once a second.",
        "",
        f"{len(record.answers):,} requests in {elapsed:.0f} s: {len(record.answers) / elapsed:.1f} requests/s; "
        "answers: " + ", ".join(f"{count:,} × {status}" for status, count in sorted(statuses.items()))
        + f". Server errors (5xx): {server_errors}; \"database is locked\": {record.locked}. All requests: "
          f"p50 {statistics.median(everything) * 1000:.0f} ms, p95 {percentile(everything, 0.95) * 1000:.0f} ms, "
          f"p99 {percentile(everything, 0.99) * 1000:.0f} ms.",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    for kind, seconds in sorted(by_kind.items()):
        lines.append(f"| {kind} | {len(seconds):,} | {statistics.median(seconds) * 1000:.0f} | "
                     f"{percentile(seconds, 0.95) * 1000:.0f} | {percentile(seconds, 0.99) * 1000:.0f} |")
    write_section("Load" + (" (PostgreSQL)" if dialect == "postgresql" else ""), lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
