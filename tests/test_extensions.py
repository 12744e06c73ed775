"""Extensions: a package that names itself in the entry-point group session_stats.extensions adds hooks and a file
format; a failing one is recorded and never stops an ingest, a scan or an upload."""
import io
import os
import shutil

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.cli import cli
from app.database import unit_of_work
from app.extensions import db
from app.hooks import _readers, installed_extensions
from app.models import Event, Job, JobError, Session
from app.models import Template
from app.scanning import run_job, start_scan
from tests.auth import csrf_token
from tests.extractors.conftest import CORPUS
from tests.helpers import ingest

EXAMPLE = "tests/extension_example"


@pytest.fixture(autouse=True)
def example_installed(tmp_path, monkeypatch, request):
    """The example package installed as a distribution with an entry point (as pip would leave it)."""
    info = tmp_path / "site" / "session_stats_example-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: session-stats-example\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[session_stats.extensions]\nexample = session_stats_example\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.syspath_prepend(str(request.config.rootpath / EXAMPLE))
    installed_extensions.cache_clear()
    _readers.cache_clear()
    yield
    installed_extensions.cache_clear()
    _readers.cache_clear()


def events_of(app, session_id):
    with app.app_context():
        return [(e.kind, e.source, e.text) for e in db.session.scalars(
            select(Event).join(Session, Session.pk == Event.session_pk).where(Session.id == session_id)
            .order_by(Event.t_sec, Event.pk))]


def test_the_command_lists_installed_extensions_and_which_are_on(app, runner):
    listed = runner.invoke(cli, ["extensions", "list"])
    assert listed.exit_code == 0
    lines = [line.split("\t") for line in listed.output.splitlines()]
    assert lines == [["loudness", "enabled", "built in", "on_attachment_added"],
                     ["example", "enabled", "session-stats-example 1.0",
                      "on_session_indexed, on_attachment_added, extractors"]]
    app.config["DISABLED_EXTENSIONS"] = "example, nonesuch"
    listed = runner.invoke(cli, ["extensions", "list"])
    assert listed.output.splitlines()[1].startswith("example\tdisabled")
    assert listed.output.splitlines()[-1] == "Disabled in the settings but not installed: nonesuch"


def test_an_ingest_runs_the_hooks_and_keeps_what_they_give(app, client):
    answer = ingest(client, {"name": "Fast", "fingerprint": "f", "bpm": 240, "tracks": [{"name": "Kick"}]},
                    {"name": "boom", "fingerprint": "b"})
    assert answer.status_code == 200
    ids = {s["name"]: s["id"] for s in client.get("/api/session-stats").get_json()["sessions"]}
    assert events_of(app, ids["Fast"]) == [("review", "example", "tempo above 200 BPM")]
    fast = client.get(f"/api/session-stats/{ids['Fast']}").get_json()
    assert fast["attributes"] == {"example": {"tracks_seen": 1}}
    ingest(client, {"name": "Fast", "fingerprint": "f", "bpm": 240, "tracks": [{"name": "Kick"}, {"name": "Bass"}]})
    assert events_of(app, ids["Fast"]) == [("review", "example", "tempo above 200 BPM")]  # replaced, not added
    assert client.get(f"/api/session-stats/{ids['Fast']}").get_json()["attributes"]["example"] == {"tracks_seen": 2}

    page = BeautifulSoup(client.get(f"/sessions/{ids['boom']}").data, "html.parser")
    assert "example failed: RuntimeError: this session makes the example fail" in page.select_one(
        "#extension-errors").get_text(" ", strip=True)

    app.config["DISABLED_EXTENSIONS"] = "example"
    ingest(client, {"name": "Slow", "fingerprint": "s", "bpm": 250})
    slow = next(s["id"] for s in client.get("/api/session-stats").get_json()["sessions"] if s["name"] == "Slow")
    assert events_of(app, slow) == []


def test_a_scan_reads_the_extensions_format_and_records_its_failures(app, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "fast.tempo").write_text("Sprint|210")
    (folder / "boom.tempo").write_text("boom|90")
    (folder / "broken.tempo").write_text("no bar here")
    with app.app_context():
        with unit_of_work():
            job = start_scan(db.session, [str(folder)], [], "test")
        run_job(job.pk)
        finished = db.session.get(Job, job.pk)
        assert finished.status == "succeeded"
        names = dict(db.session.execute(select(Session.name, Session.daw)).all())
        assert names == {"Sprint": "Tempo files", "boom": "Tempo files"}
        errors = {path.rsplit("/", 1)[-1]: message for path, message in db.session.execute(
            select(JobError.path, JobError.message).where(JobError.job_pk == job.pk))}
        assert errors["boom.tempo"] == ("extension example failed: RuntimeError: this session makes the example "
                                        "fail")
        assert "broken.tempo" in errors and "ValueError" in errors["broken.tempo"]
        sprint = db.session.scalar(select(Session.id).where(Session.name == "Sprint"))
    assert events_of(app, sprint) == [("review", "example", "tempo above 200 BPM")]


def test_a_template_file_read_too_long_or_a_pipe_is_skipped_alone_and_the_folder_registers(app, client, tmp_path):
    folder = tmp_path / "Templates"
    folder.mkdir()
    shutil.copyfile(CORPUS / "rpp/exvertus_lighterfluid.rpp", folder / "a Rock Mix.rpp")
    (folder / "b stuck.slow").write_text("Stuck|3600")
    os.mkfifo(folder / "c pipe.rpp")
    shutil.copyfile(CORPUS / "rpp/exvertus_lighterfluid.rpp", folder / "d Band.rpp")
    app.config["SCAN_READ_SECONDS"] = 2
    response = client.post("/templates/folder", data={"csrf_token": csrf_token(client), "folder": str(folder)})
    assert response.status_code == 302
    page = BeautifulSoup(client.get("/templates").data, "html.parser")
    skipped = [flash.get_text(" ", strip=True) for flash in page.select(".flash-error")]
    assert skipped == [f"Skipped {folder / 'b stuck.slow'}: reading it took longer than 2 s: the process reading it "
                       "was stopped (the file system did not answer, or the file is built so that reading it never "
                       "ends).",
                       f"Skipped {folder / 'c pipe.rpp'}: cannot read the file: a named pipe (FIFO), not a regular "
                       "file: scans read regular files only."]
    with app.app_context():
        assert sorted(db.session.scalars(select(Template.name))) == ["a Rock Mix", "d Band"]


def test_an_attachment_is_handed_to_the_extensions_in_a_job(app, auth, client):
    ingest(client, {"name": "Mix", "fingerprint": "m"})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    editor = auth.client("editor")
    sent = editor.post(f"/sessions/{session_id}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(editor), "file": (io.BytesIO(b"notes"), "brief.pdf")})
    assert sent.status_code == 302
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "attachment"))
        run_job(job.pk)
    [attachment] = client.get(f"/api/sessions/{session_id}/attachments").get_json()["attachments"]
    assert attachment["analysis"] == {"example": {"bytes": 5}} and attachment["analysis_error"] is None
    assert events_of(app, session_id) == [("review", "example", "listen to brief.pdf")]


def test_the_command_line_ingest_runs_the_hooks_too(app, runner):
    body = '{"action": "ingestSessions", "payload": {"name": "Sprint", "fingerprint": "s", "bpm": 230}}'
    assert runner.invoke(cli, ["ingest", "-"], input=body).exit_code == 0
    with app.app_context():
        session_id = db.session.scalar(select(Session.id).where(Session.name == "Sprint"))
    assert events_of(app, session_id) == [("review", "example", "tempo above 200 BPM")]
