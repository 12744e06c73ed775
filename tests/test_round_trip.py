"""What the API gives, it takes back: every session shape, read from GET /api/session-stats and ingested again,
reads back unchanged."""
from app.sample_data import generate_sessions
from tests.auth import csrf_token
from tests.helpers import ingest

HX = {"HX-Request": "true"}
SHAPES = [
    {"id": "bare", "name": "Only a name"},
    {"id": "many-tags", "name": "Tagged", "tags": [f"Tag {n}" for n in range(500)]},
    {"id": "attributes", "name": "Attributes", "attributes": {
        "deep": [{"a": [1, 2.5, -0.0, None, True, "x"]}], "big": 2**53, "tiny": 5e-324, "unicode": "\u00e9\U0001f3b5"}},
    {"id": "usage-only", "name": "Usage", "plugins": [
        {"name": "Pro-Q 3", "vendor": "FabFilter", "count": 4, "trackCount": 2}]},
    {"id": "tracks", "name": "Tracks", "bpm": 92.5, "sampleRate": 96000, "bitDepth": 32, "key": "F#m",
     "durationSeconds": 0.001, "createdAt": "0001-01-01T00:00:00Z", "updatedAt": "9999-12-31T23:59:59Z",
     "startedAt": "2026-03-01T10:00:00Z", "endedAt": "2026-03-01T18:30:00Z", "daw": "REAPER", "dawVersion": "7.1",
     "template": "Mix", "isFavorite": True, "isTest": True, "isComplete": True, "rating": "dislike",
     "notes": "Line one\nline two", "tracks": [
         {"name": "Kick", "type": "audio", "format": "mono", "state": "muted", "notes": "Sub-heavy", "plugins": [
             {"name": "ReaEQ", "vendor": "Cockos", "format": "VST", "slot": "1", "preset": "Kick", "active": False,
              "uid": "1919247729"},
             {"name": "ReaEQ", "vendor": "Cockos", "format": "VST"}]},
         {"name": "Empty"}],
     "sources": [{"type": "archive", "path": "/a/b.rpp", "ingestedAt": "2026-03-02T00:00:00Z",
                  "extractor": "reaper"}]},
]


def everything(client) -> list[dict]:
    sessions, cursor = [], None
    while True:
        page = client.get("/api/session-stats", query_string={"limit": 1000, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        sessions += page.get_json()["sessions"]
        cursor = page.get_json()["nextCursor"]
        if cursor is None:
            return sessions


def test_every_session_read_from_the_api_ingests_back_unchanged(client):
    assert ingest(client, *SHAPES, *generate_sessions(40)).status_code == 200
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    client.patch("/sessions/tracks/fields/name", data={"value": "Renamed by hand"}, headers=HX)
    client.patch("/api/sessions/bare/metadata", json={"tags": ["Mix", "mix"], "user_rating": "like"})
    first = everything(client)

    response = ingest(client, *first)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["updated"] == len(first)
    assert everything(client) == first
    assert {s["id"]: s["name"] for s in first}["tracks"] == "Renamed by hand"
    kick = next(s for s in first if s["id"] == "tracks")["tracks"][0]["plugins"]
    assert [plugin.get("uid") for plugin in kick] == ["1919247729", None]
