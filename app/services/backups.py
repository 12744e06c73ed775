"""Backups: one .tar.gz holding a consistent copy of the database and the instance files, checked and restored.

An archive holds `manifest.json` (first), `database/…` (a SQLite file, or a pg_dump custom-format dump) and
`instance/…` (the files of INSTANCE_FILES). The manifest names the format, the database kind and its Alembic
revision, the main tables' row counts, and the SHA-256 and size of every other member. The file format is
app.services.backup_archive's; the database copies are made and put back by app.services.backup_databases. This
module makes, checks and restores backups, says when an instance is empty enough to restore into, and runs the
schedule.
"""
import filecmp
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from sqlalchemy import delete, func, inspect, select, update

from app.database import unit_of_work, upgrade_database
from app.extensions import db
from app.models import ApiToken, Meta, Session, SignIn, User
from app.models.types import utc_now
from app.services import backup_archive as archive
from app.services import backup_databases as databases
from app.services.accounts import FIRST_ADMIN
from app.services.audit import Actor, record
from app.services.backup_archive import FORMAT, BackupError
from app.services.bulk import dialect_insert
from app.services.derived import Difference, check_derived, reidentify

log = logging.getLogger(__name__)

# The instance folder's files a backup carries, relative to it; a folder is carried whole. Adding one is a line here.
INSTANCE_FILES = ("secret_key",)
NAME_PREFIX = "session-stats-"
# Only files named like this are scheduled backups, and only they are ever pruned.
SCHEDULED_PREFIX = "session-stats-scheduled-"
SCHEDULED_NAME = re.compile(r"session-stats-scheduled-\d{8}-\d{6}\.tar\.gz")
BEFORE_RESTORE_PREFIX = "session-stats-before-restore-"
# meta rows of the schedule: when the newest scheduled backup was started, and when one last failed.
SCHEDULED_AT = "backup.scheduled_at"
FAILED_AT = "backup.failed_at"
# A failed scheduled backup is tried again after this long (or after the interval, when that is shorter).
RETRY_AFTER = timedelta(hours=1)
SCHEDULER = Actor("scheduler")


@dataclass(frozen=True)
class Backup:
    """A finished backup: where it is, how large, and its manifest."""

    path: Path
    size: int
    manifest: dict

    def summary(self) -> str:
        """What it holds, in one line."""
        return f"{describe_counts(self.manifest['counts'])}; {_database_words(self.manifest)}; {_size_words(self.size)}"


@dataclass
class CheckedBackup:
    """An archive whose members all match its manifest, extracted into a folder."""

    manifest: dict
    database: Path
    instance_files: dict[str, Path] = field(default_factory=dict)


@dataclass
class Restored:
    """What a restore did: the backup's manifest, what it kept aside, and how the restored index checks out."""

    manifest: dict
    kept_aside: list[Path]
    count_differences: dict
    differences: list[Difference]


def backup_dir() -> Path:
    """The folder backups go to by default (BACKUP_DIR)."""
    return Path(current_app.config["BACKUP_DIR"])


def backup_path(now: datetime, prefix: str = NAME_PREFIX) -> Path:
    """The default path of a backup made at `now`: the folder, the prefix and the UTC time to the second."""
    return backup_dir() / f"{prefix}{now:%Y%m%d-%H%M%S}.tar.gz"


def make_backup(path=None, *, now: datetime | None = None, prefix: str = NAME_PREFIX) -> Backup:
    """Write a consistent copy of the database and the instance files to `path` (a new file), while others write."""
    now = now or utc_now()
    target = Path(path) if path else backup_path(now, prefix)
    if target.is_dir():
        target = target / backup_path(now, prefix).name
    if target.exists():
        raise BackupError(f"{target} exists: a backup never replaces a file. Choose another path.")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Everything is made inside a hidden folder beside the target and only then given its name, so that an
    # interrupted backup never looks like a finished one (and there is room for it on that disk).
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".session-stats-backup-") as staging:
        staging = Path(staging)
        copy = databases.copy_database(staging)
        members = {copy.member: copy.path, **_instance_members()}
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "database": {"kind": copy.kind, "member": copy.member, "revision": copy.revision},
            "counts": copy.counts,
            "files": archive.file_entries(members),
        }
        partial = staging / "archive.partial"
        archive.write_archive(partial, manifest, members, now)
        archive.publish(partial, target)
    return Backup(target, target.stat().st_size, manifest)


