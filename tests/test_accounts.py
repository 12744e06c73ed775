"""Signing in and out, cookies, expiry, passwords, roles and disabled accounts."""
import time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.cli import cli
from app.database import unit_of_work
from app.extensions import db
from app.models import AuditEntry, User
from app.services.accounts import create_user, set_disabled
from tests.auth import PASSWORD, csrf_token, sign_in


def invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(cli, list(args), input=input)


def user_named(app, username) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge_all()
        return user


def test_passwords_are_hashed_with_scrypt_by_default(app):
    with app.app_context(), unit_of_work():
        user = create_user(db.session, "Mixer", "editor", PASSWORD)
        assert user.username == "mixer"
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash


def test_sign_in_sets_a_guarded_cookie_and_goes_where_the_visitor_was_going(auth, anonymous):
    username = auth.user("viewer")
    redirect = anonymous.get("/admin/audit?page=2")
    assert redirect.headers["Location"] == "/login?next=/admin/audit?page%3D2"
    response = anonymous.post("/login", data={"username": username.upper(), "password": PASSWORD,
                                              "csrf_token": csrf_token(anonymous), "next": "/settings"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie and "Expires=" in cookie
    assert anonymous.get("/").status_code == 200


def test_the_cookie_is_secure_over_https(app, auth):
    username = auth.user("viewer")
    client = app.test_client()
    token = BeautifulSoup(client.get("/login", base_url="https://localhost").data, "html.parser").select_one(
        'meta[name="csrf-token"]')["content"]
    response = client.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                           data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"])
def test_sign_in_never_redirects_off_site(auth, anonymous, target):
    username = auth.user("viewer")
    response = anonymous.post("/login", data={"username": username, "password": PASSWORD, "next": target,
                                              "csrf_token": csrf_token(anonymous)})
    assert response.headers["Location"] == "/"


def test_wrong_password_unknown_user_and_disabled_account_are_refused_alike(app, auth, anonymous):
    username = auth.user("viewer")
    disabled = auth.user("viewer")
    with app.app_context(), unit_of_work():
        set_disabled(db.session, db.session.scalar(select(User).where(User.username == disabled)), True)
    messages = set()
    for name, password in ((username, "wrong password!"), ("nobody", PASSWORD), (disabled, PASSWORD)):
        response = sign_in(anonymous, name, password)
        assert response.status_code == 401
        messages.add(BeautifulSoup(response.data, "html.parser").select_one('[role="alert"]').get_text())
    assert len(messages) == 1
    assert anonymous.get("/").status_code == 302


def test_sign_out(client):
    assert client.get("/").status_code == 200
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


class TestExpiry:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_LIFETIME_HOURS": 1 / 3600}

    def test_a_sign_in_expires(self, auth):
        client = auth.client("viewer")
        assert client.get("/").status_code == 200
        time.sleep(2.1)
        assert client.get("/").status_code == 302


def change_password(client, current, new, confirm=None):
    return client.post("/settings/password", data={
        "current_password": current, "new_password": new, "confirm": confirm or new,
        "csrf_token": csrf_token(client)})


def test_changing_the_password_signs_out_other_browsers(app, auth):
    username = auth.user("editor")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, username)
    sign_in(elsewhere, username)
    for current, new, confirm, field in ((PASSWORD, "short", None, "new_password"),
                                         ("not the password", "a much longer one", None, "current_password"),
                                         (PASSWORD, "a much longer one", "another long one", "confirm")):
        refused = change_password(here, current, new, confirm)
        assert refused.status_code == 422
        page = BeautifulSoup(refused.data, "html.parser")
        assert page.select_one(f"#{field}").find_parent(class_="field").select(".error")
    assert elsewhere.get("/").status_code == 200

    assert change_password(here, PASSWORD, "a much longer one").status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert sign_in(elsewhere, username, PASSWORD).status_code == 401
    assert sign_in(elsewhere, username, "a much longer one").status_code == 302


def admin_post(client, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client)})


