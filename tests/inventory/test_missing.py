"""What breaks on a machine: the sessions that would open with plugins missing there, matched by id first, then by
product and format, compared with what each session's plugins and the machine's inventory say."""
import pytest
from bs4 import BeautifulSoup

from app.extractors import extract_file
from tests.auth import csrf_token
from tests.extractors.conftest import CORPUS
from tests.helpers import ingest

FABFILTER = "FabFilter"
PRO_Q_CLASS = "72C4DB717A4D459AB97E51745D84B39D"


def plugin(name, vendor, plugin_format, uid=None, version=None) -> dict:
    return {key: value for key, value in {"name": name, "vendor": vendor, "format": plugin_format, "uid": uid,
                                          "version": version}.items() if value is not None}


def session(fingerprint, created, daw, *plugins) -> dict:
    return {"fingerprint": fingerprint, "id": fingerprint, "name": fingerprint.title(), "daw": daw,
            "createdAt": f"{created}T12:00:00Z", "tracks": [{"name": "Bus", "plugins": list(plugins)}]}


SESSIONS = [
    session("reaper-mix", "2026-03-01", "REAPER", plugin("Pro-Q 3", FABFILTER, "VST3", PRO_Q_CLASS, "3.21"),
            plugin("ReaComp", "Cockos", "VST2", "1919247213")),
    session("pro-tools-mix", "2026-04-01", "Pro Tools", plugin("Pro-Q 3", FABFILTER, "AAX Native", version="3.24")),
    session("live-set", "2026-05-01", "Ableton Live", plugin("FabFilter Pro-Q 3 x64", None, "VST2"),
            plugin("Saturation", None, "JS"), plugin("EQ Eight", "Ableton", "built-in")),
    session("renamed", "2026-06-01", "REAPER", plugin("Old Display Name", "Someone", "VST3", "0123456789ABCDEF0123456789ABCDEF")),
    session("same-name", "2026-07-01", "REAPER", plugin("Same Name", "Vendor A", "VST3")),
    session("trashed", "2026-08-01", "REAPER", plugin("Gone Plugin", "Nobody", "VST3")),
]
INVENTORY = [
    {"format": "VST3", "name": "Pro-Q 3", "vendor": FABFILTER, "version": "3.24.0", "uid": PRO_Q_CLASS,
     "identifiedBy": "bundle"},
    {"format": "VST3", "name": "Real Name", "vendor": "Someone Else", "uid": "0123456789ABCDEF0123456789ABCDEF",
     "identifiedBy": "bundle"},
    {"format": "VST3", "name": "Same Name", "vendor": "Vendor B", "identifiedBy": "file name"},
]


def send(client, plugins, collected="2026-11-01T00:00:00Z"):
    answer = client.post("/api/machines/B-Room/inventory", json={
        "machine": "B-Room", "collectedAt": collected, "plugins": plugins})
    assert answer.status_code == 200, answer.get_json()


@pytest.fixture
def archive(client):
    assert ingest(client, *SESSIONS).status_code == 200
    assert client.post("/sessions/trashed/trash", data={"csrf_token": csrf_token(client)}).status_code == 302
    send(client, INVENTORY)
    return client


