"""Administration: users and their roles, and the audit log."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from app.auth import audit, requires
from app.database import unit_of_work
from app.extensions import db
from app.list_params import AuditParams
from app.models import User
from app.services.accounts import AccountError, create_user, generate_password, list_users, set_disabled, set_role
from app.services.audit import audit_actions, page_of_audit_entries, sessions_named_in
from app.services.bulk import page_count
from app.web.forms import ButtonForm, NewUserForm, RoleForm
from app.web.rendering import list_params

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 50


def _users_page(form, created=None, created_password=None):
    users = list_users(db.session)
    role_forms = {user.pk: RoleForm(formdata=None, role=user.role, prefix=f"user-{user.pk}") for user in users}
    return render_template("admin/users.html", users=users, form=form, role_forms=role_forms,
                           button_form=ButtonForm(), created=created, created_password=created_password)


def _user(user_pk) -> User:
    user = db.session.get(User, user_pk)
    if user is None:
        abort(404, description="There is no such user.")
    return user


@bp.get("/users")
@requires("admin")
def users():
    """Every account with its role and status, and a form for a new one."""
    return _users_page(NewUserForm())


@bp.post("/users")
@requires("admin")
def new_user():
    """Add an account; a generated password is shown this once."""
    form = NewUserForm()
    if not form.validate_on_submit():
        return _users_page(form), 422
    password = form.password.data or generate_password()
    try:
        with unit_of_work():
            user = create_user(db.session, form.username.data, form.role.data, password,
                               hash_method=current_app.config["PASSWORD_HASH_METHOD"])
            audit("user.created", target=user.username, details={"role": user.role})
    except AccountError as exc:
        getattr(form, exc.field or "username").errors.append(exc.message)
        return _users_page(form), 422
    page = _users_page(NewUserForm(formdata=None), created=user,
                       created_password=None if form.password.data else password)
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/users/<int:user_pk>/role")
@requires("admin")
def change_role(user_pk):
    """Give a user another role."""
    user = _user(user_pk)
    form = RoleForm(prefix=f"user-{user.pk}")
    if not form.validate_on_submit():
        flash("Choose one of the roles.", "error")
    elif form.role.data != user.role:
        try:
            with unit_of_work():
                old = set_role(db.session, user, form.role.data)
                audit("user.role_changed", target=user.username, details={"from": old, "to": user.role})
        except AccountError as exc:
            flash(exc.message, "error")
        else:
            flash(f"{user.username} is now {user.role}.")
    return redirect(url_for("admin.users"))


def _set_disabled(user_pk, disabled):
    user = _user(user_pk)
    if ButtonForm().validate_on_submit():
        try:
            with unit_of_work():
                set_disabled(db.session, user, disabled)
                audit("user.disabled" if disabled else "user.enabled", target=user.username)
        except AccountError as exc:
            flash(exc.message, "error")
        else:
            flash(f"{user.username} is {'disabled' if disabled else 'enabled'}.")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_pk>/disable")
@requires("admin")
def disable_user(user_pk):
    """Disable an account: it cannot sign in, and its browsers are signed out."""
    return _set_disabled(user_pk, True)


@bp.post("/users/<int:user_pk>/enable")
@requires("admin")
def enable_user(user_pk):
    """Let a disabled account sign in again."""
    return _set_disabled(user_pk, False)


@bp.get("/audit")
@requires("admin")
def audit_log():
    """The audit log, newest first, a page at a time, optionally one action only."""
    params = list_params(AuditParams)
    page, action = params.page, params.action or None
    entries, total = page_of_audit_entries(db.session, page=page, per_page=AUDIT_PAGE_SIZE, action=action)
    pages = page_count(total, AUDIT_PAGE_SIZE)
    return render_template("admin/audit.html", entries=entries, total=total, page=page, pages=pages, action=action,
                           actions=audit_actions(db.session), session_names=sessions_named_in(db.session, entries))
