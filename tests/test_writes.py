"""One way to write: each action is one unit of work with its audit entry, a database that cannot take a write
answers 503 naming why, and reads never wait for the write lock."""
import sqlite3
import threading
import time

import psycopg
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, func, select, text, update

from app.database import WriteOutsideUnitOfWork, WriteTurns, unit_of_work
from app.extensions import db
from app.models import ApiToken, AuditEntry, LiveCount, Meta, Session, SignIn, Track
from app.models.meta import LAST_INGESTED_AT
from app.services.derived import check_derived
from tests.auth import csrf_token, sign_in
from tests.helpers import ingest
from tests.postgres import someone_waits_for_a_lock

HX = {"HX-Request": "true"}
SESSION = {"name": "Night Drive", "fingerprint": "night", "tags": ["synth"],
           "tracks": [{"name": "Lead", "plugins": [{"name": "Pro-Q 3", "vendor": "FabFilter"}]}]}
REFUSE_AUDIT = {
    "sqlite": ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries "
               "BEGIN SELECT RAISE(ABORT, 'the audit log refuses'); END"],
    "postgresql": ["CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'the audit log refuses'; END $$",
                   "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW "
                   "EXECUTE FUNCTION refuse_audit()"],
}
ALLOW_AUDIT = {"sqlite": ["DROP TRIGGER refuse_audit"],
               "postgresql": ["DROP TRIGGER refuse_audit ON audit_entries", "DROP FUNCTION refuse_audit()"]}


def database_state() -> dict:
    """Every row of every table: what a refused action must leave as it found."""
    return {table.name: sorted(tuple(map(str, row)) for row in db.session.execute(select(table)))
            for table in db.metadata.sorted_tables}


@pytest.fixture
def editor(app, auth, client):
    """An editor signed in to the pages (CSRF header set) and holding a token, with one session to edit."""
    assert ingest(client, SESSION).status_code == 200
    editor = auth.client("editor", token_role="editor")
    editor.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(editor)
    editor.session_id = editor.get("/api/session-stats").get_json()["sessions"][0]["id"]
    return editor


def run(app, statements):
    with app.app_context(), unit_of_work():
        for statement in statements:
            db.session.execute(text(statement))


ACTIONS = {
    "ingest": lambda c: c.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"name": "New"}}),
    "metadata": lambda c: c.patch(f"/api/sessions/{c.session_id}/metadata", json={"user_note": "take 2"}),
    "trash": lambda c: c.delete(f"/api/session-stats/{c.session_id}"),
    "tag": lambda c: c.patch(f"/sessions/{c.session_id}/tags", data={"add": "keeper"}, headers=HX),
    "field": lambda c: c.patch(f"/sessions/{c.session_id}/fields/artist", data={"value": "Lumen"}, headers=HX),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_whose_audit_entry_fails_leaves_nothing(app, backend, editor, action):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        before = database_state()
    run(app, REFUSE_AUDIT[backend])
    try:
        response = ACTIONS[action](editor)
    finally:
        run(app, ALLOW_AUDIT[backend])
    assert response.status_code == 500
    with app.app_context():
        assert database_state() == before
    # The same action without the failure saves the change and its audit entry together.
    assert ACTIONS[action](editor).status_code == 200
    with app.app_context():
        assert database_state() != before
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == len(before["audit_entries"]) + 1


def test_a_sign_in_whose_audit_entry_fails_signs_nobody_in(app, backend, auth):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    username = auth.user("viewer")
    browser = app.test_client()
    run(app, REFUSE_AUDIT[backend])
    try:
        assert sign_in(browser, username).status_code == 500
    finally:
        run(app, ALLOW_AUDIT[backend])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignIn)) == 0
    assert browser.get("/").status_code == 302


