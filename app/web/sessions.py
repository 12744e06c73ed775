"""Sessions: the searchable, filterable list, one session's page, and the trash."""
from flask import Blueprint, abort, flash, redirect, url_for

from app.auth import audit, requires
from app.database import unit_of_work
from app.extensions import db
from app.list_params import SessionPageParams
from app.services.plugins import plugin_labels
from app.services.queries import FACETS, list_sessions, session_facets
from app.services.sessions import purge_session, restore_session, session_detail, trashed_sessions
from app.web.forms import ButtonForm
from app.web.rendering import list_params, render_page

bp = Blueprint("sessions", __name__)

# Field → (label, input type) of what the session page edits in place.
EDITABLE = {"name": ("Name", "text"), "artist": ("Artist", "text"), "project": ("Project", "text"),
            "key": ("Key", "text"), "bpm": ("BPM", "number"), "notes": ("Notes", "textarea")}
FACET_LABELS = {"artist": "Artist", "daw": "DAW", "tag": "Tag", "product": "Plugin", "vendor": "Plugin vendor",
                "format": "Plugin format"}


@bp.get("/sessions")
@requires("viewer")
def index():
    """Every live session, searched, filtered, faceted, sorted and paged by the query string."""
    query = list_params(SessionPageParams).session_query()
    return render_page("sessions/index.html", "results", query=query, page=list_sessions(db.session, query),
                       facets=session_facets(db.session, query), facet_labels=FACET_LABELS, facet_names=FACETS,
                       plugin_labels=plugin_labels(db.session, query.product))


@bp.get("/sessions/<session_id>")
@requires("viewer")
def show(session_id):
    """One session: metadata, tracks with their plugin chains, plugin usage and sources."""
    detail = session_detail(db.session, session_id)
    if detail is None:
        abort(404, description=f"No session has id {session_id!r}.")
    return render_page("sessions/show.html", "content", editable=EDITABLE, **detail)


@bp.get("/trash")
@requires("viewer")
def trash():
    """The sessions in the trash."""
    return render_page("sessions/trash.html", "content", sessions=trashed_sessions(db.session), form=ButtonForm())


@bp.post("/trash/<session_id>/restore")
@requires("editor")
def restore(session_id):
    """Take a session out of the trash."""
    if ButtonForm().validate_on_submit():
        with unit_of_work():
            restored = restore_session(db.session, session_id)
            if restored:
                audit("session.restored", target=session_id)
        flash("Restored the session." if restored else "That session is no longer in the trash.",
              "message" if restored else "error")
    return redirect(url_for("sessions.trash"))


@bp.post("/trash/<session_id>/purge")
@requires("admin")
def purge(session_id):
    """Delete a trashed session for good."""
    if ButtonForm().validate_on_submit():
        with unit_of_work():
            name = purge_session(db.session, session_id)
            if name is not None:
                audit("session.purged", target=session_id, details={"name": name})
        flash(f"Deleted “{name}” for good." if name is not None else "That session is no longer in the trash.",
              "message" if name is not None else "error")
    return redirect(url_for("sessions.trash"))
