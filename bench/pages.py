"""Page times at scale: each dashboard page's median server time beside the queries behind it.

Run with `make bench-pages` (BENCH_PAGE_SESSIONS sessions, 100,000 by default). Builds the
archive once in bench/data/pages (reused while it holds that many sessions), then times each
page through the app (routing, access check, queries, template) and, separately, the service
calls that run its queries. Writes its section of bench/RESULTS.md.
"""
import os
import platform
import sqlite3
import statistics
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select

from app import create_app
from app.auth import load_user
from app.database import unit_of_work, upgrade_database
from app.extensions import db
from app.gc_pause import gc_paused
from app.models import Event, LiveCount, Plugin, PluginTotal, Session, User
from app.sample_data import generate_sessions
from app.services.accounts import create_user, generate_password
from app.services.bulk_edit import has_samples
from app.services.events import add_events, latest_open_notes, open_notes_by, session_timeline
from app.services.jobs import unfinished_jobs
from app.timeline_input import EventInput
from app.services.ingest import ingest_sessions
from app.services.media import MissingMediaQuery
from app.services.media import missing_media as missing_media_report
from app.services.plugins import PluginQuery, list_plugins, plugin_facets, plugin_usage, top_products
from app.services.saved_views import save_view, saved_views
from app.services.facets import session_facets
from app.services.queries import SessionQuery, count_sessions, latest_sessions, list_sessions
from app.services.sessions import index_overview, months_by_daw, session_detail
from app.services.sign_ins import begin_sign_in
from app.wire import SessionStatsSession
from bench.results import write_section

SESSIONS = int(os.environ.get("BENCH_PAGE_SESSIONS", 100_000))
RUNS = 15
SAVED_VIEWS = 12
BATCH = 500
FOLDER = Path(__file__).resolve().parent / "data" / "pages"


def build_archive(app, sessions=SESSIONS, median_tracks=36, where=FOLDER):
    """Fill the database with `sessions` generated sessions, unless it already holds them."""
    with app.app_context():
        upgrade_database()
        have = db.session.scalar(select(func.count()).select_from(Session))
        if have == sessions:
            return
        if have:
            raise SystemExit(f"{where} holds {have:,} sessions, not {sessions:,}: delete it first.")
        started = time.perf_counter()
        batch = []
        for number, session in enumerate(generate_sessions(sessions, median_tracks=median_tracks), 1):
            batch.append(session)
            if len(batch) == BATCH or number == sessions:
                with gc_paused(), unit_of_work():
                    ingest_sessions(db.session, [SessionStatsSession.model_validate(s) for s in batch])
                batch = []
                if number % 10_000 == 0:
                    print(f"  {number:,} sessions in {time.perf_counter() - started:.0f} s", flush=True)


# Every this-many-th session gets two notes (one open) and, every other time, a media file that is missing.
TIMELINE_EVERY = 50


def seed_timeline(app):
    """Give some sessions notes and missing media files, as a studio's archive has (once)."""
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Event)):
            return
        chosen = db.session.execute(select(Session.id, Session.fingerprint, Session.name)
                                    .where(Session.pk % TIMELINE_EVERY == 0)).all()
        started = time.perf_counter()
        for number, (session_id, fingerprint, name) in enumerate(chosen):
            with unit_of_work():
                add_events(db.session, session_id, [
                    EventInput(kind="note", t_sec=30 + number % 90, text="vocal too loud in the chorus"),
                    EventInput(kind="note", t_sec=95, text="fade longer", status="resolved")], "bench")
        with gc_paused(), unit_of_work():
            ingest_sessions(db.session, [SessionStatsSession.model_validate({
                "fingerprint": fingerprint, "name": name, "mediaFiles": [
                    {"path": "Audio Files/Kick.wav", "exists": True}, {"path": "/gone/Vox.wav", "exists": False}]})
                for number, (_, fingerprint, name) in enumerate(chosen) if number % 2 == 0])
        print(f"  notes on {len(chosen):,} sessions in {time.perf_counter() - started:.0f} s", flush=True)


