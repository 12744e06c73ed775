"""POST/GET /api/session-stats: the ingest contract, merge rules, trash and errors."""
import gc
import random
import string
import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Session, SessionPlugin
from app.services.derived import check_derived
from app.services.queries import SessionQuery, count_sessions
from tests.auth import csrf_token
from tests.helpers import SEED_EXAMPLE, ingest, row_counts, table_rows
from tests.postgres import someone_waits_for_a_lock


def read_all(client):
    response = client.get("/api/session-stats")
    assert response.status_code == 200
    return response.get_json()


def test_seed_example_round_trip(client):
    response = client.post("/api/session-stats", json=SEED_EXAMPLE)
    assert response.status_code == 200
    result = response.get_json()
    assert (result["inserted"], result["updated"], result["trashed"]) == (1, 0, 0)

    data = read_all(client)
    assert len(data["sessions"]) == 1
    session = data["sessions"][0]
    assert session["fingerprint"] == "|Session A|"
    assert session["id"] == result["insertedIds"][0]
    assert (session["name"], session["artist"], session["project"]) == ("Session A", "Artist X", "Project Y")
    [track] = session["tracks"]
    assert track["name"] == "Lead Vocal" and track["id"]
    assert track["plugins"] == [{"pluginId": "fabfilter|fabfilter pro-q 3||", "name": "FabFilter Pro-Q 3",
                                 "vendor": "FabFilter"}]
    assert session["plugins"] == [{
        "pluginId": "fabfilter|fabfilter pro-q 3||", "name": "FabFilter Pro-Q 3", "vendor": "FabFilter",
        "count": 1, "trackCount": 1,
    }]
    stamp = data["lastIngestedAt"]
    assert stamp.endswith("Z")
    assert datetime.fromisoformat(stamp).utcoffset().total_seconds() == 0
    assert client.get(f"/api/session-stats/{session['id']}").get_json() == session


def test_same_request_twice_keeps_one_session(client):
    first = client.post("/api/session-stats", json=SEED_EXAMPLE).get_json()
    second = client.post("/api/session-stats", json=SEED_EXAMPLE).get_json()
    assert (second["inserted"], second["updated"]) == (0, 1)
    assert second["updatedIds"] == first["insertedIds"]
    sessions = read_all(client)["sessions"]
    assert len(sessions) == 1
    assert len(sessions[0]["tracks"]) == 1
    assert sessions[0]["plugins"][0]["count"] == 1


def test_absent_fields_keep_stored_values(client):
    ingest(client, {"name": "S", "fingerprint": "f", "artist": "A", "tags": ["mix", "vocals"], "bpm": 92.5,
                    "isFavorite": True, "tracks": [{"name": "Kick", "plugins": [{"name": "EQ"}]}]})
    ingest(client, {"name": "S", "fingerprint": "f", "notes": "second pass"})
    [session] = read_all(client)["sessions"]
    assert session["tags"] == ["mix", "vocals"]
    assert (session["artist"], session["bpm"], session["isFavorite"]) == ("A", 92.5, True)
    assert session["notes"] == "second pass"
    assert [t["name"] for t in session["tracks"]] == ["Kick"]
    assert session["plugins"][0]["pluginId"] == "|eq||"


def test_present_fields_replace_and_null_clears(client):
    ingest(client, {"name": "S", "fingerprint": "f", "artist": "A", "tags": ["a", "b"]})
    ingest(client, {"name": "S", "fingerprint": "f", "artist": None, "tags": ["c"]})
    [session] = read_all(client)["sessions"]
    assert "artist" not in session
    assert session["tags"] == ["c"]


def test_tracks_present_replace_tracks_and_rederive_usage(client, app):
    ingest(client, {"name": "S", "fingerprint": "f", "tracks": [
        {"name": "A", "plugins": [{"name": "Comp"}, {"name": "Comp"}]},
        {"name": "B", "plugins": [{"name": "Comp"}, {"name": "Verb", "vendor": "V"}]},
    ]})
    [session] = read_all(client)["sessions"]
    usage = {p["pluginId"]: (p["count"], p["trackCount"]) for p in session["plugins"]}
    assert usage == {"|comp||": (3, 2), "v|verb||": (1, 1)}

    ingest(client, {"name": "S", "fingerprint": "f", "tracks": [{"name": "C", "plugins": [{"name": "EQ"}]}]})
    [session] = read_all(client)["sessions"]
    assert [t["name"] for t in session["tracks"]] == ["C"]
    assert [(p["pluginId"], p["count"], p["trackCount"]) for p in session["plugins"]] == [("|eq||", 1, 1)]
    with app.app_context():
        assert row_counts()["track_plugins"] == 1
        assert row_counts()["session_plugins"] == 1


