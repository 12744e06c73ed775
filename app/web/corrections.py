"""Admins correct products in the browser: rename, vendor, category, merge, split, and undo."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.extensions import db
from app.models import Plugin
from app.services.corrections import (
    CorrectionError,
    correct_product,
    describe,
    list_corrections,
    merge_products,
    split_product,
    undo_correction,
)

bp = Blueprint("corrections", __name__, url_prefix="/products")


def _where_plugin_went(plugin_id: str | None, fallback: str) -> str:
    """The product page a plugin now belongs to (after a correction moved it), else `fallback`'s."""
    key = db.session.scalar(select(Plugin.product_key).where(Plugin.id == plugin_id)) if plugin_id else None
    return url_for("plugins.product", product_key=key or fallback)


def _a_plugin_of(key: str) -> str | None:
    return db.session.scalar(select(Plugin.id).where(Plugin.product_key == key).order_by(Plugin.pk).limit(1))


def _changed(plan) -> str:
    moved = len(plan.plugins)
    return f"{moved} plugin{'' if moved == 1 else 's'} moved to another product" if moved else "no plugin moved"


@bp.post("/correct")
@requires("admin")
def correct():
    """Rename a product, set its vendor or its category."""
    key = request.form.get("key", "")
    plugin_id = _a_plugin_of(key)
    try:
        with unit_of_work():
            correction, plan = correct_product(db.session, key, name=request.form.get("name"),
                                               vendor=request.form.get("vendor"),
                                               category=request.form.get("category"), by=principal().name)
            audit("product.corrected", target=key, details=describe(correction))
    except CorrectionError as exc:
        flash(f"Nothing was changed: {exc.message}", "error")
        return redirect(url_for("plugins.product", product_key=key) if plugin_id else url_for("plugins.index"))
    flash(f"Corrected ({_changed(plan)}). Undo it under Corrections.")
    return redirect(_where_plugin_went(plugin_id, key))


@bp.post("/merge")
@requires("admin")
def merge():
    """Merge a product into another."""
    key, into = request.form.get("key", ""), request.form.get("into", "").strip()
    try:
        with unit_of_work():
            correction, plan = merge_products(db.session, key, into, by=principal().name)
            audit("product.merged", target=key, details=describe(correction) | {"into": into})
    except CorrectionError as exc:
        flash(f"Nothing was merged: {exc.message}", "error")
        return redirect(url_for("plugins.product", product_key=key) if _a_plugin_of(key) else url_for("plugins.index"))
    flash(f"Merged ({_changed(plan)}). Undo it under Corrections.")
    return redirect(url_for("plugins.product", product_key=into))


@bp.post("/split")
@requires("admin")
def split():
    """Move some spellings, versions or formats of a product to another product."""
    key = request.form.get("key", "")
    plugin_ids = request.form.getlist("plugin")
    try:
        with unit_of_work():
            corrections, plan = split_product(db.session, key, plugin_ids, name=request.form.get("name"),
                                              vendor=request.form.get("vendor"), by=principal().name)
            audit("product.split", target=key, details={"plugins": plugin_ids, "vendor": corrections[0].vendor,
                                                        "name": corrections[0].name,
                                                        "ids": [c.pk for c in corrections]})
    except CorrectionError as exc:
        flash(f"Nothing was split: {exc.message}", "error")
        return redirect(url_for("plugins.product", product_key=key) if _a_plugin_of(key) else url_for("plugins.index"))
    flash(f"Split ({_changed(plan)}). Undo it under Corrections.")
    return redirect(_where_plugin_went(plugin_ids[0], key))


@bp.get("/corrections")
@requires("admin")
def index():
    """Every correction in force, newest first, each with Undo."""
    return render_template("plugins/corrections.html", corrections=list_corrections(db.session))


@bp.post("/corrections/<int:correction_pk>/undo")
@requires("admin")
def undo(correction_pk):
    """Remove a correction: the products it changed are derived again without it."""
    try:
        with unit_of_work():
            correction, plan = undo_correction(db.session, correction_pk)
            audit("product.correction_undone", target=correction.match, details=describe(correction))
    except CorrectionError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Undone ({_changed(plan)}).")
    return redirect(url_for("corrections.index"))
