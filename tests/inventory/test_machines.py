"""Machines' inventories on the server: received through the API, replacing the machine's last one with its changes
kept as history, refused whole when invalid or older, and listed."""
import io
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.cli import cli
from app.extensions import db
from app.models import InstalledPlugin, Machine, MachineChange
from tests.auth import csrf_token
from tests.served import served

COLLECTED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def entry(name, vendor="FabFilter", version="3.24.0", plugin_format="VST3", **more) -> dict:
    return {"format": plugin_format, "name": name, "vendor": vendor, "version": version, "identifiedBy": "bundle",
            **more}


def inventory(*plugins, collected=COLLECTED, machine="ignored: the URL names the machine", **more) -> dict:
    return {"machine": machine, "os": "macOS", "collectedAt": collected.isoformat(),
            "plugins": list(plugins), **more}


def push(client, name, body):
    return client.post(f"/api/machines/{name}/inventory", json=body)


def stored(app, name) -> list[tuple]:
    with app.app_context():
        return sorted(db.session.execute(
            select(InstalledPlugin.format, InstalledPlugin.name, InstalledPlugin.version, InstalledPlugin.uid)
            .join(Machine).where(Machine.name == name)).all(), key=str)


def history(app, name) -> list[tuple]:
    with app.app_context():
        return sorted(db.session.execute(
            select(MachineChange.change, MachineChange.name, MachineChange.from_version, MachineChange.to_version)
            .join(Machine, Machine.pk == MachineChange.machine_pk).where(Machine.name == name)).all())


def test_an_inventory_replaces_the_last_one_and_its_changes_are_kept(app, auth):
    editor = auth.client(token_role="editor")
    first = push(editor, "B-Room Mac", inventory(
        entry("Pro-Q 3", uid="72C4DB717A4D459AB97E51745D84B39D"), entry("Pro-C 2", version="2.1.0"),
        entry("Pro-L 2", version="2.0.0"), entry("Pro-Q 3", plugin_format="AAX"),
        unreadable=[{"path": "/Library/Audio/Plug-Ins/VST3/Broken.vst3", "reason": "moduleinfo.json is damaged"}]))
    assert first.status_code == 200, first.get_json()
    answer = first.get_json()
    assert (answer["name"], answer["created"], answer["changes"], answer["formats"], answer["unreadable_count"]) == (
        "B-Room Mac", True, {}, {"AAX": 1, "VST3": 3}, 1)
    later = COLLECTED + timedelta(days=30)
    second = push(editor, "B-Room Mac", inventory(
        entry("Pro-Q 3", version="3.25.1", uid="72C4DB717A4D459AB97E51745D84B39D"), entry("Pro-C 2", version="2.0.9"),
        # 3.24 is the 3.24.0 sent before, spelt otherwise: no change.
        entry("Pro-Q 3", plugin_format="AAX", version="3.24"), entry("Pro-R 2", version="2.0.0"), collected=later))
    assert second.status_code == 200, second.get_json()
    assert (second.get_json()["created"], second.get_json()["changes"]) == (
        False, {"added": 1, "removed": 1, "upgraded": 1, "downgraded": 1})
    assert stored(app, "B-Room Mac") == sorted([
        ("VST3", "Pro-Q 3", "3.25.1", "72C4DB717A4D459AB97E51745D84B39D"), ("VST3", "Pro-C 2", "2.0.9", None),
        ("AAX", "Pro-Q 3", "3.24", None), ("VST3", "Pro-R 2", "2.0.0", None)], key=str)
    assert history(app, "B-Room Mac") == [("added", "Pro-R 2", None, "2.0.0"),
                                          ("downgraded", "Pro-C 2", "2.1.0", "2.0.9"),
                                          ("removed", "Pro-L 2", "2.0.0", None),
                                          ("upgraded", "Pro-Q 3", "3.24.0", "3.25.1")]
    detail = editor.get("/api/machines/B-Room Mac").get_json()
    assert detail["unreadable"] == [] and detail["collected_at"] == "2026-12-02T09:30:00Z"
    assert {(plugin["format"], plugin["name"], plugin["identified_by"]) for plugin in detail["plugins"]} == {
        ("VST3", "Pro-Q 3", "bundle"), ("VST3", "Pro-C 2", "bundle"), ("AAX", "Pro-Q 3", "bundle"),
        ("VST3", "Pro-R 2", "bundle")}
    # Newest first; one inventory's changes by format, vendor and name.
    assert [(change["change"], change["name"]) for change in detail["history"]] == [
        ("downgraded", "Pro-C 2"), ("removed", "Pro-L 2"), ("upgraded", "Pro-Q 3"), ("added", "Pro-R 2")]
    listed = editor.get("/api/machines").get_json()["machines"]
    assert [(machine["name"], machine["formats"]) for machine in listed] == [("B-Room Mac", {"AAX": 1, "VST3": 3})]


