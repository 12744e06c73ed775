"""The HTML forms; each carries the CSRF token of Flask-WTF."""
from functools import lru_cache

from flask import abort
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, FieldList, FloatField, Form, FormField, HiddenField, IntegerField,
                     PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError
from markupsafe import Markup, escape
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from app.file_paths import real_path
from app.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES
from app.services.tokens import MAX_NAME_LENGTH
from app.time_zones import zone_names
from app.wire import MAX_TRACKS

ROLE_CHOICES = list(ROLES)
TRACK_TYPES = ("audio", "midi", "instrument", "aux", "folder", "vca", "master")
# The longest name of one file or folder that file systems allow.
MAX_NAME_BYTES = 255
NEW_PASSWORD = [Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)]


class ButtonForm(FlaskForm):
    """A form that is only a button: its CSRF token is all it carries."""


def require_button_form() -> None:
    """400 unless the request carries the page's CSRF token: without it the form is stale or forged."""
    if not ButtonForm().validate_on_submit():
        abort(400, description="The form has expired: reload the page and try again.")


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


class ManyOptionsSelect(Select):
    """A select of a long, fixed list (the time zones), each option's HTML made once per process: rendered one by one,
    the 600 zones took most of the settings page's time."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        options = "".join(_option_html(value, label, value == field.data) for value, label in field.choices)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


@lru_cache(maxsize=2048)
def _option_html(value: str, label: str, selected: bool) -> str:
    return f"<option {html_params(value=value, selected=selected)}>{escape(label)}</option>"


class TimeZoneForm(FlaskForm):
    """The zone a person sees and types times in; blank: the server's."""

    time_zone = SelectField("Time zone", validate_choice=True, widget=ManyOptionsSelect(),
                            description="Times on every page are shown in this zone, and the times you type are "
                                        "read in it; they are stored in UTC.")

    def __init__(self, server_zone: str, **kwargs):
        super().__init__(**kwargs)
        self.time_zone.choices = [("", f"The server's ({server_zone})"), *((name, name) for name in zone_names())]


class NewTokenForm(FlaskForm):
    """A new API token: name, role and an optional lifetime."""

    name = StringField("Name", validators=[InputRequired(), Length(max=MAX_NAME_LENGTH)],
                       description="Who or what uses it, e.g. “nightly scan script”.")
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")
    expires_in_days = IntegerField("Expires after (days)", validators=[Optional(), NumberRange(min=1, max=3650)],
                                   description="Leave blank for a token that does not expire.")


class TemplateFolderForm(FlaskForm):
    """A folder of template files on the server."""

    folder = StringField("Templates folder", validators=[InputRequired(), Length(max=4096)],
                         description="A folder on the server (inside the archive roots when there are any), such as "
                                     "REAPER's ProjectTemplates or a folder of Pro Tools .ptxt files. Each session "
                                     "file below it becomes a template named after the file.")


class StartScanForm(FlaskForm):
    """What an archive scan reads: some of the archive roots, or one folder inside them, and maybe backups."""

    roots = SelectMultipleField("Archive roots", choices=[], widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())
    folder = StringField("Only this folder", validators=[Optional(), Length(max=4096)],
                         description="A folder inside one of the roots, to scan just that part of the archive. "
                                     "Leave blank to scan the roots ticked above.")
    backups = BooleanField("Also read backups and autosaves",
                           description="They are skipped otherwise: they mostly repeat the session beside them.")

    def __init__(self, archive_roots, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roots.choices = [(str(root), str(root)) for root in archive_roots]

    def validate(self, extra_validators=None) -> bool:
        """The fields, and at least one root ticked or a folder named."""
        if not super().validate(extra_validators):
            return False
        if not self.roots.data and not (self.folder.data or "").strip():
            self.roots.errors.append("Tick at least one archive root, or name a folder to scan.")
            return False
        folder = self.folder.data or ""
        if "\x00" in folder:
            self.folder.errors.append("A folder's path cannot hold a NUL character.")
            return False
        if any(len(part.encode()) > MAX_NAME_BYTES for part in folder.replace("\\", "/").split("/")):
            self.folder.errors.append(f"No folder's name is longer than {MAX_NAME_BYTES} bytes: check the path.")
            return False
        return True

    def paths(self) -> list[str]:
        """The paths to scan: the folder when one is named (typed as the pages show paths), else the ticked roots."""
        folder = (self.folder.data or "").strip()
        return [real_path(folder)] if folder else list(self.roots.data)


class _InWords:
    """A field whose refusal of what was typed is said in words of its own, not the form library's."""

    refusal = ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.refusal) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.refusal) from None


