"""The `session-stats` command."""
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from pydantic import ValidationError

from app import create_app
from app.config import LEGACY_JSON_FILENAME
from app.database import upgrade_database
from app.extensions import db
from app.payloads import PayloadError, ingest_error_details, parse_ingest_request, validation_details
from app.sample_data import generate_sessions
from app.services.ingest import IngestError, ingest_sessions
from app.services.legacy import import_legacy
from app.services.sessions import iter_sessions, last_ingested_at, restore_session
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
    click.echo(f"Session Stats on http://{host}:{port}/")
    waitress_serve(app, host=host, port=port, threads=threads)


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
    click.echo(f"Imported {path}: {len(result.inserted)} new and {len(result.updated)} updated sessions.")


@cli.command()
@click.argument("session_id")
@with_appcontext
def restore(session_id):
    """Take a session out of the trash."""
    if not restore_session(db.session, session_id):
        _fail(f"No session with id {session_id!r} is in the trash.")
    click.echo(f"Restored {session_id}.")


if __name__ == "__main__":
    cli()
