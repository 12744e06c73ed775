"""The session-stats command: ingest, export, import-legacy, setup, restore."""
import json

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.cli import cli
from app.cli.server import SAMPLE_SESSIONS
from app.extensions import db
from app.models import Session
from app.sample_data import generate_sessions
from tests.auth import Auth
from tests.helpers import SEED_EXAMPLE, app_settings, ingest, row_counts


def invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(cli, list(args), input=input)


def export_json(app):
    result = invoke(app, "export")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def second_app(request, backend, tmp_path):
    """Another app on its own empty database of the same backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'second.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database("session_stats_second")
    app = create_app(app_settings(tmp_path / "second", url))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_ingest_file_and_stdin(app, tmp_path):
    body = tmp_path / "body.json"
    body.write_text(json.dumps(SEED_EXAMPLE))
    result = invoke(app, "ingest", str(body))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["inserted"] == 1

    replace = {"action": "replaceSessions", "payload": [{"name": "Other"}]}
    result = invoke(app, "ingest", "-", input=json.dumps(replace))
    assert json.loads(result.output)["trashed"] == 1
    assert [s["name"] for s in export_json(app)["sessions"]] == ["Other"]


def test_ingest_reports_invalid_fields_and_changes_nothing(app):
    bad = {"action": "ingestSessions", "payload": {"sessions": [{"name": "ok"}, {"tracks": [{"name": 1}]}]}}
    result = invoke(app, "ingest", "-", input=json.dumps(bad))
    assert result.exit_code == 1
    assert "sessions[1].name" in result.output and "sessions[1].tracks[0].name" in result.output
    with app.app_context():
        assert row_counts()["sessions"] == 0


def test_export_into_an_empty_database_gives_the_same_export(app, second_app, tmp_path):
    payload = {"action": "ingestSessions", "payload": {"sessions": list(generate_sessions(30, seed=7))}}
    assert invoke(app, "ingest", "-", input=json.dumps(payload)).exit_code == 0
    exported = export_json(app)
    assert len(exported["sessions"]) == 30
    assert sum(len(s["tracks"]) for s in exported["sessions"]) > 300

    dump = tmp_path / "export.json"
    dump.write_text(json.dumps(exported))
    result = invoke(second_app, "import-legacy", str(dump))
    assert result.exit_code == 0, result.output
    assert export_json(second_app) == exported


def test_export_ingested_through_the_api_gives_the_same_sessions(app, second_app):
    client = Auth(app).client(token_role="editor")
    client.post("/api/session-stats", json={"action": "ingestSessions",
                                            "payload": {"sessions": list(generate_sessions(10, seed=3))}})
    exported = export_json(app)
    response = Auth(second_app).client(token_role="editor").post(
        "/api/session-stats", json={"action": "ingestSessions", "payload": {"sessions": exported["sessions"]}}
    )
    assert response.get_json()["inserted"] == 10
    assert export_json(second_app)["sessions"] == exported["sessions"]


def test_import_legacy_refuses_bad_files(app, tmp_path):
    not_json = tmp_path / "broken.json"
    not_json.write_text("{")
    result = invoke(app, "import-legacy", str(not_json))
    assert result.exit_code == 1 and "not valid JSON" in result.output
    wrong_shape = tmp_path / "wrong.json"
    wrong_shape.write_text(json.dumps({"sessions": [{"name": "ok"}, {"artist": "x"}]}))
    result = invoke(app, "import-legacy", str(wrong_shape))
    assert result.exit_code == 1 and "sessions[1].name" in result.output
    with app.app_context():
        assert row_counts()["sessions"] == 0


def test_trash_restore(app, client):
    client.post("/api/session-stats", json=SEED_EXAMPLE)
    client.post("/api/session-stats", json={"action": "replaceSessions", "payload": []})
    assert export_json(app)["sessions"] == []
    result = invoke(app, "trash", "restore", "no-such-id")
    assert result.exit_code == 1
    with app.app_context():
        [session_id] = db.session.scalars(select(Session.id)).all()
    assert invoke(app, "trash", "restore", session_id).exit_code == 0
    assert [s["name"] for s in export_json(app)["sessions"]] == ["Session A"]


def test_setup_imports_the_legacy_file_once_and_loads_samples_only_when_empty(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    legacy = {"sessions": [{"name": "From the JSON store", "tags": ["old"]}], "lastIngestedAt": "2023-04-05T06:07:08Z"}
    (instance / "session-stats.json").write_text(json.dumps(legacy))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance)})

    result = invoke(app, "setup", "--sample")
    assert result.exit_code == 0, result.output
    exported = export_json(app)
    assert [s["name"] for s in exported["sessions"]] == ["From the JSON store"]
    assert exported["lastIngestedAt"] == "2023-04-05T06:07:08Z"

    (instance / "session-stats.json").write_text(json.dumps({"sessions": [{"name": "Again"}]}))
    assert invoke(app, "setup").exit_code == 0
    assert len(export_json(app)["sessions"]) == 1
    with app.app_context():
        db.engine.dispose()


def test_setup_loads_sample_sessions_into_an_empty_index(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    result = invoke(app, "setup", "--sample")
    assert result.exit_code == 0, result.output
    assert len(export_json(app)["sessions"]) == SAMPLE_SESSIONS
    invoke(app, "setup", "--sample")
    with app.app_context():
        assert row_counts()["sessions"] == SAMPLE_SESSIONS
        db.engine.dispose()
    assert "session-stats samples remove" in result.output


def test_samples_remove_moves_only_the_samples_to_the_trash(app, client):
    ingest(client, *generate_sessions(5, seed=1), {"name": "Real work", "fingerprint": "real"})
    assert "sample" in client.get("/sessions").data.decode()
    result = invoke(app, "samples", "remove")
    assert result.exit_code == 0 and result.output == "Moved 5 sample sessions to the trash.\n", result.output
    assert [s["name"] for s in client.get("/api/session-stats").get_json()["sessions"]] == ["Real work"]
    with app.app_context():
        assert len(db.session.scalars(select(Session.id).where(Session.deleted_at.is_not(None))).all()) == 5
    assert invoke(app, "samples", "remove").output == "There are no sample sessions.\n"
