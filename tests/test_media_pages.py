"""The missing-media report: the files of live sessions that are missing, by artist and folder, with CSV."""
from bs4 import BeautifulSoup

from tests.helpers import ingest


def report(client, query=""):
    page = BeautifulSoup(client.get(f"/media/missing{query}").data, "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in row.select("td")] for row in page.select("#missing-media tbody tr")]
    return page, rows


def test_the_report_lists_missing_files_filtered_by_artist_and_folder(client):
    ingest(client,
           {"name": "Harbour", "fingerprint": "h", "artist": "Lumen", "path": "/archive/2019/harbour.rpp",
            "mediaFiles": [{"path": "kick.wav", "exists": False}, {"path": "bass.wav", "exists": True},
                           {"path": "pad.wav", "offline": True}]},
           {"name": "Drift", "fingerprint": "d", "artist": "Dawn", "path": "/archive/2021/drift.rpp",
            "mediaFiles": [{"path": "/old/vox.wav", "name": "Vox", "exists": False}]},
           {"name": "Clean", "fingerprint": "c", "artist": "Dawn", "mediaFiles": [{"path": "a.wav", "exists": True}]})
    page, rows = report(client)
    assert page.select_one("#summary").get_text(" ", strip=True).startswith("3 missing files in 2 sessions")
    assert rows == [["Drift", "Dawn", "Vox", "/old/vox.wav", "not found by the last scan"],
                    ["Harbour", "Lumen", "kick.wav", "kick.wav", "not found by the last scan"],
                    ["Harbour", "Lumen", "pad.wav", "pad.wav", "offline in the session"]]
    assert [option.get_text() for option in page.select("#artist option")] == ["every artist", "Lumen (2)", "Dawn (1)"]
    assert [row[0] for row in report(client, "?artist=Lumen")[1]] == ["Harbour", "Harbour"]
    assert [row[0] for row in report(client, "?folder=/archive/2021/")[1]] == ["Drift"]
    assert report(client, "?folder=/nowhere")[1] == [["No missing file matches: clear the folder or the artist."]]
    assert client.get("/media/missing?page=0").status_code == 400
    partial = client.get("/media/missing?artist=Dawn", headers={"HX-Request": "true"})
    assert BeautifulSoup(partial.data, "html.parser").select_one("h1") is None

    ingest(client, {"name": "Drift", "fingerprint": "d", "mediaFiles": [{"path": "/old/vox.wav", "exists": True}]})
    page, rows = report(client)
    assert [row[0] for row in rows] == ["Harbour", "Harbour"]
    assert page.select_one("#summary").get_text(" ", strip=True).startswith("2 missing files in 1 session")
    client.delete(f"/api/session-stats/{client.get('/api/sessions/?q=harbour').get_json()['sessions'][0]['session_id']}")
    page, rows = report(client)
    assert rows == [["No missing media files: every file the sessions name was found, or none was looked for yet."]]
    assert page.select_one("#csv-link") is None
