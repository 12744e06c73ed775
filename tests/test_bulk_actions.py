"""Bulk actions: many sessions changed in one request, one transaction and one audit entry, then undone."""
import json

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Session, Tag
from app.services.derived import check_derived
from tests.auth import csrf_token
from tests.helpers import ingest, row_counts

COUNT = 500


def archive(client, count=COUNT):
    sessions = [{"name": f"Song {number:03}", "fingerprint": f"f{number}", "daw": "REAPER" if number % 2 else "Pro Tools",
                 "tags": ["mix"] if number % 5 == 0 else [], "tracks": [{"name": "Vox", "plugins": [
                     {"name": "Pro-Q 3", "vendor": "FabFilter"}]}]} for number in range(count)]
    for start in range(0, count, 250):
        assert ingest(client, *sessions[start:start + 250]).status_code == 200


def bulk(editor, **form):
    data = {"csrf_token": csrf_token(editor), "back": "/sessions", **form}
    return editor.post("/sessions/bulk", data=data)


def entries(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def tagged(app, tag):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Tag).where(Tag.name == tag))


def live(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Session).where(Session.deleted_at.is_(None)))


def exact(app):
    with app.app_context():
        return check_derived(db.session) == []


def test_five_hundred_sessions_tagged_trashed_and_undone_with_every_figure_exact(app, auth, client):
    archive(client)
    editor = auth.client("editor")

    response = bulk(editor, scope="matching", query="", action="add_tag", tag="archive 2026")
    assert response.status_code == 302 and response.headers["Location"] == "/sessions"
    assert tagged(app, "archive 2026") == COUNT and exact(app)
    [tagging] = entries(app, "sessions.bulk")
    assert tagging.details["action"] == "add_tag" and len(tagging.details["sessions"]) == COUNT
    summary = BeautifulSoup(editor.get("/sessions").data, "html.parser").select_one("#bulk-done")
    assert summary.get_text(" ", strip=True).startswith(f"Tagged {COUNT} sessions “archive 2026”.")
    assert summary.select_one("form")["action"] == f"/sessions/bulk/{tagging.pk}/undo"
    assert client.get("/sessions?tag=archive+2026").status_code == 200

    bulk(editor, scope="matching", query="daw=REAPER", action="trash")
    assert live(app) == COUNT // 2 and exact(app)
    trashing = entries(app, "sessions.bulk")[-1]
    undo = editor.post(f"/sessions/bulk/{trashing.pk}/undo", data={"csrf_token": csrf_token(editor)})
    assert undo.status_code == 302
    assert live(app) == COUNT and exact(app)
    again = editor.post(f"/sessions/bulk/{trashing.pk}/undo", data={"csrf_token": csrf_token(editor)}, follow_redirects=True)
    assert "already undone" in again.data.decode() and live(app) == COUNT

    editor.post(f"/sessions/bulk/{tagging.pk}/undo", data={"csrf_token": csrf_token(editor)})
    assert tagged(app, "archive 2026") == 0 and tagged(app, "mix") == COUNT // 5 and exact(app)
    assert [entry.target for entry in entries(app, "sessions.bulk_undone")] == [str(trashing.pk), str(tagging.pk)]


def test_chosen_rows_flags_and_the_sessions_that_already_were(app, auth, client):
    archive(client, 6)
    ids = [session["id"] for session in client.get("/api/session-stats").get_json()["sessions"]]
    editor = auth.client("editor")
    bulk(editor, id=ids[:2], action="favourite")
    response = bulk(editor, id=ids[:4], action="favourite")
    page = BeautifulSoup(editor.get(response.headers["Location"]).data, "html.parser")
    assert page.select_one("#bulk-done").get_text(" ", strip=True).startswith(
        "Starred 2 sessions; 2 sessions already were.")
    assert client.get("/api/sessions/?liked=true").get_json()["total_count"] == 4
    last = entries(app, "sessions.bulk")[-1]
    editor.post(f"/sessions/bulk/{last.pk}/undo", data={"csrf_token": csrf_token(editor)})
    assert client.get("/api/sessions/?liked=true").get_json()["total_count"] == 2 and exact(app)

    exported = bulk(editor, id=ids[:3], action="export")
    assert exported.headers["Content-Disposition"] == "attachment; filename=sessions.json"
    assert sorted(session["id"] for session in json.loads(exported.data)["sessions"]) == sorted(ids[:3])


def test_a_refused_bulk_action_changes_nothing_and_says_why(app, auth, client):
    archive(client, 3)
    ids = [session["id"] for session in client.get("/api/session-stats").get_json()["sessions"]]
    editor = auth.client("editor")
    with app.app_context():
        before = row_counts()
    for form, reason in (({"id": ids, "action": "add_tag", "tag": ""}, "Give the tag"),
                         ({"id": ids, "action": "add_tag", "tag": "x" * 201}, "at most 200 characters"),
                         ({"id": ids, "action": "explode"}, "not a bulk action"),
                         ({"action": "trash"}, "Choose at least one session"),
                         ({"scope": "matching", "query": "liked=maybe", "action": "trash"}, "make no sense"),
                         ({"id": ids, "action": "trash", "back": "https://example.com/"}, "")):
        response = bulk(editor, **form)
        assert response.status_code == 302 and response.headers["Location"] == "/sessions", form
        assert reason in editor.get("/sessions").data.decode(), form
        if form["action"] == "trash" and "id" in form:
            undo = entries(app, "sessions.bulk")[-1]
            editor.post(f"/sessions/bulk/{undo.pk}/undo", data={"csrf_token": csrf_token(editor)})
    with app.app_context():
        assert row_counts() == before
    assert bulk(auth.client("viewer"), id=ids, action="trash").status_code == 403
    assert editor.post("/sessions/bulk", data={"id": ids, "action": "trash"}).status_code == 400
    assert editor.post("/sessions/bulk/999999/undo", data={"csrf_token": csrf_token(editor)}).status_code == 404
