"""An admin adds a remote source in the browser, tests its connection and starts a sync."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.scripted_server import Answer, ScriptedServer


@pytest.mark.parametrize("width", [1280, 390])
def test_add_a_source_test_it_and_sync_it(auth, live_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, auth.user("admin"))
    with ScriptedServer(Answer(401, {"error": {"message": "unknown token"}})) as remote:
        page.goto(f"{live_server}/admin/sources")
        expect(page.locator("#sources")).to_contain_text("No sources yet")
        page.fill("#name", "b-room")
        page.fill("#base_url", remote.url)
        page.fill("#token", "sst_wrong")
        page.fill("#every_minutes", "30")
        page.get_by_role("button", name="Add source").click()
        expect(page.locator("h1")).to_have_text("Source b-room")
        page.get_by_role("button", name="Test connection").click()
        expect(page.locator("#connection-check")).to_contain_text("refused the token (401)")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Sync #\d+$"))
    expect(page.locator("#job-facts")).to_contain_text("b-room")
    page.goto(f"{live_server}/admin/sources")
    expect(page.locator("#sources")).to_contain_text("every 30 min")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
