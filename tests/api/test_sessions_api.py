"""/api/sessions: the list's shape, stats cached until refreshed, metadata edits, liked sessions, access."""
import logging

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from app.database import unit_of_work
from app.extensions import db
from app.models import AuditEntry, Job, Session, SessionStatsCache
from app.scanning import run_job, start_scan
from app.services.metadata import parse_change, update_metadata
from tests.auth import csrf_token
from tests.helpers import ingest, table_rows

HX = {"HX-Request": "true"}

REAPER_PROJECT = '<REAPER_PROJECT 0.1 "7.10/linux-x86_64" 1700000000\n  TEMPO 120 4 4\n{tracks}>\n'
REAPER_TRACK = '  <TRACK\n    NAME "{name}"\n    <FXCHAIN\n{fx}    >\n  >\n'
REAEQ = '      <VST "VST: ReaEQ (Cockos)" reaeq.dll 0 "" 1919247729\n      >\n'
REACOMP = '      <VST "VST: ReaComp (Cockos)" reacomp.dll 0 "" 1919247213\n      >\n'


@pytest.fixture
def app_config():
    """One reading process: the scans here read a file or two."""
    return {"SCAN_PROCESSES": 1}


@pytest.fixture
def editor(auth):
    """A client sending an editor's token."""
    return auth.client(token_role="editor")


def write_project(path, *tracks):
    """A REAPER project at `path` with `tracks` given as (name, [fx lines])."""
    path.write_text(REAPER_PROJECT.format(tracks="".join(
        REAPER_TRACK.format(name=name, fx="".join(fx)) for name, fx in tracks)))
    return path


def scan(app, path):
    """Scan `path` to its end, as a worker would; the finished job."""
    with app.app_context():
        with unit_of_work():
            job = start_scan(db.session, [str(path)], [], "tests")
        run_job(job.pk)
        return db.session.get(Job, job.pk).status


def session_id(app, **where):
    """The id of the one session matching `where`."""
    with app.app_context():
        return db.session.scalar(select(Session.id).filter_by(**where))


def seed(client, *names, **fields):
    """Ingest sessions called `names` (with `fields` each) through the API; their ids by name."""
    response = ingest(client, *({"name": name, "id": f"id-{name}", **fields} for name in names))
    assert response.status_code == 200, response.json
    return {name: f"id-{name}" for name in names}


def stats(client, sid):
    response = client.get(f"/api/sessions/{sid}/stats")
    assert response.status_code == 200, response.json
    return response.json


