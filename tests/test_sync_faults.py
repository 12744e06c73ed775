"""Syncs against a remote that misbehaves: a session that does not fit, a page that fails, a TLS certificate that is
not trusted; and the schedule that queues syncs when they are due."""
import datetime as dt
import json
import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from app.cli import cli
from app.credentials import keyring
from app.database import unit_of_work
from app.extensions import db
from app.models import AuditEntry, Job, JobError, RemoteSource
from app.models.types import utc_now
from app.remote.sync import queue_due_syncs_now
from app.services.remote_sources import add_source
from tests.auth import csrf_token
from tests.scripted_server import Answer, ScriptedServer

SERVED = "2026-01-01T00:00:00Z"


@pytest.fixture
def app_config():
    return {"REMOTE_BACKOFF_SECONDS": 0.01, "REMOTE_RETRIES": 1}


def source(app, url, name="b-room", every_minutes=None):
    with app.app_context(), unit_of_work():
        add_source(db.session, keyring(app), name, url, "sst_t", created_by="test", every_minutes=every_minutes)


def sync(runner, name="b-room"):
    result = runner.invoke(cli, ["sources", "sync", name])
    return result.exit_code, json.loads(result.output)


def test_a_session_that_does_not_fit_is_recorded_and_the_others_land(app, runner):
    page = {"sessions": [{"id": "good", "name": "Good"}, {"id": "bad", "name": "Bad", "bpm": -4},
                         {"name": "No id"}], "servedAt": SERVED, "nextCursor": None}
    with ScriptedServer(Answer(200, page)) as remote:
        remote.answers = [Answer(200, {"gone": [], "servedAt": SERVED, "nextCursor": None}), Answer(200, page)]
        source(app, remote.url)
        status, summary = sync(runner)
    assert status == 0
    assert (summary["added"], summary["failed"]) == (1, 2)
    with app.app_context():
        errors = db.session.scalars(select(JobError).order_by(JobError.position)).all()
        assert [error.path for error in errors] == ["bad", "(a session without an id)"]
        assert "bpm" in errors[0].message


def test_a_page_that_keeps_failing_stops_the_sync_and_says_why(app, runner):
    with ScriptedServer(Answer(502, {})) as remote:
        source(app, remote.url)
        status, summary = sync(runner)
        assert len(remote.requests) == 2  # one retry
    assert status == 1
    assert summary["status"] == "failed" and "failed with HTTP 502" in summary["message"]
    with app.app_context():
        stored = db.session.scalar(select(RemoteSource))
        assert "HTTP 502" in stored.last_error and stored.synced_until is None


def self_signed(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def test_an_untrusted_certificate_is_named_as_a_tls_problem(app, client, tmp_path):
    server = ScriptedServer(Answer(200, {}))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    https = ThreadingHTTPServer(("127.0.0.1", 0), server.http.RequestHandlerClass)
    https.socket = context.wrap_socket(https.socket, server_side=True)
    threading.Thread(target=https.serve_forever, daemon=True).start()
    try:
        source(app, f"https://127.0.0.1:{https.server_address[1]}")
        page = client.post("/admin/sources/b-room/test", data={"csrf_token": csrf_token(client)})
    finally:
        https.shutdown()
        https.server_close()
        server.http.server_close()
    assert "The TLS connection to 127.0.0.1" in page.get_data(as_text=True)


def test_the_schedule_queues_syncs_that_are_due_once(app):
    source(app, "http://127.0.0.1:9", "hourly", every_minutes=60)
    source(app, "http://127.0.0.1:9", "manual")
    source(app, "http://127.0.0.1:9", "paused", every_minutes=1)
    with app.app_context(), unit_of_work():
        db.session.scalar(select(RemoteSource).where(RemoteSource.name == "paused")).paused = True
    with app.app_context():
        first = queue_due_syncs_now()
        assert len(first) == 1
        # Queued already: not again; and not due again until its hour has passed.
        assert queue_due_syncs_now() == []
        with unit_of_work():
            db.session.get(Job, first[0]).status = "succeeded"
            db.session.scalar(select(RemoteSource).where(RemoteSource.name == "hourly")).last_sync_at = utc_now()
        assert queue_due_syncs_now() == []
        job = db.session.get(Job, first[0])
        assert job.params["source"] == "hourly" and job.started_by == "schedule"
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target == "hourly")) == \
            "source.sync_started"
