"""What a search word matches, alike on both databases: the start of a run of letters and digits in a session's
text, whatever punctuation surrounds it and with or without accents, and the words of a product its sessions use."""
import pytest

from app.extensions import db
from app.services.queries import SessionQuery, count_sessions
from app.services.search import read_search
from tests.auth import csrf_token
from tests.helpers import ingest

LONG_WORD = "ж" * 1200  # 2,400 bytes: longer than PostgreSQL keeps a word whole
PUNCTUATED = {"name": "Mix v1.2", "fingerprint": "punctuated", "artist": "Ivy", "tags": ["alt-take"],
              "notes": f"Bounce to x@studio.com at 3.5 dB; {LONG_WORD}",
              "tracks": [{"name": "<Vox>"}, {"name": "Gtr_DI"}, {"name": "Pad"}, {"name": "Cafe\u0301 Zoë"}]}
PLAIN = {"name": "Plain", "fingerprint": "plain", "tracks": [{"name": "Pad"}]}


def found(client, q: str) -> list[str]:
    answer = client.get("/api/sessions/", query_string={"q": q, "limit": 10})
    assert answer.status_code == 200, answer.data[:300]
    body = answer.get_json()
    assert body["total_count"] == len(body["sessions"])
    return sorted(session["name"] for session in body["sessions"])


@pytest.mark.parametrize("q", ["v1.2", "v1", "2", "vox", "<vox>", "studio", "x@studio", "com", "3.5", "5",
                               "take", "alt-take", "gtr", "di", "gtr_di", LONG_WORD[:300],
                               # Accents, composed or decomposed (as a Mac writes them), or none.
                               "café", "cafe\u0301", "CAFE", "zoe", "ZOË"])
def test_a_word_between_punctuation_is_found_by_its_start(client, q):
    assert ingest(client, PUNCTUATED, PLAIN).status_code == 200
    assert found(client, q) == ["Mix v1.2"]


@pytest.mark.parametrize("q", ["ox", "1.2", "v12", "1.3", "studiocom", "ж" * 299 + "x"])
def test_a_word_that_starts_no_word_finds_nothing(client, q):
    assert ingest(client, PUNCTUATED, PLAIN).status_code == 200
    assert found(client, q) == []


def test_a_search_word_longer_than_any_kept_word_is_answered(app, client):
    assert ingest(client, PUNCTUATED).status_code == 200
    with app.app_context():  # longer than a query string carries
        assert count_sessions(db.session, SessionQuery(q="中" * 1000)) == 0
        assert count_sessions(db.session, SessionQuery(q=LONG_WORD[:1000])) == 1


def test_a_product_word_finds_the_users_of_every_spelling_and_is_looked_up_only_when_it_must(app, client, backend):
    rider = {"name": "Rider", "fingerprint": "rider", "tracks": [
        {"name": "Lead", "plugins": [{"name": "Vocal Rider", "vendor": "Waves", "format": "VST3"}]}]}
    other = {"name": "Other", "fingerprint": "other", "tracks": [
        {"name": "Bus", "plugins": [{"name": "VR Stereo", "vendor": "Waves", "format": "VST3"}]}]}
    assert ingest(client, rider, other, PLAIN).status_code == 200

    def naming(q):
        with app.app_context():
            return read_search(db.session, q).naming

    assert found(client, "vocal") == ["Rider"]
    # On PostgreSQL the plugin's own name holds the word, so its users are in the documents already.
    assert naming("vocal") == ([] if backend == "postgresql" else ["vocal"])
    merged = client.post("/products/merge", data={"key": "waves|vr", "into": "waves|vocal rider",
                                                  "csrf_token": csrf_token(client)})
    assert merged.status_code == 302, merged.data[:300]
    # A spelling without the word joins the product: its users are found through the product, on both databases.
    assert naming("vocal") == ["vocal"]
    assert found(client, "vocal") == found(client, "waves rider") == ["Other", "Rider"]
    assert found(client, "vocal bus") == ["Other"]
    assert found(client, "stereo") == ["Other"]
