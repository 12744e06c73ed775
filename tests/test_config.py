"""Configuration from the environment, and the SQLite connection settings."""
import pytest
from sqlalchemy import text

from app import create_app
from app.config import driver_url
from app.extensions import db


def test_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SESSION_STATS_DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'session-stats.db'}"
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_settings_come_from_prefixed_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_STATS_DATABASE_URL", "postgresql://u@db.example/x")
    monkeypatch.setenv("SESSION_STATS_MAX_INGEST_BYTES", "1024")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/x"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024


def test_driver_url():
    assert driver_url("postgres://a/b") == "postgresql+psycopg://a/b"
    assert driver_url("postgresql+psycopg://a/b") == "postgresql+psycopg://a/b"
    assert driver_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(("pragma", "expected"), [
    ("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", 10000), ("synchronous", 2),
])
def test_sqlite_connections_are_safe(tmp_path, pragma, expected):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        assert db.session.execute(text(f"PRAGMA {pragma}")).scalar() == expected
        db.engine.dispose()


def test_sqlite_reads_and_writes_share_one_transaction(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        assert db.session.connection().connection.dbapi_connection.in_transaction
        db.session.rollback()
        db.engine.dispose()


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("on", True), ("0", False),
                                                 ("false", False), ("", False)])
def test_public_read_is_a_yes_or_no(tmp_path, monkeypatch, value, expected):
    monkeypatch.setenv("SESSION_STATS_PUBLIC_READ", value)
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["PUBLIC_READ"] is expected


def test_a_public_read_that_is_neither_yes_nor_no_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_STATS_PUBLIC_READ", "sometimes")
    with pytest.raises(ValueError, match="SESSION_STATS_PUBLIC_READ"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_rate_limits_use_redis_when_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_STATS_REDIS_URL", "redis://cache.example:6379/0")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/0"
    monkeypatch.delenv("SESSION_STATS_REDIS_URL")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_the_count_threshold_is_a_whole_number_of_at_least_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_STATS_COUNT_LATER_ABOVE", "250")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["COUNT_LATER_ABOVE"] == 250
    for value in ("-1", "many"):
        monkeypatch.setenv("SESSION_STATS_COUNT_LATER_ABOVE", value)
        with pytest.raises(ValueError, match="SESSION_STATS_COUNT_LATER_ABOVE must be a number of at least 0"):
            create_app({"INSTANCE_PATH": str(tmp_path)})
