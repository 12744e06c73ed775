"""The work log in the browser: a timer started on a session's page follows the engineer to every page until it is
stopped; work done earlier is logged, refused in words when it is wrong, and edited."""
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.helpers import ingest


def test_an_engineer_times_a_mix_and_logs_yesterdays_edit(auth, client, live_server, page):
    ingest(client, {"name": "Harbour Lights", "fingerprint": "h", "artist": "Lumen", "workSeconds": 7260})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/sessions/{session_id}")
    expect(page.locator("#worked-time")).to_have_text("2 h 01 min")
    expect(page.locator("#worked-why")).to_contain_text("the time its file says")

    page.select_option("#timer-kind", "mixing")
    page.click("#timer-start")
    expect(page.locator("#timer-stop")).to_be_visible()
    expect(page.locator("#timer-status")).to_contain_text("Timer: mixing on Harbour Lights")
    page.reload()
    page.goto(f"{live_server}/plugins")
    expect(page.locator("#timer-status")).to_contain_text("Timer: mixing on Harbour Lights")
    page.locator("#timer-status").get_by_role("button", name="Stop").click()
    expect(page).to_have_url(f"{live_server}/plugins")
    expect(page.locator("#timer-status")).to_have_count(0)

    page.goto(f"{live_server}/sessions/{session_id}")
    rows = page.locator("#activities tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("mixing")
    expect(page.locator("#worked-why")).to_contain_text("sum of the work logged")
    expect(page.locator("#file-work")).to_contain_text("2 h 01 min")

    page.select_option("#work-kind", "editing")
    page.fill("#work-started", "2026-01-05T10:00")
    page.fill("#work-duration", "26h")
    page.fill("#work-note", "vocal comp")
    page.click("#log-work button[type=submit]")
    expect(page.locator("#work-error")).to_contain_text("Duration must be")
    expect(page.locator("#work-note")).to_have_value("vocal comp")  # nothing typed is lost
    page.fill("#work-duration", "1:30")
    page.click("#log-work button[type=submit]")
    expect(rows).to_have_count(2)
    expect(page.locator("#worked-time")).to_contain_text("1 h 30 min")

    rows.nth(1).get_by_role("button", name="Edit the editing of 2026-01-05 10:00").click()
    duration = page.locator("#activities tr.editing input[name=duration]")
    duration.fill("2:00")
    duration.press("Enter")
    expect(rows.nth(1).locator("td").nth(3)).to_have_text("2 h 00 min")
    rows.nth(1).get_by_role("button", name="Delete the editing of 2026-01-05 10:00").click()
    expect(rows).to_have_count(1)
    page.locator("#work-undo").get_by_role("button", name="Undo").click()
    expect(rows).to_have_count(2)


def test_a_producer_in_new_york_edits_a_start_and_logs_work_across_the_spring_jump(auth, client, live_server, page):
    ingest(client, {"name": "Harbour Lights", "fingerprint": "h", "startedAt": "2026-03-01T15:00:00Z"})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/settings")
    page.select_option("#time_zone", "America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.locator(".flash").first).to_have_text("Times are now shown in America/New_York.")

    page.goto(f"{live_server}/sessions/{session_id}")
    expect(page.locator("#field-started_at .value")).to_have_text("2026-03-01 10:00 EST")
    page.get_by_role("button", name="Edit started").click()
    expect(page.locator("#edit-started_at")).to_have_value("2026-03-01T10:00")
    page.fill("#edit-started_at", "2026-03-08T01:30")
    page.locator("#field-started_at").get_by_role("button", name="Save").click()
    expect(page.locator("#field-started_at .value")).to_have_text("2026-03-08 01:30 EST")
    expect(page.locator("#field-started_at .edited")).to_be_visible()

    page.fill("#work-started", "2026-03-08T01:30")
    page.fill("#work-ended", "2026-03-08T03:30")
    page.click("#log-work button[type=submit]")
    row = page.locator("#activities tbody tr").first
    expect(row.locator("td").first).to_have_text("2026-03-08 01:30 EST")
    expect(row.locator("td").nth(3)).to_have_text("1 h 00 min")
    activity = client.get(f"/api/sessions/{session_id}/activities").get_json()["activities"][0]
    assert (activity["started_at"], activity["ended_at"]) == ("2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z")
