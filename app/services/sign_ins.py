"""Sign-ins kept on the server: a browser's cookie names one, and signing out ends it for good."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from app.models import SignIn, User
from app.models.types import utc_now

# Noting every request would make reads write; to the minute is exact enough for an idle limit in hours.
LAST_SEEN_PRECISION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    # The secret carries 256 random bits: a plain SHA-256 suffices.
    return hashlib.sha256(secret.encode()).hexdigest()


def begin_sign_in(db_session, user: User, address: str | None, lifetime: timedelta) -> str:
    """Start a sign-in of `user` and note it on the account; the secret for the browser's cookie."""
    now = utc_now()
    secret = secrets.token_urlsafe(32)
    # The user's sign-ins that ended or lapsed are of no more use.
    db_session.execute(delete(SignIn).where(SignIn.user_pk == user.pk, or_(
        SignIn.ended_at.is_not(None), SignIn.last_seen_at < now - lifetime)))
    db_session.add(SignIn(user_pk=user.pk, secret_hash=_digest(secret), created_at=now, last_seen_at=now,
                          address=address))
    user.last_sign_in_at = now
    user.sign_in_secret = secret
    db_session.flush()
    return secret


def signed_in_user(db_session, secret: str, lifetime: timedelta) -> tuple[User, SignIn] | None:
    """The enabled user a cookie's secret signs in, with the sign-in, while it has neither ended nor lapsed."""
    found = db_session.execute(
        select(User, SignIn).join(SignIn, SignIn.user_pk == User.pk)
        .where(SignIn.secret_hash == _digest(secret), SignIn.ended_at.is_(None))
    ).one_or_none()
    if found is None:
        return None
    user, sign_in = found
    if user.is_disabled or sign_in.last_seen_at < utc_now() - lifetime:
        return None
    user.sign_in_secret = secret
    return user, sign_in


def needs_last_seen(sign_in: SignIn) -> bool:
    """True when the sign-in's last use, as kept, is older than its precision."""
    return utc_now() - sign_in.last_seen_at >= LAST_SEEN_PRECISION


def note_sign_in_use(db_session, sign_in_pk: int) -> None:
    """Keep that the sign-in was used now."""
    db_session.execute(update(SignIn).where(SignIn.pk == sign_in_pk).values(last_seen_at=utc_now()))


def end_sign_in(db_session, secret: str) -> None:
    """End the sign-in this secret names: its cookie opens nothing from now on, wherever it was copied."""
    db_session.execute(update(SignIn).where(SignIn.secret_hash == _digest(secret), SignIn.ended_at.is_(None))
                       .values(ended_at=utc_now()))


def end_sign_ins(db_session, user: User, keep: str | None = None) -> None:
    """End every sign-in of `user`, but the one whose secret is `keep`."""
    condition = [SignIn.user_pk == user.pk, SignIn.ended_at.is_(None)]
    if keep is not None:
        condition.append(SignIn.secret_hash != _digest(keep))
    db_session.execute(update(SignIn).where(*condition).values(ended_at=utc_now()))
