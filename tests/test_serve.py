"""`make run`'s two steps, setup and serve, give a dashboard the printed admin password opens."""
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from bs4 import BeautifulSoup

from app.cli.server import SAMPLE_SESSIONS
from tests.postgres import free_port


def wait_for(url, log):
    for _ in range(100):
        try:
            with urllib.request.urlopen(url) as response:
                return response
        except urllib.error.HTTPError:
            raise
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not answer: {log.read_text()}")


def test_setup_prints_an_admin_password_that_opens_the_served_dashboard(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSION_STATS_")}
    env["SESSION_STATS_INSTANCE_PATH"] = str(tmp_path)
    setup = subprocess.run([sys.executable, "-m", "app.cli", "setup", "--sample"], env=env, capture_output=True,
                           text=True, check=True)
    [password] = re.findall(r"password: (\S+)", setup.stdout)
    again = subprocess.run([sys.executable, "-m", "app.cli", "setup"], env=env, capture_output=True, text=True,
                           check=True)
    assert "password" not in again.stdout

    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        login = wait_for(f"{base}/login", log)
        assert login.headers["Server"] == "waitress"
        try:
            urllib.request.urlopen(f"{base}/api/session-stats")
            raise AssertionError("the API answered an anonymous caller")
        except urllib.error.HTTPError as refused:
            assert refused.code == 401
            assert json.loads(refused.read())["error"]["code"] == "unauthorized"

        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = BeautifulSoup(browser.open(f"{base}/login").read(), "html.parser")
        token = form.select_one('input[name="csrf_token"]')["value"]
        data = urllib.parse.urlencode({"username": "admin", "password": password, "csrf_token": token}).encode()
        with browser.open(f"{base}/login", data=data) as home:
            page = BeautifulSoup(home.read(), "html.parser")
        assert home.url == f"{base}/"
        totals = {div.dt.get_text(): div.dd.get_text() for div in page.select("#totals div")}
        assert totals["Sessions"] == f"{SAMPLE_SESSIONS:,}"

        # The server runs queued scans itself.
        archive = tmp_path / "archive"
        archive.mkdir()
        (archive / "Vocals.rpp").write_text('<REAPER_PROJECT 0.1 "7.0/linux64" 0\n  <TRACK\n    NAME "Vox"\n  >\n>\n')
        queued = subprocess.run([sys.executable, "-m", "app.cli", "scan", "--queue", str(archive)], env=env,
                                capture_output=True, text=True, check=True)
        job = queued.stdout.split()[-1].rstrip(".")
        for _ in range(300):
            status = BeautifulSoup(browser.open(f"{base}/scans/{job}").read(), "html.parser")
            if status.select_one("[data-status]")["data-status"] == "succeeded":
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the server did not run the queued scan")
        with browser.open(f"{base}/") as home:
            page = BeautifulSoup(home.read(), "html.parser")
        totals = {div.dt.get_text(): div.dd.get_text() for div in page.select("#totals div")}
        assert totals["Sessions"] == f"{SAMPLE_SESSIONS + 1:,}"
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "password" not in log.read_text()
