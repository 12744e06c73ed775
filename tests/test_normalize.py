"""Identity and derivation rules."""
from datetime import UTC, datetime, timedelta, timezone

from app.normalize import derive_plugin_usage, fingerprint, instance_plugin_id, iso_utc, plugin_id, product_key
from app.wire import SessionStatsPluginInstance, SessionStatsSession, SessionStatsTrack


def test_fingerprint_from_path_name_and_date():
    assert fingerprint(SessionStatsSession(name="Session A")) == "|Session A|"
    session = SessionStatsSession(name="S", path="/a/S.ptx", created_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert fingerprint(session) == "/a/S.ptx|S|2024-01-02T03:04:05Z"
    assert fingerprint(SessionStatsSession(name="S", fingerprint="given")) == "given"


def test_iso_utc_converts_offsets_and_naive_times():
    assert iso_utc(datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))) == "2024-01-01T10:00:00Z"
    assert iso_utc(datetime(2024, 1, 1, 12)) == "2024-01-01T12:00:00Z"
    assert iso_utc(None) is None


def test_plugin_id_and_product_key_are_trimmed_and_lower_cased():
    assert plugin_id(" FabFilter Pro-Q 3 ", "FabFilter ", "3.24", "AAX Native") == "fabfilter|fabfilter pro-q 3|3.24|aax native"
    assert plugin_id("Comp") == "|comp||"
    assert product_key("Pro-Q 3", "FabFilter") == "fabfilter|pro-q 3"
    given = SessionStatsPluginInstance(name="x", plugin_id="  Custom|ID ")
    assert instance_plugin_id(given) == "custom|id"


def test_usage_counts_instances_and_distinct_tracks():
    comp = SessionStatsPluginInstance(name="Comp", vendor="V")
    verb = SessionStatsPluginInstance(name="Verb")
    tracks = [
        SessionStatsTrack(name="A", plugins=[comp, comp, verb]),
        SessionStatsTrack(name="B", plugins=[comp]),
        SessionStatsTrack(name="C"),
    ]
    usage = {u.plugin_id: (u.name, u.vendor, u.count, u.track_count) for u in derive_plugin_usage(tracks)}
    assert usage == {"v|comp||": ("Comp", "V", 3, 2), "|verb||": ("Verb", None, 1, 1)}
    assert derive_plugin_usage([]) == []
