"""The HTML forms; each carries the CSRF token of Flask-WTF."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional

from app.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES
from app.services.tokens import MAX_NAME_LENGTH

ROLE_CHOICES = list(ROLES)
NEW_PASSWORD = [Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)]


class ButtonForm(FlaskForm):
    """A form that is only a button: its CSRF token is all it carries."""


class SignInForm(FlaskForm):
    """Username and password."""

    username = StringField("Username", validators=[InputRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


class NewUserForm(FlaskForm):
    """An account an admin adds; a blank password is generated and shown once."""

    username = StringField("Username", validators=[InputRequired(), Length(max=64)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    password = PasswordField("Password", validators=[Optional(), *NEW_PASSWORD],
                             description="Leave blank to generate one.")


class RoleForm(FlaskForm):
    """A user's new role."""

    role = SelectField("Role", choices=ROLE_CHOICES)


class PasswordForm(FlaskForm):
    """A signed-in user's new password."""

    current_password = PasswordField("Current password", validators=[InputRequired()])
    new_password = PasswordField("New password", validators=[InputRequired(), *NEW_PASSWORD])
    confirm = PasswordField("New password again",
                            validators=[InputRequired(), EqualTo("new_password", "The two passwords differ.")])


class NewTokenForm(FlaskForm):
    """A new API token: name, role and an optional lifetime."""

    name = StringField("Name", validators=[InputRequired(), Length(max=MAX_NAME_LENGTH)],
                       description="Who or what uses it, e.g. “nightly scan script”.")
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    expires_in_days = IntegerField("Expires after (days)", validators=[Optional(), NumberRange(min=1, max=3650)],
                                   description="Leave blank for a token that does not expire.")
