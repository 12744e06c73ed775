"""Bulk actions from the sessions list and the trash: the rows chosen (or every session the list matches) changed
in one request, one transaction and one audit entry, with a summary that offers to undo it."""
from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, jsonify, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from app.auth import audit, requires
from app.database import unit_of_work
from app.extensions import db
from app.list_params import SessionPageParams
from app.params import ParamsError, parse_query
from app.services.audit import audit_entry, entry_followed_by
from app.services.bulk_edit import BulkEditError, bulk_edit, sessions_by_id, sessions_matching, undo_bulk_edit
from app.services.facets import with_stored_spellings
from app.services.sessions import sessions_in_wire_format
from app.web.forms import require_button_form
from app.web.sessions import bp

BULK = "sessions.bulk"
BULK_UNDONE = "sessions.bulk_undone"
# What the summary says each action did, with the tag when it has one.
DONE = {"add_tag": "Tagged {n} “{tag}”", "remove_tag": "Took the tag “{tag}” off {n}", "favourite": "Starred {n}",
        "unfavourite": "Unstarred {n}", "test": "Marked {n} as tests", "not_test": "Marked {n} as not tests",
        "complete": "Marked {n} complete", "not_complete": "Marked {n} not complete", "trash": "Moved {n} to the trash",
        "restore": "Restored {n}"}


def _back() -> str:
    """The list to return to: the page the form was on, never another site."""
    back = request.form.get("back", "")
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or not parts.path.startswith(("/sessions", "/trash")):
        return url_for("sessions.index")
    return back


def _chosen_sessions(action: str) -> list[int]:
    if request.form.get("scope") == "matching":
        try:
            params = parse_query(SessionPageParams, MultiDict(parse_qsl(request.form.get("query", ""))),
                                 blank_is_absent=True)
        except ParamsError as exc:
            raise BulkEditError(f"The list's filters make no sense: {exc}.") from None
        return sessions_matching(db.session, with_stored_spellings(db.session, params.session_query()))
    return sessions_by_id(db.session, request.form.getlist("id"), trashed=action == "restore")


def _sessions(count: int) -> str:
    return f"{count:,} session{'' if count == 1 else 's'}"


@bp.post("/sessions/bulk")
@requires("editor")
def bulk():
    """Apply one action to the chosen sessions (`id`, repeated) or to all the list matches (`scope=matching` with the
    list's `query`); export answers them as a JSON file instead."""
    require_button_form()
    action = request.form.get("action", "")
    try:
        if action == "export":
            exported = jsonify({"sessions": sessions_in_wire_format(db.session, _chosen_sessions(action))})
            exported.headers["Content-Disposition"] = "attachment; filename=sessions.json"
            return exported
        with unit_of_work():
            pks = _chosen_sessions(action)
            if not pks:
                raise BulkEditError("Choose at least one session first.")
            done = bulk_edit(db.session, pks, action, request.form.get("tag"))
            entry_pk = audit(BULK, details={"action": done.action, "tag": done.tag, "selected": done.selected,
                                            "sessions": done.changed})
    except BulkEditError as exc:
        flash(f"Nothing was changed: {exc}", "error")
        return redirect(_back())
    unchanged = done.selected - len(done.changed)
    summary = DONE[done.action].format(n=_sessions(len(done.changed)), tag=done.tag)
    flash(summary + (f"; {_sessions(unchanged)} already were." if unchanged else "."), f"undo {entry_pk}")
    return redirect(_back())


@bp.post("/sessions/bulk/<int:entry_pk>/undo")
@requires("editor")
def undo_bulk(entry_pk):
    """Change back what one bulk action changed, once."""
    require_button_form()
    with unit_of_work():
        entry = audit_entry(db.session, entry_pk, BULK)
        if entry is None:
            abort(404, description=f"No bulk action has the number {entry_pk}.")
        if entry_followed_by(db.session, entry_pk, BULK_UNDONE):
            flash("That bulk action was already undone.", "error")
            return redirect(_back())
        details = entry.details
        undone = undo_bulk_edit(db.session, details["action"], details["tag"], details["sessions"])
        audit(BULK_UNDONE, target=str(entry_pk), details={"sessions": undone.changed})
    flash(f"Undone: {_sessions(len(undone.changed))} changed back.", "message")
    return redirect(_back())
