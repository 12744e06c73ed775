"""The sessions page in a browser: search as you type, facets, history, Esc."""
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.auth import PASSWORD
from tests.helpers import ingest


def sign_in(page, live_server, username):
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")


def rows(page):
    return page.locator("#sessions tbody tr")


def names(page):
    return sorted(page.locator("#sessions tbody td.name").all_inner_texts())


def query_of(page):
    return parse_qs(urlsplit(page.url).query)


def test_search_facets_and_history(auth, client, live_server, page):
    ingest(client,
           {"name": "Night Drive", "fingerprint": "a", "daw": "Pro Tools", "artist": "Lumen", "tags": ["mix"]},
           {"name": "Night Shift", "fingerprint": "b", "daw": "REAPER", "artist": "Lumen"},
           {"name": "Morning", "fingerprint": "c", "daw": "Pro Tools", "artist": "Dawn"})
    sign_in(page, live_server, auth.user("viewer"))
    page.goto(f"{live_server}/sessions")
    assert names(page) == ["Morning", "Night Drive", "Night Shift"]

    page.fill("#q", "nig")
    expect(rows(page)).to_have_count(2)
    assert names(page) == ["Night Drive", "Night Shift"]
    page.wait_for_url("**/sessions?*q=nig*")

    daw = page.locator('.facet[data-facet="daw"] li', has_text="Pro Tools")
    assert daw.locator(".count").inner_text() == "1"
    daw.locator("a").click()
    expect(rows(page)).to_have_count(1)
    assert names(page) == ["Night Drive"]
    assert query_of(page)["daw"] == ["Pro Tools"] and query_of(page)["q"] == ["nig"]

    page.go_back()
    expect(rows(page)).to_have_count(2)
    assert names(page) == ["Night Drive", "Night Shift"]
    assert page.input_value("#q") == "nig"

    page.focus("#q")
    page.keyboard.press("Escape")
    expect(rows(page)).to_have_count(3)
    assert page.input_value("#q") == ""


def test_from_the_plugins_list_to_the_sessions_that_use_a_plugin(auth, client, live_server, page):
    ingest(client, {"name": "Uses it", "fingerprint": "a", "tracks": [{"name": "1", "plugins": [{"name": "Decapitator"}]}]},
           {"name": "Also uses it", "fingerprint": "b", "tracks": [{"name": "1", "plugins": [{"name": "Decapitator"}]}]},
           {"name": "Does not", "fingerprint": "c", "tracks": [{"name": "1", "plugins": [{"name": "EchoBoy"}]}]})
    sign_in(page, live_server, auth.user("viewer"))
    page.goto(f"{live_server}/plugins")
    page.click("#plugins a:text-is('Decapitator')")
    expect(page.locator("h1")).to_contain_text("Decapitator")
    expect(page.locator("#plugin-sessions tbody td:first-child")).to_have_text(["Also uses it", "Uses it"])


@pytest.mark.parametrize("width", [1280, 800, 390])
def test_the_table_stays_put_while_the_facets_arrive(auth, client, live_server, browser, width):
    ingest(client, *({"name": f"Take {n}", "fingerprint": f"t{n}", "daw": "REAPER", "artist": f"Artist {n % 3}",
                      "tags": ["mix"]} for n in range(12)))
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    held = []
    page.route("**/sessions/facets*", lambda route: held.append(route))  # held until the table is measured
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions?tag=mix")
    expect(rows(page)).to_have_count(12)
    page.wait_for_function("document.querySelector('#facet-panel[aria-busy]') !== null")
    before = page.locator("#sessions").bounding_box()
    assert len(held) == 1 and page.locator(".facet").count() == 0
    held[0].continue_()
    artists = page.locator('.facet[data-facet="artist"] li')
    expect(artists).to_have_count(3)
    assert page.locator("#sessions").bounding_box() == before
    if width < 960:  # narrow screens fold the facets behind a button
        page.click(".facets-toggle")
    expect(artists.first).to_be_visible()
    # The panel brings the tags the bulk bar offers.
    assert page.locator("datalist#bulk-tags option").first.get_attribute("value") == "mix"
    context.close()
