"""A session's timeline: markers from its file, notes through the API and the page, media files, and the counts
kept of them."""
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Session
from app.timecode import format_position, parse_position
from tests.auth import csrf_token
from tests.helpers import ingest

HX = {"HX-Request": "true"}
MARKERS = [{"name": "Verse", "tSec": 12.5, "comment": "double the vocal"},
           {"name": "Chorus", "tSec": 40, "endSec": 62.25, "track": "Lead Vocal"}]
MEDIA = [{"path": "Audio Files/Kick.wav", "name": "Kick"}, {"path": "/gone/Snare.wav", "exists": False},
         {"path": "Audio Files/Bass.wav", "offline": True}]


@pytest.fixture
def session_id(client):
    ingest(client, {"name": "Harbour", "fingerprint": "h", "artist": "Lumen", "project": "Tides", "markers": MARKERS,
                    "mediaFiles": MEDIA})
    return client.get("/api/session-stats").get_json()["sessions"][0]["id"]


def events(client, session_id):
    return client.get(f"/api/sessions/{session_id}/events").get_json()["events"]


def add_note(client, session_id, **note):
    return client.post(f"/api/sessions/{session_id}/events", json={"events": [{"kind": "note", **note}]})


def test_markers_and_media_files_are_stored_and_exported_as_given(client, session_id):
    listed = events(client, session_id)
    assert [(e["kind"], e["source"], e["text"], e["t_sec"], e["end_sec"], e["comment"], e["track"]) for e in listed] == [
        ("marker", "file", "Verse", 12.5, None, "double the vocal", None),
        ("marker", "file", "Chorus", 40.0, 62.25, None, "Lead Vocal")]
    exported = client.get(f"/api/session-stats/{session_id}").get_json()
    assert exported["markers"] == [{"name": "Verse", "tSec": 12.5, "comment": "double the vocal"},
                                   {"name": "Chorus", "tSec": 40.0, "endSec": 62.25, "track": "Lead Vocal"}]
    assert exported["mediaFiles"] == MEDIA
    assert client.get(f"/api/sessions/{session_id}/rollup").get_json() == {
        "session_id": session_id, "events": {"marker": 2}, "notes": 0, "open_notes": 0, "markers": 2,
        "media_files": 3, "missing_media_files": 2, "attachments": 0}


def test_a_new_scan_replaces_the_files_markers_and_keeps_the_notes(client, session_id):
    assert add_note(client, session_id, t_sec=83.5, text="vocal too loud").status_code == 201
    ingest(client, {"name": "Harbour", "fingerprint": "h", "markers": [{"name": "Bridge", "tSec": 90}], "mediaFiles": []})
    assert [(e["kind"], e["text"]) for e in events(client, session_id)] == [("note", "vocal too loud"),
                                                                           ("marker", "Bridge")]
    ingest(client, {"name": "Harbour", "fingerprint": "h", "artist": "Lumen"})  # no markers given: kept as they are
    assert [e["text"] for e in events(client, session_id)] == ["vocal too loud", "Bridge"]
    assert client.get(f"/api/sessions/{session_id}/rollup").get_json()["media_files"] == 0


def test_notes_are_added_changed_resolved_and_trashed_through_the_api(client, session_id):
    added = add_note(client, session_id, t_sec=83.5, text="vocal too loud", label="mix")
    assert added.status_code == 201
    note = added.get_json()["events"][0]
    assert (note["status"], note["source"], note["label"], note["author"]) == ("open", "api", "mix", note["author"])
    assert note["author"]
    assert [e["t_sec"] for e in events(client, session_id)] == [12.5, 40.0, 83.5]
    assert client.get(f"/api/sessions/{session_id}/rollup").get_json()["open_notes"] == 1

    changed = client.patch(f"/api/events/{note['id']}", json={"status": "resolved", "t_sec": 1.25})
    assert changed.status_code == 200 and changed.get_json()["status"] == "resolved"
    assert [e["t_sec"] for e in events(client, session_id)] == [1.25, 12.5, 40.0]
    assert client.get(f"/api/sessions/{session_id}/rollup").get_json()["open_notes"] == 0

    trashed = client.delete(f"/api/events/{note['id']}")
    assert trashed.status_code == 200 and trashed.get_json()["deleted_at"]
    assert [e["kind"] for e in events(client, session_id)] == ["marker", "marker"]
    assert client.get(f"/api/sessions/{session_id}/rollup").get_json()["notes"] == 0


