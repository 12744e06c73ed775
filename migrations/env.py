"""Alembic environment: migrate the database of the current Flask app."""
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app.database import WRITE_OPTIONS
from app.models.session import made_by_models

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def run_migrations_offline():
    """Emit SQL for the configured URL without connecting."""
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        include_name=made_by_models,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys(connection, enforced: bool) -> None:
    """Turn SQLite's foreign keys on or off for this connection (outside a transaction, where SQLite lets it)."""
    if connection.dialect.name == "sqlite":
        connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")


def run_migrations_online():
    """Run migrations on a connection of the app's engine."""
    with db.engine.connect() as connection:
        # Batch mode alters a SQLite table by copying it and dropping the original: with foreign keys enforced, the
        # drop would delete every row that refers to it (tracks, tags, activities …) through ON DELETE CASCADE.
        _sqlite_foreign_keys(connection, False)
        try:
            # A migration writes: on SQLite it takes the write lock before its first statement.
            connection.execution_options(**WRITE_OPTIONS)
            context.configure(connection=connection, target_metadata=target_metadata, include_name=made_by_models,
                              render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            _sqlite_foreign_keys(connection, True)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
