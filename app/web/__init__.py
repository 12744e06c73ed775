"""HTML pages."""
from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import home  # noqa: E402,F401  (registers the routes)
