"""The catalogue of known plugin products, shipped as data: vendors.csv and products.csv beside this module.

vendors.csv: `vendor,daw,spellings` — a vendor as it spells itself, "yes" when it makes a DAW
whose built-in devices appear as plugins, and the other spellings files use for it (legal
names, abbreviations such as "FF" or "UAD"), separated by ";".

products.csv: `vendor,product,category,spellings` — a product without its vendor's name or any
format or channel decoration, one of CATEGORIES, and the other names it appears under.

Lookups ignore case and runs of spaces. The catalogue's version is a digest of both files, so
that a changed file is noticed and the identities derived from it are derived again.
"""
import csv
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
FILES = ("vendors.csv", "products.csv")
CATEGORIES = (
    "EQ", "Compressor", "Limiter", "Gate", "Dynamics", "Multiband", "Reverb", "Delay", "Modulation", "Saturation",
    "Distortion", "Filter", "Pitch", "Channel strip", "Mastering", "Restoration", "Analyser", "Stereo", "Utility",
    "Amp", "Instrument", "Sampler", "Drums", "Multi-effect", "Rack", "MIDI",
)
SPACES = re.compile(r"\s+")


def folded(text: str | None) -> str:
    """Text as lookups compare it: trimmed, single-spaced, lower-cased."""
    return SPACES.sub(" ", text or "").strip().lower()


@dataclass(frozen=True)
class Product:
    """A known product: its vendor, name and category."""

    vendor: str
    name: str
    category: str


@dataclass
class Catalogue:
    """Known vendors and products, indexed for the normaliser's lookups."""

    version: str = ""
    # folded spelling → vendor as it spells itself
    vendors: dict[str, str] = field(default_factory=dict)
    daw_vendors: set[str] = field(default_factory=set)
    # (folded vendor, folded name or spelling) → product
    products: dict[tuple[str, str], Product] = field(default_factory=dict)
    # folded name or spelling → every product so named, whatever its vendor
    by_name: dict[str, list[Product]] = field(default_factory=dict)

    def vendor(self, spelling: str | None) -> str | None:
        """The vendor this spelling names, as it spells itself; None when unknown."""
        return self.vendors.get(folded(spelling))

    def product(self, vendor: str | None, name: str, built_in: bool = False) -> Product | None:
        """The product of this vendor so named; without a vendor, the one product so named.

        A DAW's own devices count only for built-in instances (`built_in`): a vendorless VST3
        "Limiter" is not Ableton's Limiter.
        """
        if vendor is not None:
            return self.products.get((folded(vendor), folded(name)))
        candidates = [p for p in self.by_name.get(folded(name), ()) if built_in or p.vendor not in self.daw_vendors]
        return candidates[0] if len(candidates) == 1 else None

    def vendor_prefix(self, name: str) -> tuple[str, str] | None:
        """(vendor, rest) when `name` starts with a spelling of a known vendor followed by more words."""
        words = name.split(" ")
        # The longest spelling first: "Universal Audio" before "Universal".
        for length in range(min(len(words) - 1, 4), 0, -1):
            vendor = self.vendors.get(folded(" ".join(words[:length])))
            if vendor is not None:
                return vendor, " ".join(words[length:])
        return None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def _spellings(text: str) -> list[str]:
    return [spelling.strip() for spelling in text.split(";") if spelling.strip()]


def load_catalogue(folder: Path = HERE) -> Catalogue:
    """Read the catalogue files in `folder`."""
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((folder / name).read_bytes())
    catalogue = Catalogue(version=digest.hexdigest()[:16])
    for row in _rows(folder / "vendors.csv"):
        for spelling in [row["vendor"], *_spellings(row["spellings"])]:
            catalogue.vendors[folded(spelling)] = row["vendor"]
        if row["daw"].lower() == "yes":
            catalogue.daw_vendors.add(row["vendor"])
    for row in _rows(folder / "products.csv"):
        product = Product(row["vendor"], row["product"], row["category"])
        for spelling in [row["product"], *_spellings(row["spellings"])]:
            catalogue.products[folded(product.vendor), folded(spelling)] = product
            named = catalogue.by_name.setdefault(folded(spelling), [])
            if product not in named:
                named.append(product)
    return catalogue


@cache
def shipped_catalogue() -> Catalogue:
    """The catalogue shipped with the app, read once per process."""
    return load_catalogue()
