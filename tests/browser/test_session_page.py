"""Editing on the session page in a browser: fields, tags and the favourite toggle."""
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.helpers import ingest


def test_edits_save_at_once_and_survive_a_reload(auth, client, live_server, page):
    ingest(client, {"name": "Blue Room", "fingerprint": "b", "tags": ["mix"], "bpm": 90})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions/{session_id}")

    page.click("#field-bpm button.edit")
    page.fill("#edit-bpm", "-5")
    page.click("#field-bpm button[type=submit]")
    expect(page.locator("#error-bpm")).to_contain_text("must be a number above 0")
    page.fill("#edit-bpm", "96")
    page.click("#field-bpm button[type=submit]")
    expect(page.locator("#field-bpm .saved")).to_be_visible()
    expect(page.locator("#field-bpm .value")).to_have_text("96.0")

    page.fill("#tags input[name=add]", "vocals")
    page.press("#tags input[name=add]", "Enter")
    expect(page.locator("#tags .saved")).to_be_visible()
    page.click("#tags button[aria-label='Remove tag mix']")
    expect(page.locator("#tags .tag a")).to_have_text(["vocals"])

    page.click("#flag-is_favorite")
    expect(page.locator("#flag-is_favorite")).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(page.locator("#tags .tag a")).to_have_text(["vocals"])
    expect(page.locator("#flag-is_favorite")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#field-bpm .value")).to_have_text("96.0")