def _instance_members() -> dict[str, Path]:
    folder = Path(current_app.instance_path)
    members = {}
    for name in INSTANCE_FILES:
        path = folder / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.is_file() else []
        for file in files:
            members["instance/" + file.relative_to(folder).as_posix()] = file
    return members


def check_backup(path, folder: Path, kind: str | None = None) -> CheckedBackup:
    """Extract the archive at `path` into `folder` and check it: its manifest, every member's SHA-256, a database
    (of `kind`, if given) this code can migrate, and (SQLite) the copy's integrity; BackupError saying what is wrong."""
    name = Path(path).name
    manifest, extracted = archive.read_archive(path, folder)
    database = manifest["database"]
    if database.get("member") not in extracted or database.get("kind") not in databases.KINDS:
        raise BackupError(f"{name}'s manifest names no database this version can restore.")
    if kind and database["kind"] != kind:
        raise BackupError(f"{name} holds a {databases.KINDS[database['kind']]} database and this instance uses "
                          f"{databases.KINDS[kind]}: a backup restores into the same kind. (To move between them, use "
                          "`session-stats export` and `import-legacy`.)")
    check_revision(database.get("revision"), f"The database in {name}")
    databases.check_copy(database["kind"], extracted[database["member"]], database["revision"], name)
    instance = {member.removeprefix("instance/"): file for member, file in extracted.items()
                if member.startswith("instance/")}
    return CheckedBackup(manifest, extracted[database["member"]], instance)


def check_revision(revision: str | None, what: str) -> None:
    """BackupError unless `revision` is one of this code's migrations (so that it can be migrated to head)."""
    if revision not in databases.known_revisions():
        raise BackupError(f"{what} is at migration {revision!r}, which this version of Session Stats does not know: "
                          "a newer version made it. Restore with that version, or a newer one.")


def occupants(db_session) -> list[str]:
    """What the database holds that a restore must not replace, in words; empty when it counts as empty.

    Empty: no sessions (live or in the trash), no API tokens, and no accounts but the first admin that `setup` or
    `serve` generates, as long as nobody has signed in with it.
    """
    tables = set(inspect(db_session.get_bind()).get_table_names())
    if "alembic_version" in tables:
        check_revision(db_session.scalar(databases.REVISION_QUERY), "The database of this instance")
    found = []
    sessions = db_session.scalar(select(func.count()).select_from(Session)) if "sessions" in tables else 0
    if sessions:
        found.append(f"{sessions:,} session{'s' if sessions != 1 else ''} (in the index or the trash)")
    tokens = db_session.scalar(select(func.count()).select_from(ApiToken)) if "api_tokens" in tables else 0
    if tokens:
        found.append(f"{tokens:,} API token{'s' if tokens != 1 else ''}")
    users = (db_session.execute(select(User.username, User.role, User.last_sign_in_at)).all()
             if "users" in tables else [])
    signed_in = bool(db_session.scalar(select(func.count()).select_from(SignIn))) if "sign_ins" in tables else False
    generated = (len(users) == 1 and users[0].username == FIRST_ADMIN and users[0].role == "admin"
                 and users[0].last_sign_in_at is None and not signed_in)
    if users and not generated:
        found.append(f"{len(users)} accounts" if len(users) > 1 else f"the account {users[0].username!r}, which "
                     + ("has been signed in with" if users[0].username == FIRST_ADMIN else "someone made"))
    return found


