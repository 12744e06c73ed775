"""Errors in one place: JSON for /api, HTML pages elsewhere."""
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.database import database_unavailable
from app.extensions import db
from app.wire import problem_message

bp = Blueprint("errors", __name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 414: "query_too_long", 422: "invalid", 429: "rate_limited", 500: "server_error",
         503: "unavailable"}


def wants_json() -> bool:
    """True for requests that get JSON errors: everything under /api."""
    return request.path == "/api" or request.path.startswith("/api/")


def validation_problems(error: ValidationError, where: str = "body") -> list[dict]:
    """Each problem of a refused body as {path, message}; `where` names a problem of the whole body."""
    return [{"path": ".".join(str(part) for part in problem["loc"]) or where, "message": problem_message(problem)}
            for problem in error.errors()]


def error_response(status: int, message: str, details=None, code: str | None = None):
    """The API's error body: {"error": {"code", "message", "details"}} with `status`."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "details": details or []}}
    return jsonify(body), status


@bp.app_errorhandler(HTTPException)
def http_error(error):
    """Answer an HTTP error in the caller's language: JSON for /api, a page otherwise."""
    if isinstance(error, InternalServerError):
        db.session.rollback()
    if error.response is not None:
        # A view's own answer to the error, such as the sign-in page saying it is throttled.
        return error.response
    # Keep what the error says about itself (Allow, WWW-Authenticate), not its HTML content type.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    if wants_json():
        code = "csrf_failed" if isinstance(error, CSRFError) else None
        response, status = error_response(error.code, error.description, code=code)
    else:
        response = render_template("errors/error.html", error=error)
        status = error.code
    return response, status, headers


@bp.app_errorhandler(DBAPIError)
def database_error(error):
    """A database that cannot take a write now (busy, disk full, read-only …): 503 naming the cause; else a 500."""
    db.session.rollback()
    unavailable = database_unavailable(error)
    if unavailable is None:
        raise error
    current_app.logger.warning("Answered 503 (%s): %s", unavailable.code, error.orig)
    headers = {"Retry-After": str(unavailable.retry_after)}
    message = f"{unavailable.message} Nothing was changed; try again later."
    if wants_json():
        response, status = error_response(503, message, code=unavailable.code)
        return response, status, headers
    page = ServiceUnavailable(description=message)
    return render_template("errors/error.html", error=page), 503, headers
