"""Archive scans end to end, on both databases: index, skip what is unchanged, update, notice what is gone."""
import os

from sqlalchemy import func, select, update

from app.cli import cli
from app.database import unit_of_work
from app.extensions import db
from app.models import Job, JobError, JobSession, ScannedFile, Session, Tag, Track
from app.scanning import run_job, start_scan
from app.services.metadata import parse_change, update_metadata
from tests.extractors.conftest import CORPUS
from tests.helpers import table_rows
from tests.scanning.conftest import copy, scan

SESSION_SUFFIXES = {".ptx", ".ptf", ".pts", ".txt", ".rpp", ".als", ".flp", ".song", ".dawproject", ".xml"}
# The one corpus file no extractor reads: a DAWproject draft from before 1.0.
UNREADABLE = {"dawproject/bitwig_v0.1_sends.dawproject": "unsupported DAWproject version"}


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def session_of(path) -> Session:
    return db.session.scalar(select(Session).where(Session.path == str(path)))


def test_a_scan_of_the_corpus_indexes_every_readable_file_and_a_rescan_changes_nothing(app, corpus):
    corpus("rpp/exvertus_track2.rpp")  # skips when the corpus is absent
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in SESSION_SUFFIXES)
    with app.app_context():
        job = scan(CORPUS)
        assert job.status == "succeeded"
        assert job.total == len(files) == job.done
        assert job.result["found"] == len(files)
        assert job.result["indexed"] == job.result["added"] == len(files) - len(UNREADABLE)
        [error] = db.session.scalars(select(JobError)).all()
        [(name, reason)] = UNREADABLE.items()
        assert error.path == str(CORPUS / name) and reason in error.message
        assert {s.path for s in db.session.scalars(select(Session))} == {
            str(p) for p in files if p.relative_to(CORPUS).as_posix() not in UNREADABLE}
        assert count(JobSession, JobSession.job_pk == job.pk, JobSession.change == "added") == len(files) - 1
        assert {row.status for row in db.session.scalars(select(ScannedFile))} == {"indexed", "failed"}
        before = table_rows()

        again = scan(CORPUS)
        assert again.status == "succeeded"
        assert again.result["unchanged"] == len(files) == again.done
        assert "indexed" not in again.result and "failed" not in again.result
        # The unreadable file is reported again, from what the first scan found, without being read.
        [(path, message)] = db.session.execute(select(JobError.path, JobError.message)
                                               .where(JobError.job_pk == again.pk)).all()
        assert path == error.path and message == f"{error.message} (unchanged since an earlier scan)"
        assert again.failed == 1
        assert table_rows() == before
        assert count(JobSession, JobSession.job_pk == again.pk) == 0


def test_a_changed_file_updates_its_session_and_keeps_its_tags(app, corpus, tmp_path):
    reaper = corpus("rpp/exvertus_track2.rpp")
    first = copy(reaper, tmp_path / "archive" / "one.rpp")
    second = copy(reaper, tmp_path / "archive" / "two.rpp")
    with app.app_context():
        scan(tmp_path / "archive")
        session = session_of(second)
        with unit_of_work():
            update_metadata(db.session, session.id, parse_change({"tags": ["mixed"], "notes": "final mix"}))
        untouched_updated_at = session_of(first).updated_at

        second.write_text(second.read_text().replace("NAME ReaSynth", 'NAME "Renamed Track"', 1))
        os.utime(second, ns=(second.stat().st_atime_ns, second.stat().st_mtime_ns + 10**9))
        job = scan(tmp_path / "archive")

        assert job.result["unchanged"] == 1 and job.result["indexed"] == 1 and job.result["updated"] == 1
        assert "added" not in job.result or job.result["added"] == 0
        changed = session_of(second)
        assert db.session.scalar(select(Track.name).where(Track.session_pk == changed.pk,
                                                          Track.position == 0)) == "Renamed Track"
        assert [t.name for t in db.session.scalars(select(Tag).where(Tag.session_pk == changed.pk))] == ["mixed"]
        assert changed.notes == "final mix"
        assert session_of(first).updated_at == untouched_updated_at
        assert db.session.execute(select(JobSession.session_pk, JobSession.change)
                                  .where(JobSession.job_pk == job.pk)).all() == [(changed.pk, "updated")]


def test_a_file_touched_without_a_change_is_hashed_but_not_read_again(app, corpus, tmp_path):
    path = copy(corpus("rpp/exvertus_track2.rpp"), tmp_path / "a" / "song.rpp")
    with app.app_context():
        scan(tmp_path / "a")
        before = table_rows()
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5 * 10**9))
        job = scan(tmp_path / "a")
        assert job.result["unchanged"] == 1 and "indexed" not in job.result
        assert table_rows() == before
        stored = db.session.scalar(select(ScannedFile))
        assert stored.mtime_ns == path.stat().st_mtime_ns and stored.status == "indexed"
        assert scan(tmp_path / "a").result == {"found": 1, "unchanged": 1, "missing": 0, "missing_sessions": 0}


