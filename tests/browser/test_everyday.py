"""What a studio engineer does every day on the dashboard: combine filters, edit in place, trash and restore."""
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from app.extractors.protools_session import PLUGINS_NOT_READ
from app.sample_data import generate_sessions
from tests.browser.test_sessions_page import names, rows, sign_in
from tests.helpers import ingest

PRO_Q = {"name": "Pro-Q 3", "vendor": "FabFilter", "format": "VST3"}
ECHOBOY = {"name": "EchoBoy", "vendor": "Soundtoys", "format": "VST3"}


def session(name, fingerprint, daw, *plugins, **fields):
    return {"name": name, "fingerprint": fingerprint, "daw": daw, **fields,
            "tracks": [{"name": "Bus", "plugins": list(plugins)}]}


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def test_every_control_adds_to_the_filters_chosen_and_the_url_holds_no_empty_values(auth, client, live_server, page):
    ingest(client, session("Comp Night", "a", "REAPER", PRO_Q), session("Quiet Night", "b", "REAPER", PRO_Q),
           session("Comp Day", "c", "Pro Tools", PRO_Q), session("Comp Echo", "d", "REAPER", ECHOBOY),
           *(session(f"Single {number}", f"s{number}", "Ableton Live", artist=f"Artist {number:02}")
             for number in range(12)))
    sign_in(page, live_server, auth.user("viewer"))
    page.goto(f"{live_server}/sessions?daw=REAPER&vendor=FabFilter")
    expect(rows(page)).to_have_count(2)

    page.fill("#q", "comp")
    page.wait_for_url("**q=comp**")
    expect(rows(page)).to_have_count(1)
    assert names(page) == ["Comp Night"]
    assert query_of(page) == {"q": ["comp"], "daw": ["REAPER"], "vendor": ["FabFilter"]}
    expect(page.locator("#summary .chip")).to_have_count(2)

    page.select_option("select[name=test]", "0")
    page.wait_for_url("**test=0**")
    assert query_of(page) == {"q": ["comp"], "daw": ["REAPER"], "vendor": ["FabFilter"], "test": ["0"]}
    assert names(page) == ["Comp Night"]

    # A facet stops at its ten most common values and offers the rest, with a box to find one.
    page.goto(f"{live_server}/sessions")
    artists = page.locator('.facet[data-facet="artist"]')
    expect(artists.locator("li")).to_have_count(10)
    artists.get_by_role("link", name="Show all 12").click()
    expect(artists.locator("li")).to_have_count(12)
    assert query_of(page) == {"expand": ["artist"]}
    artists.locator(".facet-find").fill("artist 11")
    expect(artists.locator("li:visible")).to_have_text(["Artist 11 1"], use_inner_text=True)

    page.goto(f"{live_server}/plugins?vendor=FabFilter")
    page.fill("#q", "pro")
    page.wait_for_url("**q=pro**")
    assert query_of(page) == {"q": ["pro"], "view": ["product"], "vendor": ["FabFilter"]}


def test_a_name_typed_in_another_case_finds_the_daw_and_liked_takes_only_documented_words(auth, client, live_server,
                                                                                         page):
    ingest(client, session("Loud", "a", "REAPER", PRO_Q, isFavorite=True, rating="dislike"),
           session("Soft", "b", "Pro Tools", PRO_Q))
    sign_in(page, live_server, auth.user("viewer"))
    page.goto(f"{live_server}/sessions?daw=reaper")
    assert names(page) == ["Loud"]
    expect(page.locator("#summary .chip")).to_have_text(["DAW: REAPER ×"])
    page.locator("#summary .chip a.remove").click()  # the chip's × removes the filter typed in another case
    expect(page.locator("#summary .chip")).to_have_count(0)
    assert sorted(names(page)) == ["Loud", "Soft"] and "daw=" not in page.url
    assert page.goto(f"{live_server}/sessions?liked=yes").status == 400
    assert page.goto(f"{live_server}/sessions?liked=1").status == 200
    assert names(page) == ["Loud"]
    expect(page.locator("select[name=liked]").locator("xpath=..")).to_contain_text("Favourite ★")


