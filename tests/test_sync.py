"""Two real servers: B pulls A's sessions with `session-stats sources sync`, through A's API, and stays in step
with A's edits, deletions and webhooks while keeping its own edits."""
import itertools
import json
import threading
import time

import pytest
import requests
from sqlalchemy import select

from app.cli import cli
from app.credentials import keyring
from app.database import unit_of_work
from app.extensions import db, jobs
from app.models import Job, Session, Tag
from app.remote.sync import run_sync, start_sync
from app.services.derived import check_derived
from app.services.jobs import claim_job
from app.services.remote_sources import change_source, get_source
from app.services.webhooks import add_subscription
from tests.auth import Auth
from tests.remote_servers import remote_app, serving

B_SETTINGS = {"CHANGE_MARGIN_SECONDS": 0, "REMOTE_BACKOFF_SECONDS": 0.01}


@pytest.fixture
def app_config():
    return B_SETTINGS


@pytest.fixture
def remote(tmp_path, sqlite_template):
    """A, served, with three sessions."""
    with serving(remote_app(tmp_path, sqlite_template)) as a:
        answer = a.client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"sessions": [
            {"name": name, "fingerprint": name, "artist": "Lumen", "tags": ["a-tag"],
             "credits": [{"name": "Mara Quist", "role": "producer"}],
             "tracks": [{"name": "Vox", "plugins": [{"name": "Pro-Q 3", "vendor": "FabFilter"}]}]}
            for name in ("Alpha", "Bravo", "Charlie")]}})
        assert answer.status_code == 200, answer.get_json()
        yield a


def sync(runner, name="a-room") -> dict:
    result = runner.invoke(cli, ["sources", "sync", name])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def add_source(runner, remote, name="a-room", *options):
    result = runner.invoke(cli, ["sources", "add", name, remote.url, *options],
                           env={"SESSION_STATS_SOURCE_TOKEN": remote.token})
    assert result.exit_code == 0, result.output


def copies(app) -> dict[str, Session]:
    """B's sessions pulled from A, by name."""
    with app.app_context():
        rows = db.session.scalars(select(Session).where(Session.remote_source_pk.is_not(None))).all()
        db.session.expunge_all()
    return {row.name: row for row in rows}


def remote_ids(remote) -> dict[str, str]:
    sessions = remote.client.get("/api/session-stats").get_json()["sessions"]
    return {s["name"]: s["id"] for s in sessions}