@pytest.mark.parametrize("body, path", [
    ({"events": [{"kind": "note", "t_sec": 1, "text": "fine"}, {"kind": "note", "t_sec": -1, "text": "x"}]},
     "events.1.t_sec"),
    ({"events": [{"kind": "note", "t_sec": 1, "text": "  "}]}, "events.0"),
    ({"events": [{"kind": "marker", "t_sec": 1, "text": "x"}]}, "events.0"),
    ({"events": [{"kind": "note", "t_sec": "83", "text": "x"}]}, "events.0.t_sec"),
    ({"events": [{"kind": "clip", "t_sec": 5, "end_sec": 4}]}, "events.0"),
    ({"events": [{"kind": "clip", "t_sec": 5, "status": "open"}]}, "events.0"),
    ({"events": [{"kind": "Not A Kind", "t_sec": 5}]}, "events.0.kind"),
    ({"events": [{"kind": "note", "t_sec": 5, "text": "nul\x00"}]}, "events.0.text"),
    ({"events": []}, "events"),
])
def test_bad_events_are_refused_with_their_paths_and_none_is_stored(client, session_id, body, path):
    response = client.post(f"/api/sessions/{session_id}/events", json=body)
    assert response.status_code == 422
    assert path in [problem["path"] for problem in response.get_json()["error"]["details"]]
    assert len(events(client, session_id)) == 2


def test_markers_are_read_only_and_unknown_ids_are_404(client, session_id):
    marker = events(client, session_id)[0]
    assert client.patch(f"/api/events/{marker['id']}", json={"text": "x"}).status_code == 409
    assert client.delete(f"/api/events/{marker['id']}").status_code == 409
    assert client.patch("/api/events/nope", json={"text": "x"}).status_code == 404
    assert client.get("/api/sessions/nope/events").status_code == 404
    assert client.get("/api/sessions/nope/rollup").status_code == 404
    assert add_note(client, "nope", t_sec=1, text="x").status_code == 404
    assert client.post(f"/api/sessions/{session_id}/events", data="[]").status_code == 400
    note = add_note(client, session_id, t_sec=5, text="x").get_json()["events"][0]
    assert client.patch(f"/api/events/{note['id']}", json={"end_sec": 1}).status_code == 422
    assert client.patch(f"/api/events/{note['id']}", json={"text": " "}).status_code == 422
    assert client.patch(f"/api/events/{note['id']}", json={"colour": "red"}).status_code == 422


def test_viewers_read_the_timeline_and_cannot_write_it(auth, client, session_id):
    viewer = auth.client(token_role="viewer")
    assert viewer.get(f"/api/sessions/{session_id}/events").status_code == 200
    assert add_note(viewer, session_id, t_sec=1, text="x").status_code == 403


def test_a_trashed_session_hides_its_timeline(client, session_id):
    client.delete(f"/api/session-stats/{session_id}")
    assert client.get(f"/api/sessions/{session_id}/events").status_code == 404
    assert add_note(client, session_id, t_sec=1, text="x").status_code == 404


@pytest.mark.parametrize("typed, seconds", [
    ("1:23", 83), ("1:23.5", 83.5), ("1:23.456", 83.456), ("1:02:03", 3723), ("83.5", 83.5), (" 0:00 ", 0),
    ("12:00:00.25", 43200.25)])
