"""Maintained counts and totals always equal a recount; the search index follows every write."""
from flask_migrate import upgrade
from sqlalchemy import column, func, insert, select, table

from app import create_app
from app.extensions import db
from app.models import PluginTotal, Session, SessionPlugin, Track
from app.sample_data import generate_sessions
from app.services.search import matching_session_pks
from tests.helpers import app_settings, ingest


def recount(app):
    """(per-session counts, per-plugin totals) computed from the rows."""
    with app.app_context():
        sessions = {
            pk: (tracks, instances, plugins)
            for pk, tracks, instances, plugins in db.session.execute(select(
                Session.pk,
                select(func.count()).where(Track.session_pk == Session.pk).scalar_subquery(),
                select(func.coalesce(func.sum(SessionPlugin.count), 0)).where(SessionPlugin.session_pk == Session.pk)
                .scalar_subquery(),
                select(func.count()).where(SessionPlugin.session_pk == Session.pk).scalar_subquery(),
            ))
        }
        live = select(Session.pk).where(Session.deleted_at.is_(None))
        totals = {row[0]: tuple(row[1:]) for row in db.session.execute(
            select(SessionPlugin.plugin_pk, func.sum(SessionPlugin.count), func.count(),
                   func.sum(SessionPlugin.track_count))
            .where(SessionPlugin.session_pk.in_(live)).group_by(SessionPlugin.plugin_pk))}
        return sessions, totals


def maintained(app):
    with app.app_context():
        sessions = {row[0]: tuple(row[1:]) for row in db.session.execute(
            select(Session.pk, Session.track_count, Session.instance_count, Session.plugin_count))}
        totals = {row[0]: tuple(row[1:]) for row in db.session.execute(
            select(PluginTotal.plugin_pk, PluginTotal.instances, PluginTotal.sessions, PluginTotal.tracks))}
        return sessions, totals


def test_counts_and_totals_equal_a_recount_after_every_kind_of_write(app, client):
    samples = list(generate_sessions(30, seed=11))
    ingest(client, *samples[:20])
    assert maintained(app) == recount(app)
    changed = [dict(s, tracks=s["tracks"][:1]) for s in samples[:5]]
    ingest(client, *changed, *samples[20:])
    assert maintained(app) == recount(app)
    ids = [row["id"] for row in client.get("/api/session-stats?limit=1000").get_json()["sessions"]]
    client.delete(f"/api/session-stats/{ids[0]}")
    client.delete(f"/api/session-stats/{ids[1]}")
    assert maintained(app) == recount(app)
    client.post(f"/api/session-stats/{ids[0]}/restore")
    client.post(f"/api/session-stats/{ids[1]}/purge")
    assert maintained(app) == recount(app)
    ingest(client, *samples[10:15], action="replaceSessions")
    assert maintained(app) == recount(app)
    ingest(client, *samples[:3])
    assert maintained(app) == recount(app)
    assert maintained(app)[1]


def found(app, query):
    with app.app_context():
        pks = matching_session_pks(db.session, query)
        return sorted(db.session.scalars(select(Session.name).where(Session.pk.in_(pks))))


def test_search_finds_words_by_prefix_in_every_field_and_follows_updates(app, client):
    ingest(client, {"name": "Night Drive", "fingerprint": "a", "artist": "Lumen", "tags": ["synthwave"],
                    "tracks": [{"name": "Lead Vocal", "plugins": [{"name": "Pro-Q 3", "vendor": "FabFilter"}]}]},
           {"name": "Morning", "fingerprint": "b", "project": "Daybreak", "notes": "needs a vocal comp"})
    assert found(app, "nig") == ["Night Drive"]
    assert found(app, "lum synth") == ["Night Drive"]
    assert found(app, "vocal") == ["Morning", "Night Drive"]
    assert found(app, "pro q") == ["Night Drive"]
    assert found(app, "daybr") == ["Morning"]
    assert found(app, "vocal daybreak") == ["Morning"]
    assert found(app, "nothing") == []
    with app.app_context():
        assert matching_session_pks(db.session, " -*\"' ") is None

    ingest(client, {"name": "Night Drive", "fingerprint": "a", "tracks": [{"name": "Bass"}]})
    assert found(app, "vocal") == ["Morning"]
    assert found(app, "bass") == ["Night Drive"]
    assert found(app, "\"lead OR x*") == []


def test_the_migration_fills_counts_totals_and_search_for_existing_sessions(tmp_path):
    app = create_app(app_settings(tmp_path, f"sqlite:///{tmp_path / 'old.db'}"))
    sessions = table("sessions", column("pk"), column("id"), column("fingerprint"), column("name"),
                     column("is_favorite"), column("is_test"), column("is_complete"))
    with app.app_context():
        upgrade(revision="0002")
        db.session.execute(insert(sessions).values(pk=1, id="s", fingerprint="f", name="Old Tape", is_favorite=False,
                                                   is_test=False, is_complete=False))
        db.session.execute(insert(table("plugins", column("pk"), column("id"), column("product_key"),
                                        column("name"))).values(pk=7, id="|reverb|", product_key="|reverb",
                                                                 name="Reverb"))
        db.session.execute(insert(table("tracks", column("session_pk"), column("position"), column("id"),
                                        column("name"))).values(session_pk=1, position=0, id="t", name="Drums"))
        db.session.execute(insert(table("session_plugins", column("session_pk"), column("plugin_pk"),
                                        column("count"), column("track_count"))).values(
            session_pk=1, plugin_pk=7, count=3, track_count=1))
        db.session.commit()
        upgrade()
    assert maintained(app) == recount(app) == ({1: (1, 3, 1)}, {7: (3, 1, 1)})
    assert found(app, "tape drum reverb") == ["Old Tape"]
    with app.app_context():
        db.engine.dispose()
