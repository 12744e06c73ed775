"""Attachments: uploaded as a stream, stored once by content, downloaded as they were, hidden with their session's
trash and deleted only when nothing names them."""
import hashlib
import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import Attachment
from tests.auth import csrf_token
from tests.helpers import ingest

LIMIT = 64 * 1024


@pytest.fixture
def app_config():
    return {"MAX_ATTACHMENT_BYTES": LIMIT}


@pytest.fixture
def sessions(client):
    ingest(client, {"name": "Harbour", "fingerprint": "h"}, {"name": "Drift", "fingerprint": "d"})
    return {s["name"]: s["id"] for s in client.get("/api/session-stats").get_json()["sessions"]}


@pytest.fixture
def editor(auth):
    editor = auth.client("editor")
    editor.token = csrf_token(editor)
    return editor


def stored_files(app) -> list:
    return sorted(path for path in app.config["ATTACHMENT_DIR"].rglob("*") if path.is_file())


def attach_in_page(editor, session_id, content: bytes, filename: str, kind="mix"):
    return editor.post(f"/sessions/{session_id}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": editor.token, "kind": kind, "file": (io.BytesIO(content), filename)})


def post_large(client, url: str, data: dict):
    """POST a multipart body larger than the test client keeps in memory: encoded here as bytes, since the client
    would spool it to a temporary file it never closes."""
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def download(client, url, **options):
    """The answer to a download, read and closed (the file it streams from is left open otherwise)."""
    response = client.get(url, **options)
    response.get_data()
    response.close()
    return response


def attachments_of(client, session_id):
    return client.get(f"/api/sessions/{session_id}/attachments").get_json()["attachments"]


def test_an_upload_downloads_as_the_same_bytes_and_is_listed(app, client, editor, sessions):
    content = bytes(range(256)) * 100
    response = attach_in_page(editor, sessions["Harbour"], content, "Mix v1.wav")
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")
    [listed] = attachments_of(client, sessions["Harbour"])
    assert (listed["filename"], listed["kind"], listed["size_bytes"], listed["sha256"]) == (
        "Mix v1.wav", "mix", len(content), hashlib.sha256(content).hexdigest())
    assert listed["author"] == editor.username
    fetched = download(client, f"/attachments/{listed['id']}")
    assert fetched.status_code == 200 and fetched.data == content
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"
    played = download(client, f"/attachments/{listed['id']}?play=1")
    assert played.mimetype == "audio/wav" and "attachment" not in played.headers.get("Content-Disposition", "")
    ranged = download(client, f"/attachments/{listed['id']}?play=1", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.data == content[:10]
    page = BeautifulSoup(client.get(f"/sessions/{sessions['Harbour']}").data, "html.parser")
    assert page.select_one("#attachment-list a").get_text() == "Mix v1.wav"
    assert page.select_one("audio.session-player")
    assert client.get(f"/api/sessions/{sessions['Harbour']}/rollup").get_json()["attachments"] == 1


def test_the_same_bytes_are_stored_once_and_deleted_when_nothing_names_them(app, client, editor, sessions):
    attach_in_page(editor, sessions["Harbour"], b"master" * 1000, "Master.wav")
    attach_in_page(editor, sessions["Drift"], b"master" * 1000, "Same master.wav")
    assert len(stored_files(app)) == 1
    for name in ("Harbour", "Drift"):
        client.delete(f"/api/session-stats/{sessions[name]}")
    assert client.post(f"/api/session-stats/{sessions['Harbour']}/purge").status_code == 200
    assert len(stored_files(app)) == 1  # Drift's attachment, in the trash, still names it
    client.post(f"/trash/{sessions['Drift']}/purge", data={"csrf_token": csrf_token(client)})
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_trashed_sessions_attachments_are_hidden(client, editor, sessions):
    attach_in_page(editor, sessions["Harbour"], b"x" * 10, "notes.pdf", kind="document")
    [listed] = attachments_of(client, sessions["Harbour"])
    client.delete(f"/api/session-stats/{sessions['Harbour']}")
    assert download(client, f"/attachments/{listed['id']}").status_code == 404
    assert client.get(f"/api/sessions/{sessions['Harbour']}/attachments").status_code == 404
    client.post(f"/api/session-stats/{sessions['Harbour']}/restore")
    assert download(client, f"/attachments/{listed['id']}").data == b"x" * 10


def test_an_html_file_is_never_served_to_render(client, editor, sessions):
    attach_in_page(editor, sessions["Harbour"], b"<script>alert(1)</script>", "report.html", kind="document")
    [listed] = attachments_of(client, sessions["Harbour"])
    for url in (f"/attachments/{listed['id']}", f"/attachments/{listed['id']}?play=1"):
        response = download(client, url)
        assert response.mimetype == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_over_the_limit_is_413_and_nothing_is_stored(app, client, editor, sessions):
    response = attach_in_page(editor, sessions["Harbour"], b"x" * (LIMIT + 100_000), "huge.wav")
    assert response.status_code == 413
    api = client.post(f"/api/sessions/{sessions['Harbour']}/attachments", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"x" * (LIMIT + 100_000)), "huge.wav")})
    assert api.status_code == 413 and api.get_json()["error"]["code"] == "too_large"
    # Within the request's allowance for its form, yet over the file limit: refused by the store as it streams.
    just_over = attach_in_page(editor, sessions["Harbour"], b"x" * (LIMIT + 10), "over.wav")
    assert just_over.status_code == 302
    assert attachments_of(client, sessions["Harbour"]) == [] and stored_files(app) == []
    assert "larger than the limit" in BeautifulSoup(editor.get(f"/sessions/{sessions['Harbour']}").data,
                                                    "html.parser").select_one(".flash-error").get_text()


