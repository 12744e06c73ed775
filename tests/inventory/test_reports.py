"""What else breaks on a machine: sessions saved with newer versions than it has, installed plug-ins nothing uses,
and what removing a plugin or a product would do on each machine; with the CSV files and pages; each compared with
what the sessions and inventories below say, worked out by hand."""
import csv
import io
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from app.web import exports
from tests.auth import csrf_token
from tests.helpers import ingest
from tests.inventory.test_missing import FABFILTER, PRO_Q_CLASS, plugin, session

RENAMED_CLASS = "0123456789ABCDEF0123456789ABCDEF"
SESSIONS = [
    session("saved-older", "2026-03-01", "REAPER", plugin("Pro-Q 3", FABFILTER, "VST3", PRO_Q_CLASS, "3.21")),
    session("saved-same", "2026-04-01", "REAPER", plugin("Pro-Q 3", FABFILTER, "VST3", version="3.24")),
    session("renamed", "2026-06-01", "REAPER", plugin("Old Display Name", "Someone", "VST3", RENAMED_CLASS, "1.0")),
    session("saved-newer", "2026-09-01", "REAPER", plugin("Pro-Q 3", FABFILTER, "VST3", PRO_Q_CLASS, "3.25"),
            plugin("Real Name", "Someone Else", "VST3", RENAMED_CLASS, "2.1")),
    session("pro-tools", "2026-10-01", "Pro Tools", plugin("Pro-Q 3", FABFILTER, "AAX Native", version="3.30")),
    session("trashed", "2026-10-15", "REAPER", plugin("Gone Plugin", "Nobody", "VST3", version="9")),
    {**session("undated", "2026-01-01", "REAPER", plugin("Undated Only", "Vendor U", "VST3")), "createdAt": None},
]


def installed(name, vendor, version=None, uid=None, plugin_format="VST3") -> dict:
    return {key: value for key, value in {"format": plugin_format, "name": name, "vendor": vendor, "version": version,
                                          "uid": uid, "identifiedBy": "bundle"}.items() if value is not None}


MACHINES = {
    "B-Room": [installed("Pro-Q 3", FABFILTER, "3.24.0", PRO_Q_CLASS), installed("Real Name", "Someone Else", "2.0", RENAMED_CLASS),
               installed("Gone Plugin", "Nobody", "9"), installed("Same Name", "Vendor B"),
               installed("Unused Thing", "Zed", "1"), installed("Undated Only", "Vendor U", "1")],
    # A plug-in of another name that carries Pro-Q 3's id stands in for the sessions that give that id.
    "C-Room": [installed("Pro-Q 3", FABFILTER, "3.30"), installed("FF Pro-Q3 beta", "FF Labs", "3.31", PRO_Q_CLASS),
               installed("Pro-Q 3", FABFILTER, "3.30", plugin_format="AU")],
    "Edit Bay": [installed("ReaComp", "Cockos", "1.0", plugin_format="VST2")],
}


@pytest.fixture
def archive(client):
    assert ingest(client, *SESSIONS).status_code == 200
    assert client.post("/sessions/trashed/trash", data={"csrf_token": csrf_token(client)}).status_code == 302
    for name, plugins in MACHINES.items():
        answer = client.post(f"/api/machines/{name}/inventory", json={
            "machine": name, "collectedAt": "2026-11-01T00:00:00Z", "plugins": plugins})
        assert answer.status_code == 200, answer.get_json()
    return client


def answer(client, url, **query) -> dict:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def plugin_id(client, name, version) -> str:
    products = answer(client, "/api/products", q=name)["products"]
    return next(variant["plugin_id"] for product in products for variant in product["variants"]
                if variant["name"] == name and variant["version"] == version)


def test_version_drift_lists_sessions_saved_newer_than_the_machine_has(archive):
    report = answer(archive, "/api/machines/B-Room/drift")
    assert [(s["session_id"], [(p["name"], p["version"], p["instead"]) for p in s["plugins"]])
            for s in report["sessions"]] == [
        ("saved-newer", [("Pro-Q 3", "3.25", ["VST3 3.24.0"]), ("Real Name", "2.1", ["VST3 2.0"])])]
    assert (report["total"], report["plugins"]) == (1, 2)
    # C-Room has Pro-Q 3 3.30 by name and 3.31 by id: newer than every session saved.
    assert [s["session_id"] for s in answer(archive, "/api/machines/C-Room/drift")["sessions"]] == []
    assert answer(archive, "/api/machines/Edit Bay/drift")["total"] == 0


