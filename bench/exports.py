"""The CSV export of every session, and the rebuild of every derived figure, on the archive of `make bench-pages`.

Run with `make bench-exports` after `make bench-pages` has built bench/data/pages. Streams /sessions.csv through
the app, counting its rows and measuring the Python memory it peaks at (tracemalloc), then times a full check of
the derived figures (`session-stats rollups rebuild --check`'s work). Writes its section of bench/RESULTS.md.
"""
import os
import time
import tracemalloc

from sqlalchemy import func, select

from app import create_app
from app.auth import load_user
from app.database import unit_of_work
from app.extensions import db
from app.models import Session, User
from app.services.accounts import create_user, generate_password
from app.services.derived import check_derived
from app.services.sign_ins import begin_sign_in
from bench.pages import FOLDER
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
        f"- Recounting every derived figure from the rows (`rollups rebuild --check`): {check_seconds:.1f} s, "
        f"{len(drift)} rows differing.",
    ]
    write_section("Exports and rebuild", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
