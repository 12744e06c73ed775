"""The migrations build exactly the models' schema, and undo it, and bring data from the first revisions to an
exact index, on SQLite and PostgreSQL."""
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, func, insert, inspect, select, table

from app import create_app
from app.cli.writing import migrate
from app.database import unit_of_work
from app.extensions import db
from app.models import LiveCount, Session
from app.models.session import made_by_models
from app.services.derived import check_derived
from app.services.recount import recount_aggregates
from app.services.search import read_search, search_conditions
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
                                                                   "include_name": made_by_models})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


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
                for pk, position, name in ((1, 0, "Drums"), (1, 1, "Vocal"), (1, 2, "<Café> v1.2"), (2, 0, "Bass"),
                                           (3, 0, "Gone"))])
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
        assert counts["artist/Lumen"] == 2 and counts["tag/analog"] == 1 and counts["total/tracks"] == 4
        assert counts["months of fabfilter|pro-q 3/2024-05"] == 1 and counts["vendor/FabFilter"] == 2
        assert counts["daw months of Pro Tools/2024-05"] == 1 and not any(key.startswith("daw months of REAPER")
                                                                          for key in counts)
        assert counts["tags of daw Pro Tools/analog"] == 1 and not any(key.startswith("tags of daw REAPER")
                                                                       for key in counts)
        found = db.session.scalars(select(Session.name).where(
            *search_conditions(db.session, read_search(db.session, "analog vocal reverb")))).all()
        assert found == ["Old Tape"]
        assert db.session.scalars(select(Session.name).where(
            *search_conditions(db.session, read_search(db.session, "cafe v1 2")))).all() == ["Old Tape"]


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


NEW_IN_0020 = ("template", "session minutes in ", "daw seconds in ", "daw sessions in ", "person seconds in ",
               "person sessions in ", "sessions started")


def test_a_0019_database_with_templates_and_work_gets_their_counts_and_goes_down_and_up_again(empty_app):
    made = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    columns = {"is_favorite": False, "is_test": False, "is_complete": False, "created_at": made, "work_seconds": None,
               "edited": None}
    # (session pk, start, minutes, trashed): two blocks of one session in March, one in April, one in the trash.
    work = ((1, datetime(2025, 3, 3, 10, tzinfo=UTC), 90, False), (1, datetime(2025, 3, 4, 10, tzinfo=UTC), 45, False),
            (1, datetime(2025, 4, 1, 10, tzinfo=UTC), 30, False), (2, datetime(2025, 3, 9, 10, tzinfo=UTC), 61, False),
            (2, datetime(2025, 3, 10, 10, tzinfo=UTC), 600, True), (3, datetime(2025, 3, 9, 10, tzinfo=UTC), 20, False))
    with empty_app.app_context():
        upgrade(revision="0019")
        with unit_of_work():
            # Each session's worked time as the writers of that revision kept it.
            db.session.execute(insert(table("sessions", *map(column, [
                "pk", "id", "fingerprint", "name", "template", "deleted_at", "worked_seconds", "worked_from",
                *columns]))), [
                {"pk": 1, "id": "a", "fingerprint": "a", "name": "Mix", "template": "Band Room", "deleted_at": None,
                 "worked_seconds": 165 * 60, "worked_from": "activities", **columns},
                {"pk": 2, "id": "b", "fingerprint": "b", "name": "Edit", "template": None, "deleted_at": None,
                 "worked_seconds": 61 * 60, "worked_from": "activities", **columns},
                {"pk": 3, "id": "c", "fingerprint": "c", "name": "Binned", "template": "Band Room",
                 "deleted_at": made, "worked_seconds": 20 * 60, "worked_from": "activities", **columns},
                # Read from FL Studio projects that keep their creation time: one started there, one whose start
                # was cleared by hand.
                *({"pk": pk, "id": name, "fingerprint": name, "name": name, "template": None, "deleted_at": None,
                   "worked_seconds": 600, "worked_from": "file", **columns, "work_seconds": 600.0, "edited": edited}
                  for pk, name, edited in ((4, "Beat", None), (5, "Cleared", '{"started_at": null}')))])
            db.session.execute(insert(table("sources", *map(column, ["session_pk", "position", "type", "extractor"]))),
                               [{"session_pk": pk, "position": 0, "type": "archive", "extractor": "fl-studio"}
                                for pk in (4, 5)])
            db.session.execute(insert(table("activities", *map(column, [
                "id", "session_pk", "kind", "person", "owner", "started_at", "ended_at", "note", "created_at",
                "updated_at", "deleted_at"]))), [
                {"id": f"w{index}", "session_pk": pk, "kind": "mixing", "person": "Mara", "owner": "user:1",
                 "started_at": start, "ended_at": start + timedelta(minutes=minutes), "note": "", "created_at": made,
                 "updated_at": made, "deleted_at": made if trashed else None}
                for index, (pk, start, minutes, trashed) in enumerate(work)])
        for _ in range(2):
            migrate()
            counts = {key: n for key, n in db.session.execute(select(
                LiveCount.dimension + "/" + LiveCount.value, LiveCount.count)) if key.startswith(NEW_IN_0020)}
            # What the writers keep from now on, counted from the rows.
            assert counts == {f"{dimension}/{value}": n for (dimension, value), n in
                              recount_aggregates(db.session)[1].items() if dimension.startswith(NEW_IN_0020)}
            shown = ("template", "session minutes", "person")
            assert {key: n for key, n in counts.items() if key.startswith(shown)} == {
                'person seconds in 2025-03/["mixing", "Mara"]': (90 + 45 + 61) * 60,
                'person seconds in 2025-04/["mixing", "Mara"]': 30 * 60,
                'person sessions in 2025-03/["Mara"]': 2, 'person sessions in 2025-04/["Mara"]': 1,
                "template/Band Room": 1, "template sessions in 2025-03/Band Room": 1,
                "template timed sessions in 2025-03/Band Room": 1,
                "template worked seconds in 2025-03/Band Room": (90 + 45 + 30) * 60,
                "session minutes in 2025-03/0000135": 1, "session minutes in 2025-03/0000060": 1,
                "session minutes in 2025-04/0000030": 1}
            assert db.session.execute(select(Session.name, Session.template_from, Session.started_at)
                                      .order_by(Session.pk)).all() == [
                ("Mix", "file", None), ("Edit", None, None), ("Binned", "file", None), ("Beat", None, made),
                ("Cleared", None, None)]
            assert counts["sessions started/2025-03"] == 1
            db.session.commit()
            downgrade(revision="0019")
            inspector = inspect(db.engine)
            assert "templates" not in inspector.get_table_names()
            assert "template_from" not in {c["name"] for c in inspector.get_columns("sessions")}
            assert not db.session.scalar(select(LiveCount.count).where(LiveCount.dimension.like("template%")))
            # SQLite rebuilds the sessions table to drop a column: the rows that refer to it stay.
            assert db.session.scalar(select(func.count()).select_from(table("activities"))) == len(work)
            db.session.rollback()


