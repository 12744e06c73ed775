"""People credited on sessions: in the wire format, read from files, edited on the session page, filtered and
faceted, and listed on the People page."""
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app.extractors import extract_file
from app.extractors.names import credits_of
from tests.auth import csrf_token
from tests.helpers import ingest

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
MARA = {"name": "Mara Quist", "role": "producer"}


def session_ids(client) -> dict[str, str]:
    return {s["name"]: s["id"] for s in client.get("/api/session-stats").get_json()["sessions"]}


def test_credits_travel_in_the_wire_format_and_bad_ones_are_refused(client):
    assert ingest(client, {"name": "Alpha", "credits": [MARA, {"name": " Tom  Hale ", "role": "mix engineer"}]}
                  ).status_code == 200
    [alpha] = client.get("/api/session-stats").get_json()["sessions"]
    assert alpha["credits"] == [MARA, {"name": "Tom Hale", "role": "mix engineer"}]
    for credits, path in (([{"name": "X", "role": "boss"}], "sessions[0].credits[0].role"),
                          ([{"name": " ", "role": "writer"}], "sessions[0].credits[0].name"),
                          ([MARA, dict(MARA, name="mara quist")], "sessions[0].credits")):
        answer = ingest(client, {"name": "Bravo", "credits": credits})
        assert answer.status_code == 422
        assert path in [detail["path"] for detail in answer.get_json()["error"]["details"]]
    assert set(session_ids(client)) == {"Alpha"}


def test_files_that_name_people_give_credits():
    assert credits_of({"artist": "Lumen feat. Mara Quist & Tom Hale", "writer": "A. Writer; B. Writer"}) == [
        credit for credit in credits_of({"artist": "Lumen"})] + credits_of(
        {"featured artist": "Mara Quist; Tom Hale", "writer": "A. Writer / B. Writer"})
    assert [c.name for c in credits_of({"artist": "Earth, Wind & Fire"})] == ["Earth, Wind & Fire"]
    fl = extract_file(CORPUS / "flp" / "pyflp_FL_20.8.4.flp")
    assert [(c.name, c.role) for c in fl.credits] == [("demberto", "artist")]
    songs = {path.name: extract_file(path) for path in (CORPUS / "song").glob("*.song")}
    assert [(c.name, c.role) for c in songs["paulomouat_test-song.song"].credits] == [("Paulo Mouat", "artist")]


def test_editors_credit_people_on_the_session_page_and_the_edit_survives_the_file(app, client, auth):
    ingest(client, {"name": "Alpha", "fingerprint": "alpha", "credits": [MARA]})
    alpha = session_ids(client)["Alpha"]
    editor = auth.client("editor")
    token = csrf_token(editor)
    added = editor.patch(f"/sessions/{alpha}/credits", data={"name": "Tom Hale", "role": "engineer",
                                                              "csrf_token": token})
    assert added.status_code == 200
    region = BeautifulSoup(added.data, "html.parser")
    assert [a.get_text() for a in region.select(".credit a")] == ["Mara Quist", "Tom Hale"]
    refused = editor.patch(f"/sessions/{alpha}/credits", data={"name": "Tom Hale", "role": "boss", "csrf_token": token})
    assert refused.status_code == 422 and "role" in refused.get_data(as_text=True)
    removed = editor.patch(f"/sessions/{alpha}/credits", data={"remove_name": "Mara Quist", "remove_role": "producer",
                                                                "csrf_token": token})
    assert [a.get_text() for a in BeautifulSoup(removed.data, "html.parser").select(".credit a")] == ["Tom Hale"]
    # The file is read again with its own credits: the edit stays.
    ingest(client, {"name": "Alpha", "fingerprint": "alpha", "credits": [MARA, {"name": "Z", "role": "writer"}]})
    assert client.get(f"/api/session-stats/{alpha}").get_json()["credits"] == [{"name": "Tom Hale", "role": "engineer"}]
    viewer = auth.client("viewer")
    assert viewer.patch(f"/sessions/{alpha}/credits", data={"name": "X", "role": "writer",
                                                             "csrf_token": csrf_token(viewer)}).status_code == 403
    page = BeautifulSoup(viewer.get(f"/sessions/{alpha}").data, "html.parser")
    assert page.select_one("#credits form") is None and "Tom Hale" in page.select_one("#credits").get_text()


def test_person_and_role_filter_and_facet_the_sessions(client):
    ingest(client, {"name": "Alpha", "credits": [MARA, {"name": "Tom Hale", "role": "engineer"}]},
           {"name": "Bravo", "credits": [{"name": "Mara Quist", "role": "mix engineer"}]}, {"name": "Charlie"})
    listed = client.get("/api/sessions/", query_string={"person": "mara quist"}).get_json()
    assert sorted(s["name"] for s in listed["sessions"]) == ["Alpha", "Bravo"]
    listed = client.get("/api/sessions/", query_string={"person": "Mara Quist", "role": "producer"}).get_json()
    assert [s["name"] for s in listed["sessions"]] == ["Alpha"]
    page = BeautifulSoup(client.get("/sessions/facets").data, "html.parser")
    people = page.select_one('.facet[data-facet="person"]').get_text(" ", strip=True)
    assert "Mara Quist 2" in people and "Tom Hale 1" in people
    roles = BeautifulSoup(client.get("/sessions/facets?person=Mara+Quist").data, "html.parser").select_one(
        '.facet[data-facet="role"]').get_text(" ", strip=True)
    assert "producer 1" in roles and "mix engineer 1" in roles


@pytest.mark.parametrize("role, expected", [(None, {"Mara Quist": "2", "Tom Hale": "1"}), ("engineer", {"Tom Hale": "1"})])
def test_the_people_page_lists_each_person_with_their_roles(client, role, expected):
    ingest(client, {"name": "Alpha", "credits": [MARA, {"name": "Tom Hale", "role": "engineer"}]},
           {"name": "Bravo", "credits": [{"name": "Mara Quist", "role": "mix engineer"}]})
    page = BeautifulSoup(client.get("/people", query_string={"role": role} if role else {}).data, "html.parser")
    rows = {row.select("td")[0].get_text(strip=True): row for row in page.select("#people tbody tr")}
    assert {name: row.select("td")[1].get_text(strip=True) for name, row in rows.items()} == expected
    if role is None:
        assert rows["Mara Quist"].select("td")[2].get_text(" ", strip=True) == "mix engineer 1 , producer 1"
    assert client.get("/people?role=boss").status_code == 400


def test_the_metadata_api_replaces_the_credits_and_answers_them(client):
    ingest(client, {"name": "Alpha", "credits": [MARA]})
    alpha = session_ids(client)["Alpha"]
    answer = client.patch(f"/api/sessions/{alpha}/metadata", json={"credits": [{"name": "Tom Hale", "role": "writer"}]})
    assert answer.status_code == 200
    assert answer.get_json()["credits"] == [{"name": "Tom Hale", "role": "writer"}]
    refused = client.patch(f"/api/sessions/{alpha}/metadata", json={"credits": [{"name": "X", "role": "boss"}]})
    assert refused.status_code == 422
    assert client.get(f"/api/session-stats/{alpha}").get_json()["credits"] == [{"name": "Tom Hale", "role": "writer"}]
