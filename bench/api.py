"""Sessions API times at scale: each request's median and 95th percentile server time beside the service call.

Run with `make bench-api`. Reuses the archive of `make bench-pages` (bench/data/pages, built there
first if missing), migrated to the current schema. Each request goes through the app with a viewer's
API token (routing, token check, validation, queries, stats, JSON); the service call behind it runs
alone in a fresh database session, as a request has one. Stats are cached before a warm request
and dropped before each cold one. Writes its section of bench/RESULTS.md.
"""
import os
import platform
import sqlite3
import statistics
import time
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from sqlalchemy import delete, func, select

from app import create_app
from app.database import unit_of_work
from app.extensions import db
from app.list_params import LikedParams, SessionListParams
from app.models import ApiToken, LiveCount, Plugin, Session, SessionPlugin, SessionStatsCache, Tag
from app.models.types import utc_now
from app.services.queries import SessionQuery, select_sessions
from app.services.search import count_matching_sessions, read_search
from app.services.summaries import COLUMNS, recently_liked, session_summaries, stats_of_session
from app.services.tokens import create_token, resolve_token
from bench.pages import FOLDER, build_archive
from bench.results import write_section

RUNS = 20
LIST_TARGET_MS = 50
CACHED_STATS_TARGET_MS = 5
SEARCH_WORD = "vocal"


def timings_ms(call, prepare=None) -> list[float]:
    """RUNS timings of `call` after one untimed warm-up; `prepare` runs untimed before each call."""
    if prepare:
        prepare()
    call()
    timings = []
    for _ in range(RUNS):
        if prepare:
            prepare()
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


def most_common(dimension: str) -> str:
    """The value of a maintained facet that the most live sessions have."""
    return db.session.scalar(select(LiveCount.value).where(LiveCount.dimension == dimension)
                             .order_by(LiveCount.count.desc(), LiveCount.value).limit(1))


def plugin_name_by_use(most: bool) -> str:
    """The name of the plugin the most (or the fewest) live sessions use."""
    uses = func.count(SessionPlugin.session_pk.distinct())
    return db.session.scalar(select(Plugin.name).join(SessionPlugin, SessionPlugin.plugin_pk == Plugin.pk)
                             .group_by(Plugin.name).order_by(uses.desc() if most else uses, Plugin.name).limit(1))


