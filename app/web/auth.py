"""Signing in and out."""
from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from app.auth import ACCOUNT, PUBLIC, audit, principal, requires, safe_next_url, user_principal
from app.database import unit_of_work
from app.extensions import db, limiter
from app.services.accounts import authenticate, normalize_username
from app.services.sign_ins import begin_sign_in, end_sign_in
from app.web.forms import SignInForm

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Wrong username or password, or the account is disabled."


def _attempted_username() -> str:
    return normalize_username(request.form.get("username", ""))[:64]


def _account_key() -> str:
    return "account:" + _attempted_username()


def _failed(response) -> bool:
    return response.status_code == 401


def _throttled(request_limit):
    with unit_of_work():
        audit("sign_in.throttled", target=_attempted_username(), details={"limit": str(request_limit.limit)})
    message = (f"Too many failed sign-ins ({request_limit.limit}). "
               "Wait a few minutes, then try again.")
    return make_response(render_template("auth/login.html", form=SignInForm(), error=message), 429)


def _sign_in_limit(setting, key_func):
    # Only failed attempts count: people who type their password right are never slowed down.
    return limiter.limit(lambda: current_app.config[setting], key_func=key_func, methods=["POST"],
                         deduct_when=_failed, on_breach=_throttled)


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
@_sign_in_limit("SIGN_IN_LIMIT_PER_ACCOUNT", _account_key)
@_sign_in_limit("SIGN_IN_LIMIT_PER_ADDRESS", get_remote_address)
def login():
    """The sign-in form; on success, where the visitor was going."""
    form = SignInForm(next=request.args.get("next", ""))
    if request.method == "GET" and not principal().is_anonymous:
        return redirect(safe_next_url(form.next.data))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200
    user = authenticate(db.session, form.username.data, form.password.data,
                        hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    if user is None:
        with unit_of_work():
            audit("sign_in.failed", target=_attempted_username())
        return render_template("auth/login.html", form=form, error=WRONG_CREDENTIALS), 401
    with unit_of_work():
        begin_sign_in(db.session, user, request.remote_addr, current_app.permanent_session_lifetime)
        g.principal = user_principal(user)
        audit("sign_in")
    session.clear()
    login_user(user)
    session.permanent = True
    return redirect(safe_next_url(form.next.data))


@bp.post("/logout")
@requires(ACCOUNT)
def logout():
    """Sign out of this browser: the sign-in ends on the server, so a copy of its cookie opens nothing either."""
    with unit_of_work():
        end_sign_in(db.session, current_user.sign_in_secret)
        audit("sign_out")
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
