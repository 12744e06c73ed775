"""Many people writing at once, through a real server: no request fails, nothing acknowledged is lost, and every
maintained figure still equals a recount.

A waitress server with eight threads serves sixteen clients at once: API clients ingesting small batches, one
editing metadata, two editors adding tags to the same session from the dashboard, one renaming by hand (and going
back to the file's name) a session the ingests rename too, one tagging sessions in bulk (and undoing every other
action), two saving the same views at once, two adding notes to one session's timeline (from the page, timing the
session meanwhile; and through the API, resolving every other one, logging work and attaching a file), one signing
in again and again (and starting an archive scan, which a consumer in this process runs), one reading with a token,
an admin registering, removing and restoring a template that the arriving sessions match, and an editor changing
their time zone and a session's start and template by hand.
"""
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from app.extensions import db, jobs
from app.models import Activity, AuditEntry, Event, Job, SavedView, Session, Tag, Template
from app.services.derived import check_derived
from tests.auth import PASSWORD
from tests.served import served

REQUESTS_PER_CLIENT = 12
REAPER_FILE = '<REAPER_PROJECT 0.1 "7.0/linux64" 0\n  <TRACK\n    NAME "Take {number}"\n  >\n>\n'


@pytest.fixture
def archive(tmp_path):
    """An archive root with a few REAPER projects for the scan to find."""
    root = tmp_path / "archive"
    root.mkdir()
    for number in range(5):
        (root / f"take-{number}.rpp").write_text(REAPER_FILE.format(number=number))
    return root


@pytest.fixture
def app_config(tmp_path):
    """Scans may read the archive root; one reading process."""
    return {"ARCHIVE_ROOTS": str(tmp_path / "archive"), "SCAN_PROCESSES": 1}


@pytest.fixture
def server(app, archive):
    """`app` served by waitress with eight threads on a free port, and a job consumer; the base URL."""
    with served(app, threads=8) as url:
        consumer = jobs.start_consumer(app)
        yield url
        consumer.stop(graceful=True)


class Outcomes:
    """Every answer's status, and what each client saw acknowledged."""

    def __init__(self):
        self.statuses = defaultdict(list)
        self.server_errors = []
        self.failures = []
        self.lock = threading.Lock()

    def note(self, client: str, response: requests.Response) -> requests.Response:
        with self.lock:
            self.statuses[client].append(response.status_code)
            if response.status_code >= 500:
                self.server_errors.append((client, response.status_code, response.text[:300]))
        return response

    def client(self, work, *args) -> threading.Thread:
        """A thread running one client's work; what stops it is kept, to fail the test with."""
        def run():
            try:
                work(*args)
            except BaseException as exc:
                with self.lock:
                    self.failures.append(f"{work.__name__}{args}: {exc!r}")
        return threading.Thread(target=run)


def browser(base: str, username: str) -> requests.Session:
    """A signed-in browser: its cookie, and the CSRF token its pages carry in a header."""
    session = requests.Session()
    page = BeautifulSoup(session.get(f"{base}/login").text, "html.parser")
    token = page.select_one('input[name="csrf_token"]')["value"]
    answer = session.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False)
    assert answer.status_code == 302, answer.text
    page = BeautifulSoup(session.get(f"{base}/settings").text, "html.parser")
    session.headers["X-CSRFToken"] = page.select_one('meta[name="csrf-token"]')["content"]
    return session


