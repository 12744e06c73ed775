"""GET /api/session-stats?updatedSince=: only the sessions that changed in the index since a moment, whatever
changed them, so that a sync transfers only what is new."""
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import ingest


def changed_since(client, since) -> list[str]:
    answer = client.get("/api/session-stats", query_string={"updatedSince": since})
    assert answer.status_code == 200, answer.get_json()
    return sorted(session["name"] for session in answer.get_json()["sessions"])


def a_moment_later() -> str:
    """Now, and a moment passes: what changes after this returns is later than it."""
    moment = datetime.now(UTC)
    time.sleep(0.01)
    return moment.isoformat()


def test_each_kind_of_change_brings_a_session_back_and_nothing_else(client):
    ingest(client, *({"name": name, "fingerprint": name} for name in ("Alpha", "Bravo", "Charlie")))
    ids = {s["name"]: s["id"] for s in client.get("/api/session-stats").get_json()["sessions"]}
    since = a_moment_later()
    assert changed_since(client, since) == []
    assert client.patch(f"/api/sessions/{ids['Bravo']}/metadata", json={"tags": ["mixed"]}).status_code == 200
    assert changed_since(client, since) == ["Bravo"]
    assert client.post(f"/api/sessions/{ids['Charlie']}/events", json={"events": [
        {"kind": "note", "t_sec": 1, "text": "louder"}]}).status_code == 201
    assert client.post(f"/api/sessions/{ids['Alpha']}/activities", json={
        "kind": "mixing", "started_at": "2026-01-05T10:00:00Z", "duration_seconds": 60}).status_code == 201
    assert changed_since(client, since) == ["Alpha", "Bravo", "Charlie"]

    since = a_moment_later()
    ingest(client, {"name": "Alpha", "fingerprint": "Alpha", "artist": "Lumen"})
    assert client.delete(f"/api/session-stats/{ids['Charlie']}").status_code == 200
    assert changed_since(client, since) == ["Alpha"]  # a trashed session is not listed
    assert client.post(f"/api/session-stats/{ids['Charlie']}/restore").status_code == 200
    assert changed_since(client, since) == ["Alpha", "Charlie"]
    # A day stands for its start; a moment without a zone is UTC.
    assert changed_since(client, datetime.now(UTC).date().isoformat()) == ["Alpha", "Bravo", "Charlie"]
    assert changed_since(client, (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None).isoformat()) == []


def test_served_at_of_a_sync_gets_nothing_when_nothing_changed_since(app, client):
    ingest(client, *({"name": f"Take {n}", "fingerprint": f"t{n}"} for n in range(5)))
    before = datetime.now(UTC)
    first = client.get("/api/session-stats", query_string={"limit": 2}).get_json()
    # servedAt leaves time for the writes that noted their change but had not committed yet (5 s by default).
    assert datetime.fromisoformat(first["servedAt"]) <= before - timedelta(seconds=4)
    app.config["CHANGE_MARGIN_SECONDS"] = 0
    served = client.get("/api/session-stats").get_json()["servedAt"]
    assert changed_since(client, served) == []
    ingest(client, {"name": "Take 5", "fingerprint": "t5"})
    assert changed_since(client, served) == ["Take 5"]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-02-30T10:00:00Z", "1e400", "-1"])
def test_a_moment_that_is_not_one_is_refused(client, value):
    answer = client.get("/api/session-stats", query_string={"updatedSince": value})
    assert answer.status_code == 422
    assert "updatedSince" in [problem["path"] for problem in answer.get_json()["error"]["details"]]
