"""The database connection, and the one way to write to it: a unit of work.

Every write (an API call, a page action, a command, a job step) runs inside `unit_of_work()`.
It opens its own transaction, on SQLite taking the write lock up front (BEGIN IMMEDIATE) and
waiting for it at most `WRITE_WAIT_SECONDS`; the services it calls write without committing,
its audit entry is written in the same transaction, and it commits at the end or rolls back,
leaving nothing. A statement that writes outside a unit of work is refused at once: a forgotten
boundary fails in the tests instead of as "database is locked" under load.

Reads run in ordinary transactions and never take the write lock. The small writes a read makes
on the side (a token's last use, cached stats) go through `write_incidentally`, which waits only
briefly and drops the write, never the read, when the database is busy.
"""
import logging
import re
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.exc import DBAPIError, OperationalError

from app.extensions import db

log = logging.getLogger(__name__)
# Alembic's scripts, beside the app package.
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    # FULL makes every commit durable across power loss, even in WAL mode.
    "PRAGMA synchronous=FULL",
    "PRAGMA cache_size=-131072",
)
# The execution option that marks a connection's transaction as one that writes, and how.
WRITE_MODE = "session_stats_write"
UNIT, INCIDENTAL = "unit", "incidental"
WRITE_OPTIONS = {WRITE_MODE: UNIT}
# The execution option with the seconds the transaction's first write may wait for the lock; and where a session
# keeps the turn it holds.
WAIT, TURNS = "session_stats_wait", "session_stats_turns"
# A side write of a read waits this long for the lock, then is dropped.
INCIDENTAL_WAIT_SECONDS = 0.2
WRITING = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class WriteOutsideUnitOfWork(RuntimeError):
    """A statement tried to write outside `unit_of_work()`: a programming error."""


class WriteLockTimeout(OperationalError):
    """The writes before this one in this process did not end within the wait (answered as a busy database)."""

    def __init__(self, seconds: float):
        super().__init__("BEGIN IMMEDIATE", None, TimeoutError(f"no turn to write within {seconds:g} s"))


class WriteTurns:
    """This process's writers to one SQLite database, let in one at a time in the order they came.

    SQLite's own wait polls, and the longer a writer has waited the less often it looks: without
    turns, the newest writers keep overtaking the oldest, which then run out of time.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._taken = False
        self._waiting: deque[threading.Event] = deque()

    def take(self, timeout: float) -> bool:
        """Wait for this writer's turn, at most `timeout` seconds; whether it came."""
        with self._lock:
            if not self._taken and not self._waiting:
                self._taken = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def give_back(self) -> None:
        """End this writer's turn: the longest-waiting writer has it next."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._taken = False


@dataclass(frozen=True)
class Writing:
    """How one engine's transactions wait to write: seconds per kind of transaction, and its turns (SQLite)."""

    waits: dict
    turns: WriteTurns | None


_writing: "WeakKeyDictionary[object, Writing]" = WeakKeyDictionary()


def configure_engine(engine, write_wait_seconds: float) -> None:
    """Apply the SQLite pragmas, the lock waits of each kind of transaction, and the write guard."""
    waits = {None: write_wait_seconds, UNIT: write_wait_seconds, INCIDENTAL: INCIDENTAL_WAIT_SECONDS}
    _writing[engine] = Writing(waits, WriteTurns() if engine.dialect.name == "sqlite" else None)

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_stray_writes(connection, _cursor, statement, _parameters, _context, _executemany):
        if WRITING.match(statement) and not connection.get_execution_options().get(WRITE_MODE):
            raise WriteOutsideUnitOfWork(f"a write outside a unit of work: {statement[:80]!r}")

    def wait_of(connection) -> int:
        options = connection.get_execution_options()
        return int(options.get(WAIT, waits[options.get(WRITE_MODE)]) * 1000)

    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "begin")
        def _bound_lock_waits(connection):
            if connection.get_execution_options().get(WRITE_MODE):
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_of(connection)}")
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own BEGIN handling leaves SELECTs outside the transaction;
        # take control so that a transaction starts at its first statement.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {wait_of(connection)}")
        # A transaction that reads before it writes cannot wait for the lock: SQLite refuses the
        # upgrade at once when another connection wrote meanwhile. Writers take it first.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_MODE)
                                   else "BEGIN")


