"""CSRF on every state change from a browser, and the security headers on every answer."""
import pytest
from bs4 import BeautifulSoup

from tests.auth import csrf_token
from tests.helpers import SEED_EXAMPLE, row_counts

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def test_a_browser_post_without_the_csrf_token_is_refused_and_changes_nothing(app, auth):
    editor = auth.client("editor")
    with app.app_context():
        before = row_counts()
    for headers in ({}, {"X-CSRFToken": "forged"}):
        response = editor.post("/api/session-stats", json=SEED_EXAMPLE, headers=headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "csrf_failed"
    with app.app_context():
        assert row_counts() == before
    response = editor.post("/api/session-stats", json=SEED_EXAMPLE, headers={"X-CSRFToken": csrf_token(editor)})
    assert response.status_code == 200
    assert response.get_json()["inserted"] == 1


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(auth):
    admin = auth.client("admin")
    refused = admin.post("/admin/users", data={"username": "newcomer", "role": "viewer"})
    assert refused.status_code == 400
    assert "newcomer" not in admin.get("/admin/users").get_data(as_text=True)
    accepted = admin.post("/admin/users", data={"username": "newcomer", "role": "viewer",
                                                "csrf_token": csrf_token(admin)})
    assert accepted.status_code == 200
    assert "newcomer" in [td.get_text() for td in BeautifulSoup(accepted.data, "html.parser").select("tbody td")]


def test_a_bearer_token_needs_no_csrf_token_even_beside_a_browser_session(auth):
    both = auth.client("viewer", token_role="editor")
    assert both.post("/api/session-stats", json=SEED_EXAMPLE).status_code == 200


def test_the_sign_in_form_needs_its_csrf_token(auth, anonymous):
    username = auth.user("viewer")
    response = anonymous.post("/login", data={"username": username, "password": "correct horse battery"})
    assert response.status_code == 400
    assert anonymous.get("/").status_code == 302


def answers(client, anonymous):
    yield "page", client.get("/")
    yield "admin page", client.get("/admin/users")
    yield "sign-in page", anonymous.get("/login")
    yield "redirect", anonymous.get("/")
    yield "API answer", client.get("/api/session-stats")
    yield "API error", anonymous.get("/api/session-stats")
    yield "API 404", client.get("/api/session-stats/none")
    yield "HTML 404", client.get("/nowhere")
    static = client.get("/static/css/app.css")
    static.close()
    yield "static file", static


def test_security_headers_on_every_kind_of_answer(client, anonymous):
    for kind, response in answers(client, anonymous):
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, kind
        policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
        assert policy["frame-ancestors"] == "'none'", kind
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'", kind
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], kind


@pytest.mark.parametrize("path", ["/", "/login", "/sessions", "/trash", "/settings", "/settings/tokens",
                                  "/admin/users", "/admin/audit"])
def test_pages_carry_no_inline_scripts_or_styles(client, anonymous, path):
    page = BeautifulSoup((anonymous if path == "/login" else client).get(path).data, "html.parser")
    assert page.select_one('meta[name="csrf-token"]')["content"]
    assert not page.find_all("style")
    assert all(script.get("src", "").startswith("/static/") for script in page.find_all("script"))
    for element in page.find_all(True):
        assert "style" not in element.attrs, element
        assert not any(name.startswith("on") for name in element.attrs), element
