"""Fixtures: every test that takes `app` runs once on SQLite and once on PostgreSQL."""
import shutil

import pytest
from sqlalchemy import delete

from app import create_app
from app.extensions import db
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


@pytest.fixture(scope="session")
def postgres_app_database(postgres):
    """A PostgreSQL database with the app's tables, shared by the tests (emptied before each)."""
    url = postgres.create_database("session_stats_test")
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


def database_url_for(request, backend, tmp_path):
    """A fresh, empty database of `backend` with the app's tables."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_app_database")


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The database backend of this test run."""
    return request.param


@pytest.fixture
def app_config():
    """Settings a test module adds to its apps (override this fixture)."""
    return {}


@pytest.fixture
def app(request, backend, tmp_path, app_config):
    """The app on a fresh database, with its instance folder in tmp_path."""
    app = create_app(app_settings(tmp_path, database_url_for(request, backend, tmp_path), **app_config))
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        else:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(delete(table))
            db.session.commit()
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
