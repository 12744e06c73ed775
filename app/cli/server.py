"""Set-up, serving and workers."""
import logging
from pathlib import Path

import click
from flask import current_app

from app import create_app
from app.cli import cli
from app.cli.common import with_app_context
from app.cli.writing import import_legacy_file, migrate, writing
from app.config import LEGACY_JSON_FILENAME
from app.extensions import db, jobs
from app.sample_data import generate_sessions
from app.serving import serve_here, serve_in_processes
from app.services.accounts import create_first_admin
from app.services.audit import COMMAND_LINE, record
from app.services.ingest import ingest_sessions
from app.services.jobs import fail_abandoned_jobs
from app.services.sessions import last_ingested_at
from app.wire import SessionStatsSession

SAMPLE_SESSIONS = 300


@cli.command()
@click.option("--sample", is_flag=True, help=f"Load {SAMPLE_SESSIONS} generated sessions when the index is empty.")
@with_app_context
def setup(sample):
    """Migrate the database; on first creation import instance/session-stats.json if present."""
    created = migrate()
    legacy = Path(current_app.instance_path) / LEGACY_JSON_FILENAME
    if created and legacy.exists():
        import_legacy_file(legacy)
    if sample and last_ingested_at(db.session) is None:
        sessions = [SessionStatsSession.model_validate(s) for s in generate_sessions(SAMPLE_SESSIONS)]
        with writing():
            ingest_sessions(db.session, sessions)
        click.echo(f"Loaded {len(sessions)} sample sessions, marked as samples; remove them with `session-stats samples "
                   "remove` or the button on the overview.")
    _ensure_an_admin()


def _ensure_an_admin():
    with writing():
        first = create_first_admin(db.session, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        if first is None:
            return
        user, password = first
        record(db.session, COMMAND_LINE, "user.created", user.username, {"role": user.role, "first": True})
    click.echo(
        "\nCreated the first admin account; its password is shown only now.\n"
        f"  username: {user.username}\n  password: {password}\n"
        "Sign in and change it under Settings, or run `session-stats users set-password admin`.\n"
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per process.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Serving processes sharing the port; with more than one, set SESSION_STATS_REDIS_URL so that "
                   "they share their rate limits.")
@click.option("--jobs/--no-jobs", "run_jobs", default=True, show_default=True,
              help="Also run queued jobs and scheduled backups here; --no-jobs leaves them to `session-stats worker`.")
def serve(host, port, threads, processes, run_jobs):
    """Serve the dashboard and API with a production WSGI server (waitress)."""
    app = create_app()
    with app.app_context():
        migrate()
        _ensure_an_admin()
        if run_jobs:
            with writing():
                fail_abandoned_jobs(db.session)
        # The serving processes open connections of their own.
        db.engine.dispose()
    consumer = jobs.start_consumer(app) if run_jobs else None
    click.echo(f"Session Stats on http://{host}:{port}/ ({processes} process{'es' if processes > 1 else ''} of "
               f"{threads} threads{', running background jobs too' if run_jobs else ''})")
    try:
        if processes == 1:
            serve_here(app, host, port, threads)
        else:
            serve_in_processes(host, port, threads, processes)
    finally:
        if consumer is not None:
            consumer.stop()


@cli.command()
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at the same time (each scan also uses a process per core).")
@with_app_context
def worker(workers):
    """Run queued background jobs (scans) and scheduled backups until stopped, without the web server."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with writing():
        failed = fail_abandoned_jobs(db.session)
    if failed:
        click.echo(f"Marked {failed} job(s) failed: their worker had stopped.")
    jobs.create_consumer(current_app, workers).run()
