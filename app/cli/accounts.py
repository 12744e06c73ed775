"""Commands over accounts: users and API tokens."""
from datetime import timedelta

import click
from flask import current_app

from app.cli import cli
from app.cli.common import fail, with_app_context
from app.cli.writing import writing
from app.extensions import db
from app.models.types import utc_now
from app.normalize import iso_utc
from app.services.accounts import (
    ROLES,
    AccountError,
    create_user,
    find_user,
    generate_password,
    list_users,
    normalize_username,
    set_password,
)
from app.services.audit import COMMAND_LINE, record
from app.services.tokens import create_token, get_token, list_tokens, revoke_token


@cli.group()
def users():
    """Manage the accounts that sign in to the dashboard."""


def _new_password(generate):
    if generate:
        return generate_password(), True
    return click.prompt("Password", hide_input=True, confirmation_prompt=True), False


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--generate", is_flag=True, help="Generate a random password and print it, instead of asking.")
@with_app_context
def create_user_command(username, role, generate):
    """Add an account; asks for its password (at least 12 characters)."""
    password, show = _new_password(generate)
    try:
        with writing():
            user = create_user(db.session, username, role, password,
                               hash_method=current_app.config["PASSWORD_HASH_METHOD"])
            record(db.session, COMMAND_LINE, "user.created", user.username, {"role": user.role})
    except AccountError as exc:
        fail(exc.message)
    click.echo(f"Created {user.username} ({user.role})." + (f" Password: {password}" if show else ""))


@users.command("set-password")
@click.argument("username")
@click.option("--generate", is_flag=True, help="Generate a random password and print it, instead of asking.")
@with_app_context
def set_password_command(username, generate):
    """Give an account a new password; its browsers are signed out."""
    user = _existing_user(username)
    password, show = _new_password(generate)
    try:
        with writing():
            set_password(db.session, user, password, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
            record(db.session, COMMAND_LINE, "user.password_changed", user.username)
    except AccountError as exc:
        fail(exc.message)
    click.echo(f"Changed the password of {user.username}." + (f" Password: {password}" if show else ""))


@users.command("list")
@with_app_context
def list_users_command():
    """Every account with its role and status."""
    for user in list_users(db.session):
        status = "disabled" if user.is_disabled else "enabled"
        click.echo(f"{user.username}\t{user.role}\t{status}")


def _existing_user(username):
    user = find_user(db.session, username)
    if user is None:
        fail(f"There is no user named {normalize_username(username)!r}.")
    return user


@cli.group()
def tokens():
    """Manage API tokens."""


@tokens.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--expires-in-days", type=click.IntRange(1, 3650), help="Lifetime in days; no expiry when omitted.")
@with_app_context
def create_token_command(name, role, expires_in_days):
    """Make a token and print it on stdout, this once (only its digest is stored)."""
    expires_at = utc_now() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        with writing():
            token, secret = create_token(db.session, name, role, expires_at=expires_at, created_by=COMMAND_LINE.name)
            record(db.session, COMMAND_LINE, "token.created", token.name, {"token": token.pk, "role": token.role})
    except AccountError as exc:
        fail(exc.message)
    click.echo(f"Token {token.pk} “{token.name}” ({token.role}); it is shown only now.", err=True)
    click.echo(secret)


@tokens.command("list")
@with_app_context
def list_tokens_command():
    """Every token: id, name, role, status, last use."""
    now = utc_now()
    for token in list_tokens(db.session):
        status = "revoked" if token.revoked_at else ("active" if token.is_usable(now) else "expired")
        last_used = iso_utc(token.last_used_at) if token.last_used_at else "never used"
        click.echo(f"{token.pk}\t{token.name}\t{token.role}\t{status}\t{last_used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@with_app_context
def revoke_token_command(token_id):
    """Revoke a token (by the id `tokens list` shows)."""
    with writing():
        token = get_token(db.session, token_id)
        if token is None:
            fail(f"There is no token {token_id}.")
        if revoke_token(db.session, token):
            record(db.session, COMMAND_LINE, "token.revoked", token.name, {"token": token.pk})
    click.echo(f"Token {token.pk} “{token.name}” is revoked.")
