"""/api/analytics: where the time went, the same figures the analytics page shows."""
from app.analytics_params import AnalyticsParams
from app.api import bp
from app.api.documented import documented
from app.api.schemas import HoursAnswer
from app.api.sessions import query_params
from app.auth import requires
from app.extensions import db
from app.services.analytics import hours_by_month, hours_by_week, period_answer


@bp.get("/analytics/hours")
@requires("viewer")
@documented(HoursAnswer, "The hours worked per period, by kind, and the sessions worked on.", query=AnalyticsParams,
            errors=(422,))
def hours_api():
    """Hours worked on live sessions per month (from counts kept on write) or per ISO week, by kind of work."""
    params, refused = query_params(AnalyticsParams)
    if refused:
        return refused
    first, last = params.span()
    periods = (hours_by_week if params.period == "week" else hours_by_month)(db.session, first, last)
    return {"periods": [period_answer(period) for period in periods]}
