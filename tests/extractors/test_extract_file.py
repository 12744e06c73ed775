"""Reading any session file: choosing the format, the caps, the fields that follow from the file, the command."""
import json
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.cli import cli
from app.database import unit_of_work
from app.extensions import db
from app.extractors import ExtractError, extract_file, file_fingerprint
from app.extractors.limits import MAX_FILE_BYTES
from app.models import Session, Tag
from app.services.metadata import parse_change, update_metadata

PROJECT = """<REAPER_PROJECT 0.1 "7.51/linux-x86_64" 1700000000
  TEMPO 96 4 4
  <TRACK
    NAME "Lead vocal"
  >
{more}>
"""
SECOND_TRACK = """  <TRACK
    NAME "Bass"
  >
"""


def write_project(path, more=""):
    path.write_text(PROJECT.format(more=more))
    return path


def test_a_file_becomes_a_session_keyed_by_its_path(tmp_path):
    path = write_project(tmp_path / "Song A.rpp")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    session = extract_file(path)
    assert session.name == "Song A" and [t.name for t in session.tracks] == ["Lead vocal"]
    assert session.fingerprint == file_fingerprint(path) == f"file:{path.resolve()}"
    assert session.path == str(path.resolve())
    assert session.updated_at == session.created_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert [(s.type, s.path, s.extractor) for s in session.sources] == [("archive", str(path.resolve()), "reaper")]
    assert {"fingerprint", "path", "sources", "updated_at"} <= session.model_fields_set


def test_unknown_kinds_and_backups_are_refused_with_the_reason(tmp_path):
    notes = tmp_path / "notes.doc"
    notes.write_text("hello")
    with pytest.raises(ExtractError, match="not a session file this version reads"):
        extract_file(notes)
    backup = write_project(tmp_path / "Song A.rpp-bak")
    with pytest.raises(ExtractError, match="a backup file, skipped"):
        extract_file(backup)
    assert extract_file(backup, backups=True).tracks[0].name == "Lead vocal"


def test_a_folder_or_an_oversized_file_is_an_extract_error(tmp_path):
    folder = tmp_path / "Folder.rpp"
    folder.mkdir()
    with pytest.raises(ExtractError, match="cannot read the file"):
        extract_file(folder)
    junk = tmp_path / "junk.als"
    with junk.open("wb") as file:
        file.truncate(100 * 2**20)  # 100 MB, sparse: refused after reading just past the cap
    with pytest.raises(ExtractError, match=f"larger than {MAX_FILE_BYTES // 2**20} MB"):
        extract_file(junk)


def test_an_unexpected_failure_inside_a_reader_is_an_extract_error_naming_the_format(tmp_path, monkeypatch):
    from app.extractors import reaper

    def broken(data, filename):
        return {}["missing"]
    monkeypatch.setattr(reaper, "extract", broken)
    with pytest.raises(ExtractError, match=r"damaged or not a REAPER project \(KeyError") as caught:
        extract_file(write_project(tmp_path / "Song A.rpp"))
    assert caught.value.path.endswith("Song A.rpp")


def invoke(app, *args):
    return app.test_cli_runner().invoke(cli, [str(arg) for arg in args])


def test_extract_prints_an_ingest_body_and_reports_files_it_cannot_read(app, tmp_path):
    good = write_project(tmp_path / "Song A.rpp")
    bad = tmp_path / "Broken.rpp"
    bad.write_bytes(os.urandom(2000))
    result = invoke(app, "extract", good, bad)
    assert result.exit_code == 1
    assert "Broken.rpp" in result.stderr and "not a REAPER project" in result.stderr
    body = json.loads(result.stdout)
    assert body["action"] == "ingestSessions"
    [session] = body["payload"]["sessions"]
    assert session["name"] == "Song A" and session["fingerprint"] == file_fingerprint(good)
    assert "tags" not in session and "notes" not in session
    body_file = tmp_path / "body.json"
    body_file.write_text(result.stdout)
    assert invoke(app, "ingest", body_file).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(Session.name).where(Session.fingerprint == file_fingerprint(good))) == "Song A"


def test_re_extracting_a_changed_file_updates_its_session_and_keeps_user_edits(app, tmp_path):
    path = write_project(tmp_path / "Song A.rpp")
    first = invoke(app, "extract", "--ingest", path)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["inserted"] == 1
    with app.app_context():
        session_id = db.session.scalar(select(Session.id))
        with unit_of_work():
            update_metadata(db.session, session_id, parse_change({"tags": ["keeper"], "notes": "Final mix approved"}))
    write_project(path, more=SECOND_TRACK)
    second = invoke(app, "extract", "--ingest", path)
    assert json.loads(second.stdout)["updated"] == 1
    with app.app_context():
        session = db.session.scalar(select(Session))
        assert session.id == session_id and session.track_count == 2
        assert db.session.scalars(select(Tag.name)).all() == ["keeper"] and session.notes == "Final mix approved"


MEDIA_PROJECT = """<REAPER_PROJECT 0.1 "7.51/linux-x86_64" 1700000000
  MARKER 1 1.5 Verse 0
  <TRACK
    NAME "Drums"
    <ITEM
      <SOURCE WAVE
        FILE "Media/kick.wav"
      >
    >
    <ITEM
      <SOURCE WAVE
        FILE "{absolute}"
      >
    >
    <ITEM
      <SOURCE WAVE
        FILE "/old/drive/Project/snare.wav"
      >
    >
    <ITEM
      <SOURCE WAVE
        FILE "gone.wav"
      >
    >
  >
>
"""


def test_a_read_file_says_which_of_its_media_files_are_on_disk(tmp_path):
    elsewhere = tmp_path / "library" / "pad.wav"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"p" * 7)
    project = tmp_path / "Project"
    (project / "Media").mkdir(parents=True)
    (project / "Media" / "kick.wav").write_bytes(b"k" * 100)
    (project / "Audio Files").mkdir()
    (project / "Audio Files" / "snare.wav").write_bytes(b"s" * 50)  # moved with the session from another drive
    session_file = project / "song.rpp"
    session_file.write_text(MEDIA_PROJECT.format(absolute=elsewhere))

    session = extract_file(session_file)
    assert [(m.path, m.exists, m.size_bytes) for m in session.media_files] == [
        ("Media/kick.wav", True, 100), (str(elsewhere), True, 7), ("/old/drive/Project/snare.wav", True, 50),
        ("gone.wav", False, None)]
    assert [(m.name, m.t_sec) for m in session.markers] == [("Verse", 1.5)]
