"""Users, tokens and signed-in test clients for the tests."""
import itertools

from bs4 import BeautifulSoup

from app.database import unit_of_work
from app.extensions import db
from app.services.accounts import create_user
from app.services.tokens import create_token

PASSWORD = "correct horse battery"


def csrf_token(client) -> str:
    """The CSRF token of `client`'s browser session, read from a page as a browser would."""
    response = client.get("/login")
    if response.status_code == 302:
        # Signed in: every page carries the token, and a page that is not there is the quickest to make and read.
        response = client.get("/no-such-page")
        assert response.status_code == 404
    return BeautifulSoup(response.data, "html.parser").select_one('meta[name="csrf-token"]')["content"]


def sign_in(client, username, password=PASSWORD):
    """Post the sign-in form as a browser would; the response."""
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)})


class Auth:
    """Makes users, tokens and clients of one app."""

    def __init__(self, app):
        self.app = app
        self.numbers = itertools.count(1)

    def user(self, role: str, username: str | None = None) -> str:
        """A new account of `role` with password PASSWORD; its username."""
        username = username or f"{role}{next(self.numbers)}"
        with self.app.app_context(), unit_of_work():
            create_user(db.session, username, role, PASSWORD, hash_method=self.app.config["PASSWORD_HASH_METHOD"])
        return username

    def token(self, role: str, **options) -> str:
        """The secret of a new API token of `role`."""
        with self.app.app_context(), unit_of_work():
            _, secret = create_token(db.session, f"{role} token {next(self.numbers)}", role, **options)
        return secret

    def client(self, role: str | None = None, *, token_role: str | None = None, token: str | None = None):
        """A test client signed in as a new user of `role` (if any), sending a bearer token (if any)."""
        client = self.app.test_client()
        client.username = None
        if role:
            client.username = self.user(role)
            response = sign_in(client, client.username)
            assert response.status_code == 302, response.data
        if token_role:
            token = self.token(token_role)
        if token:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client