@pytest.mark.parametrize("body, status, says", [
    ([1, 2], 400, "Send a JSON object."),
    (inventory(entry("X", plugin_format="DX")), 422, "Invalid inventory."),
    (inventory(entry("")), 422, "Invalid inventory."),
    (inventory(entry("X\x00Y")), 422, "Invalid inventory."),
    ({**inventory(entry("X")), "collectedAt": "yesterday"}, 422, "Invalid inventory."),
    ({**inventory(entry("X")), "collectedAt": 1764000000}, 422, "Invalid inventory."),
    ({**inventory(), "plugins": [entry("X")] * 20_001}, 422, "Invalid inventory."),
])
def test_a_bad_inventory_is_refused_whole_and_changes_nothing(app, auth, body, status, says):
    editor = auth.client(token_role="editor")
    assert push(editor, "A", inventory(entry("Kept"))).status_code == 200
    refused = push(editor, "A", body)
    assert refused.status_code == status
    assert refused.get_json()["error"]["message"] == says
    assert stored(app, "A") == [("VST3", "Kept", "3.24.0", None)]


@pytest.mark.parametrize("name", ["%20", " ", "a%2Fb", "a\\b", "x" * 201, "tab%09in"])
def test_a_machine_name_that_cannot_be_one_is_refused(app, auth, name):
    refused = push(auth.client(token_role="editor"), name, inventory(entry("X")))
    assert refused.status_code in (404, 422)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Machine)) == 0


def test_an_older_inventory_is_refused_and_a_viewer_cannot_send_one(app, auth):
    editor = auth.client(token_role="editor")
    assert push(editor, "A", inventory(entry("New"))).status_code == 200
    older = push(editor, "A", inventory(entry("Old"), collected=COLLECTED - timedelta(hours=1)))
    assert older.status_code == 409
    assert "before the one the server has" in older.get_json()["error"]["message"]
    assert push(auth.client(token_role="viewer"), "A", inventory(entry("Viewer"))).status_code == 403
    assert stored(app, "A") == [("VST3", "New", "3.24.0", None)]
    assert auth.client(token_role="viewer").get("/api/machines/nobody").status_code == 404


