"""The `session-stats` command."""
import json
import logging
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from pydantic import ValidationError

from app import create_app
from app.config import LEGACY_JSON_FILENAME
from app.database import upgrade_database
from app.extractors import ExtractError, extract_file
from app.extensions import db, jobs
from app.payloads import PayloadError, ingest_error_details, parse_ingest_request, validation_details
from app.sample_data import generate_sessions
from app.scanning import ScanError, run_job, start_scan
from app.models.types import utc_now
from app.normalize import iso_utc
from app.services.accounts import (
    ROLES,
    AccountError,
    create_first_admin,
    create_user,
    find_user,
    generate_password,
    list_users,
    normalize_username,
    set_password,
)
from app.services.audit import COMMAND_LINE, record
from app.services.ingest import IngestError, ingest_sessions
from app.services.jobs import fail_abandoned_jobs, job_errors
from app.services.legacy import import_legacy
from app.services.sessions import iter_sessions, last_ingested_at, restore_session
from app.services.tokens import create_token, get_token, list_tokens, revoke_token
from app.wire import SessionStatsSession

SAMPLE_SESSIONS = 300


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True)
def cli():
    """Session Stats: index a studio's DAW sessions, tracks and plugins."""


def _echo_json(value):
    click.echo(json.dumps(value, indent=2))


def _fail(message, details=()):
    for detail in details:
        message += f"\n  {detail['path']}: {detail['message']}"
    raise click.ClickException(message)


@cli.command()
@click.option("--sample", is_flag=True, help=f"Load {SAMPLE_SESSIONS} generated sessions when the index is empty.")
@with_appcontext
def setup(sample):
    """Migrate the database; on first creation import instance/session-stats.json if present."""
    created = upgrade_database()
    legacy = Path(current_app.instance_path) / LEGACY_JSON_FILENAME
    if created and legacy.exists():
        _import_legacy_file(legacy)
    if sample and last_ingested_at(db.session) is None:
        sessions = [SessionStatsSession.model_validate(s) for s in generate_sessions(SAMPLE_SESSIONS)]
        ingest_sessions(db.session, sessions)
        click.echo(f"Loaded {len(sessions)} sample sessions.")
    _ensure_an_admin()


