"""Readers that nothing stops: a file read too long fails alone, Cancel ends a scan stuck on one, and stopping or
killing the command running a scan leaves no process of it behind. The commands run as processes, each in a
process group of its own, with an extension whose reader of `.slow` files takes the seconds they name."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.database import unit_of_work
from app.extensions import db
from app.models import Job, Session
from app.services.jobs import job_as_it_stands, request_cancel
from tests.scanning.conftest import COMMAND, copy, state, with_example_extension
from tests.scanning.test_worker import wait_until

SONG = "rpp/exvertus_track2.rpp"


def alive_in_group(group: int) -> dict[int, int]:
    """The processes of a process group that have not ended (a zombie has), each with its parent."""
    alive = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent, process_group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(process_group) == group and state != "Z":
            alive[int(stat.parent.name)] = int(parent)
    return alive


def readers_in_group(group: int) -> list[int]:
    """The group's readers: the reader programs the command started."""
    return [pid for pid, parent in alive_in_group(group).items()
            if parent == group and b"run_reader" in _command_line(pid)]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it has just ended
        return b""


@pytest.fixture
def slow_environment(environment, tmp_path):
    return with_example_extension(environment, tmp_path)


@pytest.fixture
def tree(corpus, tmp_path):
    """Two songs and a file whose reader would take an hour, between them in name order."""
    root = tmp_path / "archive"
    copy(corpus(SONG), root / "a.rpp")
    (root / "b stuck.slow").write_text("Stuck|3600")
    (root / "c quick.slow").write_text("Quick|0")
    copy(corpus(SONG), root / "d.rpp")
    return root


def start(env, *arguments) -> subprocess.Popen:
    """A command as a process, in a process group of its own."""
    return subprocess.Popen([*COMMAND, *arguments], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def queue_scan(env, root) -> int:
    queued = subprocess.run([*COMMAND, "scan", "--queue", str(root)], env=env, check=True, capture_output=True,
                            text=True)
    return int(queued.stdout.split()[-1].rstrip("."))


def job(env, job_pk) -> tuple:
    with state(env).app_context():
        found = job_as_it_stands(db.session, job_pk)
        return found.status, found.done, found.message or "", found.result or {}


def stuck_reading(env, job_pk, group) -> bool:
    """The scan has read the first file and its reader is on the slow one."""
    status, done, _, _ = job(env, job_pk)
    return status == "running" and done >= 1 and bool(readers_in_group(group))


def test_a_file_read_too_long_fails_alone_and_the_scan_goes_on(slow_environment, tree):
    env = {**slow_environment, "SESSION_STATS_SCAN_READ_SECONDS": "3"}
    scan = subprocess.Popen([*COMMAND, "scan", str(tree)], env=env, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = scan.communicate(timeout=120)
    summary = json.loads(out)
    assert (summary["status"], summary["indexed"], summary["errors"]) == ("succeeded", 3, 1), err
    assert f"Skipped {tree / 'b stuck.slow'}: reading it took longer than 3 s" in err
    with state(env).app_context():
        assert sorted(db.session.scalars(select(Session.name))) == ["Quick", "a", "d"]
    # The reader it replaced, and the one reading after it, ended with the command.
    wait_until(lambda: not alive_in_group(scan.pid), "the readers to end", seconds=30)


def test_cancel_ends_a_scan_stuck_on_a_reader_and_the_worker_goes_on(slow_environment, tree, tmp_path, corpus):
    env = {**slow_environment, "SESSION_STATS_SCAN_READ_SECONDS": "600"}
    worker = start(env, "worker")
    try:
        job_pk = queue_scan(env, tree)
        wait_until(lambda: stuck_reading(env, job_pk, worker.pid), "the reader to be stuck", seconds=120)
        with state(env).app_context(), unit_of_work():
            request_cancel(db.session, job_pk)
        asked = time.monotonic()
        # Without the cancel the reader holds the scan for ten minutes.
        wait_until(lambda: job(env, job_pk)[0] == "cancelled", "the scan to end", seconds=30)
        print(f"cancelled {time.monotonic() - asked:.2f} s after it was asked")
        assert readers_in_group(worker.pid) == [], "a reader outlived the cancelled scan"
        # The worker is free: the next scan runs.
        copy(corpus(SONG), tmp_path / "more" / "e.rpp")
        after = queue_scan(env, tmp_path / "more")
        wait_until(lambda: job(env, after)[0] == "succeeded", "the next scan", seconds=120)
    finally:
        worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    wait_until(lambda: not alive_in_group(worker.pid), "the worker's processes to end", seconds=30)


def test_a_file_growing_while_read_and_a_folder_gone_while_reading_end_as_file_errors_or_sessions(
        slow_environment, corpus, tmp_path):
    env = {**slow_environment, "SESSION_STATS_SCAN_READ_SECONDS": "10"}
    root = tmp_path / "archive"
    # Read in this order: a folder's files, then its folders.
    root.mkdir()
    (root / "first.slow").write_text("Waited|3")
    growing = copy(corpus(SONG), root / "b" / "growing.rpp")
    copy(corpus(SONG), root / "c gone" / "song.rpp")
    scan = subprocess.Popen([*COMMAND, "scan", str(root)], env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    # Once the scan has listed the folders, and while the first file holds its reader: one folder goes, and a
    # file grows until the scan ends.
    wait_until(lambda: job_phase(env) == "reading", "the scan to be reading")
    shutil.rmtree(root / "c gone")
    with growing.open("a") as appending:
        while scan.poll() is None:
            appending.write("  <TRACK\n  >\n" * 100)
            appending.flush()
            time.sleep(0.01)
    out, err = scan.communicate()
    summary = json.loads(out)
    assert summary["status"] == "succeeded", err
    assert f"Skipped {root / 'c gone' / 'song.rpp'}: the file disappeared during the scan" in err
    with state(env).app_context():
        names = set(db.session.scalars(select(Session.name)))
    # The growing file is read as it was at some moment, or refused with its reason: never a stopped scan.
    assert names == {"Waited", "growing"} or (names == {"Waited"} and f"Skipped {growing}: " in err)
    print(f"growing file: {'read' if 'growing' in names else err}")


def job_phase(env) -> str | None:
    with state(env).app_context():
        found = db.session.scalar(select(Job).order_by(Job.pk.desc()).limit(1))
        return found and (found.result or {}).get("phase")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", [["worker"], ["serve", "--port", "{port}"]], ids=["worker", "serve"])
def test_kill_9_during_a_scan_leaves_no_process_and_fails_the_job_at_once(slow_environment, tree, command):
    env = {**slow_environment, "SESSION_STATS_SCAN_READ_SECONDS": "600"}
    running = start(env, *(part.format(port=free_port()) for part in command))
    try:
        job_pk = queue_scan(env, tree)
        wait_until(lambda: stuck_reading(env, job_pk, running.pid), "the reader to be stuck", seconds=120)
    except BaseException:
        os.killpg(running.pid, signal.SIGKILL)
        raise
    running.send_signal(signal.SIGKILL)
    running.wait()
    killed_at = time.monotonic()
    wait_until(lambda: not alive_in_group(running.pid), "the readers to end", seconds=30)
    print(f"{command[0]}: its processes ended {time.monotonic() - killed_at:.2f} s after kill -9")
    # Its page (or any look at it) fails the job at once: no heartbeat needs to go stale first.
    status, _, message, _ = job(env, job_pk)
    assert status == "failed" and "stopped without finishing" in message
    with state(env).app_context():
        assert db.session.get(Job, job_pk).status == "failed"