def test_a_write_outside_a_unit_of_work_is_refused_at_once(app):
    with app.app_context():
        with pytest.raises(WriteOutsideUnitOfWork):
            db.session.execute(update(Meta).values(value="x"))
        db.session.rollback()
        with pytest.raises(RuntimeError, match="already open"), unit_of_work(), unit_of_work():
            pass
        with unit_of_work():
            db.session.add(Meta(key="kept", value="yes"))
        with pytest.raises(ZeroDivisionError), unit_of_work():
            db.session.add(Meta(key="dropped", value="no"))
            db.session.flush()
            1 / 0  # noqa: B018  (an error after the write)
        db.session.rollback()
        assert db.session.scalars(select(Meta.key).where(Meta.key.in_(["kept", "dropped"]))).all() == ["kept"]


class HeldLock:
    """Another connection holding what a write needs: SQLite's write lock, or on PostgreSQL the rows ingest and
    token use write."""

    def __init__(self, app):
        self.app = app

    def __enter__(self):
        url = self.app.config["SQLALCHEMY_DATABASE_URI"]
        if url.startswith("sqlite"):
            self.connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            self.connection = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
            for table in ("meta", "api_tokens", "users"):
                self.connection.execute(f"SELECT 1 FROM {table} FOR UPDATE")
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


@pytest.fixture
def app_config():
    """A short wait for the write lock, so that the tests that hold it run fast."""
    return {"WRITE_WAIT_SECONDS": 0.3}


def test_a_write_that_cannot_have_the_lock_answers_503_and_reads_go_on(app, auth, client):
    assert ingest(client, SESSION).status_code == 200
    reader = auth.client(token_role="viewer")
    editor = auth.client("editor")
    viewer = auth.user("viewer")
    with app.app_context(), unit_of_work():
        db.session.execute(update(ApiToken).values(last_used_at=None))
    with app.app_context():
        before = database_state()

    with HeldLock(app):
        refused = ingest(client, {"name": "Blocked"})
        page = editor.get("/sessions")
        listed = reader.get("/api/session-stats")
        sign_in_page = sign_in(app.test_client(), viewer)

    assert refused.status_code == 503
    # At least the wait the database asks for (the rate limits may ask for a longer one).
    assert int(refused.headers["Retry-After"]) >= 2
    assert refused.get_json()["error"]["code"] == "database_busy"
    assert "busy with other writes" in refused.get_json()["error"]["message"]
    assert page.status_code == 200 and listed.status_code == 200
    assert [s["name"] for s in listed.get_json()["sessions"]] == ["Night Drive"]
    assert sign_in_page.status_code == 503
    assert "busy with other writes" in BeautifulSoup(sign_in_page.data, "html.parser").select_one("main").get_text()
    with app.app_context():
        after = database_state()
    # The refused ingest wrote nothing; the reads that would have noted the token's use gave that up.
    assert after["sessions"] == before["sessions"] and after["meta"] == before["meta"]
    assert after["api_tokens"] == before["api_tokens"]
    assert ingest(client, {"name": "Later"}).status_code == 200


