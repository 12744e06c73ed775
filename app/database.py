"""Connection settings that the embedded SQLite database needs to be safe and fast."""
from flask_migrate import upgrade
from sqlalchemy import event, inspect

from app.extensions import db

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    # FULL makes every commit durable across power loss, even in WAL mode.
    "PRAGMA synchronous=FULL",
    "PRAGMA cache_size=-131072",
)


def configure_engine(engine):
    """Apply the SQLite pragmas and transaction handling; PostgreSQL needs nothing."""
    if engine.dialect.name != "sqlite":
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
        connection.exec_driver_sql("BEGIN")


def upgrade_database() -> bool:
    """Migrate the app's database to head; True when this created its tables."""
    created = not inspect(db.engine).has_table("sessions")
    upgrade()
    return created
