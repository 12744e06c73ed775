"""The sources and overview pages an admin runs the integrations from, /metrics, and the gone-sessions API."""
import json

import pytest

from bs4 import BeautifulSoup
from sqlalchemy import select

from app.cli import cli
from app.credentials import keyring
from app.database import unit_of_work
from app.extensions import db
from app.models import AuditEntry, Job, RemoteSource
from app.services.remote_sources import add_source
from tests.auth import csrf_token
from tests.helpers import ingest
from tests.remote_servers import remote_app, serving
from tests.scripted_server import Answer, ScriptedServer


@pytest.fixture
def app_config():
    return {"CHANGE_MARGIN_SECONDS": 0}


def form(client, **fields):
    return {"csrf_token": csrf_token(client), **fields}


def text(response) -> str:
    return BeautifulSoup(response.data, "html.parser").get_text(" ", strip=True)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.pk)).all()


def test_an_admin_adds_a_source_which_keeps_its_token_encrypted(app, client):
    answer = client.post("/admin/sources", data=form(client, name="b-room", base_url="https://b.example:8000/",
                                                     token="sst_abc", tag="mix", every_minutes="15"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/sources/b-room"
    with app.app_context():
        source = db.session.scalar(select(RemoteSource))
        assert (source.base_url, source.filters, source.every_minutes) == ("https://b.example:8000", {"tag": "mix"}, 15)
        assert "sst_abc" not in source.token_encrypted
    listing = text(client.get("/admin/sources"))
    assert "b-room" in listing and "tag = mix" in listing and "every 15 min" in listing
    assert "source.added" in audit_actions(app)


def test_wrong_values_are_refused_with_reasons_and_nothing_is_added(app, client):
    for fields, reason in (
            ({"name": "b room", "base_url": "https://b.example", "token": "t"}, "letters, digits"),
            ({"name": "b", "base_url": "b.example", "token": "t"}, "starting with https://"),
            ({"name": "b", "base_url": "http://[::1", "token": "t"}, "starting with https://"),
            ({"name": "b", "base_url": "https://b example", "token": "t"}, "starting with https://"),
            ({"name": "b", "base_url": "https://user:pw@b.example", "token": "t"}, "without a user"),
            ({"name": "b", "base_url": "https://b.example", "token": ""}, "Give the API token"),
            ({"name": "b", "base_url": "https://b.example", "token": "t", "webhook_secret": "nope"}, "whsec_"),
            ({"name": "b", "base_url": "https://b.example", "token": "t", "every_minutes": "0"}, "Sync every")):
        answer = client.post("/admin/sources", data=form(client, **fields))
        assert answer.status_code == 422, fields
        assert reason in text(answer), (fields, text(answer)[:500])
    with app.app_context():
        assert db.session.scalar(select(RemoteSource)) is None
    client.post("/admin/sources", data=form(client, name="b", base_url="https://b.example", token="t"))
    again = client.post("/admin/sources", data=form(client, name="b", base_url="https://c.example", token="t"))
    assert again.status_code == 422 and "already a source named" in text(again)


def test_test_connection_says_what_is_wrong_in_plain_words(app, client):
    cases = ((Answer(401, {}), "refused the token (401)"), (Answer(403, {}), "needs the viewer role"),
             (Answer(404, b"no"), "not a Session Stats server"),
             (Answer(200, {"sessions": [], "servedAt": "2026-01-01T00:00:00Z"}), "Connected"))
    for number, (answer, words) in enumerate(cases):
        with ScriptedServer(answer) as remote:
            client.post("/admin/sources", data=form(client, name=f"s{number}", base_url=remote.url, token="t"))
            page = client.post(f"/admin/sources/s{number}/test", data=form(client))
        assert page.status_code == 200
        assert words in text(page), text(page)[:600]
    client.post("/admin/sources", data=form(client, name="down", base_url="http://127.0.0.1:9", token="t"))
    assert "Cannot reach 127.0.0.1:9" in text(client.post("/admin/sources/down/test", data=form(client)))


def test_sync_pause_resume_and_remove_from_the_page(app, client, runner, tmp_path, sqlite_template):
    with serving(remote_app(tmp_path, sqlite_template)) as remote:
        ingest(remote.client, {"name": "Alpha"})
        client.post("/admin/sources", data=form(client, name="a-room", base_url=remote.url, token=remote.token))
        started = client.post("/admin/sources/a-room/sync", data=form(client))
        assert started.status_code == 302 and started.headers["Location"].startswith("/scans/")
        # Queued for a worker; the command line runs one in the foreground.
        with app.app_context():
            job = db.session.scalar(select(Job).where(Job.kind == "sync"))
            assert job.status == "queued" and job.params["source"] == "a-room"
        again = client.post("/admin/sources/a-room/sync", data=form(client))
        assert again.headers["Location"] == started.headers["Location"]
        with app.app_context(), unit_of_work():
            db.session.get(Job, job.pk).status = "cancelled"
        assert json.loads(runner.invoke(cli, ["sources", "sync", "a-room"]).output)["added"] == 1
    page = text(client.get(f"/scans/{job.pk + 1}"))
    assert "Sync #" in page and "1 added" in page and "a-room" in page

    client.post("/admin/sources/a-room/pause", data=form(client))
    assert "paused" in text(client.get("/admin/sources/a-room"))
    client.post("/admin/sources/a-room/resume", data=form(client))
    assert client.post("/admin/sources/a-room/remove", data=form(client)).status_code == 302
    assert client.get("/admin/sources/a-room").status_code == 404
    listing = text(client.get("/admin/sources"))
    assert "Removed sources" in listing and "1 sessions" in listing
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    assert "the removed source a-room" in text(client.get(f"/sessions/{session_id}"))
    assert client.post("/admin/sources/a-room/restore", data=form(client)).status_code == 302
    assert "paused" in text(client.get("/admin/sources/a-room"))
    assert client.post("/admin/sources/a-room/restore", data=form(client)).status_code == 404
    assert [a for a in audit_actions(app) if a.startswith("source.")] == [
        "source.added", "source.sync_started", "source.sync_started", "source.paused", "source.resumed",
        "source.removed", "source.restored"]


def test_the_overview_shows_admins_each_source_and_its_errors(app, client, auth):
    with app.app_context(), unit_of_work():
        source = add_source(db.session, keyring(app), "b-room", "http://127.0.0.1:9", "t", created_by="test")
        source.last_error = "Cannot reach 127.0.0.1:9: connection refused."
        db.session.add(Job(kind="sync", status="failed", params={"source_pk": source.pk}, started_by="t",
                           failed=2))
    overview = BeautifulSoup(client.get("/").data, "html.parser").select_one("#integrations")
    assert "b-room" in overview.get_text() and "3" in overview.get_text()
    viewer = auth.client("viewer")
    assert BeautifulSoup(viewer.get("/").data, "html.parser").select_one("#integrations") is None


def test_the_cli_lists_and_removes_sources(app, runner):
    result = runner.invoke(cli, ["sources", "add", "b-room", "https://b.example"], input="sst_typed\n")
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(cli, ["sources", "list", "--json"]).output)
    assert [(s["name"], s["url"], s["state"], s["breaker"]) for s in listed] == [
        ("b-room", "https://b.example", "active", "closed")]
    assert "sst_typed" not in runner.invoke(cli, ["sources", "list", "--json"]).output
    refused = runner.invoke(cli, ["sources", "add", "bad name", "https://b.example"], input="t\n")
    assert refused.exit_code == 1 and "letters, digits" in refused.output
    assert runner.invoke(cli, ["sources", "remove", "b-room"]).exit_code == 0
    assert json.loads(runner.invoke(cli, ["sources", "list", "--json"]).output) == []
    assert runner.invoke(cli, ["sources", "sync", "b-room"]).exit_code == 1


def test_metrics_are_off_until_a_token_is_set_and_then_need_it(app, client):
    assert client.get("/metrics").status_code == 404
    app.config["METRICS_TOKEN"] = "scrape-me"
    ingest(client, {"name": "Alpha"})
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "session_stats_sessions 1.0" in body
    assert 'session_stats_ingested_sessions_total{outcome="inserted"}' in body


def test_gone_lists_trashed_and_purged_sessions_a_page_at_a_time(client):
    ingest(client, *({"name": f"S{n}", "fingerprint": f"s{n}"} for n in range(5)))
    ids = sorted(s["id"] for s in client.get("/api/session-stats").get_json()["sessions"])
    for session_id in ids[:3]:
        assert client.delete(f"/api/session-stats/{session_id}").status_code == 200
    assert client.post(f"/api/session-stats/{ids[0]}/purge").status_code == 200
    first = client.get("/api/session-stats/gone", query_string={"limit": 2}).get_json()
    assert [(g["id"], g["reason"]) for g in first["gone"]] == [(ids[0], "purged"), (ids[1], "trashed")]
    rest = client.get("/api/session-stats/gone", query_string={"limit": 2, "cursor": first["nextCursor"]}).get_json()
    assert [g["id"] for g in rest["gone"]] == [ids[2]] and rest["nextCursor"] is None
    later = client.get("/api/session-stats/gone", query_string={"updatedSince": first["servedAt"]}).get_json()
    assert later["gone"] == []
    assert client.get("/api/session-stats/gone", query_string={"cursor": "nonsense"}).status_code == 422
