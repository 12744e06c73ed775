"""Plugins: usage across the archive, exact or by product, and one plugin's sessions."""
from flask import Blueprint, abort, request
from werkzeug.exceptions import BadRequest

from app.auth import may, requires
from app.catalogue import CATEGORIES
from app.extensions import db
from app.services.corrections import similar_products
from app.services.plugins import PLUGIN_SORTS, PluginQuery, list_plugins, plugin_facets, plugin_usage
from app.web.rendering import arg_page, arg_texts, render_page

bp = Blueprint("plugins", __name__)


def plugin_query(args) -> PluginQuery:
    """The plugins list state in a query string."""
    sort = args.get("sort", "instances")
    if sort not in PLUGIN_SORTS:
        raise BadRequest(f"sort must be one of {', '.join(PLUGIN_SORTS)}, not {sort!r}.")
    direction = args.get("dir", "asc" if sort in ("name", "vendor", "category") else "desc")
    if direction not in ("asc", "desc"):
        raise BadRequest("dir must be asc or desc.")
    view = args.get("view", "product")
    if view not in ("exact", "product"):
        raise BadRequest("view must be exact or product.")
    return PluginQuery(products=view == "product", q=args.get("q", "").strip(), vendor=arg_texts(args, "vendor"),
                       format=arg_texts(args, "format"), category=arg_texts(args, "category"), sort=sort,
                       descending=direction == "desc", page=arg_page(args))


@bp.get("/plugins")
@requires("viewer")
def index():
    """Every product in use with instances, sessions and tracks (all its spellings, versions and formats together);
    or every exact plugin."""
    query = plugin_query(request.args)
    rows, total, pages = list_plugins(db.session, query)
    return render_page("plugins/index.html", "results", query=query, rows=rows, total=total, pages=pages,
                       page=min(query.page, pages), facets=plugin_facets(db.session))


def _usage_page(**key):
    usage = plugin_usage(db.session, page=arg_page(request.args), **key)
    if usage is None:
        abort(404, description="No plugin has this id.")
    identity = usage["identity"]
    similar = similar_products(db.session, identity) if identity is not None and may("admin") else []
    return render_page("plugins/show.html", "sessions", product=("product_key" in key), categories=CATEGORIES,
                       similar=similar, **usage)


@bp.get("/plugins/<path:plugin_id>")
@requires("viewer")
def show(plugin_id):
    """One exact plugin: the sessions that use it, its sibling versions and formats, sessions per month."""
    return _usage_page(plugin_id=plugin_id)


@bp.get("/products/<path:product_key>")
@requires("viewer")
def product(product_key):
    """One product over all its versions and formats."""
    return _usage_page(product_key=product_key)
