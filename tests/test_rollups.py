"""Maintained counts and totals always equal a recount; the search index follows every write."""
import json
from collections import defaultdict

from sqlalchemy import distinct, func, select

from app.extensions import db
from app.models import (Activity, Credit, Event, LiveCount, MediaFile, Plugin, PluginTotal, Session, SessionPlugin, Tag,
                        Track)
from app.sample_data import generate_sessions
from app.services.search import read_search, search_conditions
from tests.auth import csrf_token
from tests.helpers import ingest


def recount_live_counts():
    """Sessions per facet value and the index totals, counted from the rows."""
    live = Session.deleted_at.is_(None)
    counts = {}
    for dimension, column_ in (("artist", Session.artist), ("daw", Session.daw)):
        counts.update(((dimension, value), n) for value, n in db.session.execute(
            select(column_, func.count()).where(live, column_.is_not(None)).group_by(column_)))
    counts.update((("tag", name), n) for name, n in db.session.execute(
        select(Tag.name, func.count()).join(Session, Session.pk == Tag.session_pk).where(live).group_by(Tag.name)))
    credited = db.session.execute(select(Credit.session_pk, Credit.name, Credit.role).join(
        Session, Session.pk == Credit.session_pk).where(live)).all()
    for dimension, pairs in (("person", {(pk, name) for pk, name, _ in credited}),
                             ("role", {(pk, role) for pk, _, role in credited})):
        for _, value in pairs:
            counts[dimension, value] = counts.get((dimension, value), 0) + 1
    for dimension, column_ in (("vendor", Plugin.vendor), ("format", Plugin.format), ("product", Plugin.product_key)):
        counts.update(((dimension, value), n) for value, n in db.session.execute(
            select(column_, func.count(distinct(SessionPlugin.session_pk)))
            .join(Plugin, Plugin.pk == SessionPlugin.plugin_pk).join(Session, Session.pk == SessionPlugin.session_pk)
            .where(live, column_.is_not(None)).group_by(column_)))
    product_months = set(db.session.execute(
        select(Plugin.product_key, SessionPlugin.session_pk, Session.created_at)
        .join(Plugin, Plugin.pk == SessionPlugin.plugin_pk).join(Session, Session.pk == SessionPlugin.session_pk)
        .where(live, Session.created_at.is_not(None))))
    for key, _, created_at in product_months:
        dimension = ("months of " + key, created_at.strftime("%Y-%m"))
        counts[dimension] = counts.get(dimension, 0) + 1
    for plugin_pk, created_at in db.session.execute(
            select(SessionPlugin.plugin_pk, Session.created_at).join(Session, Session.pk == SessionPlugin.session_pk)
            .where(live, Session.created_at.is_not(None))):
        dimension = (f"plugin months of {plugin_pk}", created_at.strftime("%Y-%m"))
        counts[dimension] = counts.get(dimension, 0) + 1
    for daw, created_at in db.session.execute(select(Session.daw, Session.created_at).where(
            live, Session.daw.is_not(None), Session.created_at.is_not(None))):
        dimension = ("daw months of " + daw, created_at.strftime("%Y-%m"))
        counts[dimension] = counts.get(dimension, 0) + 1
    for daw, tag in db.session.execute(select(Session.daw, Tag.name).join(Tag, Tag.session_pk == Session.pk).where(
            live, Session.daw.is_not(None))):
        counts["tags of daw " + daw, tag] = counts.get(("tags of daw " + daw, tag), 0) + 1
    for template, created_at, worked_seconds in db.session.execute(
            select(Session.template, Session.created_at, Session.worked_seconds)
            .where(live, Session.template.is_not(None))):
        keys = [("template", template)]
        if created_at is not None:
            month = created_at.strftime("%Y-%m")
            keys.append(("template sessions in " + month, template))
            if worked_seconds is not None:
                keys.append(("template timed sessions in " + month, template))
                key = ("template worked seconds in " + month, template)
                counts[key] = counts.get(key, 0) + worked_seconds
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
    for artist, project, status, deleted_at in db.session.execute(
            select(Session.artist, Session.project, Event.status, Event.deleted_at)
            .join(Session, Session.pk == Event.session_pk).where(live, Event.kind == "note")):
        _count_both(counts, "open notes", artist, project, status == "open" and deleted_at is None)
    for artist, project, missing in db.session.execute(
            select(Session.artist, Session.project, MediaFile.missing)
            .join(Session, Session.pk == MediaFile.session_pk).where(live)):
        _count_both(counts, "missing media", artist, project, missing)
    for (started_at,) in db.session.execute(select(Session.started_at).where(live, Session.started_at.is_not(None))):
        year, week, _ = started_at.date().isocalendar()
        for key in (("sessions started", started_at.strftime("%Y-%m")),
                    ("sessions started weekly", f"{year}-W{week:02d}")):
            counts[key] = counts.get(key, 0) + 1
    worked, worked_by, session_months = set(), set(), defaultdict(int)
    for session_pk, kind, started_at, ended_at, artist, project, daw, person in db.session.execute(
            select(Activity.session_pk, Activity.kind, Activity.started_at, Activity.ended_at, Session.artist,
                   Session.project, Session.daw, Activity.person).join(Session, Session.pk == Activity.session_pk)
            .where(live, Activity.deleted_at.is_(None), Activity.ended_at.is_not(None))):
        month, seconds = started_at.strftime("%Y-%m"), int((ended_at - started_at).total_seconds())
        week = "{}-W{:02d}".format(*started_at.isocalendar()[:2])
        billed = json.dumps([kind, artist, project])
        for key in (("work seconds of " + kind, month), ("billed seconds in " + month, billed),
                    ("weekly work seconds of " + kind, week), ("daw seconds in " + month, json.dumps([kind, daw])),
                    ("person seconds in " + month, json.dumps([kind, person]))):
            counts[key] = counts.get(key, 0) + seconds
        worked.add((session_pk, month, week, artist, project))
        worked_by.update({(session_pk, "daw sessions in " + month, daw),
                          (session_pk, "person sessions in " + month, person)})
        session_months[session_pk, month] += seconds
    for _, dimension, value in worked_by:
        key = (dimension, json.dumps([value]))
        counts[key] = counts.get(key, 0) + 1
    for (_, month), seconds in session_months.items():
        key = ("session minutes in " + month, f"{seconds // 300 * 5:07d}")
        counts[key] = counts.get(key, 0) + 1
    for key in {("sessions worked weekly", week, pk) for pk, _, week, _, _ in worked}:
        counts[key[:2]] = counts.get(key[:2], 0) + 1
    for _, month, artist, project in {(pk, month, artist, project) for pk, month, _, artist, project in worked}:
        for key in (("sessions worked", month), ("billed sessions in " + month, json.dumps([artist, project]))):
            counts[key] = counts.get(key, 0) + 1
    sessions, tracks, instances = db.session.execute(
        select(func.count(), func.sum(Session.track_count), func.sum(Session.instance_count)).where(live)).one()
    counts.update({("total", "sessions"): sessions, ("total", "tracks"): tracks, ("total", "instances"): instances})
    return {key: n for key, n in counts.items() if n}