def _begin(db_session, mode: str) -> None:
    if db_session.new or db_session.dirty or db_session.deleted:
        raise WriteOutsideUnitOfWork("objects were changed before the unit of work began")
    # End whatever read the request made so far: the write begins a transaction of its own.
    db_session.rollback()
    writing = _writing[db_session.get_bind()]
    wait, started = writing.waits[mode], time.monotonic()
    db_session.info[WRITE_MODE] = mode
    if writing.turns is not None:
        if not writing.turns.take(wait):
            raise WriteLockTimeout(wait)
        db_session.info[TURNS] = writing.turns
    # What is left of the wait goes to the database's own (other processes may write too).
    options = {WRITE_MODE: mode, WAIT: max(wait - (time.monotonic() - started), 0.001)}
    if writing.turns is None:
        # PostgreSQL reads one snapshot per transaction; a write waits for the rows it needs and then sees them
        # as committed, instead of failing on them.
        options["isolation_level"] = "READ COMMITTED"
    db_session.connection(execution_options=options)


def _end(db_session) -> None:
    db_session.info.pop(WRITE_MODE, None)
    turns = db_session.info.pop(TURNS, None)
    if turns is not None:
        turns.give_back()


@contextmanager
def unit_of_work(db_session=None):
    """One write, all or nothing: commits when the block ends, rolls back when it raises."""
    db_session = db_session if db_session is not None else db.session
    if db_session.info.get(WRITE_MODE):
        raise RuntimeError("a unit of work is already open on this database session")
    try:
        _begin(db_session, UNIT)
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise
    finally:
        _end(db_session)


def in_unit_of_work(db_session) -> bool:
    """True inside `unit_of_work()` (or an incidental write) on this database session."""
    return bool(db_session.info.get(WRITE_MODE))


def write_incidentally(db_session, write) -> bool:
    """Run `write(db_session)`, a small write a read makes on the side; whether it was saved.

    Inside a unit of work it is part of that unit. Otherwise it commits on its own, and when the
    database cannot take it soon (busy, full, read-only) it is dropped with a log line.
    """
    if in_unit_of_work(db_session):
        write(db_session)
        return True
    try:
        _begin(db_session, INCIDENTAL)
        write(db_session)
        db_session.commit()
        return True
    except DBAPIError as exc:
        db_session.rollback()
        if database_unavailable(exc) is None:
            raise
        log.info("A side write was skipped: %s", exc.orig)
        return False
    except BaseException:
        db_session.rollback()
        raise
    finally:
        _end(db_session)


@dataclass(frozen=True)
class Unavailable:
    """Why the database cannot take a write now, in words, and when to try again."""

    code: str
    message: str
    retry_after: int


BUSY = Unavailable("database_busy", "The database is busy with other writes.", 2)
FULL = Unavailable("disk_full", "The database's disk is full: free some space on the server.", 60)
READ_ONLY = Unavailable("database_read_only", "The database is read-only: check the permissions of its file and "
                                              "folder, or whether its disk is mounted read-only.", 60)
DISK_ERROR = Unavailable("disk_error", "The database's disk could not be read or written (an I/O error).", 60)
UNREACHABLE = Unavailable("database_unreachable", "The database server cannot be reached.", 10)
SQLITE_ERRORS = {"SQLITE_BUSY": BUSY, "SQLITE_LOCKED": BUSY, "SQLITE_FULL": FULL, "SQLITE_READONLY": READ_ONLY,
                 "SQLITE_IOERR": DISK_ERROR, "SQLITE_CANTOPEN": DISK_ERROR}
# PostgreSQL SQLSTATEs (and classes, by their first two characters).
POSTGRES_ERRORS = {"53100": FULL, "25006": READ_ONLY, "40001": BUSY, "40P01": BUSY, "55P03": BUSY, "53300": BUSY,
                   "57P01": UNREACHABLE, "57P02": UNREACHABLE, "57P03": UNREACHABLE, "08": UNREACHABLE,
                   "58": DISK_ERROR}


def database_unavailable(exc: BaseException) -> Unavailable | None:
    """Why the database refused, when it is a state that passes (busy, disk full, read-only …); None otherwise."""
    if isinstance(exc, WriteLockTimeout):
        return BUSY
    error = getattr(exc, "orig", None) or exc
    name = getattr(error, "sqlite_errorname", None)
    if name:
        return SQLITE_ERRORS.get("_".join(name.split("_")[:2]))
    state = getattr(error, "sqlstate", None)
    if state:
        return POSTGRES_ERRORS.get(state) or POSTGRES_ERRORS.get(state[:2])
    psycopg = sys.modules.get("psycopg")  # loaded only for PostgreSQL, and its errors cannot exist before it is
    if (psycopg and isinstance(error, psycopg.OperationalError)) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return UNREACHABLE
    return None


def bind_migrations(app) -> None:
    """Bind Flask-Migrate to `app` unless it is: the web app does at once, a command when it first migrates, so that
    the others start without loading Alembic."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS))


def upgrade_database() -> bool:
    """Migrate the app's database to head; True when this created its tables."""
    from flask_migrate import upgrade

    bind_migrations(current_app._get_current_object())
    created = not inspect(db.engine).has_table("sessions")
    upgrade()
    return created
