"""/metrics: Prometheus metrics for operators, off unless SESSION_STATS_METRICS_TOKEN is set, and then behind it."""
import hmac

from flask import Blueprint, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import metrics
from app.auth import BEARER, requires
from app.extensions import db
from app.services.sessions import index_overview

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@requires("public")
def scrape():
    """The metrics in Prometheus' text format, for a scraper holding the metrics token."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404, description="Metrics are off: set SESSION_STATS_METRICS_TOKEN to turn them on.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        abort(401, description="Send the metrics token as 'Authorization: Bearer <token>'.", www_authenticate=BEARER)
    metrics.SESSIONS.set(index_overview(db.session)["sessions"])
    return generate_latest(metrics.REGISTRY), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
