"""The database in a backup: a consistent copy while others write, its check, and putting it back, per kind.

SQLite is copied and restored with its online backup API; PostgreSQL with pg_dump (custom format) and pg_restore,
which are looked up on PATH, else the newest under /usr/lib/postgresql/*/bin, and given the password through
PGPASSWORD only.
"""
import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade
from sqlalchemy import inspect, text

from app.database import bind_migrations, unit_of_work
from app.extensions import db
from app.services.backup_archive import BackupError

KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEMBERS = {"sqlite": "database/session-stats.db", "postgresql": "database/session-stats.pgdump"}
REVISION_QUERY = text("SELECT version_num FROM alembic_version")
TABLES = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
          "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"}
# The manifest's row counts: (the table they need, the query).
COUNTS = {
    "sessions_live": ("sessions", "SELECT count(*) FROM sessions WHERE deleted_at IS NULL"),
    "sessions_trashed": ("sessions", "SELECT count(*) FROM sessions WHERE deleted_at IS NOT NULL"),
    "tracks": ("tracks", "SELECT count(*) FROM tracks"),
    "plugin_instances": ("track_plugins", "SELECT count(*) FROM track_plugins"),
    "users": ("users", "SELECT count(*) FROM users"),
    "api_tokens": ("api_tokens", "SELECT count(*) FROM api_tokens"),
}


@dataclass(frozen=True)
class Copy:
    """A copy of the database in a file, with its migration and row counts at the moment it was taken."""

    kind: str
    member: str
    path: Path
    revision: str
    counts: dict


def database_kind() -> str:
    """The kind of the app's database: sqlite or postgresql."""
    return db.engine.dialect.name


def known_revisions() -> set[str]:
    """Every migration this code has, by revision."""
    bind_migrations(current_app._get_current_object())
    config = current_app.extensions["migrate"].migrate.get_config()
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def has_tables() -> bool:
    """True when the app's database exists and has tables."""
    if database_kind() == "sqlite" and not _sqlite_path().exists():
        return False
    return bool(inspect(db.engine).get_table_names())


def live_counts() -> dict:
    """The manifest's row counts, of the app's database now."""
    return _describe(lambda sql: db.session.execute(text(sql)).all(), database_kind())[1]


def copy_database(staging: Path) -> Copy:
    """Copy the app's database into `staging` as one consistent snapshot, while other connections write."""
    kind = database_kind()
    path = staging / Path(MEMBERS[kind]).name
    if kind == "sqlite":
        revision, counts = _copy_sqlite(path)
    else:
        revision, counts = _copy_postgres(path)
    return Copy(kind, MEMBERS[kind], path, revision, counts)


def _copy_sqlite(path: Path) -> tuple[str, dict]:
    source_path = _sqlite_path()
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path} yet: run `session-stats setup` first.")
    source = sqlite3.connect(source_path, timeout=_wait())
    try:
        copy = sqlite3.connect(path)
        try:
            # One step (pages=-1) copies every page within a single read transaction: a snapshot of one moment,
            # while writers go on in the WAL. Smaller steps would restart whenever another connection writes.
            source.backup(copy, pages=-1)
            # The copy carries the source's WAL mode; as one self-contained file it needs none.
            copy.execute("PRAGMA journal_mode=DELETE")
            return _describe(lambda sql: copy.execute(sql).fetchall(), "sqlite")
        finally:
            copy.close()
    finally:
        source.close()


def _copy_postgres(path: Path) -> tuple[str, dict]:
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # pg_dump reads the snapshot of this transaction, so the manifest's counts describe the dump exactly.
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            described = _describe(lambda sql: connection.exec_driver_sql(sql).all(), "postgresql")
            _run("pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={path}")
    return described


def _describe(rows, kind: str) -> tuple[str, dict]:
    tables = {row[0] for row in rows(TABLES[kind])}
    if "alembic_version" not in tables:
        raise BackupError("The database has no tables yet: run `session-stats setup` first.")
    revision = rows(str(REVISION_QUERY))[0][0]
    return revision, {key: rows(sql)[0][0] for key, (table, sql) in COUNTS.items() if table in tables}


def check_copy(kind: str, path: Path, revision: str, name: str) -> None:
    """BackupError unless the extracted copy is a sound database of `kind` at `revision`."""
    if kind == "postgresql":
        # Reading the dump's table of contents finds a truncated or foreign file without a server.
        _run("pg_restore", "--list", str(path), database=False)
        return
    try:
        copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check").fetchall()]
            found = copy.execute(str(REVISION_QUERY)).fetchone()
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The database in {name} cannot be read ({exc}).") from None
    if problems != ["ok"]:
        raise BackupError(f"The database in {name} fails SQLite's integrity check: {'; '.join(problems[:5])}")
    if found is None or found[0] != revision:
        raise BackupError(f"The database in {name} is at migration {found and found[0]!r}, not {revision!r} as its "
                          "manifest says.")


def restore_database(path: Path) -> None:
    """Replace the app's (empty) database with the checked copy at `path`."""
    if database_kind() == "sqlite":
        _restore_sqlite(path)
    else:
        _restore_postgres(path)
    db.session.remove()
    db.engine.dispose()


def _restore_sqlite(path: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    db.session.remove()
    db.engine.dispose()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target, timeout=_wait())
        try:
            # Written through the target's own locks and WAL, not a file swapped underneath: a server that has it
            # open sees the restored database at its next transaction.
            source.backup(destination, pages=-1)
        finally:
            destination.close()
    finally:
        source.close()


def _restore_postgres(path: Path) -> None:
    if has_tables():
        # Only an empty database gets here. Its migrations take away what they made (tables, search functions,
        # triggers), so that the dump's own can take their place.
        bind_migrations(current_app._get_current_object())
        downgrade(revision="base")
        with unit_of_work():
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.remove()
        db.engine.dispose()
    left = inspect(db.engine).get_table_names()
    if left:
        raise BackupError(f"The database still has tables after migrating it down ({', '.join(sorted(left))}); "
                          "restore into a new, empty database.")
    # One transaction: a restore that fails leaves the database as empty as it was.
    _run("pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", "--no-password", str(path))


def pg_program(name: str) -> str:
    """The path of a PostgreSQL client program: on PATH, else the newest in /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not candidates:
        raise BackupError(f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL "
                          "client programs (Debian: postgresql-client) of the server's major version or newer.")
    return max(candidates, key=lambda path: [int(part) for part in re.findall(r"\d+", Path(path).parent.parent.name)])


def _run(name: str, *args: str, database: bool = True) -> None:
    env, command = dict(os.environ), [pg_program(name), *args]
    if database:
        url = db.engine.url
        if url.password is not None:
            # Never on the command line, where every user of the machine can read it.
            env["PGPASSWORD"] = str(url.password)
        command.append("--dbname=" + url._replace(drivername="postgresql", password=None)
                       .render_as_string(hide_password=False))
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{name} failed: {done.stderr.strip() or f'exit status {done.returncode}'}")


def _sqlite_path() -> Path:
    return Path(db.engine.url.database).resolve()


def _wait() -> float:
    return float(current_app.config["WRITE_WAIT_SECONDS"])
