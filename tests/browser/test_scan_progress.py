"""A scan started in the browser and run by a real worker: the page follows its progress until it ends."""
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import jobs
from tests.auth import PASSWORD
from tests.browser.test_screenshots import SCREENSHOTS

CORPUS = Path(os.environ.get("SESSION_STATS_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus")
SOURCE = "rpp/rppeditor_test2.rpp"
# Enough files for a scan with one reading process to last 5–10 seconds, so its progress can be watched.
FILES, FOLDERS = 8000, 80


@pytest.fixture
def archive(tmp_path) -> Path:
    """An archive root of FILES copies of one small REAPER project, under distinct names across FOLDERS folders."""
    if not (CORPUS / SOURCE).is_file():
        pytest.skip(f"{SOURCE} is not in the corpus at {CORPUS}")
    root = tmp_path / "archive"
    for number in range(FILES):
        folder = root / f"client-{number % FOLDERS:02}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / SOURCE, folder / f"song-{number:04}.rpp")
    return root


@pytest.fixture
def app_config(archive):
    return {"ARCHIVE_ROOTS": [str(archive)], "SCAN_PROCESSES": 1}


@pytest.fixture
def worker(app):
    """A huey consumer running the app's queued jobs in a thread, as `session-stats serve` runs one."""
    consumer = jobs.huey_of(app).create_consumer(workers=1, worker_type="thread", periodic=False)
    # The consumer installs signal handlers for a run loop of its own; pytest keeps the process's.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for number, handler in handlers.items():
        signal.signal(number, handler)
    yield consumer
    consumer.stop(graceful=True)


def progress_values(panel, until: float) -> list[int]:
    """The progress bar's values as they change, until two rising ones were seen or `until` passed."""
    seen = []
    while len(seen) < 2 and time.monotonic() < until:
        value = panel.locator("progress").get_attribute("value")
        if value is not None and (not seen or int(value) > seen[-1]):
            seen.append(int(value))
        time.sleep(0.1)
    return seen


def test_the_job_page_follows_a_scan_to_its_end(app, auth, live_server, browser, worker, archive, backend):
    if backend != "sqlite":
        pytest.skip("a page watching a scan does the same on PostgreSQL, where tests/scanning runs queued scans")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server}/login")
    page.fill("#username", auth.user("admin"))
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/scans/")
    expect(page.locator("#roots input[type=checkbox]")).to_be_checked()
    page.click("#start-scan button[type=submit]")
    page.wait_for_url(f"{live_server}/scans/*")
    job_pk = int(page.url.rsplit("/", 1)[1])
    panel = page.locator(f"#job-{job_pk}-progress")

    values = progress_values(panel, until=time.monotonic() + 30)
    assert len(values) == 2 and values[0] < values[1], values
    assert values[0] < FILES, "the scan ended before its progress could be seen: make the archive bigger"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "scan-running-light.png", full_page=True)

    expect(panel).to_have_attribute("data-status", "succeeded", timeout=60_000)
    assert panel.get_attribute("hx-get") is None and panel.get_attribute("hx-trigger") is None
    expect(panel.locator(".files")).to_have_text(f"{FILES:,} of {FILES:,} files (100 %)")
    # The scan ended while its page was open: the page shows what it did without a reload, and no link to itself.
    assert page.url == f"{live_server}/scans/{job_pk}"
    expect(panel.get_by_role("link")).to_have_count(0)
    expect(page.locator("#job-errors tbody")).to_have_text("None.")
    expect(page.locator("#job-summary")).to_have_text(
        f"{FILES:,} files found · 0 unchanged · {FILES:,} read · {FILES:,} sessions added · 0 updated · 0 missing")
    expect(page.locator("#job-sessions")).to_contain_text(f"({FILES:,})")
    page.screenshot(path=SCREENSHOTS / "scan-light.png", full_page=True)
    page.goto(f"{live_server}/scans/")
    page.screenshot(path=SCREENSHOTS / "scans-light.png", full_page=True)
    context.close()
    assert errors == []
