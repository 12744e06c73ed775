"""The scans pages: start a scan, follow it, read what it did; and what scans leave on the sessions pages."""
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db, jobs as job_queue
from app.models import AuditEntry, Job, JobError, Session
from app.models.types import utc_now
from app.scanning import run_job
from app.web.scans import job_progress
from tests.auth import csrf_token

CORPUS = Path(os.environ.get("SESSION_STATS_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
# Small real files of two formats: each holds one session.
SESSION_FILES = {"reaper/bach.rpp": "rpp/exvertus_bwv879.rpp", "reaper/vst.rpp": "rpp/perlence_vst.RPP",
                 "live/automation.als": "als/dawtool_L12-automation.als"}
POLLING = "hx-get"


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def random_bytes_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(2048))


@pytest.fixture
def archive(tmp_path) -> Path:
    """An archive root with three readable session files and one damaged one."""
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus of real session files is not at {CORPUS}")
    root = tmp_path / "archive"
    for target, source in SESSION_FILES.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / source, root / target)
    random_bytes_file(root / "damaged" / "broken.als")
    return root


@pytest.fixture
def app_config(archive):
    return {"ARCHIVE_ROOTS": [str(archive)], "SCAN_PROCESSES": 1}


def start(client, **fields):
    """Post the start form as a browser would."""
    data = {"csrf_token": csrf_token(client), **fields}
    return client.post("/scans/", data=data)


def run(app, job_pk: int) -> None:
    """Run a queued job here, as a worker would."""
    with app.app_context():
        run_job(job_pk)


def jobs(app) -> list[Job]:
    with app.app_context():
        rows = db.session.scalars(select(Job).order_by(Job.pk)).all()
        db.session.expunge_all()
        return rows


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.session.expunge_all()
        return rows


def queued_tasks(app) -> int:
    return job_queue.huey_of(app).pending_count()


def scanned_job(app, client, **fields) -> int:
    """Start a scan from the page and run it to its end; its number."""
    response = start(client, **fields)
    assert response.status_code == 303, response.data
    job_pk = int(response.headers["Location"].rsplit("/", 1)[1])
    run(app, job_pk)
    return job_pk


def progress_partial(client, job_pk: int):
    return client.get(f"/scans/{job_pk}/progress", headers={"HX-Request": "true"})


def test_viewers_and_editors_cannot_start_or_cancel_scans(app, auth, client, archive):
    viewer, editor = auth.client("viewer"), auth.client("editor")
    assert viewer.get("/scans/").status_code == 403
    assert start(viewer, roots=str(archive)).status_code == 403
    assert jobs(app) == []
    job_pk = int(start(client, roots=str(archive)).headers["Location"].rsplit("/", 1)[1])
    refused = editor.post(f"/scans/{job_pk}/cancel", data={"csrf_token": csrf_token(editor)})
    assert refused.status_code == 403
    assert jobs(app)[0].status == "queued"
    # Viewers may follow a scan, without a cancel button.
    page = html(viewer.get(f"/scans/{job_pk}"))
    assert page.select_one(f"#job-{job_pk}-progress")["data-status"] == "queued"
    assert page.select_one(f"form[action='/scans/{job_pk}/cancel']") is None


def test_the_nav_links_admins_to_the_scans_page(auth, client):
    assert html(client.get("/")).select_one("nav a[href='/scans/']").get_text() == "Scans"
    assert html(auth.client("editor").get("/")).select_one("nav a[href='/scans/']") is None


class TestWithoutRoots:
    @pytest.fixture
    def app_config(self):
        return {}

    def test_the_page_says_how_to_configure_roots_and_refuses_to_scan(self, app, client):
        page = html(client.get("/scans/"))
        advice = page.select_one("#no-roots").get_text(" ", strip=True)
        assert "SESSION_STATS_ARCHIVE_ROOTS" in advice and "“:”" in advice
        assert page.select_one("form[action='/scans/']") is None
        assert "session-stats scan PATH" in page.select_one("main").get_text(" ", strip=True)
        assert page.select_one("#jobs .empty") is not None

        response = start(client, folder="/tmp")
        assert response.status_code == 422
        assert "No archive roots" in html(response).select_one("#scan-error").get_text()
        assert jobs(app) == [] and queued_tasks(app) == 0