def test_each_session_comes_with_its_stats_and_metadata(client):
    ingest(client, {
        "id": "mix", "name": "Mix", "artist": "Ana", "project": "LP", "path": "/archive/Mix.ptx",
        "createdAt": "2026-03-01T10:00:00Z", "daw": "Pro Tools", "dawVersion": "2024.6", "sampleRate": 48000,
        "bitDepth": 24, "bpm": 92.0, "key": "F#m", "durationSeconds": 181.5, "tags": ["single"], "notes": "Final.",
        "isFavorite": True, "rating": "like",
        "tracks": [
            {"name": "Vox", "type": "audio", "plugins": [{"name": "Pro-Q 3", "vendor": "FabFilter"},
                                                         {"name": "Pro-Q 3", "vendor": "FabFilter"}]},
            {"name": "Bass", "type": "audio", "plugins": [{"name": "Pro-Q 3", "vendor": "FabFilter"},
                                                          {"name": "LA-2A", "vendor": "UA"}]},
            {"name": "Keys", "type": "instrument"},
            {"name": "Click"},
        ],
    }, {"id": "older", "name": "Older", "createdAt": "2025-01-01T00:00:00Z"}, {"id": "undated", "name": "Undated"})
    body = client.get("/api/sessions/").json
    assert (body["total_count"], body["limit"], body["offset"]) == (3, 100, 0)
    assert [s["session_id"] for s in body["sessions"]] == ["mix", "older", "undated"]
    mix = body["sessions"][0]
    assert {key: mix[key] for key in ("session_path", "name", "artist", "project", "created_at")} == {
        "session_path": "/archive/Mix.ptx", "name": "Mix", "artist": "Ana", "project": "LP",
        "created_at": "2026-03-01T10:00:00Z"}
    computed = {key: value for key, value in mix["stats"].items() if key != "stats_computed_at"}
    assert computed == {
        "daw": "Pro Tools", "daw_version": "2024.6", "sample_rate": 48000, "bit_depth": 24, "bpm": 92.0,
        "key": "F#m", "duration_seconds": 181.5, "track_count": 4,
        "tracks_by_type": {"audio": 2, "instrument": 1, "unknown": 1}, "plugin_instances": 4,
        "distinct_plugins": 2, "file_size": None, "file_modified_at": None, "stats_version": 1,
        "top_plugins": [
            {"plugin_id": "fabfilter|pro-q 3||", "name": "Pro-Q 3", "vendor": "FabFilter", "version": None,
             "format": None, "instances": 3, "tracks": 2},
            {"plugin_id": "ua|la-2a||", "name": "LA-2A", "vendor": "UA", "version": None, "format": None,
             "instances": 1, "tracks": 1},
        ],
    }
    assert mix["metadata"] == {"is_test": False, "is_complete": False, "is_favorite": True, "user_rating": "like",
                               "user_note": "Final.", "tags": ["single"], "credits": [], "created_at": None,
                               "updated_at": None}
    assert body["sessions"][2]["created_at"] is None


def test_stats_are_cached_until_refresh_reads_the_changed_file(app, client, editor, tmp_path):
    path = write_project(tmp_path / "Song.rpp", ("Vox", [REAEQ]))
    assert scan(app, path) == "succeeded"
    sid = session_id(app, path=str(path))
    # A user edit (which drops the cached stats too) before the stats are computed and cached.
    client.patch(f"/api/sessions/{sid}/metadata", json={"tags": ["keeper"]})
    first = stats(client, sid)
    assert (first["track_count"], first["plugin_instances"], first["file_size"]) == (1, 1, path.stat().st_size)

    write_project(path, ("Vox", [REAEQ, REACOMP]), ("Bass", [REACOMP]))
    assert stats(client, sid) == first  # the file changed, the stats stay as computed
    listed = client.get("/api/sessions/").json["sessions"][0]["stats"]
    assert listed == {key: value for key, value in first.items() if key not in ("session_id", "session_path")}

    response = editor.post(f"/api/sessions/{sid}/stats/refresh")
    assert response.status_code == 200, response.json
    refreshed = response.json
    assert (refreshed["source"], refreshed["file_error"]) == ("file", None)
    assert refreshed["message"] == f"Stats recomputed after reading {path} again."
    assert (refreshed["stats"]["track_count"], refreshed["stats"]["plugin_instances"]) == (2, 3)
    assert refreshed["stats"]["tracks_by_type"] == {"unknown": 2}  # REAPER tracks have no fixed type
    assert refreshed["stats"]["file_size"] == path.stat().st_size
    assert refreshed["stats"]["stats_computed_at"] != first["stats_computed_at"]
    assert {key: value for key, value in stats(client, sid).items()
            if key not in ("session_id", "session_path")} == refreshed["stats"]
    # The file was read into the index: the session itself changed, and kept its tags.
    wire = client.get(f"/api/session-stats/{sid}").json
    assert [track["name"] for track in wire["tracks"]] == ["Vox", "Bass"] and wire["tags"] == ["keeper"]
    with app.app_context():
        job = db.session.get(Job, refreshed["job"])
        assert (job.kind, job.status, job.params["paths"]) == ("scan", "succeeded", [str(path)])
        assert job.started_by.startswith("token editor token")


