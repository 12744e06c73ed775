"""The normaliser: one canonical identity (vendor, product, category) for a plugin as a file spells it.

Rules, in order:

1. Case and spacing: runs of spaces become one; lookups ignore case.
2. Decorations that do not make another product come off the end of the name, repeatedly:
   architecture (`.64`, ` x64`, `(x64)`, `(64bit)`, `(32-bit)`, `(x86)`), channel layouts
   (Waves' `(m)`, `(s)`, `(m->s)`; `(Mono)`, `(Stereo)`, a trailing ` Mono` or ` Stereo`),
   side-chain variants (`(SC)`), and a format in brackets (`(VST3)`, `(AU)`, `(AAX)`).
   A number glued to the name, as in `Density64`, comes off only when what remains is a
   known product.
3. The vendor: a known spelling or abbreviation becomes the vendor's own name ("FF" and
   "FabFilter Software Instruments" are FabFilter).
4. A known product of that vendor by its name or one of its spellings answers at once.
5. A vendor's name in front of the product (`FabFilter Pro-Q 3`, `FF Saturn`, `iZotope
   Ozone 7`) moves to the vendor when the file names no other vendor.
6. Without a vendor, a name that only one known product has gives its vendor (`Sylenth1` is
   LennarDigital's); a DAW's own devices only for built-in instances (and REAPER's JS).
7. Otherwise the product is the cleaned name, under the vendor as given, without a category.

Editions that are different products keep their number (`Pro-Q 2` and `Pro-Q 3`).
Corrections that admins store (`Correction`) then apply: first one for the exact plugin, then
those for the product it has reached, until none changes it.
"""
import re
from dataclasses import dataclass
from typing import NamedTuple

from app.catalogue import Catalogue, Product, shipped_catalogue
from app.normalize import product_key

DECORATIONS = [re.compile(pattern, re.IGNORECASE) for pattern in (
    r"\.64$",
    r"[\s_]*\(?x(?:64|86)\)?$",
    r"\s*\(?(?:32|64)[- ]?bits?\)?$",
    r"\s*\((?:m|s|st|ms|m/s|m->s|m>s|mono|stereo|mono/stereo|mono->stereo|mono > stereo)\)$",
    r"(?<=\S)\s+(?:mono|stereo)$",
    r"\s*\((?:sc|side-?chain)\)$",
    r"\s*\((?:vst|vst2|vst3|au|aax|aax native|aax dsp|clap|lv2|rtas)\)$",
)]
GLUED_NUMBER = re.compile(r"(?<=[A-Za-z])(?:64|32)$")
SPACES = re.compile(r"\s+")
# Instances of these formats may be a DAW's own devices (REAPER's JS effects ship with it).
BUILT_IN_FORMATS = {"built-in", "js"}


class Identity(NamedTuple):
    """A plugin's canonical identity."""

    vendor: str | None
    name: str
    category: str | None = None

    @property
    def key(self) -> str:
        """The product key: lower-cased `vendor|product`."""
        return product_key(self.name, self.vendor)


@dataclass(frozen=True)
class Correction:
    """An admin's stored rule: what it matches (a product key, or one exact pluginId) and what it sets."""

    match_kind: str  # "product" or "plugin"
    match: str
    vendor: str | None = None
    name: str | None = None
    category: str | None = None

    def applied(self, identity: Identity) -> Identity:
        """The identity with what this rule sets (a vendor of "" is none)."""
        return Identity(identity.vendor if self.vendor is None else self.vendor or None,
                        self.name if self.name is not None else identity.name,
                        self.category if self.category is not None else identity.category)


def clean_name(name: str) -> str:
    """The name without decorations that do not make another product, single-spaced."""
    cleaned = SPACES.sub(" ", name).strip()
    changed = True
    while changed:
        changed = False
        for decoration in DECORATIONS:
            shorter = decoration.sub("", cleaned).strip()
            if shorter and shorter != cleaned:
                cleaned, changed = shorter, True
    return cleaned


def _known(catalogue: Catalogue, vendor: str | None, name: str, built_in: bool) -> Identity | None:
    """The catalogue's answer for this vendor and name, with the vendor's name in front taken off."""
    product = catalogue.product(vendor, name, built_in)
    if product is None:
        prefix = catalogue.vendor_prefix(name)
        if prefix is not None and vendor in (None, prefix[0]):
            product = catalogue.product(prefix[0], prefix[1], built_in)
    if product is None and vendor is not None:
        # A vendor the catalogue does not know (a reseller, a legal name) still names the product.
        product = catalogue.product(None, name, built_in)
        product = product if product is not None and _same_vendor(catalogue, vendor, product) else None
    return _identity(product)


def _same_vendor(catalogue: Catalogue, vendor: str, product: Product) -> bool:
    return catalogue.vendor(vendor) in (None, product.vendor)


def _identity(product: Product | None) -> Identity | None:
    return None if product is None else Identity(product.vendor, product.name, product.category or None)


def identify(name: str, vendor: str | None = None, format: str | None = None,
             catalogue: Catalogue | None = None) -> Identity:
    """The canonical identity of a plugin as a file names it (see the module's rules)."""
    catalogue = catalogue or shipped_catalogue()
    cleaned = clean_name(name) or SPACES.sub(" ", name).strip()
    given_vendor = SPACES.sub(" ", vendor or "").strip() or None
    vendor = catalogue.vendor(given_vendor) or given_vendor
    built_in = (format or "").strip().lower() in BUILT_IN_FORMATS
    known = _known(catalogue, vendor, cleaned, built_in)
    if known is None and GLUED_NUMBER.search(cleaned):
        known = _known(catalogue, vendor, GLUED_NUMBER.sub("", cleaned), built_in)
    if known is not None:
        return known
    prefix = catalogue.vendor_prefix(cleaned)
    if prefix is not None and vendor in (None, prefix[0]):
        return Identity(prefix[0], prefix[1])
    return Identity(vendor, cleaned)


def corrected(identity: Identity, plugin_id: str, corrections: list[Correction]) -> Identity:
    """The identity after the stored corrections: the newest for this plugin, then the newest for each product
    reached, until one leaves the product where it is (a loop of merges stops where it began)."""
    newest = {(c.match_kind, c.match): c for c in corrections}  # later ones replace earlier ones
    rule = newest.get(("plugin", plugin_id))
    if rule is not None:
        identity = rule.applied(identity)
    seen = set()
    while identity.key not in seen:
        seen.add(identity.key)
        rule = newest.get(("product", identity.key))
        if rule is None:
            break
        identity = rule.applied(identity)
    return identity
