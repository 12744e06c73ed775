"""The home page: what the index holds."""
from flask import Blueprint, render_template

from app.auth import requires
from app.extensions import db
from app.services.sessions import index_overview

bp = Blueprint("web", __name__)


@bp.get("/")
@requires("viewer")
def home():
    """Totals of the index and when it last took an ingest."""
    return render_template("home/index.html", overview=index_overview(db.session))
