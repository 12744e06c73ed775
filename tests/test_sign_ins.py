"""Sign-ins live on the server: signing out ends one for good, wherever its cookie was copied."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.database import unit_of_work
from app.extensions import db
from app.models import SignIn, User
from app.models.types import utc_now
from tests.auth import PASSWORD, csrf_token, sign_in
from tests.helpers import ingest

HX = {"HX-Request": "true"}


def copy_of(app, client):
    """Another browser holding a copy of `client`'s sign-in cookie, as a stolen or shared cookie would be."""
    copy = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    copy.set_cookie(name, client.get_cookie(name).value)
    return copy


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, auth, client):
    assert ingest(client, {"name": "Take Five", "fingerprint": "t"}).status_code == 200
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    editor = auth.client("editor")
    editor.environ_base["HTTP_X_CSRFTOKEN"] = token = csrf_token(editor)
    stolen = copy_of(app, editor)
    stolen.environ_base["HTTP_X_CSRFTOKEN"] = token
    assert stolen.get("/sessions").status_code == 200  # the copy works while the sign-in lasts

    assert editor.post("/logout", data={"csrf_token": token}).headers["Location"] == "/login"

    assert stolen.get("/sessions").status_code == 302
    assert stolen.get(f"/api/session-stats/{session_id}").status_code == 401
    saved = stolen.patch(f"/sessions/{session_id}/fields/artist", data={"value": "Thief"}, headers=HX)
    assert saved.status_code == 401
    assert "artist" not in client.get(f"/api/session-stats/{session_id}").get_json()
    with app.app_context():
        assert db.session.scalars(select(SignIn.ended_at).join(User).where(User.username == editor.username)).one()


def test_signing_out_here_leaves_other_browsers_signed_in(app, auth):
    username = auth.user("viewer")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, username)
    sign_in(elsewhere, username)
    here.post("/logout", data={"csrf_token": csrf_token(here)})
    assert here.get("/").status_code == 302
    assert elsewhere.get("/").status_code == 200


def test_a_password_change_keeps_this_browser_and_ends_the_others(app, auth):
    username = auth.user("editor")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, username)
    sign_in(elsewhere, username)
    changed = here.post("/settings/password", data={"current_password": PASSWORD, "new_password": "a much longer one",
                                                    "confirm": "a much longer one", "csrf_token": csrf_token(here)})
    assert changed.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


class TestIdleSignIns:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_LIFETIME_HOURS": 1}

    def test_the_server_ends_a_sign_in_idle_longer_than_the_lifetime(self, app, auth):
        client = auth.client("viewer")
        assert client.get("/").status_code == 200
        with app.app_context(), unit_of_work():
            db.session.execute(update(SignIn).values(last_seen_at=utc_now() - timedelta(hours=1, minutes=1)))
        assert client.get("/").status_code == 302

    def test_use_is_noted_at_most_once_a_minute(self, app, auth):
        client = auth.client("viewer")
        earlier = utc_now() - timedelta(minutes=5)
        with app.app_context(), unit_of_work():
            db.session.execute(update(SignIn).values(last_seen_at=earlier))
        assert client.get("/").status_code == 200
        with app.app_context():
            seen = db.session.scalar(select(SignIn.last_seen_at))
        assert seen > earlier + timedelta(minutes=4)
        assert client.get("/").status_code == 200
        with app.app_context():
            assert db.session.scalar(select(SignIn.last_seen_at)) == seen


def test_a_new_sign_in_clears_the_users_ended_ones(app, auth):
    username = auth.user("viewer")
    for _ in range(3):
        browser = app.test_client()
        sign_in(browser, username)
        browser.post("/logout", data={"csrf_token": csrf_token(browser)})
    sign_in(app.test_client(), username)
    with app.app_context():
        assert [ended for ended in db.session.scalars(select(SignIn.ended_at))] == [None]