def test_unused_plugins_never_used_or_not_since_a_date(archive):
    def unused(**query):
        return [(p["name"], p["last_used"]) for p in answer(archive, "/api/machines/B-Room/unused", **query)["plugins"]]

    assert unused() == [("Gone Plugin", None), ("Same Name", None), ("Unused Thing", None)]
    assert unused(since="2026-09-01") == unused()
    # By format, vendor and name: FabFilter, Nobody, Someone Else, Vendor B, Zed.
    assert unused(since="2026-09-02") == [("Pro-Q 3", "2026-09-01T12:00:00Z"), ("Gone Plugin", None),
                                          ("Real Name", "2026-09-01T12:00:00Z"), ("Same Name", None),
                                          ("Unused Thing", None)]
    assert answer(archive, "/api/machines/B-Room/unused")["installed"] == 6
    for refused in ({"since": "yesterday"}, {"since": "2026-13-01"}, {"colour": "red"}):
        assert archive.get("/api/machines/B-Room/unused", query_string=refused).status_code == 422
    assert archive.get("/api/machines/Nobody/unused").status_code == 404


def test_the_machine_says_how_each_plugin_was_matched_and_when_last_used(archive):
    plugins = {p["name"]: p for p in answer(archive, "/api/machines/B-Room")["plugins"]}
    assert {name: (p["matched_by"], p["used"], p["last_used"]) for name, p in plugins.items()} == {
        "Pro-Q 3": (["id", "name"], True, "2026-09-01T12:00:00Z"),
        "Real Name": (["id"], True, "2026-09-01T12:00:00Z"),
        "Gone Plugin": ([], False, None),
        "Same Name": ([], False, None),
        "Unused Thing": ([], False, None),
        "Undated Only": (["name"], True, None),
    }
    page = BeautifulSoup(archive.get("/machines/B-Room").data, "html.parser")
    rows = {row.select("td")[1].get_text(): [cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in page.select("#installed-plugins tbody tr")}
    assert rows["Pro-Q 3"][6] == "id, name" and rows["Unused Thing"][6:8] == ["—", "never"]
    assert rows["Undated Only"][7] == "in undated sessions"


def test_uninstall_impact_per_machine_counts_only_sessions_nothing_stands_in_for(archive):
    def impact(url):
        return {m["machine"]: (m["removed"], m["sessions"], m["plugins"]) for m in answer(archive, url)["machines"]}

    unnamed = plugin_id(archive, "Pro-Q 3", "3.24")
    # B-Room loses every VST3 Pro-Q 3 session; on C-Room the beta stands in for the sessions that give the id.
    assert impact(f"/api/plugins/{unnamed}/impact") == {
        "B-Room": (["VST3 3.24.0"], 3, 3), "C-Room": (["VST3 3.30"], 1, 1), "Edit Bay": ([], 0, 0)}
    with_id = plugin_id(archive, "Pro-Q 3", "3.21")
    assert impact(f"/api/plugins/{with_id}/impact")["C-Room"] == (["VST3 3.30", "VST3 3.31"], 3, 3)
    product = answer(archive, "/api/products", q="Pro-Q")["products"][0]["key"]
    # A product goes in every format: the AU no session needs too.
    assert impact(f"/api/products/{product}/impact") == {
        "B-Room": (["VST3 3.24.0"], 3, 3), "C-Room": (["AU 3.30", "VST3 3.30", "VST3 3.31"], 3, 3),
        "Edit Bay": ([], 0, 0)}
    renamed = plugin_id(archive, "Old Display Name", "1.0")
    assert impact(f"/api/plugins/{renamed}/impact")["B-Room"] == (["VST3 2.0"], 2, 2)
    assert archive.get("/api/plugins/no-such-plugin/impact").status_code == 404
    assert archive.get("/api/products/no|such/impact").status_code == 404
    # The plugin's page asks for what removing it would do after it has shown itself.
    page = BeautifulSoup(archive.get(f"/plugins/{unnamed}").data, "html.parser")
    assert unquote(page.select_one("#impact")["hx-get"]) == f"/plugins/{unnamed}/impact"
    page = BeautifulSoup(archive.get(f"/plugins/{unnamed}/impact").data, "html.parser")
    assert [[cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in page.select("#impact-machines tbody tr")] == [
        ["B-Room", "VST3 3.24.0", "3"], ["C-Room", "VST3 3.30", "1"], ["Edit Bay", "not installed", "0"]]


def test_a_new_inventory_changes_the_reports_at_once(archive):
    archive.post("/api/machines/B-Room/inventory", json={
        "machine": "B-Room", "collectedAt": "2026-11-02T00:00:00Z",
        "plugins": [installed("Pro-Q 3", FABFILTER, "3.26", PRO_Q_CLASS)]})
    assert answer(archive, "/api/machines/B-Room/drift")["total"] == 0
    assert [p["name"] for p in answer(archive, "/api/machines/B-Room/unused")["plugins"]] == []
    unnamed = plugin_id(archive, "Pro-Q 3", "3.24")
    assert answer(archive, f"/api/plugins/{unnamed}/impact")["machines"][0] == {
        "machine": "B-Room", "removed": ["VST3 3.26"], "sessions": 3, "plugins": 3}


def read_csv(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_reports_as_csv_and_pages(archive):
    rows = read_csv(archive.get("/machines/B-Room/drift.csv"))
    assert [(row["session_id"], row["plugin"], row["version"], row["installed_instead"]) for row in rows] == [
        ("saved-newer", "Pro-Q 3", "3.25", "VST3 3.24.0"), ("saved-newer", "Real Name", "2.1", "VST3 2.0")]
    rows = read_csv(archive.get("/machines/Edit Bay/missing.csv?daw=Pro+Tools"))
    assert [(row["session_id"], row["plugin"], row["format"]) for row in rows] == [
        ("pro-tools", "Pro-Q 3", "AAX Native")]
    rows = read_csv(archive.get("/machines/B-Room/unused.csv?since=2026-09-02"))
    assert [(row["name"], row["last_used"]) for row in rows] == [
        ("Pro-Q 3", "2026-09-01T12:00:00Z"), ("Gone Plugin", ""), ("Real Name", "2026-09-01T12:00:00Z"),
        ("Same Name", ""), ("Unused Thing", "")]
    for url in ("/machines/Nobody/missing.csv", "/machines/Nobody/drift.csv", "/machines/Nobody/unused.csv",
                "/machines/Nobody/drift", "/machines/Nobody/unused"):
        assert archive.get(url).status_code == 404, url
    assert archive.get("/machines/B-Room/unused?since=soon").status_code == 400
    assert archive.get("/machines/B-Room/drift.csv?limit=0").status_code == 400
    page = BeautifulSoup(archive.get("/machines/B-Room/drift").data, "html.parser")
    summary = BeautifulSoup(archive.get("/machines/B-Room/drift", headers={"HX-Request": "true"}).data, "html.parser")
    assert " ".join(summary.get_text().split()).startswith(
        "1 session was saved with a newer version than this machine has; 2 plugins")
    assert page.select_one("#csv-link")["href"] == "/machines/B-Room/drift.csv"
    page = BeautifulSoup(archive.get("/machines/B-Room/unused?since=2026-09-02").data, "html.parser")
    assert [row.select("td")[1].find(string=True).strip() for row in page.select("#unused-plugins tbody tr")] == [
        "Pro-Q 3", "Gone Plugin", "Real Name", "Same Name", "Unused Thing"]
    assert page.select_one("input[name=since]")["value"] == "2026-09-02"


def test_pages_and_files_of_a_long_report_hold_every_session_once_newest_first(archive, monkeypatch):
    newest_first = ["pro-tools", "saved-newer", "renamed", "saved-same", "saved-older", "undated"]
    everything = answer(archive, "/api/machines/Edit Bay/missing")
    assert [s["session_id"] for s in everything["sessions"]] == newest_first and everything["total"] == 6
    for offset in range(0, 7, 2):
        page = answer(archive, "/api/machines/Edit Bay/missing", limit=2, offset=offset)
        assert [s["session_id"] for s in page["sessions"]] == newest_first[offset:offset + 2]
    for offset, more in ((0, True), (2, True), (4, False)):
        page = BeautifulSoup(archive.get(f"/machines/Edit Bay/missing?limit=2&offset={offset}").data, "html.parser")
        assert bool(page.select("a[rel=next]")) is more
        assert bool(page.select("a[rel=prev]")) is (offset > 0)
    monkeypatch.setattr(exports, "REPORT_BATCH", 1)
    rows = read_csv(archive.get("/machines/Edit Bay/missing.csv"))
    assert [row["session_id"] for row in rows] == [newest_first[0], *newest_first[1:2] * 2, *newest_first[2:]]
