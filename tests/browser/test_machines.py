"""An editor sends a machine's inventory file from the browser and reads what the machine has and what changed; a
file that is not an inventory is refused on the form, saying why."""
import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_sessions_page import sign_in
from tests.helpers import ingest
from tests.inventory.test_missing import FABFILTER, PRO_Q_CLASS, plugin, session


def inventory_file(tmp_path, name, collected, *plugins) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"machine": "Edit 2", "os": "Windows", "collectedAt": collected, "plugins": [
        {"format": plugin_format, "name": plugin, "vendor": "Valhalla DSP", "version": version,
         "identifiedBy": "REAPER's plug-in cache", "uid": "1919247213"} for plugin_format, plugin, version in plugins]}))
    return str(path)


@pytest.mark.parametrize("width", [1280, 800, 390])
def test_send_an_inventory_and_read_the_machine(auth, live_server, browser, tmp_path, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, auth.user("editor"))
    page.goto(f"{live_server}/machines")
    expect(page.locator("#machines")).to_contain_text("No machine has sent an inventory yet")
    broken = tmp_path / "notes.json"
    broken.write_text('{"machine": "Edit 2", "plugins": [{"name": "x"}]}')
    page.set_input_files("#inventory", str(broken))
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#send-inventory .error").first).to_contain_text("not an inventory Session Stats reads")
    expect(page.locator("#send-inventory")).to_contain_text("collectedAt")
    page.set_input_files("#inventory", inventory_file(tmp_path, "first.json", "2026-11-01T10:00:00Z",
                                                      ("VST2", "ValhallaRoom", "1.6.0"),
                                                      ("VST3", "ValhallaDelay", "3.0.0")))
    page.get_by_role("button", name="Send").click()
    expect(page.locator("h1")).to_have_text("Edit 2")
    expect(page.locator(".flash")).to_contain_text("Inventory of Edit 2 received: 2 plug-ins.")
    expect(page.locator("#installed-plugins tbody tr")).to_have_count(2)
    expect(page.locator("#machine-history")).to_contain_text("No change yet")
    page.goto(f"{live_server}/machines")
    page.set_input_files("#inventory", inventory_file(tmp_path, "second.json", "2026-11-20T10:00:00Z",
                                                      ("VST2", "ValhallaRoom", "1.7.0")))
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash")).to_contain_text("(1 removed, 1 upgraded since the last one)")
    rows = page.locator("#machine-history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("upgraded")
    expect(rows.nth(0)).to_contain_text("1.7.0")
    expect(rows.nth(1)).to_contain_text("removed")
    expect(rows.nth(1)).to_contain_text("ValhallaDelay")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.goto(f"{live_server}/machines")
    expect(page.locator("#machines tbody tr")).to_have_count(1)
    expect(page.locator("#machines tbody tr")).to_contain_text("Windows")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


@pytest.mark.parametrize("width", [1280, 800, 390])
def test_what_a_machine_has_older_and_never_uses_and_what_removing_a_plugin_does(client, auth, live_server, browser,
                                                                                  width):
    assert ingest(client, session("newer", "2026-03-01", "REAPER",
                                  plugin("Pro-Q 3", FABFILTER, "VST3", PRO_Q_CLASS, "3.25"))).status_code == 200
    assert client.post("/api/machines/Edit 2/inventory", json={
        "machine": "Edit 2", "collectedAt": "2026-11-01T10:00:00Z", "plugins": [
            {"format": "VST3", "name": "Pro-Q 3", "vendor": FABFILTER, "version": "3.24.0", "uid": PRO_Q_CLASS,
             "identifiedBy": "bundle"},
            {"format": "VST3", "name": "Dusty", "vendor": "Nobody", "identifiedBy": "file name"}]}).status_code == 200
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, auth.user("viewer"))
    page.goto(f"{live_server}/machines/Edit%202")
    expect(page.locator("#installed-plugins tbody tr").first).to_contain_text("id")
    page.click("#drift-link")
    expect(page.locator("h1")).to_have_text("Older on Edit 2")
    expect(page.locator("#report-sessions tbody tr")).to_contain_text("3.25 — VST3 3.24.0 installed")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.go_back()
    page.click("#unused-link")
    expect(page.locator("#unused-plugins tbody tr")).to_have_count(1)
    expect(page.locator("#unused-plugins tbody tr")).to_contain_text("Dusty")
    page.fill("input[name=since]", "2026-04-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#unused-plugins tbody tr")).to_have_count(2)
    assert "since=2026-04-01" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.goto(f"{live_server}/machines/Edit%202/drift")
    page.locator("#report-sessions a", has_text="Pro-Q 3").click()
    expect(page.locator("#impact-machines tbody tr")).to_contain_text("VST3 3.24.0")
    expect(page.locator("#impact-machines tbody tr td").last).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
