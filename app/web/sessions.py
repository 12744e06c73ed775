"""Sessions: the searchable, filterable list, one session's page, and the trash."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for

from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.extensions import db
from app.list_params import SESSION_COLUMNS, SessionPageParams
from app.services.bulk import page_count
from app.services.plugins import plugin_labels
from app.services.facets import session_facets, with_stored_spellings
from app.services.queries import FACETS, PAGE_SIZES, count_sessions, list_sessions
from app.services.attachments import KINDS, hashes_of_session, is_playable, remove_unreferenced, session_attachments
from app.services.activities import work_log
from app.services.events import session_timeline
from app.services.saved_views import saved_views
from app.services.sessions import purge_session, restore_session, session_detail, trash_session, trashed_sessions
from app.web.forms import ButtonForm
from app.web.rendering import links_lead_to, list_params, render_page

bp = Blueprint("sessions", __name__)

# Field → (label, input type) of what the session page edits in place.
EDITABLE = {"name": ("Name", "text"), "artist": ("Artist", "text"), "project": ("Project", "text"),
            "key": ("Key", "text"), "bpm": ("BPM", "number"), "notes": ("Notes", "textarea"),
            "template": ("Template", "text"), "started_at": ("Started", "datetime-local"),
            "ended_at": ("Ended", "datetime-local")}
# The 24 keys the key field offers; any other text is still accepted.
MUSICAL_KEYS = ("C", "Cm", "Db", "C#m", "D", "Dm", "Eb", "Ebm", "E", "Em", "F", "Fm", "F#", "F#m", "G", "Gm", "Ab", "G#m",
                "A", "Am", "Bb", "Bbm", "B", "Bm")
FACET_LABELS = {"artist": "Artist", "daw": "DAW", "template": "Template", "tag": "Tag", "person": "Person",
                "role": "Credited role", "product": "Plugin",
                "vendor": "Plugin vendor", "format": "Plugin format"}


@bp.get("/sessions")
@requires("viewer")
def index():
    """Every live session, searched, filtered, sorted and paged by the query string; the facets load after."""
    params = list_params(SessionPageParams)
    query = with_stored_spellings(db.session, params.session_query())
    page = list_sessions(db.session, query, current_app.config["COUNT_LATER_ABOVE"])
    return render_page("sessions/index.html", "results", query=query, page=page,
                       facet_labels=FACET_LABELS, facet_names=FACETS, columns=params.columns,
                       all_columns=SESSION_COLUMNS, page_sizes=PAGE_SIZES,
                       views=saved_views(db.session, principal().user_pk, "sessions"),
                       plugin_labels=plugin_labels(db.session, query.product))


@bp.get("/sessions/facets")
@requires("viewer")
def facets():
    """The facets of the sessions list the same query string shows: each one's most common values, with counts."""
    params = list_params(SessionPageParams)
    query = with_stored_spellings(db.session, params.session_query())
    links_lead_to("sessions.index")
    return render_page("sessions/facets.html", "panel", query=query,
                       facets=session_facets(db.session, query, params.expand), expand=params.expand,
                       facet_labels=FACET_LABELS, facet_names=FACETS,
                       plugin_labels=plugin_labels(db.session, query.product))


@bp.get("/sessions/count")
@requires("viewer")
def count():
    """How many sessions the list of the same query string holds: what the list loads after its rows when counting
    them takes longer than showing them."""
    query = with_stored_spellings(db.session, list_params(SessionPageParams).session_query())
    total = count_sessions(db.session, query)
    return render_page("sessions/count.html", "count", total=total, pages=page_count(total, query.page_size))


@bp.get("/sessions/<session_id>")
@requires("viewer")
def show(session_id):
    """One session: metadata, its timeline, tracks with their plugin chains, plugin usage, media files and
    sources."""
    detail = session_detail(db.session, session_id)
    if detail is None:
        abort(404, description=f"No session has id {session_id!r}.")
    attachments = session_attachments(db.session, detail["session"].pk)
    return render_page("sessions/show.html", "content", editable=EDITABLE, musical_keys=MUSICAL_KEYS,
                       form=ButtonForm(), timeline=session_timeline(db.session, session_id),
                       log=work_log(db.session, session_id), attachments=attachments,
                       playable={a.id for a in attachments if is_playable(a)}, kinds=KINDS,
                       max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"], **detail)


@bp.get("/trash")
@requires("viewer")
def trash():
    """The sessions in the trash."""
    return render_page("sessions/trash.html", "content", sessions=trashed_sessions(db.session), form=ButtonForm())


@bp.post("/sessions/<session_id>/trash")
@requires("editor")
def move_to_trash(session_id):
    """Move a session to the trash; its page then says so and offers to restore it."""
    if ButtonForm().validate_on_submit():
        with unit_of_work():
            trashed = trash_session(db.session, session_id)
            if trashed:
                audit("session.trashed", target=session_id)
        flash("Moved the session to the trash: Restore brings it back." if trashed else
              "That session is already in the trash.", "message" if trashed else "error")
    return redirect(url_for("sessions.show", session_id=session_id))


@bp.post("/trash/<session_id>/restore")
@requires("editor")
def restore(session_id):
    """Take a session out of the trash, then go back to the trash or to the session's page (`then=session`)."""
    if ButtonForm().validate_on_submit():
        with unit_of_work():
            restored = restore_session(db.session, session_id)
            if restored:
                audit("session.restored", target=session_id)
        flash("Restored the session." if restored else "That session is no longer in the trash.",
              "message" if restored else "error")
    if request.form.get("then") == "session":
        return redirect(url_for("sessions.show", session_id=session_id))
    return redirect(url_for("sessions.trash"))


@bp.post("/trash/<session_id>/purge")
@requires("admin")
def purge(session_id):
    """Delete a trashed session for good."""
    if ButtonForm().validate_on_submit():
        with unit_of_work():
            attached = hashes_of_session(db.session, session_id)
            name = purge_session(db.session, session_id)
            if name is not None:
                audit("session.purged", target=session_id, details={"name": name})
        remove_unreferenced(db.session, current_app.config["ATTACHMENT_DIR"], attached)
        flash(f"Deleted “{name}” for good." if name is not None else "That session is no longer in the trash.",
              "message" if name is not None else "error")
    return redirect(url_for("sessions.trash"))
