"""Entering a session by hand: session fields, and rows for tracks with their plugins."""
import re
from datetime import datetime, time

from flask import abort, redirect, render_template, request, url_for
from pydantic import ValidationError

from app.auth import audit, requires
from app.database import unit_of_work
from app.extensions import db
from app.models.types import utc_now
from app.services.ingest import IngestError, ingest_sessions
from app.web.sessions import bp
from app.list_params import TrackRowParams
from app.web.rendering import list_params
from app.wire import MAX_TRACKS, SessionStatsSession, problem_message

TRACK_FIELD = re.compile(r"track-([0-9]+)-(name|type|plugins)")
TRACK_TYPES = ("audio", "midi", "instrument", "aux", "folder", "vca", "master")
TEXT_FIELDS = ("name", "artist", "project", "daw", "key", "notes")


def _tracks_from(form) -> list[dict]:
    rows = {}
    for key, value in form.items():
        match = TRACK_FIELD.fullmatch(key)
        if match:
            if len(match[1]) > len(str(MAX_TRACKS)) or int(match[1]) >= MAX_TRACKS:
                abort(400, description=f"Track rows are numbered from 0 to {MAX_TRACKS - 1:,}; {key[:40]}… is not.")
            rows.setdefault(int(match[1]), {"index": int(match[1])})[match[2]] = value.strip()
    return [rows[i] for i in sorted(rows)]


def _plugin(line: str) -> dict:
    parts = [part.strip() or None for part in line.split("|")] + [None] * 4
    name, vendor, version, plugin_format = parts[:4]
    return {k: v for k, v in (("name", name or ""), ("vendor", vendor), ("version", version),
                              ("format", plugin_format)) if v is not None}


def _number(form, name, kind, errors):
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        errors[name] = "Enter a number." if kind is float else "Enter a whole number."
        return None


def session_from_form(form) -> tuple[dict, list[dict], dict]:
    """The wire session a form describes, its track rows, and the problems found so far (by form field)."""
    errors = {}
    session = {name: form.get(name, "").strip() for name in TEXT_FIELDS if form.get(name, "").strip()}
    session["name"] = form.get("name", "").strip()
    for name, kind in (("sample_rate", int), ("bpm", float)):
        value = _number(form, name, kind, errors)
        if value is not None:
            session["sampleRate" if name == "sample_rate" else name] = value
    if form.get("date", "").strip():
        try:
            day = datetime.fromisoformat(form["date"].strip())
            session["createdAt"] = datetime.combine(day.date(), time(12)).isoformat() + "Z"
        except ValueError:
            errors["date"] = "Enter a date such as 2024-05-31."
    tags = [tag.strip() for tag in form.get("tags", "").split(",") if tag.strip()]
    if tags:
        session["tags"] = tags
    rows = _tracks_from(form)
    session["tracks"] = [
        {"name": row.get("name", ""), **({"type": row["type"]} if row.get("type") else {}),
         "plugins": [_plugin(line) for line in row.get("plugins", "").splitlines() if line.strip()]}
        for row in rows
    ]
    session["sources"] = [{"type": "manual", "ingestedAt": utc_now().isoformat()}]
    return session, rows, errors


def _form_field(loc, rows) -> str:
    if loc[0] == "tracks" and len(loc) > 2:
        index = rows[loc[1]]["index"]
        return f"track-{index}-{'plugins' if loc[2] == 'plugins' else loc[2]}"
    return {"sampleRate": "sample_rate", "createdAt": "date"}.get(loc[0], loc[0])


def _message(error, loc) -> str:
    if loc[0] == "tracks" and len(loc) > 3 and loc[2] == "plugins":
        return f"Line {loc[3] + 1}: {problem_message(error)} ({loc[-1]})"
    return problem_message(error)


@bp.get("/sessions/new")
@requires("editor")
def new():
    """The manual entry form, with one empty track row."""
    return render_template("sessions/new.html", form={}, rows=[{"index": 0}], errors={}, next_index=1,
                           track_types=TRACK_TYPES)


@bp.get("/sessions/new/track")
@requires("editor")
def new_track_row():
    """One more empty track row (and the Add button that makes the next)."""
    index = list_params(TrackRowParams).index
    return render_template("sessions/_track_row.html", row={"index": index}, errors={}, next_index=index + 1,
                           track_types=TRACK_TYPES, with_button=True)


@bp.post("/sessions/new")
@requires("editor")
def create():
    """Validate the form on the server; a valid session is ingested with source type manual."""
    session, rows, errors = session_from_form(request.form)
    try:
        valid = SessionStatsSession.model_validate(session)
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(_form_field(error["loc"], rows), _message(error, error["loc"]))
    if not errors:
        try:
            with unit_of_work():
                result = ingest_sessions(db.session, [valid])
                session_id = (result.inserted or result.updated)[0]
                audit("session.created", target=session_id, details={"name": session["name"]})
        except IngestError as exc:
            errors["name"] = exc.message
    if errors:
        return render_template("sessions/new.html", form=request.form, rows=rows or [{"index": 0}], errors=errors,
                               next_index=max([r["index"] for r in rows] + [0]) + 1, track_types=TRACK_TYPES), 422
    return redirect(url_for("sessions.show", session_id=session_id))
