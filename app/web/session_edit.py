"""Editing a session from its page: click-to-edit fields, tags, favourite, rating and flags.

Each edit is a PATCH that saves at once and answers with the region it changed.
"""
from datetime import datetime

from flask import abort, redirect, render_template, request, url_for

from app.auth import audit, requires
from app.database import unit_of_work
from app.extensions import db
from app.services.metadata import (TIMING, MetadataError, edit_credits, edit_tags, parse_change, reset_to_file_value,
                                   update_metadata)
from app.time_zones import wall_clock_to_utc
from app.services.sessions import session_detail
from app.services.templates import template_names
from app.web.rendering import WALL_CLOCK, is_fragment_request, viewer_zone
from app.web.sessions import EDITABLE, MUSICAL_KEYS, bp

FLAGS = ("is_favorite", "is_test", "is_complete")


def _detail(session_id):
    detail = session_detail(db.session, session_id)
    if detail is None:
        abort(404, description=f"No session has id {session_id!r}.")
    return detail


def _field(field):
    if field not in EDITABLE:
        abort(404, description=f"{field!r} is not an editable field.")
    return field


def _render_field(session_id, field, *, editing=False, saved=False, value=None, error=None, status=200):
    if not is_fragment_request() and request.method == "GET":
        return redirect(url_for("sessions.show", session_id=session_id))
    detail = _detail(session_id)
    # Back from its form, a field takes the focus again, so that the keyboard stays where it was.
    return render_template("sessions/_field.html", session=detail["session"], field=field, editable=EDITABLE,
                           musical_keys=MUSICAL_KEYS, editing=editing, saved=saved, value=value, error=error,
                           refocus=not editing,
                           template_names=template_names(db.session) if editing and field == "template" else ()), status


@bp.get("/sessions/<session_id>/fields/<field>")
@requires("viewer")
def field_view(session_id, field):
    """A field as shown (the edit form's Cancel)."""
    return _render_field(session_id, _field(field))


@bp.get("/sessions/<session_id>/fields/<field>/edit")
@requires("editor")
def field_form(session_id, field):
    """The form that edits one field."""
    return _render_field(session_id, _field(field), editing=True)


def _wall_clock_moment(typed: str) -> datetime:
    """A datetime-local field's value, a wall-clock time in the viewer's zone, as UTC; ValueError in words."""
    try:
        local = datetime.strptime(typed, WALL_CLOCK)
    except ValueError:
        raise ValueError("must be a date and time such as 2026-03-08 14:30") from None
    return wall_clock_to_utc(local, viewer_zone())


def _missing(session_id):
    abort(404, description=f"No live session has id {session_id!r}.")


def _save(session_id, values):
    """Validate and save `values`; the problems by field when refused."""
    try:
        change = parse_change(values)
        with unit_of_work():
            if not update_metadata(db.session, session_id, change):
                _missing(session_id)
            audit("session.edited", target=session_id, details={"fields": sorted(change.model_fields_set)})
    except MetadataError as exc:
        return dict(exc.problems)
    return None


@bp.patch("/sessions/<session_id>/fields/<field>")
@requires("editor")
def save_field(session_id, field):
    """Save one field; a refused value comes back in the form with the reason, and nothing is saved."""
    _field(field)
    raw = request.form.get("value", "")
    value = raw.strip() or None
    try:
        problems = _save(session_id, {field: _wall_clock_moment(value) if value and field in TIMING else value})
    except ValueError as exc:  # a wall-clock time that is not one, or that the clocks skip
        problems = {field: str(exc)}
    if problems:
        message = f"{EDITABLE[field][0]} {next(iter(problems.values()))}"
        return _render_field(session_id, field, editing=True, value=raw, error=message, status=422)
    return _render_field(session_id, field, saved=True)


@bp.post("/sessions/<session_id>/fields/<field>/reset")
@requires("editor")
def reset_field(session_id, field):
    """Give an edited field its file's value again; later ingests write the field again."""
    _field(field)
    with unit_of_work():
        reset = reset_to_file_value(db.session, session_id, field)
        if reset is None:
            _missing(session_id)
        if reset:
            audit("session.reset_to_file", target=session_id, details={"fields": [field]})
    if not is_fragment_request():
        return redirect(url_for("sessions.show", session_id=session_id))
    return _render_field(session_id, field, saved=reset)


def _render_region(session_id, template, saved=False, error=None, status=200, focus=None):
    detail = _detail(session_id)
    return render_template(template, saved=saved, error=error, focus=focus, **detail), status


@bp.patch("/sessions/<session_id>/tags")
@requires("editor")
def save_tags(session_id):
    """Add (`add`) or remove (`remove`) a tag, to or from the tags as they are when the change arrives."""
    return _edit_list(session_id, "tags", edit_tags, request.form.get("add"), request.form.get("remove"))


@bp.patch("/sessions/<session_id>/credits")
@requires("editor")
def save_credits(session_id):
    """Credit someone (`name` and `role`), or take a credit away (`remove_name` and `remove_role`)."""
    form = request.form
    added = {"name": form.get("name", ""), "role": form.get("role", "")} if "name" in form else None
    removed = {"name": form["remove_name"], "role": form.get("remove_role")} if "remove_name" in form else None
    return _edit_list(session_id, "credits", edit_credits, added, removed)


def _edit_list(session_id, field, edit, added, removed):
    """Add to or remove from the session's tags or credits with `edit`; their region, saved or with the reason."""
    template = f"sessions/_{field}.html"
    try:
        with unit_of_work():
            if edit(db.session, session_id, add=added, remove=removed) is None:
                _missing(session_id)
            audit("session.edited", target=session_id, details={"fields": [field]})
    except MetadataError as exc:
        return _render_region(session_id, template, error=exc.problems[0][1], status=422)
    return _render_region(session_id, template, saved=True)


@bp.patch("/sessions/<session_id>/flags")
@requires("editor")
def save_flags(session_id):
    """Set the favourite, test and complete flags (1 or 0) or the rating (like, dislike, none)."""
    values = {flag: request.form[flag] == "1" for flag in FLAGS if flag in request.form}
    if "rating" in request.form:
        values["rating"] = request.form["rating"]
    focus = next(iter(values), None)
    problems = _save(session_id, values)
    if problems:
        return _render_region(session_id, "sessions/_flags.html", error=next(iter(problems.values())), status=422,
                              focus=focus)
    return _render_region(session_id, "sessions/_flags.html", saved=True, focus=focus)
