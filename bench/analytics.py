"""Analytics at scale: the analytics page and API over the page benchmark's archive with a million activities.

Run with `make bench-analytics`. Uses bench/data/pages (built by `make bench-pages` when missing), adds
BENCH_ACTIVITIES activities (1,000,000 by default) over the last three years once, brings every kept figure up to
date with a rebuild (a few minutes), then times each view as `bench.pages` does. Writes its section of
bench/RESULTS.md.
"""
import os
import random
import time
import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select

from app import create_app
from app.analytics_params import HoursParams
from app.database import unit_of_work
from app.extensions import db
from app.models import Activity, Session, Template, User
from app.models.types import utc_now
from app.models.work import ACTIVITY_KINDS
from app.services.accounts import create_user, generate_password
from app.services.analytics import (billing, daws_by_quarter, hours_by_month, hours_per_period, sessions_started,
                                    this_month, top_templates)
from app.services.derived import check_derived, rebuild_derived
from app.services.sign_ins import begin_sign_in
from app.services.templates import register_session_as_template
from bench.pages import FOLDER, build_archive, median_ms
from bench.results import write_section

ACTIVITIES = int(os.environ.get("BENCH_ACTIVITIES", 1_000_000))
TEMPLATES = 5
BATCH = 20_000


def seed_activities(app) -> None:
    """Give the archive's sessions ACTIVITIES finished activities over the last three years (once)."""
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Activity)) >= ACTIVITIES:
            return
        started = time.perf_counter()
        pks = db.session.scalars(select(Session.pk)).all()
        rng, now = random.Random(3), utc_now()
        for first in range(0, ACTIVITIES, BATCH):
            rows = []
            for _ in range(min(BATCH, ACTIVITIES - first)):
                start = now - timedelta(days=rng.uniform(1, 3 * 365))
                rows.append({"id": str(uuid.uuid4()), "session_pk": rng.choice(pks), "kind": rng.choice(ACTIVITY_KINDS),
                             "person": rng.choice(("Mara", "Jon", "Ife", "Sam")), "owner": "user:0",
                             "started_at": start, "ended_at": start + timedelta(minutes=rng.randint(15, 360)),
                             "note": "", "created_at": now, "updated_at": now})
            with unit_of_work():
                db.session.execute(insert(Activity), rows)
        print(f"  {ACTIVITIES:,} activities in {time.perf_counter() - started:.0f} s", flush=True)


def seed_templates(app) -> list[str]:
    """Register TEMPLATES of the archive's sessions as templates (once), each matched against every stored session
    as an admin's registration is; what each registration took."""
    timings = []
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Template)):
            return timings
        ids = db.session.scalars(select(Session.id).where(Session.track_count >= 8).order_by(Session.pk)
                                 .limit(TEMPLATES)).all()
        for number, session_id in enumerate(ids):
            started = time.perf_counter()
            with unit_of_work():
                registration = register_session_as_template(db.session, session_id, f"Template {number + 1}", "bench")
            seconds = time.perf_counter() - started
            timings.append(f"{seconds:.1f} s ({registration.matched:,} sessions matched)")
            print(f"  template {number + 1}: {timings[-1]}", flush=True)
    return timings


def bring_up_to_date(app) -> None:
    """Count every kept figure again and repair what differs: the activities were written around the writers, and
    a new revision may keep figures that the archive's earlier runs did not."""
    with app.app_context():
        started = time.perf_counter()
        with unit_of_work():
            repaired = rebuild_derived(db.session, check_derived(db.session))
        print(f"  {len(repaired):,} kept figures brought up to date in {time.perf_counter() - started:.0f} s",
              flush=True)


def main():
    app = create_app({"INSTANCE_PATH": str(FOLDER), "RATELIMIT_ENABLED": False})
    build_archive(app)
    seed_activities(app)
    bring_up_to_date(app)
    registrations = seed_templates(app)
    with app.app_context():
        with unit_of_work():
            user = db.session.scalar(select(User).where(User.username == "bench")) or create_user(
                db.session, "bench", "viewer", generate_password())
            cookie = begin_sign_in(db.session, user, "127.0.0.1", app.permanent_session_lifetime)
        count = db.session.scalar(select(func.count()).select_from(Activity))
        sessions = db.session.scalar(select(func.count()).select_from(Session))
        today = utc_now().date()
        year_ago = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = cookie
        session["_fresh"] = True

    def service(call):
        def run():
            with app.app_context():
                call()
        return run

    month = this_month()
    three_years_ago = today.replace(year=today.year - 3, month=1, day=1)

    def page_services(first, weekly=False, **narrowed):
        """What the page asks of the services for a span from `first` to today (its hours narrowed as asked)."""
        params = HoursParams.model_validate({"from": first, "to": today, "period": "week" if weekly else "month",
                                             **narrowed})
        return service(lambda: (hours_per_period(db.session, params),
                                sessions_started(db.session, first, today, params.period),
                                daws_by_quarter(db.session, first, today), top_templates(db.session, first, today),
                                billing(db.session, month)))

    views = [
        ("Analytics, default (12 months, this month's billing)", "/analytics", page_services(year_ago)),
        ("Hours API, months", "/api/analytics/hours", service(lambda: hours_by_month(db.session, year_ago, today))),
        ("Templates API (12 months)", "/api/analytics/templates",
         service(lambda: top_templates(db.session, year_ago, today))),
        ("Analytics by week (12 months)", "/analytics?period=week", page_services(year_ago, weekly=True)),
        ("Analytics, the hours of one DAW", "/analytics?daw=Pro+Tools", page_services(year_ago, daw=["Pro Tools"])),
        ("Analytics, the hours of one person", "/analytics?person=Mara", page_services(year_ago, person=["Mara"])),
        ("Analytics, three years of months", f"/analytics?from={today.year - 3}-01-01", page_services(three_years_ago)),
    ]
    rows = []
    for label, url, queries in views:
        assert client.get(url).status_code == 200, url
        page, bare = median_ms(lambda: client.get(url)), median_ms(queries)
        rows.append((label, url, page, bare))
        print(f"{label}: {page:.1f} ms (services {bare:.1f} ms)", flush=True)
    lines = [f"`make bench-analytics` on this machine ({os.cpu_count()} cores): {sessions:,} sessions, {count:,} "
             "activities over three years. Median of 15 requests after one warm-up; the services alone beside it. "
             "Target: the default view under 100 ms.", "",
             "| view | URL | page ms | services ms |", "|---|---|---:|---:|"]
    lines += [f"| {label} | `{url}` | {page:.1f} | {bare:.1f} |" for label, url, page, bare in rows]
    if registrations:
        lines += ["", f"Registering {TEMPLATES} sessions as templates, each matched against every stored session "
                      "without one (the first run only): " + "; ".join(registrations) + "."]
    write_section("Analytics", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
