"""Entering a session by hand: validated on the server, saved with the source type manual."""
from bs4 import BeautifulSoup

from tests.auth import csrf_token
from tests.helpers import row_counts


def test_a_form_with_mistakes_saves_nothing_and_says_where(app, auth):
    editor = auth.client("editor")
    with app.app_context():
        before = row_counts()
    response = editor.post("/sessions/new", data={
        "csrf_token": csrf_token(editor), "name": "", "bpm": "fast", "date": "soon", "sample_rate": "44.1k",
        "track-0-name": "Vox", "track-0-plugins": "Pro-Q 3 | FabFilter\n | Waves", "track-0-type": "drums",
        "track-3-name": "Bass"})
    assert response.status_code == 422
    page = BeautifulSoup(response.data, "html.parser")
    errors = {error.find_parent(class_="field").label["for"]: error.get_text() for error in page.select(".error")}
    assert set(errors) == {"name", "bpm", "date", "sample_rate", "track-0-plugins", "track-0-type"}
    # In words of its own, not the form library's.
    assert errors["bpm"] == "Type a number, such as 120 or 92.5."
    assert errors["sample_rate"] == "Type a whole number, such as 48000."
    assert errors["track-0-type"] == "Choose one of the listed values."
    # The key field offers the 24 keys, the tags field the tags in use.
    assert len(page.select("#musical-keys option")) == 24 and page.select_one("#key")["list"] == "musical-keys"
    assert page.select_one("#tags")["list"] == "known-tags"
    assert errors["track-0-plugins"].startswith("Line 2")
    # A browser drops the line break that opens a textarea's content (WTForms writes one).
    assert page.select_one("#track-0-plugins").get_text().removeprefix("\r\n") == "Pro-Q 3 | FabFilter\n | Waves"
    # Rows are numbered again from 0 in their order.
    assert page.select_one("#track-1-name")["value"] == "Bass"
    with app.app_context():
        assert row_counts() == before


def test_a_valid_form_becomes_a_manual_session(auth, client):
    editor = auth.client("editor")
    response = editor.post("/sessions/new", data={
        "csrf_token": csrf_token(editor), "name": "Kitchen Demo", "artist": "Ada", "date": "2024-05-31",
        "sample_rate": "48000", "bpm": "88.5", "tags": "demo, voice memo ,", "notes": "phone",
        "track-0-name": "Guitar", "track-0-type": "audio", "track-0-plugins": "Pro-Q 3 | FabFilter | 3.24 | VST3\nEchoBoy",
        "track-2-name": "Vox", "track-2-plugins": ""})
    assert response.status_code == 302
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    session = client.get(f"/api/session-stats/{session_id}").get_json()
    assert (session["name"], session["artist"], session["sampleRate"], session["bpm"], session["tags"]) == \
        ("Kitchen Demo", "Ada", 48000, 88.5, ["demo", "voice memo"])
    assert session["createdAt"].startswith("2024-05-31")
    assert [t["name"] for t in session["tracks"]] == ["Guitar", "Vox"]
    assert [p["name"] for p in session["tracks"][0]["plugins"]] == ["Pro-Q 3", "EchoBoy"]
    assert session["tracks"][0]["plugins"][0]["format"] == "VST3"
    assert [s["type"] for s in session["sources"]] == ["manual"]


def test_rows_come_one_at_a_time_with_the_next_button(auth):
    editor = auth.client("editor")
    page = BeautifulSoup(editor.get("/sessions/new").data, "html.parser")
    assert page.select_one("#add-track")["hx-get"] == "/sessions/new/track?index=1"
    row = BeautifulSoup(editor.get("/sessions/new/track?index=1", headers={"HX-Request": "true"}).data,
                        "html.parser")
    assert row.select_one("fieldset")["id"] == "track-1"
    assert row.select_one("#add-track")["hx-get"] == "/sessions/new/track?index=2"
    assert row.select_one("#add-track")["hx-swap-oob"] == "true"


def test_plugin_lines_name_a_known_format_in_at_most_four_parts_and_the_daw_comes_from_a_list(app, auth):
    editor = auth.client("editor")
    with app.app_context():
        before = row_counts()
    response = editor.post("/sessions/new", data={
        "csrf_token": csrf_token(editor), "name": "Typos", "daw": "Reeper",
        "track-0-name": "Vox", "track-0-plugins": "Pro-Q 3 | FabFilter | 3.24 | VST9\nEchoBoy | Soundtoys | 5 | AU | x"})
    assert response.status_code == 422
    page = BeautifulSoup(response.data, "html.parser")
    plugin_errors = [error.get_text() for error in page.select("#track-0 .error")]
    assert plugin_errors == [
        "Line 1: 'VST9' is not a plugin format; use one of AAX Native, AAX DSP, AudioSuite, VST2, VST3, AU, CLAP, JS, "
        "LV2, DX, built-in.",
        "Line 2: has 5 parts; a plugin line has at most 4: name | vendor | version | format."]
    assert "Choose a DAW from the list" in page.select_one("#daw").find_parent(class_="field").get_text()
    assert [option["value"] for option in page.select("#daw option")][:3] == ["", "Ableton Live", "Bitwig Studio"]
    with app.app_context():
        assert row_counts() == before


def test_a_format_is_spelt_as_the_index_spells_it_and_a_date_without_a_time_shows_as_a_day(auth, client):
    editor = auth.client("editor")
    response = editor.post("/sessions/new", data={
        "csrf_token": csrf_token(editor), "name": "Day only", "daw": "REAPER", "date": "2024-05-31",
        "track-0-name": "Vox", "track-0-plugins": "ReaEQ | Cockos | | vst3"})
    assert response.status_code == 302
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    session = client.get(f"/api/session-stats/{session_id}").get_json()
    assert session["daw"] == "REAPER" and session["tracks"][0]["plugins"][0]["format"] == "VST3"
    facts = BeautifulSoup(client.get(f"/sessions/{session_id}").data, "html.parser").select_one("#facts")
    assert "Date2024-05-31" in facts.get_text("", strip=True).replace("\n", "")
    assert "00:00" not in facts.get_text()
    timed = editor.post("/sessions/new", data={"csrf_token": csrf_token(editor), "name": "Timed", "date": "2024-05-31",
                                               "time": "14:30", "track-0-name": "Vox"})
    timed_id = timed.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/api/session-stats/{timed_id}").get_json()["createdAt"] == "2024-05-31T14:30:00Z"