def test_positions_are_typed_as_minutes_seconds_or_hours(typed, seconds):
    assert parse_position(typed) == seconds


@pytest.mark.parametrize("typed", ["", "1:60", "1:75:00", "-1", "1:2:3:4", "abc", "1:23.4567", "1,5", "2400:00:01"])
def test_a_position_that_is_not_one_is_refused(typed):
    with pytest.raises(ValueError):
        parse_position(typed)


def test_positions_read_as_they_are_typed():
    assert [format_position(s) for s in (0, 83, 83.5, 3723.004, 59.9996)] == ["0:00", "1:23", "1:23.500",
                                                                              "1:02:03.004", "1:00"]


def timeline(response):
    page = BeautifulSoup(response.data, "html.parser")
    return [(item.select_one(".position").get_text(strip=True), item.select_one(".text").get_text(strip=True))
            for item in page.select("#events li.event")], page


def test_editors_work_with_notes_on_the_session_page(auth, client, session_id, app):
    editor = auth.client("editor")
    editor.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(editor)
    items, page = timeline(editor.get(f"/sessions/{session_id}"))
    assert items == [("0:12.500", "Verse"), ("0:40–1:02.250", "Chorus")]
    assert page.select_one("#timeline-summary #open-notes").get_text() == "0 open"

    refused = editor.post(f"/sessions/{session_id}/notes", data={"position": "1:75", "text": "x"}, headers=HX)
    assert refused.status_code == 422
    items, page = timeline(refused)
    assert "Position" in page.select_one("#note-error").get_text() and len(items) == 2
    assert page.select_one("#note-position")["value"] == "1:75"
    blank = editor.post(f"/sessions/{session_id}/notes", data={"position": "0:30", "text": " "}, headers=HX)
    assert blank.status_code == 422
    assert timeline(blank)[1].select_one("#note-error").get_text() == "A note needs text."

    added = editor.post(f"/sessions/{session_id}/notes", data={"position": "0:30", "text": "Snare too loud",
                                                               "label": "mix"}, headers=HX)
    items, page = timeline(added)
    assert items[1] == ("0:30", "Snare too loud")
    note = page.select("#events li.event")[1]
    note_id = note["id"].removeprefix("event-")
    assert note.select_one(".tag.status-open") and note.select_one(".tag.label").get_text() == "mix"
    with app.app_context():
        row = db.session.scalar(select(Event).where(Event.id == note_id))
        assert (row.author, row.source, row.status) == (editor.username, "user", "open")

    form = BeautifulSoup(editor.get(f"/sessions/{session_id}/notes/{note_id}/edit", headers=HX).data, "html.parser")
    assert form.select_one(f"#event-{note_id} input[name=position]")["value"] == "0:30"
    items, _ = timeline(editor.patch(f"/sessions/{session_id}/notes/{note_id}",
                                     data={"position": "1:10.5", "text": "Snare far too loud", "label": ""},
                                     headers=HX))
    assert items[2] == ("1:10.500", "Snare far too loud")

    _, page = timeline(editor.post(f"/sessions/{session_id}/notes/{note_id}/status", data={"status": "resolved"},
                                   headers=HX))
    assert "resolved" in page.select_one(f"#event-{note_id}")["class"]
    assert page.select_one("#open-notes").get_text() == "0 open"

    items, page = timeline(editor.post(f"/sessions/{session_id}/notes/{note_id}/trash", headers=HX))
    assert len(items) == 2 and page.select_one("#note-undo button")
    assert page.select_one("#trashed-notes").get_text(" ", strip=True).startswith("Deleted notes (1)")
    items, _ = timeline(editor.post(f"/sessions/{session_id}/notes/{note_id}/restore", headers=HX))
    assert items[2] == ("1:10.500", "Snare far too loud")

    marker_id = page.select("#events li.event")[0]["id"].removeprefix("event-")
    assert editor.post(f"/sessions/{session_id}/notes/{marker_id}/trash", headers=HX).status_code == 404
    assert editor.post(f"/sessions/other/notes/{note_id}/trash", headers=HX).status_code == 404
    viewer = auth.client("viewer")
    _, page = timeline(viewer.get(f"/sessions/{session_id}"))
    assert page.select_one("#add-note") is None and page.select_one("#events .actions") is None