def missing(client, **query) -> dict:
    answer = client.get("/api/machines/B-Room/missing", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_sessions_missing_plugins_on_a_machine_newest_first_with_what_stands_in(archive):
    report = missing(archive)
    found = [(s["session_id"], [(p["name"], p["format"], p["instead"]) for p in s["plugins"]])
             for s in report["sessions"]]
    assert found == [
        ("same-name", [("Same Name", "VST3", [])]),
        ("live-set", [("FabFilter Pro-Q 3 x64", "VST2", ["VST3 3.24.0"])]),
        ("pro-tools-mix", [("Pro-Q 3", "AAX Native", ["VST3 3.24.0"])]),
        ("reaper-mix", [("ReaComp", "VST2", [])]),
    ]
    assert (report["total"], report["plugins"]) == (4, 4)
    assert [s["session_id"] for s in missing(archive, limit=2, offset=1)["sessions"]] == ["live-set", "pro-tools-mix"]
    assert [s["session_id"] for s in missing(archive, daw="REAPER")["sessions"]] == ["same-name", "reaper-mix"]


def test_a_new_inventory_changes_the_report_at_once(archive):
    send(archive, [*INVENTORY, {"format": "VST2", "name": "ReaComp", "vendor": "Cockos", "uid": "1919247213",
                                "identifiedBy": "REAPER's plug-in cache"},
                   {"format": "AAX", "name": "Pro-Q 3", "vendor": FABFILTER, "identifiedBy": "bundle"}],
         collected="2026-11-02T00:00:00Z")
    assert [s["session_id"] for s in missing(archive)["sessions"]] == ["same-name", "live-set"]


def test_the_report_page_and_its_refusals(archive, auth):
    page = BeautifulSoup(archive.get("/machines/B-Room/missing?daw=Pro+Tools").data, "html.parser")
    rows = page.select("#report-sessions tbody tr")
    assert len(rows) == 1 and "Pro-Q 3" in rows[0].get_text() and "VST3 3.24.0 installed" in rows[0].get_text()
    # The page comes at once; its count follows, asked for by htmx.
    assert page.select_one("#report-summary")["hx-get"] == "/machines/B-Room/missing?daw=Pro+Tools"
    summary = BeautifulSoup(archive.get("/machines/B-Room/missing?daw=Pro+Tools", headers={"HX-Request": "true"}).data,
                            "html.parser")
    assert [p.get("id") for p in summary.find_all("p")] == ["report-summary"] and not summary.select("table")
    assert " ".join(summary.get_text().split()).startswith("1 session misses a plugin here; 4 plugins")
    assert archive.get("/machines/Nobody/missing").status_code == 404
    assert archive.get("/api/machines/Nobody/missing").status_code == 404
    assert archive.get("/api/machines/B-Room/missing?limit=0").status_code == 422
    assert archive.get("/api/machines/B-Room/missing?colour=red").status_code == 422
    assert archive.get("/machines/B-Room/missing?offset=-1").status_code == 400


@pytest.mark.parametrize("name, format_, uid, vendor_told", [
    ("rpp/exvertus_track2.rpp", "VST3", "72C4DB717A4D459AB97E51745D84B39D", True),
    # The files give no vendor: the catalogue knows these names' makers, whatever an inventory says.
    ("als/abletoolz_11.0.12.als", "VST3", "79F415E3C8E74807AD5DA3CF7024F618", False),
    ("dawproject/bitwig_README_example_project.xml", "CLAP", "org.surge-synth-team.surge-xt", False),
])
def test_a_real_session_matches_by_id_under_any_name_but_not_by_a_name_alone(client, name, format_, uid, vendor_told):
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus at {CORPUS}")
    session_file = extract_file(path)
    named = next(plugin for track in session_file.tracks for plugin in track.plugins or () if plugin.uid == uid)
    assert ingest(client, session_file.model_dump(mode="json", by_alias=True, exclude_none=True)).status_code == 200
    machines = {"By-Id": {"format": format_, "name": "Renamed In The Bundle", "vendor": "Someone Else", "uid": uid},
                "By-Name": {"format": format_, "name": named.name, "vendor": f"Not {named.vendor}"}}
    for machine, installed in machines.items():
        answer = client.post(f"/api/machines/{machine}/inventory", json={
            "machine": machine, "collectedAt": "2026-11-01T00:00:00Z",
            "plugins": [{**installed, "identifiedBy": "bundle"}]})
        assert answer.status_code == 200, answer.get_json()
    missing_names = {machine: {p["name"] for s in client.get(f"/api/machines/{machine}/missing").get_json()["sessions"]
                               for p in s["plugins"]} for machine in machines}
    assert named.name not in missing_names["By-Id"]
    assert (named.name in missing_names["By-Name"]) is vendor_told
