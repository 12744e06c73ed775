"""Every derived figure follows from one mechanism: a new writer needs nothing else, a check finds drift table by
table, and a rebuild repairs it."""
import pytest
from sqlalchemy import delete, insert, select, text, update

from app.cli import cli
from app.database import unit_of_work
from app.extensions import db
from app.models import AuditEntry, LiveCount, Plugin, PluginTotal, Session, SessionPlugin, SessionStatsCache, Tag, Track
from app.sample_data import generate_sessions
from app.services.derived import check_derived, live_change
from app.services.search import PLUGIN_TABLE, SEARCH_TABLE, read_search, search_conditions
from app.services.stats import session_stats
from tests.helpers import ingest


@pytest.fixture
def indexed(app, client):
    """Twelve sample sessions, two of them trashed, with stats cached for all live ones."""
    assert ingest(client, *generate_sessions(12, seed=5)).status_code == 200
    sessions = client.get("/api/session-stats?limit=100").get_json()["sessions"]
    for session in sessions[:2]:
        assert client.delete(f"/api/session-stats/{session['id']}").status_code == 200
    assert client.get("/api/sessions/?limit=100").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SessionStatsCache)) == 10
        assert check_derived(db.session) == []
    return [session["id"] for session in sessions]


def pks_of(session_ids):
    return dict(db.session.execute(select(Session.id, Session.pk).where(Session.id.in_(session_ids))).all())


def rename_and_retag(db_session, session_pks, artist, tag, track_name, plugin_pk):
    """A writer made up for this test: it knows nothing of counts, facets, search or stats."""
    with live_change(db_session, session_pks) as change:
        db_session.execute(update(Session).where(Session.pk.in_(session_pks)).values(artist=artist))
        db_session.execute(delete(Tag).where(Tag.session_pk.in_(session_pks)))
        db_session.execute(insert(Tag), [{"session_pk": pk, "name": tag, "position": 0} for pk in session_pks])
        db_session.execute(delete(SessionPlugin).where(SessionPlugin.session_pk.in_(session_pks)))
        db_session.execute(insert(Track), [{"session_pk": pk, "position": 1000, "id": f"extra-{pk}",
                                            "name": track_name} for pk in session_pks])
        db_session.execute(insert(SessionPlugin), [{"session_pk": pk, "plugin_pk": plugin_pk, "count": 3,
                                                    "track_count": 1} for pk in session_pks])
        created = db_session.execute(insert(Session).values(
            id="made-here", fingerprint="made-here", name="Made Here", artist=artist, is_favorite=False,
            is_test=False, is_complete=False).returning(Session.pk)).scalar_one()
        db_session.execute(insert(Tag).values(session_pk=created, name=tag, position=0))
        change.created([created])


def test_a_new_writer_through_live_change_keeps_every_figure_exact(app, indexed):
    with app.app_context():
        targets = pks_of(indexed[:5])  # two trashed, three live
        plugin_pk = db.session.scalar(select(Plugin.pk).order_by(Plugin.pk).limit(1))
        with unit_of_work():
            rename_and_retag(db.session, list(targets.values()), "Throwaway Artist", "throwaway-tag",
                             "Zanzibar Strings", plugin_pk)

        assert check_derived(db.session) == []
        counts = dict(db.session.execute(select(LiveCount.dimension, LiveCount.count).where(
            LiveCount.value.in_(["Throwaway Artist", "throwaway-tag"]))).all())
        assert {dimension: n for dimension, n in counts.items() if not dimension.startswith("tags of daw ")} == {
            "artist": 4, "tag": 4}  # three live sessions and the new one
        # Per DAW, the three live sessions: the new one has no DAW.
        assert sum(n for dimension, n in counts.items() if dimension.startswith("tags of daw ")) == 3
        found = db.session.scalars(select(Session.id).where(
            *search_conditions(db.session, read_search(db.session, "zanzib")))).all()
        assert sorted(found) == sorted(indexed[2:5])
        assert db.session.scalars(select(Session.id).where(
            *search_conditions(db.session, read_search(db.session, "made here")))).all() == ["made-here"]
        assert db.session.scalar(select(SessionStatsCache.session_pk).where(
            SessionStatsCache.session_pk.in_(targets.values()))) is None
        stats = session_stats(db.session, {pk: session_id for session_id, pk in targets.items()})
        assert all(s["track_count"] >= 1 and s["distinct_plugins"] == 1 for s in stats.values())


