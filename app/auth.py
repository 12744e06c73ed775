"""Who is asking and what they may do: sign-in sessions, bearer tokens, a role per view, CSRF.

Every view declares the least role it needs with `@requires(...)`; one hook checks it
before any view runs, and create_app refuses to start while a view declares nothing.
"""
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate

from app.database import write_incidentally
from app.extensions import csrf, db, login_manager
from app.models import User
from app.services.accounts import ROLES, role_allows
from app.services.audit import Actor, record
from app.services.sign_ins import needs_last_seen, note_sign_in_use, signed_in_user
from app.services.tokens import needs_last_use, note_token_use, resolve_token

PUBLIC = "public"
# Any signed-in user, whatever the role; not anonymous readers, and not tokens.
ACCOUNT = "account"
ACCESS_LEVELS = (PUBLIC, ACCOUNT, *ROLES)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEARER = WWWAuthenticate("Bearer", {"realm": "session-stats"})


class Principal(NamedTuple):
    """Who is asking: a signed-in user, an API token, or nobody (role None)."""

    name: str
    role: str | None = None
    user_pk: int | None = None
    token_pk: int | None = None

    @property
    def is_anonymous(self) -> bool:
        """True for a visitor who is neither signed in nor holding a token."""
        return self.user_pk is None and self.token_pk is None


ANONYMOUS = Principal("anonymous")


def user_principal(user: User) -> Principal:
    """The principal of a signed-in user."""
    return Principal(user.username, user.role, user_pk=user.pk)


def requires(level: str):
    """Declare who may use a view: 'public', 'account', or the least role ('viewer', 'editor', 'admin')."""
    if level not in ACCESS_LEVELS:
        raise ValueError(f"unknown access level {level!r}")

    def declare(view):
        view.access = level
        return view

    return declare


def signed_by_sender(view):
    """Declare a view whose requests prove who sent them by a signature in the body's headers: no CSRF token."""
    view.signed_by_sender = True
    return view


def view_access(app, endpoint: str) -> str | None:
    """The access level a view declared; static files are public."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    return getattr(app.view_functions[endpoint], "access", None)


def check_every_view_declares_access(app) -> None:
    """Refuse to build an app with a view that has not said who may use it."""
    missing = sorted(e for e in app.view_functions if view_access(app, e) is None)
    if missing:
        raise RuntimeError(f"views without @requires(...): {', '.join(missing)}")


def principal() -> Principal:
    """Who is asking in this request."""
    return g.get("principal", ANONYMOUS)


def may(role: str) -> bool:
    """True when the current principal has at least `role`."""
    return role_allows(principal().role, role)


def is_api_request() -> bool:
    """True for requests to the JSON API."""
    return request.blueprint == "api"


def audit(action: str, target: str | None = None, details: dict | None = None):
    """Record `action` in the audit log as done by the current principal from its address, within the unit of work
    of the action; the entry's pk."""
    who = principal()
    return record(db.session, Actor(who.name, who.user_pk, who.token_pk, request.remote_addr), action, target, details)


def init_auth(app) -> None:
    """Bind sign-in sessions and the access check to `app`."""
    login_manager.init_app(app)
    app.before_request(authorize_request)
    app.context_processor(lambda: {"current_principal": principal})


@login_manager.user_loader
def load_user(secret: str) -> User | None:
    """The user whose sign-in the cookie names, while the sign-in lasts and the account is enabled."""
    found = signed_in_user(db.session, secret, current_app.permanent_session_lifetime)
    if found is None:
        return None
    user, sign_in = found
    if needs_last_seen(sign_in):
        g.sign_in_seen = sign_in.pk
    return user


def authorize_request():
    """Identify the caller, then refuse the request unless its view's level and CSRF allow it."""
    # Unrouted requests end in 404/405, and static files are for everyone: no need to load the caller.
    if request.endpoint is None or request.endpoint == "static":
        return None
    level = view_access(current_app, request.endpoint)
    g.principal = who = _identify()
    if level != PUBLIC and not _allowed(who, level):
        if not who.is_anonymous:
            abort(403, description=f"This needs the {level} role; {who.name} has the {who.role} role.")
        return _ask_to_sign_in()
    if request.method not in SAFE_METHODS and who.token_pk is None \
            and not getattr(current_app.view_functions[request.endpoint], "signed_by_sender", False):
        csrf.protect()
    return None


def _identify() -> Principal:
    if is_api_request() and "Authorization" in request.headers:
        scheme, _, secret = request.headers["Authorization"].partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            abort(401, description="Send the API token as 'Authorization: Bearer <token>'.",
                  www_authenticate=BEARER)
        token = resolve_token(db.session, secret.strip())
        if token is None:
            abort(401, description="This API token is unknown, revoked or expired.", www_authenticate=BEARER)
        who = Principal(f"token {token.name}", token.role, token_pk=token.pk)
        if needs_last_use(token):
            write_incidentally(db.session, lambda writer: note_token_use(writer, who.token_pk))
        return who
    if current_user.is_authenticated:
        who = user_principal(current_user)
        if "sign_in_seen" in g:
            write_incidentally(db.session, lambda writer: note_sign_in_use(writer, g.sign_in_seen))
        return who
    return ANONYMOUS


def _allowed(who: Principal, level: str) -> bool:
    if level == ACCOUNT:
        return who.user_pk is not None
    if who.is_anonymous:
        return level == "viewer" and request.method in SAFE_METHODS and current_app.config["PUBLIC_READ"]
    return role_allows(who.role, level)


def _ask_to_sign_in():
    if is_api_request():
        abort(401, description="Sign in, or send an API token as 'Authorization: Bearer <token>'.",
              www_authenticate=BEARER)
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


def safe_next_url(value: str | None) -> str:
    """`value` when it is a path on this site, the home page otherwise (no open redirects)."""
    parts = urlsplit(value or "")
    if not value or parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") \
            or "\\" in value:
        return url_for("web.home")
    return value