def _ensure_an_admin():
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
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host, port, threads):
    """Serve the dashboard and API with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve

    app = create_app()
    with app.app_context():
        upgrade_database()
        _ensure_an_admin()
        fail_abandoned_jobs(db.session)
    consumer = jobs.start_consumer(app)
    click.echo(f"Session Stats on http://{host}:{port}/ (running background jobs too)")
    try:
        waitress_serve(app, host=host, port=port, threads=threads)
    finally:
        consumer.stop()


@cli.command()
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at the same time (each scan also uses a process per core).")
@with_appcontext
def worker(workers):
    """Run queued background jobs (scans) until stopped, without the web server."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    failed = fail_abandoned_jobs(db.session)
    if failed:
        click.echo(f"Marked {failed} job(s) failed: their worker had stopped.")
    jobs.huey.create_consumer(workers=workers, worker_type="thread", periodic=False).run()


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--backups", is_flag=True, help="Also read backups and autosaves, which are skipped otherwise.")
@click.option("--queue", "queued", is_flag=True, help="Queue the scan for a worker instead of running it here.")
@with_appcontext
def scan(paths, backups, queued):
    """Scan folders or files for sessions: new and changed files are read, unchanged ones skipped.

    Prints what the scan did; files it could not read go to stderr. When SESSION_STATS_ARCHIVE_ROOTS
    is set, only paths inside those roots are scanned.
    """
    try:
        job = start_scan(db.session, list(paths), current_app.config["ARCHIVE_ROOTS"], COMMAND_LINE.name, backups)
    except ScanError as exc:
        _fail(exc.message)
    record(db.session, COMMAND_LINE, "scan.started", ", ".join(job.params["paths"]), {"job": job.pk})
    if queued:
        jobs.enqueue(job.pk)
        click.echo(f"Queued scan job {job.pk}.")
        return
    run_job(job.pk)
    db.session.refresh(job)
    page, pages = 1, 1
    while page <= pages:
        errors = job_errors(db.session, job, page)
        for error in errors.rows:
            click.echo(f"Skipped {error.path}: {error.message}", err=True)
        page, pages = page + 1, errors.pages
    _echo_json({"job": job.pk, "status": job.status, "errors": job.failed, **(job.result or {}),
                **({"message": job.message} if job.message else {})})
    if job.status != "succeeded":
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("source", type=click.File("rb"))
@with_appcontext
def ingest(source):
    """Ingest a file (or - for stdin) with the body of POST /api/session-stats."""
    try:
        sessions, replace, prefix = parse_ingest_request(source.read())
        result = ingest_sessions(db.session, sessions, replace=replace)
    except PayloadError as exc:
        _fail(exc.message, exc.details)
    except IngestError as exc:
        _fail(exc.message, ingest_error_details(exc, prefix))
    action = "sessions.replaced" if replace else "sessions.ingested"
    record(db.session, COMMAND_LINE, action, getattr(source, "name", "stdin"), result.counts())
    _echo_json(result.summary())


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--ingest", "ingest_them", is_flag=True, help="Ingest the sessions instead of printing them.")
@click.option("--backups", is_flag=True, help="Also read backups (.rpp-bak), which are skipped otherwise.")
def extract(files, ingest_them, backups):
    """Read session files (Pro Tools text export, REAPER, Ableton Live, FL Studio, Studio One, DAWproject).

    Prints the sessions as the body of POST /api/session-stats, which `session-stats ingest`
    takes; with --ingest, ingests them and prints what changed. A file that cannot be read is
    reported with its reason, the others are still read, and the command then exits with 1.
    """
    sessions, failures = [], 0
    for path in files:
        try:
            sessions.append(extract_file(path, backups=backups))
        except ExtractError as exc:
            click.echo(f"Skipped {exc}", err=True)
            failures += 1
    if ingest_them:
        if sessions:
            _ingest_extracted(sessions)
    else:
        _echo_json({"action": "ingestSessions", "payload": {"sessions": [
            session.model_dump(mode="json", by_alias=True, exclude_unset=True) for session in sessions]}})
    if failures:
        raise click.exceptions.Exit(1)


@with_appcontext
def _ingest_extracted(sessions):
    try:
        result = ingest_sessions(db.session, sessions)
    except IngestError as exc:
        _fail(exc.message, [{"path": f"{sessions[index].path} ({path})", "message": message}
                            for index, path, message in exc.problems])
    record(db.session, COMMAND_LINE, "sessions.ingested", "extract", result.counts())
    _echo_json(result.summary())


@cli.command()
@with_appcontext
def export():
    """Write the whole index as SessionStatsData JSON to stdout, a session at a time."""
    out = sys.stdout
    out.write('{"sessions": [')
    for number, session in enumerate(iter_sessions(db.session)):
        out.write(",\n" if number else "\n")
        out.write(json.dumps(session, ensure_ascii=False))
    out.write("\n]")
    stamp = last_ingested_at(db.session)
    if stamp:
        out.write(f', "lastIngestedAt": {json.dumps(stamp)}')
    out.write("}\n")