def test_the_page_lists_the_roots_ticked_with_whether_they_exist(app, client, archive, tmp_path):
    unmounted = tmp_path / "unmounted"
    app.config["ARCHIVE_ROOTS"] = [archive, unmounted]
    page = html(client.get("/scans/"))
    boxes = {box["value"]: box.has_attr("checked") for box in page.select("#roots input[type=checkbox]")}
    assert boxes == {str(archive): True, str(unmounted): False}
    states = [item.select_one(".root-state").get_text(strip=True) for item in page.select("#roots li")]
    assert states[0] == "found" and states[1].startswith("not found")
    assert not page.select_one("#backups").has_attr("checked")
    assert page.select_one("#nothing-running") is not None


def test_starting_a_scan_queues_it_and_records_who_did(app, client, archive):
    response = start(client, roots=str(archive), backups="y")
    assert response.status_code == 303
    [job] = jobs(app)
    assert response.headers["Location"] == f"/scans/{job.pk}"
    assert (job.kind, job.status, job.params) == ("scan", "queued", {"paths": [str(archive)], "backups": True,
                                                                  "reread": False})
    assert job.started_by == client.username
    assert queued_tasks(app) == 1
    [entry] = audit_entries(app, "scan.started")
    assert (entry.actor, entry.target, entry.details) == (client.username, str(archive), {"job": job.pk})

    scans = html(client.get("/scans/"))
    row = scans.select_one("#jobs tbody tr")
    assert row.select_one("a")["href"] == f"/scans/{job.pk}"
    assert row.select_one(".status").get_text() == "queued"
    assert scans.select_one(f"#job-{job.pk}-progress")["data-status"] == "queued"


def test_only_this_folder_scans_that_folder(app, client, archive):
    assert start(client, folder=str(archive / "reaper")).status_code == 303
    assert jobs(app)[0].params["paths"] == [str(archive / "reaper")]


def test_a_folder_whose_name_is_not_utf8_is_typed_as_pages_show_it(app, client, archive):
    folder = os.fsdecode(bytes(archive) + b"/caf\xe9")
    os.mkdir(folder)
    assert start(client, folder=f"{archive}/caf\\xE9").status_code == 303
    assert jobs(app)[0].params["paths"] == [f"{archive}/caf\\xE9"]
    # A typed escape that no file system name gives (an ASCII byte) is plain text, and no such folder exists.
    response = start(client, folder=f"{archive}/caf\\x41")
    assert response.status_code == 422 and "does not exist" in response.text


@pytest.mark.parametrize("fields, message", [
    ({"folder": "/etc"}, "outside the archive roots"),
    ({"folder": "{root}/no-such-folder"}, "does not exist"),
    ({}, "Tick at least one archive root"),
    ({"roots": "/etc"}, "is not a valid choice"),
])
def test_a_scan_that_cannot_start_shows_why_and_queues_nothing(app, client, archive, fields, message):
    fields = {name: value.format(root=archive) for name, value in fields.items()}
    response = start(client, **fields)
    assert response.status_code == 422
    errors = [error.get_text() for error in html(response).select("#start-scan .error")]
    assert any(message in error for error in errors), errors
    assert jobs(app) == [] and queued_tasks(app) == 0
    assert audit_entries(app, "scan.started") == []


