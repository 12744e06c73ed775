"""Remote sources: the other Session Stats servers this one pulls from, their credentials, and what they sent."""
import re
import secrets
from base64 import b64decode, b64encode
from binascii import Error
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from sqlalchemy import delete, func, select

from app.credentials import CredentialError, Keyring
from app.models import ReceivedWebhook, RemoteSource, Session, WebhookSubscription
from app.models.types import utc_now

SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
FILTER_NAMES = ("artist", "tag", "daw")
MAX_FILTER = 1000
WEBHOOK_SECRET_PREFIX = "whsec_"
# How long a webhook-id is remembered: longer than the timestamps a webhook may carry.
REMEMBER_WEBHOOKS = timedelta(minutes=30)


class SourceError(Exception):
    """A source this server cannot take as given, and which field is wrong."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return WEBHOOK_SECRET_PREFIX + b64encode(secrets.token_bytes(32)).decode()


def checked_webhook_secret(secret: str) -> str:
    """`secret` when it is a Standard Webhooks secret (whsec_ and base64); SourceError otherwise."""
    body = secret.strip().removeprefix(WEBHOOK_SECRET_PREFIX)
    try:
        if len(b64decode(body, validate=True)) < 16:
            raise ValueError
    except (Error, ValueError):
        raise SourceError("A webhook secret is whsec_ followed by at least 16 bytes in base64, as the sending "
                          "server shows it.", "webhook_secret") from None
    return WEBHOOK_SECRET_PREFIX + body


def web_address(url: str) -> str | None:
    """`url` trimmed, without a trailing slash, when it is an http(s) address with a host and nothing odd in it
    (spaces, control characters, over 2,000 characters); None otherwise."""
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or len(url) > 2000 or any(c <= " " for c in url):
        return None
    return url


def checked_base_url(url: str) -> str:
    """The base URL of a Session Stats server (http or https, a host, no query); SourceError otherwise."""
    address = web_address(url)
    if address is None:
        raise SourceError("Give the server's address starting with https:// (or http://), such as "
                          "https://b-room.example:8000.", "base_url")
    parts = urlsplit(address)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise SourceError("Give the address without a user, a query or a fragment: the token goes in its own "
                          "field.", "base_url")
    return address


def checked_filters(filters: dict | None) -> dict:
    """The artist, tag and DAW a source is narrowed to, without empty ones."""
    filters = filters or {}
    unknown = set(filters) - set(FILTER_NAMES)
    if unknown:
        raise SourceError(f"A source can be narrowed by artist, tag and DAW, not {', '.join(sorted(unknown))}.")
    cleaned = {name: str(value).strip() for name, value in filters.items() if value and str(value).strip()}
    for name, value in cleaned.items():
        if len(value) > MAX_FILTER or "\x00" in value:
            raise SourceError(f"The {name} filter is too long or holds a NUL character.", name)
    return cleaned


def _checked_schedule(every_minutes) -> int | None:
    if every_minutes in (None, "", 0):
        return None
    if not isinstance(every_minutes, int) or not 1 <= every_minutes <= 7 * 24 * 60:
        raise SourceError("Sync every 1 to 10080 minutes, or leave it empty to sync only when asked.",
                          "every_minutes")
    return every_minutes


def add_source(db_session, keyring: Keyring, name: str, base_url: str, token: str, *, created_by: str,
               webhook_secret: str | None = None, filters: dict | None = None,
               every_minutes: int | None = None) -> RemoteSource:
    """A new remote source, its token and webhook secret encrypted; SourceError when a value is wrong or the name
    is taken."""
    name = name.strip()
    if not SOURCE_NAME.match(name):
        raise SourceError("A source's name is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or "
                          "digit (it goes in URLs).", "name")
    if db_session.scalar(select(RemoteSource.pk).where(RemoteSource.name == name)) is not None:
        raise SourceError(f"There is already a source named {name!r} (removed ones keep their names).", "name")
    if not token or not token.strip():
        raise SourceError("Give the API token the remote server made for this one.", "token")
    source = RemoteSource(
        name=name, base_url=checked_base_url(base_url), token_encrypted=keyring.encrypt(token.strip()),
        webhook_secret_encrypted=keyring.encrypt(checked_webhook_secret(webhook_secret)) if webhook_secret else None,
        filters=checked_filters(filters), every_minutes=_checked_schedule(every_minutes), paused=False,
        created_by=created_by[:200], breaker_state="closed")
    db_session.add(source)
    db_session.flush()
    return source


def change_source(db_session, keyring: Keyring, source: RemoteSource, *, base_url: str, filters: dict | None,
                  every_minutes: int | None, token: str | None = None, webhook_secret: str | None = None,
                  forget_webhook_secret: bool = False) -> dict:
    """Change a source's address, filters, schedule and (when given) token and webhook secret; what changed, by
    field (secrets named, never shown)."""
    new = {"base_url": checked_base_url(base_url), "filters": checked_filters(filters),
           "every_minutes": _checked_schedule(every_minutes)}
    changed = {name: value for name, value in new.items() if getattr(source, name) != value}
    for name, value in changed.items():
        setattr(source, name, value)
    if "base_url" in changed or "filters" in changed:
        # Another server, or other sessions of it: the next sync reads everything again.
        source.synced_until = None
    if token and token.strip():
        source.token_encrypted = keyring.encrypt(token.strip())
        changed["token"] = "changed"
    if webhook_secret and webhook_secret.strip():
        source.webhook_secret_encrypted = keyring.encrypt(checked_webhook_secret(webhook_secret))
        changed["webhook_secret"] = "changed"
    elif forget_webhook_secret and source.webhook_secret_encrypted:
        source.webhook_secret_encrypted = None
        changed["webhook_secret"] = "removed"
    return changed


def list_sources(db_session, removed: bool = False) -> list[RemoteSource]:
    """The sources by name: the current ones, or with `removed` also the removed ones."""
    statement = select(RemoteSource).order_by(RemoteSource.name)
    if not removed:
        statement = statement.where(RemoteSource.removed_at.is_(None))
    return list(db_session.scalars(statement))


def get_source(db_session, name: str, removed: bool = False) -> RemoteSource | None:
    """The source with this name (not a removed one unless `removed`), or None."""
    source = db_session.scalar(select(RemoteSource).where(RemoteSource.name == name))
    return source if source is not None and (removed or source.removed_at is None) else None


def source_names(db_session) -> dict[int, str]:
    """Every source's name by pk, removed ones too."""
    return dict(db_session.execute(select(RemoteSource.pk, RemoteSource.name)).all())