def test_the_api_uploads_and_refuses_what_it_cannot_take(client, auth, sessions):
    sent = client.post(f"/api/sessions/{sessions['Drift']}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"stem"), "Bass stem.flac"), "kind": "stem"})
    assert sent.status_code == 201
    assert (sent.get_json()["kind"], sent.get_json()["content_type"]) == ("stem", "audio/flac")
    assert attachments_of(client, sessions["Drift"])[0]["id"] == sent.get_json()["id"]
    assert client.post(f"/api/sessions/{sessions['Drift']}/attachments", content_type="multipart/form-data",
                       data={"kind": "stem"}).status_code == 422
    wrong_kind = client.post(f"/api/sessions/{sessions['Drift']}/attachments", content_type="multipart/form-data",
                             data={"file": (io.BytesIO(b"x"), "a.wav"), "kind": "mixx"})
    assert wrong_kind.status_code == 422 and "mix, master" in wrong_kind.get_json()["error"]["message"]
    assert len(attachments_of(client, sessions["Drift"])) == 1
    assert client.post("/api/sessions/none/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"x"), "a.wav")}).status_code == 404
    viewer = auth.client(token_role="viewer")
    assert viewer.post(f"/api/sessions/{sessions['Drift']}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"x"), "a.wav")}).status_code == 403
    assert download(client, "/attachments/none").status_code == 404


def sine_wav(seconds=4.0, rate=48000, dbfs=-23.0, full_scale_at=None) -> bytes:
    """A stereo 1 kHz sine at `dbfs` per channel as 24-bit WAV, with a burst of full-scale samples at
    `full_scale_at` seconds."""
    import numpy
    import soundfile

    times = numpy.arange(int(seconds * rate)) / rate
    tone = 10 ** (dbfs / 20) * numpy.sin(2 * numpy.pi * 1000 * times)
    if full_scale_at is not None:
        start = int(full_scale_at * rate)
        tone[start:start + 48] = 1.0
    out = io.BytesIO()
    soundfile.write(out, numpy.column_stack([tone, tone]), rate, subtype="PCM_24", format="WAV")
    return out.getvalue()


def test_an_attached_mix_is_measured_in_the_background_and_its_clips_go_on_the_timeline(app, client, editor,
                                                                                       sessions):
    from app.models import Event, Job
    from app.scanning import run_job

    app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    sent = post_large(client, f"/api/sessions/{sessions['Harbour']}/attachments",
                      {"file": FileStorage(io.BytesIO(sine_wav(full_scale_at=2.5)), "Mix v2.wav"), "kind": "mix"})
    assert sent.status_code == 201 and sent.get_json()["analysis"] is None  # the upload does not wait for it
    page = BeautifulSoup(client.get(f"/sessions/{sessions['Harbour']}").data, "html.parser")
    assert "Being measured" in page.select_one("#attachment-list").get_text()
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "attachment"))
        run_job(job.pk)
        assert db.session.get(Job, job.pk).status == "succeeded"
        clips = db.session.execute(select(Event.t_sec, Event.end_sec, Event.source).where(Event.kind == "clip")).all()
    [attachment] = attachments_of(client, sessions["Harbour"])
    measured = attachment["analysis"]["loudness"]
    assert measured["integrated_lufs"] == pytest.approx(-23.0, abs=0.5)  # the burst adds a little; exact: test_loudness
    assert (measured["sample_rate"], measured["channels"], measured["duration_sec"]) == (48000, 2, 4.0)
    assert measured["sample_peak_dbfs"] == pytest.approx(0.0, abs=0.01) and measured["clips"] == 1
    assert [(start, source) for start, _, source in clips] == [(2.5, "loudness")]
    page = BeautifulSoup(client.get(f"/sessions/{sessions['Harbour']}").data, "html.parser")
    assert page.select_one("#attachment-list .lufs").get_text() == f"{measured['integrated_lufs']:.1f} LUFS"
    assert [e.select_one(".text").get_text() for e in page.select("#events li.kind-clip")] == ["reaches full scale"]


def test_a_scan_attaches_the_bounces_beside_a_session_once(app, client, tmp_path):
    from app.database import unit_of_work
    from app.models import Job
    from app.scanning import run_job, start_scan

    app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    project = tmp_path / "archive" / "Harbour"
    (project / "Renders").mkdir(parents=True)
    (project / "Bounced Files").mkdir()
    (project / "harbour.rpp").write_text('<REAPER_PROJECT 0.1 "7.0/linux" 1700000000\n  <TRACK\n    NAME "Kick"\n  >\n>\n')
    (project / "Renders" / "Harbour mix.wav").write_bytes(sine_wav(seconds=1.0))
    (project / "Bounced Files" / "Harbour master.flac").write_bytes(b"not really flac")
    (project / "Renders" / "notes.txt").write_text("not audio")

    def scan():
        with app.app_context():
            with unit_of_work():
                job = start_scan(db.session, [str(tmp_path / "archive")], [], "test")
            run_job(job.pk)
            assert db.session.get(Job, job.pk).status == "succeeded"

    scan()
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    attached = attachments_of(client, session_id)
    assert sorted((a["filename"], a["kind"]) for a in attached) == [("Harbour master.flac", "bounce"),
                                                                    ("Harbour mix.wav", "bounce")]
    (project / "harbour.rpp").write_text('<REAPER_PROJECT 0.1 "7.0/linux" 1700000000\n  <TRACK\n    NAME "Bass"\n  >\n>\n')
    scan()  # read again, the session keeps its two bounces and gets no copies
    assert len(attachments_of(client, session_id)) == 2
    with app.app_context():
        queued = db.session.scalars(select(Job).where(Job.kind == "attachment")).all()
        assert len(queued) == 2
        for job in queued:
            run_job(job.pk)
    measured = {a["filename"]: a for a in attachments_of(client, session_id)}
    assert measured["Harbour mix.wav"]["analysis"]["loudness"]["duration_sec"] == 1.0
    assert "not a readable audio file" in measured["Harbour master.flac"]["analysis_error"]
