"""The analytics page: where the time went, over a span of months or weeks; sessions per DAW and per product; and
the billing view of a month."""
from flask import Blueprint

from app.analytics_params import AnalyticsPageParams
from app.auth import requires
from app.extensions import db
from app.services.analytics import (adoption_movers, billing, daws_by_quarter, hours, hours_per_period,
                                    people_who_worked, plugin_adoption, sessions_started, this_month, top_templates)
from app.services.plugins import top_products
from app.services.facets import common_values
from app.web.charts import bar_chart, line_chart, stacked_bar_chart
from app.web.csv_files import csv_download
from app.web.rendering import list_params, render_page

bp = Blueprint("analytics", __name__)
# How many artists and products (the most common) the page's fields offer as you type.
ARTISTS_OFFERED = 200
PRODUCTS_OFFERED = 300


@bp.get("/analytics")
@requires("viewer")
def index():
    """Hours worked per month or week stacked by kind (narrowed by artist and project, DAW or person), sessions
    started per month, each DAW's sessions per quarter, the sessions per template, the sessions per month using chosen
    products and the products that moved most, and a month's hours per artist and project; each as a table and as
    CSV."""
    params = list_params(AnalyticsPageParams)
    first, last = params.span()
    periods = hours_per_period(db.session, params)
    started = sessions_started(db.session, first, last, params.period)
    month = params.month or this_month()
    rows = billing(db.session, month)
    quarters, daws = daws_by_quarter(db.session, first, last)
    months, compared, unknown = plugin_adoption(db.session, params.product, first, last)
    templates = top_templates(db.session, first, last)
    if params.csv == "hours":
        return csv_download(f"hours-per-{params.period}.csv", (params.period, "kind", "hours", "sessions"),
                            [(p.period, kind, hours(seconds), p.sessions) for p in periods
                             for kind, seconds in sorted(p.by_kind.items())])
    averages = [(p.period, hours(p.average_seconds or 0)) for p in periods]
    medians = [hours(p.median_seconds or 0) for p in periods]
    if params.csv == "average":
        return csv_download(f"hours-per-session-per-{params.period}.csv",
                            (params.period, "hours per session", "median hours per session"),
                            [(label, value, median if any(medians) else "")
                             for (label, value), median in zip(averages, medians) if value])
    if params.csv == "started":
        return csv_download(f"sessions-started-per-{params.period}.csv", (params.period, "sessions"), started)
    if params.csv == "billing":
        return csv_download(f"hours-{month}.csv", ("artist", "project", "hours", "sessions"),
                            [(row.artist, row.project, hours(row.seconds), row.sessions) for row in rows])
    if params.csv == "daws":
        totals = {quarter: sum(counts.get(quarter, 0) for _, counts in daws) for quarter in quarters}
        return csv_download("daw-share-per-quarter.csv", ("quarter", "daw", "sessions", "share %"),
                            [(quarter, daw, counts[quarter], round(100 * counts[quarter] / totals[quarter], 1))
                             for quarter in quarters for daw, counts in daws if counts.get(quarter)])
    if params.csv == "templates":
        return csv_download("sessions-per-template.csv", ("template", "sessions", "sessions timed", "hours",
                                                          "average hours"),
                            [(use.template, use.sessions, use.timed, hours(use.seconds),
                              "" if use.average_hours is None else use.average_hours) for use in templates])
    if params.csv == "adoption":
        return csv_download("sessions-per-month-by-product.csv", ("month", "product", "name", "sessions"),
                            [(label, product.key, product.label, product.sessions[index])
                             for index, label in enumerate(months) for product in compared])
    kinds = sorted({kind for period in periods for kind in period.by_kind})
    series = [(kind, {p.period: hours(p.by_kind.get(kind, 0)) for p in periods}) for kind in kinds]
    return render_page("analytics/index.html", "content", params=params, first=first, last=last, month=month,
                       periods=periods, chart=stacked_bar_chart([p.period for p in periods], series), kinds=kinds,
                       started=started, started_chart=bar_chart(started), rows=rows,
                       average_chart=line_chart([label for label, _ in averages], [
                           ("Average", [value for _, value in averages]), ("Median", medians)])
                       if any(medians) else bar_chart(averages), quarters=quarters,
                       daw_names=[daw for daw, _ in daws], daw_chart=stacked_bar_chart(quarters, daws),
                       compared=compared, unknown=unknown, templates=templates,
                       adoption_chart=line_chart(months, [(p.label, p.sessions) for p in compared]) if compared else None,
                       movers=adoption_movers(db.session, first, last), products=top_products(db.session, PRODUCTS_OFFERED),
                       artists=common_values(db.session, "artist", ARTISTS_OFFERED),
                       daws_offered=common_values(db.session, "daw"), people=people_who_worked(db.session, first, last))
