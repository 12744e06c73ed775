"""Webhooks both ways: outgoing ones signed per Standard Webhooks (checked with its reference library), retried,
logged and turned off when they keep failing; incoming ones verified, refused when stale or replayed."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from app.credentials import keyring
from app.database import unit_of_work
from app.extensions import db, jobs
from app.models import AuditEntry, Job, WebhookDelivery, WebhookSubscription
from app.models.types import utc_now
from app.remote.webhooks import deliver_due
from app.services.remote_sources import add_source, new_webhook_secret
from app.services.webhooks import add_subscription
from tests.auth import csrf_token
from tests.helpers import ingest
from tests.scripted_server import Answer, ScriptedServer


def subscribe(app, url, events=("session.created", "session.updated", "session.trashed", "session.restored")):
    with app.app_context(), unit_of_work():
        subscription, secret = add_subscription(db.session, keyring(app), url, list(events), "test")
        return subscription.pk, secret


def deliver(app, now=None, disable_after=timedelta(hours=72)) -> int:
    with app.app_context():
        return deliver_due(db.session, keyring(app), timeout=2, disable_after=disable_after, now=now or utc_now())


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.pk)).all()
        db.session.expunge_all()
        return rows


def test_each_session_event_is_delivered_signed_as_the_reference_library_checks(app, client):
    with ScriptedServer(Answer(204, b"")) as receiver:
        _, secret = subscribe(app, receiver.url + "/hook")
        ingest(client, {"name": "Alpha", "fingerprint": "a"}, {"name": "Bravo", "fingerprint": "b"})
        ids = {s["name"]: s["id"] for s in client.get("/api/session-stats").get_json()["sessions"]}
        ingest(client, {"name": "Alpha", "fingerprint": "a", "artist": "Lumen"})
        assert client.delete(f"/api/session-stats/{ids['Bravo']}").status_code == 200
        assert client.post(f"/api/session-stats/{ids['Bravo']}/restore").status_code == 200
        assert deliver(app) == 4
    received = []
    for request in receiver.requests:
        headers = {name: request["headers"][name] for name in ("webhook-id", "webhook-timestamp",
                                                                 "webhook-signature")}
        assert request["headers"]["webhook-signature"].startswith("v1,")
        received.append(Webhook(secret).verify(request["body"], headers))
    assert [(m["type"], sorted(m["data"]["sessionIds"])) for m in received] == [
        ("session.created", sorted(ids.values())), ("session.updated", [ids["Alpha"]]),
        ("session.trashed", [ids["Bravo"]]), ("session.restored", [ids["Bravo"]])]
    assert all(d.status == "delivered" and d.response_code == 204 and d.attempts == 1 for d in deliveries(app))


def test_events_go_only_to_their_subscribers_and_a_wrong_secret_does_not_verify(app, client):
    with ScriptedServer(Answer(200, {})) as receiver:
        subscribe(app, receiver.url, ["session.trashed"])
        ingest(client, {"name": "Alpha"})
        assert deliver(app) == 0
        session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
        client.delete(f"/api/session-stats/{session_id}")
        assert deliver(app) == 1
    request = receiver.requests[0]
    with pytest.raises(Exception):
        Webhook(new_webhook_secret()).verify(request["body"], {k: request["headers"][k] for k in (
            "webhook-id", "webhook-timestamp", "webhook-signature")})


def test_a_write_that_owes_messages_queues_the_delivery_task_once_it_commits(app, client):
    subscribe(app, "http://127.0.0.1:9/hook")
    queue = jobs.huey_of(app)
    queue.flush()
    assert ingest(client, {"name": "Refused", "tracks": "not a list"}).status_code == 422
    assert queue.pending_count() == 0
    assert ingest(client, {"name": "Alpha", "fingerprint": "a"}).status_code == 200
    assert [task.name for task in queue.pending()] == ["deliver_webhooks"]


def test_a_failing_delivery_is_retried_later_then_a_long_failure_turns_the_subscription_off(app, client):
    with ScriptedServer(Answer(500, {}), Answer(200, {})) as receiver:
        subscription_pk, _ = subscribe(app, receiver.url)
        ingest(client, {"name": "Alpha"})
        now = utc_now()
        assert deliver(app, now) == 1
        [delivery] = deliveries(app)
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
        assert delivery.error == "It answered HTTP 500."
        # Not due again until its backoff is over.
        assert deliver(app, now + timedelta(seconds=1)) == 0
        assert deliver(app, now + timedelta(seconds=6)) == 1
        [delivery] = deliveries(app)
        assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)
        assert len(receiver.requests) == 2
        # Both tries carried the same message id: a receiver can tell a retry from a new message.
        assert receiver.requests[0]["headers"]["webhook-id"] == receiver.requests[1]["headers"]["webhook-id"]

    with ScriptedServer(Answer(503, {})) as receiver:
        with app.app_context(), unit_of_work():
            db.session.get(WebhookSubscription, subscription_pk).url = receiver.url
        ingest(client, {"name": "Bravo"})
        deliver(app, disable_after=timedelta(0))
    with app.app_context():
        subscription = db.session.get(WebhookSubscription, subscription_pk)
        assert subscription.enabled is False
        assert "It answered HTTP 503" in subscription.disabled_reason
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "webhook.disabled"))
    page = client.get(f"/admin/webhooks/{subscription_pk}")
    assert b"Turned off" in page.data and b"HTTP 503" in page.data
    # No more tries while it is off; turned on again, it sends what waits.
    assert deliver(app, utc_now() + timedelta(days=1)) == 0


def test_redeliver_sends_a_message_again(app, client):
    with ScriptedServer(Answer(200, {})) as receiver:
        subscription_pk, _ = subscribe(app, receiver.url)
        ingest(client, {"name": "Alpha"})
        deliver(app)
        [delivery] = deliveries(app)
        page = client.post(f"/admin/webhooks/{subscription_pk}/deliveries/{delivery.pk}/redeliver",
                           data={"csrf_token": csrf_token(client)})
        assert page.status_code == 302
        deliver(app)
    assert len(receiver.requests) == 2
    assert deliveries(app)[0].attempts == 2


@pytest.fixture
def source_secret(app):
    secret = new_webhook_secret()
    with app.app_context(), unit_of_work():
        add_source(db.session, keyring(app), "a-room", "http://127.0.0.1:9", "sst_x", created_by="test",
                   webhook_secret=secret)
    return secret


def signed(secret, body=b'{"type":"session.created","data":{}}', message_id="msg_1", at=None):
    at = at or utc_now()
    return body, {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
                  "webhook-signature": Webhook(secret).sign(message_id, at, body), "Content-Type": "application/json"}


def sync_jobs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "sync"))


def test_a_signed_webhook_queues_a_sync_once(app, anonymous, source_secret):
    body, headers = signed(source_secret)
    answer = anonymous.post("/api/webhooks/sources/a-room", data=body, headers=headers)
    assert answer.status_code == 202, answer.get_json()
    assert sync_jobs(app) == 1
    assert answer.get_json()["queued"] > 0
    # The same message again is a replay.
    again = anonymous.post("/api/webhooks/sources/a-room", data=body, headers=headers)
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "replayed"
    assert sync_jobs(app) == 1


@pytest.mark.parametrize("spoil, status, words", [
    (lambda body, headers, secret: (body + b" ", headers), 401, "signature does not match"),
    (lambda body, headers, secret: signed(new_webhook_secret()), 401, "signature does not match"),
    (lambda body, headers, secret: signed(secret, at=utc_now() - timedelta(minutes=6)), 400, "stale"),
    (lambda body, headers, secret: signed(secret, at=utc_now() + timedelta(minutes=6)), 400, "stale"),
    (lambda body, headers, secret: (body, {k: v for k, v in headers.items() if k != "webhook-id"}), 400, "needs"),
    (lambda body, headers, secret: (body, headers | {"webhook-timestamp": "soon"}), 400, "not a number"),
])
def test_a_bad_webhook_is_refused_and_queues_nothing(app, anonymous, source_secret, spoil, status, words):
    body, headers = spoil(*signed(source_secret), source_secret)
    answer = anonymous.post("/api/webhooks/sources/a-room", data=body, headers=headers)
    assert answer.status_code == status
    assert words in answer.get_json()["error"]["message"]
    assert sync_jobs(app) == 0


def test_webhooks_to_an_unknown_source_or_one_without_a_secret_are_refused(app, anonymous):
    with app.app_context(), unit_of_work():
        add_source(db.session, keyring(app), "quiet", "http://127.0.0.1:9", "sst_x", created_by="test")
    body, headers = signed(new_webhook_secret())
    assert anonymous.post("/api/webhooks/sources/nobody", data=body, headers=headers).status_code == 404
    assert anonymous.post("/api/webhooks/sources/quiet", data=body, headers=headers).status_code == 403
    assert sync_jobs(app) == 0


def test_webhook_subscriptions_from_the_admin_page(app, client):
    page = client.post("/admin/webhooks", data={"url": "https://b.example/api/webhooks/sources/main",
                                                "events": ["session.created", "sync.finished"],
                                                "csrf_token": csrf_token(client)})
    assert page.status_code == 200
    assert b"whsec_" in page.data and page.headers["Cache-Control"] == "no-store"
    for url in ("ftp://b.example", "http://[::1", ""):
        refused = client.post("/admin/webhooks", data={"url": url, "events": ["session.created"],
                                                       "csrf_token": csrf_token(client)})
        assert refused.status_code == 422
    refused = client.post("/admin/webhooks", data={"url": "https://b.example", "events": ["nope"],
                                                   "csrf_token": csrf_token(client)})
    assert refused.status_code == 422
    with app.app_context():
        [subscription] = db.session.scalars(select(WebhookSubscription)).all()
        assert subscription.events == ["session.created", "sync.finished"]
        # Stored encrypted: the page's secret is nowhere in the row.
        assert "whsec_" not in subscription.secret_encrypted
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "webhook.added" in actions
    assert client.post(f"/admin/webhooks/{subscription.pk}/remove", data={"csrf_token": csrf_token(client)}).status_code == 302
    assert b"No webhooks yet" in client.get("/admin/webhooks").data


def test_message_bodies_are_json_with_type_timestamp_and_data(app, client):
    with ScriptedServer(Answer(200, {})) as receiver:
        subscribe(app, receiver.url, ["session.created"])
        ingest(client, {"name": "Alpha"})
        deliver(app)
    message = json.loads(receiver.requests[0]["body"])
    assert set(message) == {"type", "timestamp", "data"}
    assert message["timestamp"].endswith("Z")


def test_timeline_events_are_sent_to_their_subscribers(app, client):
    with ScriptedServer(Answer(200, {})) as receiver:
        subscribe(app, receiver.url, ["timeline.created", "timeline.updated", "timeline.trashed"])
        ingest(client, {"name": "Alpha"})
        session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
        [note] = client.post(f"/api/sessions/{session_id}/events", json={"events": [
            {"kind": "note", "t_sec": 12.5, "text": "louder"}]}).get_json()["events"]
        assert client.patch(f"/api/events/{note['id']}", json={"status": "resolved"}).status_code == 200
        assert client.delete(f"/api/events/{note['id']}").status_code == 200
        assert deliver(app) == 3
    messages = [json.loads(request["body"]) for request in receiver.requests]
    assert [m["type"] for m in messages] == ["timeline.created", "timeline.updated", "timeline.trashed"]
    assert messages[0]["data"] == {"sessionId": session_id, "events": [{"id": note["id"], "kind": "note",
                                                                        "tSec": 12.5}]}
