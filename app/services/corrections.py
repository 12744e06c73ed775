"""Admins' corrections of products: rename, set a vendor or a category, merge two products, split one.

Each correction is a stored rule (`product_corrections`) that the normaliser applies after its
own rules, to the plugins indexed now and to every plugin ingested later. Making or undoing one
derives every plugin's product again through `reidentify`, so that counts, facets and search
follow in the same unit of work. Undoing removes the rule; the audit log keeps what it was.
"""
from sqlalchemy import delete, func, select

from app.catalogue import CATEGORIES
from app.models import Plugin, Product, ProductCorrection
from app.models.types import utc_now
from app.normalize import product_key
from app.services.derived import reidentify
from app.services.identities import IdentityPlan
from app.wire import MAX_NAME, MAX_NAME_BYTES, utf8_size


class CorrectionError(ValueError):
    """A correction that cannot be made, with a message for the person who asked and the field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _text(value: str | None, what: str, field: str, required: bool = False) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise CorrectionError(f"Give the {what}.", field)
        return None
    if len(value) > MAX_NAME or "\x00" in value:
        raise CorrectionError(f"The {what} must be at most {MAX_NAME} characters, without NUL.", field)
    if utf8_size(value) > MAX_NAME_BYTES:
        raise CorrectionError(f"The {what} must be at most {MAX_NAME_BYTES:,} bytes in UTF-8: the database indexes it.",
                              field)
    return value


def _category(value: str | None) -> str | None:
    if not value:
        return None
    known = {category.lower(): category for category in CATEGORIES}
    if value.strip().lower() not in known:
        raise CorrectionError(f"The category must be one of {', '.join(CATEGORIES)}.", "category")
    return known[value.strip().lower()]


def product_or_error(db_session, key: str) -> Product:
    """The product with this key, or a CorrectionError saying there is none."""
    product = db_session.get(Product, key)
    if product is None:
        raise CorrectionError("There is no product with this key.", "key")
    return product


def _add(db_session, by: str, match_kind: str, match: str, **values) -> tuple[ProductCorrection, IdentityPlan]:
    correction = ProductCorrection(match_kind=match_kind, match=match, created_by=by[:200], created_at=utc_now(),
                                   **values)
    db_session.add(correction)
    db_session.flush()
    return correction, reidentify(db_session)


def correct_product(db_session, key: str, *, name: str | None, vendor: str | None, category: str | None,
                    by: str) -> tuple[ProductCorrection, IdentityPlan]:
    """Rename a product, give it another vendor or a category (an empty vendor keeps it; "-" removes it)."""
    product = product_or_error(db_session, key)
    name = _text(name, "product's name", "name", required=True)
    vendor = "" if (vendor or "").strip() == "-" else _text(vendor, "vendor", "vendor")
    category = _category(category)
    changes = {"name": name if name != product.name else None,
               "vendor": vendor if vendor is not None and (vendor or None) != product.vendor else None,
               "category": category if category != product.category else None}
    if not any(value is not None for value in changes.values()):
        raise CorrectionError("That is what the product already is: nothing to change.", "name")
    return _add(db_session, by, "product", key, **changes)


def merge_products(db_session, key: str, into: str, *, by: str) -> tuple[ProductCorrection, IdentityPlan]:
    """Merge one product into another: its plugins take the other's vendor and name."""
    product = product_or_error(db_session, key)
    target = db_session.get(Product, (into or "").strip())
    if target is None:
        raise CorrectionError("Choose the product to merge it into by its key (the last part of its page's address).",
                              "into")
    if target.key == product.key:
        raise CorrectionError("A product cannot be merged into itself.", "into")
    return _add(db_session, by, "product", key, vendor=target.vendor or "", name=target.name)


def split_product(db_session, key: str, plugin_ids: list[str], *, name: str | None, vendor: str | None,
                  by: str) -> tuple[list[ProductCorrection], IdentityPlan]:
    """Move some plugins of a product to another product (a new one, or one that exists) by vendor and name."""
    product_or_error(db_session, key)
    name = _text(name, "new product's name", "name", required=True)
    vendor = _text(vendor, "new product's vendor", "vendor") or ""
    chosen = sorted(set(plugin_ids))
    if not chosen:
        raise CorrectionError("Tick the spellings, versions or formats to move.", "plugin")
    found = set(db_session.scalars(select(Plugin.id).where(Plugin.product_key == key, Plugin.id.in_(chosen))))
    if found != set(chosen):
        raise CorrectionError("Some of the ticked plugins are not part of this product.", "plugin")
    if product_key(name, vendor or None) == key:
        raise CorrectionError("That is this product's own name: give the new product another.", "name")
    corrections = [ProductCorrection(match_kind="plugin", match=plugin_id, vendor=vendor, name=name,
                                     created_by=by[:200], created_at=utc_now()) for plugin_id in chosen]
    db_session.add_all(corrections)
    db_session.flush()
    return corrections, reidentify(db_session)


def undo_correction(db_session, correction_pk: int) -> tuple[ProductCorrection, IdentityPlan]:
    """Remove a correction (the plugins it moved return to what the rules without it say); what it was."""
    correction = db_session.get(ProductCorrection, correction_pk)
    if correction is None:
        raise CorrectionError("There is no such correction (it may have been undone already).")
    db_session.execute(delete(ProductCorrection).where(ProductCorrection.pk == correction_pk))
    db_session.expunge(correction)
    return correction, reidentify(db_session)


def similar_products(db_session, product: Product, limit: int = 20) -> list[Product]:
    """Other products whose name shares this one's first word: the likely targets of a merge."""
    first = (product.name.split() or [""])[0].split("-")[0]
    return list(db_session.scalars(
        select(Product).where(Product.key != product.key, func.lower(Product.name).contains(first.lower(),
                                                                                          autoescape=True))
        .order_by(Product.name, Product.key).limit(limit)))


def list_corrections(db_session) -> list[ProductCorrection]:
    """Every correction in force, newest first."""
    return list(db_session.scalars(select(ProductCorrection).order_by(ProductCorrection.pk.desc())))


def corrections_count(db_session) -> int:
    """How many corrections are in force."""
    return db_session.scalar(select(func.count()).select_from(ProductCorrection))


def describe(correction: ProductCorrection) -> dict:
    """A correction as the audit log and the API keep it."""
    return {"id": correction.pk, "match": correction.match_kind, "key": correction.match, "vendor": correction.vendor,
            "name": correction.name, "category": correction.category, "by": correction.created_by}