def _count_both(counts, dimension, artist, project, counted):
    for key in [("total", dimension), (f"{dimension} by artist", artist), (f"{dimension} by project", project)]:
        if counted and key[1] is not None:
            counts[key] = counts.get(key, 0) + 1


def recount(app):
    """(per-session counts, per-plugin totals) computed from the rows."""
    with app.app_context():
        sessions = {
            pk: counts
            for pk, *counts in db.session.execute(select(
                Session.pk,
                select(func.count()).where(Track.session_pk == Session.pk).scalar_subquery(),
                select(func.coalesce(func.sum(SessionPlugin.count), 0)).where(SessionPlugin.session_pk == Session.pk)
                .scalar_subquery(),
                select(func.count()).where(SessionPlugin.session_pk == Session.pk).scalar_subquery(),
                select(func.count()).where(Event.session_pk == Session.pk, Event.kind == "note", Event.status == "open",
                                           Event.deleted_at.is_(None)).scalar_subquery(),
                select(func.count()).where(MediaFile.session_pk == Session.pk).scalar_subquery(),
                select(func.count()).where(MediaFile.session_pk == Session.pk, MediaFile.missing).scalar_subquery(),
            ))
        }
        kinds = {}
        for pk, kind in db.session.execute(select(Event.session_pk, Event.kind).where(Event.deleted_at.is_(None))):
            kinds.setdefault(pk, {}).setdefault(kind, 0)
            kinds[pk][kind] += 1
        sessions = {pk: (*counts, kinds.get(pk)) for pk, counts in sessions.items()}
        live = select(Session.pk).where(Session.deleted_at.is_(None))
        totals = {row[0]: tuple(row[1:]) for row in db.session.execute(
            select(SessionPlugin.plugin_pk, func.sum(SessionPlugin.count), func.count(),
                   func.sum(SessionPlugin.track_count))
            .where(SessionPlugin.session_pk.in_(live)).group_by(SessionPlugin.plugin_pk))}
        return sessions, totals, recount_live_counts()


