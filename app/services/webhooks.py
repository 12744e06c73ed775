"""Webhook subscriptions and the messages owed to them: what happened is recorded in the writer's transaction,
and sent afterwards by the delivery task (app/remote/webhooks.py)."""
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import event as orm_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session as DatabaseSession

from app.credentials import Keyring
from app.extensions import jobs
from app.models import WebhookDelivery, WebhookSubscription
from app.models.remote import DELIVERED, GAVE_UP, PENDING
from app.models.types import utc_now
from app.services.bulk import chunked
from app.services.remote_sources import new_webhook_secret, web_address

SESSION_EVENTS = ("session.created", "session.updated", "session.trashed", "session.restored")
# What happens on a session's timeline (notes and the other events people add, not the markers of its file).
TIMELINE_EVENTS = ("timeline.created", "timeline.updated", "timeline.trashed", "timeline.restored")
EVENTS = (*SESSION_EVENTS, *TIMELINE_EVENTS, "scan.finished", "sync.finished")
# After each failed attempt, the wait before the next (as the Standard Webhooks guidance suggests); then it gives up.
RETRY_AFTER = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
               timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
# Session ids per message: a scan of a whole archive sends several messages, not one huge one.
IDS_PER_MESSAGE = 1000
# Set on the database session when a write recorded deliveries: the commit queues the delivery task.
DELIVERIES_WAITING = "webhook deliveries waiting"
DELIVERIES_PAGE = 50
# The job queue's task that sends the deliveries due.
DELIVER = "deliver_webhooks"
log = logging.getLogger(__name__)


@orm_event.listens_for(DatabaseSession, "after_commit")
def _queue_deliveries(db_session):
    # The messages are in the database now: the task sends them, never the request that caused them. A queue that
    # cannot take the task now loses nothing: the periodic retry finds the messages within a minute.
    if db_session.info.pop(DELIVERIES_WAITING, False):
        try:
            jobs.call(DELIVER)
        except Exception:
            log.warning("Could not queue the webhook deliveries; the periodic task sends them.", exc_info=True)


@orm_event.listens_for(DatabaseSession, "after_rollback")
def _forget_deliveries(db_session):
    db_session.info.pop(DELIVERIES_WAITING, None)


class WebhookError(Exception):
    """A subscription this server cannot take as given."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def add_subscription(db_session, keyring: Keyring, url: str, events: list[str], created_by: str
                     ) -> tuple[WebhookSubscription, str]:
    """A new subscription with a fresh secret; the subscription and the secret (shown to the admin)."""
    url = web_address(url)
    if url is None:
        raise WebhookError("Give the address webhooks go to, starting with https:// (or http://).", "url")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise WebhookError(f"Choose one or more of the events: {', '.join(EVENTS)}.", "events")
    secret = new_webhook_secret()
    subscription = WebhookSubscription(url=url, events=[e for e in EVENTS if e in events],
                                       secret_encrypted=keyring.encrypt(secret), enabled=True,
                                       created_by=created_by[:200])
    db_session.add(subscription)
    db_session.flush()
    return subscription, secret


def list_subscriptions(db_session) -> list[WebhookSubscription]:
    """The subscriptions not removed, oldest first."""
    return list(db_session.scalars(select(WebhookSubscription).where(WebhookSubscription.removed_at.is_(None))
                                   .order_by(WebhookSubscription.pk)))


def get_subscription(db_session, subscription_pk: int) -> WebhookSubscription | None:
    """The subscription with this number, unless removed."""
    subscription = db_session.get(WebhookSubscription, subscription_pk)
    return subscription if subscription is not None and subscription.removed_at is None else None


def remove_subscription(db_session, subscription: WebhookSubscription) -> None:
    """Stop sending to it; its delivery log stays until it is purged with it."""
    subscription.removed_at = utc_now()
    subscription.enabled = False
    db_session.execute(update(WebhookDelivery).where(
        WebhookDelivery.subscription_pk == subscription.pk, WebhookDelivery.status == PENDING).values(
        status=GAVE_UP, error="The subscription was removed.", next_attempt_at=None))


def enable_subscription(db_session, subscription: WebhookSubscription) -> None:
    """Send to a subscription again after it was turned off."""
    subscription.enabled = True
    subscription.disabled_reason = None
    subscription.failing_since = None


def subscribed_events(db_session) -> set[str]:
    """The events some enabled subscription wants."""
    return {event for events in db_session.scalars(select(WebhookSubscription.events).where(
        WebhookSubscription.enabled.is_(True))) for event in events}


def emit(db_session, event: str, data: dict) -> int:
    """Owe every enabled subscription to `event` a message with `data`, in the caller's transaction; how many."""
    subscriptions = [pk for pk, events in db_session.execute(select(
        WebhookSubscription.pk, WebhookSubscription.events).where(WebhookSubscription.enabled.is_(True)))
        if event in events]
    now = utc_now()
    for subscription_pk in subscriptions:
        db_session.add(WebhookDelivery(subscription_pk=subscription_pk, message_id=f"msg_{uuid.uuid4().hex}",
                                       event=event, payload=data, status=PENDING, attempts=0, created_at=now,
                                       next_attempt_at=now))
    if subscriptions:
        db_session.flush()
        db_session.info[DELIVERIES_WAITING] = True
    return len(subscriptions)


