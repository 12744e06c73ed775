"""Scaling out: `serve --processes N` on one port, and app servers beside a worker sharing PostgreSQL and Redis."""
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from bs4 import BeautifulSoup
from sqlalchemy import create_engine, select

from app.models import Job
from tests.postgres import free_port
from tests.test_serve import wait_for

REAPER_SESSION = '<REAPER_PROJECT 0.1 "7.0/linux64" 0\n  <TRACK\n    NAME "Vox"\n  >\n>\n'


def base_env(**settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSION_STATS_")}
    env.update({f"SESSION_STATS_{name}": str(value) for name, value in settings.items()})
    return env


def session_stats(*args, env, log: Path):
    """`session-stats ARGS` started in the background, its output in `log`."""
    with log.open("ab") as output:
        return subprocess.Popen([sys.executable, "-m", "app.cli", *args], env=env, stdout=output,
                                stderr=subprocess.STDOUT)


def setup_password(env) -> str:
    done = subprocess.run([sys.executable, "-m", "app.cli", "setup"], env=env, capture_output=True, text=True,
                          check=True)
    [password] = re.findall(r"password: (\S+)", done.stdout)
    return password


class Browser:
    """Someone signed in to one server, with a cookie jar of their own."""

    def __init__(self, base: str, password: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.post("/login", {"username": "admin", "password": password})

    def get(self, path: str) -> BeautifulSoup:
        with self.opener.open(self.base + path) as response:
            return BeautifulSoup(response.read(), "html.parser")

    def post(self, path: str, fields: dict) -> str:
        """Submit the form at `path` with `fields` and its CSRF token; the URL it ends on."""
        token = self.get(path).select_one('input[name="csrf_token"]')["value"]
        data = urllib.parse.urlencode({**fields, "csrf_token": token}, doseq=True).encode()
        with self.opener.open(self.base + path, data=data) as response:
            return response.url

    def job_status(self, job: int) -> str:
        return self.get(f"/scans/{job}").select_one("[data-status]")["data-status"]


def serving_children(parent: int) -> set[int]:
    """The serving processes `serve --processes` started (its multiprocessing helper left out)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"spawn_main" in command:
            children.add(int(stat.parent.name))
    return children


def wait_until(condition, what: str, tries: int = 300):
    for _ in range(tries):
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def is_running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_serve_with_two_processes_answers_replaces_a_dead_one_and_stops_them_all(tmp_path):
    port = free_port()
    base, log = f"http://127.0.0.1:{port}", tmp_path / "server.log"
    env = base_env(INSTANCE_PATH=tmp_path)
    password = setup_password(env)
    server = session_stats("serve", "--port", str(port), "--processes", "2", env=env, log=log)
    try:
        wait_for(f"{base}/login", log)
        wait_until(lambda: len(serving_children(server.pid)) == 2, "two serving processes")
        first, second = sorted(serving_children(server.pid))
        browser = Browser(base, password)
        assert all(browser.get("/sessions").select_one("#sessions") for _ in range(10))

        os.kill(first, signal.SIGKILL)
        wait_until(lambda: first not in serving_children(server.pid) and len(serving_children(server.pid)) == 2,
                   "a new process in place of the one that died")
        assert second in serving_children(server.pid)
        assert browser.get("/sessions").select_one("#sessions")
        replacement = (serving_children(server.pid) - {second}).pop()

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        wait_until(lambda: not is_running(second) and not is_running(replacement), "the serving processes stop")
        assert "ended (exit code -9); starting another" in log.read_text()
    finally:
        if server.poll() is None:
            server.kill()


def test_serving_processes_end_when_their_parent_is_killed(tmp_path):
    port = free_port()
    env = base_env(INSTANCE_PATH=tmp_path)
    setup_password(env)
    server = session_stats("serve", "--port", str(port), "--processes", "2", "--no-jobs", env=env,
                           log=tmp_path / "server.log")
    try:
        wait_for(f"http://127.0.0.1:{port}/login", tmp_path / "server.log")
        wait_until(lambda: len(serving_children(server.pid)) == 2, "two serving processes")
        children = serving_children(server.pid)
    finally:
        server.kill()
        server.wait(timeout=10)
    wait_until(lambda: not any(map(is_running, children)), "the orphaned serving processes end")


def test_a_scan_queued_on_one_app_server_is_run_by_the_worker_and_seen_on_the_other(tmp_path, postgres, redis_url):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "Vocals.rpp").write_text(REAPER_SESSION)
    shared = {"DATABASE_URL": postgres.create_database("scaling_out"), "REDIS_URL": redis_url,
              "JOB_QUEUE_NAME": f"scaling-out-{uuid.uuid4().hex}", "SECRET_KEY": "one key for every machine",
              "ARCHIVE_ROOTS": archive}
    machines = {name: base_env(INSTANCE_PATH=tmp_path / name, **shared) for name in ("a", "b", "worker")}
    password = setup_password(machines["a"])
    ports = {name: free_port() for name in ("a", "b")}
    processes = [session_stats("serve", "--no-jobs", "--port", str(ports[name]), env=machines[name],
                               log=tmp_path / f"{name}.log") for name in ("a", "b")]
    try:
        for name in ("a", "b"):
            wait_for(f"http://127.0.0.1:{ports[name]}/login", tmp_path / f"{name}.log")
        on_a, on_b = (Browser(f"http://127.0.0.1:{ports[name]}", password) for name in ("a", "b"))

        landed = on_a.post("/scans/", {"roots": [str(archive)]})
        job = int(landed.rsplit("/", 1)[1])
        # Neither app server runs jobs: the scan waits for a worker.
        assert on_b.job_status(job) == "queued"

        worker = session_stats("worker", env=machines["worker"], log=tmp_path / "worker.log")
        processes.append(worker)
        wait_until(lambda: on_b.job_status(job) == "succeeded", "the worker runs the scan")
        totals = {div.dt.get_text(): div.dd.get_text() for div in on_b.get("/").select("#totals div")}
        assert totals["Sessions"] == "1"
        engine = create_engine(shared["DATABASE_URL"])
        with engine.connect() as connection:
            ran_on = connection.scalar(select(Job.worker).where(Job.pk == job))
        engine.dispose()
        assert ran_on.rsplit(":", 1)[1] == str(worker.pid)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