CORRUPTIONS = {
    "sessions": "UPDATE sessions SET track_count = track_count + 1 WHERE pk = (SELECT min(pk) FROM sessions)",
    "plugin_totals": "UPDATE plugin_totals SET instances = instances + 5 "
                     "WHERE plugin_pk = (SELECT min(plugin_pk) FROM plugin_totals)",
    "live_counts": "UPDATE live_counts SET count = count + 1 WHERE dimension = 'artist' "
                   "AND value = (SELECT min(value) FROM live_counts WHERE dimension = 'artist')",
    SEARCH_TABLE: {"sqlite": f"UPDATE {SEARCH_TABLE} SET plugins = 'p999999' "
                             f"WHERE rowid = (SELECT max(rowid) FROM {SEARCH_TABLE})",
                   "postgresql": f"UPDATE {SEARCH_TABLE} SET document = to_tsvector('simple', 'nothing') "
                                 f"WHERE session_pk = (SELECT max(session_pk) FROM {SEARCH_TABLE})"},
    PLUGIN_TABLE: {"sqlite": f"DELETE FROM {PLUGIN_TABLE} WHERE rowid = (SELECT min(rowid) FROM {PLUGIN_TABLE})"},
    "session_stats": "UPDATE session_stats SET stats = '{}' "
                     "WHERE session_pk = (SELECT min(session_pk) FROM session_stats)",
}


@pytest.mark.parametrize("table", CORRUPTIONS)
def test_check_names_the_table_a_raw_write_corrupted_and_rebuild_repairs_it(app, backend, runner, indexed, table):
    corruption = CORRUPTIONS[table]
    if isinstance(corruption, dict):
        if backend not in corruption:
            pytest.skip(f"{backend} has no {table}")
        corruption = corruption[backend]
    healthy = runner.invoke(cli, ["rollups", "rebuild", "--check"])
    assert healthy.exit_code == 0 and "Every maintained figure equals a recount" in healthy.output
    with app.app_context(), unit_of_work():
        db.session.execute(text(corruption))

    checked = runner.invoke(cli, ["rollups", "rebuild", "--check"])
    assert checked.exit_code == 1
    assert [line.split(":")[0] for line in checked.output.splitlines() if not line.startswith(" ")] == [table]
    assert "1 row differs" in checked.output
    assert runner.invoke(cli, ["rollups", "rebuild", "--check"]).exit_code == 1  # a check changes nothing

    rebuilt = runner.invoke(cli, ["rollups", "rebuild"])
    assert rebuilt.exit_code == 0 and "Repaired" in rebuilt.output
    assert runner.invoke(cli, ["rollups", "rebuild", "--check"]).exit_code == 0
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rollups.rebuilt")).one()
        assert entry.details == {table: 1} and entry.actor == "command line"


def test_the_api_checks_and_rebuilds_for_admins(app, auth, client, indexed):
    with app.app_context(), unit_of_work():
        db.session.execute(update(PluginTotal).values(tracks=PluginTotal.tracks + 1))
        totals = db.session.scalar(select(db.func.count()).select_from(PluginTotal))

    assert auth.client(token_role="editor").post("/api/rollups/rebuild").status_code == 403
    checked = client.post("/api/rollups/rebuild", json={"check": True})
    assert checked.status_code == 200
    assert checked.get_json()["repaired"] is False
    drift = checked.get_json()["drift"]
    assert list(drift) == ["plugin_totals"] and drift["plugin_totals"]["rows"] == totals
    example = drift["plugin_totals"]["examples"][0]
    assert example["row"].startswith("plugin ") and example["kept"][2] == example["counted"][2] + 1

    rebuilt = client.post("/api/rollups/rebuild")
    assert rebuilt.status_code == 200
    assert rebuilt.get_json()["repaired"] is True and rebuilt.get_json()["drift"]["plugin_totals"]["rows"] == totals
    assert client.post("/api/rollups/rebuild", json={"check": True}).get_json() == {"drift": {}, "repaired": False}
    assert client.post("/api/rollups/rebuild", json={"check": "yes"}).status_code == 422
    assert client.post("/api/rollups/rebuild", json={"fix": True}).status_code == 422


EVENT_CORRUPTIONS = {
    "sessions": "UPDATE sessions SET open_note_count = open_note_count + 1 "
                "WHERE pk = (SELECT min(session_pk) FROM events)",
    "live_counts": "UPDATE live_counts SET count = count + 2 WHERE dimension = 'total' AND value = 'open notes'",
}


@pytest.mark.parametrize("table", EVENT_CORRUPTIONS)
def test_check_finds_a_corrupted_event_rollup_and_rebuild_repairs_it(app, runner, client, indexed, table):
    session_id = indexed[5]
    added = client.post(f"/api/sessions/{session_id}/events", json={"events": [
        {"kind": "note", "t_sec": 3, "text": "tighten the kick"}]})
    assert added.status_code == 201
    assert runner.invoke(cli, ["rollups", "rebuild", "--check"]).exit_code == 0
    with app.app_context(), unit_of_work():
        db.session.execute(text(EVENT_CORRUPTIONS[table]))

    checked = runner.invoke(cli, ["rollups", "rebuild", "--check"])
    assert checked.exit_code == 1 and "1 row differs" in checked.output
    assert [line.split(":")[0] for line in checked.output.splitlines() if not line.startswith(" ")] == [table]
    assert runner.invoke(cli, ["rollups", "rebuild"]).exit_code == 0
    assert runner.invoke(cli, ["rollups", "rebuild", "--check"]).exit_code == 0
    assert client.get(f"/api/sessions/{session_id}/rollup").get_json()["open_notes"] == 1