def emit_session_events(db_session, ids_by_event: dict[str, list[str]]) -> None:
    """Owe the subscribers of each session event the ids of the sessions it happened to, some at a time."""
    for event, ids in ids_by_event.items():
        for chunk in chunked(ids, IDS_PER_MESSAGE):
            emit(db_session, event, {"sessionIds": list(chunk)})


def due_deliveries(db_session, now: datetime, limit: int = 100) -> list[WebhookDelivery]:
    """Messages waiting to be sent whose time has come, oldest first."""
    return list(db_session.scalars(select(WebhookDelivery).join(WebhookSubscription).where(
        WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now,
        WebhookSubscription.enabled.is_(True)).order_by(WebhookDelivery.pk).limit(limit)))


def record_attempt(db_session, delivery: WebhookDelivery, subscription: WebhookSubscription, *, now: datetime,
                   response_code: int | None, response_ms: int | None, error: str | None,
                   disable_after: timedelta) -> None:
    """Note how an attempt went: delivered, retried later, or given up; a subscription failing for longer than
    `disable_after` is turned off, saying why."""
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = response_code
    delivery.response_ms = response_ms
    delivery.error = error
    if error is None:
        delivery.status = DELIVERED
        delivery.next_attempt_at = None
        subscription.failing_since = None
        return
    if delivery.attempts > len(RETRY_AFTER):
        delivery.status = GAVE_UP
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + RETRY_AFTER[delivery.attempts - 1]
    subscription.failing_since = subscription.failing_since or now
    if now - subscription.failing_since >= disable_after:
        subscription.enabled = False
        subscription.disabled_reason = (
            f"Every delivery failed for {_span(now - subscription.failing_since)}; the last: {error}")


def _span(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours >= 1 else f"{span.total_seconds():.0f} seconds"


def redeliver(db_session, delivery: WebhookDelivery) -> None:
    """Send a message again, with its id (a receiver that has it already ignores it)."""
    delivery.status = PENDING
    delivery.next_attempt_at = utc_now()
    db_session.info[DELIVERIES_WAITING] = True


def page_of_deliveries(db_session, subscription: WebhookSubscription, page: int = 1
                       ) -> tuple[list[WebhookDelivery], int]:
    """A page of the subscription's deliveries, newest first, and how many there are."""
    total = db_session.scalar(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.subscription_pk == subscription.pk))
    rows = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_pk == subscription.pk)
                              .order_by(WebhookDelivery.pk.desc()).limit(DELIVERIES_PAGE)
                              .offset((page - 1) * DELIVERIES_PAGE))
    return list(rows), total


def get_delivery(db_session, subscription: WebhookSubscription, delivery_pk: int) -> WebhookDelivery | None:
    """One of the subscription's deliveries, or None."""
    delivery = db_session.get(WebhookDelivery, delivery_pk)
    return delivery if delivery is not None and delivery.subscription_pk == subscription.pk else None
