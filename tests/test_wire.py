"""The wire models: field names, ignored extras, strict types and size caps."""
import pytest
from pydantic import ValidationError

from app.payloads import validation_details
from app.wire import SessionStatsData, SessionStatsSession


def paths(payload):
    with pytest.raises(ValidationError) as caught:
        SessionStatsSession.model_validate(payload)
    return [d["path"] for d in validation_details(caught.value)]


def test_camel_case_fields_and_unknown_keys_ignored():
    session = SessionStatsSession.model_validate({
        "name": "A", "sampleRate": 48000, "bitDepth": 24, "durationSeconds": 12, "isFavorite": True,
        "dawVersion": "2024.6", "somethingNew": {"x": 1},
        "tracks": [{"name": "T", "state": "muted", "plugins": [{"name": "P", "pluginId": "x", "extra": 1}]}],
        "sources": [{"type": "protools", "ingestedAt": "2024-01-01T00:00:00Z", "extractor": "ptx"}],
    })
    assert (session.sample_rate, session.bit_depth, session.duration_seconds) == (48000, 24, 12.0)
    assert session.is_favorite is True and session.daw_version == "2024.6"
    assert session.tracks[0].plugins[0].plugin_id == "x"
    assert "something_new" not in session.model_fields_set
    assert session.sources[0].ingested_at.year == 2024


@pytest.mark.parametrize(("payload", "expected"), [
    ({}, ["name"]),
    ({"name": ""}, ["name"]),
    ({"name": "x" * 1001}, ["name"]),
    ({"name": 7}, ["name"]),
    ({"name": "A", "bpm": "120"}, ["bpm"]),
    ({"name": "A", "isTest": "yes"}, ["isTest"]),
    ({"name": "A", "tags": "mix"}, ["tags"]),
    ({"name": "A", "createdAt": "last tuesday"}, ["createdAt"]),
    ({"name": "A", "rating": "love"}, ["rating"]),
    ({"name": "A", "sources": [{"type": "ftp"}]}, ["sources[0].type"]),
    ({"name": "A", "tracks": [{"name": "T", "plugins": [{"vendor": "V"}]}]}, ["tracks[0].plugins[0].name"]),
    ({"name": "A", "plugins": [{"name": "P", "count": 1, "trackCount": -1}]}, ["plugins[0].trackCount"]),
    ({"name": "A", "plugins": [{"name": "P", "count": 1, "trackCount": 2}]}, ["plugins[0].trackCount"]),
    ({"name": "A", "tracks": [{"id": "t", "name": "1"}, {"id": "t", "name": "2"}]}, ["tracks"]),
    ({"name": "A", "sampleRate": -44100}, ["sampleRate"]),
])
def test_invalid_fields_are_named(payload, expected):
    assert paths(payload) == expected


def test_absurd_sizes_are_refused():
    assert paths({"name": "A", "tracks": [{"name": "t"}] * 10_001}) == ["tracks"]
    assert SessionStatsSession.model_validate({"name": "A", "tracks": [{"name": "t"}] * 10_000})


def test_session_stats_data():
    data = SessionStatsData.model_validate({"sessions": [{"name": "A"}], "lastIngestedAt": "2024-05-01T10:00:00Z"})
    assert data.sessions[0].name == "A" and data.last_ingested_at.hour == 10


def test_infinite_and_nan_numbers_are_refused():
    assert paths({"name": "A", "durationSeconds": float("inf")}) == ["durationSeconds"]
    assert paths({"name": "A", "bpm": float("nan")}) == ["bpm"]
