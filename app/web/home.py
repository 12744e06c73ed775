"""The home page: what the index holds."""
from flask import Blueprint, flash, redirect, url_for

from app.auth import audit, requires
from app.database import unit_of_work
from app.extensions import db
from app.services.bulk_edit import has_samples, remove_samples
from app.services.jobs import unfinished_jobs
from app.services.plugins import top_products
from app.services.queries import latest_sessions
from app.services.sessions import index_overview
from app.web.forms import ButtonForm
from app.web.rendering import render_page
from app.web.scans import job_progress

bp = Blueprint("web", __name__)


@bp.get("/")
@requires("viewer")
def home():
    """Totals (the panel polls this page for its fragment), running jobs, the top products and the latest sessions."""
    return render_page("home/index.html", "totals", overview=index_overview(db.session),
                       running=[job_progress(job) for job in unfinished_jobs(db.session)],
                       products=top_products(db.session), sessions=latest_sessions(db.session),
                       samples=has_samples(db.session), form=ButtonForm())


@bp.post("/samples/remove")
@requires("admin")
def remove_sample_sessions():
    """Move the sample sessions to the trash."""
    if ButtonForm().validate_on_submit():
        with unit_of_work():
            removed = remove_samples(db.session)
            if removed:
                audit("samples.removed", details={"sessions": removed})
        flash(f"Moved {removed:,} sample sessions to the trash: restore them from there, or delete them for good."
              if removed else "There are no sample sessions.", "message")
    return redirect(url_for("web.home"))
