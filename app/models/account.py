"""Who may use the index: users, API tokens, and the audit log of what they did."""
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utc_now


class User(UserMixin, db.Model):
    """A person who signs in to the dashboard."""

    __tablename__ = "users"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The IANA zone this person sees and types times in; None: the server's (TIME_ZONE).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    @property
    def is_disabled(self) -> bool:
        """True when the account may not sign in."""
        return self.disabled_at is not None

    @property
    def is_active(self) -> bool:
        """Flask-Login: disabled accounts cannot sign in."""
        return not self.is_disabled

    # The secret of the sign-in this user came through (not stored: the cookie holds it).
    sign_in_secret = None

    def get_id(self) -> str:
        """Flask-Login: what the cookie holds, the secret of this browser's sign-in."""
        if self.sign_in_secret is None:
            raise RuntimeError("a user is signed in through a sign-in (begin_sign_in)")
        return self.sign_in_secret


class SignIn(db.Model):
    """One browser's sign-in: its cookie holds the secret, and signing out ends it on the server."""

    __tablename__ = "sign_ins"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.pk", ondelete="CASCADE"), index=True)
    # The SHA-256 of the secret in the cookie.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # To the minute: a sign-in unused for longer than the sign-in lifetime has ended.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(String(100))


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so that people can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_usable(self, now: datetime) -> bool:
        """True when the token is neither revoked nor expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditEntry(db.Model):
    """One thing someone did: who, what, to what, from where, and when."""

    __tablename__ = "audit_entries"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor: Mapped[str] = mapped_column(String(200))
    user_pk: Mapped[int | None] = mapped_column(ForeignKey("users.pk", ondelete="SET NULL"))
    token_pk: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.pk", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_action_at", "action", "at"),
    )


class SavedView(db.Model):
    """A list's state (its query string) under a name: its owner's, or shared with everyone."""

    __tablename__ = "saved_views"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    page: Mapped[str] = mapped_column(String(20))
    query: Mapped[str] = mapped_column(Text)
    owner_pk: Mapped[int] = mapped_column(ForeignKey("users.pk", ondelete="CASCADE"))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    __table_args__ = (UniqueConstraint("owner_pk", "page", "name"),)