def test_given_plugin_usage_is_kept(client):
    usage = [{"pluginId": "Avid|EQ3|1|AAX", "name": "EQ3", "vendor": "Avid", "count": 7, "trackCount": 3}]
    ingest(client, {"name": "S", "fingerprint": "f", "plugins": usage,
                    "tracks": [{"name": "A", "plugins": [{"name": "EQ3", "vendor": "Avid"}]}]})
    [session] = read_all(client)["sessions"]
    assert [(p["pluginId"], p["count"], p["trackCount"]) for p in session["plugins"]] == [("avid|eq3|1|aax", 7, 3)]
    # A later ingest with neither tracks nor plugins leaves the usage alone.
    ingest(client, {"name": "S", "fingerprint": "f", "notes": "n"})
    assert read_all(client)["sessions"][0]["plugins"][0]["count"] == 7


def test_plugin_usage_lists_the_most_used_first_then_by_id(client):
    usage = [{"pluginId": f"v|{name}||", "name": name, "vendor": "V", "count": count, "trackCount": 1}
             for name, count in (("b", 1), ("a", 1), ("d", 5), ("c", 2))]
    ingest(client, {"name": "S", "fingerprint": "f", "plugins": usage})
    [session] = read_all(client)["sessions"]
    assert [p["pluginId"] for p in session["plugins"]] == ["v|d||", "v|c||", "v|a||", "v|b||"]
    assert [p["pluginId"] for p in client.get(f"/api/session-stats/{session['id']}").get_json()["plugins"]] == \
        ["v|d||", "v|c||", "v|a||", "v|b||"]


def test_rollup_carries_the_session_date(client, app):
    ingest(client, {"name": "S", "fingerprint": "f", "createdAt": "2024-01-02T03:04:05Z",
                    "tracks": [{"name": "A", "plugins": [{"name": "EQ"}]}]})
    ingest(client, {"name": "S", "fingerprint": "f", "createdAt": "2025-06-01T00:00:00+02:00"})
    with app.app_context():
        dates = db.session.scalars(select(SessionPlugin.session_created_at)).all()
    assert [d.isoformat() for d in dates] == ["2025-05-31T22:00:00+00:00"]
    assert read_all(client)["sessions"][0]["createdAt"] == "2025-05-31T22:00:00Z"


def test_replace_trashes_the_rest_and_restore_brings_it_back(client):
    first_id = client.post("/api/session-stats", json=SEED_EXAMPLE).get_json()["insertedIds"][0]
    response = ingest(client, {"name": "Session B"}, action="replaceSessions")
    assert response.status_code == 200
    result = response.get_json()
    assert (result["inserted"], result["trashed"], result["trashedIds"]) == (1, 1, [first_id])
    assert [s["name"] for s in read_all(client)["sessions"]] == ["Session B"]
    trashed = client.get(f"/api/session-stats/{first_id}")
    assert trashed.status_code == 404 and trashed.get_json()["error"]["code"] == "trashed"

    restored = client.post(f"/api/session-stats/{first_id}/restore")
    assert restored.status_code == 200
    assert restored.get_json()["tracks"][0]["name"] == "Lead Vocal"
    assert sorted(s["name"] for s in read_all(client)["sessions"]) == ["Session A", "Session B"]
    assert client.post(f"/api/session-stats/{first_id}/restore").status_code == 404


def test_ingesting_a_trashed_session_brings_it_back(client):
    ingest(client, {"name": "A"}, {"name": "B"})
    ingest(client, {"name": "B"}, action="replaceSessions")
    result = ingest(client, {"name": "A"}).get_json()
    assert result["updated"] == 1
    assert sorted(s["name"] for s in read_all(client)["sessions"]) == ["A", "B"]


def test_single_session_payload(client):
    response = client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"name": "Solo"}})
    assert response.get_json()["inserted"] == 1
    assert read_all(client)["sessions"][0]["fingerprint"] == "|Solo|"


