"""/api/webhooks/sources/<source>: a remote source says something changed; a verified message queues its sync."""
from flask import current_app, request

from app.api import bp
from app.api.documented import documented
from app.api.schemas import SyncQueued
from app.auth import audit, requires, signed_by_sender
from app.credentials import CredentialError, keyring
from app.database import unit_of_work
from app.errors import error_response
from app.extensions import db, jobs
from app.models.types import utc_now
from app.remote.sync import start_sync
from app.remote.webhooks import BadWebhook, verified_message_id
from app.services.remote_sources import get_source, note_received_webhook, source_webhook_secret


@bp.post("/webhooks/sources/<source_name>")
@requires("public")
@signed_by_sender
@documented(SyncQueued, "The source's sync is queued (or was already).", status=202,
            errors=(400, 401, 403, 404, 503))
def source_webhook(source_name):
    """A signed webhook (Standard Webhooks) from a remote source: queue a sync of it."""
    source = get_source(db.session, source_name)
    if source is None:
        return error_response(404, f"No source is named {source_name!r}.")
    try:
        secret = source_webhook_secret(keyring(current_app), source)
    except CredentialError as exc:
        return error_response(503, str(exc))
    if secret is None:
        return error_response(403, f"Source {source.name!r} has no webhook secret here: set the one its "
                                   "subscription shows on the sources page.")
    now = utc_now()
    try:
        message_id = verified_message_id(secret, request.get_data(cache=False), request.headers, now)
    except BadWebhook as exc:
        return error_response(exc.status, exc.message)
    with unit_of_work():
        if not note_received_webhook(db.session, source, message_id, now):
            return error_response(400, f"Webhook {message_id!r} was received before: a replay is ignored.",
                                  code="replayed")
        if source.paused:
            return {"queued": None, "message": f"Source {source.name!r} is paused: no sync was queued."}
        job, new = start_sync(db.session, source, f"webhook from {source.name}")
        if new:
            audit("source.sync_started", target=source.name, details={"job": job.pk, "by": "webhook"})
    if new:
        jobs.enqueue(job.pk)
    return {"queued": job.pk, "message": "Sync queued." if new else "A sync was already queued."}
