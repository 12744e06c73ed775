"""Choosing sessions beyond the page, restoring chosen ones from the trash, copying a path, moving up a list by key,
and a long path on a phone."""
import json

from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.helpers import ingest

LONG_PATH = "/Volumes/Archive 2019/Clients/Harbour Lights Recording Company Limited/" + "Sessions/" * 8 + "Mix v14.ptx"


def live_names(client, query="") -> list[str]:
    return sorted(s["name"] for s in client.get(f"/api/sessions/?limit=500{query}").get_json()["sessions"])


def test_all_matching_sessions_are_tagged_and_exported_not_only_the_page(auth, client, live_server, page):
    ingest(client, *({"name": f"Reaper {number:02}", "fingerprint": f"r{number}", "daw": "REAPER"}
                     for number in range(30)),
           {"name": "Live one", "fingerprint": "l", "daw": "Ableton Live"})
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions?daw=REAPER&size=25")
    expect(page.locator("#sessions tbody tr")).to_have_count(25)
    page.locator("#bulk-matching").check()
    expect(page.locator("#bulk-count")).to_have_text("All 30 matching chosen")

    page.select_option("#bulk-action", "export")
    with page.expect_download() as download:
        page.click("#bulk-apply")
    exported = json.loads(download.value.path().read_text())
    assert sorted(s["name"] for s in exported["sessions"]) == [f"Reaper {number:02}" for number in range(30)]

    page.goto(f"{live_server}/sessions?daw=REAPER&size=25")
    page.locator("#bulk-matching").check()
    page.select_option("#bulk-action", "add_tag")
    page.fill("#bulk input[name=tag]", "archived")
    page.click("#bulk-apply")
    expect(page.locator("#bulk-done")).to_contain_text("Tagged 30 sessions “archived”.")
    assert live_names(client, "&tag=archived") == [f"Reaper {number:02}" for number in range(30)]


def test_sessions_chosen_in_the_trash_come_back_and_the_others_stay(auth, client, live_server, browser):
    ingest(client, {"name": "Keep A", "fingerprint": "a", "path": LONG_PATH},
           {"name": "Keep B", "fingerprint": "b"}, {"name": "Really gone", "fingerprint": "c"})
    for listed in client.get("/api/session-stats").get_json()["sessions"]:
        assert client.delete(f"/api/session-stats/{listed['id']}").status_code == 200
    assert live_names(client) == []
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/trash")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The name stays in view beside the box that chooses the row while the table scrolls.
    name_cell = page.locator("#trash tbody tr").first.locator("td").nth(1)
    assert name_cell.evaluate("cell => getComputedStyle(cell).position") == "sticky"
    expect(page.locator("#bulk-apply")).to_be_disabled()
    for name in ("Keep A", "Keep B"):
        page.locator("#trash tbody tr", has_text=name).locator("input[name=id]").check()
    expect(page.locator("#bulk-count")).to_have_text("2 chosen")
    page.click("#bulk-apply")
    expect(page.locator(".flash").first).to_contain_text("2 sessions")
    assert live_names(client) == ["Keep A", "Keep B"]
    expect(page.locator("#trash tbody tr")).to_have_count(1)
    expect(page.locator("#trash tbody tr")).to_contain_text("Really gone")

    # A path longer than a phone is wide wraps within the page.
    page.goto(f"{live_server}/sessions?q=keep")
    page.get_by_role("link", name="Keep A").click()
    expect(page.locator("#session-path")).to_have_text(LONG_PATH)
    page.wait_for_load_state()  # the width counts once the stylesheet applies, as goto would wait for
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_copy_path_puts_the_path_on_the_clipboard_and_says_so(auth, client, live_server, browser):
    ingest(client, {"name": "Harbour Lights", "fingerprint": "h", "path": LONG_PATH})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_in(page, live_server, auth.user("viewer"))
    page.goto(f"{live_server}/sessions/{session_id}")
    copy = page.locator("button[data-copy=session-path]")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == LONG_PATH
    expect(copy).to_have_text("Copy path")
    context.close()


def test_j_and_k_move_down_and_up_the_list_and_enter_opens_the_row(auth, client, live_server, page):
    ingest(client, *({"name": f"Take {number}", "fingerprint": f"t{number}"} for number in range(3)))
    sign_in(page, live_server, auth.user("viewer"))
    page.goto(f"{live_server}/sessions?sort=name&dir=asc")
    focused_row = page.locator("#sessions tbody tr:focus")
    expect(page.locator("#q")).to_be_focused()  # the search box takes the focus as the page opens; ↓ leaves it
    for key, name in (("ArrowDown", "Take 0"), ("j", "Take 1"), ("j", "Take 2"), ("j", "Take 2"), ("k", "Take 1"),
                      ("k", "Take 0"), ("k", "Take 0")):
        page.keyboard.press(key)
        expect(focused_row).to_contain_text(name)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Take 1")