def test_refresh_without_a_readable_file_recomputes_from_the_index(app, client, editor, tmp_path):
    path = write_project(tmp_path / "Gone.rpp", ("Vox", [REAEQ]))
    broken = write_project(tmp_path / "Broken.rpp", ("Vox", []))
    scan(app, tmp_path)
    gone, damaged = session_id(app, path=str(path)), session_id(app, path=str(broken))
    path.unlink()
    broken.write_bytes(b"\x00\x01 not a project")
    unfiled = seed(client, "Unfiled")["Unfiled"]

    answer = editor.post(f"/api/sessions/{gone}/stats/refresh").json
    assert (answer["source"], answer["stats"]["track_count"]) == ("index", 1)
    assert answer["file_error"] == f"{path} does not exist."
    assert answer["message"] == f"Stats recomputed from the index: {path} could not be read again ({path} does " \
                                "not exist.)."
    answer = editor.post(f"/api/sessions/{damaged}/stats/refresh").json
    assert (answer["source"], answer["stats"]["track_count"]) == ("index", 1)
    assert "REAPER" in answer["file_error"]
    answer = editor.post(f"/api/sessions/{unfiled}/stats/refresh").json
    assert (answer["source"], answer["file_error"], answer["job"]) == ("index", None, None)
    assert answer["message"] == "Stats recomputed from the index: the session has no file of its own."
    with app.app_context():
        assert db.session.scalar(select(Session.name).where(Session.id == damaged)) == "Broken"
        assert db.session.scalars(select(AuditEntry.target).where(
            AuditEntry.action == "session.stats_refreshed")).all() == [gone, damaged, unfiled]


def test_refresh_reads_no_file_outside_the_archive_roots(app, client, editor, tmp_path):
    (tmp_path / "old").mkdir()
    path = write_project(tmp_path / "old" / "Song.rpp", ("Vox", []))
    scan(app, path)
    sid = session_id(app, path=str(path))
    write_project(path, ("Vox", []), ("Bass", []))
    app.config["ARCHIVE_ROOTS"] = [tmp_path / "new"]
    answer = editor.post(f"/api/sessions/{sid}/stats/refresh").json
    assert (answer["source"], answer["stats"]["track_count"]) == ("index", 1)
    assert answer["file_error"] == f"{path} is outside the archive roots ({tmp_path / 'new'})."


def test_a_change_to_the_session_drops_its_cached_stats(app, client):
    sid = seed(client, "Song", tracks=[{"name": "Vox"}])["Song"]
    assert stats(client, sid)["track_count"] == 1
    seed(client, "Song", tracks=[{"name": "Vox"}, {"name": "Gtr"}])
    assert stats(client, sid)["track_count"] == 2
    with app.app_context(), unit_of_work():
        update_metadata(db.session, sid, parse_change({"bpm": 99.0}))
    assert stats(client, sid)["bpm"] == 99.0
    before = stats(client, sid)
    client.patch(f"/api/sessions/{sid}/metadata", json={"is_favorite": True, "tags": ["x"]})
    after = stats(client, sid)
    # Any change drops the cached stats, which are computed again; metadata is not part of the stats.
    assert after["stats_computed_at"] != before["stats_computed_at"]
    assert {key: value for key, value in after.items() if key != "stats_computed_at"} == {
        key: value for key, value in before.items() if key != "stats_computed_at"}


def test_stats_of_an_older_version_are_computed_again(app, client):
    sid = seed(client, "Song")["Song"]
    first = stats(client, sid)
    with app.app_context(), unit_of_work():
        db.session.execute(update(SessionStatsCache).values(version=0, stats={"track_count": "stale"}))
    again = stats(client, sid)
    assert again["stats_version"] == 1 and again["track_count"] == 0
    assert again["stats_computed_at"] != first["stats_computed_at"]