def test_admin_adds_users_changes_roles_and_disables_accounts(app, auth):
    admin = auth.client("admin")
    response = admin_post(admin, "/admin/users", username="Engineer", role="editor", password="")
    page = BeautifulSoup(response.data, "html.parser")
    password = page.select_one('input[aria-label="New password"]')["value"]
    assert response.headers["Cache-Control"] == "no-store"
    assert admin_post(admin, "/admin/users", username="engineer", role="viewer").status_code == 422
    assert admin_post(admin, "/admin/users", username="<b>x</b>", role="viewer").status_code == 422
    assert admin_post(admin, "/admin/users", username="x", role="superuser").status_code == 422

    engineer = app.test_client()
    assert sign_in(engineer, "engineer", password).status_code == 302
    user = user_named(app, "engineer")
    assert admin_post(admin, f"/admin/users/{user.pk}/role", **{f"user-{user.pk}-role": "admin"}).status_code == 302
    assert user_named(app, "engineer").role == "admin"
    assert engineer.get("/admin/users").status_code == 200

    assert admin_post(admin, f"/admin/users/{user.pk}/disable").status_code == 302
    assert user_named(app, "engineer").is_disabled
    assert engineer.get("/").status_code == 302
    assert sign_in(engineer, "engineer", password).status_code == 401
    admin_post(admin, f"/admin/users/{user.pk}/enable")
    assert sign_in(engineer, "engineer", password).status_code == 302

    rows = BeautifulSoup(admin.get("/admin/users").data, "html.parser").select("tbody tr")
    assert [row.td.get_text() for row in rows] == sorted(row.td.get_text() for row in rows)


def test_the_last_enabled_admin_cannot_be_demoted_or_disabled(app, auth):
    admin = auth.client("admin")
    me = user_named(app, admin.username)
    demote = admin_post(admin, f"/admin/users/{me.pk}/role", **{f"user-{me.pk}-role": "viewer"})
    assert demote.status_code == 302
    follow = admin.get("/admin/users")
    assert "last enabled admin" in BeautifulSoup(follow.data, "html.parser").select_one(".flash-error").get_text()
    admin_post(admin, f"/admin/users/{me.pk}/disable")
    me = user_named(app, admin.username)
    assert me.role == "admin" and not me.is_disabled


def test_cli_creates_users_and_sets_passwords(app):
    created = invoke(app, "users", "create", "Assistant", "--role", "editor", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    assert user_named(app, "assistant").role == "editor"
    assert invoke(app, "users", "create", "assistant", input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 1
    assert invoke(app, "users", "create", "b", input="short\nshort\n").exit_code == 1

    generated = invoke(app, "users", "set-password", "assistant", "--generate")
    assert generated.exit_code == 0
    new_password = generated.output.rsplit("Password: ", 1)[1].strip()
    client = app.test_client()
    assert sign_in(client, "assistant", PASSWORD).status_code == 401
    assert sign_in(client, "assistant", new_password).status_code == 302
    assert invoke(app, "users", "set-password", "nobody", "--generate").exit_code == 1
    assert invoke(app, "users", "list").output.split() == ["assistant", "editor", "enabled"]



class TestBehindAProxy:
    @pytest.fixture
    def app_config(self):
        return {"TRUSTED_PROXIES": 1}

    def test_the_proxy_tells_the_address_and_the_scheme(self, app, auth):
        username = auth.user("viewer")
        client = app.test_client()
        forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        token = BeautifulSoup(client.get("/login", headers=forwarded).data, "html.parser").select_one(
            'meta[name="csrf-token"]')["content"]
        response = client.post("/login", headers={**forwarded, "Referer": "https://localhost/login"},
                               data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert "Secure" in response.headers["Set-Cookie"]
        with app.app_context():
            assert db.session.scalar(select(AuditEntry.address).where(AuditEntry.action == "sign_in")) == "203.0.113.7"


def test_a_cookie_naming_no_user_signs_nobody_in(app, anonymous):
    with anonymous.session_transaction() as session:
        session["_user_id"] = "not-a-number:0"
    assert anonymous.get("/").status_code == 302


def test_a_view_must_say_who_may_use_it(app):
    from app.auth import check_every_view_declares_access, requires

    with pytest.raises(ValueError):
        requires("superuser")
    app.add_url_rule("/undeclared", "undeclared", lambda: "")
    with pytest.raises(RuntimeError, match="undeclared"):
        check_every_view_declares_access(app)


def test_cli_manages_tokens(app):
    made = invoke(app, "tokens", "create", "deploy", "--role", "admin", "--expires-in-days", "7")
    assert made.exit_code == 0
    assert invoke(app, "tokens", "create", "  ").exit_code == 1
    [token_id, name, role, status, last_used] = invoke(app, "tokens", "list").output.strip().split("\t")
    assert (name, role, status, last_used) == ("deploy", "admin", "active", "never used")
    assert invoke(app, "tokens", "revoke", token_id).exit_code == 0
    assert invoke(app, "tokens", "list").output.split("\t")[3] == "revoked"
    assert invoke(app, "tokens", "revoke", "999").exit_code == 1
    client = app.test_client()
    assert client.get("/api/session-stats", headers={"Authorization": f"Bearer {made.stdout.strip()}"}).status_code == 401