def test_the_job_page_after_a_scan(app, client, archive):
    job_pk = scanned_job(app, client, roots=str(archive))
    page = html(client.get(f"/scans/{job_pk}"))
    assert page.select_one(f"#job-{job_pk}-progress")["data-status"] == "succeeded"
    assert page.select_one("#job-summary").get_text(strip=True) == (
        "4 files found · 0 unchanged · 4 read · 3 sessions added · 0 updated · 0 missing")
    assert [code.get_text() for code in page.select(".scan-path")] == [str(archive)]
    [error] = page.select("#job-errors tbody tr")
    path, reason = (cell.get_text(strip=True) for cell in error.select("td"))
    assert path == str(archive / "damaged" / "broken.als")
    with app.app_context():
        [stored] = db.session.scalars(select(JobError.message).where(JobError.job_pk == job_pk)).all()
    assert reason == stored and reason
    link = page.select_one("#job-sessions")
    assert link["href"] == f"/sessions?job={job_pk}"
    assert " ".join(link.get_text().split()) == "Sessions this scan added, changed or found missing (3)"
    assert page.select_one(".pager") is None

    # Nothing changed: a second scan reads nothing (the damaged file neither) and touches no session,
    # but still reports the damaged file, from what the first scan found.
    again = scanned_job(app, client, roots=str(archive))
    page = html(client.get(f"/scans/{again}"))
    assert page.select_one("#job-summary").get_text(strip=True) == (
        "4 files found · 4 unchanged · 0 read · 0 sessions added · 0 updated · 0 missing")
    [(path, reason)] = [tuple(td.get_text() for td in row.select("td")) for row in page.select("#job-errors tbody tr")]
    assert path == str(archive / "damaged" / "broken.als")
    assert reason == f"{stored} (unchanged since an earlier scan)"
    assert page.select_one("#job-sessions") is None
    assert page.select_one("#job-sessions-none") is not None


def test_the_file_errors_come_fifty_to_a_page(app, client, archive):
    for number in range(50):
        random_bytes_file(archive / "damaged" / f"broken-{number:02}.als")
    job_pk = scanned_job(app, client, roots=str(archive))
    first = html(client.get(f"/scans/{job_pk}"))
    assert first.select_one(".pager span").get_text() == "Page 1 of 2"
    assert first.select_one('.pager a[rel="next"]')["href"] == f"/scans/{job_pk}?page=2"
    second = html(client.get(f"/scans/{job_pk}?page=2"))
    assert second.select_one('.pager a[rel="prev"]')["href"] == f"/scans/{job_pk}?page=1"
    paths = [[row.select_one("td").get_text(strip=True) for row in page.select("#job-errors tbody tr")]
             for page in (first, second)]
    assert [len(rows) for rows in paths] == [50, 1]
    assert set(paths[0] + paths[1]) == {str(path) for path in (archive / "damaged").iterdir()}


def test_an_unknown_job_is_404_with_a_clear_message(client):
    response = client.get("/scans/12345")
    assert response.status_code == 404
    assert "There is no job #12345" in html(response).get_text()


def test_the_progress_partial_polls_until_the_job_has_finished(app, client, archive):
    job_pk = int(start(client, roots=str(archive)).headers["Location"].rsplit("/", 1)[1])
    response = progress_partial(client, job_pk)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    panel = html(response).select_one(f"#job-{job_pk}-progress")
    assert panel["data-status"] == "queued"
    assert panel[POLLING] == f"/scans/{job_pk}/progress"
    assert panel["hx-trigger"] == "every 1s" and panel["hx-swap"] == "outerHTML"
    assert not panel.select_one("progress").has_attr("value")

    run(app, job_pk)
    panel = html(progress_partial(client, job_pk)).select_one(f"#job-{job_pk}-progress")
    assert panel["data-status"] == "succeeded"
    assert not panel.has_attr(POLLING) and not panel.has_attr("hx-trigger")
    bar = panel.select_one("progress")
    assert (bar["value"], bar["max"]) == ("4", "4")
    assert panel.select_one(".files").get_text(strip=True) == "4 of 4 files (100 %)"
    assert panel.select_one(".errors").get_text(strip=True) == "1 could not be read"
    assert panel.select_one(f"a[href='/scans/{job_pk}']") is not None

    # Opened directly, the partial's URL shows the job's page.
    direct = client.get(f"/scans/{job_pk}/progress")
    assert (direct.status_code, direct.headers["Location"]) == (303, f"/scans/{job_pk}")


