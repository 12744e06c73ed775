"""Reading session files from the command line; light, so that it starts at once."""
from pathlib import Path

import click

from app.cli import cli
from app.cli.common import echo_json
from app.extractors import ExtractError, extract_file


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
            # Only now the server side: reading files needs none of it.
            from app.cli.sessions import ingest_extracted

            ingest_extracted(sessions)
    else:
        echo_json({"action": "ingestSessions", "payload": {"sessions": [
            session.model_dump(mode="json", by_alias=True, exclude_unset=True) for session in sessions]}})
    if failures:
        raise click.exceptions.Exit(1)