def median_ms(call) -> float:
    call()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def dashboard_pages(app):
    """A signed-in test client, the archive's totals, and each page to time as (label, URL, the service calls
    behind it, run as a request runs them)."""
    with app.app_context():
        with unit_of_work():
            user = db.session.scalar(select(User).where(User.username == "bench"))
            if user is None:
                user = create_user(db.session, "bench", "viewer", generate_password())
            if not saved_views(db.session, user.pk, "sessions"):
                # A studio's handful of saved views, listed on every sessions page.
                for number in range(SAVED_VIEWS):
                    save_view(db.session, user.pk, "sessions", f"View {number}", f"daw=REAPER&page={number + 1}",
                              shared=number % 2 == 0)
            # The cookie holds the secret of a sign-in kept on the server, as a browser's does.
            user_cookie = begin_sign_in(db.session, user, "127.0.0.1", app.permanent_session_lifetime)
        session_id = db.session.scalar(select(Session.id).order_by(Session.pk).limit(1))
        top = db.session.scalar(select(PluginTotal.plugin_pk).order_by(PluginTotal.instances.desc()).limit(1))
        top = db.session.get(Plugin, top).id
        top_product = db.session.scalar(select(LiveCount.value).where(LiveCount.dimension == "product")
                                        .order_by(LiveCount.count.desc()).limit(1))
        totals = index_overview(db.session)
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = user_cookie
        cookie["_fresh"] = True

    filtered = SessionQuery(daw=("Pro Tools",), tag=("mix",))
    search = SessionQuery(q="vocal")
    wide = SessionQuery(page_size=200)
    missing = SessionQuery(missing=True)
    open_notes = SessionQuery(has_open_notes=True)
    missing_media = SessionQuery(has_missing_media=True)
    by_open_notes = SessionQuery(sort="open_notes")
    fewest_tracks = SessionQuery(sort="tracks", descending=False)
    most_worked = SessionQuery(sort="worked")
    session_lists = [("", SessionQuery()), ("?daw=Pro+Tools&tag=mix", filtered), ("?q=vocal", search),
                     ("?missing=1", missing), ("?has_open_notes=1", open_notes),
                     ("?has_missing_media=1", missing_media)]
    # The sessions list shows its table first; its facets load after, from a URL of their own.
    facet_panels = [(f"Sessions' facets{', ' + query[1:] if query else ''}", f"/sessions/facets{query}",
                     lambda narrowing=narrowing: session_facets(db.session, narrowing))
                    for query, narrowing in session_lists]
    # A list that no kept figure counts, and that PostgreSQL expects to match many sessions, loads its count after.
    later = app.config["COUNT_LATER_ABOVE"]
    counts = [(f"Sessions' count, {query[1:]}", f"/sessions/count{query}",
               lambda narrowing=narrowing: count_sessions(db.session, narrowing))
              for query, narrowing in (("?daw=Pro+Tools&tag=mix", filtered), ("?q=vocal", search))]
    pages = [
        ("Overview", "/", lambda: (index_overview(db.session), top_products(db.session), latest_sessions(db.session),
                                   months_by_daw(db.session), has_samples(db.session), latest_open_notes(db.session),
                                   open_notes_by(db.session, "artist"), open_notes_by(db.session, "project"),
                                   unfinished_jobs(db.session))),
        ("Sessions, first page", "/sessions",
         lambda: list_sessions(db.session, SessionQuery(), later)),
        ("Sessions, filtered (DAW + tag)", "/sessions?daw=Pro+Tools&tag=mix",
         lambda: list_sessions(db.session, filtered, later)),
        ("Sessions, search \"vocal\"", "/sessions?q=vocal",
         lambda: list_sessions(db.session, search, later)),
        ("Sessions, 200 a page with the path", "/sessions?size=200&cols=artist&cols=date&cols=path",
         lambda: list_sessions(db.session, wide, later)),
        ("Sessions, file missing", "/sessions?missing=1",
         lambda: list_sessions(db.session, missing, later)),
        ("Sessions, open notes, with the new columns",
         "/sessions?has_open_notes=1&cols=artist&cols=date&cols=open_notes&cols=missing_media",
         lambda: list_sessions(db.session, open_notes, later)),
        ("Sessions, media missing", "/sessions?has_missing_media=1",
         lambda: list_sessions(db.session, missing_media, later)),
        ("Sessions, most open notes first", "/sessions?sort=open_notes&cols=open_notes",
         lambda: list_sessions(db.session, by_open_notes, later)),
        ("Sessions, fewest tracks first", "/sessions?sort=tracks&dir=asc",
         lambda: list_sessions(db.session, fewest_tracks, later)),
        ("Sessions, most worked first", "/sessions?sort=worked&cols=worked",
         lambda: list_sessions(db.session, most_worked, later)),
        *facet_panels,
        *counts,
        ("Missing media", "/media/missing", lambda: missing_media_report(db.session, MissingMediaQuery())),
        ("Session", f"/sessions/{quote(session_id)}", lambda: (session_detail(db.session, session_id),
                                                               session_timeline(db.session, session_id))),
        ("Plugins (by product)", "/plugins", lambda: (list_plugins(db.session, PluginQuery()),
                                                      plugin_facets(db.session))),
        ("Plugins, exact", "/plugins?view=exact",
         lambda: (list_plugins(db.session, PluginQuery(products=False)), plugin_facets(db.session))),
        ("Plugin (the most used)", f"/plugins/{quote(top)}", lambda: plugin_usage(db.session, plugin_id=top)),
        ("Product (the most used)", f"/products/{quote(top_product)}",
         lambda: plugin_usage(db.session, product_key=top_product)),
    ]
    def behind_the_page(queries):
        """The page's queries as a request runs them: a fresh database session, the sign-in lookup first."""
        def run():
            with app.app_context():
                load_user(user_cookie)
                queries()
        return run

    return client, totals, [(label, url, behind_the_page(queries)) for label, url, queries in pages]


