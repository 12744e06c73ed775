"""Correcting products in a browser: a merge changes the plugins page and its counts at once, survives a re-ingest,
and Undo splits them again; the page holds together at every width."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.helpers import ingest

SESSIONS = [
    {"name": f"Song {n}", "fingerprint": f"song-{n}", "tracks": [
        {"name": "Bus", "plugins": [{"name": "FabFilter Pro-Q 2 x64", "format": "VST2"},
                                    {"name": "Pro-Q 3", "vendor": "FabFilter", "format": "VST3"}]},
        {"name": "Vox", "plugins": [{"name": "Pro-Q 3", "vendor": "FabFilter", "format": "VST3"}]},
    ]} for n in range(3)
]


def product_row(page, name):
    return page.locator("#plugins tbody tr", has=page.locator("td:first-child", has_text=name))


@pytest.mark.parametrize("width", [1280, 800, 390])
def test_merge_then_undo_in_the_browser(auth, client, live_server, page, width):
    assert ingest(client, *SESSIONS).status_code == 200
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, auth.user("admin"))
    page.goto(f"{live_server}/plugins?sort=name&dir=asc")
    expect(page.locator("#plugins tbody tr")).to_have_count(2)
    expect(product_row(page, "Pro-Q 3").locator("td").nth(4)).to_have_text("6")  # instances

    page.click("#plugins a:text-is('Pro-Q 2')")
    page.click("#correct-product summary")
    page.fill("#merge-form input[name=into]", "fabfilter|pro-q 3")
    page.click("#merge-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Pro-Q 3")
    expect(page.locator(".flash, [role=status]").first).to_contain_text("Merged")
    # Width holds: nothing scrolls sideways (measured once the stylesheet has loaded and laid the page out).
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(f"{live_server}/plugins")
    expect(page.locator("#plugins tbody tr")).to_have_count(1)
    expect(product_row(page, "Pro-Q 3").locator("td").nth(4)).to_have_text("9")

    # The same files again keep the merge.
    assert ingest(client, *SESSIONS).status_code == 200
    page.reload()
    expect(page.locator("#plugins tbody tr")).to_have_count(1)

    page.goto(f"{live_server}/products/corrections")
    expect(page.locator("#corrections tbody tr")).to_have_count(1)
    page.click("#corrections button:text-is('Undo')")
    expect(page.locator("#corrections .empty")).to_be_visible()
    page.goto(f"{live_server}/plugins?sort=name&dir=asc")
    expect(page.locator("#plugins tbody tr")).to_have_count(2)
    expect(product_row(page, "Pro-Q 2").locator("td").nth(4)).to_have_text("3")