def maintained(app):
    with app.app_context():
        sessions = {row[0]: tuple(row[1:]) for row in db.session.execute(
            select(Session.pk, Session.track_count, Session.instance_count, Session.plugin_count,
                   Session.open_note_count, Session.media_count, Session.missing_media_count, Session.event_counts))}
        totals = {row[0]: tuple(row[1:]) for row in db.session.execute(
            select(PluginTotal.plugin_pk, PluginTotal.instances, PluginTotal.sessions, PluginTotal.tracks))}
        live_counts = {(row.dimension, row.value): row.count for row in db.session.execute(select(LiveCount.__table__))}
        return sessions, totals, live_counts


def test_counts_and_totals_equal_a_recount_after_every_kind_of_write(app, client):
    samples = [dict(s, template=("Band Room", "Vocal Booth")[index % 2]) if index % 3 == 0 else s
               for index, s in enumerate(generate_sessions(30, seed=11))]
    # Some sessions credit people, one of them twice on one session (in two roles).
    samples = [dict(s, credits=[{"name": f"Person {index % 3}", "role": "producer"},
                                {"name": f"Person {index % 3}", "role": "engineer"},
                                {"name": "Mara Quist", "role": "mix engineer"}]) if index % 4 == 0 else s
               for index, s in enumerate(samples)]
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

    ids = [row["id"] for row in client.get("/api/session-stats?limit=1000").get_json()["sessions"]]
    ingest(client, dict(samples[0], markers=[{"name": "Intro", "tSec": 0}, {"name": "Out", "tSec": 90, "endSec": 99}],
                        mediaFiles=[{"path": "a.wav", "exists": False}, {"path": "b.wav", "offline": True},
                                    {"path": "c.wav", "exists": True}]))
    first, second = ids[0], ids[1]
    notes = [client.post(f"/api/sessions/{session_id}/events", json={"events": [
        {"kind": "note", "t_sec": 1, "text": "fix"}, {"kind": "note", "t_sec": 2, "text": "fix more"},
        {"kind": "clip", "t_sec": 3}]}).get_json()["events"] for session_id in (first, second)]
    assert maintained(app) == recount(app)
    client.patch(f"/api/events/{notes[0][0]['id']}", json={"status": "resolved"})
    client.delete(f"/api/events/{notes[1][1]['id']}")
    assert maintained(app) == recount(app)
    client.delete(f"/api/session-stats/{second}")
    assert maintained(app) == recount(app)
    client.post(f"/api/session-stats/{second}/restore")
    ingest(client, dict(samples[0], markers=[], mediaFiles=[{"path": "d.wav", "exists": False}]))
    assert maintained(app) == recount(app)

    work = [client.post(f"/api/sessions/{session_id}/activities", json={
        "kind": kind, "started_at": started_at, "duration_seconds": 5400}).get_json()
        for session_id, kind, started_at in ((first, "mixing", "2025-03-31T23:00:00Z"),
                                             (first, "mixing", "2025-04-01T10:00:00Z"),
                                             (second, "editing", "2025-04-02T10:00:00Z"))]
    running = client.post(f"/api/sessions/{second}/activities", json={"kind": "other",
                                                                    "started_at": "2025-04-03T10:00:00Z"}).get_json()
    ingest(client, dict(samples[0], startedAt="2025-03-30T10:00:00Z"))
    assert maintained(app) == recount(app)
    client.patch(f"/api/activities/{work[1]['id']}", json={"kind": "editing", "started_at": "2025-05-01T10:00:00Z",
                                                         "duration_seconds": 5400})
    client.patch(f"/api/activities/{running['id']}", json={"ended_at": "2025-04-03T12:00:00Z"})
    client.delete(f"/api/activities/{work[2]['id']}")
    assert maintained(app) == recount(app)
    client.delete(f"/api/session-stats/{first}")
    assert maintained(app) == recount(app)
    client.post(f"/api/session-stats/{first}/restore")
    assert maintained(app) == recount(app)
    work_counts = {key: n for key, n in maintained(app)[2].items()
                   if key[0].startswith(("work seconds of ", "sessions worked", "sessions started"))}
    assert work_counts[("work seconds of mixing", "2025-03")] == 5400
    assert work_counts[("work seconds of editing", "2025-05")] == 5400
    assert work_counts[("work seconds of other", "2025-04")] == 7200
    assert work_counts[("sessions worked", "2025-04")] == 1
    assert ("work seconds of editing", "2025-04") not in work_counts
    assert any(dimension == "billed seconds in 2025-05" for dimension, _ in maintained(app)[2])
    assert any(dimension.startswith("template worked seconds in ") for dimension, _ in maintained(app)[2])

    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client)
    live_id = client.get("/api/session-stats?limit=1").get_json()["sessions"][0]["id"]
    client.patch(f"/sessions/{live_id}/fields/artist", data={"value": "Someone New"})
    client.patch(f"/sessions/{live_id}/tags", data={"add": "brand-new-tag"})
    client.patch(f"/sessions/{live_id}/credits", data={"name": "New Person", "role": "writer"})
    assert maintained(app) == recount(app)
    _, totals, live_counts = maintained(app)
    assert totals and live_counts[("artist", "Someone New")] == 1 and live_counts[("tag", "brand-new-tag")] == 1
    assert live_counts[("person", "New Person")] == 1 and live_counts[("role", "writer")] == 1
    assert {dimension for dimension, _ in live_counts
            if not dimension.startswith(("months of ", "plugin months of ", "daw months of ", "tags of daw ",
                                         "billed seconds in ",
                                         "billed sessions in ", "weekly work seconds of ", "session minutes in ",
                                         "template sessions in ", "template timed sessions in ",
                                         "template worked seconds in ", "daw seconds in ", "daw sessions in ",
                                         "person seconds in ", "person sessions in "))} \
        == {"artist", "daw", "template", "tag", "person", "role", "vendor", "format", "product", "total", "open notes by artist",
            "open notes by project", "missing media by artist", "missing media by project", "sessions started",
            "sessions started weekly",
            "sessions worked", "sessions worked weekly", "work seconds of mixing", "work seconds of editing",
            "work seconds of other"}
    assert live_counts[("total", "open notes")] == 2 and live_counts[("total", "missing media")] == 1
    assert any(dimension.startswith("months of ") for dimension, _ in live_counts)
    assert any(dimension.startswith("plugin months of ") for dimension, _ in live_counts)
    assert any(dimension.startswith("daw months of ") for dimension, _ in live_counts)