def test_b_pulls_a_then_follows_its_edits_and_deletions_keeping_its_own(app, runner, client, remote):
    add_source(runner, remote)
    first = sync(runner)
    assert {k: first[k] for k in ("added", "updated", "unchanged", "gone", "failed")} == {
        "added": 3, "updated": 0, "unchanged": 0, "gone": 0, "failed": 0}
    job_page = client.get(f"/scans/{first['job']}").get_data(as_text=True)
    assert "Sessions this sync added or changed\n    (3)" in job_page
    pulled = copies(app)
    assert set(pulled) == {"Alpha", "Bravo", "Charlie"}
    assert all(row.artist == "Lumen" and row.gone_at_source_at is None for row in pulled.values())
    bravo = client.get(f"/api/session-stats/{pulled['Bravo'].id}").get_json()
    assert bravo["tags"] == ["a-tag"]
    assert bravo["credits"] == [{"name": "Mara Quist", "role": "producer"}]
    assert bravo["tracks"][0]["plugins"][0]["name"] == "Pro-Q 3"
    assert bravo["sources"][0]["type"] == "import"
    assert bravo["sources"][0]["path"].startswith(remote.url)

    # On B, someone tags Bravo; on A, Bravo's tags and artist change, and Charlie is trashed, Alpha purged.
    ids = remote_ids(remote)
    assert client.patch(f"/api/sessions/{pulled['Bravo'].id}/metadata", json={"tags": ["b-edit"]}).status_code == 200
    assert remote.client.patch(f"/api/sessions/{ids['Bravo']}/metadata", json={"tags": ["a-edit"]}).status_code == 200
    assert remote.client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"sessions": [
        {"name": "Bravo", "fingerprint": "Bravo", "artist": "Lumen & Co"}]}}).status_code == 200
    assert remote.client.delete(f"/api/session-stats/{ids['Charlie']}").status_code == 200
    assert remote.client.delete(f"/api/session-stats/{ids['Alpha']}").status_code == 200
    assert remote.client.post(f"/api/session-stats/{ids['Alpha']}/purge").status_code == 200

    second = sync(runner)
    assert {k: second[k] for k in ("added", "updated", "gone", "failed")} == {
        "added": 0, "updated": 1, "gone": 2, "failed": 0}
    pulled = copies(app)
    assert pulled["Bravo"].artist == "Lumen & Co"
    assert client.get(f"/api/session-stats/{pulled['Bravo'].id}").get_json()["tags"] == ["b-edit"]
    # Gone at A, kept on B, live and marked.
    assert pulled["Alpha"].gone_at_source_at is not None and pulled["Alpha"].deleted_at is None
    assert pulled["Charlie"].gone_at_source_at is not None and pulled["Charlie"].deleted_at is None
    page = client.get(f"/sessions/{pulled['Charlie'].id}")
    assert b"Gone at source" in page.data and b"a-room" in page.data
    gone = client.get("/api/sessions/", query_string={"source": "a-room", "gone_at_source": 1}).get_json()
    assert sorted(s["name"] for s in gone["sessions"]) == ["Alpha", "Charlie"]
    listed = client.get("/sessions", query_string={"source": "a-room", "gone_at_source": 0}).get_data(as_text=True)
    assert "From source a-room" in listed and "Bravo" in listed and "Charlie" not in listed

    # Restored on A, Charlie comes back.
    assert remote.client.post(f"/api/session-stats/{ids['Charlie']}/restore").status_code == 200
    assert sync(runner)["updated"] == 1
    assert copies(app)["Charlie"].gone_at_source_at is None


def test_a_second_sync_of_an_unchanged_remote_transfers_nothing(app, runner, remote):
    add_source(runner, remote)
    sync(runner)
    remote.requests.paths.clear()
    again = sync(runner)
    assert {k: again[k] for k in ("added", "updated", "unchanged", "gone", "failed")} == {
        "added": 0, "updated": 0, "unchanged": 3, "gone": 0, "failed": 0}
    # One page of what changed (none) and one of what went (none).
    assert dict(remote.requests.paths) == {"/api/session-stats": 1, "/api/session-stats/gone": 1}
    assert again["requests"] == 2


def test_filters_pull_only_matching_sessions(app, runner, remote):
    ids = remote_ids(remote)
    assert remote.client.patch(f"/api/sessions/{ids['Alpha']}/metadata", json={"tags": ["mix"]}).status_code == 200
    add_source(runner, remote, "mixes", "--tag", "mix")
    assert sync(runner, "mixes")["added"] == 1
    assert set(copies(app)) == {"Alpha"}


def test_sessions_a_remote_pulled_from_elsewhere_are_not_pulled_again(app, runner, client, remote):
    assert client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"sessions": [
        {"name": "Own", "fingerprint": "own"}]}}).status_code == 200
    add_source(runner, remote)
    sync(runner)
    # A pulls B in turn: B's copies of A's sessions stay where they were made, only B's own comes.
    with serving(app) as b:
        a_runner = remote.app.test_cli_runner()
        add_source(a_runner, b, "b-room")
        back = sync(a_runner, "b-room")
    assert (back["added"], back["skipped"]) == (1, 3)


def test_a_remote_that_fails_records_it_and_keeps_what_arrived(app, runner, remote):
    add_source(runner, remote)
    sync(runner)
    with app.app_context(), unit_of_work():
        get_source(db.session, "a-room").base_url = remote.url + "/nothing-here"
    result = runner.invoke(cli, ["sources", "sync", "a-room"])
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert summary["status"] == "failed"
    assert "not a Session Stats server" in summary["message"]
    assert len(copies(app)) == 3
    with app.app_context():
        job = db.session.get(Job, summary["job"])
        assert job.status == "failed"


