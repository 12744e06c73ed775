"""Fixtures: every test that takes `app` runs once on SQLite and once on PostgreSQL."""
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete

from app import create_app
from app.database import unit_of_work
from app.extensions import db
from app.services import list_conditions
from tests.auth import Auth
from tests.helpers import app_settings
from tests.postgres import Cluster, server_binaries
from tests.redis_server import RedisServer

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL cluster for the whole test session."""
    bindir = server_binaries()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries are missing: `make test` installs the apt package postgresql.")
    cluster = Cluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_url():
    """The URL of a running Redis server for the whole test session."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: `make test` installs the apt package redis-server.")
    server = RedisServer()
    server.start()
    yield server.url
    server.stop()


def migrated(url, instance_path):
    """Bring the database at `url` to the newest schema, as `session-stats setup` does."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance_path)})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file that each test copies: migrating once is faster than per test."""
    folder = tmp_path_factory.mktemp("template")
    migrated(f"sqlite:///{folder / 'template.db'}", folder)
    return folder / "template.db"


@pytest.fixture(scope="session")
def postgres_app_database(postgres, tmp_path_factory):
    """A migrated PostgreSQL database shared by the tests (emptied before each)."""
    return migrated(postgres.create_database("session_stats_test"), tmp_path_factory.mktemp("pg"))


def database_url_for(request, backend, tmp_path):
    """A fresh, empty, migrated database of `backend`."""
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_app_database")


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The database backend of this test run."""
    return request.param


@pytest.fixture(params=["collected", "walked", "deep page"])
def plugin_filter_form(request, monkeypatch):
    """Each form a plugin filter takes: its sessions collected first; each visited session tested; or, for a
    page deeper than walking pays, all sessions using the plugins found at once and each visited one looked up."""
    monkeypatch.setattr(list_conditions, "COLLECT_AT_MOST", 10**9 if request.param == "collected" else 0)
    if request.param == "deep page":
        monkeypatch.setattr(list_conditions, "WALK_AT_MOST", -1)


@pytest.fixture(params=["collected", "walked", "deep page"])
def search_form(request, backend, monkeypatch):
    """Each form a search takes on PostgreSQL: its matches found first; each visited session tested; or, for a
    page deeper than walking pays, its matches found first after all."""
    if backend == "sqlite" and request.param != "collected":
        pytest.skip("SQLite's search takes one form")
    monkeypatch.setattr(list_conditions, "WALK_DENSITY", 0 if request.param == "collected" else 10**9)
    if request.param == "deep page":
        monkeypatch.setattr(list_conditions, "WALK_AT_MOST", -1)


@pytest.fixture
def app_config():
    """Settings a test module adds to its apps (override this fixture)."""
    return {}


@pytest.fixture
def app(request, backend, tmp_path, app_config):
    """The app on a fresh database, with its instance folder in tmp_path."""
    app = create_app(app_settings(tmp_path, database_url_for(request, backend, tmp_path), **app_config))
    if backend == "postgresql":
        with app.app_context(), unit_of_work():
            # Deleting the sessions cascades to their search documents.
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(delete(table))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def auth(app):
    """Makes users, tokens and signed-in clients of `app`."""
    return Auth(app)


@pytest.fixture
def client(auth):
    """An admin's client: signed in to the pages and sending an admin token to the API."""
    return auth.client("admin", token_role="admin")


@pytest.fixture
def anonymous(app):
    """A client that neither signs in nor sends a token."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of the app's commands."""
    return app.test_cli_runner()
