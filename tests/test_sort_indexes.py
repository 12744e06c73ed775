"""On PostgreSQL, a page of every indexed list order is read from an index, never sorted from all the rows."""
import pytest
from sqlalchemy import func, select

from app.database import WRITE_OPTIONS
from app.extensions import db
from app.models import Event, Session, SessionPlugin
from app.models.timeline import NOTE
from app.sample_data import generate_sessions
from app.services.plugins import _newest_first
from app.services.queries import SessionQuery, _order, session_conditions
from tests.helpers import ingest

# Every sort of the sessions list with an index in its exact order; the "edited" sort is indexed newest first.
INDEXED = [(sort, descending) for sort in ("date", "name", "favorite", "tracks", "instances", "plugins", "open_notes",
                                           "missing_media", "started", "worked")
           for descending in (True, False)] + [("edited", True)]


@pytest.mark.parametrize("sort,descending", INDEXED)
def test_a_sorted_page_is_read_in_order_from_an_index(app, backend, sort, descending):
    if backend != "postgresql":
        pytest.skip("SQLite breaks ties on its rowid, which every index ends with")
    page = (select(Session.pk).where(Session.deleted_at.is_(None))
            .order_by(*_order(SessionQuery(sort=sort, descending=descending))).limit(50))
    assert_read_from_an_index(app, page, "ix_sessions_sorted_")


def assert_read_from_an_index(app, page, index, without=()):
    """EXPLAIN `page`: no sort, and `index` read; the indexes named in `without` are dropped for the while (the
    transaction is rolled back)."""
    with app.app_context(), db.engine.connect() as connection:
        # A connection of its own that may drop indexes: closing it uncommitted rolls them back.
        connection.execution_options(**WRITE_OPTIONS)
        # With sorting priced out (whole or by parts), a plan still sorts only when no index holds the order.
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        connection.exec_driver_sql("SET LOCAL enable_incremental_sort = off")
        for name in without:
            connection.exec_driver_sql(f"DROP INDEX {name}")
        statement = page.compile(connection, compile_kwargs={"literal_binds": True})
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}").scalars().all()
    assert not [line for line in plan if "Sort" in line], plan
    assert any("Index" in line and index in line for line in plan), plan


def test_a_page_of_a_plugins_sessions_is_read_newest_first_from_an_index(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite's index of the plugin usage ends with its key, the session: in this order already")
    page = (select(SessionPlugin.session_pk).where(SessionPlugin.plugin_pk == 1)
            .order_by(*_newest_first(SessionPlugin.session_created_at, SessionPlugin.session_pk)).limit(50))
    assert_read_from_an_index(app, page, "ix_session_plugins_sorted_down")


def test_the_latest_open_notes_are_read_newest_first_from_an_index(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite reads them from the same index, its rowid being the pk")
    latest = (select(Event.pk).join(Session, Session.pk == Event.session_pk)
              .where(Event.kind == NOTE, Event.status == "open", Event.deleted_at.is_(None),
                     Session.deleted_at.is_(None))
              .order_by(Event.updated_at.desc(), Event.pk.desc()).limit(5))
    assert_read_from_an_index(app, latest, "ix_events_open_notes_newest")


@pytest.mark.parametrize("narrowing,index", [({"missing": True}, "ix_sessions_sorted_missing_newest"),
                                             ({"has_open_notes": True}, "ix_sessions_sorted_open_notes_newest"),
                                             ({"has_missing_media": True}, "ix_sessions_sorted_missing_media_newest")])
def test_the_few_sessions_of_a_small_list_are_read_newest_first_from_their_own_index(app, backend, narrowing, index):
    if backend != "postgresql":
        pytest.skip("SQLite breaks ties on its rowid, which every index ends with")
    query = SessionQuery(**narrowing)
    with app.app_context():
        page = (select(Session.pk).where(*session_conditions(db.session, query)).order_by(*_order(query)).limit(50))
    # The index of every live session by date holds the same order; which of the two an almost empty table is read
    # from depends on its statistics, so that one is out of the way here.
    assert_read_from_an_index(app, page, index, without=["ix_sessions_sorted_down_by_created_at"])


def test_a_daws_sessions_are_read_newest_first_from_their_own_index(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite breaks ties on its rowid, which every index ends with")
    query = SessionQuery(daw=("Pro Tools",), tag=("mix",))
    with app.app_context():
        page = (select(Session.pk).where(*session_conditions(db.session, query)).order_by(*_order(query)).limit(50))
    assert_read_from_an_index(app, page, "ix_sessions_sorted_daw_newest",
                              without=["ix_sessions_sorted_down_by_created_at"])


def test_a_daw_and_tags_are_counted_from_their_indexes_alone(app, client, backend):
    if backend != "postgresql":
        pytest.skip("SQLite's indexes end with the rowid or the key: they hold the pks already")
    assert ingest(client, *generate_sessions(300, median_tracks=1)).status_code == 200
    # Two tags: a DAW and one tag have a count kept of their own.
    query = SessionQuery(daw=("Pro Tools",), tag=("mix", "tracking"))
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE) sessions, tags")  # as autovacuum leaves a settled table
        with db.engine.connect() as connection:
            count = select(func.count()).select_from(Session).where(*session_conditions(db.session, query))
            # Scans of the whole table priced out, as a table of a million sessions prices them.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            statement = count.compile(connection, compile_kwargs={"literal_binds": True})
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}").scalars().all()
    scans = [line for line in plan if " Scan " in line]
    assert scans and all("Index Only Scan" in line for line in scans), plan
    assert any(" on sessions" in line for line in scans) and any(" on tags" in line for line in scans), plan
