"""Sending the webhooks owed, signed per the Standard Webhooks specification, and checking the ones received."""
import json
import time
from datetime import datetime, timedelta

import httpx
from flask import current_app
from standardwebhooks import Webhook, WebhookVerificationError

from app import metrics
from app.credentials import CredentialError, Keyring, keyring
from app.database import unit_of_work
from app.extensions import db
from app.models import WebhookDelivery
from app.models.types import utc_now
from app.services.audit import Actor, record
from app.services.webhooks import due_deliveries, record_attempt

# A webhook's timestamp may be this far from now, either way.
TOLERANCE = timedelta(minutes=5)
USER_AGENT = "session-stats-webhooks"
# Who turns a failing subscription off, as the audit log names it.
DELIVERY = Actor("webhook delivery")


def message_body(event_name: str, data: dict, at: datetime) -> bytes:
    """The JSON a webhook carries: {type, timestamp, data}."""
    return json.dumps({"type": event_name, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data},
                      separators=(",", ":")).encode()


def signed_headers(secret: str, message_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The webhook-id, webhook-timestamp and webhook-signature headers of a message."""
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, body), "Content-Type": "application/json",
            "User-Agent": USER_AGENT}


def deliver_due(db_session, keyring: Keyring, *, timeout: float, disable_after: timedelta,
                now: datetime | None = None) -> int:
    """Send every message whose time has come, one attempt each, and note how each went; how many were tried."""
    tried = 0
    with httpx.Client(timeout=timeout) as http:
        while True:
            with unit_of_work(db_session):
                due = due_deliveries(db_session, now or utc_now())
                work = [(d.pk, d.message_id, d.event, d.payload, d.created_at,
                         d.subscription.url, d.subscription.secret_encrypted) for d in due]
            if not work:
                return tried
            for delivery_pk, message_id, event_name, payload, created_at, url, secret in work:
                code, elapsed_ms, error = _send(http, keyring, url, secret, message_id, event_name, payload,
                                                created_at)
                metrics.WEBHOOK_DELIVERIES.labels("delivered" if error is None else "failed").inc()
                with unit_of_work(db_session):
                    delivery = db_session.get(WebhookDelivery, delivery_pk)
                    subscription = delivery.subscription
                    record_attempt(db_session, delivery, subscription, now=now or utc_now(),
                                   response_code=code, response_ms=elapsed_ms, error=error,
                                   disable_after=disable_after)
                    if not subscription.enabled:
                        record(db_session, DELIVERY, "webhook.disabled", str(subscription.pk),
                               {"url": subscription.url, "reason": subscription.disabled_reason})
                tried += 1
            if now is not None:
                # A given moment is a test's: one round of what was due then.
                return tried


def _send(http, keyring, url, secret_encrypted, message_id, event_name, payload, created_at):
    try:
        secret = keyring.decrypt(secret_encrypted)
    except CredentialError as exc:
        return None, None, f"Its secret cannot be read: {exc} Remove the subscription and add it again."
    sent_at = utc_now()
    body = message_body(event_name, payload, created_at)
    started = time.perf_counter()
    try:
        answer = http.post(url, content=body, headers=signed_headers(secret, message_id, sent_at, body))
    except httpx.TimeoutException:
        return None, _ms(started), "It did not answer in time."
    except httpx.HTTPError as exc:
        return None, _ms(started), f"It could not be reached: {exc or type(exc).__name__}."
    if 200 <= answer.status_code < 300:
        return answer.status_code, _ms(started), None
    return answer.status_code, _ms(started), f"It answered HTTP {answer.status_code}."


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def deliver_due_now() -> None:
    """The delivery task's body: send what is due, with the app's settings."""
    config = current_app.config
    deliver_due(db.session, keyring(current_app), timeout=config["WEBHOOK_TIMEOUT_SECONDS"],
                disable_after=timedelta(hours=config["WEBHOOK_DISABLE_AFTER_HOURS"]))


class BadWebhook(Exception):
    """A received webhook that is refused: `status` 401 for a wrong signature, 400 for the rest."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def verified_message_id(secret: str, body: bytes, headers, now: datetime) -> str:
    """The webhook-id of a message whose timestamp is within the tolerance and whose signature `secret` makes;
    BadWebhook otherwise."""
    message_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not message_id or not stamp or not headers.get("webhook-signature"):
        raise BadWebhook(400, "A webhook needs the webhook-id, webhook-timestamp and webhook-signature headers.")
    if len(message_id) > 200:
        raise BadWebhook(400, "The webhook-id is longer than 200 characters.")
    try:
        sent = int(stamp)
    except ValueError:
        raise BadWebhook(400, "webhook-timestamp is not a number of seconds.") from None
    if abs(now.timestamp() - sent) > TOLERANCE.total_seconds():
        raise BadWebhook(400, "The webhook's timestamp is more than 5 minutes from now: it is stale (or the "
                              "clocks differ).")
    try:
        Webhook(secret).verify(body, {name: headers.get(name, "") for name in
                                      ("webhook-id", "webhook-timestamp", "webhook-signature")}, json_parse=False)
    except WebhookVerificationError:
        raise BadWebhook(401, "The webhook's signature does not match this source's secret.") from None
    return message_id