def test_given_ids_are_kept_and_conflicts_refused(client, app):
    ingest(client, {"id": "s-1", "name": "A", "tracks": [{"id": "t-1", "name": "Kick"}]})
    [session] = read_all(client)["sessions"]
    assert (session["id"], session["tracks"][0]["id"]) == ("s-1", "t-1")
    with app.app_context():
        before = table_rows()

    taken = ingest(client, {"id": "s-1", "name": "Another"})
    assert taken.status_code == 409
    assert taken.get_json()["error"]["details"][0]["path"] == "sessions[0].id"
    renamed = ingest(client, {"id": "s-2", "name": "A"})
    assert renamed.status_code == 409
    with app.app_context():
        assert table_rows() == before


@pytest.mark.parametrize(("body", "status", "paths"), [
    (b"{not json", 400, []),
    (b'{"action": "ingestSessions", "payload": {"name": "x", "bpm": NaN}}', 400, []),
    (b"[]", 400, []),
    (b'{"action": "deleteEverything", "payload": {}}', 400, ["action"]),
    (b'{"action": "ingestSessions", "payload": []}', 422, ["payload"]),
    (b'{"action": "replaceSessions", "payload": {}}', 422, ["payload"]),
    (b'{"action": "ingestSessions", "payload": {"sessions": [{"name": "ok"}, {"artist": "no name"}]}}',
     422, ["sessions[1].name"]),
    (b'{"action": "ingestSessions", "payload": {"sessions": [{"name": "x", "tracks": [{"name": "a"}, {"name": "b"},'
     b' {"name": "c", "plugins": [{"name": 5}]}]}]}}', 422, ["sessions[0].tracks[2].plugins[0].name"]),
    (b'{"action": "ingestSessions", "payload": {"sessions": [{"name": "x", "sampleRate": "48000"}]}}',
     422, ["sessions[0].sampleRate"]),
    (b'{"action": "ingestSessions", "payload": {"sessions": [{"name": "x", "plugins": [{"name": "p", "count": -1,'
     b' "trackCount": 0}]}]}}', 422, ["sessions[0].plugins[0].count"]),
    (b'{"action": "ingestSessions", "payload": {"sessions": [{"name": "x"}, {"name": "x"}]}}',
     422, ["sessions[1].fingerprint"]),
    (b'{"action": "ingestSessions", "payload": {"sessions": [{"name": "x", "plugins": ['
     b'{"name": "P", "count": 1, "trackCount": 1}, {"name": "p", "count": 2, "trackCount": 1}]}]}}',
     422, ["sessions[0].plugins[1].pluginId"]),
    (b'{"action": "replaceSessions", "payload": [{"name": "ok"}, {"name": ""}]}', 422, ["[1].name"]),
    (b'{"action": "ingestSessions", "payload": {"tracks": [{"name": 1}]}}', 422, ["name", "tracks[0].name"]),
    # Within the characters allowed, beyond the bytes the index takes (each "\u00e9" is two bytes).
    (b'{"action": "ingestSessions", "payload": {"name": "x", "fingerprint": "' + "\u00e9".encode() * 1400 + b'"}}',
     422, ["fingerprint"]),
    # Names the index holds: at most 1,000 bytes (each "\u4e00" is three), lower-cased too ("\u0130" is two bytes,
    # three lower-cased); a plugin's version and format at most 200.
    (b'{"action": "ingestSessions", "payload": {"name": "x", "artist": "' + "\u4e00".encode() * 334 + b'"}}',
     422, ["artist"]),
    (b'{"action": "ingestSessions", "payload": {"name": "x", "daw": "' + "\u0130".encode() * 400 + b'"}}',
     422, ["daw"]),
    (b'{"action": "ingestSessions", "payload": {"name": "x", "tracks": [{"name": "t", "plugins": [{"name": "p",'
     b' "vendor": "' + "\u4e00".encode() * 334 + b'", "version": "' + b"1" * 201 + b'"}]}]}}',
     422, ["tracks[0].plugins[0].vendor", "tracks[0].plugins[0].version"]),
    (b'{"action": "ingestSessions", "payload": {"name": "x", "credits": [{"name": "' + "\u4e00".encode() * 334
     + b'", "role": "producer"}]}}', 422, ["credits[0].name"]),
    # Without a fingerprint, a session is known by its path and name joined.
    (b'{"action": "ingestSessions", "payload": {"name": "x", "path": "/' + b"a" * 2600 + b'"}}', 422, ["path"]),
])
def test_invalid_payloads_change_nothing(client, app, body, status, paths):
    client.post("/api/session-stats", json=SEED_EXAMPLE)
    with app.app_context():
        before = table_rows()
    response = client.post("/api/session-stats", data=body, content_type="application/json")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    assert [d["path"] for d in error["details"]] == paths
    with app.app_context():
        assert table_rows() == before


