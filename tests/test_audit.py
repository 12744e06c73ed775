"""The audit log records who did what, and admins can read it."""
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.database import unit_of_work
from app.extensions import db
from app.models import ApiToken, AuditEntry, Session
from app.services.audit import Actor, record
from tests.auth import PASSWORD, csrf_token, sign_in
from tests.helpers import SEED_EXAMPLE, ingest


def entries(app):
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.pk)).all()
        db.session.expunge_all()
        return rows


def test_writes_through_a_token_are_recorded_with_the_token(app, auth):
    editor, admin = auth.client(token_role="editor"), auth.client(token_role="admin")
    ingest(editor, {"name": "Kept", "fingerprint": "k"}, {"name": "Gone", "fingerprint": "g"})
    with app.app_context():
        ids = dict(db.session.execute(select(Session.fingerprint, Session.id)).all())
        editor_token = db.session.scalar(select(ApiToken).where(ApiToken.role == "editor"))
        db.session.expunge_all()
    editor.delete(f"/api/session-stats/{ids['g']}")
    editor.post(f"/api/session-stats/{ids['g']}/restore")
    ingest(admin, {"name": "Kept", "fingerprint": "k"}, action="replaceSessions")
    admin.post(f"/api/session-stats/{ids['g']}/purge")
    editor.get("/api/session-stats")

    log = entries(app)
    assert [(e.action, e.target) for e in log] == [
        ("sessions.ingested", None), ("session.trashed", ids["g"]), ("session.restored", ids["g"]),
        ("sessions.replaced", None), ("session.purged", ids["g"]),
    ]
    assert log[0].actor == f"token {editor_token.name}" and log[0].token_pk == editor_token.pk
    assert log[0].details == {"inserted": 2, "updated": 0, "trashed": 0}
    assert log[3].details == {"inserted": 0, "updated": 1, "trashed": 1}
    assert log[4].details == {"name": "Gone"}
    assert all(e.address == "127.0.0.1" and e.at is not None for e in log)


def test_sign_ins_and_role_changes_are_recorded(app, auth):
    username = auth.user("viewer")
    client = app.test_client()
    sign_in(client, username, "wrong password")
    sign_in(client, username, PASSWORD)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    admin = auth.client("admin")
    with app.app_context():
        user_pk = db.session.scalar(select(AuditEntry.user_pk).where(AuditEntry.action == "sign_in"))
    admin.post(f"/admin/users/{user_pk}/role", data={f"user-{user_pk}-role": "editor", "csrf_token": csrf_token(admin)})

    log = [(e.actor, e.action, e.target, e.details) for e in entries(app)]
    assert log == [
        ("anonymous", "sign_in.failed", username, None),
        (username, "sign_in", None, None),
        (username, "sign_out", None, None),
        (admin.username, "sign_in", None, None),
        (admin.username, "user.role_changed", username, {"from": "viewer", "to": "editor"}),
    ]


def test_the_audit_page_pages_and_filters(app, client):
    with app.app_context(), unit_of_work():
        for number in range(60):
            record(db.session, Actor("script", address="10.0.0.9"), "sessions.ingested", f"batch {number}")
    client.post("/api/session-stats", json=SEED_EXAMPLE)

    first = BeautifulSoup(client.get("/admin/audit").data, "html.parser")
    rows = first.select("tbody tr")
    assert len(rows) == 50
    assert [td.get_text() for td in rows[0].select("td")[1:4]] == ["token admin token 2", "sessions.ingested", ""]
    assert first.select_one('a[rel="next"]')["href"] == "/admin/audit?page=2"

    second = BeautifulSoup(client.get("/admin/audit?page=2").data, "html.parser")
    targets = [row.select("td")[3].get_text() for row in second.select("tbody tr")]
    assert targets == [f"batch {n}" for n in range(10, -1, -1)] + [""]

    signed_in = BeautifulSoup(client.get("/admin/audit?action=sign_in").data, "html.parser")
    assert [row.select("td")[2].get_text() for row in signed_in.select("tbody tr")] == ["sign_in"]
    assert "sign_in" in [o["value"] for o in signed_in.select("#action option")]
    empty = BeautifulSoup(client.get("/admin/audit?action=nothing").data, "html.parser")
    assert "Nothing recorded" in empty.select_one("td.empty").get_text()
