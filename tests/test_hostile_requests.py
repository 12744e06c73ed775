"""Requests an attacker (or a broken script) sends: each gets a clear 4xx, changes nothing, and costs the server an
answer in proportion to what was asked."""
import json
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.models import Session
from app.params import MAX_QUERY_BYTES, MAX_VALUES, MAX_WORDS
from app.uploads import MAX_FORM_BYTES
from app.wire import MAX_TEXT
from tests.auth import csrf_token
from tests.helpers import ingest, table_rows

HX = {"HX-Request": "true"}
HUGE = "9" * 30


def state(app) -> dict:
    """Every row the requests here could change (sign-ins and tokens record their use on every request)."""
    with app.app_context():
        return {table: rows for table, rows in table_rows().items() if table not in ("sign_ins", "api_tokens")}


def message(response) -> str:
    if response.is_json:
        return str(response.get_json()["error"])
    return BeautifulSoup(response.data, "html.parser").select_one("main").get_text(" ", strip=True)


@pytest.fixture
def archive(client):
    ingest(client, *({"name": f"Mix {n}", "fingerprint": f"f{n}", "artist": f"a{n}", "tags": ["mix", f"t{n}"]}
                     for n in range(30)))
    return client


def test_a_long_filter_link_is_refused_before_any_work(archive):
    values = urlencode([("artist", f"a{n}") for n in range(3000)])
    response = archive.get(f"/sessions?{values}")
    assert response.status_code == 414
    assert f"{MAX_QUERY_BYTES:,} bytes" in message(response)
    words = archive.get("/sessions?q=" + "+".join(["a"] * 25_000))
    assert words.status_code == 414
    # Refused for its length before it is read: its values (a NUL here) are never parsed.
    assert archive.get("/sessions?" + urlencode([("artist", "a\x00")] * 500)).status_code == 414


def test_values_per_parameter_and_words_per_search_are_capped_naming_the_parameter(archive):
    too_many = archive.get("/sessions?" + urlencode([("artist", f"a{n}") for n in range(MAX_VALUES + 1)]))
    assert too_many.status_code == 400 and "artist" in message(too_many)
    api = archive.get("/api/sessions/?" + urlencode([("tag", f"t{n}") for n in range(MAX_VALUES + 1)]))
    assert api.status_code == 422 and api.get_json()["error"]["details"][0]["path"] == "tag"
    distinct_words = " ".join(f"w{n}" for n in range(MAX_WORDS + 1))
    for path in ("/sessions", "/plugins", "/api/sessions/", "/api/products"):
        refused = archive.get(path, query_string={"q": distinct_words})
        assert refused.status_code in (400, 422) and f"at most {MAX_WORDS} words" in message(refused), path


def test_repeated_values_and_words_count_once(archive):
    repeated = archive.get("/sessions?" + urlencode([("artist", "a3")] * 100))
    chips = BeautifulSoup(repeated.data, "html.parser").select("#summary .chip")
    assert repeated.status_code == 200 and len(chips) == 1
    assert archive.get("/api/sessions/?" + urlencode([("artist", "a3")] * 100)).get_json()["total_count"] == 1
    same_word = archive.get("/plugins", query_string={"q": " ".join(["eq"] * 300)})
    assert same_word.status_code == 200


def test_a_page_with_every_filter_full_stays_small(archive):
    """Each chip's and facet's link repeats the query: the caps keep the page in proportion."""
    params = [(name, f"{name[0]}{n}") for name in ("artist", "tag", "daw", "vendor") for n in range(MAX_VALUES)]
    query = urlencode(params)
    assert len(query) <= MAX_QUERY_BYTES
    for path in ("/sessions", "/sessions/facets", "/sessions/count"):
        response = archive.get(f"{path}?{query}")
        assert response.status_code == 200
        assert len(response.data) < 400 * len(query) + 100_000


@pytest.mark.parametrize("path", ["/sessions?page", "/plugins?page", "/admin/audit?page", "/products/x%7Cy?page",
                                  "/api/sessions/?offset", "/api/products?limit", "/api/session-stats?limit"])
@pytest.mark.parametrize("number", ["%C2%B2", "%D9%A1%D9%A2", "99999999999999999999999", "-1", "1_000", "5.0"])
def test_odd_page_numbers_are_refused(client, path, number):
    response = client.get(f"{path}={number}")
    assert response.status_code in (400, 422), response.status_code


@pytest.mark.parametrize("path", ["/sessions", "/sessions/count"])
@pytest.mark.parametrize("query", [f"sample_rate={HUGE}", f"job={HUGE}", "sample_rate=%C2%B2", "job=-1",
                                   "liked=maybe", "from_date=2024-02-30", "sort=nope", "dir=sideways"])
def test_numbers_and_choices_out_of_range_are_refused(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in message(response)


@pytest.mark.parametrize("path", [f"/scans/{HUGE}", f"/scans/{HUGE}/progress", "/scans/%D9%A1%D9%A2",
                                  "/scans/2147483648"])
def test_huge_or_foreign_numbers_in_paths_are_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [f"/scans/{HUGE}/cancel", f"/admin/users/{HUGE}/role",
                                  f"/admin/users/{HUGE}/disable", f"/admin/users/{HUGE}/enable",
                                  f"/settings/tokens/{HUGE}/revoke", f"/products/corrections/{HUGE}/undo"])
