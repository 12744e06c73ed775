"""The scan command and the worker as separate processes: a hostile tree, and a worker killed mid-scan."""
import gzip
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import time

from sqlalchemy import func, select

from app.extensions import db
from app.models import Job, JobError, ScannedFile, Session, Track
from tests.scanning.conftest import COMMAND, copy, state

# Root reads every folder whatever its mode: without these capabilities it is refused like anyone else.
AS_AN_ORDINARY_READER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []


def test_a_tree_with_a_loop_a_locked_folder_a_bomb_and_junk_is_scanned_with_those_as_file_errors(
        environment, corpus, tmp_path):
    tree = tmp_path / "tree"
    copy(corpus("rpp/exvertus_track2.rpp"), tree / "good" / "song.rpp")
    copy(corpus("als/abletoolz_11.0.12.als"), tree / "good" / "set.als")
    os.symlink(tree, tree / "good" / "loop")
    copy(corpus("rpp/exvertus_track2.rpp"), tree / "locked" / "hidden.rpp")
    set_start = b'<?xml version="1.0"?><Ableton><LiveSet>'  # read on until it expands past the cap
    (tree / "bomb.als").write_bytes(gzip.compress(set_start + b" " * (300 * 1024 * 1024), compresslevel=1))
    (tree / "random.als").write_bytes(os.urandom(4096))
    (tree / "notes.txt").write_text("not a session, just notes")
    (tree / "locked").chmod(0)
    try:
        scanned = subprocess.run([*AS_AN_ORDINARY_READER, *COMMAND, "scan", str(tree)], env=environment,
                                 capture_output=True, text=True, timeout=300)
    finally:
        (tree / "locked").chmod(0o755)
    assert scanned.returncode == 0, scanned.stderr
    summary = json.loads(scanned.stdout)
    assert summary["status"] == "succeeded"
    assert summary["found"] == 5 and summary["indexed"] == 2 and summary["ignored"] == 1
    assert summary["errors"] == 4
    reasons = dict(line.removeprefix("Skipped ").split(": ", 1) for line in scanned.stderr.splitlines())
    assert reasons.keys() == {str(tree / "good" / "loop"), str(tree / "locked"), str(tree / "bomb.als"),
                              str(tree / "random.als")}
    assert "symbolic link loop" in reasons[str(tree / "good" / "loop")]
    assert "cannot read the folder" in reasons[str(tree / "locked")]
    assert "MB" in reasons[str(tree / "bomb.als")]
    assert "does not match" in reasons[str(tree / "random.als")]
    with state(environment).app_context():
        assert sorted(db.session.scalars(select(Session.name))) == ["set", "song"]
        assert db.session.scalar(select(func.count()).select_from(JobError)) == 4


def test_pipes_devices_and_sockets_are_file_errors_and_a_plain_xml_set_is_read(environment, corpus, tmp_path):
    tree = tmp_path / "tree"
    copy(corpus("rpp/exvertus_track2.rpp"), tree / "song.rpp")
    (tree / "plain.als").write_bytes(gzip.decompress(corpus("als/abletoolz_11.0.12.als").read_bytes()))
    # A plain open of a pipe without a writer waits forever; the scan must not.
    os.mkfifo(tree / "z.rpp")
    odd = {"z.rpp": "a named pipe (FIFO)", "socket.rpp": "a socket"}
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(tree / "socket.rpp"))
    try:  # A device like /dev/zero, which never ends: only root may make one.
        os.mknod(tree / "zero.rpp", stat.S_IFCHR | 0o644, os.makedev(1, 5))
        odd["zero.rpp"] = "a character device"
    except PermissionError:
        pass
    scanned = subprocess.run([*COMMAND, "scan", str(tree)], env=environment, capture_output=True, text=True,
                             timeout=120)
    summary = json.loads(scanned.stdout)
    assert (summary["status"], summary["indexed"], summary["errors"]) == ("succeeded", 2, len(odd))
    for name, kind in odd.items():
        assert f"Skipped {tree / name}: {kind}, not a regular file: scans read regular files only" in scanned.stderr
    # Named on its own, the pipe is refused the same way.
    alone = subprocess.run([*COMMAND, "scan", str(tree / "z.rpp")], env=environment, capture_output=True,
                           text=True, timeout=120)
    assert "a named pipe (FIFO), not a regular file" in alone.stderr
    with state(environment).app_context():
        assert sorted(db.session.scalars(select(Session.name))) == ["plain", "song"]


def wait_until(check, what, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def job_state(app, job_pk):
    with app.app_context():
        job = db.session.get(Job, job_pk)
        return job.status, job.done, job.total, job.result


def test_a_worker_killed_mid_scan_leaves_whole_sessions_and_a_new_scan_finishes_the_rest(
        environment, corpus, tmp_path):
    source = corpus("rpp/exvertus_bwv879.rpp")
    files = 1200
    for number in range(files):
        copy(source, tmp_path / "archive" / f"folder {number % 12}" / f"take {number}.rpp")
    app = state(environment)
    worker = subprocess.Popen([*COMMAND, "worker"], env=environment, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        queued = subprocess.run([*COMMAND, "scan", "--queue", str(tmp_path / "archive")], env=environment,
                                check=True, capture_output=True, text=True)
        job_pk = int(queued.stdout.split()[-1].rstrip("."))
        wait_until(lambda: job_state(app, job_pk)[1] >= 200, "the first batches")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    status, done, total, _ = job_state(app, job_pk)
    assert status == "running" and 200 <= done < total == files

    database = os.path.join(environment["SESSION_STATS_INSTANCE_PATH"], "session-stats.db")
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    with app.app_context():
        indexed = db.session.scalar(select(func.count()).select_from(ScannedFile)
                                    .where(ScannedFile.status == "indexed"))
        sessions = db.session.execute(select(Session.pk, Session.track_count)).all()
        assert len(sessions) == indexed >= 200
        [expected_tracks] = {count for _, count in sessions}
        assert expected_tracks > 0
        assert db.session.execute(select(Track.session_pk, func.count()).group_by(Track.session_pk)).all() == [
            (pk, expected_tracks) for pk, _ in sorted(sessions)]

    restarted = subprocess.Popen([*COMMAND, "worker"], env=environment, start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: job_state(app, job_pk)[0] == "failed", "the killed job to be failed")
        queued = subprocess.run([*COMMAND, "scan", "--queue", str(tmp_path / "archive")], env=environment,
                                check=True, capture_output=True, text=True)
        again = int(queued.stdout.split()[-1].rstrip("."))
        status, done, total, result = wait_until(
            lambda: (s := job_state(app, again))[0] in ("succeeded", "failed") and s, "the new scan")
    finally:
        os.killpg(restarted.pid, signal.SIGKILL)
        restarted.wait()
    assert status == "succeeded" and done == total == files
    assert result["unchanged"] == indexed and result["added"] == files - indexed
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Session)) == files
        message = db.session.get(Job, job_pk).message
        assert "stopped without finishing" in message