def test_the_list_filters_and_shows_open_notes_and_missing_media(client, session_id):
    ingest(client, {"name": "Quiet", "fingerprint": "q", "mediaFiles": [{"path": "a.wav", "exists": True}]})
    add_note(client, session_id, t_sec=1, text="fix the intro")

    def names(query):
        page = BeautifulSoup(client.get(f"/sessions?{query}").data, "html.parser")
        return [a.get_text() for a in page.select("#sessions td.name a")]

    assert names("has_open_notes=1") == ["Harbour"]
    assert names("has_open_notes=0") == ["Quiet"]
    assert names("has_missing_media=1") == ["Harbour"]
    assert names("has_missing_media=0") == ["Quiet"]
    page = BeautifulSoup(client.get("/sessions?cols=open_notes&cols=missing_media&sort=open_notes").data,
                         "html.parser")
    assert [td.get_text() for td in page.select("#sessions td.open_notes")] == ["1", "0"]
    assert [td.get_text() for td in page.select("#sessions td.missing_media")] == ["2", "0"]
    assert client.get("/sessions?has_open_notes=maybe").status_code == 400
    api = client.get("/api/sessions/?has_missing_media=true").get_json()
    assert [s["name"] for s in api["sessions"]] == ["Harbour"]


def test_a_session_page_lists_its_media_files_missing_first(client, session_id):
    page = BeautifulSoup(client.get(f"/sessions/{session_id}").data, "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in row.select("td")] for row in page.select("#media tbody tr")]
    assert [row[0] for row in rows] == ["Snare.wav", "Bass.wav", "Kick"]
    assert rows[0][1] == "missing" and rows[1][1] == "missing (offline in the session)" and rows[2][1] == "not checked"
    assert page.select_one("#media-summary").get_text(" ", strip=True) == "3 files, 2 missing ."


def test_purging_a_session_removes_its_events(app, client, session_id):
    add_note(client, session_id, t_sec=1, text="x")
    client.delete(f"/api/session-stats/{session_id}")
    client.post(f"/api/session-stats/{session_id}/purge")
    with app.app_context():
        assert db.session.scalar(select(Session).where(Session.id == session_id)) is None
        assert db.session.scalars(select(Event)).all() == []


def test_the_overview_counts_open_notes_and_missing_media_and_lists_the_latest_notes(client, session_id):
    add_note(client, session_id, t_sec=83.5, text="vocal too loud", label="mix")
    second = add_note(client, session_id, t_sec=5, text="count-in clicks").get_json()["events"][0]
    overview = BeautifulSoup(client.get("/").data, "html.parser")
    assert overview.select_one("#open-notes-total").get_text(strip=True) == "2"
    assert overview.select_one("#missing-media-total").get_text(strip=True) == "2"
    assert overview.select_one("#open-notes-by-artist").get_text(" ", strip=True) == "By artist: Lumen (2)"
    assert overview.select_one("#open-notes-by-project a")["href"] == "/sessions?has_open_notes=1&project=Tides"
    notes = [item.get_text(" ", strip=True) for item in overview.select("#open-notes li")]
    assert notes[0].startswith("Harbour 0:05 count-in clicks") and notes[1].startswith("Harbour 1:23.500 vocal too loud mix")

    client.patch(f"/api/events/{second['id']}", json={"status": "resolved"})
    polled = BeautifulSoup(client.get("/", headers=HX).data, "html.parser")
    assert polled.select_one("#open-notes-total").get_text(strip=True) == "1"
    assert len(polled.select("#open-notes li")) == 1
