"""The migrations build exactly the models' schema, and undo it, and bring data from the first revisions to an
exact index, on SQLite and PostgreSQL."""
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, insert, inspect, select, table

from app import create_app
from app.cli.common import migrate
from app.database import unit_of_work
from app.extensions import db
from app.models import LiveCount, Session
from app.services.derived import check_derived
from app.services.search import search_conditions
from app.services.work_time import worked_drift


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


def test_every_migration_from_empty_to_head_keeps_the_data_and_leaves_the_index_exact(empty_app):
    at = datetime(2024, 5, 31, 23, 30, tzinfo=UTC)
    columns = {"is_favorite": False, "is_test": False, "is_complete": False}
    with empty_app.app_context():
        upgrade(revision="0002")
        with unit_of_work():
            sessions = table("sessions", *map(column, ["pk", "id", "fingerprint", "name", "artist", "daw", "created_at",
                                                       "deleted_at", *columns]))
            db.session.execute(insert(sessions), [
                {"pk": 1, "id": "a", "fingerprint": "a", "name": "Old Tape", "artist": "Lumen", "daw": "Pro Tools",
                 "created_at": at, "deleted_at": None, **columns},
                {"pk": 2, "id": "b", "fingerprint": "b", "name": "Second Take", "artist": "Lumen", "daw": None,
                 "created_at": None, "deleted_at": None, **columns},
                {"pk": 3, "id": "c", "fingerprint": "c", "name": "Binned", "artist": "Other", "daw": "REAPER",
                 "created_at": at, "deleted_at": at, **columns}])
            db.session.execute(insert(table("plugins", *map(column, ["pk", "id", "product_key", "name", "vendor",
                                                                     "format"]))), [
                {"pk": 7, "id": "|reverb||", "product_key": "|reverb", "name": "Reverb", "vendor": None,
                 "format": None},
                {"pk": 8, "id": "fabfilter|pro-q 3||vst3", "product_key": "fabfilter|pro-q 3", "name": "Pro-Q 3",
                 "vendor": "FabFilter", "format": "VST3"}])
            db.session.execute(insert(table("tracks", *map(column, ["session_pk", "position", "id", "name"]))), [
                {"session_pk": pk, "position": position, "id": f"t{pk}{position}", "name": name}
                for pk, position, name in ((1, 0, "Drums"), (1, 1, "Vocal"), (2, 0, "Bass"), (3, 0, "Gone"))])
            db.session.execute(insert(table("session_plugins", *map(column, ["session_pk", "plugin_pk", "count",
                                                                             "track_count"]))), [
                {"session_pk": 1, "plugin_pk": 7, "count": 3, "track_count": 2},
                {"session_pk": 1, "plugin_pk": 8, "count": 1, "track_count": 1},
                {"session_pk": 2, "plugin_pk": 8, "count": 2, "track_count": 1},
                {"session_pk": 3, "plugin_pk": 8, "count": 5, "track_count": 1}])
            db.session.execute(insert(table("tags", *map(column, ["session_pk", "name", "position"]))), [
                {"session_pk": 1, "name": "analog", "position": 0}, {"session_pk": 3, "name": "analog", "position": 0}])

        migrate()  # as `setup` and `serve` do: the schema, then every plugin's product

        assert check_derived(db.session) == []
        assert db.session.scalars(select(Session.name).order_by(Session.pk)).all() == ["Old Tape", "Second Take",
                                                                                       "Binned"]
        counts = dict(db.session.execute(select(LiveCount.dimension + "/" + LiveCount.value, LiveCount.count)).all())
        assert counts["artist/Lumen"] == 2 and counts["tag/analog"] == 1 and counts["total/tracks"] == 3
        assert counts["months of fabfilter|pro-q 3/2024-05"] == 1 and counts["vendor/FabFilter"] == 2
        assert counts["daw months of Pro Tools/2024-05"] == 1 and not any(key.startswith("daw months of REAPER")
                                                                          for key in counts)
        found = db.session.scalars(select(Session.name).where(
            *search_conditions(db.session, "analog vocal reverb"))).all()
        assert found == ["Old Tape"]


def test_a_populated_0007_era_database_goes_up_down_and_up_again_with_its_worked_time(empty_app):
    started, ended = datetime(2024, 5, 31, 10, 0, tzinfo=UTC), datetime(2024, 5, 31, 12, 30, tzinfo=UTC)
    columns = {"is_favorite": False, "is_test": False, "is_complete": False, "deleted_at": None}
    with empty_app.app_context():
        upgrade(revision="0007")
        with unit_of_work():
            sessions = table("sessions", *map(column, ["pk", "id", "fingerprint", "name", "started_at", "ended_at",
                                                       *columns]))
            db.session.execute(insert(sessions), [
                {"pk": 1, "id": "a", "fingerprint": "a", "name": "Timed", "started_at": started, "ended_at": ended,
                 **columns},
                {"pk": 2, "id": "b", "fingerprint": "b", "name": "Untimed", "started_at": started, "ended_at": None,
                 **columns}])
        for _ in range(2):
            migrate()
            assert db.session.execute(select(Session.name, Session.worked_seconds, Session.worked_from)
                                      .order_by(Session.pk)).all() == [("Timed", 9000, "start_end"),
                                                                       ("Untimed", None, None)]
            assert worked_drift(db.session) == {}
            assert db.session.scalar(select(LiveCount.count).where(LiveCount.dimension == "sessions started",
                                                                   LiveCount.value == "2024-05")) == 2
            db.session.commit()
            downgrade(revision="0007")
            inspector = inspect(db.engine)
            assert "activities" not in inspector.get_table_names()
            assert not {"worked_seconds", "worked_from", "work_seconds"} & {
                c["name"] for c in inspector.get_columns("sessions")}
            assert db.session.scalars(select(column("name")).select_from(table("sessions"))
                                      .order_by(column("pk"))).all() == ["Timed", "Untimed"]
            db.session.rollback()  # the next upgrade is seen by a new read
