"""Manual entry in a browser: rows added and removed without a reload, an error, then success."""
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in


def test_manual_entry_with_an_error_then_success(auth, client, live_server, page):
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions/new")
    page.click("#add-track")
    page.click("#add-track")
    expect(page.locator(".track-row")).to_have_count(3)
    page.click("#track-1 .remove-row")
    expect(page.locator(".track-row")).to_have_count(2)

    page.fill("#track-0-name", "Piano")
    page.fill("#track-0-plugins", "Keyscape | Spectrasonics")
    page.fill("#track-2-name", "Voice")
    page.fill("#bpm", "-5")
    page.click("form.new-session button[type=submit]")
    expect(page.locator("#name").locator("xpath=..").locator(".error")).to_be_visible()
    expect(page.locator("#bpm").locator("xpath=..").locator(".error")).to_contain_text("must be a number above 0")
    # The rows come back numbered again in their order, with what was typed.
    expect(page.locator("#track-1-name")).to_have_value("Voice")

    page.fill("#name", "Living Room")
    page.fill("#bpm", "72")
    page.click("form.new-session button[type=submit]")
    expect(page.locator("h1")).to_have_text("Living Room")
    expect(page.locator("#tracks .track-name")).to_have_count(2)
    session_id = page.url.rsplit("/", 1)[1]
    assert client.get(f"/api/session-stats/{session_id}").get_json()["sources"][0]["type"] == "manual"
