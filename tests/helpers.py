"""Small helpers shared by the tests."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Meta, Plugin, Session, SessionPlugin, Source, Tag, Track, TrackPlugin

SEED_EXAMPLE = {
    "action": "ingestSessions",
    "payload": {
        "sessions": [
            {
                "name": "Session A",
                "artist": "Artist X",
                "project": "Project Y",
                "tracks": [
                    {"name": "Lead Vocal", "plugins": [{"name": "FabFilter Pro-Q 3", "vendor": "FabFilter"}]}
                ],
            }
        ]
    },
}
TABLES = (Session, Tag, Track, TrackPlugin, SessionPlugin, Source, Plugin, Meta)


def ingest(client, *sessions, action="ingestSessions"):
    """POST sessions to the ingest endpoint and return the response."""
    payload = list(sessions) if action == "replaceSessions" else {"sessions": list(sessions)}
    return client.post("/api/session-stats", json={"action": action, "payload": payload})


def row_counts() -> dict:
    """Rows per table: a cheap fingerprint of the database state."""
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def table_rows() -> dict:
    """Every row of every table, for comparing whole database states."""
    return {
        model.__tablename__: sorted(tuple(map(str, row)) for row in db.session.execute(select(model.__table__)))
        for model in TABLES
    }


def app_settings(tmp_path, database_url, **overrides) -> dict:
    """The settings of a test app: its own instance folder and database, cheap password hashes."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        # scrypt costs ~70 ms a hash; the tests make hundreds. test_accounts checks the real default.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "API_WRITE_LIMIT": "100000 per minute",
        # No scheduled backup starts in the middle of a test; the backup tests ask for one.
        "BACKUP_INTERVAL_HOURS": 0,
        **overrides,
    }
