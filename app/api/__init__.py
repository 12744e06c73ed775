"""JSON API blueprints."""
from flask import Blueprint, current_app

from app.auth import principal
from app.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api")

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def _writer_key() -> str:
    who = principal()
    return f"token:{who.token_pk}" if who.token_pk is not None else f"user:{who.user_pk}"


# One budget of writes per token (or signed-in user) across the whole API.
limiter.shared_limit(lambda: current_app.config["API_WRITE_LIMIT"], scope="api-write", key_func=_writer_key,
                     methods=WRITE_METHODS)(bp)

from app.api import (  # noqa: E402,F401  (registers the routes)
    activities, analytics, attachments, events, machine_reports, machines, openapi, products, rollups, sessions,
    session_stats, webhooks)
