"""Entering a session by hand: session fields, and rows for tracks with their plugins."""
import re
from datetime import datetime, time

from flask import abort, redirect, render_template, request, url_for
from pydantic import ValidationError

from app.auth import audit, requires
from app.database import unit_of_work
from app.extensions import db
from app.list_params import TrackRowParams
from app.models.types import utc_now
from app.extractors.vocabulary import DAW_NAMES, PLUGIN_FORMATS, plugin_format
from app.services.hook_runs import run_hooks_on_ingested
from app.services.ingest import IngestError, ingest_sessions
from app.services.facets import common_values
from app.services.sessions import KNOWN_TAGS
from app.web.forms import TRACK_TYPES, NewSessionForm, TrackRowForm
from app.web.rendering import list_params
from app.web.sessions import MUSICAL_KEYS, bp
from app.wire import MAX_TRACKS, SessionStatsSession, problem_message

TRACK_FIELD = re.compile(r"track-([^-]*)-")
TEXT_FIELDS = ("name", "artist", "project", "daw", "key", "notes")
# The parts of a plugin line, in order.
PLUGIN_LINE = ("name", "vendor", "version", "format")
# Wire fields whose form field has another name.
FORM_FIELDS = {"sampleRate": "sample_rate", "createdAt": "date"}


def _refuse_odd_track_numbers(form) -> None:
    """Track rows are numbered 0-9999 in digits 0-9: WTForms would read '²' or 5,000 digits as a number and fail."""
    for key in form:
        match = TRACK_FIELD.match(key)
        if match and not (match[1].isascii() and match[1].isdigit() and int(match[1][:5]) < MAX_TRACKS):
            abort(400, description=f"Track rows are numbered from 0 to {MAX_TRACKS - 1:,}; {key[:40]}… is not.")


def _plugin(line: str) -> tuple[dict, str | None]:
    """The plugin a line names (name | vendor | version | format), and what is wrong with the line, if anything."""
    parts = [part.strip() or None for part in line.split("|")]
    plugin = {key: value for key, value in zip(PLUGIN_LINE, parts) if value is not None}
    plugin.setdefault("name", "")
    if len(parts) > len(PLUGIN_LINE):
        return plugin, (f"has {len(parts)} parts; a plugin line has at most {len(PLUGIN_LINE)}: "
                        f"{' | '.join(PLUGIN_LINE)}")
    if "format" in plugin:
        known = plugin_format(plugin["format"])
        if known is None:
            return plugin, f"{plugin['format']!r} is not a plugin format; use one of {', '.join(PLUGIN_FORMATS)}"
        plugin["format"] = known
    return plugin, None


def _track(row) -> dict:
    plugins = []
    for number, line in enumerate((row.plugins.data or "").splitlines(), start=1):
        if line.strip():
            plugin, problem = _plugin(line)
            if problem:
                row.plugins.errors.append(f"Line {number}: {problem}.")
            plugins.append(plugin)
    return {"name": (row.name.data or "").strip(), **({"type": row.type.data} if row.type.data else {}),
            "plugins": plugins}


def _wire_session(form: NewSessionForm) -> dict:
    """The wire session the form's values describe, for the wire format's rules to judge; what the rules cannot
    judge (a DAW not in the list, a plugin line's shape) is marked on the form's fields."""
    session = {name: form[name].data.strip() for name in TEXT_FIELDS if (form[name].data or "").strip()}
    session["name"] = (form.name.data or "").strip()
    if session.get("daw") and session["daw"] not in dict(form.daw.choices):
        form.daw.errors = ["Choose a DAW from the list: a new spelling would count as another DAW."]
    if form.sample_rate.data is not None:
        session["sampleRate"] = form.sample_rate.data
    if form.bpm.data is not None:
        session["bpm"] = form.bpm.data
    if form.date.data is not None:
        session["createdAt"] = datetime.combine(form.date.data, form.time.data or time()).isoformat() + "Z"
        if form.time.data is None:
            session["attributes"] = {"created_at_precision": "day"}
    tags = [tag for tag in (form.tags.data or "").split(",") if tag.strip()]
    if tags:
        session["tags"] = tags
    session["tracks"] = [_track(row.form) for row in form.track.entries]
    session["sources"] = [{"type": "manual", "ingestedAt": utc_now().isoformat()}]
    return session


def _add_error(form: NewSessionForm, error: dict) -> None:
    """Put a wire-format problem beside the form field it concerns."""
    loc = error["loc"]
    if loc[0] == "tracks" and len(loc) > 2:
        row = form.track.entries[loc[1]].form
        if loc[2] == "plugins" and len(loc) > 3:
            row.plugins.errors.append(f"Line {loc[3] + 1}: the {loc[-1]} {problem_message(error)}.")
        else:
            row[loc[2]].errors.append(problem_message(error))
    else:
        field = form[FORM_FIELDS.get(loc[0], loc[0])]
        if not field.errors:
            field.errors = [problem_message(error)]


def _form(**kwargs) -> NewSessionForm:
    form = NewSessionForm(**kwargs)
    daws = sorted({*DAW_NAMES, *common_values(db.session, "daw")}, key=str.casefold)
    form.daw.choices = [("", "—"), *((daw, daw) for daw in daws)]
    return form


def _render_form(form: NewSessionForm, status: int = 200):
    if not form.track.entries:
        form.track.append_entry()
    return render_template("sessions/new.html", form=form, next_index=form.track.last_index + 1,
                           track_types=TRACK_TYPES, musical_keys=MUSICAL_KEYS,
                           known_tags=common_values(db.session, "tag", KNOWN_TAGS)), status


@bp.get("/sessions/new")
@requires("editor")
def new():
    """The manual entry form, with one empty track row."""
    return _render_form(_form(formdata=None))


@bp.get("/sessions/new/track")
@requires("editor")
def new_track_row():
    """One more empty track row (and the Add button that makes the next)."""
    index = list_params(TrackRowParams).index
    return render_template("sessions/_track_row.html", row=TrackRowForm(prefix=f"track-{index}"),
                           prefix=f"track-{index}", next_index=index + 1, with_button=True)


@bp.post("/sessions/new")
@requires("editor")
def create():
    """Validate the form on the server; a valid session is ingested with source type manual."""
    _refuse_odd_track_numbers(request.form)
    form = _form()
    # Both judge every field, so that one answer names every mistake.
    acceptable = form.validate_on_submit()
    session = _wire_session(form)
    # WTForms keeps the errors it found in validation; those marked since are on the fields.
    acceptable = acceptable and not form.daw.errors and not any(row.plugins.errors for row in form.track)
    try:
        valid = SessionStatsSession.model_validate(session)
    except ValidationError as exc:
        for error in exc.errors():
            _add_error(form, error)
        acceptable = False
    if not acceptable:
        return _render_form(form, 422)
    try:
        with unit_of_work():
            result = ingest_sessions(db.session, [valid])
            session_id = (result.inserted or result.updated)[0]
            audit("session.created", target=session_id, details={"name": session["name"]})
    except IngestError as exc:
        form.name.errors = [exc.message]
        return _render_form(form, 422)
    run_hooks_on_ingested(db.session, [session_id])
    return redirect(url_for("sessions.show", session_id=session_id))
