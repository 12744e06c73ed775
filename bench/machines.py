"""What breaks on a machine, at scale: the missing, drift and unused reports and the uninstall impact over the pages
benchmark's archive, for a machine with MACHINE_PLUGINS installed plug-ins.

Run with `make bench-machines`. Reuses (or builds) bench/data/pages, sends the machine's inventory through the
service (replacing the one a run before sent), then times each report through the app: median of RUNS requests
after one warm-up. Writes its section of bench/RESULTS.md.
"""
import os
import platform
import sqlite3
import time
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy import func, select

from app import create_app
from app.database import unit_of_work
from app.extensions import db
from app.extractors.vocabulary import plugin_format
from app.inventory.wire import Inventory
from app.models import LiveCount, Plugin, PluginTotal, Session, TrackPlugin, User
from app.services.accounts import create_user, generate_password
from app.services.machine_plugins import NEEDS
from app.services.machines import receive_inventory
from app.services.sign_ins import begin_sign_in
from bench.pages import FOLDER, RUNS, build_archive, median_ms
from bench.results import write_section

MACHINE = "bench-room"
MACHINE_PLUGINS = 2_000
# Every this-many-th plugin the sessions use is left off the machine, so that the missing report has sessions.
LEFT_OFF_EVERY = 3
TARGET_MS = 200
FRAGMENT = {"HX-Request": "true"}


def machine_inventory(used) -> Inventory:
    """MACHINE_PLUGINS plug-ins: most of those the sessions use, in the format they need, one version older for
    some (drift), the rest of no session's (unused)."""
    plugins = []
    for number, row in enumerate(used):
        if number % LEFT_OFF_EVERY == 0:
            continue
        version = row.version if number % 2 else "0.1"
        plugins.append({"format": NEEDS[plugin_format(row.format)], "name": row.name, "vendor": row.vendor,
                        "version": version, "identifiedBy": "bundle"})
    plugins += [{"format": ("VST3", "AU", "AAX", "CLAP")[number % 4], "name": f"Filler {number}",
                 "vendor": f"Vendor {number % 97}", "version": "1.0.0", "identifiedBy": "bundle"}
                for number in range(MACHINE_PLUGINS - len(plugins))]
    return Inventory.model_validate({"machine": MACHINE, "collectedAt": datetime.now(UTC).isoformat(),
                                     "plugins": plugins})


def main():
    app = create_app({"INSTANCE_PATH": str(FOLDER), "RATELIMIT_ENABLED": False})
    build_archive(app)
    with app.app_context():
        used = [row for row in db.session.execute(
            select(Plugin.name, Plugin.vendor, Plugin.version, Plugin.format)
            .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk).order_by(Plugin.pk)).all()
            if plugin_format(row.format or "") in NEEDS]
        inventory = machine_inventory(used)
        started = time.perf_counter()
        with unit_of_work():
            receive_inventory(db.session, MACHINE, inventory, "bench")
        received_ms = (time.perf_counter() - started) * 1000
        with unit_of_work():
            user = db.session.scalar(select(User).where(User.username == "bench")) or create_user(
                db.session, "bench", "viewer", generate_password())
            user_cookie = begin_sign_in(db.session, user, "127.0.0.1", app.permanent_session_lifetime)
        top = db.session.get(Plugin, db.session.scalar(
            select(PluginTotal.plugin_pk).order_by(PluginTotal.instances.desc()).limit(1))).id
        top_product = db.session.scalar(select(LiveCount.value).where(LiveCount.dimension == "product")
                                        .order_by(LiveCount.count.desc()).limit(1))
        sessions = db.session.scalar(select(func.count()).select_from(Session))
        instances = db.session.scalar(select(func.count()).select_from(TrackPlugin))
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = user_cookie
        cookie["_fresh"] = True
    reports = [
        ("Missing, first page (API)", f"/api/machines/{MACHINE}/missing"),
        ("Missing, first page", f"/machines/{MACHINE}/missing"),
        ("Missing, its count (htmx asks after the page)", f"/machines/{MACHINE}/missing", FRAGMENT),
        ("Missing, REAPER only", f"/machines/{MACHINE}/missing?daw=REAPER"),
        ("Missing, page 20", f"/api/machines/{MACHINE}/missing?offset=1000"),
        ("Older versions, first page", f"/machines/{MACHINE}/drift"),
        ("Unused", f"/machines/{MACHINE}/unused"),
        ("Unused since a year ago", f"/machines/{MACHINE}/unused?since=2025-12-01"),
        ("Machine (installed, matched by, last used)", f"/machines/{MACHINE}"),
        ("Impact of the most used plugin", f"/api/plugins/{quote(top)}/impact"),
        ("Impact of the most used product", f"/api/products/{quote(top_product)}/impact"),
    ]
    rows = []
    for name, url, *headers in reports:
        headers = headers[0] if headers else {}
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        answer = response.get_json() if response.is_json else {}
        ms = median_ms(lambda: client.get(url, headers=headers))
        rows.append((name, url, ms, answer.get("total")))
        print(f"{name:48} {ms:8.1f} ms", flush=True)
    lines = [
        f"`make bench-machines` on this machine ({platform.processor() or platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}). The pages benchmark's archive: {sessions:,} sessions, "
        f"{instances:,} plugin instances, {len(used):,} distinct plugins a machine can install. One machine with "
        f"{len(inventory.plugins):,} installed plug-ins: two thirds of the plugins the sessions use, in the format "
        f"they need (every other one at version 0.1, older than saved), and others no session uses. Receiving its "
        f"inventory took {received_ms:.0f} ms. Median of {RUNS} requests after one warm-up, through the app. "
        f"Target: the missing report's first page under {TARGET_MS} ms. The page comes without its count, which htmx "
        f"asks for after it; the API gives the count with the page.",
        "",
        "| report | URL | ms | sessions in all |",
        "|---|---|---:|---:|",
        *[f"| {name} | `{url}` | {ms:.1f} | {'' if total is None else f'{total:,}'} |" for name, url, ms, total in rows],
    ]
    write_section("Machines", lines)


if __name__ == "__main__":
    main()