def test_editing_in_place_cancels_by_button_or_esc_and_keeps_the_focus_and_the_heading(auth, client, live_server,
                                                                                       browser):
    ingest(client, {"name": "Blue Room", "fingerprint": "b", "artist": "Lumen", "project": "Night", "key": "Am",
                    "bpm": 90})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions/{session_id}")

    for field in ("name", "artist", "project", "key", "bpm"):
        page.click(f"#field-{field} button.edit")
        for button in ("button[type=submit]", "button.cancel"):
            box = page.locator(f"#field-{field} {button}").bounding_box()
            assert box["x"] + box["width"] <= 1280, (field, button, box)
        # A click lands on Cancel itself (Playwright refuses a click that something else would take).
        page.click(f"#field-{field} button.cancel")
        expect(page.locator(f"#field-{field} button.edit")).to_be_focused()

    page.click("#field-artist button.edit")
    page.fill("#edit-artist", "Not saved")
    page.keyboard.press("Escape")
    expect(page.locator("#field-artist .value")).to_have_text("Lumen")
    expect(page.locator("#field-artist button.edit")).to_be_focused()

    page.click("#field-name button.edit")
    page.fill("#edit-name", "Blue Room (final)")
    page.keyboard.press("Enter")
    expect(page.locator("#field-name .saved")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Blue Room (final)")
    assert page.title() == "Blue Room (final) · Session Stats"
    expect(page.locator("#field-name button.edit")).to_be_focused()

    page.click("#flag-is_favorite")
    expect(page.locator("h1")).to_have_text("★ Blue Room (final)")
    expect(page.locator("#flag-is_favorite")).to_be_focused()

    page.click("#field-bpm button.edit")
    page.fill("#edit-bpm", "-3")
    page.keyboard.press("Enter")
    expect(page.locator("#error-bpm")).to_have_text("BPM must be a number above 0")
    page.click("#field-key button.edit")
    expect(page.locator("#musical-keys option")).to_have_count(24)
    context.close()


def test_a_session_whose_plugins_could_not_be_read_says_so(auth, client, live_server, page):
    ingest(client, {"name": "Binary", "fingerprint": "p", "daw": "Pro Tools", "attributes": {"plugins": PLUGINS_NOT_READ},
                    "tracks": [{"name": "Vox"}]},
           {"name": "Dry", "fingerprint": "d", "tracks": [{"name": "Vox", "plugins": []}]})
    sign_in(page, live_server, auth.user("viewer"))
    listed = client.get("/api/session-stats").get_json()["sessions"]
    ids = {entry["name"]: entry["id"] for entry in listed}
    page.goto(f"{live_server}/sessions/{ids['Binary']}")
    expect(page.locator("#no-plugins")).to_contain_text("not read from Pro Tools session files")
    expect(page.locator("#no-plugins")).to_contain_text("export Session Info as Text")
    page.goto(f"{live_server}/sessions/{ids['Dry']}")
    expect(page.locator("#no-plugins")).to_have_text("No plugins on this session.")


def test_manual_entry_refuses_an_unknown_format_and_offers_the_daws(auth, live_server, page):
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions/new")
    page.fill("#name", "Typo")
    page.select_option("#daw", "REAPER")
    page.fill("#track-0-name", "Vox")
    page.fill("#track-0-plugins", "Pro-Q 3 | FabFilter | 3.24 | VST9")
    page.click("form.new-session button[type=submit]")
    expect(page.locator("#track-0 .error")).to_contain_text("'VST9' is not a plugin format")
    expect(page.locator("#daw")).to_have_value("REAPER")


def test_a_session_goes_to_the_trash_from_its_page_and_comes_back(auth, client, live_server, page):
    ingest(client, {"name": "Misfire", "fingerprint": "m"})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    sign_in(page, live_server, auth.user("admin"))
    page.goto(f"{live_server}/sessions/{session_id}")
    page.click("#move-to-trash")
    expect(page.locator("#trashed-notice")).to_contain_text("in the trash")
    expect(page.locator("#move-to-trash")).to_have_count(0)
    assert client.get("/api/session-stats").get_json()["sessions"] == []

    page.goto(f"{live_server}/trash")
    restore, purge = (page.locator("#trash tbody tr").first.get_by_role("button", name=name)
                      for name in ("Restore", "Delete for good"))
    restore_box, purge_box = restore.bounding_box(), purge.bounding_box()
    assert abs(restore_box["y"] - purge_box["y"]) < 1 and abs(restore_box["height"] - purge_box["height"]) < 1

    page.goto(f"{live_server}/sessions/{session_id}")
    page.locator("#trashed-notice").get_by_role("button", name="Restore").click()
    expect(page.locator("#move-to-trash")).to_be_visible()
    assert [entry["id"] for entry in client.get("/api/session-stats").get_json()["sessions"]] == [session_id]


def test_keyboard_only_find_open_edit_save_and_return(auth, client, live_server, page):
    ingest(client, {"name": "Harbour Lights", "fingerprint": "h", "artist": "Lumen"},
           {"name": "Night Drive", "fingerprint": "n", "artist": "Dawn"})
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()

    page.goto(f"{live_server}/sessions")
    page.keyboard.press("Shift+Tab")  # away from the search box, which takes the focus as the page opens
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("harb")
    expect(rows(page)).to_have_count(1)
    page.keyboard.press("ArrowDown")  # from the search box to the first row
    expect(rows(page).first).to_be_focused()
    page.keyboard.press("j")  # the last row stays the last
    expect(rows(page).first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Harbour Lights")
    page.wait_for_load_state()
    # Chromium drops keys pressed before a new page's first frames are drawn; a loaded machine draws them late.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")

    page.keyboard.press("e")
    expect(page.locator("#edit-name")).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" (mix)")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Harbour Lights (mix)")
    expect(page.locator("#field-name button.edit")).to_be_focused()
    page.keyboard.press("Tab")  # the name's "Use the file's value"
    page.keyboard.press("Tab")
    expect(page.locator("#field-artist button.edit")).to_be_focused()
    page.keyboard.press("e")
    expect(page.locator("#edit-artist")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#field-artist button.edit")).to_be_focused()

    page.go_back()  # the browser's own Back key (Alt+←), which headless Chromium leaves to its window
    page.wait_for_url("**/sessions?q=harb")
    expect(page.locator("#q")).to_have_value("harb")
    assert names(page) == ["Harbour Lights (mix)"]


def test_rows_chosen_with_a_shift_click_are_tagged_in_one_action_and_undone(auth, client, live_server, page):
    ingest(client, *({"name": f"Take {number}", "fingerprint": f"t{number}", "createdAt": f"2024-01-{number + 1:02}"}
                     for number in range(5)))
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions?sort=name&dir=asc")
    expect(page.locator("#bulk-apply")).to_be_disabled()
    boxes = page.locator("#sessions tbody input[name=id]")
    boxes.nth(1).click()
    boxes.nth(3).click(modifiers=["Shift"])
    expect(page.locator("#bulk-count")).to_have_text("3 chosen")
    expect(page.locator("#choose-page")).to_have_js_property("indeterminate", True)
    page.select_option("#bulk-action", "add_tag")
    page.fill("#bulk input[name=tag]", "keeper")
    page.click("#bulk-apply")
    expect(page.locator("#bulk-done")).to_contain_text("Tagged 3 sessions “keeper”.")
    assert page.url.endswith("/sessions?sort=name&dir=asc")
    tagged = lambda: sorted(s["name"] for s in client.get("/api/sessions/?tag=keeper").get_json()["sessions"])  # noqa: E731
    assert tagged() == ["Take 1", "Take 2", "Take 3"]
    page.locator("#bulk-done").get_by_role("button", name="Undo").click()
    expect(page.locator(".flash")).to_contain_text("Undone: 3 sessions changed back.")
    assert tagged() == []


def test_sample_sessions_are_marked_and_an_admin_moves_them_to_the_trash(auth, client, live_server, page):
    ingest(client, *generate_sessions(3, seed=4), {"name": "Real work", "fingerprint": "real"})
    sign_in(page, live_server, auth.user("admin"))
    page.goto(f"{live_server}/sessions")
    expect(page.locator("#sessions tbody .tag.sample")).to_have_count(3)
    page.goto(f"{live_server}/")
    expect(page.locator("#samples-notice")).to_be_visible()
    page.get_by_role("button", name="Move the samples to the trash").click()
    expect(page.locator(".flash").first).to_contain_text("Moved 3 sample sessions to the trash")
    expect(page.locator("#samples-notice")).to_have_count(0)
    assert [s["name"] for s in client.get("/api/session-stats").get_json()["sessions"]] == ["Real work"]
