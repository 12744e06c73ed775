"""Where the time went: activities through the API and the page, timers, and each session's worked time by the
hierarchical rule, kept on every write."""
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app import create_app
from app.database import unit_of_work
from app.extensions import db
from app.models import Activity, Session
from app.services.derived import check_derived
from tests.auth import csrf_token
from tests.helpers import ingest

HX = {"HX-Request": "true"}
DAY = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def at(hours: float) -> str:
    return (DAY + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def session_id(client):
    ingest(client, {"name": "Harbour", "fingerprint": "h", "artist": "Lumen"})
    return client.get("/api/session-stats").get_json()["sessions"][0]["id"]


def worked(client, session_id):
    item = client.get("/api/sessions/", query_string={"q": "Harbour"}).get_json()["sessions"][0]
    listed = client.get(f"/api/sessions/{session_id}/activities").get_json()
    assert (listed["worked_seconds"], listed["worked_from"]) == (item["worked_seconds"], item["worked_from"])
    return item["worked_seconds"], item["worked_from"]


def log(client, session_id, **activity):
    return client.post(f"/api/sessions/{session_id}/activities", json={"kind": "mixing", **activity})


def test_each_rule_of_the_worked_time_in_its_order(app, client, session_id):
    assert worked(client, session_id) == (None, None)
    ingest(client, {"name": "Harbour", "fingerprint": "h", "workSeconds": 5400.4})
    assert worked(client, session_id) == (5400, "file")
    ingest(client, {"name": "Harbour", "fingerprint": "h", "startedAt": at(0), "endedAt": at(3)})
    assert worked(client, session_id) == (3 * 3600, "start_end")
    first = log(client, session_id, started_at=at(1), ended_at=at(2.5), note="lead vocal comp")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["duration_seconds"] == 5400 and first.get_json()["person"].startswith("admin token")
    assert log(client, session_id, kind="editing", started_at=at(4), duration_seconds=1800).status_code == 201
    assert worked(client, session_id) == (5400 + 1800, "activities")
    # Changing and trashing an activity changes the figure in the same write.
    assert client.patch(f"/api/activities/{first.get_json()['id']}", json={"ended_at": at(2)}).status_code == 200
    assert worked(client, session_id) == (3600 + 1800, "activities")
    for activity in client.get(f"/api/sessions/{session_id}/activities").get_json()["activities"]:
        assert client.delete(f"/api/activities/{activity['id']}").get_json()["deleted_at"] is not None
    assert worked(client, session_id) == (3 * 3600, "start_end")
    with app.app_context():
        assert check_derived(db.session) == []


def test_the_api_refuses_bad_activities_with_the_path_of_each_problem(client, session_id):
    cases = [
        ({"started_at": at(2), "ended_at": at(1)}, "ended_at", "must come after started_at"),
        ({"started_at": at(1), "ended_at": at(2), "duration_seconds": 60}, "duration_seconds", "not both"),
        ({"started_at": at(1), "duration_seconds": -5}, "duration_seconds", "above 0"),
        ({"started_at": at(1), "duration_seconds": 90_000}, "duration_seconds", "at most 86400"),
        ({"started_at": at(1), "ended_at": at(30)}, "ended_at", "at most 24 hours"),
        ({"started_at": at(100), "ended_at": at(101)}, "started_at", "future"),
        ({"kind": "napping", "started_at": at(1), "duration_seconds": 60}, "kind", "mixing"),
        ({"started_at": "yesterday", "duration_seconds": 60}, "started_at", ""),
        ({"started_at": at(1), "duration_seconds": 60, "note": "a\x00b"}, "note", "NUL"),
        ({"started_at": at(1), "duration_seconds": 60, "billable": True}, "billable", ""),
    ]
    for body, path, words in cases:
        answer = log(client, session_id, **body)
        assert answer.status_code == 422, body
        problems = {problem["path"]: problem["message"] for problem in answer.get_json()["error"]["details"]}
        assert path in problems and words in problems[path], (body, problems)
    assert client.post(f"/api/sessions/{session_id}/activities", data="[1]").status_code == 400
    assert log(client, "no-such-session", started_at=at(1), duration_seconds=60).status_code == 404
    assert client.patch("/api/activities/nope", json={"note": "x"}).status_code == 404
    assert client.delete("/api/activities/nope").status_code == 404
    assert client.get(f"/api/sessions/{session_id}/activities").get_json()["activities"] == []


def test_one_running_timer_per_account_and_an_end_stops_it(app, client, auth, session_id):
    started = log(client, session_id, started_at=at(1))
    assert started.status_code == 201 and started.get_json()["running"] is True
    assert started.get_json()["duration_seconds"] is None
    second = log(client, session_id, kind="editing", started_at=at(1.5))
    assert second.status_code == 422
    assert second.get_json()["error"]["details"][0]["path"] == "ended_at"
    assert "already have a timer running on “Harbour”" in second.get_json()["error"]["message"]
    # Another account may run its own.
    other = auth.client(token_role="editor")
    assert log(other, session_id, started_at=at(1)).status_code == 201
    # A running timer does not count until it ends; giving it an end stops it.
    assert worked(client, session_id) == (None, None)
    stopped = client.patch(f"/api/activities/{started.get_json()['id']}", json={"ended_at": at(2)})
    assert stopped.get_json()["running"] is False and stopped.get_json()["duration_seconds"] == 3600
    assert worked(client, session_id) == (3600, "activities")
    assert log(client, session_id, started_at=at(3)).status_code == 201
    with app.app_context():
        running = db.session.scalars(select(Activity.owner).where(Activity.ended_at.is_(None))).all()
        assert len(running) == 2 and len(set(running)) == 2


def test_a_viewer_reads_the_work_log_and_cannot_write_it(auth, client, session_id):
    assert log(client, session_id, started_at=at(1), duration_seconds=60).status_code == 201
    viewer = auth.client(token_role="viewer")
    assert len(viewer.get(f"/api/sessions/{session_id}/activities").get_json()["activities"]) == 1
    assert log(viewer, session_id, started_at=at(1), duration_seconds=60).status_code == 403


def test_drift_in_the_worked_time_is_found_and_repaired(app, client, session_id):
    assert log(client, session_id, started_at=at(1), duration_seconds=600).status_code == 201
    with app.app_context(), unit_of_work():
        session = db.session.scalar(select(Session))
        session.worked_seconds, session.worked_from = 7, "file"
    answer = client.post("/api/rollups/rebuild", json={})
    assert answer.status_code == 200, answer.get_json()
    assert worked(client, session_id) == (600, "activities")
    with app.app_context():
        assert check_derived(db.session) == []


def page(client, session_id):
    return BeautifulSoup(client.get(f"/sessions/{session_id}").data, "html.parser")


def form(client, **fields):
    return {"csrf_token": csrf_token(client), **fields}


def test_work_is_logged_edited_deleted_and_restored_on_the_page(client, session_id):
    started = (DAY + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(f"/sessions/{session_id}/work", headers=HX,
                          data=form(client, kind="mixing", started_at=started, duration="25 hours"))
    assert refused.status_code == 422
    region = BeautifulSoup(refused.data, "html.parser")
    assert region.select_one("#work-error").text == "Duration must be a duration such as 2:30, 2h 30m, 90m or 2.5 (hours)"
    assert region.select_one("#work-started")["value"] == started  # what was typed stays
    for fields, words in (({"started_at": "", "duration": "1:00"}, "Start must be a date and time"),
                          ({"started_at": started}, "Give the work's duration"),
                          ({"started_at": started, "duration": "1:00", "kind": "napping"}, "Kind ")):
        answer = client.post(f"/sessions/{session_id}/work", headers=HX, data=form(client, **{"kind": "mixing", **fields}))
        assert answer.status_code == 422
        assert BeautifulSoup(answer.data, "html.parser").select_one("#work-error").text.startswith(words)
    logged = client.post(f"/sessions/{session_id}/work", headers=HX,
                         data=form(client, kind="editing", started_at=started, duration="1:30", note="comp"))
    assert logged.status_code == 200
    region = BeautifulSoup(logged.data, "html.parser")
    assert region.select_one("#worked-time").text == "1 h 30 min"
    assert "sum of the work logged" in region.select_one("#worked-why").text
    row = region.select_one("#activities tbody tr")
    assert [cell.text.strip() for cell in row.select("td")][1:5] == ["editing", client.username, "1 h 30 min", "comp"]
    activity_id = row["id"].removeprefix("activity-")
    saved = client.patch(f"/sessions/{session_id}/work/{activity_id}", headers=HX,
                         data=form(client, kind="mixing", started_at=started, duration="45m", note="comp 2"))
    assert BeautifulSoup(saved.data, "html.parser").select_one("#worked-time").text == "45 min"
    deleted = client.post(f"/sessions/{session_id}/work/{activity_id}/trash", headers=HX, data=form(client))
    region = BeautifulSoup(deleted.data, "html.parser")
    assert region.select_one("#work-undo") is not None and region.select_one("#worked-time").text == "—"
    restored = client.post(f"/sessions/{session_id}/work/{activity_id}/restore", headers=HX, data=form(client))
    assert BeautifulSoup(restored.data, "html.parser").select_one("#worked-time").text == "45 min"
    assert page(client, session_id).select_one("#work #activities tbody tr td:nth-of-type(5)").text == "comp 2"


def test_the_timer_runs_from_the_page_shows_in_every_header_and_stops_there(client, session_id):
    ingest(client, {"name": "Lighthouse", "fingerprint": "l"})
    other_id = next(s["id"] for s in client.get("/api/session-stats").get_json()["sessions"] if s["name"] == "Lighthouse")
    answer = client.post(f"/sessions/{session_id}/timer", data=form(client, kind="tracking"))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/sessions/{session_id}#work")
    header = BeautifulSoup(client.get("/plugins").data, "html.parser").select_one("#timer-status")
    assert "Timer: tracking on Harbour" in " ".join(header.text.split())
    assert page(client, session_id).select_one("#timer-stop") is not None
    # A second timer is refused, in words, on the page it was asked from.
    client.post(f"/sessions/{other_id}/timer", data=form(client, kind="mixing"))
    other = page(client, other_id)
    assert "already have a timer running on “Harbour”" in other.select_one(".flash-error").text
    assert other.select_one("#timer a").text == "Harbour"
    stopped = client.post("/timer/stop", data=form(client, back="/plugins"))
    assert stopped.status_code == 302 and stopped.headers["Location"] == "/plugins"
    assert BeautifulSoup(client.get("/plugins").data, "html.parser").select_one("#timer-status") is None
    activities = client.get(f"/api/sessions/{session_id}/activities").get_json()["activities"]
    assert [(a["kind"], a["running"], a["person"]) for a in activities] == [("tracking", False, client.username)]


def test_a_running_timer_survives_a_restart_of_the_server(app, client, session_id):
    assert client.post(f"/sessions/{session_id}/timer", data=form(client, kind="mixing")).status_code == 302
    with app.app_context(), unit_of_work():  # as if it had been started half an hour ago
        activity = db.session.scalar(select(Activity))
        activity.started_at -= timedelta(minutes=30)
    settings = ("TESTING", "DATABASE_URL", "PASSWORD_HASH_METHOD", "API_WRITE_LIMIT", "BACKUP_INTERVAL_HOURS")
    restarted_app = create_app({"INSTANCE_PATH": app.instance_path, **{name: app.config[name] for name in settings}})
    restarted = restarted_app.test_client()
    cookie = app.config["SESSION_COOKIE_NAME"]
    restarted.set_cookie(cookie, client.get_cookie(cookie).value)
    header = BeautifulSoup(restarted.get("/").data, "html.parser").select_one("#timer-status")
    assert "Timer: mixing on Harbour" in " ".join(header.text.split())
    assert restarted.post("/timer/stop", data=form(restarted, back="/")).status_code == 302
    with restarted_app.app_context():
        db.engine.dispose()
    with app.app_context():
        activity = db.session.scalar(select(Activity))
        assert activity.ended_at is not None and 1800 <= activity.seconds < 1900


def test_the_sessions_list_shows_and_sorts_by_the_time_worked_and_the_start(client):
    ingest(client, {"name": "Short", "fingerprint": "s", "startedAt": at(0), "endedAt": at(1)},
           {"name": "Long", "fingerprint": "l", "startedAt": at(2), "endedAt": at(6)},
           {"name": "Unknown", "fingerprint": "u"})
    soup = BeautifulSoup(client.get("/sessions?sort=worked&cols=worked&cols=started").data, "html.parser")
    rows = [(row.select_one("td.name a").text, row.select_one("td.worked").text, row.select_one("td.started").text)
            for row in soup.select("#sessions tbody tr")]
    assert rows == [("Long", "4 h 00 min", (DAY + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")),
                    ("Short", "1 h 00 min", DAY.strftime("%Y-%m-%d %H:%M")), ("Unknown", "—", "—")]
    ascending = BeautifulSoup(client.get("/sessions?sort=started&dir=asc&cols=started").data, "html.parser")
    assert [a.text for a in ascending.select("#sessions td.name a")] == ["Short", "Long", "Unknown"]


def test_sessions_are_filtered_by_when_their_work_started(client):
    ingest(client, {"name": "March", "fingerprint": "m", "startedAt": "2026-03-02T23:30:00Z"},
           {"name": "April", "fingerprint": "a", "startedAt": "2026-04-01T00:00:00Z"},
           {"name": "Unknown", "fingerprint": "u"})

    def names(**filters):
        listed = client.get("/api/sessions/", query_string=filters).get_json()["sessions"]
        page = BeautifulSoup(client.get("/sessions", query_string=filters).data, "html.parser")
        assert sorted(a.text for a in page.select("#sessions td.name a")) == sorted(s["name"] for s in listed)
        return sorted(s["name"] for s in listed)

    assert names(started_from="2026-03-02", started_to="2026-03-02") == ["March"]
    assert names(started_from="2026-03-03") == ["April"]
    assert names(started_to="2026-03-31") == ["March"]
    assert names(started_from="2026-04-01T00:00:00Z", started_to="2026-04-01T00:00:00Z") == ["April"]
    refused = client.get("/api/sessions/", query_string={"started_from": "2026-04-02", "started_to": "2026-04-01"})
    assert refused.status_code == 422
    assert "must not be before started_from" in str(refused.get_json()["error"])
    assert client.get("/sessions?started_from=yesterday").status_code == 400


def test_the_audit_log_names_and_links_the_session_of_work_notes_and_attachments(client, session_id):
    log(client, session_id, started_at=at(1), duration_seconds=60)
    client.post(f"/api/sessions/{session_id}/events", json={"events": [{"kind": "note", "t_sec": 1, "text": "x"}]})
    rows = BeautifulSoup(client.get("/admin/audit").data, "html.parser").select("tbody tr")
    targets = {row.select("td")[2].text: row.select("td")[3] for row in rows}
    for action in ("activity.logged", "events.added"):
        assert targets[action].text.strip() == "Harbour"
        assert targets[action].a["href"] == f"/sessions/{session_id}"