def test_cancelling_a_queued_scan(app, client, archive):
    job_pk = int(start(client, roots=str(archive)).headers["Location"].rsplit("/", 1)[1])
    page = html(client.get(f"/scans/{job_pk}"))
    form = page.select_one(f"form[action='/scans/{job_pk}/cancel']")
    # On the job's page, cancelling answers with all the page says about what the job did.
    assert form["hx-target"] == "#job-outcome"
    response = client.post(f"/scans/{job_pk}/cancel", data={"csrf_token": csrf_token(client), "then": "page"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    outcome = html(response).select_one("#job-outcome")
    assert outcome.select_one("#job-message").get_text() == "Cancelled before it started."
    panel = outcome.select_one(f"#job-{job_pk}-progress")
    assert panel["data-status"] == "cancelled" and not panel.has_attr(POLLING)
    assert jobs(app)[0].status == "cancelled"
    [entry] = audit_entries(app, "scan.cancelled")
    assert entry.details == {"job": job_pk}

    # The worker that later takes the task leaves a cancelled job alone.
    run(app, job_pk)
    assert jobs(app)[0].status == "cancelled"
    page = html(client.get(f"/scans/{job_pk}"))
    assert page.select_one("#job-message").get_text() == "Cancelled before it started."
    assert page.select_one(f"form[action='/scans/{job_pk}/cancel']") is None


def test_cancelling_without_htmx_goes_back_to_the_job_page(app, client, archive):
    job_pk = int(start(client, roots=str(archive)).headers["Location"].rsplit("/", 1)[1])
    response = client.post(f"/scans/{job_pk}/cancel", data={"csrf_token": csrf_token(client)})
    assert (response.status_code, response.headers["Location"]) == (303, f"/scans/{job_pk}")
    assert jobs(app)[0].status == "cancelled"


def test_the_home_page_shows_running_jobs_while_there_are_any(app, client, archive):
    assert html(client.get("/")).select_one("#running-jobs") is None
    job_pk = int(start(client, roots=str(archive)).headers["Location"].rsplit("/", 1)[1])
    panel = html(client.get("/")).select_one("#running-jobs")
    assert panel.select_one(f"#job-{job_pk}-progress")["data-status"] == "queued"
    run(app, job_pk)
    assert html(client.get("/")).select_one("#running-jobs") is None


def session_names(client, url: str) -> list[str]:
    page = html(client.get(url))
    return sorted(row.select_one("td.name a").get_text() for row in page.select("#sessions tbody tr")
                  if not row.select_one(".empty"))


def test_the_sessions_list_shows_what_a_scan_changed(app, client, archive):
    ingested = client.post("/api/session-stats", json={"action": "ingestSessions",
                                                       "payload": {"sessions": [{"name": "Not from a scan"}]}})
    assert ingested.status_code == 200
    first = scanned_job(app, client, folder=str(archive / "reaper"))
    second = scanned_job(app, client, roots=str(archive))
    with app.app_context():
        names = dict(db.session.execute(select(Session.path, Session.name)).all())
    reaper = sorted(name for path, name in names.items() if path and "/reaper/" in path)
    live = sorted(name for path, name in names.items() if path and "/live/" in path)
    assert len(reaper) == 2 and len(live) == 1

    assert session_names(client, f"/sessions?job={first}") == reaper
    assert session_names(client, f"/sessions?job={second}") == live
    assert len(session_names(client, "/sessions")) == 4
    page = html(client.get(f"/sessions?job={first}"))
    chip = page.select_one("#job-chip")
    assert chip.get_text(" ", strip=True).startswith(f"Changed by job #{first}")
    assert chip.select_one("a.remove")["href"] == "/sessions"
    assert page.select_one("input[name=job]")["value"] == str(first)
    assert client.get("/sessions?job=x").status_code == 400


def test_a_vanished_file_marks_its_session_missing(app, client, archive):
    scanned_job(app, client, roots=str(archive))
    (archive / "reaper" / "vst.rpp").unlink()
    job_pk = scanned_job(app, client, roots=str(archive))
    with app.app_context():
        gone = db.session.execute(select(Session.id, Session.name, Session.missing_at)
                                  .where(Session.missing_at.is_not(None))).one()
    assert html(client.get(f"/scans/{job_pk}")).select_one("#job-summary").get_text(strip=True).endswith(
        "1 missing")

    listing = html(client.get("/sessions"))
    badges = {row.select_one("td.name a").get_text(): row.select_one(".missing")
              for row in listing.select("#sessions tbody tr")}
    assert [name for name, badge in badges.items() if badge] == [gone.name]
    assert gone.missing_at.strftime("%Y-%m-%d") in badges[gone.name]["title"]
    assert session_names(client, "/sessions?missing=1") == [gone.name]
    assert session_names(client, "/sessions?missing=0") == sorted(set(badges) - {gone.name})
    assert [s["session_id"] for s in client.get("/api/sessions/?missing=true").get_json()["sessions"]] == [gone.id]

    notice = html(client.get(f"/sessions/{gone.id}")).select_one("#missing-notice")
    assert " ".join(notice.get_text().split()) == (
        f"The last archive scan did not find this session's file (since {gone.missing_at:%Y-%m-%d}): "
        f"{archive / 'reaper' / 'vst.rpp'}. It stays in the index.")
    with app.app_context():
        found = db.session.scalar(select(Session.id).where(Session.missing_at.is_(None)).limit(1))
    assert html(client.get(f"/sessions/{found}")).select_one("#missing-notice") is None


def progress_of(status="running", total=0, done=0, seconds=10, phase="reading", finished_after=None):
    now = utc_now()
    job = Job(kind="scan", status=status, total=total, done=done, failed=0, result={"phase": phase},
              started_at=now - timedelta(seconds=seconds),
              finished_at=None if finished_after is None else now - timedelta(seconds=seconds - finished_after))
    return job_progress(job, now)


def test_progress_percent_rate_and_time_left():
    running = progress_of(total=1000, done=250, seconds=10)
    assert (running.percent, running.files_per_second, running.eta_seconds) == (25, 25.0, 30)
    assert (running.rate_text, running.eta_text) == ("25 files/s", "less than a minute left")
    minutes = progress_of(total=1000, done=100, seconds=20)
    assert (minutes.eta_seconds, minutes.eta_text, minutes.rate_text) == (180, "about 3 min left", "5.0 files/s")
    hours = progress_of(total=1000, done=10, seconds=72)
    assert (hours.eta_seconds, hours.eta_text, hours.rate_text) == (7128, "about 2 h left", "0.1 files/s")
    finding = progress_of(total=500, done=0, phase="finding files")
    assert (finding.phase, finding.percent, finding.files_per_second, finding.eta_seconds) == (
        "finding files", None, None, None)
    assert progress_of(total=0).percent is None
    done = progress_of(status="succeeded", total=100, done=100, seconds=30, finished_after=20)
    assert (done.percent, done.files_per_second, done.eta_seconds, done.phase) == (100, 5.0, None, None)


def test_a_long_current_path_shows_its_end_from_a_folder_on():
    progress = progress_of(total=10)
    progress.job.current_item = "/mnt/archive/" + "x" * 80 + "/Clients/Lumen/Night Drive.rpp"
    assert progress.current_item_short == "…/Clients/Lumen/Night Drive.rpp"
    progress.job.current_item = "/mnt/archive/Night Drive.rpp"
    assert progress.current_item_short == "/mnt/archive/Night Drive.rpp"


@pytest.mark.parametrize("folder, problem", [("Sessions\x00/x", "NUL"), ("Sessions/" + "n" * 256, "255 bytes")])
def test_a_folder_no_file_system_can_hold_is_refused_by_the_form(app, client, archive, folder, problem):
    response = start(client, folder=str(archive / folder))
    assert response.status_code == 422
    assert problem in BeautifulSoup(response.data, "html.parser").select_one("#start-scan").get_text(" ")
    assert jobs(app) == []
