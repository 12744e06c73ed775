"""API tokens: made once, stored as a digest, checked on every API request, revocable."""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.models import ApiToken
from app.models.types import utc_now
from app.services.accounts import AccountError, check_role

TOKEN_PREFIX = "sst_"
MAX_NAME_LENGTH = 100
HINT_LENGTH = len(TOKEN_PREFIX) + 6
# Writing last_used_at on every request would make reads write; once a minute is exact enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_digest(secret: str) -> str:
    """The stored form of a token. Tokens carry 256 random bits, so a plain SHA-256 suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(db_session, name: str, role: str, *, expires_at: datetime | None = None,
                 created_by: str | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise AccountError(f"A token needs a name of 1 to {MAX_NAME_LENGTH} characters.", "name")
    if expires_at is not None and expires_at <= utc_now():
        raise AccountError("The expiry date must be in the future.", "expires")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=check_role(role), token_hash=token_digest(secret), hint=secret[:HINT_LENGTH],
                     created_by=created_by, expires_at=expires_at)
    db_session.add(token)
    db_session.flush()
    return token, secret


def resolve_token(db_session, secret: str) -> ApiToken | None:
    """The usable token whose secret this is; None for unknown, revoked or expired."""
    token = db_session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    return token if token is not None and token.is_usable(utc_now()) else None


def needs_last_use(token: ApiToken) -> bool:
    """True when the token's last use, as kept, is older than its precision."""
    return token.last_used_at is None or utc_now() - token.last_used_at >= LAST_USED_PRECISION


def note_token_use(db_session, token_pk: int) -> None:
    """Keep that the token was used now."""
    db_session.execute(update(ApiToken).where(ApiToken.pk == token_pk).values(last_used_at=utc_now()))


def list_tokens(db_session) -> list[ApiToken]:
    """Every token, newest first, revoked and expired ones included."""
    return list(db_session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.pk.desc())))


def get_token(db_session, token_pk: int) -> ApiToken | None:
    """The token with this key, or None."""
    return db_session.get(ApiToken, token_pk)


def revoke_token(db_session, token: ApiToken) -> bool:
    """Revoke `token` from now on; False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utc_now()
    db_session.flush()
    return True
