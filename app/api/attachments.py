"""/api/sessions/<id>/attachments: a session's attached files, listed and uploaded (multipart)."""
from app.api import bp
from app.api.documented import documented
from app.api.timeline_schemas import AttachmentAnswer, AttachmentList
from app.api.sessions import missing_session
from app.auth import principal, requires
from app.errors import error_response
from app.extensions import db
from app.services.attachments import KINDS, attachment_answer, session_attachments
from app.services.events import live_session
from app.uploads import accepts_upload, upload

UPLOAD_BODY = {"type": "object", "required": ["file"],
               "properties": {"file": {"type": "string", "format": "binary"},
                              "kind": {"type": "string", "enum": list(KINDS)}}}


@bp.get("/sessions/<session_id>/attachments")
@requires("viewer")
@documented(AttachmentList, "The session's attachments, newest first.", errors=(404,))
def list_attachments_api(session_id):
    """A session's attachments with what their analysis measured; download each at /attachments/<id>."""
    session = live_session(db.session, session_id)
    if session is None:
        return missing_session(session_id)
    return {"attachments": [attachment_answer(a, session_id) for a in session_attachments(db.session, session.pk)]}


@bp.post("/sessions/<session_id>/attachments")
@accepts_upload
@requires("editor")
@documented(AttachmentAnswer, "The attachment; an audio file's analysis follows in the background.",
            body=UPLOAD_BODY, body_type="multipart/form-data", status=201, errors=(404, 413, 422))
def add_attachment_api(session_id):
    """Attach a file sent as multipart/form-data (`file`, and `kind`), streamed to the store."""
    attachment, problem = upload(session_id, principal().name)
    if problem:
        return error_response(422, problem)
    return attachment_answer(attachment, session_id)