def time_pages(client, pages):
    """Each page's median time through the app beside that of its queries alone: (label, URL, page ms, queries ms)."""
    rows = []
    for label, url, queries in pages:
        assert client.get(url).status_code == 200, url
        page = median_ms(lambda: client.get(url))
        bare = median_ms(queries)
        rows.append((label, url, page, bare))
        print(f"{label}: page {page:.1f} ms, queries {bare:.1f} ms", flush=True)
    return rows


def page_table(rows) -> list[str]:
    return ["| page | URL | page ms | queries ms | page / queries |", "|---|---|---:|---:|---:|",
            *(f"| {label} | `{url[:60]}` | {page:.1f} | {bare:.1f} | {page / bare:.1f}x |"
              for label, url, page, bare in rows)]


def archive_size(totals) -> str:
    return (f"{totals['sessions']:,} generated sessions, {totals['tracks']:,} tracks, "
            f"{totals['instances']:,} plugin instances, {totals['plugins']:,} distinct plugins")


HOW_PAGES_ARE_TIMED = (
    f"The bench user has {SAVED_VIEWS} saved views. Median of {RUNS} requests after one warm-up: the page through "
    "the app (routing, access check, queries, template), and its queries alone: the sign-in lookup and the service "
    "calls the view makes, in a fresh database session as a request has.")


def main():
    app = create_app({"INSTANCE_PATH": str(FOLDER), "RATELIMIT_ENABLED": False})
    build_archive(app)
    seed_timeline(app)
    client, totals, pages = dashboard_pages(app)
    rows = time_pages(client, pages)
    lines = [
        f"`make bench-pages` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}). {archive_size(totals)}.",
        f"{HOW_PAGES_ARE_TIMED} Target: under 50 ms and at most 3x the queries; the sessions list's table, which "
        "no longer waits for its facets, under 25 ms, and its facet panel under 50 ms.",
        "",
        *page_table(rows),
    ]
    write_section("Pages", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
