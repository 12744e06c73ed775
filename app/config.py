"""Settings: defaults for one machine, overridden by SESSION_STATS_* environment variables."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from app.time_zones import server_zone_name, time_zone

DEFAULT_MAX_INGEST_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ATTACHMENT_BYTES = 2 * 1024**3
SQLITE_FILENAME = "session-stats.db"
LEGACY_JSON_FILENAME = "session-stats.json"


def load_config(app, overrides=None):
    """Fill app.config from defaults, the environment and `overrides`, in that order."""
    app.config.update(
        DATABASE_URL=None,
        MAX_INGEST_BYTES=DEFAULT_MAX_INGEST_BYTES,
        SQLALCHEMY_ENGINE_OPTIONS={},
        PUBLIC_READ=False,
        REDIS_URL=None,
        # Folders an archive scan started from the browser may read, separated by os.pathsep (":").
        ARCHIVE_ROOTS="",
        # Processes that read session files during a scan; 0 means one per core.
        SCAN_PROCESSES=0,
        # The most a scan's reader may spend on one file before it is stopped and the file is a file error.
        SCAN_READ_SECONDS=60,
        # The queue's name, in the Redis server or the SQLite file: servers sharing one queue use one name.
        JOB_QUEUE_NAME="session-stats",
        TRUSTED_PROXIES=0,
        SESSION_LIFETIME_HOURS=12,
        PASSWORD_HASH_METHOD="scrypt",
        SIGN_IN_LIMIT_PER_ACCOUNT="5 per 5 minutes",
        SIGN_IN_LIMIT_PER_ADDRESS="30 per 5 minutes",
        API_WRITE_LIMIT="120 per minute",
        # How long a write waits for another to finish before it answers 503 (SQLite's lock, PostgreSQL's row locks).
        WRITE_WAIT_SECONDS=10,
        SESSION_COOKIE_NAME="session_stats",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        # Views ask for the CSRF check themselves: bearer-token API calls are exempt from it.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A form stays valid as long as the sign-in does, which expires on its own.
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
        # Where backups go; None means <instance>/backups.
        BACKUP_DIR=None,
        # Scheduled backups: every this many hours (0: none), keeping the newest BACKUP_KEEP of them.
        BACKUP_INTERVAL_HOURS=24,
        BACKUP_KEEP=7,
        # The largest file one upload may attach to a session, and where attached files are kept (None: <instance>/
        # attachments).
        MAX_ATTACHMENT_BYTES=DEFAULT_MAX_ATTACHMENT_BYTES,
        ATTACHMENT_DIR=None,
        # Extensions turned off, by name, separated by commas ("loudness" is the built-in one).
        DISABLED_EXTENSIONS="",
        # The zone times are shown and typed in for people who have not chosen their own; None: the machine's.
        TIME_ZONE=None,
        # How long before now a change is surely visible to every read: a list of what changed since a moment
        # (servedAt) is answered up to now minus this.
        CHANGE_MARGIN_SECONDS=5,
        # Fernet keys for the secrets kept in the database, comma-separated, newest first; None: the instance's
        # encryption.keys file, created on first use.
        ENCRYPTION_KEY=None,
        # Remote sources: seconds a call may take, calls per second to one source, failures in a row that open
        # its circuit breaker and seconds before it lets one call try again.
        REMOTE_TIMEOUT_SECONDS=30,
        REMOTE_REQUESTS_PER_SECOND=5,
        REMOTE_RETRIES=4,
        REMOTE_BACKOFF_SECONDS=0.5,
        REMOTE_BREAKER_FAILURES=5,
        REMOTE_BREAKER_COOL_DOWN_SECONDS=60,
        # Webhooks: seconds a delivery may take, and how long a subscription may keep failing before it is
        # turned off.
        WEBHOOK_TIMEOUT_SECONDS=10,
        WEBHOOK_DISABLE_AFTER_HOURS=72,
        # The bearer token /metrics asks for; None: /metrics is off.
        METRICS_TOKEN=None,
        # The sessions list shows its count after its rows when PostgreSQL expects more than this many sessions to
        # match and no kept figure counts them.
        COUNT_LATER_ABOVE=10_000,
    )
    app.config.from_prefixed_env("SESSION_STATS")
    if overrides:
        app.config.update(overrides)

    app.config["PUBLIC_READ"] = flag(app.config["PUBLIC_READ"], "SESSION_STATS_PUBLIC_READ")
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(app.config["SESSION_LIFETIME_HOURS"]))
    app.config["ARCHIVE_ROOTS"] = archive_roots(app.config["ARCHIVE_ROOTS"])
    app.config["SCAN_PROCESSES"] = int(app.config["SCAN_PROCESSES"]) or os.cpu_count() or 1
    app.config["SCAN_READ_SECONDS"] = at_least(app.config["SCAN_READ_SECONDS"], 1, float,
                                               "SESSION_STATS_SCAN_READ_SECONDS")
    app.config["BACKUP_DIR"] = Path(app.config["BACKUP_DIR"] or Path(app.instance_path) / "backups").expanduser()
    app.config["BACKUP_INTERVAL_HOURS"] = at_least(app.config["BACKUP_INTERVAL_HOURS"], 0, float,
                                                   "SESSION_STATS_BACKUP_INTERVAL_HOURS")
    app.config["BACKUP_KEEP"] = at_least(app.config["BACKUP_KEEP"], 1, int, "SESSION_STATS_BACKUP_KEEP")
    app.config["COUNT_LATER_ABOVE"] = at_least(app.config["COUNT_LATER_ABOVE"], 0, int,
                                               "SESSION_STATS_COUNT_LATER_ABOVE")
    app.config["MAX_ATTACHMENT_BYTES"] = at_least(app.config["MAX_ATTACHMENT_BYTES"], 1, int,
                                                  "SESSION_STATS_MAX_ATTACHMENT_BYTES")
    app.config["ATTACHMENT_DIR"] = Path(app.config["ATTACHMENT_DIR"] or Path(app.instance_path) / "attachments").expanduser()
    app.config["TIME_ZONE"] = setting_zone(app.config["TIME_ZONE"] or server_zone_name(), "SESSION_STATS_TIME_ZONE")
    for name, lowest in (("CHANGE_MARGIN_SECONDS", 0), ("REMOTE_TIMEOUT_SECONDS", 0.01),
                         ("REMOTE_REQUESTS_PER_SECOND", 0.01), ("REMOTE_RETRIES", 0), ("REMOTE_BACKOFF_SECONDS", 0),
                         ("REMOTE_BREAKER_FAILURES", 1),
                         ("REMOTE_BREAKER_COOL_DOWN_SECONDS", 0), ("WEBHOOK_TIMEOUT_SECONDS", 0.01),
                         ("WEBHOOK_DISABLE_AFTER_HOURS", 0)):
        app.config[name] = at_least(app.config[name], lowest, float, f"SESSION_STATS_{name}")
    app.config["REMOTE_RETRIES"] = int(app.config["REMOTE_RETRIES"])
    app.config["REMOTE_BREAKER_FAILURES"] = int(app.config["REMOTE_BREAKER_FAILURES"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")

    database_url = app.config["DATABASE_URL"] or (
        "sqlite:///" + str(Path(app.instance_path) / SQLITE_FILENAME)
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = driver_url(database_url)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A request reads one moment of the index, however many queries it takes (SQLite's reads do so as they
        # are); writes lower it to READ COMMITTED, see app.database.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"isolation_level": "REPEATABLE READ",
                                                   **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_INGEST_BYTES"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def flag(value, name: str) -> bool:
    """A yes/no setting given as a boolean, 0/1, or true/false, yes/no, on/off."""
    if isinstance(value, bool | int):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"", "0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be 1 or 0 (true/false), not {value!r}")


def at_least(value, lowest, kind, name):
    """A number setting as `kind`, refused when it is below `lowest`."""
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < lowest:
        raise ValueError(f"{name} must be a number of at least {lowest}, not {value!r}")
    return number


def setting_zone(value: str, name: str) -> str:
    """An IANA time zone's name, refused when this machine knows no such zone."""
    try:
        return time_zone(value).key
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def archive_roots(value) -> list[Path]:
    """The archive roots as absolute paths, from a list or a string separated by os.pathsep."""
    parts = value.split(os.pathsep) if isinstance(value, str) else value
    return [Path(part).expanduser().resolve() for part in map(str, parts) if part.strip()]


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