def test_a_webhook_from_a_makes_b_sync_without_polling(app, runner, remote):
    add_source(runner, remote)
    sync(runner)
    with serving(app, consumer=True) as b:
        with remote.app.app_context(), unit_of_work():
            _, secret = add_subscription(db.session, keyring(remote.app), f"{b.url}/api/webhooks/sources/a-room",
                                         ["session.created", "session.updated"], "test")
        with app.app_context(), unit_of_work():
            source = get_source(db.session, "a-room")
            change_source(db.session, keyring(app), source, base_url=source.base_url, filters={},
                          every_minutes=None, webhook_secret=secret)
        a_consumer = jobs.start_consumer(remote.app)
        try:
            assert remote.client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {
                "sessions": [{"name": "Delta", "fingerprint": "Delta"}]}}).status_code == 200
            deadline = time.monotonic() + 60
            while "Delta" not in copies(app) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            a_consumer.stop(graceful=True)
    assert "Delta" in copies(app)
    with app.app_context():
        syncs = db.session.scalars(select(Job).where(Job.kind == "sync").order_by(Job.pk)).all()
        assert [job.started_by for job in syncs][-1] == "webhook from a-room"
        assert syncs[-1].status == "succeeded"


def test_syncs_while_people_edit_and_the_remote_changes_keep_every_edit_and_figure(app, runner, remote):
    add_source(runner, remote)
    sync(runner)
    ids = {name: row.id for name, row in copies(app).items()}
    b_auth, a_auth = Auth(app), Auth(remote.app)
    b_auth.numbers, a_auth.numbers = itertools.count(2000), itertools.count(2000)
    b_token, a_token = b_auth.token("editor"), a_auth.token("editor")
    answers, last_tags, failures = [], {}, []

    def guarded(work):
        def run():
            try:
                work()
            except BaseException as exc:  # the test fails with it below
                failures.append(exc)
        return threading.Thread(target=run)

    with serving(app) as b:
        def edit(name):
            for number in range(8):
                tags = [f"{name.lower()}-edit-{number}"]
                answers.append(requests.patch(f"{b.url}/api/sessions/{ids[name]}/metadata", timeout=60, json={
                    "tags": tags, "credits": [{"name": f"Engineer {number}", "role": "engineer"}]},
                    headers={"Authorization": f"Bearer {b_token}"}).status_code)
                last_tags[name] = tags

        def change_the_remote():
            for number in range(6):
                answers.append(requests.post(f"{remote.url}/api/session-stats", timeout=60, json={
                    "action": "ingestSessions", "payload": {"sessions": [
                        {"name": name, "fingerprint": name, "notes": f"take {number}"} for name in ("Alpha", "Bravo")
                    ] + [{"name": f"New {number}", "fingerprint": f"new-{number}"}]}},
                    headers={"Authorization": f"Bearer {a_token}"}).status_code)

        def keep_syncing():
            for _ in range(4):
                with app.app_context():
                    with unit_of_work():
                        job, _ = start_sync(db.session, get_source(db.session, "a-room"), "test")
                        job = claim_job(db.session, job.pk)
                    assert run_sync(db.session, job)["failed"] == 0

        threads = [guarded(work) for work in (lambda: edit("Alpha"), lambda: edit("Bravo"), change_the_remote,
                                              keep_syncing)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    assert not failures, failures
    assert answers and all(status == 200 for status in answers), answers
    sync(runner)
    pulled = copies(app)
    assert {f"New {number}" for number in range(6)} <= set(pulled)
    assert pulled["Alpha"].notes == "take 5"
    for name, tags in last_tags.items():
        assert client_tags(app, ids[name]) == tags
    with app.app_context():
        assert check_derived(db.session) == []


def client_tags(app, session_id) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(Tag.name).join(Session, Session.pk == Tag.session_pk)
                                  .where(Session.id == session_id).order_by(Tag.position)).all()