def found(app, query):
    with app.app_context():
        return sorted(db.session.scalars(select(Session.name).where(
            *search_conditions(db.session, read_search(db.session, query)))))


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
        assert search_conditions(db.session, read_search(db.session, " -*\"' ")) == []

    ingest(client, {"name": "Night Drive", "fingerprint": "a", "tracks": [{"name": "Bass"}]})
    assert found(app, "vocal") == ["Morning"]
    assert found(app, "bass") == ["Night Drive"]
    assert found(app, "\"lead OR x*") == []

    morning = next(s["id"] for s in client.get("/api/session-stats").get_json()["sessions"] if s["name"] == "Morning")
    client.delete(f"/api/session-stats/{morning}")
    assert found(app, "daybr") == []
    assert "<strong>0</strong> sessions" in client.get("/sessions?q=daybr").get_data(as_text=True)
    client.post(f"/api/session-stats/{morning}/restore")
    assert found(app, "daybr") == ["Morning"]
    assert "<strong>1</strong> session" in client.get("/sessions?q=daybr").get_data(as_text=True)


def test_a_search_naming_a_product_counts_its_live_users_once_and_not_those_in_the_trash(client, search_form):
    def listed(query: str) -> tuple[int, list[str]]:
        answer = client.get("/api/sessions/", query_string={"q": query, "limit": 50}).get_json()
        return answer["total_count"], sorted(s["name"] for s in answer["sessions"])

    fabfilter = {"name": "FabFilter Pro-Q 3", "vendor": "FabFilter"}
    ingest(client, {"name": "Uses it", "fingerprint": "a", "tracks": [{"name": "Bus", "plugins": [fabfilter]}]},
           {"name": "Pro mix, Fab notes", "fingerprint": "b", "tracks": [{"name": "Fab bus", "plugins": [fabfilter]}]},
           {"name": "Trashed", "fingerprint": "c", "tracks": [{"name": "Keys", "plugins": [fabfilter]}]},
           {"name": "Other", "fingerprint": "d", "tracks": [{"name": "Pro keys"}]})
    trashed = next(s["id"] for s in client.get("/api/session-stats").get_json()["sessions"] if s["name"] == "Trashed")
    assert client.delete(f"/api/session-stats/{trashed}").status_code == 200
    assert listed("fabfilter") == (2, ["Pro mix, Fab notes", "Uses it"])
    assert listed("fab pro") == (2, ["Pro mix, Fab notes", "Uses it"])
    assert listed("pro keys") == (1, ["Other"])
