"""Saved views: the state of the sessions or plugins list kept under a name, opened from the list."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for

from app.auth import audit, may, principal, requires
from app.database import unit_of_work
from app.extensions import db
from app.services.saved_views import PAGES, SavedViewError, delete_view, save_view
from app.web.forms import require_button_form

bp = Blueprint("views", __name__)


def _list_url(page: str, query: str = "") -> str:
    path = url_for(f"{page}.index")
    return f"{path}?{query}" if query else path


def _page() -> str:
    page = request.form.get("page", "")
    if page not in PAGES:
        abort(400, description=f"Views are saved from the {' and '.join(PAGES)} lists only.")
    return page


@bp.post("/views")
@requires("account")
def save():
    """Save the list's state (`query`) under `name`, for oneself or shared (`shared`, editors and admins)."""
    page = _page()
    query = urlsplit("?" + request.form.get("query", "")).query
    require_button_form()
    shared = request.form.get("shared") == "1" and may("editor")
    try:
        with unit_of_work():
            view = save_view(db.session, principal().user_pk, page, request.form.get("name", ""), query, shared)
            audit("view.saved", target=view.name, details={"page": page, "shared": shared})
    except SavedViewError as exc:
        flash(f"The view was not saved: {exc}", "error")
        return redirect(_list_url(page, query))
    flash(f"Saved the view “{view.name}”{' for everyone' if shared else ''}.", "message")
    return redirect(_list_url(page, query))


@bp.post("/views/<int:view_pk>/delete")
@requires("account")
def delete(view_pk):
    """Delete a view (one's own; an admin any); the message links to what it showed, to save it again."""
    require_button_form()
    try:
        with unit_of_work():
            view = delete_view(db.session, view_pk, principal().user_pk, may("admin"))
            audit("view.deleted", target=view.name, details={"page": view.page, "query": view.query})
    except SavedViewError as exc:
        abort(404, description=str(exc))
    flash(f"Deleted the view “{view.name}”. What it showed: {_list_url(view.page, view.query)}", "message")
    return redirect(_list_url(view.page, view.query))