def test_inventories_sent_at_once_through_a_server_keep_the_newest_and_every_change(app, auth):
    """Six clients each send five inventories of one machine, collected at times that interleave: every answer is
    a 200 or (for one collected before what the server has) a 409, and the stored one is the newest accepted."""
    token = auth.token("editor")
    answers = []

    def send(client_number: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token}"
            for round_number in range(5):
                minute = round_number * 6 + client_number
                body = inventory(entry(f"Plug {minute % 4}", version=f"1.{minute}"), entry("Always"),
                                 collected=COLLECTED + timedelta(minutes=minute))
                answer = http.post(f"{url}/api/machines/Shared/inventory", json=body, timeout=60)
                answers.append((minute, answer.status_code, answer.json()))

    with served(app, threads=8) as url:
        clients = [threading.Thread(target=send, args=(number,)) for number in range(6)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    assert len(answers) == 30
    assert {status for _, status, _ in answers} <= {200, 409}, [a for a in answers if a[1] not in (200, 409)]
    accepted = [minute for minute, status, _ in answers if status == 200]
    newest = max(accepted)
    assert stored(app, "Shared") == sorted([("VST3", f"Plug {newest % 4}", f"1.{newest}", None),
                                            ("VST3", "Always", "3.24.0", None)], key=str)
    reported = sum(sum(body["changes"].values()) for _, status, body in answers if status == 200)
    assert len(history(app, "Shared")) == reported
    assert sum(body["created"] for _, status, body in answers if status == 200) == 1


def test_the_command_sends_an_inventory_and_says_what_the_server_refused(app, auth, runner, tmp_path, monkeypatch):
    file = tmp_path / "inventory.json"
    file.write_text(json.dumps(inventory(entry("Pro-Q 3"), machine="Edit 2")))
    with served(app) as url:
        monkeypatch.delenv("SESSION_STATS_TOKEN", raising=False)
        unset = runner.invoke(cli, ["inventory", "push", str(file), "--server", url])
        assert unset.exit_code == 1 and "Set SESSION_STATS_TOKEN" in unset.output
        monkeypatch.setenv("SESSION_STATS_TOKEN", auth.token("viewer"))
        refused = runner.invoke(cli, ["inventory", "push", str(file), "--server", url])
        assert refused.exit_code == 1 and "The server refused the inventory (403)" in refused.output
        monkeypatch.setenv("SESSION_STATS_TOKEN", auth.token("editor"))
        sent = runner.invoke(cli, ["inventory", "push", str(file), "--server", url + "/"])
        assert sent.exit_code == 0, sent.output
        assert sent.output.strip() == "Sent 1 plug-ins as Edit 2: a new machine."
        again = runner.invoke(cli, ["inventory", "push", str(file), "--server", url, "--machine", "Edit 2"])
        assert again.output.strip() == "Sent 1 plug-ins as Edit 2: no change since its last inventory."
    file.write_text('{"machine": "x"}')
    broken = runner.invoke(cli, ["inventory", "push", str(file), "--server", url])
    assert broken.exit_code == 1 and "is not an inventory" in broken.output
    file.write_text(json.dumps(inventory(entry("Pro-Q 3"), machine="Edit 2")))
    unreachable = runner.invoke(cli, ["inventory", "push", str(file), "--server", url])
    assert unreachable.exit_code == 1 and f"Cannot reach {url}" in unreachable.output
    assert stored(app, "Edit 2") == [("VST3", "Pro-Q 3", "3.24.0", None)]


def test_a_file_sent_from_the_page_is_refused_on_the_form_when_it_cannot_be_taken(app, auth):
    editor = auth.client("editor")

    def send(data: bytes | None, machine: str = ""):
        file = {} if data is None else {"inventory": (io.BytesIO(data), "inventory.json")}
        return editor.post("/machines/inventory", content_type="multipart/form-data", data={
            "csrf_token": csrf_token(editor), "machine": machine, **file})

    good = json.dumps(inventory(entry("Pro-Q 3"), machine="Edit 2")).encode()
    for data, machine, says in ((b"\xff\xfe not json", "", "not an inventory Session Stats reads"),
                                (b"", "", "not an inventory Session Stats reads"),
                                (None, "", "Choose an inventory file"),
                                (good, "a/b", "A machine's name is 1 to 200 characters")):
        refused = send(data, machine)
        assert refused.status_code == 422
        errors = BeautifulSoup(refused.data, "html.parser").select("#send-inventory .error")
        assert says in errors[0].get_text(), errors
    assert stored(app, "Edit 2") == [] and stored(app, "a/b") == []
    sent = send(good, " Renamed ")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/machines/Renamed")
    assert stored(app, "Renamed") == [("VST3", "Pro-Q 3", "3.24.0", None)]
