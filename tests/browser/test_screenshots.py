"""Every page at 1280, 800 and 390 px is no wider than the window; screenshots of the main pages in light and dark,
for people to look at (see the README)."""
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from app.sample_data import generate_sessions
from tests.auth import PASSWORD, csrf_token
from tests.helpers import ingest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = (1280, 800, 390)
# Pages with nothing to show on their own, checked for width only.
OTHER_PAGES = ("/trash", "/scans/", "/admin/users", "/admin/audit", "/settings", "/settings/tokens", "/products/corrections",
               "/sessions/new")


TIMELINE_SESSION = {
    "name": "Harbour Lights (timeline)", "fingerprint": "timeline", "artist": "Lumen",
    "markers": [{"name": "Verse", "tSec": 12, "comment": "double the vocal"},
                {"name": "Chorus", "tSec": 40, "endSec": 62.25, "track": "Lead Vocal"}],
    "mediaFiles": [{"path": "/Volumes/Archive 2019/Harbour Lights/Audio Files/Lead Vocal comp take 14_03.wav",
                    "exists": False}, {"path": "Audio Files/Kick.wav", "exists": True, "sizeBytes": 12_345_678}]}
MACHINE_PLUGINS = [
    {"format": "VST3", "name": "Pro-Q 3", "vendor": "FabFilter", "version": "3.24.0", "identifiedBy": "bundle",
     "uid": "72C4DB717A4D459AB97E51745D84B39D", "category": "Fx|EQ",
     "path": "/Library/Audio/Plug-Ins/VST3/FabFilter Pro-Q 3.vst3"},
    {"format": "AU", "name": "Pro-Q 3", "vendor": "FabFilter", "version": "3.24.0", "identifiedBy": "bundle",
     "uid": "aufx:FQ3p:FabF", "path": "/Library/Audio/Plug-Ins/Components/FabFilter Pro-Q 3.component"},
    {"format": "AAX", "name": "Pro-Q 3", "version": "3.24.0", "identifiedBy": "bundle",
     "bundleId": "com.fabfilter.Pro-Q.AAX.3",
     "path": "/Library/Application Support/Avid/Audio/Plug-Ins/FabFilter Pro-Q 3.aaxplugin"},
    {"format": "CLAP", "name": "Surge XT", "identifiedBy": "file name", "path": "/Library/Audio/Plug-Ins/CLAP/Surge XT.clap"},
]


def main_pages(client) -> dict[str, str]:
    ingest(client, TIMELINE_SESSION)
    session_id = next(s["id"] for s in client.get("/api/session-stats?limit=1000").get_json()["sessions"]
                      if s["fingerprint"] == "timeline")
    client.post(f"/api/sessions/{session_id}/events", json={"events": [
        {"kind": "note", "t_sec": 83.5, "text": "Vocal too loud in the second chorus, bring it down 1 dB",
         "label": "mix"}]})
    for kind, start, seconds, note in (("tracking", "2026-01-05T10:00:00Z", 10800, "Drums and bass, live in room A"),
                                       ("mixing", "2026-01-07T14:00:00Z", 9000, "Recall after the client's notes")):
        client.post(f"/api/sessions/{session_id}/activities", json={
            "kind": kind, "started_at": start, "duration_seconds": seconds, "note": note, "person": "Mara Quist"})
    # A generated session becomes a template, so that its look-alikes carry it.
    generated = next(s["id"] for s in client.get("/api/session-stats?limit=1000").get_json()["sessions"]
                     if len(s.get("tracks") or ()) >= 4)
    client.post(f"/templates/from-session/{generated}", data={"csrf_token": csrf_token(client), "name": "Band Room"})
    client.post("/admin/sources", data={"csrf_token": csrf_token(client), "name": "b-room",
                                        "base_url": "https://b-room.studio.lan:8000", "token": "sst_b",
                                        "tag": "mix", "every_minutes": "15"})
    client.post("/admin/webhooks", data={"csrf_token": csrf_token(client), "events": ["session.created"],
                                         "url": "https://main.studio.lan/api/webhooks/sources/a-room"})
    for collected, plugins in (("2026-01-02T09:00:00Z", MACHINE_PLUGINS[:-1]), ("2026-01-09T09:00:00Z", MACHINE_PLUGINS)):
        client.post("/api/machines/B-Room Mac/inventory", json={
            "machine": "B-Room Mac", "os": "macOS", "collectedAt": collected, "plugins": plugins,
            "unreadable": [{"path": "/Library/Audio/Plug-Ins/Components/Old Thing.component",
                            "reason": "Info.plist declares no AudioComponents"}]})
    product_key = client.get("/").data.decode().split('<td><a href="/products/', 1)[1].split('"', 1)[0]
    exact = client.get("/plugins?view=exact").data.decode()
    plugin_id = exact.split('href="/plugins/', 1)[1].split('"', 1)[0]
    return {"home": "/", "sessions": "/sessions", "sessions-filtered": "/sessions?q=mix&daw=Pro+Tools",
            "sessions-filters": "/sessions/facets?daw=Pro+Tools",
            "session": f"/sessions/{quote(session_id)}", "plugins": "/plugins",
            "product": f"/products/{product_key}", "plugin": f"/plugins/{plugin_id}", "missing-media": "/media/missing",
            "templates": "/templates", "sources": "/admin/sources", "source": "/admin/sources/b-room",
            "webhooks": "/admin/webhooks", "webhook": "/admin/webhooks/1",
            "analytics": f"/analytics?month=2026-01&from=2024-01-01&product={product_key}",
            "machines": "/machines", "machine": "/machines/B-Room%20Mac",
            "machine-missing": "/machines/B-Room%20Mac/missing", "machine-drift": "/machines/B-Room%20Mac/drift",
            "machine-unused": "/machines/B-Room%20Mac/unused?since=2026-01-01"}


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_window_and_screenshots(app, auth, client, live_server, browser, width, backend):
    if backend != "sqlite":
        pytest.skip("the pages look the same on PostgreSQL")
    ingest(client, *generate_sessions(120, seed=2))
    pages = main_pages(client)
    username = auth.user("admin")
    SCREENSHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        others = {path: path for path in OTHER_PAGES} if scheme == "light" else {}
        for name, path in {**pages, **others}.items():
            response = page.goto(live_server + path)
            assert response.status == 200, path
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
            if name in pages:
                target = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
                page.screenshot(path=target)
                assert target.stat().st_size > 10_000
        context.close()
        assert errors == []


def test_on_a_narrow_screen_results_come_first_and_facets_open_from_a_button(auth, client, live_server, browser):
    ingest(client, *generate_sessions(30, seed=3))
    context = browser.new_context(viewport={"width": 800, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", auth.user("viewer"))
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/sessions?daw=REAPER")
    facet = page.locator('.facet[data-facet="artist"]')
    expect(facet).to_be_hidden()
    toggle = page.get_by_role("button", name="Filters (1 chosen)")
    toggle.click()
    expect(facet).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # The table scrolls within its box, its name column stays in view.
    box = page.locator(".table-box").first
    assert box.evaluate("element => element.scrollWidth > element.clientWidth")
    name_cell = page.locator("#sessions tbody tr:first-child td:nth-child(2)")
    assert name_cell.evaluate("cell => getComputedStyle(cell).position") == "sticky"
    context.close()