def test_names_at_their_byte_limits_are_stored_indexed_and_counted(client, app):
    rng = random.Random(5)

    def chinese(n):  # three bytes each, and too varied for the database to compress
        return "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(n))

    def letters(n):
        return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))

    daw, tag = chinese(333), chinese(200)
    session = {"name": chinese(333), "fingerprint": "at the limits", "artist": chinese(333), "project": chinese(333),
               "daw": daw, "template": chinese(333), "tags": [tag], "createdAt": "2026-03-01T14:30:00Z",
               "credits": [{"name": chinese(333), "role": "producer"}],
               "mediaFiles": [{"path": "gone.wav", "exists": False}],
               "tracks": [{"name": "Lead", "plugins": [{"name": chinese(333), "vendor": chinese(333),
                                                        "version": letters(200), "format": letters(200)}]}]}
    response = ingest(client, session)
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        assert check_derived(db.session) == []
        assert count_sessions(db.session, SessionQuery(daw=(daw,), tag=(tag,))) == 1
    session_id = response.get_json()["insertedIds"][0]

    # The dashboard's editing takes the same rule, and says it.
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    refused = client.patch(f"/sessions/{session_id}/fields/artist", data={"value": chinese(334)})
    assert refused.status_code == 422 and "at most 1,000 bytes in UTF-8" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Session.artist).where(Session.id == session_id)) == session["artist"]


def test_collector_is_back_on_after_a_refused_payload(client):
    assert gc.isenabled()
    client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"tracks": 1}})
    client.post("/api/session-stats", json={"action": "ingestSessions",
                                            "payload": {"sessions": [{"name": "x"}, {"name": "x"}]}})
    assert gc.isenabled()


def test_too_large_body_is_refused(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    body = {"action": "ingestSessions", "payload": {"name": "x" * 900, "notes": "y" * 900}}
    response = client.post("/api/session-stats", json=body)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    with app.app_context():
        assert row_counts()["sessions"] == 0


def test_list_is_paginated_with_an_opaque_cursor(client):
    ingest(client, *({"name": f"S{i:02d}"} for i in range(25)))
    names, cursor, pages = [], None, 0
    while True:
        query = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/session-stats", query_string=query).get_json()
        names += [s["name"] for s in page["sessions"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert names == [f"S{i:02d}" for i in range(25)]


@pytest.mark.parametrize(("query", "path"), [
    ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"limit": "ten"}, "limit"),
    ({"cursor": "garbage!"}, "cursor"), ({"cursor": "eyJhZnRlciI6IC0xfQ"}, "cursor"),
    ({"limit": 10, "offset": 20}, "offset"),
])
def test_list_refuses_bad_parameters(client, query, path):
    response = client.get("/api/session-stats", query_string=query)
    assert response.status_code == 422
    assert [d["path"] for d in response.get_json()["error"]["details"]] == [path]


def test_unknown_session_is_404_json(client):
    response = client.get("/api/session-stats/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/nothing-here").get_json()["error"]["code"] == "not_found"
    assert client.delete("/api/session-stats").status_code == 405


def test_a_concurrent_writer_of_the_same_session_gets_409(app, backend, client):
    if backend != "postgresql":
        pytest.skip("SQLite serializes writers before they read, so the race cannot happen there")
    other = db.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    rival = other.connect()
    transaction = rival.begin()
    rival.execute(Session.__table__.insert().values(
        id="rival", fingerprint="|Raced|", name="Raced", is_favorite=False, is_test=False, is_complete=False))
    answers = []
    thread = threading.Thread(target=lambda: answers.append(ingest(client, {"name": "Raced"})))
    thread.start()
    if not someone_waits_for_a_lock(app.config["SQLALCHEMY_DATABASE_URI"]):
        pytest.fail("the ingest never waited on the rival's row")
    transaction.commit()
    thread.join(timeout=30)
    rival.close()
    other.dispose()
    assert answers[0].status_code == 409
    assert answers[0].get_json()["error"]["code"] == "conflict"
    [session] = read_all(client)["sessions"]
    assert session["id"] == "rival"
