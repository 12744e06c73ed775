"""Files uploaded to attach to a session, for the page and the API alike: streamed to the store, then attached,
with their analysis queued."""
from flask import abort, current_app, request

from app.auth import audit
from app.database import unit_of_work
from app.extensions import db, jobs
from app.services.hook_runs import start_attachment_hooks
from app.services.attachments import KINDS, TooLarge, attach, store_blob
from app.services.events import live_session

# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024
# The most a page's form of typed fields may send: the longest field, a session's notes, is under 1 MB encoded.
# Werkzeug reads such a body whole, so a larger one is refused before it is read.
MAX_FORM_BYTES = 2 * 1024 * 1024


def accepts_upload(view):
    """Mark a view that takes a file to attach: its request body may be as large as an attachment."""
    view.accepts_upload = True
    return view


def _limit_the_body() -> None:
    # Before anything reads the form (the CSRF check does): the body limit applies while it is parsed.
    if getattr(current_app.view_functions.get(request.endpoint), "accepts_upload", False):
        request.max_content_length = current_app.config["MAX_ATTACHMENT_BYTES"] + FORM_OVERHEAD
    elif request.mimetype == "application/x-www-form-urlencoded" and request.blueprint != "api":
        # The API reads no form: a body it takes (JSON that `curl -d` labels as a form, say) keeps the ingest limit.
        request.max_content_length = MAX_FORM_BYTES


def init_uploads(app) -> None:
    """Let the views that take attachments read bodies up to the attachment limit, and forms of typed fields up to
    MAX_FORM_BYTES (registered before the access check, which reads forms)."""
    app.before_request(_limit_the_body)


def _missing(session_id: str):
    abort(404, description=f"No live session has id {session_id!r}.")


def upload(session_id: str, author: str):
    """Store the request's `file` and attach it to the session, queueing its analysis; (attachment, problem).

    404 when there is no such live session.
    """
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if live_session(db.session, session_id) is None:
        _missing(session_id)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return None, "Choose a file to attach (the form field `file`)."
    kind = request.form.get("kind") or "other"
    if kind not in KINDS:
        return None, f"The kind must be one of {', '.join(KINDS)}."
    try:
        blob = store_blob(current_app.config["ATTACHMENT_DIR"], sent.stream, limit)
    except TooLarge as exc:
        return None, f"The file is {exc}."
    finally:
        sent.close()  # a large upload waits in a temporary file: let it go now
    with unit_of_work():
        attachment = attach(db.session, session_id, sent.filename, kind, blob, author)
        if attachment is None:
            _missing(session_id)
        job = start_attachment_hooks(db.session, attachment, author)
        audit("attachment.added", target=session_id, details={"attachment": attachment.id,
                                                              "filename": attachment.filename, "sha256": blob.sha256})
    if job is not None:
        jobs.enqueue(job.pk)
    return attachment, None
