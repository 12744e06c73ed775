"""Backups: a consistent copy while others write, restored only into an empty instance, and made on a schedule."""
import io
import json
import subprocess
import tarfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.cli import cli
from app.database import database_unavailable, unit_of_work
from app.extensions import db, jobs
from app.models import ApiToken, AuditEntry, Meta, User
from app.models.types import utc_now
from app.sample_data import generate_sessions
from app.services import backup_databases as databases
from app.services import backups
from app.services.derived import check_derived
from app.services.ingest import ingest_sessions
from app.services.metadata import parse_change, update_metadata
from app.services.sessions import trash_session
from app.wire import SessionStatsSession
from tests.auth import Auth
from tests.helpers import TABLES, app_settings

# The tables a restore must give back row for row (the audit log gains the restore's own entry).
COMPARED = (*TABLES, User, ApiToken)


def invoke(app, *args):
    return app.test_cli_runner().invoke(cli, [str(arg) for arg in args])


def ingest(app, sessions):
    with app.app_context(), unit_of_work():
        return ingest_sessions(db.session, [SessionStatsSession.model_validate(s) for s in sessions])


def rows(app) -> dict:
    with app.app_context():
        return {model.__tablename__: sorted(tuple(map(str, row)) for row in db.session.execute(select(model.__table__)))
                for model in COMPARED}


def files(folder: Path) -> dict:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


@pytest.fixture
def target(request, backend, tmp_path):
    """Makes another app of the same backend on a new, untouched database: where a backup is restored."""
    made = []

    def make(name="target"):
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / name / 'instance' / 'session-stats.db'}"
        else:
            url = request.getfixturevalue("postgres").create_database(f"session_stats_{name}")
        made.append(create_app(app_settings(tmp_path / name, url)))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def indexed(app):
    """The app with a few sessions (one in the trash, one edited), a second user and an API token."""
    sessions = list(generate_sessions(6, seed=11))
    result = ingest(app, sessions)
    with app.app_context(), unit_of_work():
        trash_session(db.session, result.inserted[0])
        update_metadata(db.session, result.inserted[1],
                        parse_change({"notes": "mixed twice", "is_favorite": True, "tags": ["mixed"]}))
    auth = Auth(app)
    auth.user("editor", "mira")
    auth.token("viewer")
    return app


def test_backup_then_restore_into_a_new_instance_gives_the_same_index(indexed, target, tmp_path):
    app = indexed
    archive = tmp_path / "copy.tar.gz"
    result = invoke(app, "backup", archive)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == str(archive)
    assert "6 sessions (1 in the trash), 1 user, 1 API token" in result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and set(names[1:]) == set(manifest["files"])
    assert {key: manifest["counts"][key] for key in ("sessions_live", "sessions_trashed", "users", "api_tokens")} == {
        "sessions_live": 5, "sessions_trashed": 1, "users": 1, "api_tokens": 1}
    assert "instance/secret_key" in manifest["files"] and manifest["database"]["revision"]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "backup.created")).one()
        assert entry.target == "copy.tar.gz" and entry.details == {"size": archive.stat().st_size}

    # A brand new instance where setup already ran (and made its admin) counts as empty.
    restored = target()
    assert invoke(restored, "setup").exit_code == 0
    generated_key = (Path(restored.instance_path) / "secret_key").read_text()
    result = invoke(restored, "restore", "--check", archive)
    assert result.exit_code == 0 and "is sound" in result.output
    result = invoke(restored, "restore", archive)
    assert result.exit_code == 0, result.output
    assert "Every maintained figure equals a recount" in result.output
    assert rows(restored) == rows(app)
    instance = Path(restored.instance_path)
    assert (instance / "secret_key").read_text() == (Path(app.instance_path) / "secret_key").read_text()
    [aside] = instance.glob("secret_key.before-restore-*")
    assert aside.read_text() == generated_key
    [before] = (instance / "backups").glob("session-stats-before-restore-*.tar.gz")
    assert str(before) in result.output
    with restored.app_context():
        assert check_derived(db.session) == []
        assert db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.pk)).all()[-1] == "backup.restored"


