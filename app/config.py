"""Settings: defaults for one machine, overridden by SESSION_STATS_* environment variables."""
import os
import secrets
from pathlib import Path

DEFAULT_MAX_INGEST_BYTES = 64 * 1024 * 1024
SQLITE_FILENAME = "session-stats.db"
LEGACY_JSON_FILENAME = "session-stats.json"


def load_config(app, overrides=None):
    """Fill app.config from defaults, the environment and `overrides`, in that order."""
    app.config.update(
        DATABASE_URL=None,
        MAX_INGEST_BYTES=DEFAULT_MAX_INGEST_BYTES,
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    app.config.from_prefixed_env("SESSION_STATS")
    if overrides:
        app.config.update(overrides)

    database_url = app.config["DATABASE_URL"] or (
        "sqlite:///" + str(Path(app.instance_path) / SQLITE_FILENAME)
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = driver_url(database_url)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_INGEST_BYTES"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def driver_url(url):
    """Name the psycopg 3 driver for PostgreSQL URLs that do not name one."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path):
    """Return the secret key kept in the instance folder, generating it on first use."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()
