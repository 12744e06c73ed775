"""Plugins: usage across the archive, exact or by product, and one plugin's sessions."""
from flask import Blueprint, abort, url_for

from app.auth import may, requires
from app.catalogue import CATEGORIES
from app.extensions import db
from app.list_params import PluginPageParams, UsagePageParams
from app.services.corrections import similar_products
from app.services.machine_use import uninstall_impact
from app.services.machines import any_machine
from app.services.plugins import list_plugins, plugin_facets, plugin_usage
from app.web.charts import bar_chart, in_range
from app.web.csv_files import csv_download
from app.web.rendering import list_params, render_page

bp = Blueprint("plugins", __name__)


@bp.get("/plugins")
@requires("viewer")
def index():
    """Every product in use with instances, sessions and tracks (all its spellings, versions and formats together);
    or every exact plugin."""
    params = list_params(PluginPageParams)
    query = params.plugin_query()
    rows, total, pages = list_plugins(db.session, query)
    return render_page("plugins/index.html", "results", query=query, rows=rows, total=total, pages=pages,
                       page=min(query.page, pages), facets=plugin_facets(db.session), expand=params.expand)


def _usage_page(**key):
    params = list_params(UsagePageParams)
    usage = plugin_usage(db.session, page=params.page, **key)
    if usage is None:
        abort(404, description="No plugin has this id.")
    months = in_range(usage.pop("months"), params.range)
    if params.csv:
        return csv_download("sessions-per-month.csv", ("month", "sessions"), months)
    identity = usage["identity"]
    similar = similar_products(db.session, identity) if identity is not None and may("admin") else []
    return render_page("plugins/show.html", "sessions", product=("product_key" in key), categories=CATEGORIES,
                       similar=similar, months=months, chart=bar_chart(months), range=params.range,
                       has_machines=any_machine(db.session), **usage)


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


@bp.get("/plugins/<path:plugin_id>/impact")
@requires("viewer")
def plugin_impact(plugin_id):
    """What removing this plugin would do on each machine (the plugin page loads it after itself)."""
    impact = uninstall_impact(db.session, plugin_id=plugin_id)
    if impact is None:
        abort(404, description="No plugin has this id.")
    return render_page("plugins/impact.html", "impact", impact=impact, product=False, name=plugin_id,
                       back=url_for("plugins.show", plugin_id=plugin_id))


@bp.get("/products/<path:product_key>/impact")
@requires("viewer")
def product_impact(product_key):
    """What removing this product would do on each machine (the product page loads it after itself)."""
    impact = uninstall_impact(db.session, product_key=product_key)
    if impact is None:
        abort(404, description="No product has this key.")
    return render_page("plugins/impact.html", "impact", impact=impact, product=True, name=product_key,
                       back=url_for("plugins.product", product_key=product_key))