def writer(app, number, stop, done, expected, errors):
    """Ingests new sessions, edits and trashes them, one unit of work at a time, until told to stop."""
    with app.app_context():
        mine = []
        for step, session in enumerate(generate_sessions(400, seed=100 + number)):
            if stop.is_set():
                break
            # Small sessions: many units of work in little time.
            session["id"], session["tracks"] = f"w{number}-{step}", session["tracks"][:6]
            expected[session["id"]] = (len(session["tracks"]), sum(len(t["plugins"]) for t in session["tracks"]))
            try:
                with unit_of_work():
                    ingest_sessions(db.session, [SessionStatsSession.model_validate(session)])
                mine.append(session["id"])
                with unit_of_work():
                    update_metadata(db.session, mine[step // 2], parse_change({"notes": f"pass {step}",
                                                                               "is_favorite": step % 2 == 0}))
                    if step % 5 == 4:
                        trash_session(db.session, mine[step // 3])
            except DBAPIError as exc:
                if database_unavailable(exc) is None:
                    errors.append(exc)
                    raise
            done[number] += 1


def test_a_backup_taken_while_others_write_restores_whole_and_exact(app, backend, target):
    stop, done, expected, errors = threading.Event(), [0] * 4, {}, []
    threads = [threading.Thread(target=writer, args=(app, n, stop, done, expected, errors)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        while sum(done) < 8 and all(thread.is_alive() for thread in threads):
            time.sleep(0.01)
        with app.app_context():
            made = backups.make_backup()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors

    restored = target()
    with restored.app_context():
        result = backups.restore_backup(made.path)
        assert result.count_differences == {} and result.differences == []
        assert check_derived(db.session) == []
        if backend == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        counted = {row.id: (row.tracks, row.instances) for row in db.session.execute(text(
            "SELECT s.id, (SELECT count(*) FROM tracks t WHERE t.session_pk = s.pk) AS tracks, "
            "(SELECT count(*) FROM track_plugins p WHERE p.session_pk = s.pk) AS instances FROM sessions s"))}
    assert len(counted) == made.manifest["counts"]["sessions_live"] + made.manifest["counts"]["sessions_trashed"] > 0
    assert counted == {session_id: expected[session_id] for session_id in counted}


def rewrite(archive: Path, out: Path, change, extra=None):
    """A copy of `archive` whose members went through change(name, data) -> data, with `extra` members added."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return out


def test_restore_refuses_a_tampered_archive_and_changes_nothing(indexed, target, tmp_path):
    archive = backups_made(indexed, tmp_path / "good.tar.gz")
    restored = target()
    assert invoke(restored, "setup").exit_code == 0
    before, instance = rows(restored), files(Path(restored.instance_path))

    tampered = rewrite(archive, tmp_path / "tampered.tar.gz",
                       lambda name, data: b"0" * len(data) if name == "instance/secret_key" else data)
    result = invoke(restored, "restore", tampered)
    assert result.exit_code == 1 and "instance/secret_key" in result.output and "SHA-256" in result.output
    assert invoke(restored, "restore", "--check", tampered).exit_code == 1

    unlisted = rewrite(archive, tmp_path / "unlisted.tar.gz", lambda name, data: data,
                       extra={"instance/extra": b"slipped in"})
    result = invoke(restored, "restore", unlisted)
    assert result.exit_code == 1 and "instance/extra" in result.output and "does not list" in result.output

    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not an archive")
    result = invoke(restored, "restore", garbage)
    assert result.exit_code == 1 and "not a readable backup archive" in result.output

    newer = rewrite(archive, tmp_path / "newer.tar.gz", lambda name, data: json.dumps(
        {**json.loads(data), "database": {**json.loads(data)["database"], "revision": "9999"}}).encode()
        if name == "manifest.json" else data)
    result = invoke(restored, "restore", newer)
    assert result.exit_code == 1 and "'9999'" in result.output and "does not know" in result.output

    assert rows(restored) == before
    assert files(Path(restored.instance_path)) == instance


def backups_made(app, path):
    result = invoke(app, "backup", path)
    assert result.exit_code == 0, result.output
    return path


def test_restore_refuses_an_instance_that_is_not_empty_and_changes_nothing(indexed, target, tmp_path):
    archive = backups_made(indexed, tmp_path / "good.tar.gz")
    before, instance = rows(indexed), files(Path(indexed.instance_path))
    result = invoke(indexed, "restore", archive)
    assert result.exit_code == 1
    assert "6 sessions" in result.output and "1 API token" in result.output and "Nothing was changed" in result.output
    assert rows(indexed) == before and files(Path(indexed.instance_path)) == instance

    # The generated admin no longer counts as nothing once someone has signed in with it.
    restored = target()
    assert invoke(restored, "setup").exit_code == 0
    with restored.app_context(), unit_of_work():
        db.session.execute(update(User).values(last_sign_in_at=utc_now()))
    before = rows(restored)
    result = invoke(restored, "restore", archive)
    assert result.exit_code == 1 and "'admin', which has been signed in with" in result.output
    assert rows(restored) == before


def test_restore_refuses_another_kind_of_database(indexed, backend, request, tmp_path):
    archive = backups_made(indexed, tmp_path / "good.tar.gz")
    if backend == "sqlite":
        url = request.getfixturevalue("postgres").create_database("session_stats_other_kind")
    else:
        url = f"sqlite:///{tmp_path / 'other.db'}"
    other = create_app(app_settings(tmp_path / "other", url))
    try:
        result = invoke(other, "restore", archive)
        assert result.exit_code == 1 and "restores into the same kind" in result.output
    finally:
        with other.app_context():
            db.engine.dispose()


def test_the_postgresql_password_never_reaches_the_command_line(monkeypatch, tmp_path):
    other = create_app(app_settings(tmp_path, "postgresql://studio:s3cret%2F@db.example:5433/index?sslmode=require"))
    ran = []
    monkeypatch.setattr(databases.subprocess, "run", lambda command, env, **_: ran.append((command, env)) or
                        subprocess.CompletedProcess(command, 0, "", ""))
    with other.app_context():
        databases._run("pg_dump", "--format=custom")
    [(command, env)] = ran
    assert env["PGPASSWORD"] == "s3cret/"
    assert not any("s3cret" in part for part in command)
    assert command[-1] == "--dbname=postgresql://studio@db.example:5433/index?sslmode=require"


def test_backup_never_replaces_a_file(app, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    taken = folder / "taken.tar.gz"
    taken.write_text("keep me")
    result = invoke(app, "backup", taken)
    assert result.exit_code == 1 and "exists" in result.output
    # Nothing else was left behind either (no half-made archive).
    assert files(folder) == {"taken.tar.gz": b"keep me"}

    # A folder gets the default name inside it.
    result = invoke(app, "backup", folder)
    assert result.exit_code == 0, result.output
    made = Path(result.output.splitlines()[0])
    assert made.parent == folder and made.name.startswith("session-stats-")


def scheduled(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("session-stats-scheduled-*"))


def test_scheduled_backups_one_per_interval_keeping_the_newest(app, tmp_path):
    folder = Path(app.config["BACKUP_DIR"])
    app.config.update(BACKUP_INTERVAL_HOURS=24, BACKUP_KEEP=2)
    now = utc_now().replace(microsecond=0)
    huey = jobs.huey_of(app)
    # Consumers (started with periodic tasks on) enqueue the check every five minutes.
    assert "scheduled_backup" in [task.name for task in huey.read_periodic(datetime(2025, 1, 1, 0, 5))]
    assert "scheduled_backup" not in [task.name for task in huey.read_periodic(datetime(2025, 1, 1, 0, 6))]
    with app.app_context():
        # The periodic task, as a consumer runs it.
        jobs.task(app, "scheduled_backup").call_local()
        assert len(scheduled(folder)) == 1
        assert backups.run_scheduled_backup(now + timedelta(minutes=5)) is None
        assert len(scheduled(folder)) == 1

        manual = backups.make_backup(now=now - timedelta(days=9)).path
        (folder / "notes.txt").write_text("mine")
        app.config["BACKUP_INTERVAL_HOURS"] = 1
        made = [backups.run_scheduled_backup(now + timedelta(hours=hours)) for hours in (2, 3, 4)]
        assert all(made) and scheduled(folder) == sorted(backup.path.name for backup in made[-2:])
        assert manual.exists() and (folder / "notes.txt").read_text() == "mine"
        entries = db.session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.details)
                                     .order_by(AuditEntry.pk)).all()
        assert [(actor, action) for actor, action, _ in entries] == [("scheduler", "backup.created")] * 4
        assert entries[-1].details["pruned"] == [made[0].path.name]

        app.config["BACKUP_INTERVAL_HOURS"] = 0
        assert backups.run_scheduled_backup(now + timedelta(days=30)) is None


def test_consumers_racing_for_a_turn_make_one_backup(app):
    app.config["BACKUP_INTERVAL_HOURS"] = 24
    now, made, ready = utc_now(), [], threading.Barrier(4)

    def consumer():
        with app.app_context():
            ready.wait()
            made.append(backups.run_scheduled_backup(now))

    threads = [threading.Thread(target=consumer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 4 and sum(backup is not None for backup in made) == 1
    assert len(scheduled(Path(app.config["BACKUP_DIR"]))) == 1


def test_a_failed_scheduled_backup_is_recorded_and_tried_again_later(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app.config.update(BACKUP_DIR=blocker / "backups", BACKUP_INTERVAL_HOURS=24)
    now = utc_now()
    with app.app_context():
        assert backups.run_scheduled_backup(now) is None
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.actor, entry.action) == ("scheduler", "backup.failed") and entry.details["reason"]
        assert db.session.scalar(select(Meta.value).where(Meta.key == backups.SCHEDULED_AT)) is None
        # Not again at once, but within the hour, when the folder is usable.
        app.config["BACKUP_DIR"] = tmp_path / "backups"
        assert backups.run_scheduled_backup(now + timedelta(minutes=10)) is None
        assert backups.run_scheduled_backup(now + backups.RETRY_AFTER) is not None
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2