def remove_source(db_session, source: RemoteSource) -> None:
    """Remove a source: it syncs no more, and the sessions it brought stay, naming it."""
    source.removed_at = utc_now()
    source.paused = True


def restore_source(db_session, source: RemoteSource) -> None:
    """Bring a removed source back, paused: it syncs again once resumed."""
    source.removed_at = None


def imported_counts(db_session) -> dict[int, tuple[int, int]]:
    """Per source, its live imported sessions and those among them gone at the source."""
    rows = db_session.execute(
        select(Session.remote_source_pk, func.count(), func.count(Session.gone_at_source_at))
        .where(Session.remote_source_pk.is_not(None), Session.deleted_at.is_(None))
        .group_by(Session.remote_source_pk))
    return {pk: (count, gone) for pk, count, gone in rows}


def source_token(keyring: Keyring, source: RemoteSource) -> str:
    """The source's API token; CredentialError naming the source when this server's keys cannot open it."""
    try:
        return keyring.decrypt(source.token_encrypted)
    except CredentialError as exc:
        raise CredentialError(f"The token of source {source.name!r} cannot be read: {exc} Enter it again on the "
                              "sources page.") from None


def source_webhook_secret(keyring: Keyring, source: RemoteSource) -> str | None:
    """The secret the source signs its webhooks with, or None; CredentialError when it cannot be read."""
    if source.webhook_secret_encrypted is None:
        return None
    try:
        return keyring.decrypt(source.webhook_secret_encrypted)
    except CredentialError as exc:
        raise CredentialError(f"The webhook secret of source {source.name!r} cannot be read: {exc}") from None


def unreadable_secrets(db_session, keyring: Keyring) -> list[str]:
    """What holds a secret this server's keys cannot open, in words ("source b-room", "webhook 3 (https://…)")."""
    unreadable = []
    for source in list_sources(db_session):
        for stored in (source.token_encrypted, source.webhook_secret_encrypted):
            if stored is not None and not _opens(keyring, stored):
                unreadable.append(f"source {source.name}")
                break
    for subscription in db_session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.removed_at.is_(None)).order_by(WebhookSubscription.pk)):
        if not _opens(keyring, subscription.secret_encrypted):
            unreadable.append(f"webhook {subscription.pk} ({subscription.url})")
    return unreadable


def _opens(keyring: Keyring, stored: str) -> bool:
    try:
        keyring.decrypt(stored)
    except CredentialError:
        return False
    return True


def reencrypt_secrets(db_session, keyring: Keyring) -> int:
    """Encrypt every stored secret again under the newest key; how many. CredentialError (and nothing changed by
    the caller's rollback) when one cannot be read."""
    count = 0
    for source in db_session.scalars(select(RemoteSource)):
        source.token_encrypted = _rotated(keyring, source.token_encrypted, f"source {source.name}")
        count += 1
        if source.webhook_secret_encrypted is not None:
            source.webhook_secret_encrypted = _rotated(keyring, source.webhook_secret_encrypted,
                                                       f"source {source.name}")
            count += 1
    for subscription in db_session.scalars(select(WebhookSubscription)):
        subscription.secret_encrypted = _rotated(keyring, subscription.secret_encrypted, f"webhook {subscription.pk}")
        count += 1
    db_session.flush()
    return count


def _rotated(keyring: Keyring, stored: str, what: str) -> str:
    try:
        return keyring.rotate(stored)
    except InvalidToken:
        raise CredentialError(f"The secret of {what} cannot be read with this server's keys: enter it again, "
                              "then rotate.") from None


def note_received_webhook(db_session, source: RemoteSource, message_id: str, now: datetime) -> bool:
    """Remember a webhook the source sent; False when its id was seen before (a replay)."""
    db_session.execute(delete(ReceivedWebhook).where(ReceivedWebhook.received_at < now - REMEMBER_WEBHOOKS))
    seen = db_session.scalar(select(ReceivedWebhook.message_id).where(
        ReceivedWebhook.source_pk == source.pk, ReceivedWebhook.message_id == message_id))
    if seen is not None:
        return False
    db_session.add(ReceivedWebhook(source_pk=source.pk, message_id=message_id, received_at=now))
    db_session.flush()
    return True


def sources_due(db_session, now: datetime) -> list[RemoteSource]:
    """Scheduled sources, not paused, whose last sync is as old as their schedule (or that never synced)."""
    due = []
    for source in db_session.scalars(select(RemoteSource).where(
            RemoteSource.removed_at.is_(None), RemoteSource.paused.is_(False), RemoteSource.every_minutes.is_not(None))):
        if source.last_sync_at is None or source.last_sync_at + timedelta(minutes=source.every_minutes) <= now:
            due.append(source)
    return due
