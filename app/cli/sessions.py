"""Commands over sessions: ingest, export and import, the trash."""
import sys
from pathlib import Path

import click

from app.cli import cli
from app.cli.common import echo_json, fail, with_app_context
from app.cli.writing import import_legacy_file, writing
from app.extensions import db
from app.json_text import json_bytes
from app.payloads import PayloadError, ingest_error_details, parse_ingest_request
from app.services.audit import COMMAND_LINE, record
from app.services.hook_runs import run_hooks_on_ingested
from app.services.ingest import IngestError, ingest_sessions
from app.services.sessions import iter_sessions, last_ingested_at, restore_session


@cli.command()
@click.argument("source", type=click.File("rb"))
@with_app_context
def ingest(source):
    """Ingest a file (or - for stdin) with the body of POST /api/session-stats."""
    try:
        sessions, replace, prefix = parse_ingest_request(source.read())
        with writing():
            result = ingest_sessions(db.session, sessions, replace=replace)
            record(db.session, COMMAND_LINE, "sessions.replaced" if replace else "sessions.ingested",
                   getattr(source, "name", "stdin"), result.counts())
    except PayloadError as exc:
        fail(exc.message, exc.details)
    except IngestError as exc:
        fail(exc.message, ingest_error_details(exc, prefix))
    run_hooks_on_ingested(db.session, result.inserted + result.updated)
    echo_json(result.summary())


@with_app_context
def ingest_extracted(sessions):
    """Ingest sessions read from files, or fail naming each file whose session was refused."""
    try:
        with writing():
            result = ingest_sessions(db.session, sessions)
            record(db.session, COMMAND_LINE, "sessions.ingested", "extract", result.counts())
    except IngestError as exc:
        fail(exc.message, [{"path": f"{sessions[index].path} ({path})", "message": message}
                            for index, path, message in exc.problems])
    run_hooks_on_ingested(db.session, result.inserted + result.updated)
    echo_json(result.summary())


@cli.command()
@with_app_context
def export():
    """Write the whole index as SessionStatsData JSON to stdout, a session at a time."""
    sys.stdout.flush()
    out = sys.stdout.buffer  # the JSON is UTF-8 bytes already
    out.write(b'{"sessions": [')
    for number, session in enumerate(iter_sessions(db.session)):
        out.write(b",\n" if number else b"\n")
        out.write(json_bytes(session))
    out.write(b"\n]")
    stamp = last_ingested_at(db.session)
    if stamp:
        out.write(b', "lastIngestedAt": ' + json_bytes(stamp))
    out.write(b"}\n")
    out.flush()


@cli.command("import-legacy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_app_context
def import_legacy_command(path):
    """Import a SessionStatsData JSON file from the older JSON store."""
    import_legacy_file(path)


@cli.group()
def trash():
    """The trash: sessions moved out of the index, which can come back."""


@trash.command("restore")
@click.argument("session_id")
@with_app_context
def restore_from_trash(session_id):
    """Take a session out of the trash."""
    with writing():
        restored = restore_session(db.session, session_id)
        if restored:
            record(db.session, COMMAND_LINE, "session.restored", session_id)
    if not restored:
        fail(f"No session with id {session_id!r} is in the trash.")
    click.echo(f"Restored {session_id}.")