def test_a_deleted_file_marks_its_session_missing_and_finding_it_again_clears_that(app, corpus, tmp_path):
    source = corpus("flp/dawtool_fl-markers.flp")
    kept = copy(source, tmp_path / "drive" / "kept.flp")
    gone = copy(source, tmp_path / "drive" / "gone.flp")
    with app.app_context():
        scan(tmp_path / "drive")
        gone_bytes = gone.read_bytes()
        gone.unlink()
        job = scan(tmp_path / "drive")
        assert job.result["missing"] == 1 and job.result["missing_sessions"] == 1
        assert session_of(gone).missing_at is not None and session_of(gone).deleted_at is None
        assert session_of(kept).missing_at is None
        assert db.session.scalar(select(ScannedFile.status).where(ScannedFile.path == str(gone))) == "missing"
        assert db.session.execute(select(JobSession.change).where(JobSession.job_pk == job.pk)).scalars().all() == [
            "missing"]

        gone.write_bytes(gone_bytes)
        back = scan(tmp_path / "drive")
        assert back.result["indexed"] == 1 and back.result["updated"] == 1
        assert session_of(gone).missing_at is None
        assert count(Session) == 2


def test_a_scan_of_one_folder_leaves_the_files_of_other_folders_alone(app, corpus, tmp_path):
    source = corpus("rpp/exvertus_track2.rpp")
    copy(source, tmp_path / "A" / "a.rpp")
    other = copy(source, tmp_path / "B" / "b.rpp")
    with app.app_context():
        scan(tmp_path / "A", tmp_path / "B")
        job = scan(tmp_path / "A")
        assert job.result["missing"] == 0
        assert session_of(other).missing_at is None


def test_backups_are_skipped_unless_asked_for(app, corpus, tmp_path):
    reaper = corpus("rpp/exvertus_track2.rpp")
    live = corpus("als/abletoolz_11.0.12.als")
    copy(reaper, tmp_path / "p" / "song.rpp")
    copy(reaper, tmp_path / "p" / "song.rpp-bak")
    copy(live, tmp_path / "p" / "Backup" / "set [2020-01-01 120000].als")
    copy(corpus("flp/dawtool_fl-markers.flp"), tmp_path / "p" / "beat (autosave).flp")
    with app.app_context():
        assert scan(tmp_path / "p").result["found"] == 1
        assert scan(tmp_path / "p", backups=True).result["found"] == 4
        # Without backups again: the backups read before are not reported missing.
        assert scan(tmp_path / "p").result["missing"] == 0


def test_a_text_export_beside_a_pro_tools_session_completes_it_instead_of_being_a_session(app, corpus,
                                                                                          tmp_path):
    session_file = copy(corpus("ptx/ptformat_TestPTX.ptx"), tmp_path / "pt" / "Song.ptx")
    export = copy(corpus(
        "pt_session_text/DAWFileKit_SessionText_Plugins_23-976fps_DefaultExportOptions_PT2020.3.txt"),
        tmp_path / "pt" / "Song.txt")
    with app.app_context():
        job = scan(tmp_path / "pt")
        assert job.result["found"] == 1 and job.result["added"] == 1
        [session] = db.session.scalars(select(Session)).all()
        assert session.path == str(session_file)
        assert session.attributes["text_export"] == "Song.txt"
        statuses = dict(db.session.execute(select(ScannedFile.path, ScannedFile.status)).all())
        assert statuses == {str(session_file): "indexed", str(export): "companion"}

        assert scan(tmp_path / "pt").result["unchanged"] == 1
        export.write_text(export.read_text(encoding="mac_roman") + "\n", encoding="mac_roman")
        os.utime(export, ns=(export.stat().st_atime_ns, export.stat().st_mtime_ns + 10**9))
        assert scan(tmp_path / "pt").result["indexed"] == 1
        export.unlink()
        job = scan(tmp_path / "pt")
        assert job.result["indexed"] == 1 and job.result["missing_sessions"] == 0
        assert "text_export" not in db.session.scalar(select(Session)).attributes


def test_a_cancelled_scan_stops_and_marks_nothing_missing(app, corpus, tmp_path):
    copy(corpus("rpp/exvertus_track2.rpp"), tmp_path / "c" / "a.rpp")
    with app.app_context():
        scan(tmp_path / "c")
        (tmp_path / "c" / "a.rpp").unlink()
        with unit_of_work():
            job = start_scan(db.session, [str(tmp_path / "c")], [], "tests")
        # Asked while it runs: the scan sees it at its first progress report.
        with unit_of_work():
            db.session.execute(update(Job).where(Job.pk == job.pk).values(cancel_requested=True))
        run_job(job.pk)
        db.session.expire_all()
        assert db.session.get(Job, job.pk).status == "cancelled"
        assert count(Session, Session.missing_at.is_not(None)) == 0


def test_the_scan_command_refuses_paths_outside_the_archive_roots_and_queues_nothing(app, tmp_path):
    (tmp_path / "archive").mkdir()
    (tmp_path / "elsewhere").mkdir()
    app.config["ARCHIVE_ROOTS"] = [tmp_path / "archive"]
    runner = app.test_cli_runner()
    refused = runner.invoke(cli, ["scan", str(tmp_path / "elsewhere")])
    assert refused.exit_code == 1
    assert f"{tmp_path / 'elsewhere'} is outside the archive roots ({tmp_path / 'archive'})" in refused.output
    missing = runner.invoke(cli, ["scan", str(tmp_path / "archive" / "nope")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    with app.app_context():
        assert count(Job) == 0
    queued = runner.invoke(cli, ["scan", "--queue", str(tmp_path / "archive")])
    assert queued.exit_code == 0 and queued.output.startswith("Queued scan job ")
    with app.app_context():
        assert db.session.scalar(select(Job.status)) == "queued"
