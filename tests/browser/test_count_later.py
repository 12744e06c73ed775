"""A list counted after its rows (PostgreSQL, with the threshold at 0) ends up looking as one counted at once
(SQLite): the count, the pager's last page and the bulk bar's "All N matching" fill in."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.helpers import ingest


@pytest.fixture
def app_config():
    return {"COUNT_LATER_ABOVE": 0}


@pytest.mark.parametrize("width", [1280, 800, 390])
def test_the_count_the_pager_and_the_bulk_bar_fill_in(auth, client, live_server, page, width):
    ingest(client, *({"name": f"Take {n:02}", "fingerprint": f"t{n}", "notes": "drums" if n < 27 else "strings"}
                     for n in range(30)))
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions?q=drums&size=25")
    expect(page.locator("#session-count")).to_have_text("27 sessions")
    expect(page.locator(".pager > span")).to_have_text("Page 1 of 2")
    expect(page.locator("#session-count")).to_be_visible()
    page.locator("#bulk-matching").check()
    expect(page.locator("#bulk-count")).to_have_text("All 27 matching chosen")

    page.locator(".pager a[rel=next]").click()
    expect(page.locator("#sessions tbody tr")).to_have_count(2)
    expect(page.locator(".pager > span")).to_have_text("Page 2 of 2")
    expect(page.locator("#session-count")).to_have_text("27 sessions")
