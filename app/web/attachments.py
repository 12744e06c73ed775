"""Attachments on a session's page: upload (streamed to the store), download, and play in the page."""
from flask import abort, current_app, flash, redirect, request, send_file, url_for

from app.auth import principal, requires
from app.extensions import db
from app.services.attachments import attachment_by_id, blob_path, is_playable
from app.uploads import accepts_upload, upload
from app.web.forms import require_button_form
from app.web.sessions import bp

@bp.post("/sessions/<session_id>/attachments")
@accepts_upload
@requires("editor")
def add_attachment(session_id):
    """Attach an uploaded file (a mix, master, stem, reference or document) to the session."""
    require_button_form()
    attachment, problem = upload(session_id, principal().name)
    if problem:
        flash(problem, "error")
    else:
        flash(f"Attached “{attachment.filename}”.", "message")
    return redirect(url_for("sessions.show", session_id=session_id, _anchor="attachments"))


@bp.get("/attachments/<attachment_id>")
@requires("viewer")
def download_attachment(attachment_id):
    """The attached file, to save (or, with `play=1` and an audio file, for the page's player)."""
    attachment = attachment_by_id(db.session, attachment_id)
    if attachment is None:
        abort(404, description=f"No attachment has id {attachment_id!r}.")
    path = blob_path(current_app.config["ATTACHMENT_DIR"], attachment.sha256)
    if not path.is_file():
        abort(410, description="The attached file is no longer in the store.")
    inline = request.args.get("play") == "1" and is_playable(attachment)
    return send_file(path, mimetype=attachment.content_type if inline else "application/octet-stream",
                     as_attachment=not inline, download_name=attachment.filename, conditional=True,
                     etag=attachment.sha256, max_age=0)