@cli.command("import-legacy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_legacy_command(path):
    """Import a SessionStatsData JSON file from the older JSON store."""
    _import_legacy_file(path)


def _import_legacy_file(path):
    try:
        result = import_legacy(db.session, path)
    except ValidationError as exc:
        _fail(f"{path} is not a SessionStatsData document; nothing was imported.", validation_details(exc))
    except ValueError as exc:
        _fail(f"{path} is not valid JSON ({exc}); nothing was imported.")
    except IngestError as exc:
        _fail(f"{path}: {exc.message} Nothing was imported.", ingest_error_details(exc, ("sessions",)))
    record(db.session, COMMAND_LINE, "sessions.imported", str(path), result.counts())
    click.echo(f"Imported {path}: {len(result.inserted)} new and {len(result.updated)} updated sessions.")


@cli.command()
@click.argument("session_id")
@with_appcontext
def restore(session_id):
    """Take a session out of the trash."""
    if not restore_session(db.session, session_id):
        _fail(f"No session with id {session_id!r} is in the trash.")
    record(db.session, COMMAND_LINE, "session.restored", session_id)
    click.echo(f"Restored {session_id}.")


@cli.group()
def users():
    """Manage the accounts that sign in to the dashboard."""


def _new_password(generate):
    if generate:
        return generate_password(), True
    return click.prompt("Password", hide_input=True, confirmation_prompt=True), False


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--generate", is_flag=True, help="Generate a random password and print it, instead of asking.")
@with_appcontext
def create_user_command(username, role, generate):
    """Add an account; asks for its password (at least 12 characters)."""
    password, show = _new_password(generate)
    try:
        user = create_user(db.session, username, role, password, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    except AccountError as exc:
        _fail(exc.message)
    record(db.session, COMMAND_LINE, "user.created", user.username, {"role": user.role})
    click.echo(f"Created {user.username} ({user.role})." + (f" Password: {password}" if show else ""))


@users.command("set-password")
@click.argument("username")
@click.option("--generate", is_flag=True, help="Generate a random password and print it, instead of asking.")
@with_appcontext
def set_password_command(username, generate):
    """Give an account a new password; its browsers are signed out."""
    user = _existing_user(username)
    password, show = _new_password(generate)
    try:
        set_password(db.session, user, password, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    except AccountError as exc:
        _fail(exc.message)
    record(db.session, COMMAND_LINE, "user.password_changed", user.username)
    click.echo(f"Changed the password of {user.username}." + (f" Password: {password}" if show else ""))


@users.command("list")
@with_appcontext
def list_users_command():
    """Every account with its role and status."""
    for user in list_users(db.session):
        status = "disabled" if user.is_disabled else "enabled"
        click.echo(f"{user.username}\t{user.role}\t{status}")


def _existing_user(username):
    user = find_user(db.session, username)
    if user is None:
        _fail(f"There is no user named {normalize_username(username)!r}.")
    return user


@cli.group()
def tokens():
    """Manage API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--expires-in-days", type=click.IntRange(1, 3650), help="Lifetime in days; no expiry when omitted.")
@with_appcontext
def create_token_command(name, role, expires_in_days):
    """Make a token and print it on stdout, this once (only its digest is stored)."""
    expires_at = utc_now() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        token, secret = create_token(db.session, name, role, expires_at=expires_at, created_by=COMMAND_LINE.name)
    except AccountError as exc:
        _fail(exc.message)
    record(db.session, COMMAND_LINE, "token.created", token.name, {"token": token.pk, "role": token.role})
    click.echo(f"Token {token.pk} “{token.name}” ({token.role}); it is shown only now.", err=True)
    click.echo(secret)


@tokens.command("list")
@with_appcontext
def list_tokens_command():
    """Every token: id, name, role, status, last use."""
    now = utc_now()
    for token in list_tokens(db.session):
        status = "revoked" if token.revoked_at else ("active" if token.is_usable(now) else "expired")
        last_used = iso_utc(token.last_used_at) if token.last_used_at else "never used"
        click.echo(f"{token.pk}\t{token.name}\t{token.role}\t{status}\t{last_used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id):
    """Revoke a token (by the id `tokens list` shows)."""
    token = get_token(db.session, token_id)
    if token is None:
        _fail(f"There is no token {token_id}.")
    if revoke_token(db.session, token):
        record(db.session, COMMAND_LINE, "token.revoked", token.name, {"token": token.pk})
    click.echo(f"Token {token.pk} “{token.name}” is revoked.")


if __name__ == "__main__":
    cli()
