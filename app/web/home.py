"""The home page: what the index holds."""
from flask import Blueprint

from app.auth import requires
from app.extensions import db
from app.services.jobs import unfinished_jobs
from app.services.plugins import top_products
from app.services.queries import latest_sessions
from app.services.sessions import index_overview
from app.web.rendering import render_page
from app.web.scans import job_progress

bp = Blueprint("web", __name__)


@bp.get("/")
@requires("viewer")
def home():
    """Totals (the panel polls this page for its fragment), running jobs, the top products and the latest sessions."""
    return render_page("home/index.html", "totals", overview=index_overview(db.session),
                       running=[job_progress(job) for job in unfinished_jobs(db.session)],
                       products=top_products(db.session), sessions=latest_sessions(db.session))
