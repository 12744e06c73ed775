"""Other Session Stats servers this one pulls sessions from, the webhooks it sends, and what it was sent."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utc_now


class RemoteSource(db.Model):
    """A remote Session Stats server, its API token (encrypted) and what to pull from it, and how the last
    sync went. A removed one is kept: the sessions it brought name it."""

    __tablename__ = "remote_sources"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str] = mapped_column(Text)
    token_encrypted: Mapped[str] = mapped_column(Text)
    # The secret its webhooks to this server are signed with (whsec_…), encrypted; None: it sends none.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # Only sessions with these values: {"artist": …, "tag": …, "daw": …}, each optional.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    # Sync every this many minutes; None: only when asked (a button, the command line, its webhook).
    every_minutes: Mapped[int | None] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The remote's servedAt of the last complete sync: the next one asks for what changed since.
    synced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_job_pk: Mapped[int | None] = mapped_column(ForeignKey("jobs.pk", ondelete="SET NULL"))
    # The circuit breaker as the last call left it ("closed", "open", "half-open"), and the last error in words.
    breaker_state: Mapped[str] = mapped_column(String(20), default="closed")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def removed(self) -> bool:
        """True once an admin removed it."""
        return self.removed_at is not None


class ReceivedWebhook(db.Model):
    """A webhook a source sent, by its webhook-id: a second one with the same id is a replay."""

    __tablename__ = "received_webhooks"

    source_pk: Mapped[int] = mapped_column(ForeignKey("remote_sources.pk", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    __table_args__ = (Index("ix_received_webhooks_received_at", "received_at"),)


class WebhookSubscription(db.Model):
    """Where this server sends webhooks, for which events, signed with which secret (encrypted)."""

    __tablename__ = "webhook_subscriptions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list] = mapped_column(JSON)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Why it was turned off, when deliveries kept failing.
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Since when every delivery has failed; None while the last one got through.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


PENDING, DELIVERED, GAVE_UP = "pending", "delivered", "gave up"


class WebhookDelivery(db.Model):
    """One message to one subscription, and how sending it went."""

    __tablename__ = "webhook_deliveries"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_pk: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.pk", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    response_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[WebhookSubscription] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_webhook_deliveries_subscription_pk", "subscription_pk", "pk"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )
