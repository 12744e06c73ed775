"""Screenshots of the main pages at 1280×800, light and dark, for people to look at (see the README)."""
from pathlib import Path
from urllib.parse import quote

import pytest

from app.sample_data import generate_sessions
from tests.auth import PASSWORD
from tests.helpers import ingest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_main_pages(app, auth, client, live_server, browser, scheme, backend):
    if backend != "sqlite":
        pytest.skip("the pages look the same on PostgreSQL")
    ingest(client, *generate_sessions(120, seed=2))
    session_id = client.get("/api/session-stats?limit=1").get_json()["sessions"][0]["id"]
    product_key = client.get("/").data.decode().split('<td><a href="/products/', 1)[1].split('"', 1)[0]
    exact = client.get("/plugins?view=exact").data.decode()
    plugin_id = exact.split('href="/plugins/', 1)[1].split('"', 1)[0]
    pages = {"home": "/", "sessions": "/sessions", "sessions-filtered": "/sessions?q=mix&daw=Pro+Tools",
             "session": f"/sessions/{quote(session_id)}", "plugins": "/plugins",
             "product": f"/products/{product_key}", "plugin": f"/plugins/{plugin_id}"}
    username = auth.user("editor")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, path in pages.items():
        response = page.goto(live_server + path)
        assert response.status == 200, path
        target = SCREENSHOTS / f"{name}-{scheme}.png"
        page.screenshot(path=target)
        assert target.stat().st_size > 10_000
    context.close()
    assert errors == []
