"""/api/analytics: where the time went, the same figures the analytics page shows."""
from app.analytics_params import AdoptionParams, AnalyticsParams
from app.api import bp
from app.api.documented import documented
from app.errors import error_response
from app.api.schemas import AdoptionAnswer, HoursAnswer
from app.api.sessions import query_params
from app.auth import requires
from app.extensions import db
from app.services.analytics import adoption_movers, hours_by_month, hours_by_week, period_answer, plugin_adoption


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


def _move(adoption) -> dict:
    return {"key": adoption.key, "name": adoption.label, "before": adoption.before, "after": adoption.after,
            "change": adoption.change}


@bp.get("/analytics/plugins")
@requires("viewer")
@documented(AdoptionAnswer, "Sessions per month using each product, and the products that moved most.",
            query=AdoptionParams, errors=(422,))
def plugins_api():
    """Live sessions per month using each of up to five products (from counts kept on write), and the five products
    whose sessions a month grew and fell most from the span's first half to its second."""
    params, refused = query_params(AdoptionParams)
    if refused:
        return refused
    first, last = params.span()
    months, products = plugin_adoption(db.session, params.product, first, last)
    unknown = [key for key in params.product if key not in {product.key for product in products}]
    if unknown:
        return error_response(422, "Invalid query parameters.",
                              [{"path": "product", "message": f"no product has the key {key!r}"} for key in unknown])
    grew, fell = adoption_movers(db.session, first, last)
    return {"months": months, "products": [{"key": p.key, "name": p.label, "sessions": p.sessions} for p in products],
            "grew": [_move(a) for a in grew], "fell": [_move(a) for a in fell]}