def test_a_session_whose_stats_fail_is_listed_without_them(app, client, caplog):
    ids = seed(client, "Good", "Bad", tracks=[{"name": "Vox"}])
    with app.app_context(), unit_of_work():
        db.session.execute(update(Session).where(Session.id == ids["Bad"]).values(track_count=-1))
    with caplog.at_level(logging.WARNING, logger="app.services.stats"):
        response = client.get("/api/sessions/")
    assert response.status_code == 200
    by_id = {s["session_id"]: s for s in response.json["sessions"]}
    assert by_id[ids["Bad"]]["stats"] is None and by_id[ids["Good"]]["stats"]["track_count"] == 1
    assert by_id[ids["Bad"]]["metadata"]["tags"] == []
    assert any(ids["Bad"] in record.getMessage() and "track_count" in record.getMessage()
               for record in caplog.records)
    response = client.get(f"/api/sessions/{ids['Bad']}/stats")
    assert (response.status_code, response.json["error"]["code"]) == (500, "stats_failed")


def test_patch_changes_only_the_fields_given(app, client, editor):
    sid = seed(client, "Song", tags=["a", "b"], notes="From the session.", isTest=True)["Song"]
    first = editor.patch(f"/api/sessions/{sid}/metadata", json={"is_favorite": True, "user_rating": "like"})
    assert first.status_code == 200
    assert first.json == {
        "session_id": sid, "session_path": None, "is_test": True, "is_complete": False, "is_favorite": True,
        "user_rating": "like", "user_note": "From the session.", "tags": ["a", "b"], "credits": [],
        "created_at": first.json["created_at"], "updated_at": first.json["created_at"]}
    assert first.json["created_at"] is not None

    second = editor.patch(f"/api/sessions/{sid}/metadata", json={
        "tags": ["mix", "final", "mix"], "user_note": None, "user_rating": None, "is_test": False}).json
    assert (second["tags"], second["user_note"], second["user_rating"], second["is_test"]) == (
        ["mix", "final"], None, None, False)
    assert second["is_favorite"] is True and second["created_at"] == first.json["created_at"]
    assert second["updated_at"] != first.json["updated_at"]
    assert editor.patch(f"/api/sessions/{sid}/metadata", json={"tags": []}).json["tags"] == []
    unchanged = editor.patch(f"/api/sessions/{sid}/metadata", json={})
    assert unchanged.status_code == 200 and unchanged.json["updated_at"] != second["created_at"]
    listed = client.get("/api/sessions/").json["sessions"][0]["metadata"]
    assert listed == {key: value for key, value in unchanged.json.items() if key not in ("session_id", "session_path")}
    with app.app_context():
        details = db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "session.metadata_updated", AuditEntry.target == sid)).all()
    assert details == [{"fields": ["is_favorite", "user_rating"]},
                       {"fields": ["is_test", "tags", "user_note", "user_rating"]}, {"fields": ["tags"]}]


def test_metadata_is_created_by_the_first_edit(client, editor):
    sid = seed(client, "Song")["Song"]
    assert editor.patch(f"/api/sessions/{sid}/metadata", json={}).json["created_at"] is None
    edited = editor.patch(f"/api/sessions/{sid}/metadata", json={"is_complete": True}).json
    assert edited["created_at"] == edited["updated_at"] is not None


@pytest.mark.parametrize(("body", "field"), [
    ({"is_favorite": "true"}, "is_favorite"),
    ({"is_test": 1}, "is_test"),
    ({"is_complete": None}, "is_complete"),
    ({"user_rating": "meh"}, "user_rating"),
    ({"user_rating": "none"}, "user_rating"),
    ({"user_note": 5}, "user_note"),
    ({"tags": "mix"}, "tags"),
    ({"tags": None}, "tags"),
    ({"tags": ["ok", 3]}, "tags.1"),
    ({"tags": ["x" * 201]}, "tags.0"),
    ({"is_favorite": True, "rating": "like"}, "rating"),
    ({"is_favorite": True, "name": "Renamed"}, "name"),
    ({"user_note": "take\x00two"}, "user_note"),
])
def test_a_refused_patch_names_the_field_and_changes_nothing(app, client, editor, body, field):
    sid = seed(client, "Song", tags=["a"])["Song"]
    with app.app_context():
        before = table_rows()
    response = editor.patch(f"/api/sessions/{sid}/metadata", json=body)
    assert response.status_code == 422
    assert field in [problem["path"] for problem in response.json["error"]["details"]]
    with app.app_context():
        assert table_rows() == before
        assert db.session.scalar(select(Session.metadata_updated_at)) is None


