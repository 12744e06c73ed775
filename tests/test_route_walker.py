"""Every route, every method, with hostile values in every path parameter, query parameter and form field: no
answer is a server error, and none is larger than MAX_ANSWER.

The parameter names sent are all those any list, form or route reads, so that each route meets the ones it
knows among the ones it does not. The largest answer and the slowest request are printed (`pytest -s`) for the
record; timings are not asserted.
"""
import io
import time
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import list_params
from app.credentials import keyring
from app.database import unit_of_work
from app.extensions import db
from app.models import User, WebhookDelivery
from app.params import MAX_QUERY_BYTES
from app.sample_data import generate_sessions
from app.services.remote_sources import add_source, new_webhook_secret
from app.services.webhooks import add_subscription
from app.web import forms
from tests.auth import csrf_token
from tests.helpers import ingest

MAX_ANSWER = 1_000_000
FORM = "application/x-www-form-urlencoded"
HOSTILE = ["²", "١٢", "9" * 30, "-1", "0", "", " ", "\x00", "x" * 10_000, "' OR 1=1 --", "<script>alert(1)</script>",
           "../../etc/passwd", "1e400", "NaN", "true", "%", "a|b|c|d", "\U0001f3b5\u202e"]
# 900 characters of 2,700 bytes that do not compress: within the characters a name may have, beyond the bytes
# PostgreSQL indexes. Sent in the forms of the routes that write.
WIDE = "".join(chr(0x4E00 + (n * 7919) % 20_000) for n in range(900))
# One of each kind, for the walk that sends one parameter at a time (the longest fits under the query string cap).
HOSTILE_ALONE = ["²", "9" * 30, "x" * 1_500, "\U0001f3b5\u202e"]
HOSTILE_IN_PATHS = ["²", "١٢", "9" * 30, "-1", "0", "x" * 5_000, "..%2F..%2Fetc%2Fpasswd", "%00", "new", "%25"]
# What a list answers of a parameter it does not know (pydantic's words for a field its model forbids).
UNKNOWN = "Extra inputs are not permitted"
# Routes the walk leaves alone: signing out ends the walker's own sign-in; static files are not the app's code.
SKIPPED = {"auth.logout", "static"}
EXTRA_NAMES = {"value", "add", "remove", "rating", "is_favorite", "is_test", "is_complete", "index", "next",
               "action", "key", "name", "vendor", "category", "plugin", "into", "keys", "check", "id", "tag", "scope",
               "query", "back", "then", "page", "shared", "position", "text", "label", "status",
               "kind", "file", "play", "started_at", "ended_at", "duration", "note", "person", "folder"}


def parameter_names() -> list[str]:
    """Every query parameter a list model names and every field a form names, and what views read by hand."""
    names = set(EXTRA_NAMES)
    for model in vars(list_params).values():
        if isinstance(model, type) and issubclass(model, list_params.Params):
            names.update(model.model_fields)
    for form in vars(forms).values():
        if isinstance(form, type) and issubclass(form, forms.FlaskForm):
            names.update(name for name in dir(form) if not name.startswith("_") and name.islower()
                         and getattr(getattr(form, name), "field_class", None) is not None)
    return sorted(names)


NAMES = parameter_names()


class Walk:
    """The requests of one walk, and the largest and slowest answers seen."""

    def __init__(self, client):
        self.client = client
        self.count = 0
        self.largest = (0, "")
        self.slowest = (0.0, "")

    def send(self, method: str, path: str, query: MultiDict | str, form: str | None = None):
        """Send `query` (and `form`, urlencoded once by the caller: the same large bodies go to every route)."""
        started = time.perf_counter()
        response = self.client.open(path, method=method, query_string=query, data=form,
                                    content_type=FORM if form is not None else None)
        elapsed = time.perf_counter() - started
        size = len(response.get_data())
        where = f"{method} {path[:80]} {(query if isinstance(query, str) else str(list(query.items())))[:80]}"
        self.count += 1
        self.largest = max(self.largest, (size, where))
        self.slowest = max(self.slowest, (elapsed, where))
        assert response.status_code < 500, (where, response.status_code, response.get_data(as_text=True)[:300])
        assert size <= MAX_ANSWER, (where, size)
        return response


@pytest.fixture
def walk(app, auth, client):
    """An admin's client on an archive of sample sessions, with a viewer account the walk may disable."""
    assert ingest(client, *generate_sessions(30)).status_code == 200
    auth.user("viewer", "walked-viewer")
    auth.token("viewer")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    return Walk(client)


