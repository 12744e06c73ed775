"""Editing a session from its page: each PATCH saves at once; a refused value saves nothing."""
import pytest
from bs4 import BeautifulSoup

from tests.auth import csrf_token
from tests.helpers import ingest, table_rows

HX = {"HX-Request": "true"}


@pytest.fixture
def editor(auth, client):
    ingest(client, {"name": "Take Five", "fingerprint": "t", "artist": "Quartet", "tags": ["jazz"], "bpm": 172})
    editor = auth.client("editor")
    editor.session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    editor.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(editor)
    return editor


def stored(client, session_id):
    return client.get(f"/api/session-stats/{session_id}").get_json()


def test_a_field_is_edited_in_place_and_saved(editor, client):
    sid = editor.session_id
    form = BeautifulSoup(editor.get(f"/sessions/{sid}/fields/artist/edit", headers=HX).data, "html.parser")
    assert form.form["hx-patch"] == f"/sessions/{sid}/fields/artist"
    assert form.select_one("#edit-artist")["value"] == "Quartet"

    response = editor.patch(f"/sessions/{sid}/fields/artist", data={"value": "  The Quartet "}, headers=HX)
    view = BeautifulSoup(response.data, "html.parser")
    assert response.status_code == 200
    assert view.select_one(".value").get_text() == "The Quartet" and view.select_one(".saved")
    assert stored(client, sid)["artist"] == "The Quartet"
    editor.patch(f"/sessions/{sid}/fields/notes", data={"value": "Brushes on the bridge"}, headers=HX)
    assert stored(client, sid)["notes"] == "Brushes on the bridge"
    assert BeautifulSoup(client.get("/sessions?q=brushes").data, "html.parser").select("#sessions tbody a")
    editor.patch(f"/sessions/{sid}/fields/artist", data={"value": ""}, headers=HX)
    assert "artist" not in stored(client, sid)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("bpm", "fast", "BPM must be a number"), ("bpm", "-1", "BPM must be a number above 0"),
    ("name", "", "Name is required"), ("name", "x" * 1001, "Name must be at most 1000 characters long"),
])
def test_a_refused_value_shows_its_reason_and_saves_nothing(app, editor, field, value, reason):
    with app.app_context():
        before = table_rows()
    response = editor.patch(f"/sessions/{editor.session_id}/fields/{field}", data={"value": value}, headers=HX)
    assert response.status_code == 422
    page = BeautifulSoup(response.data, "html.parser")
    assert reason in page.select_one(f"#error-{field}").get_text()
    assert page.select_one(f"#edit-{field}")["aria-invalid"] == "true"
    with app.app_context():
        assert table_rows() == before


def test_tags_flags_and_rating(editor, client):
    sid = editor.session_id
    editor.patch(f"/sessions/{sid}/tags", data={"add": "live"}, headers=HX)
    editor.patch(f"/sessions/{sid}/tags", data={"add": "live"}, headers=HX)
    response = editor.patch(f"/sessions/{sid}/tags", data={"remove": "jazz"}, headers=HX)
    assert [a.get_text() for a in BeautifulSoup(response.data, "html.parser").select(".tag a")] == ["live"]
    assert stored(client, sid)["tags"] == ["live"]
    assert editor.patch(f"/sessions/{sid}/tags", data={"add": "x" * 1001}, headers=HX).status_code == 422

    editor.patch(f"/sessions/{sid}/flags", data={"is_favorite": "1", "is_complete": "1"}, headers=HX)
    response = editor.patch(f"/sessions/{sid}/flags", data={"rating": "like"}, headers=HX)
    flags = BeautifulSoup(response.data, "html.parser")
    assert flags.select_one("#flag-is_favorite")["aria-pressed"] == "true"
    assert flags.select_one("#rating-like")["aria-pressed"] == "true"
    session = stored(client, sid)
    assert (session["isFavorite"], session["isComplete"], session["isTest"], session["rating"]) == \
        (True, True, False, "like")
    assert editor.patch(f"/sessions/{sid}/flags", data={"rating": "love"}, headers=HX).status_code == 422
    editor.patch(f"/sessions/{sid}/flags", data={"rating": "none", "is_favorite": "0"}, headers=HX)
    assert "rating" not in stored(client, sid) and stored(client, sid)["isFavorite"] is False


def test_edits_need_an_editor_and_a_live_session(auth, editor, client):
    sid = editor.session_id
    viewer = auth.client("viewer")
    page = BeautifulSoup(viewer.get(f"/sessions/{sid}").data, "html.parser")
    assert not page.select("button.edit") and page.select_one("#flag-is_favorite").has_attr("disabled")
    assert BeautifulSoup(editor.get(f"/sessions/{sid}").data, "html.parser").select("button.edit")
    assert editor.get(f"/sessions/{sid}/fields/name").headers["Location"] == f"/sessions/{sid}"
    assert editor.get(f"/sessions/{sid}/fields/colour/edit", headers=HX).status_code == 404
    assert editor.patch(f"/sessions/{sid}/fields/key", data={"value": "Eb minor"}, headers=HX).status_code == 200
    client.delete(f"/api/session-stats/{sid}")
    assert editor.patch(f"/sessions/{sid}/fields/name", data={"value": "New"}, headers=HX).status_code == 404
    audit = BeautifulSoup(client.get("/admin/audit?action=session.edited").data, "html.parser")
    assert audit.select("tbody tr")[0].select("td")[1].get_text() == editor.username