@pytest.mark.parametrize("data", ["[true]", "not json", '"is_favorite"', ""])
def test_a_patch_that_is_not_a_json_object_is_malformed(client, editor, data):
    sid = seed(client, "Song")["Song"]
    response = editor.patch(f"/api/sessions/{sid}/metadata", data=data, content_type="application/json")
    assert response.status_code == 400 and "JSON object" in response.json["error"]["message"]


def test_unknown_and_trashed_sessions_are_not_found(client, editor):
    sid = seed(client, "Song")["Song"]
    assert client.delete(f"/api/session-stats/{sid}").status_code == 200
    for missing in ("no-such-session", sid):
        for response in (client.get(f"/api/sessions/{missing}/stats"),
                         editor.patch(f"/api/sessions/{missing}/metadata", json={"is_favorite": True}),
                         editor.post(f"/api/sessions/{missing}/stats/refresh")):
            assert response.status_code == 404
            assert response.json["error"] == {"code": "not_found", "message": f"No live session has id {missing!r}.",
                                              "details": []}
    assert client.get("/api/sessions/").json == {"sessions": [], "total_count": 0, "limit": 100, "offset": 0}


def test_roles(auth, client):
    sid = seed(client, "Song")["Song"]
    nobody, viewer, editor = auth.app.test_client(), auth.client(token_role="viewer"), auth.client(token_role="editor")
    wrong = auth.client(token="not-a-token")
    reads = ("/api/sessions/", f"/api/sessions/{sid}/stats", "/api/sessions/recent/liked", "/api/openapi.json")
    for url in reads:
        for caller in (nobody, wrong):
            response = caller.get(url)
            assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
        assert viewer.get(url).status_code == 200
    writes = [("patch", f"/api/sessions/{sid}/metadata", {"is_favorite": True}),
              ("post", f"/api/sessions/{sid}/stats/refresh", None)]
    for method, url, body in writes:
        assert getattr(nobody, method)(url, json=body).status_code == 401
        denied = getattr(viewer, method)(url, json=body)
        assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
        assert getattr(editor, method)(url, json=body).status_code == 200
    signed_in = auth.client("viewer")
    assert signed_in.get("/api/sessions/").status_code == 200
    assert signed_in.patch(f"/api/sessions/{sid}/metadata", json={}).status_code == 403


def test_recently_liked_sessions_come_most_recently_liked_first(client, editor):
    ids = seed(client, *(f"S{n:02}" for n in range(14)))
    liking = ["S05", "S01", "S13", "S02", "S08", "S09", "S00", "S11", "S03", "S07", "S12", "S04"]
    for name in liking:
        editor.patch(f"/api/sessions/{ids[name]}/metadata", json={"is_favorite": True})
    editor.patch(f"/api/sessions/{ids['S04']}/metadata", json={"is_favorite": False})
    editor.patch(f"/api/sessions/{ids['S05']}/metadata", json={"user_note": "Liked again."})
    liked = client.get("/api/sessions/recent/liked").json
    expected = ["S05", "S12", "S07", "S03", "S11", "S00", "S09", "S08", "S02", "S13", "S01"]
    assert (liked["total_count"], liked["limit"], liked["offset"]) == (11, 10, 0)
    assert [s["name"] for s in liked["sessions"]] == expected[:10]
    rest = client.get("/api/sessions/recent/liked?limit=5&offset=10").json
    assert [s["name"] for s in rest["sessions"]] == expected[10:]
    assert all(s["metadata"]["is_favorite"] for s in liked["sessions"])
    for query in ("limit=0", "limit=501", "offset=-1", "liked=true"):
        response = client.get(f"/api/sessions/recent/liked?{query}")
        assert response.status_code == 422 and response.json["error"]["details"][0]["path"] == query.split("=")[0]