def refuse_writes(app, backend):
    """From now on the app's connections open the database read-only, as a read-only file or server would."""
    statement = "PRAGMA query_only = 1" if backend == "sqlite" else "SET default_transaction_read_only = on"

    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _read_only(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute(statement)
            cursor.close()
            if backend == "postgresql":
                dbapi_connection.commit()
        db.engine.dispose()


def test_a_read_only_database_answers_503_naming_it_for_ingest_and_sign_in(app, backend, auth, client):
    username = auth.user("viewer")
    with app.app_context():
        before = database_state()
    refuse_writes(app, backend)

    refused = ingest(client, SESSION)
    browser = app.test_client()
    signing_in = sign_in(browser, username)

    assert refused.status_code == 503
    assert refused.get_json()["error"]["code"] == "database_read_only"
    assert "read-only" in refused.get_json()["error"]["message"]
    assert signing_in.status_code == 503
    assert "read-only" in BeautifulSoup(signing_in.data, "html.parser").select_one("main").get_text()
    assert client.get("/api/session-stats").status_code == 200
    with app.app_context():
        assert database_state() == before


def test_a_full_disk_answers_503_naming_it_and_writes_nothing(app, backend, client):
    if backend != "sqlite":
        pytest.skip("the database's own page limit stands for a full disk on SQLite")
    client.get("/api/session-stats")  # the token's first use is noted now, not during the refused ingest
    with app.app_context():
        before = database_state()
        pages = db.session.execute(text("PRAGMA page_count")).scalar()

        @event.listens_for(db.engine, "connect")
        def _no_room_to_grow(dbapi_connection, _record):
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")
        db.engine.dispose()

    big = [dict(SESSION, fingerprint=f"f{n}", notes="x" * 4000) for n in range(50)]
    refused = ingest(client, *big)

    assert refused.status_code == 503
    assert refused.get_json()["error"]["code"] == "disk_full"
    assert "disk is full" in refused.get_json()["error"]["message"]
    with app.app_context():
        assert database_state() == before


def test_a_refused_ingest_leaves_the_last_ingest_time_as_it_was(app, client):
    assert ingest(client, {"name": "A"}).status_code == 200
    with app.app_context():
        stamp = db.session.get(Meta, LAST_INGESTED_AT).value
    assert ingest(client, {"name": "A", "id": "x"}, {"name": "A", "id": "x"}).status_code == 422
    with app.app_context():
        assert db.session.get(Meta, LAST_INGESTED_AT).value == stamp



def test_an_edit_committed_while_an_ingest_waits_is_counted_once(app, backend, client):
    if backend != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the ingest cannot start before the edit ends")
    assert ingest(client, dict(SESSION, artist="Before")).status_code == 200
    with app.app_context():
        pk = db.session.scalar(select(Session.pk))
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as editor:
        # An edit of the artist, as the metadata service makes it, not yet committed.
        editor.execute("UPDATE sessions SET artist = 'After' WHERE pk = %s", [pk])
        editor.execute("UPDATE live_counts SET count = count - 1 WHERE dimension = 'artist' AND value = 'Before'")
        editor.execute("DELETE FROM live_counts WHERE count = 0")
        editor.execute("INSERT INTO live_counts (dimension, value, count) VALUES ('artist', 'After', 1)")
        answers = []
        ingesting = threading.Thread(target=lambda: answers.append(ingest(client, {
            "name": "Night Drive", "fingerprint": "night", "tracks": [{"name": "Bass"}]})))
        ingesting.start()
        if not someone_waits_for_a_lock(app.config["SQLALCHEMY_DATABASE_URI"]):
            pytest.fail("the ingest never waited for the edit")
        editor.commit()
        ingesting.join(timeout=30)
    assert answers[0].status_code == 200
    with app.app_context():
        assert check_derived(db.session) == []
        assert db.session.scalar(select(LiveCount.count).where(LiveCount.value == "After")) == 1


def test_writers_of_one_process_take_turns_in_the_order_they_came():
    turns, order = WriteTurns(), []
    assert turns.take(0.1)

    def writer(number):
        assert turns.take(5)
        order.append(number)
        turns.give_back()

    threads = []
    for number in range(4):
        threads.append(threading.Thread(target=writer, args=(number,)))
        threads[-1].start()
        time.sleep(0.05)  # each starts waiting after the one before
    assert not turns.take(0.05)  # no turn within the wait: given up, and out of the line
    turns.give_back()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3]
    assert turns.take(0)


def test_a_read_sees_one_moment_of_the_index_however_many_queries_it_takes(app, client):
    assert ingest(client, SESSION).status_code == 200
    with app.app_context():
        tracks = select(func.count()).select_from(Track)
        assert db.session.scalar(tracks) == 1
        # Another writer (a request of its own, on a thread of its own) replaces the tracks meanwhile.
        answers = []
        writer = threading.Thread(target=lambda: answers.append(
            ingest(client, dict(SESSION, tracks=[{"name": "A"}, {"name": "B"}])).status_code))
        writer.start()
        writer.join()
        assert answers == [200]
        assert db.session.scalar(tracks) == 1  # the same read, the same moment
        db.session.rollback()
        assert db.session.scalar(tracks) == 2
