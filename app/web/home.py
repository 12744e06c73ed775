"""The home page: what the index holds."""
from flask import render_template

from app.extensions import db
from app.services.sessions import index_overview
from app.web import bp


@bp.get("/")
def home():
    """Totals of the index and when it last took an ingest."""
    return render_template("home/index.html", overview=index_overview(db.session))
