"""Which product each plugin belongs to: the normaliser and the admins' corrections over the plugins table.

A plugin's product follows from what the file said (its name, vendor and format), the shipped
catalogue and the stored corrections. `products` holds one row per product key in use: the
vendor, name and category of the product's first plugin (by pk) that gives them. `identity_plan`
finds what differs from that; `apply_identities` writes it. Writers call them through
`app.services.derived.reidentify`, which keeps every count over products exact.
"""
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update

from app.catalogue import Catalogue, shipped_catalogue
from app.catalogue.identity import Correction, Identity, corrected, identify
from app.models import Plugin, PluginTotal, Product, ProductCorrection
from app.services.bulk import chunked, dialect_insert


def stored_corrections(db_session) -> list[Correction]:
    """The admins' corrections, oldest first (a newer one for the same match replaces an older one)."""
    return [Correction(row.match_kind, row.match, row.vendor, row.name, row.category)
            for row in db_session.scalars(select(ProductCorrection).order_by(ProductCorrection.pk))]


def plugin_identity(plugin_id: str, name: str, vendor: str | None, format: str | None,
                    corrections: list[Correction], catalogue: Catalogue | None = None) -> Identity:
    """A plugin's product: the normaliser's answer, corrected; the category from the catalogue when none is set."""
    catalogue = catalogue or shipped_catalogue()
    identity = corrected(identify(name, vendor, format, catalogue), plugin_id, corrections)
    if identity.category is None:
        known = catalogue.product(identity.vendor, identity.name)
        if known is not None:
            identity = identity._replace(category=known.category)
    return identity


def product_values(identity: Identity) -> dict:
    """The products row an identity makes."""
    return {"key": identity.key, "vendor": identity.vendor, "name": identity.name, "category": identity.category}


def add_products(db_session, identities: list[Identity]) -> None:
    """Make sure each of these products has a row; one that exists keeps its names and gains a missing category."""
    rows = list({identity.key: product_values(identity) for identity in reversed(identities)}.values())
    if not rows:
        return
    rows.sort(key=lambda row: row["key"])
    statement = dialect_insert(db_session, Product.__table__)
    db_session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={
        "category": func.coalesce(Product.__table__.c.category, statement.excluded.category)}), rows)


@dataclass
class IdentityPlan:
    """What re-deriving every plugin's product would change."""

    # plugin pk → (product key kept, product key derived)
    plugins: dict[int, tuple[str, str]] = field(default_factory=dict)
    # product key → row it should have (None: no plugin has it any more)
    products: dict[str, dict | None] = field(default_factory=dict)
    # kept rows of the products that change, for reports
    kept_products: dict[str, dict] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.plugins or self.products)


def identity_plan(db_session, corrections: list[Correction] | None = None) -> IdentityPlan:
    """Every plugin's product derived again from what its files said: what differs from what is stored."""
    if corrections is None:
        corrections = stored_corrections(db_session)
    catalogue = shipped_catalogue()
    plan = IdentityPlan()
    derived: dict[str, dict] = {}
    for pk, plugin_id, name, vendor, format_, kept_key in db_session.execute(
            select(Plugin.pk, Plugin.id, Plugin.name, Plugin.vendor, Plugin.format, Plugin.product_key)
            .order_by(Plugin.pk)):
        identity = plugin_identity(plugin_id, name, vendor, format_, corrections, catalogue)
        if identity.key != kept_key:
            plan.plugins[pk] = (kept_key, identity.key)
        row = derived.setdefault(identity.key, product_values(identity))
        if row["category"] is None and identity.category is not None:
            row["category"] = identity.category
    kept = {row["key"]: row for row in db_session.execute(select(Product.__table__)).mappings()}
    for key, row in derived.items():
        if kept.get(key) != row:
            plan.products[key] = row
    for key in kept.keys() - derived.keys():
        plan.products[key] = None
    plan.kept_products = {key: kept[key] for key in plan.products if key in kept}
    return plan


def keys_of_plan(plan: IdentityPlan) -> set[str]:
    """The products whose sessions the plan changes: those whose row changes and those plugins leave or join."""
    return set(plan.products) | {key for pair in plan.plugins.values() for key in pair}


def vendors_of(db_session, keys: set[str]) -> set[str]:
    """The vendors of these products (as stored now)."""
    vendors = set()
    for chunk in chunked(sorted(keys)):
        vendors.update(db_session.scalars(select(Product.vendor).where(Product.key.in_(chunk),
                                                                       Product.vendor.is_not(None))))
    return vendors


def instances_in_plan(db_session, plan: IdentityPlan) -> int:
    """How many plugin instances in live sessions the plan moves to another product."""
    total = 0
    for chunk in chunked(sorted(plan.plugins)):
        total += sum(db_session.scalars(select(PluginTotal.instances).where(PluginTotal.plugin_pk.in_(chunk))))
    return total


def apply_identities(db_session, plan: IdentityPlan) -> None:
    """Write what the plan changes: plugins to their products, product rows as derived."""
    table = Plugin.__table__
    for pk, (_, key) in sorted(plan.plugins.items()):
        db_session.execute(update(table).where(table.c.pk == pk).values(product_key=key))
    gone = sorted(key for key, row in plan.products.items() if row is None)
    for chunk in chunked(gone):
        db_session.execute(delete(Product).where(Product.key.in_(chunk)))
    rows = [row for _, row in sorted(plan.products.items()) if row is not None]
    if rows:
        statement = dialect_insert(db_session, Product.__table__)
        db_session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={
            column: statement.excluded[column] for column in ("vendor", "name", "category")}), rows)
