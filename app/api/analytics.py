"""/api/analytics: where the time went, the same figures the analytics page shows."""
from app.analytics_params import AdoptionParams, HoursParams, TemplatesParams
from app.api import bp
from app.api.documented import documented
from app.errors import error_response
from app.api.analytics_schemas import AdoptionAnswer, HoursAnswer, TemplatesAnswer
from app.api.sessions import query_params
from app.auth import requires
from app.extensions import db
from app.services.analytics import (adoption_movers, hours, hours_per_period, months_between, period_answer,
                                    plugin_adoption, sessions_started, top_templates)


@bp.get("/analytics/hours")
@requires("viewer")
@documented(HoursAnswer, "The hours worked per period, by kind, and the sessions worked on.", query=HoursParams,
            errors=(422,))
def hours_api():
    """Hours worked on live sessions (narrowed by artist and project, DAW or person, by month) per month or ISO week,
    by kind of work, and the sessions started in each, from counts kept on write."""
    params, refused = query_params(HoursParams)
    if refused:
        return refused
    periods = hours_per_period(db.session, params)
    first, last = params.span()
    started = dict(sessions_started(db.session, first, last, params.period))
    return {"periods": [period_answer(period, started.get(period.period, 0)) for period in periods]}


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
    months, products, unknown = plugin_adoption(db.session, params.product, first, last)
    if unknown:
        return error_response(422, "Invalid query parameters.",
                              [{"path": "product", "message": f"no product has the key {key!r}"} for key in unknown])
    grew, fell = adoption_movers(db.session, first, last)
    return {"months": months, "products": [{"key": p.key, "name": p.label, "sessions": p.sessions} for p in products],
            "grew": [_move(a) for a in grew], "fell": [_move(a) for a in fell]}


@bp.get("/analytics/templates")
@requires("viewer")
@documented(TemplatesAnswer, "Sessions per template, with their worked time.", query=TemplatesParams, errors=(422,))
def templates_api():
    """Per template, the live sessions started from it that were made in the span's months, and their worked time
    (from counts kept on write)."""
    params, refused = query_params(TemplatesParams)
    if refused:
        return refused
    first, last = params.span()
    return {"months": months_between(first, last), "templates": [
        {"template": use.template, "sessions": use.sessions, "timed_sessions": use.timed, "hours": hours(use.seconds),
         "average_hours": use.average_hours}
        for use in top_templates(db.session, first, last)]}