def test_a_0022_database_keeps_finding_its_scanned_files_whose_names_hold_a_backslash(empty_app):
    made = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    columns = {"is_favorite": False, "is_test": False, "is_complete": False, "created_at": made, "deleted_at": None}
    scanned, given = "/archive/AC\\DC/take.rpp", "C:\\Sessions\\take.ptx"
    with empty_app.app_context():
        upgrade(revision="0022")
        with unit_of_work():
            db.session.execute(insert(table("sessions", *map(column, ["pk", "id", "fingerprint", "path", "name",
                                                                       *columns]))), [
                {"pk": 1, "id": "a", "fingerprint": f"file:{scanned}", "path": scanned, "name": "take", **columns},
                # Sent through the API from a Windows machine: its path is kept as given.
                {"pk": 2, "id": "b", "fingerprint": "desk-1", "path": given, "name": "take", **columns}])
            db.session.execute(insert(table("sources", *map(column, ["session_pk", "position", "type", "path"]))), [
                {"session_pk": 1, "position": 0, "type": "archive", "path": scanned},
                {"session_pk": 2, "position": 0, "type": "api", "path": given}])
            db.session.execute(insert(table("scanned_files", *map(column, [
                "path", "size", "mtime_ns", "session_pk", "status", "scanned_at"]))),
                [{"path": scanned, "size": 1, "mtime_ns": 1, "session_pk": 1, "status": "indexed", "scanned_at": made}])

        def stored():
            return (db.session.execute(select(column("fingerprint"), column("path")).select_from(table("sessions"))
                                       .order_by(column("pk"))).all(),
                    db.session.scalars(select(column("path")).select_from(table("sources"))
                                       .order_by(column("session_pk"))).all(),
                    db.session.scalars(select(column("path")).select_from(table("scanned_files"))).all())
        upgrade()
        doubled = "/archive/AC\\\\DC/take.rpp"
        assert stored() == ([(f"file:{doubled}", doubled), ("desk-1", given)], [doubled, given], [doubled])
        db.session.rollback()
        downgrade(revision="0022")
        assert stored() == ([(f"file:{scanned}", scanned), ("desk-1", given)], [scanned, given], [scanned])
        db.session.rollback()
