"""Commands over remote sources and the encryption keys of the secrets kept for them."""
import os

import click
from flask import current_app

from app.cli import cli
from app.cli.common import echo_json, fail, with_app_context
from app.cli.writing import writing
from app.credentials import KEY_VARIABLE, CredentialError, keyring
from app.extensions import db
from app.models.job import SUCCEEDED
from app.normalize import iso_utc
from app.remote.client import breaker_state
from app.remote.sync import run_sync, start_sync
from app.services.audit import COMMAND_LINE, record
from app.services.jobs import claim_job, get_job
from app.services.remote_sources import (SourceError, add_source, get_source, imported_counts, list_sources,
                                         reencrypt_secrets, remove_source, unreadable_secrets)

TOKEN_VARIABLE = "SESSION_STATS_SOURCE_TOKEN"


@cli.group()
def sources():
    """Manage the remote Session Stats servers this one pulls sessions from."""


@sources.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--artist", default="", help="Only this artist's sessions.")
@click.option("--tag", default="", help="Only sessions with this tag.")
@click.option("--daw", default="", help="Only sessions of this DAW.")
@click.option("--every", "every_minutes", type=click.IntRange(1, 10080), default=None,
              help="Sync every this many minutes (default: only when asked).")
@with_app_context
def add_command(name, url, artist, tag, daw, every_minutes):
    """Add a remote source; its API token is read from SESSION_STATS_SOURCE_TOKEN or asked for, never taken as an
    argument."""
    token = os.environ.get(TOKEN_VARIABLE) or click.prompt("API token of the remote server", hide_input=True)
    try:
        with writing():
            source = add_source(db.session, keyring(current_app), name, url, token, created_by=COMMAND_LINE.name,
                                filters={"artist": artist, "tag": tag, "daw": daw}, every_minutes=every_minutes)
            record(db.session, COMMAND_LINE, "source.added", source.name,
                   {"url": source.base_url, "filters": source.filters, "every_minutes": source.every_minutes})
    except (SourceError, CredentialError) as exc:
        fail(getattr(exc, "message", str(exc)))
    click.echo(f"Added source {source.name} ({source.base_url}). Sync it with `session-stats sources sync "
               f"{source.name}`.")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_app_context
def list_command(as_json):
    """The sources, with their state and last sync."""
    counts = imported_counts(db.session)
    rows = [{"name": s.name, "url": s.base_url, "filters": s.filters, "everyMinutes": s.every_minutes,
             "state": "paused" if s.paused else "active", "breaker": breaker_state(s.name),
             "lastSyncAt": iso_utc(s.last_sync_at), "lastError": s.last_error,
             "sessions": counts.get(s.pk, (0, 0))[0], "goneAtSource": counts.get(s.pk, (0, 0))[1]}
            for s in list_sources(db.session)]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']}\t{row['url']}\t{row['state']}\tlast sync {row['lastSyncAt'] or 'never'}\t"
                   f"{row['sessions']} sessions")
    if not rows:
        click.echo("No sources. Add one with `session-stats sources add NAME URL`.")
    unreadable = unreadable_secrets(db.session, keyring(current_app))
    if unreadable:
        click.echo(f"Cannot read the secrets of: {', '.join(unreadable)}; enter them again.", err=True)


def _source(name: str):
    source = get_source(db.session, name)
    if source is None:
        fail(f"No source is named {name!r}; `session-stats sources list` shows them.")
    return source


@sources.command("sync")
@click.argument("name")
@with_app_context
def sync_command(name):
    """Sync a source now, in the foreground; prints what it did as JSON (added, updated, unchanged, gone, failed)."""
    source = _source(name)
    with writing():
        job, new = start_sync(db.session, source, COMMAND_LINE.name)
        if not new:
            fail(f"A sync of {name} is already queued or running (job #{job.pk}).")
        record(db.session, COMMAND_LINE, "source.sync_started", source.name, {"job": job.pk})
    with writing():
        job = claim_job(db.session, job.pk)
    summary = run_sync(db.session, job)
    job = get_job(db.session, job.pk)
    echo_json({"job": job.pk, "status": job.status, **summary} | ({"message": job.message} if job.message else {}))
    if job.status != SUCCEEDED:
        raise SystemExit(1)


@sources.command("remove")
@click.argument("name")
@with_app_context
def remove_command(name):
    """Remove a source: it syncs no more; the sessions it brought stay, marked as from a removed source."""
    source = _source(name)
    with writing():
        remove_source(db.session, source)
        record(db.session, COMMAND_LINE, "source.removed", source.name)
    click.echo(f"Removed {name}; its sessions stay.")


@cli.group()
def keys():
    """The encryption keys of the secrets kept in the database (remote tokens, webhook secrets)."""


@keys.command("rotate")
@with_app_context
def rotate_command():
    """Encrypt every stored secret under a new key; the old key stays readable until all are done. With keys from
    SESSION_STATS_ENCRYPTION_KEY, put the new key first there, then run this."""
    ring = keyring(current_app)
    try:
        if not ring.from_environment:
            ring.begin_rotation()
        with writing():
            count = reencrypt_secrets(db.session, ring)
            record(db.session, COMMAND_LINE, "keys.rotated", None, {"secrets": count})
        ring.finish_rotation()
    except CredentialError as exc:
        fail(str(exc))
    where = KEY_VARIABLE + " (its first key)" if ring.from_environment else str(ring.key_file)
    click.echo(f"Encrypted {count} secret(s) under the newest key in {where}.")
