"""The home page: what the index holds."""
from collections import Counter

from flask import Blueprint, flash, redirect, url_for

from app.auth import audit, may, requires
from app.database import unit_of_work
from app.extensions import db
from app.list_params import OverviewParams
from app.models.types import utc_now
from app.remote.client import breaker_state
from app.services.bulk_edit import has_samples, remove_samples
from app.services.events import latest_open_notes, open_notes_by
from app.services.integrations import sources_health
from app.services.jobs import unfinished_jobs
from app.services.plugins import every_month, top_products
from app.services.queries import latest_sessions
from app.services.sessions import index_overview, months_by_daw
from app.web.charts import in_range, stacked_bar_chart
from app.web.csv_files import csv_download
from app.web.forms import ButtonForm
from app.web.rendering import is_fragment_request, list_params, render_page
from app.web.scans import job_progress

bp = Blueprint("web", __name__)


# The DAWs the overview's chart shows one by one; the rest are summed as "Other".
CHART_DAWS = 5


def _daw_series(by_daw: dict[str, dict[str, int]]) -> list[tuple[str, dict[str, int]]]:
    ranked = sorted(by_daw, key=lambda daw: (-sum(by_daw[daw].values()), daw))
    series = [(daw, by_daw[daw]) for daw in ranked[:CHART_DAWS]]
    if len(ranked) > CHART_DAWS:
        other = Counter()
        for daw in ranked[CHART_DAWS:]:
            other.update(by_daw[daw])
        series.append(("Other", dict(other)))
    return series


def _open_notes() -> dict:
    return {"open_notes": latest_open_notes(db.session), "by_artist": open_notes_by(db.session, "artist"),
            "by_project": open_notes_by(db.session, "project")}


@bp.get("/")
@requires("viewer")
def home():
    """Totals (the panel polls this page for its fragment), running jobs, sessions per month by DAW, the top
    products and the latest sessions."""
    if is_fragment_request():
        # The totals panel polls every 10 seconds: it reads the totals and the latest open notes, nothing else.
        return render_page("home/index.html", "totals", overview=index_overview(db.session), **_open_notes())
    params = list_params(OverviewParams)
    series = _daw_series(months_by_daw(db.session))
    dated = sorted({month for _, counts in series for month in counts})
    months = in_range([month for month, _ in every_month([(month, 0) for month in dated])], params.range)
    products = top_products(db.session)
    if params.csv == "months":
        return csv_download("sessions-per-month-by-daw.csv", ("month", "daw", "sessions"),
                            [(month, daw, counts[month]) for month in months for daw, counts in series
                             if counts.get(month)])
    if params.csv == "products":
        return csv_download("top-products.csv", ("product", "vendor", "category", "instances", "sessions"),
                            [(p.name, p.vendor, p.category, p.instances, p.sessions) for p in products])
    return render_page("home/index.html", "totals", overview=index_overview(db.session),
                       **_open_notes(), chart=stacked_bar_chart(months, series), daws=[daw for daw, _ in series], range=params.range,
                       running=[job_progress(job) for job in unfinished_jobs(db.session)],
                       products=products, sessions=latest_sessions(db.session),
                       samples=has_samples(db.session), form=ButtonForm(),
                       integrations=sources_health(db.session, utc_now()) if may("admin") else [],
                       breakers=breaker_state)


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