def restore_backup(path, *, now: datetime | None = None) -> Restored:
    """Check the backup at `path`, then restore it into this empty instance, migrate it to head and check its
    derived figures; BackupError (and nothing changed) when it is refused."""
    now = now or utc_now()
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=instance, prefix=".restore-") as work:
        try:
            checked = check_backup(path, Path(work), kind=databases.database_kind())
            _check_target()
        except BackupError as exc:
            raise BackupError(f"{exc.message} Nothing was changed.") from None
        stamp = f"{now:%Y%m%d-%H%M%S}"
        kept = []
        # What the database held (a generated admin, its audit entries) is kept aside, whole, before it is replaced.
        if databases.has_tables():
            kept.append(make_backup(now=now, prefix=BEFORE_RESTORE_PREFIX).path)
        try:
            databases.restore_database(checked.database)
        except BackupError as exc:
            before = f" What the instance held before is in {kept[0]}." if kept else ""
            raise BackupError(exc.message + before) from None
        kept += _restore_instance_files(checked.instance_files, stamp)
    upgrade_database()
    with unit_of_work():
        reidentify(db.session)
    counted = databases.live_counts()
    differences = {key: (value, counted.get(key)) for key, value in checked.manifest["counts"].items()
                   if counted.get(key) != value}
    return Restored(checked.manifest, kept, differences, check_derived(db.session))


def _check_target() -> None:
    found = occupants(db.session)
    db.session.remove()
    if found:
        raise BackupError("This instance is not empty: it holds " + ", ".join(found) + ". A backup restores only into "
                          "an empty instance (one whose only content is the admin account that setup or serve "
                          "generated, never signed in with), so that nothing is lost. Point "
                          "SESSION_STATS_INSTANCE_PATH (SQLite) or SESSION_STATS_DATABASE_URL (PostgreSQL) at a new "
                          "one and restore there.")


def _restore_instance_files(files: dict[str, Path], stamp: str) -> list[Path]:
    instance, kept = Path(current_app.instance_path), []
    for relative, extracted in sorted(files.items()):
        target = instance / relative
        if target.is_file() and filecmp.cmp(target, extracted, shallow=False):
            continue
        if target.exists():
            aside = target.with_name(f"{target.name}.before-restore-{stamp}")
            target.rename(aside)
            kept.append(aside)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(extracted, target)
        target.chmod(0o600)
    return kept