def test_clients_writing_at_once_lose_nothing_and_keep_the_index_exact(app, auth, server, archive):
    base = server
    editor_tokens = [auth.token("editor") for _ in range(4)]
    reader_token = auth.token("viewer")
    editors = [auth.user("editor") for _ in range(4)]
    admin = auth.user("admin")
    seeded = requests.post(f"{base}/api/session-stats", headers={"Authorization": f"Bearer {editor_tokens[3]}"},
                           json={"action": "ingestSessions", "payload": {"sessions": [
                               {"name": f"Shared {n}", "fingerprint": f"shared-{n}"} for n in range(3)]}}).json()
    shared, *patched = seeded["insertedIds"]
    layout = requests.post(f"{base}/api/session-stats", headers={"Authorization": f"Bearer {editor_tokens[3]}"},
                           json={"action": "ingestSessions", "payload": {"sessions": [
                               {"name": "Layout", "fingerprint": "layout", "tracks": [{"name": "Lead"},
                                                                                      {"name": "Bass 0"}]}]}}).json()
    outcomes = Outcomes()
    acknowledged = {"fingerprints": set(), "tags": set(), "notes": {}, "name": None, "sign_ins": 0, "scan": None,
                    "bulk": set(), "undone": set(), "views": set(), "timeline": set(), "resolved": set(),
                    "attached": False, "activities": 0, "timer": None, "template": None, "started": None}
    record = threading.Lock()

    def ingester(number: int):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {editor_tokens[number]}"
        for batch in range(REQUESTS_PER_CLIENT):
            fingerprints = [f"client-{number}-batch-{batch}-{n}" for n in range(3)]
            answer = outcomes.note(f"ingest {number}", session.post(f"{base}/api/session-stats", json={
                "action": "ingestSessions", "payload": {"sessions": [
                    {"name": f"Mix {fingerprint}", "fingerprint": fingerprint, "artist": f"Artist {batch % 4}",
                     "daw": ("Pro Tools", "REAPER")[batch % 2], "tags": [f"batch-{batch}"],
                     "tracks": [{"name": "Lead", "plugins": [{"name": "Pro-Q 3", "vendor": "FabFilter"}]},
                                {"name": f"Bass {number}", "plugins": [{"name": f"Comp {batch % 5}"}]}]}
                    for fingerprint in fingerprints] + [
                    # A session the metadata editor changes at the same time: new artist and tracks, same notes.
                    {"name": "Shared", "fingerprint": f"shared-{1 + batch % 2}", "artist": f"Artist {number}",
                     "daw": "Pro Tools",
                     "tracks": [{"name": f"Take {batch}", "plugins": [{"name": f"Comp {number}"}]}]}]}}))
            if answer.status_code == 200:
                with record:
                    acknowledged["fingerprints"].update(fingerprints)

    def metadata_editor():
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {editor_tokens[3]}"
        for number in range(REQUESTS_PER_CLIENT):
            session_id = patched[number % 2]
            note = f"take {number}"
            answer = outcomes.note("metadata", session.patch(f"{base}/api/sessions/{session_id}/metadata",
                                                             json={"user_note": note, "is_favorite": number % 2 == 0}))
            if answer.status_code == 200:
                acknowledged["notes"][session_id] = note

    def tag_editor(number: int):
        session = browser(base, editors[number])
        for tag in range(REQUESTS_PER_CLIENT):
            name = f"editor-{number}-tag-{tag}"
            answer = outcomes.note(f"tags {number}", session.patch(f"{base}/sessions/{shared}/tags",
                                                                   data={"add": name}, headers={"HX-Request": "true"}))
            if answer.status_code == 200:
                with record:
                    acknowledged["tags"].add(name)

    def field_editor():
        # The ingests name this session "Shared" in every batch: a name given by hand outlasts them until reset.
        session = browser(base, editors[2])
        for number in range(REQUESTS_PER_CLIENT):
            hx = {"HX-Request": "true"}
            if number % 3 == 2:
                answer = session.post(f"{base}/sessions/{patched[0]}/fields/name/reset", headers=hx)
                name = "Shared"
            else:
                name = f"Renamed {number}"
                answer = session.patch(f"{base}/sessions/{patched[0]}/fields/name", data={"value": name}, headers=hx)
            if outcomes.note("fields", answer).status_code == 200:
                acknowledged["name"] = name

    def bulk_editor():
        # Tags two sessions in one action each time, and undoes every other action.
        session = browser(base, editors[3])
        for number in range(REQUESTS_PER_CLIENT):
            answer = outcomes.note("bulk", session.post(f"{base}/sessions/bulk", allow_redirects=False, data={
                "id": [shared, patched[1]], "action": "add_tag", "tag": f"bulk-{number}"}))
            if answer.status_code != 302:
                continue
            if number % 2:
                with app.app_context():
                    entry = db.session.scalar(select(AuditEntry.pk).where(AuditEntry.action == "sessions.bulk")
                                              .order_by(AuditEntry.pk.desc()).limit(1))
                undone = outcomes.note("bulk", session.post(f"{base}/sessions/bulk/{entry}/undo", allow_redirects=False))
                if undone.status_code == 302:
                    with record:
                        acknowledged["undone"].add(f"bulk-{number}")
                    continue
            with record:
                acknowledged["bulk"].add(f"bulk-{number}")

    def view_saver(number: int):
        # Two browsers of one user save the same names at once: each name is kept once, the other save refused.
        session = browser(base, editors[0])
        for view in range(REQUESTS_PER_CLIENT):
            answer = outcomes.note(f"views {number}", session.post(f"{base}/views", allow_redirects=False, data={
                "page": "sessions", "name": f"view {view}", "query": f"tag=batch-{view}"}))
            if answer.status_code == 302:
                with record:
                    acknowledged["views"].add(f"view {view}")

    def signer_in():
        for attempt in range(REQUESTS_PER_CLIENT):
            session = browser(base, admin)
            acknowledged["sign_ins"] += 1
            if attempt == REQUESTS_PER_CLIENT // 2:
                form = BeautifulSoup(session.get(f"{base}/scans/").text, "html.parser")
                started = outcomes.note("sign-in", session.post(f"{base}/scans/", data={
                    "csrf_token": form.select_one('input[name="csrf_token"]')["value"], "roots": str(archive)},
                    allow_redirects=False))
                assert started.status_code == 303, started.text
                acknowledged["scan"] = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
            outcomes.note("sign-in", session.get(f"{base}/sessions"))

    def note_taker(number: int):
        # Notes on the shared session, through the page (first client) or the API (second); every other one resolved.
        session = browser(base, editors[number]) if number == 0 else requests.Session()
        if number:
            session.headers["Authorization"] = f"Bearer {editor_tokens[number]}"
        else:  # the page's note taker times the session meanwhile
            started = outcomes.note("work", session.post(f"{base}/sessions/{shared}/timer", data={"kind": "mixing"},
                                                         allow_redirects=False))
            acknowledged["timer"] = started.status_code == 302
        for note in range(REQUESTS_PER_CLIENT):
            text = f"note {number}-{note}"
            if number == 0:
                answer = outcomes.note("timeline", session.post(f"{base}/sessions/{shared}/notes", headers={
                    "HX-Request": "true"}, data={"position": f"0:{note:02d}", "text": text}))
            else:
                answer = outcomes.note("timeline", session.post(f"{base}/api/sessions/{shared}/events", json={
                    "events": [{"kind": "note", "t_sec": note, "text": text}]}))
                if answer.status_code == 201 and note % 2:
                    event_id = answer.json()["events"][0]["id"]
                    if outcomes.note("timeline", session.patch(f"{base}/api/events/{event_id}", json={
                            "status": "resolved"})).status_code == 200:
                        with record:
                            acknowledged["resolved"].add(text)
            if answer.status_code in (200, 201):
                with record:
                    acknowledged["timeline"].add(text)
            work = {"kind": "editing", "started_at": "2026-01-05T10:00:00Z", "duration_seconds": 60}
            if number and outcomes.note("work", session.post(f"{base}/api/sessions/{shared}/activities",
                                                             json=work)).status_code == 201:
                acknowledged["activities"] += 1
        if not number:
            outcomes.note("work", session.post(f"{base}/timer/stop", data={"back": "/"}, allow_redirects=False))
        if number:
            attached = outcomes.note("timeline", session.post(f"{base}/api/sessions/{shared}/attachments", files={
                "file": ("mix.wav", b"RIFF" + bytes(1000))}))
            acknowledged["attached"] = attached.status_code == 201

    def template_registrar():
        # The layout of the first ingester's sessions becomes a template as they arrive, then is removed and restored
        # by turns: the sessions it recognises are counted exactly throughout.
        session = browser(base, admin)
        form = BeautifulSoup(session.get(f"{base}/templates").text, "html.parser")
        token = form.select_one('meta[name="csrf-token"]')["content"]
        answer = outcomes.note("templates", session.post(f"{base}/templates/from-session/{layout['insertedIds'][0]}",
                                                         data={"csrf_token": token, "name": "Live Room"},
                                                         allow_redirects=False))
        assert answer.status_code == 303, answer.text
        with app.app_context():
            template_id = db.session.scalar(select(Template.id))
        for number in range(REQUESTS_PER_CLIENT):
            action = "remove" if number % 2 == 0 else "restore"
            answer = outcomes.note("templates", session.post(f"{base}/templates/{template_id}/{action}",
                                                             data={"csrf_token": token}, allow_redirects=False))
            if answer.status_code == 303:
                acknowledged["template"] = action

    def timing_editor():
        # Changes the zone it types in, then the start of a session as a wall-clock time in it, and its template.
        session = browser(base, editors[1])
        hx = {"HX-Request": "true"}
        for number in range(REQUESTS_PER_CLIENT):
            zone = ("America/New_York", "Europe/Berlin")[number % 2]
            changed = outcomes.note("timing", session.post(f"{base}/settings/time-zone", data={
                "time_zone": zone, "csrf_token": session.headers["X-CSRFToken"]}, allow_redirects=False))
            typed = f"2026-03-{10 + number:02d}T09:30"
            started = outcomes.note("timing", session.patch(f"{base}/sessions/{patched[1]}/fields/started_at",
                                                            data={"value": typed}, headers=hx))
            if changed.status_code == 302 and started.status_code == 200:
                acknowledged["started"] = (zone, typed)
            outcomes.note("timing", session.patch(f"{base}/sessions/{patched[1]}/fields/template",
                                                  data={"value": f"Overdubs {number}"}, headers=hx))

    def reader():
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {reader_token}"
        for number in range(REQUESTS_PER_CLIENT):
            outcomes.note("reader", session.get(f"{base}/api/sessions/", params={"limit": 20}))
            outcomes.note("reader", session.get(f"{base}/api/session-stats", params={"limit": 50}))
            time.sleep(0.05 * (number % 3))

    clients = [outcomes.client(ingester, n) for n in range(3)] + [
        outcomes.client(metadata_editor), outcomes.client(tag_editor, 0), outcomes.client(tag_editor, 1),
        outcomes.client(field_editor), outcomes.client(bulk_editor), outcomes.client(view_saver, 0),
        outcomes.client(view_saver, 1), outcomes.client(note_taker, 0), outcomes.client(note_taker, 1),
        outcomes.client(signer_in), outcomes.client(reader), outcomes.client(template_registrar),
        outcomes.client(timing_editor)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=300)

    assert outcomes.failures == []
    assert outcomes.server_errors == []
    assert all(len(statuses) >= REQUESTS_PER_CLIENT for statuses in outcomes.statuses.values())
    assert len(acknowledged["fingerprints"]) == 3 * 3 * REQUESTS_PER_CLIENT
    assert len(acknowledged["tags"]) == 2 * REQUESTS_PER_CLIENT
    with app.app_context():
        deadline = time.monotonic() + 120
        while not db.session.get(Job, acknowledged["scan"]).finished and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.2)
        stored = set(db.session.scalars(select(Session.fingerprint)))
        assert acknowledged["fingerprints"] <= stored
        tags = set(db.session.scalars(
            select(Tag.name).join(Session, Session.pk == Tag.session_pk).where(Session.id == shared)))
        assert acknowledged["tags"] | acknowledged["bulk"] <= tags and not acknowledged["undone"] & tags
        assert len(acknowledged["bulk"] | acknowledged["undone"]) == REQUESTS_PER_CLIENT
        assert sorted(db.session.scalars(select(SavedView.name))) == sorted(acknowledged["views"]) == sorted(
            f"view {view}" for view in range(REQUESTS_PER_CLIENT))
        notes = dict(db.session.execute(select(Session.id, Session.notes).where(Session.id.in_(patched))).all())
        assert notes == acknowledged["notes"]
        assert db.session.scalar(select(Session.name).where(Session.id == patched[0])) == acknowledged["name"]
        assert db.session.get(Job, acknowledged["scan"]).status == "succeeded"
        timeline = dict(db.session.execute(select(Event.text, Event.status).join(Session, Session.pk == Event.session_pk)
                                           .where(Session.id == shared, Event.kind == "note")).all())
        assert set(timeline) == acknowledged["timeline"] and len(timeline) == 2 * REQUESTS_PER_CLIENT
        assert {text for text, status in timeline.items() if status == "resolved"} == acknowledged["resolved"]
        assert acknowledged["attached"]
        logged = db.session.execute(select(Activity.owner, Activity.ended_at)
                                    .join(Session, Session.pk == Activity.session_pk).where(Session.id == shared)).all()
        assert acknowledged["timer"] and len(logged) == acknowledged["activities"] + 1 == REQUESTS_PER_CLIENT + 1
        assert all(ended_at is not None for _, ended_at in logged)
        assert {str(archive / f"take-{n}.rpp") for n in range(5)} <= set(db.session.scalars(select(Session.path)))
        # The view savers, the page's note taker, the template registrar and the timing editor sign in again.
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in")).all()) \
            == acknowledged["sign_ins"] + len(editors) + 5
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        zone, typed = acknowledged["started"]
        assert db.session.scalar(select(Session.started_at).where(Session.id == patched[1])) == datetime.strptime(
            typed, "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        assert db.session.scalar(select(Session.template).where(Session.id == patched[1])) == \
            f"Overdubs {REQUESTS_PER_CLIENT - 1}"
        removed = db.session.scalar(select(Template.removed_at))
        assert (removed is None) == (acknowledged["template"] == "restore")
        # The first ingester's sessions have the layout: those that arrived while it was registered carry it.
        assert db.session.scalar(select(Session.template).where(Session.fingerprint == "layout")) == "Live Room"
        assert set(db.session.scalars(select(Session.template).where(Session.fingerprint.like("client-0-%")))) \
            <= {"Live Room", None}
        assert check_derived(db.session) == []