def test_huge_numbers_in_the_paths_of_writes_are_not_found(app, client, path):
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    before = state(app)
    # The undo path with a number too large falls through to the product page, which takes no POST.
    assert client.post(path, data={"role": "viewer"}).status_code in (404, 405)
    assert state(app) == before


def test_a_track_row_numbered_beyond_reason_is_refused(app, client):
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    before = state(app)
    response = client.post("/sessions/new", data={"name": "Mix", f"track-{'1' * 5000}-name": "Kick"})
    assert response.status_code == 400
    assert "Track rows are numbered" in message(response)
    assert state(app) == before
    assert client.get(f"/sessions/new/track?index={HUGE}").status_code == 400


def test_infinite_numbers_never_reach_attributes(app, client):
    before = state(app)
    for attributes in ('{"x": 1e400}', '{"deep": [[{"y": -1e999}]]}', '{"x": NaN}', '{"x": Infinity}'):
        body = '{"action": "ingestSessions", "payload": {"name": "Mix", "attributes": %s}}' % attributes
        response = client.post("/api/session-stats", data=body, content_type="application/json")
        assert response.status_code in (400, 422), attributes
    nested = {"name": "Mix", "attributes": {"a": [{"b": [1, 2.5, "x", None, True]}]}}
    assert state(app) == before
    assert ingest(client, nested).status_code == 200


def test_a_tag_has_one_rule_wherever_it_is_written(app, client):
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    many = [f"tag {n}" for n in range(300)]
    assert ingest(client, {"id": "many", "name": "Many", "tags": many}).status_code == 200
    added = client.patch("/sessions/many/tags", data={"add": "  one   more "}, headers=HX)
    assert added.status_code == 200
    assert client.get("/api/session-stats/many").get_json()["tags"] == [*many, "one more"]

    long_tag = "x" * 201
    before = state(app)
    assert ingest(client, {"name": "Long", "tags": [long_tag]}).status_code == 422
    assert client.patch("/sessions/many/tags", data={"add": long_tag}, headers=HX).status_code == 422
    assert client.patch("/api/sessions/many/metadata", json={"tags": [long_tag]}).status_code == 422
    assert state(app) == before

    patched = client.patch("/api/sessions/many/metadata", json={"tags": ["Mix", "mix", " Mix ", "Vocal  Up"]})
    assert patched.get_json()["tags"] == ["Mix", "Vocal Up"]
    ingest(client, {"id": "folded", "name": "Folded", "tags": ["Mix", "mix", "Vocal\tUp"]})
    assert client.get("/api/session-stats/folded").get_json()["tags"] == ["Mix", "Vocal Up"]


@pytest.mark.parametrize("session_id", ["../../etc/passwd", "new", "a b", "/", ".hidden", "-x", "é", "a" * 201])
def test_session_ids_outside_the_safe_alphabet_are_refused(client, session_id):
    response = ingest(client, {"id": session_id, "name": "Mix"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["path"] == "sessions[0].id"


@pytest.mark.parametrize("session_id", ["sample-01", "9b2f4f7e-1f0c-4c57-9a51-2b7f3b0c2d11", "PT_2024.06:take~3"])
def test_safe_session_ids_open_edit_and_trash(client, session_id):
    assert ingest(client, {"id": session_id, "name": "Mix"}).status_code == 200
    assert client.get(f"/sessions/{session_id}").status_code == 200
    assert client.patch(f"/api/sessions/{session_id}/metadata", json={"is_favorite": True}).status_code == 200
    assert client.delete(f"/api/session-stats/{session_id}").status_code == 200


def test_a_form_over_its_limit_is_refused_before_it_is_read_and_the_longest_notes_fit(app, client):
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    before = state(app)
    refused = client.post("/sessions/new", data={"name": "Mix", "notes": "x" * MAX_FORM_BYTES})
    assert refused.status_code == 413
    assert state(app) == before
    # The API reads no form: JSON labelled as one (as `curl -d` sends it) keeps the ingest's limit.
    sessions = [{"name": f"Labelled {n}", "notes": "\u0436" * MAX_TEXT} for n in range(4)]
    body = json.dumps({"action": "ingestSessions", "payload": {"sessions": sessions}})
    assert len(body) > MAX_FORM_BYTES
    labelled = client.post("/api/session-stats", data=body, content_type="application/x-www-form-urlencoded")
    assert labelled.status_code == 200, labelled.data[:300]
    # The longest notes a session may have, in characters that take 9 bytes each once encoded, still fit.
    longest = "\u4e00" * MAX_TEXT
    saved = client.post("/sessions/new", data={"name": "Longest notes", "notes": longest})
    assert saved.status_code == 302, saved.data[:300]
    with app.app_context():
        assert db.session.scalar(select(Session.notes).where(Session.name == "Longest notes")) == longest