def test_the_tokens_page_links_the_api_document(auth):
    admin = auth.client("admin")
    page = BeautifulSoup(admin.get("/settings/tokens").data, "html.parser")
    link = page.find("a", string="its OpenAPI document")
    document = admin.get(link["href"])
    assert document.status_code == 200 and document.json["openapi"] == "3.1.0"


def test_a_nul_character_is_refused_in_words_the_address_and_bodies(client, editor):
    sid = seed(client, "Song")["Song"]
    refused = editor.patch(f"/api/sessions/{sid}/metadata", json={"tags": ["mix\x00"]})
    assert refused.json["error"]["details"] == [{"path": "tags.0", "message": "must not contain a NUL character"}]
    for url in ("/api/sessions/?q=vocal%00", "/api/sessions/?artist=%00", "/sessions?q=%00", f"/api/sessions/{sid}%00/stats"):
        response = client.get(url)
        assert response.status_code == 400, url
    assert client.get("/api/sessions/?q=vocal%00").json["error"]["code"] == "bad_request"


def test_name_and_bpm_edited_by_hand_survive_refreshes_until_reset(app, client, editor, tmp_path):
    path = write_project(tmp_path / "Song.rpp", ("Vox", [REAEQ]))
    assert scan(app, path) == "succeeded"
    sid = session_id(app, path=str(path))
    from_file = client.get(f"/api/session-stats/{sid}").json
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    for field, value in (("name", "Song (final vocal)"), ("bpm", "96")):
        assert client.patch(f"/sessions/{sid}/fields/{field}", data={"value": value}, headers=HX).status_code == 200
    client.patch(f"/api/sessions/{sid}/metadata", json={"is_favorite": True})

    path.write_text(path.read_text().replace("TEMPO 120", "TEMPO 140"))
    assert editor.post(f"/api/sessions/{sid}/stats/refresh").json["source"] == "file"
    assert scan(app, path) == "succeeded"
    ingest(client, {"fingerprint": from_file["fingerprint"], "name": "Pushed over the API", "isFavorite": False})
    wire = client.get(f"/api/session-stats/{sid}").json
    assert (wire["name"], wire["bpm"], wire["isFavorite"]) == ("Song (final vocal)", 96, True)

    page = BeautifulSoup(client.get(f"/sessions/{sid}").data, "html.parser")
    assert page.select_one("#field-name .edited") and page.select_one("#field-bpm .edited")
    assert page.select_one("#field-artist .edited") is None
    reset = page.select_one("#field-name button.reset")
    assert reset.get_text(strip=True) == "Use the file’s value (Pushed over the API)"
    assert page.select_one("#field-bpm button.reset").get_text(strip=True) == "Use the file’s value (140.0)"

    response = client.post(reset["hx-post"], headers=HX)
    assert response.status_code == 200
    assert BeautifulSoup(response.data, "html.parser").select_one(".value").get_text() == "Pushed over the API"
    ingest(client, {"fingerprint": from_file["fingerprint"], "name": "Renamed in the DAW"})
    assert client.get(f"/api/session-stats/{sid}").json["name"] == "Renamed in the DAW"
    assert client.get(f"/api/session-stats/{sid}").json["bpm"] == 96
    # A field never edited has nothing to reset: asking changes nothing.
    assert client.post(f"/sessions/{sid}/fields/artist/reset", headers=HX).status_code == 200
    after = BeautifulSoup(client.get(f"/sessions/{sid}").data, "html.parser")
    assert after.select_one("#field-name .edited") is None and after.select_one("#field-bpm .edited")