def forget_schedule(db_session) -> None:
    """Drop the schedule's rows (a restored copy carries its source's), so that this instance schedules its own."""
    db_session.execute(delete(Meta).where(Meta.key.in_((SCHEDULED_AT, FAILED_AT))))


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` scheduled backups in `folder` (no other file); the deleted paths."""
    # The names hold the UTC time, so their order is the order they were made in.
    scheduled = sorted(p for p in Path(folder).iterdir() if SCHEDULED_NAME.fullmatch(p.name) and p.is_file())
    doomed = scheduled[:-keep] if keep > 0 else scheduled
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def run_scheduled_backup(now: datetime | None = None) -> Backup | None:
    """The periodic task: make a scheduled backup when the newest is older than the interval, and prune; the backup,
    or None when none was due or another consumer took this turn. A job step: it opens its own units of work."""
    interval = timedelta(hours=float(current_app.config["BACKUP_INTERVAL_HOURS"]))
    if interval <= timedelta(0):
        return None
    now = now or utc_now()
    claimed = _claim_turn(now, interval)
    if claimed is None:
        return None
    try:
        backup = make_backup(now=now, prefix=SCHEDULED_PREFIX)
    except Exception as exc:
        log.exception("The scheduled backup failed")
        with unit_of_work():
            _give_back_turn(db.session, claimed, now)
            reason = str(getattr(exc, "message", exc))[:2000]
            record(db.session, SCHEDULER, "backup.failed", None, {"reason": reason})
        return None
    try:
        pruned = [path.name for path in prune_backups(backup.path.parent, int(current_app.config["BACKUP_KEEP"]))]
    except OSError as exc:
        # The new backup is made all the same; the older ones go next time.
        log.warning("Older scheduled backups could not be deleted: %s", exc)
        pruned = f"failed: {exc}"
    with unit_of_work():
        record(db.session, SCHEDULER, "backup.created", backup.path.name,
               {"size": backup.size, "scheduled": True, "pruned": pruned})
    return backup


class _Turn(NamedTuple):
    """This consumer's claim on the schedule: the value it wrote, and the one it replaced (None: there was none)."""

    ours: str
    seen: str | None


def _schedule(db_session) -> dict:
    return dict(db_session.execute(select(Meta.key, Meta.value).where(Meta.key.in_((SCHEDULED_AT, FAILED_AT)))).all())


def _due(schedule: dict, now: datetime, interval: timedelta) -> bool:
    seen, failed = schedule.get(SCHEDULED_AT), schedule.get(FAILED_AT)
    return ((seen is None or now - datetime.fromisoformat(seen) >= interval)
            and (failed is None or now - datetime.fromisoformat(failed) >= min(interval, RETRY_AFTER)))


def _claim_turn(now: datetime, interval: timedelta) -> _Turn | None:
    # Most checks find nothing due: a plain read answers them without taking the write lock.
    due = _due(_schedule(db.session), now, interval)
    db.session.rollback()
    if not due:
        return None
    # Several consumers (threads, processes, machines sharing Redis) run this task at about the same time; a
    # compare-and-swap on one meta row lets exactly one of them through per interval, whatever the database.
    with unit_of_work() as db_session:
        schedule = _schedule(db_session)
        if not _due(schedule, now, interval):
            return None
        seen, ours = schedule.get(SCHEDULED_AT), now.isoformat()
        if seen is None:
            statement = dialect_insert(db_session, Meta.__table__).values(key=SCHEDULED_AT, value=ours)
            statement = statement.on_conflict_do_nothing(index_elements=["key"])
        else:
            statement = update(Meta).where(Meta.key == SCHEDULED_AT, Meta.value == seen).values(value=ours)
        # RETURNING tells whether this statement wrote the row (psycopg's rowcount does not, for ON CONFLICT).
        won = db_session.execute(statement.returning(Meta.key)).first() is not None
        return _Turn(ours, seen) if won else None


def _give_back_turn(db_session, turn: _Turn, now: datetime) -> None:
    # The newest scheduled backup is the one before again; the failure's time holds the next try off for a while.
    mine = (Meta.key == SCHEDULED_AT, Meta.value == turn.ours)
    if turn.seen is None:
        db_session.execute(delete(Meta).where(*mine))
    else:
        db_session.execute(update(Meta).where(*mine).values(value=turn.seen))
    statement = dialect_insert(db_session, Meta.__table__).values(key=FAILED_AT, value=now.isoformat())
    db_session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": now.isoformat()}))


def describe_counts(counts: dict) -> str:
    """The manifest's counts in words: "42 sessions (3 in the trash), 2 users, 1 API token"."""
    live, trashed = counts.get("sessions_live", 0), counts.get("sessions_trashed", 0)
    users, tokens = counts.get("users", 0), counts.get("api_tokens", 0)
    return (f"{live + trashed:,} session{'s' if live + trashed != 1 else ''} ({trashed:,} in the trash), "
            f"{users:,} user{'s' if users != 1 else ''}, {tokens:,} API token{'s' if tokens != 1 else ''}")


def _database_words(manifest: dict) -> str:
    database = manifest["database"]
    return f"{databases.KINDS[database['kind']]} at migration {database['revision']}"


def _size_words(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    scaled, unit = next((size / 1000 ** power, unit) for power, unit in ((3, "GB"), (2, "MB"), (1, "KB"))
                        if size >= 1000 ** power)
    return f"{scaled:,.1f} {unit}"
