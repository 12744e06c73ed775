"""The migrations build exactly the models' schema, and undo it, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database("session_stats_migrations")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upgrade_matches_models_and_downgrade_empties(empty_app):
    with empty_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"sessions", "tags", "tracks", "plugins", "track_plugins", "session_plugins", "sources",
                "meta", "users", "api_tokens", "audit_entries", "plugin_totals", "session_search"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_name": include_name})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def include_name(name, type_, parent_names):
    return not (type_ == "table" and name.startswith("session_search"))