def month_of_middle_session() -> tuple[date, date]:
    """First and last day of the month of the middle session by date."""
    total = db.session.scalar(select(func.count()).select_from(Session).where(Session.deleted_at.is_(None)))
    middle = db.session.scalar(select(Session.created_at).where(Session.deleted_at.is_(None))
                               .order_by(Session.created_at.desc()).offset(total // 2).limit(1))
    first = middle.date().replace(day=1)
    following = (first + timedelta(days=31)).replace(day=1)
    return first, following - timedelta(days=1)


def query_of(params: dict) -> SessionQuery:
    """The SessionQuery the list view builds from these query parameters."""
    return SessionListParams.model_validate(params).session_query()


def forget_cached_stats(app, pks: list[int]):
    """A step that drops the cached stats of these sessions, so the next read computes them."""
    def run():
        with app.app_context(), unit_of_work():
            db.session.execute(delete(SessionStatsCache).where(SessionStatsCache.session_pk.in_(pks)))
    return run


def measure(app, secret: str):
    """Each request's timings, the service call's, and the unfiltered list's SQL alone; and the archive's size."""
    with app.app_context():
        daw, artist, tag = most_common("daw"), most_common("artist"), most_common("tag")
        popular, rare = plugin_name_by_use(True), plugin_name_by_use(False)
        vendor = db.session.scalar(select(Plugin.vendor).where(Plugin.name == popular).limit(1))
        popular_part, rare_part = popular.split()[0].lower(), rare.split()[0].lower()
        month_from, month_to = month_of_middle_session()
        newest = db.session.scalar(select(func.max(Session.created_at)).where(Session.deleted_at.is_(None)))
        year_ago = (newest - timedelta(days=365)).date().isoformat()
        first_page = [row.pk for row in select_sessions(db.session, SessionQuery(), [Session.pk], 100, 0)[0]]
        session_pk, session_id = db.session.execute(
            select(Session.pk, Session.id).where(Session.pk == first_page[0])).one()
        totals = {
            "sessions": db.session.scalar(select(func.count()).select_from(Session)),
            "tags": db.session.scalar(select(func.count()).select_from(Tag)),
            "session_plugins": db.session.scalar(select(func.count()).select_from(SessionPlugin)),
        }
        words = count_matching_sessions(db.session, read_search(db.session, SEARCH_WORD))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"

    def in_request(work):
        """The service call as a request runs it: a fresh database session, the token lookup first."""
        def run():
            with app.app_context():
                resolve_token(db.session, secret)
                work()
        return run

    def listing(params: dict):
        """The service call behind GET /api/sessions/ with these parameters."""
        query, page = query_of(params), SessionListParams.model_validate(params)
        return in_request(lambda: session_summaries(db.session, query, page.limit, page.offset))

    list_cases = [
        ("List, stats cached", {}),
        (f"daw={daw}", {"daw": [daw]}),
        (f"artist={artist}", {"artist": [artist]}),
        (f"tag={tag}", {"tag": [tag]}),
        (f"vendor={vendor}", {"vendor": [vendor]}),
        (f"plugin={popular_part} (popular: {popular})", {"plugin": popular_part}),
        (f"plugin={rare_part} (rarest: {rare})", {"plugin": rare_part}),
        (f"q={SEARCH_WORD} ({words:,} matches)", {"q": SEARCH_WORD}),
        ("liked=true", {"liked": "true"}),
        ("test=false&complete=true", {"test": "false", "complete": "true"}),
        (f"one month ({month_from:%Y-%m})", {"from_date": month_from.isoformat(), "to_date": month_to.isoformat()}),
        ("daw + liked + from_date (a year)", {"daw": [daw], "liked": "true", "from_date": year_ago}),
        ("Deep page, offset=50000", {"offset": "50000"}),
        ("plugin=pro (several products)", {"plugin": "pro"}),
        ("plugin=e (most products)", {"plugin": "e"}),
        (f"plugin={popular_part} + artist={artist}", {"plugin": popular_part, "artist": [artist]}),
        (f"vendor={vendor} + daw={daw}", {"vendor": [vendor], "daw": [daw]}),
        (f"plugin={popular_part}, offset=50000", {"plugin": popular_part, "offset": "50000"}),
    ]
    liked = LikedParams()
    forget_first_page = forget_cached_stats(app, first_page)
    forget_one = forget_cached_stats(app, [session_pk])
    cases = [
        # (label, url, service call, prepare, target ms)
        ("List, stats computed (cold)", "/api/sessions/?limit=100", listing({}), forget_first_page, LIST_TARGET_MS),
        *[(label, "/api/sessions/?" + urlencode({"limit": 100, **params}, doseq=True), listing(params), None,
           LIST_TARGET_MS) for label, params in list_cases],
        ("Stats, cached", f"/api/sessions/{quote(session_id)}/stats",
         in_request(lambda: stats_of_session(db.session, session_id)), None, CACHED_STATS_TARGET_MS),
        ("Stats, computed (cold)", f"/api/sessions/{quote(session_id)}/stats",
         in_request(lambda: stats_of_session(db.session, session_id)), forget_one, LIST_TARGET_MS),
        ("Recently liked", "/api/sessions/recent/liked",
         in_request(lambda: recently_liked(db.session, liked.limit, liked.offset)), None, LIST_TARGET_MS),
    ]

    rows = []
    for label, url, service, prepare, target in cases:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
        body = response.get_json()
        found = body.get("total_count")
        request_ms = timings_ms(lambda url=url: client.get(url), prepare)
        service_ms = timings_ms(service, prepare)
        rows.append((label, url, found, request_ms, service_ms, target))
        print(f"{label}: request {statistics.median(request_ms):.1f} ms (p95 {p95(request_ms):.1f}), "
              f"service {statistics.median(service_ms):.1f} ms", flush=True)

    def first_page_sql():
        with app.app_context():
            select_sessions(db.session, SessionQuery(), COLUMNS, 100, 0)
    sql_ms = statistics.median(timings_ms(first_page_sql))
    print(f"Unfiltered list, its SQL alone: {sql_ms:.1f} ms", flush=True)
    return rows, sql_ms, totals


def main():
    app = create_app({"INSTANCE_PATH": str(FOLDER), "RATELIMIT_ENABLED": False})
    build_archive(app)
    with app.app_context(), unit_of_work():
        token, secret = create_token(db.session, f"bench api {utc_now():%Y-%m-%d %H:%M:%S}", "viewer",
                                     expires_at=utc_now() + timedelta(hours=6), created_by="bench")
        token_pk = token.pk
    try:
        rows, sql_ms, totals = measure(app, secret)
    finally:
        with app.app_context(), unit_of_work():
            db.session.execute(delete(ApiToken).where(ApiToken.pk == token_pk))

    unfiltered = next(row for row in rows if row[0] == "List, stats cached")
    lines = [
        f"`make bench-api` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}), on the archive of `make bench-pages`: {totals['sessions']:,} generated "
        f"sessions, {totals['tags']:,} tags, {totals['session_plugins']:,} session-plugin rows.",
        f"Median and 95th percentile of {RUNS} requests after one warm-up, through the app with a viewer's API "
        "token (routing, token check, validation, queries, stats, JSON), and the median of the service call "
        "alone (token lookup, then the service function, in a fresh database session as a request has). "
        "Lists ask for limit=100. A warm request finds its sessions' stats cached (the warm-up cached them); "
        "before each cold one the cached stats of its sessions are dropped, so it computes and stores them. "
        f"Targets: a list under {LIST_TARGET_MS} ms, cached stats under {CACHED_STATS_TARGET_MS} ms (median).",
        f"The unfiltered list's SQL alone (the page of rows and the total count, `select_sessions`) takes "
        f"{sql_ms:.1f} ms of its {statistics.median(unfiltered[3]):.1f} ms.",
        "",
        "| request | URL | found | median ms | p95 ms | service ms | target ms | met? |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, url, found, request_ms, service_ms, target in rows:
        median, count = statistics.median(request_ms), "" if found is None else f"{found:,}"
        lines.append(f"| {label} | `{url.removeprefix('/api/sessions')[:70]}` | {count} | {median:.1f} | "
                     f"{p95(request_ms):.1f} | {statistics.median(service_ms):.1f} | {target} | "
                     f"{'yes' if median < target else 'no'} |")
    write_section("API", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
