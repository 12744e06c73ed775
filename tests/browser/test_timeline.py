"""The Timeline panel in the browser: add a note at a typed position, edit, resolve, delete and undo, and see the
overview's open notes follow."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.helpers import ingest


def test_an_engineer_works_through_the_clients_notes(auth, client, live_server, page):
    ingest(client, {"name": "Harbour Lights", "fingerprint": "h", "artist": "Lumen",
                    "markers": [{"name": "Verse", "tSec": 12}, {"name": "Chorus", "tSec": 40, "endSec": 62}]})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions/{session_id}")
    events = page.locator("#events li.event")
    expect(events).to_have_count(2)

    page.fill("#note-position", "1:75")
    page.fill("#note-text", "vocal too loud")
    page.keyboard.press("Enter")
    expect(page.locator("#note-error")).to_contain_text("Position has more than 59 seconds")
    expect(page.locator("#note-text")).to_have_value("vocal too loud")  # nothing typed is lost

    page.fill("#note-position", "1:23.5")
    page.keyboard.press("Enter")
    expect(events).to_have_count(3)
    expect(events.nth(2).locator(".position")).to_have_text("1:23.500")
    expect(page.locator("#note-position")).to_be_focused()  # ready for the next note
    expect(page.locator("#note-text")).to_have_value("")
    page.fill("#note-position", "0:05")
    page.fill("#note-text", "count-in clicks")
    page.click("#add-note button[type=submit]")
    expect(events).to_have_count(4)
    expect(events.nth(0).locator(".text")).to_have_text("count-in clicks")
    expect(page.locator("#open-notes")).to_have_text("2 open")

    events.nth(3).get_by_role("button", name="Edit the note at 1:23.500").click()
    editing = page.locator("li.event.editing input[name=text]")
    expect(editing).to_be_focused()
    editing.fill("lead vocal too loud in the chorus")
    page.keyboard.press("Enter")
    expect(events.nth(3).locator(".text")).to_have_text("lead vocal too loud in the chorus")

    events.nth(0).get_by_role("button", name="Resolve").click()
    expect(events.nth(0)).to_have_class("event kind-note resolved")
    expect(page.locator("#open-notes")).to_have_text("1 open")

    events.nth(3).get_by_role("button", name="Delete the note at 1:23.500").click()
    expect(events).to_have_count(3)
    page.locator("#note-undo").get_by_role("button", name="Undo").click()
    expect(events).to_have_count(4)

    page.goto(f"{live_server}/")
    expect(page.locator("#open-notes-total")).to_have_text("1")
    expect(page.locator("#open-notes li")).to_have_count(1)
    expect(page.locator("#open-notes li")).to_contain_text("lead vocal too loud in the chorus")
    page.locator("#open-notes li a").click()
    expect(page.locator("h1")).to_have_text("Harbour Lights")


def test_a_note_takes_the_players_position_and_its_mark_plays_from_there(auth, client, live_server, page, tmp_path):
    from tests.test_attachments import sine_wav

    ingest(client, {"name": "Harbour Lights", "fingerprint": "h"})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    mix = tmp_path / "Mix v1.wav"
    mix.write_bytes(sine_wav(seconds=6.0))
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions/{session_id}")
    page.set_input_files("#attachment-file", str(mix))
    page.click("#attachments button[type=submit]")
    expect(page.locator("#attachment-list a").first).to_have_text("Mix v1.wav")
    player = page.locator("audio.session-player")
    page.wait_for_function("() => document.querySelector('audio.session-player').readyState >= 1")

    player.evaluate("audio => { audio.currentTime = 2.5; }")
    page.get_by_role("button", name="Add note here").click()
    expect(page.locator("#note-position")).to_have_value("0:02.500")
    expect(page.locator("#note-text")).to_be_focused()
    page.keyboard.type("snare flam here")
    page.keyboard.press("Enter")
    expect(page.locator("#events li.event .text")).to_have_text(["snare flam here"])

    page.reload()
    mark = page.locator(".note-marks [data-seek]")
    expect(mark).to_have_count(1)
    page.wait_for_function("() => document.querySelector('.note-mark').style.left !== ''")
    assert float(mark.evaluate("mark => mark.style.left").removesuffix("%")) == pytest.approx(2.5 / 6 * 100, abs=0.01)
    mark.click()
    page.wait_for_function("() => Math.abs(document.querySelector('audio.session-player').currentTime - 2.5) < 0.3")