class WholeNumberField(_InWords, IntegerField):
    refusal = "Type a whole number, such as 48000."


class NumberField(_InWords, FloatField):
    refusal = "Type a number, such as 120 or 92.5."


class ChoiceField(_InWords, SelectField):
    refusal = "Choose one of the listed values."


class TrackRowForm(Form):
    """One track of the manual entry form; its plugins one per line as name | vendor | version | format."""

    name = StringField("Track name")
    type = ChoiceField("Type", choices=[SelectChoice("", "—"), *(SelectChoice(kind) for kind in TRACK_TYPES)],
                       default="")
    plugins = TextAreaField("Plugins, in slot order")


class NewSessionForm(FlaskForm):
    """A session entered by hand. The form reads the values' types; the wire format's rules then judge them."""

    name = StringField("Name")
    artist = StringField("Artist")
    project = StringField("Project")
    daw = SelectField("DAW", choices=[], validate_choice=False)
    date = DateField("Date", validators=[Optional()])
    time = TimeField("Time (UTC)", validators=[Optional()], description="Leave it empty when only the day is known.")
    sample_rate = WholeNumberField("Sample rate (Hz)", validators=[Optional()])
    bpm = NumberField("BPM", validators=[Optional()])
    key = StringField("Key")
    tags = StringField("Tags", description="Separated by commas.")
    notes = TextAreaField("Notes")
    track = FieldList(FormField(TrackRowForm), max_entries=MAX_TRACKS)


class SourceForm(FlaskForm):
    """A remote Session Stats server to pull sessions from; the token is never shown again once stored."""

    name = StringField("Name", validators=[InputRequired(), Length(max=100)],
                       description="How this server calls it, e.g. b-room: letters, digits, '.', '_' or '-'.")
    base_url = StringField("Address", validators=[InputRequired(), Length(max=2000)],
                           description="The remote server's address, e.g. https://b-room.studio.lan:8000.")
    token = PasswordField("API token", validators=[Optional(), Length(max=500)],
                          description="A viewer token made on the remote server (API tokens there), stored "
                                      "encrypted. When changing a source, leave it blank to keep the one stored.")
    webhook_secret = PasswordField("Webhook secret", validators=[Optional(), Length(max=500)],
                                   description="Optional: the whsec_… secret of the remote's webhook subscription "
                                               "to this server, so that its webhooks start a sync here.")
    artist = StringField("Only artist", validators=[Optional(), Length(max=1000)])
    tag = StringField("Only tag", validators=[Optional(), Length(max=1000)])
    daw = StringField("Only DAW", validators=[Optional(), Length(max=1000)])
    every_minutes = IntegerField("Sync every (minutes)", validators=[Optional(), NumberRange(min=1, max=10080)],
                                 description="Leave blank to sync only when asked (a button, its webhook, "
                                             "`session-stats sources sync`).")

    def filters(self) -> dict:
        """The artist, tag and DAW given."""
        return {name: getattr(self, name).data for name in ("artist", "tag", "daw") if getattr(self, name).data}


class WebhookForm(FlaskForm):
    """Where webhooks go and for which events."""

    url = StringField("Address", validators=[InputRequired(), Length(max=2000)],
                      description="Where to POST, e.g. https://main.studio.lan/api/webhooks/sources/b-room.")
    events = SelectMultipleField("Events", choices=[], widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), validators=[InputRequired("Tick at least one event.")])

    def __init__(self, events, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [(event, event) for event in events]


class InventoryUploadForm(FlaskForm):
    """An inventory file as `session-stats inventory collect` writes it, and the machine it is of."""

    inventory = FileField("Inventory file", validators=[FileRequired("Choose an inventory file (.json).")],
                          description="The JSON file session-stats inventory collect wrote on the machine.")
    machine = StringField("Machine name", validators=[Optional(), Length(max=200)],
                          description="Leave empty to use the name in the file.")
