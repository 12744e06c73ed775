"""Pages and their fragments, and links that change one piece of a list's state."""
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, g, make_response, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from app.file_paths import shown_path
from app.params import ParamsError, parse_query
from app.time_zones import time_zone
from app.timecode import format_position
from app.wire import CREDIT_ROLES
from app.work_input import format_duration

# How a datetime-local field writes a wall-clock time.
WALL_CLOCK = "%Y-%m-%dT%H:%M"
# Characters a query string keeps as they are, as url_for writes them.
QUERY_SAFE = "!$'()*,/:;?@"


def is_fragment_request() -> bool:
    """True when htmx asks for a region; its history restore asks for the whole page."""
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def render_page(template: str, block: str, **context):
    """The whole page, or for htmx only `block` of it; the answer varies with HX-Request."""
    if is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response


def _url(changes: dict[str, list[str]]) -> str:
    args = MultiDict(request.args)
    for name, values in changes.items():
        args.setlist(name, values)
    if "page" not in changes:
        args.pop("page", None)
    # A list page builds dozens of these links; its path is built once per request.
    if "page_path" not in g:
        g.page_path = url_for(request.endpoint, **(request.view_args or {}))
    query = urlencode(list(args.items(multi=True)), safe=QUERY_SAFE)
    return f"{g.page_path}?{query}" if query else g.page_path


def links_lead_to(endpoint: str) -> None:
    """Make this request's list links (url_with, url_toggling) lead to `endpoint`'s page: for a part of that page
    loaded from a URL of its own."""
    g.page_path = url_for(endpoint)


def url_with(**changes) -> str:
    """This page's URL with each named parameter set (None removes it); back on page 1 unless `page` is set."""
    return _url({name: [] if value is None or value == "" else [str(value)] for name, value in changes.items()})


def url_toggling(name: str, value: str) -> str:
    """This page's URL with `value` added to or removed from the values of `name`, back on page 1. A value chosen
    in another case is the same value (filters match names in any case): "REAPER" removes a typed "reaper"."""
    values = request.args.getlist(name)
    others = [v for v in values if v.casefold() != value.casefold()]
    return _url({name: others if len(others) < len(values) else [*values, value]})


def list_params(model):
    """The query string validated by a list's parameters `model`; 400 naming each parameter refused."""
    try:
        return parse_query(model, request.args, blank_is_absent=True)
    except ParamsError as exc:
        raise BadRequest(f"This list cannot be shown: {exc}.") from None


def num(value) -> str:
    """A count with thousands separators; nothing counted is 0."""
    return f"{value or 0:,}"


def dotted(parts) -> str:
    """The parts that have a value, joined by middle dots."""
    return " · ".join(str(part) for part in parts if part)


def viewer_zone() -> ZoneInfo:
    """The zone the signed-in person sees and types times in: their own, else the server's (once a request)."""
    if "viewer_zone" not in g:
        chosen = getattr(current_user, "time_zone", None)
        try:
            g.viewer_zone = time_zone(chosen or current_app.config["TIME_ZONE"])
        except ValueError:  # a zone this machine no longer knows
            g.viewer_zone = time_zone(current_app.config["TIME_ZONE"])
    return g.viewer_zone


def local_time(moment: datetime | str | None, pattern: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A UTC moment (or its ISO 8601 text) as a wall-clock time in the viewer's zone, with the zone's abbreviation."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(viewer_zone()).strftime(pattern) if moment else ""


def wall_clock(moment: datetime | None) -> str:
    """A UTC moment as the value of a datetime-local field in the viewer's zone."""
    return local_time(moment, WALL_CLOCK)


def init_rendering(app) -> None:
    """Make the link helpers, the credit roles and the number, list and time filters available to every template."""
    app.jinja_env.globals.update(url_with=url_with, url_toggling=url_toggling, viewer_zone=viewer_zone,
                                 credit_roles=CREDIT_ROLES)
    app.jinja_env.filters.update(num=num, dotted=dotted, position=format_position, duration=format_duration,
                                 local_time=local_time, wall_clock=wall_clock, file_path=shown_path)