def real_values(app, client) -> dict[str, str]:
    """A value of each path parameter that names something that exists."""
    session = client.get("/api/session-stats?limit=1").get_json()["sessions"][0]
    note = client.post(f"/api/sessions/{session['id']}/events", json={"events": [
        {"kind": "note", "t_sec": 1, "text": "walked"}]}).get_json()["events"][0]
    attachment = client.post(f"/api/sessions/{session['id']}/attachments", content_type="multipart/form-data",
                             data={"file": (io.BytesIO(b"walked"), "walked.txt")}).get_json()
    activity = client.post(f"/api/sessions/{session['id']}/activities", json={
        "kind": "mixing", "started_at": "2026-01-05T10:00:00Z", "duration_seconds": 600}).get_json()
    product = client.get("/api/products?limit=1").get_json()["products"][0]
    assert client.post("/api/machines/walked/inventory", json={
        "machine": "walked", "collectedAt": "2026-01-05T10:00:00Z", "plugins": [
            {"format": "VST3", "name": "Walked", "identifiedBy": "file name"}]}).status_code == 200
    with app.app_context(), unit_of_work():
        user_pk = db.session.scalar(select(User.pk).where(User.username == "walked-viewer"))
        # Port 9 (discard) refuses at once: a connection test or a sync fails without waiting.
        add_source(db.session, keyring(app), "walked", "http://127.0.0.1:9", "sst_walked", created_by="walk",
                   webhook_secret=new_webhook_secret())
        subscription, _ = add_subscription(db.session, keyring(app), "http://127.0.0.1:9/hook", ["sync.finished"],
                                           "walk")
        delivery = WebhookDelivery(subscription_pk=subscription.pk, message_id="msg_walked", event="sync.finished",
                                   payload={}, status="gave up", attempts=8)
        db.session.add(delivery)
        db.session.flush()
        subscription_pk, delivery_pk = subscription.pk, delivery.pk
    return {"name": "walked", "source_name": "walked", "subscription_pk": str(subscription_pk),
            "delivery_pk": str(delivery_pk), "session_id": session["id"], "product_key": product["key"], "plugin_id": product["variants"][0]["plugin_id"],
            "field": "name", "job_pk": "1", "user_pk": str(user_pk), "token_pk": "1", "correction_pk": "1",
            "entry_pk": "1", "view_pk": "1", "event_id": note["id"], "attachment_id": attachment["id"],
            "activity_id": activity["id"], "template_id": "no-such-template",
            "machine_name": "walked"}


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint in SKIPPED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def path_of(rule, values: dict[str, str]) -> str:
    path = rule.rule
    for argument in rule.arguments:
        for spelled in (f"<int:{argument}>", f"<path:{argument}>", f"<{argument}>"):
            path = path.replace(spelled, values[argument])
    return path


def test_every_route_takes_hostile_values_in_every_parameter(app, walk):
    real = real_values(app, walk.client)
    queries = [urlencode([(name, value) for name in NAMES]) for value in HOSTILE]
    queries.append(urlencode([(NAMES[0], "a")] * 10_000))
    forms = [*queries, urlencode([(name, WIDE) for name in NAMES])]
    for rule, method in routes(app):
        path = path_of(rule, {name: quote(value, safe="") for name, value in real.items()})
        if method == "GET":
            for query in queries:
                walk.send(method, path, query)
        for form in forms if method != "GET" else []:
            # A query string over its limit is refused before the form is read: such a form goes alone.
            walk.send(method, path, form if len(form) <= MAX_QUERY_BYTES else "", form)
        for value in HOSTILE_IN_PATHS:
            walk.send(method, path_of(rule, {name: value for name in rule.arguments}), MultiDict())
    print(f"\n{walk.count} requests; largest answer {walk.largest[0]:,} bytes ({walk.largest[1]}); "
          f"slowest {walk.slowest[0] * 1000:.0f} ms ({walk.slowest[1]})")


def test_each_list_parameter_alone_takes_every_hostile_value(app, walk):
    lists = [rule for rule, method in routes(app) if method == "GET" and not rule.arguments]
    for rule in lists:
        for name in NAMES:
            # A parameter the list does not know is refused whatever its value: one value shows it.
            probe = walk.send("GET", rule.rule, MultiDict([(name, "x")]))
            if probe.status_code in (400, 422) and UNKNOWN in probe.get_data(as_text=True):
                continue
            for value in HOSTILE_ALONE:
                walk.send("GET", rule.rule, MultiDict([(name, value)]))
    print(f"\n{walk.count} requests; largest answer {walk.largest[0]:,} bytes ({walk.largest[1]}); "
          f"slowest {walk.slowest[0] * 1000:.0f} ms ({walk.slowest[1]})")
