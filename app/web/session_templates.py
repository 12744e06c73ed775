"""Templates: the registered ones with how many sessions each started, and (admins) registering, removing and
restoring them."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.extensions import db
from app.scanning.templates import register_template_folder
from app.services.templates import (MATCH_THRESHOLD, MIN_TRACKS, TemplateError, list_templates,
                                    register_session_as_template, set_template_removed, template_sessions)
from app.web.forms import TemplateFolderForm

bp = Blueprint("templates", __name__, url_prefix="/templates")


def _page(form, status=200):
    registered, removed = list_templates(db.session)
    counts = template_sessions(db.session, [template.name for template in registered + removed])
    return render_template("templates/index.html", registered=registered, removed=removed, counts=counts, form=form,
                           threshold=round(MATCH_THRESHOLD * 100), min_tracks=MIN_TRACKS), status


def _registered(registration) -> str:
    parts = [f"{len(names)} {what}" for names, what in ((registration.added, "registered"),
                                                        (registration.refreshed, "read again")) if names]
    sessions = registration.matched
    return (f"Templates: {', '.join(parts)}; {sessions} session{'' if sessions == 1 else 's'} "
            "without a template now carry the one their tracks match.")


@bp.get("")
@requires("viewer")
def index():
    """The registered templates, how many sessions carry each, and the removed ones."""
    return _page(TemplateFolderForm())


@bp.post("/folder")
@requires("admin")
def register_folder():
    """Register the templates a folder holds; the page again with the reason when it cannot."""
    form = TemplateFolderForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        with unit_of_work():
            done = register_template_folder(db.session, form.folder.data, current_app.config["ARCHIVE_ROOTS"],
                                            principal().name, current_app.config["SCAN_READ_SECONDS"])
            audit("template.registered", target=form.folder.data,
                  details={"added": done.registration.added, "read_again": done.registration.refreshed})
    except TemplateError as exc:
        form.folder.errors.append(str(exc))
        return _page(form, 422)
    flash(_registered(done.registration))
    for path, problem in done.problems:
        flash(f"Skipped {path}: {problem}.", "error")
    return redirect(url_for("templates.index"))


@bp.post("/from-session/<session_id>")
@requires("admin")
def register_session(session_id):
    """Register a session's tracks as a template (named in the form, else after the session)."""
    try:
        with unit_of_work():
            registration = register_session_as_template(db.session, session_id, request.form.get("name", ""),
                                                        principal().name)
            audit("template.registered", target=session_id,
                  details={"added": registration.added, "read_again": registration.refreshed})
    except TemplateError as exc:
        flash(f"Not registered: {exc}", "error")
        return redirect(url_for("sessions.show", session_id=session_id)), 303
    flash(_registered(registration))
    return redirect(url_for("templates.index")), 303


def _set_removed(template_id, removed):
    try:
        with unit_of_work():
            template = set_template_removed(db.session, template_id, removed)
            audit("template.removed" if removed else "template.restored", target=template.name)
    except TemplateError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{template.name}: {'removed; its sessions keep its name' if removed else 'restored'}.")
    return redirect(url_for("templates.index")), 303


@bp.post("/<template_id>/remove")
@requires("admin")
def remove(template_id):
    """Stop recognising sessions by a template (they keep its name); it waits among the removed ones."""
    return _set_removed(template_id, True)


@bp.post("/<template_id>/restore")
@requires("admin")
def restore(template_id):
    """Recognise sessions by a removed template again."""
    return _set_removed(template_id, False)
