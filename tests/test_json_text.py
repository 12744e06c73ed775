"""JSON out: what orjson writes, and what it refuses written all the same, through the wire API too."""
import json

from app.json_text import json_bytes
from tests.helpers import ingest


def test_json_is_compact_utf8_with_keys_sorted_when_asked():
    assert json_bytes({"b": 1, "a": ["é", None, 1.5, True]}, sort_keys=True) == '{"a":["é",null,1.5,true],"b":1}'.encode()
    assert json_bytes({"b": 1, "a": 2}) == b'{"b":1,"a":2}'


def test_integers_beyond_64_bits_are_written_too(client):
    assert json.loads(json_bytes({"big": 2**70, "small": -1})) == {"big": 2**70, "small": -1}
    session = {"fingerprint": "big-number", "name": "Big", "attributes": {"samples": 2**70}}
    assert ingest(client, session).status_code == 200
    answer = client.get("/api/session-stats")
    assert answer.status_code == 200
    assert [s["attributes"] for s in answer.get_json()["sessions"]] == [{"samples": 2**70}]
