"""The exports of every session, and the rebuild of every derived figure, on the archive of `make bench-pages`.

Run with `make bench-exports` after `make bench-pages` has built bench/data/pages. Streams /sessions.csv through
the app, counting its rows and measuring the Python memory it peaks at (tracemalloc); times a page of 100 full
sessions from /api/session-stats and `session-stats export` of the whole archive (its peak resident memory too);
then times a full check of the derived figures (`session-stats rollups rebuild --check`'s work). Writes its section
of bench/RESULTS.md.
"""
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import func, select

from app import create_app
from app.auth import load_user
from app.database import unit_of_work
from app.extensions import db
from app.models import Session, User
from app.services.accounts import create_user, generate_password
from app.services.derived import check_derived
from app.services.sign_ins import begin_sign_in
from bench.pages import FOLDER, median_ms
from bench.results import write_section


def export(client) -> tuple[int, int]:
    """Stream /sessions.csv without keeping it; its lines and bytes."""
    response = client.get("/sessions.csv", buffered=False)
    lines = size = 0
    for chunk in response.response:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        lines += data.count(b"\n")
        size += len(data)
    response.close()
    return lines, size


def export_command() -> tuple[float, int, int]:
    """`session-stats export` of the whole archive to nothing: its seconds, bytes and peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "export"], stdout=subprocess.PIPE,
                               cwd=Path(__file__).resolve().parents[1],
                               env={**os.environ, "SESSION_STATS_INSTANCE_PATH": str(FOLDER)})
    size = 0
    while chunk := process.stdout.read(1 << 20):
        size += len(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"session-stats export failed ({status})")
    return time.perf_counter() - started, size, usage.ru_maxrss * 1024


def main():
    app = create_app({"INSTANCE_PATH": str(FOLDER), "RATELIMIT_ENABLED": False})
    with app.app_context():
        sessions = db.session.scalar(select(func.count()).select_from(Session).where(Session.deleted_at.is_(None)))
        if not sessions:
            raise SystemExit("Build the archive first: make bench-pages")
        with unit_of_work():
            user = db.session.scalar(select(User).where(User.username == "bench")) or \
                create_user(db.session, "bench", "viewer", generate_password())
            cookie_value = begin_sign_in(db.session, user, "127.0.0.1", app.permanent_session_lifetime)
        load_user(cookie_value)
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = cookie_value
        cookie["_fresh"] = True

    started = time.perf_counter()
    rows, size = export(client)
    export_seconds = time.perf_counter() - started
    tracemalloc.start()  # a second pass, apart: tracing slows it down
    export(client)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    wire_page_ms = median_ms(lambda: client.get("/api/session-stats?limit=100"))
    command_seconds, command_bytes, command_rss = export_command()

    with app.app_context():
        started = time.perf_counter()
        drift = check_derived(db.session)
        check_seconds = time.perf_counter() - started

    lines = [
        f"`make bench-exports` on this machine ({os.cpu_count()} cores), on the archive of `make bench-pages`.",
        "",
        f"- `/sessions.csv`, every one of {sessions:,} live sessions: {rows - 1:,} rows, {size / 1e6:.1f} MB in "
        f"{export_seconds:.1f} s; Python memory peaked at {peak / 1e6:.1f} MB while streaming it (tracemalloc, "
        "a second pass).",
        f"- `/api/session-stats?limit=100`, a page of 100 full sessions (tracks, plugin instances, usage, sources): "
        f"{wire_page_ms:.1f} ms, median of 15 after one warm-up.",
        f"- `session-stats export`, every session in the wire format: {command_bytes / 1e6:.0f} MB in "
        f"{command_seconds:.1f} s, the process peaking at {command_rss / 1e6:.0f} MB resident.",
        f"- Recounting every derived figure from the rows (`rollups rebuild --check`): {check_seconds:.1f} s, "
        f"{len(drift)} rows differing.",
    ]
    write_section("Exports and rebuild", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
