"""A user's own settings (time zone, password) and, for admins, the API tokens."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth import ACCOUNT, audit, principal, requires
from app.database import unit_of_work
from app.extensions import db
from app.models.types import utc_now
from app.services.accounts import AccountError, password_matches, set_password, set_time_zone
from app.services.tokens import create_token, get_token, list_tokens, revoke_token
from app.web.forms import ButtonForm, NewTokenForm, PasswordForm, TimeZoneForm

bp = Blueprint("settings", __name__, url_prefix="/settings")


def _settings_page(form=None, zone_form=None):
    user = current_user._get_current_object()
    server_zone = current_app.config["TIME_ZONE"]
    return render_template("settings/index.html", user=user, form=form or PasswordForm(),
                           zone_form=zone_form or TimeZoneForm(server_zone, time_zone=user.time_zone or ""))


@bp.get("")
@requires(ACCOUNT)
def index():
    """The signed-in user's account, time zone and password forms."""
    return _settings_page()


@bp.post("/time-zone")
@requires(ACCOUNT)
def change_time_zone():
    """Set the zone the signed-in user sees and types times in."""
    user = current_user._get_current_object()
    form = TimeZoneForm(current_app.config["TIME_ZONE"])
    if not form.validate_on_submit():
        return _settings_page(zone_form=form), 422
    with unit_of_work():
        set_time_zone(db.session, user, form.time_zone.data or None)
        audit("user.time_zone_changed", target=user.username, details={"time_zone": user.time_zone})
    flash(f"Times are now shown in {user.time_zone or 'the server’s zone, ' + current_app.config['TIME_ZONE']}.")
    return redirect(url_for("settings.index"))


@bp.post("/password")
@requires(ACCOUNT)
def change_password():
    """Set a new password; other browsers signed in as this user are signed out."""
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate_on_submit():
        if not password_matches(user, form.current_password.data):
            form.current_password.errors.append("This is not your current password.")
            return _settings_page(form=form), 422
        with unit_of_work():
            set_password(db.session, user, form.new_password.data,
                         hash_method=current_app.config["PASSWORD_HASH_METHOD"], keep_sign_in=user.sign_in_secret)
            audit("user.password_changed", target=user.username)
        flash("Password changed. Other browsers signed in as you have been signed out.")
        return redirect(url_for("settings.index"))
    return _settings_page(form=form), 422


def _tokens_page(form, new_secret=None, new_token=None):
    return render_template("settings/tokens.html", tokens=list_tokens(db.session), form=form, revoke_form=ButtonForm(),
                           new_secret=new_secret, new_token=new_token, now=utc_now())


@bp.get("/tokens")
@requires("admin")
def tokens():
    """The API tokens and a form for a new one."""
    return _tokens_page(NewTokenForm())


@bp.post("/tokens")
@requires("admin")
def new_token():
    """Create a token and show its secret, this once."""
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form), 422
    expires_at = utc_now() + timedelta(days=form.expires_in_days.data) if form.expires_in_days.data else None
    try:
        with unit_of_work():
            token, secret = create_token(db.session, form.name.data, form.role.data, expires_at=expires_at,
                                         created_by=principal().name)
            audit("token.created", target=token.name, details={"token": token.pk, "role": token.role})
    except AccountError as exc:
        getattr(form, exc.field, form.name).errors.append(exc.message)
        return _tokens_page(form), 422
    page = _tokens_page(NewTokenForm(formdata=None), new_secret=secret, new_token=token)
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/tokens/<int:token_pk>/revoke")
@requires("admin")
def revoke(token_pk):
    """Revoke a token: API calls with it are refused from now on."""
    if get_token(db.session, token_pk) is None:
        abort(404, description="There is no such token.")
    if ButtonForm().validate_on_submit():
        with unit_of_work():
            token = get_token(db.session, token_pk)
            revoked = revoke_token(db.session, token)
            if revoked:
                audit("token.revoked", target=token.name, details={"token": token.pk})
        if revoked:
            flash(f"Revoked the token “{token.name}”.")
    return redirect(url_for("settings.tokens"))
