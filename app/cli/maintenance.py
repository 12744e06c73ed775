"""Commands that keep the index sound: checking and rebuilding what it derives from its rows; backups."""
import tempfile
from pathlib import Path

import click
from flask import current_app

from app.cli import cli
from app.cli.common import fail, with_app_context
from app.cli.writing import writing
from app.extensions import db
from app.services.audit import COMMAND_LINE, record
from app.services.backups import (
    BackupError,
    check_backup,
    describe_counts,
    forget_schedule,
    make_backup,
    restore_backup,
)
from app.services.bulk_edit import remove_samples
from app.services.derived import check_derived, drift_report, rebuild_derived
from app.services.identities import identity_plan, instances_in_plan


@cli.group()
def rollups():
    """The figures the index keeps from its rows: products, counts, totals, search indexes, cached stats."""


def _echo_report(report: dict) -> None:
    for table, drift in report.items():
        click.echo(f"{table}: {drift['rows']:,} {'row differs' if drift['rows'] == 1 else 'rows differ'}")
        for example in drift["examples"]:
            click.echo(f"  {example['row']}: kept {example['kept']!r}, counted {example['counted']!r}")


@rollups.command("rebuild")
@click.option("--check", is_flag=True, help="Only report what differs from a recount (exit status 1 when anything "
                                             "does); change nothing.")
@with_app_context
def rebuild(check):
    """Recount every maintained figure from the rows and repair what differs."""
    drift = check_derived(db.session)
    if check:
        report = drift_report(drift)
        if not report:
            click.echo("Every maintained figure equals a recount from the rows.")
            return
        _echo_report(report)
        if "plugins" in report:
            moving = instances_in_plan(db.session, identity_plan(db.session))
            click.echo(f"{moving:,} plugin instances in live sessions would move to another product.")
        raise click.exceptions.Exit(1)
    # A healthy index is found so by a read: only drift takes the write lock, to count its figures again and repair.
    with writing():
        report = drift_report(rebuild_derived(db.session, drift))
        record(db.session, COMMAND_LINE, "rollups.rebuilt", None,
               {table: drift["rows"] for table, drift in report.items()})
    if report:
        _echo_report(report)
        click.echo("Repaired: every maintained figure now equals a recount from the rows.")
    else:
        click.echo("Nothing to repair: every maintained figure equals a recount from the rows.")


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_app_context
def backup(path):
    """Write the database and the instance files to one .tar.gz, consistently, while the server runs.

    PATH is a new file or a folder; by default the backup goes to SESSION_STATS_BACKUP_DIR
    as session-stats-YYYYMMDD-HHMMSS.tar.gz (UTC). An existing file is never replaced.
    """
    try:
        made = make_backup(path)
    except BackupError as exc:
        fail(exc.message)
    with writing():
        record(db.session, COMMAND_LINE, "backup.created", made.path.name, {"size": made.size})
    click.echo(str(made.path))
    click.echo(f"Backed up {made.summary()}.")


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Only check the backup (checksums, database, migration); "
                                                          "change nothing.")
@with_app_context
def restore(path, check_only):
    """Check a backup, then restore it into this empty instance, migrate it and check its figures.

    Empty means: no sessions (none in the trash either), no API tokens, and no account but the
    admin that setup or serve generated, never signed in with. What is replaced is kept aside.
    """
    try:
        if check_only:
            Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=current_app.instance_path, prefix=".check-") as work:
                manifest = check_backup(path, Path(work)).manifest
            click.echo(f"{path.name} is sound: every member matches its SHA-256 and the database can be restored "
                       f"here ({describe_counts(manifest['counts'])}; made {manifest['created_at']}).")
            return
        restored = restore_backup(path)
    except BackupError as exc:
        fail(exc.message)
    with writing():
        forget_schedule(db.session)
        record(db.session, COMMAND_LINE, "backup.restored", path.name, {"created_at": restored.manifest["created_at"]})
    click.echo(f"Restored {path.name} (made {restored.manifest['created_at']}): "
               f"{describe_counts(restored.manifest['counts'])}; migrated to the newest schema.")
    for kept in restored.kept_aside:
        click.echo(f"Kept what it replaced: {kept}")
    click.echo("Restart the server and workers of this instance so that they use the restored secret key.")
    problems = False
    for key, (expected, found) in restored.count_differences.items():
        click.echo(f"{key}: the backup counted {expected}, the restored database holds {found}", err=True)
        problems = True
    report = drift_report(restored.differences)
    if report:
        _echo_report(report)
        click.echo("Run `session-stats rollups rebuild` to repair these figures.", err=True)
        problems = True
    else:
        click.echo("Every maintained figure equals a recount from the rows.")
    if problems:
        raise click.exceptions.Exit(1)


@cli.group()
def samples():
    """The sample sessions `setup --sample` loads (and `make run`), made up to try Session Stats with."""


@samples.command("remove")
@with_app_context
def remove_sample_sessions():
    """Move every sample session to the trash (restore them from there, or delete them for good)."""
    with writing():
        removed = remove_samples(db.session)
        if removed:
            record(db.session, COMMAND_LINE, "samples.removed", None, {"sessions": removed})
    click.echo(f"Moved {removed:,} sample session{'' if removed == 1 else 's'} to the trash." if removed else
               "There are no sample sessions.")
