"""Canonical products over the whole corpus and the generator: one product per plugin whatever DAW, format or
spelling; corrections (rename, vendor, category, merge, split, undo) with every figure exact; the products API."""
import os
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.cli import cli
from app.database import unit_of_work
from app.extensions import db
from app.extractors import ExtractError, extract_file
from app.models import AuditEntry, Plugin, Product, ProductCorrection
from app.models.types import utc_now
from app.sample_data import generate_sessions
from app.services.derived import check_derived
from tests.auth import csrf_token
from tests.helpers import ingest

CORPUS = Path(os.environ.get("SESSION_STATS_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
# Spellings the corpus lacks, as other files and hosts write them.
EXTRA = {"name": "Spellings", "fingerprint": "extra", "tracks": [
    {"name": "Vox", "plugins": [{"name": "Doubler2 (m)", "vendor": "Waves", "format": "VST3"},
                                {"name": "Doubler2 (s)", "vendor": "Waves", "format": "AAX Native"},
                                {"name": "Decapitator", "format": "VST3"},
                                {"name": "Sylenth1", "vendor": "LennarDigital", "format": "VST3"}]},
]}


# A few spellings of three products, for what needs no whole corpus.
FEW = [{"name": "Few", "fingerprint": "few", "tracks": [
    {"name": "Bus", "plugins": [{"name": "FabFilter Pro-Q 2 x64", "format": "VST2"},
                                {"name": "FF Pro-Q 2", "vendor": "FabFilter", "format": "AU"},
                                {"name": "Pro-Q 3", "vendor": "FabFilter", "format": "VST3"},
                                {"name": "Sylenth1", "format": "VST2"}]}]}]


def corpus_sessions() -> list[dict]:
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus of real session files is not at {CORPUS}")
    sessions = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix not in (".tsv", ".md"):
            try:
                sessions.append(extract_file(path).model_dump(mode="json", by_alias=True, exclude_none=True))
            except ExtractError:
                continue
    return sessions


@pytest.fixture
def indexed(client):
    """The whole corpus, some generated sessions and the extra spellings, indexed."""
    sessions = corpus_sessions() + list(generate_sessions(20, seed=3)) + [EXTRA]
    response = ingest(client, *sessions)
    assert response.status_code == 200, response.get_json()
    return client


@pytest.fixture
def read(app):
    """Runs a function of the database session in its own app context (as a request would) and returns its answer."""
    def reading(function):
        with app.app_context():
            return function(db.session)
    return reading


@pytest.fixture
def few(client):
    """Three products in a few spellings, indexed."""
    assert ingest(client, *FEW).status_code == 200
    return client


def products_named(read, fragment: str) -> dict:
    return read(lambda s: {p.key: (p.vendor, p.name, p.category)
                           for p in s.scalars(select(Product).where(Product.name.icontains(fragment)))})


def spellings_of(read, key: str) -> set[tuple]:
    return read(lambda s: {(p.name, p.vendor, p.format)
                           for p in s.scalars(select(Plugin).where(Plugin.product_key == key))})


def plugin_products(read) -> list:
    return read(lambda s: s.execute(select(Plugin.pk, Plugin.product_key).order_by(Plugin.pk)).all())


def corrections(read) -> list[int]:
    return read(lambda s: s.scalars(select(ProductCorrection.pk).order_by(ProductCorrection.pk)).all())


def exact(read) -> bool:
    return read(check_derived) == []


def test_the_corpus_names_each_product_once(indexed, read):
    pro_q = products_named(read, "pro-q")
    assert {(vendor, name) for vendor, name, _ in pro_q.values()} >= {
        ("FabFilter", "Pro-Q"), ("FabFilter", "Pro-Q 2"), ("FabFilter", "Pro-Q 3")}
    assert all(vendor == "FabFilter" for vendor, _, _ in pro_q.values())
    assert {"FabFilter Pro-Q.64", "FabFilter Pro-Q"} <= {s[0] for s in spellings_of(read, "fabfilter|pro-q")}
    assert {"FabFilter Pro-Q 2 x64", "FF Pro-Q 2"} <= {s[0] for s in spellings_of(read, "fabfilter|pro-q 2")}
    assert {"FabFilter Pro-C (SC).64", "FabFilter Pro-C.64"} <= {s[0] for s in spellings_of(read, "fabfilter|pro-c")}
    assert [vendor for vendor, _, _ in products_named(read, "sylenth1").values()] == ["LennarDigital"]
    assert len(spellings_of(read, "lennardigital|sylenth1")) == 3  # with and without a vendor, VST2 and VST3
    # Kontakt 7 (of the generator) is another edition.
    assert set(products_named(read, "kontakt")) == {"native instruments|kontakt", "native instruments|kontakt 7"}
    assert {s[2] for s in spellings_of(read, "native instruments|kontakt")} == {"AAX Native", "VST2", "VST3"}
    doubler = [key for key, (vendor, _, _) in products_named(read, "doubler").items() if vendor == "Waves"]
    assert len(doubler) == 1
    assert {"Doubler2 (m)", "Doubler2 (s)"} <= {s[0] for s in spellings_of(read, doubler[0])}
    assert [vendor for vendor, _, _ in products_named(read, "decapitator").values()] == ["Soundtoys"]
    assert products_named(read, "pro-q 3")["fabfilter|pro-q 3"][2] == "EQ"
    assert exact(read)


def test_the_vendor_facet_search_and_filters_agree(indexed):
    page = BeautifulSoup(indexed.get("/sessions/facets").data, "html.parser")
    facet = {a.get_text(strip=True): int(a.find_next("span", class_="count").get_text().replace(",", ""))
             for a in page.select('[data-facet="vendor"] li a')}
    searched = indexed.get("/api/sessions/?q=FabFilter&limit=1").get_json()["total_count"]
    filtered = indexed.get("/api/sessions/?vendor=FabFilter&limit=1").get_json()["total_count"]
    assert facet["FabFilter"] == filtered == searched > 6
    assert indexed.get("/api/sessions/?q=fab+pro&limit=1").get_json()["total_count"] >= 1
    by_product = indexed.get("/api/sessions/?product=fabfilter|pro-q 2&limit=50").get_json()
    product = indexed.get("/api/products/" + quote("fabfilter|pro-q 2")).get_json()
    assert by_product["total_count"] == product["sessions"] == len(by_product["sessions"]) >= 1
    # The chip of a product filter names the product.
    chips = BeautifulSoup(indexed.get("/sessions?product=" + quote("fabfilter|pro-q 2")).data, "html.parser")
    assert "Plugin: Pro-Q 2 · FabFilter" in chips.select_one("#summary").get_text(" ", strip=True)


def test_the_plugins_page_and_the_overview_count_by_product(indexed, read):
    page = BeautifulSoup(indexed.get("/plugins?q=pro-q").data, "html.parser")
    names = [row.select("td")[0].get_text(strip=True) for row in page.select("#plugins tbody tr")]
    assert sorted(names) == sorted({name for _, name, _ in products_named(read, "pro-q").values()})
    exact = BeautifulSoup(indexed.get("/plugins?q=pro-q&view=exact").data, "html.parser")
    assert len(exact.select("#plugins tbody tr")) > len(names)
    home = BeautifulSoup(indexed.get("/").data, "html.parser")
    top = [a["href"] for a in home.select("#top-plugins tbody td:first-child a")]
    assert top and all(href.startswith("/products/") for href in top)
    assert len(set(top)) == len(top)


def test_the_products_api(indexed, read):
    answer = indexed.get("/api/products?q=pro-q&vendor=FabFilter").get_json()
    assert answer["total_count"] == len(products_named(read, "pro-q"))
    pro_q2 = next(p for p in answer["products"] if p["key"] == "fabfilter|pro-q 2")
    assert pro_q2["category"] == "EQ"
    assert pro_q2["sessions"] == indexed.get("/api/sessions/?plugin=pro-q+2").get_json()["total_count"]
    assert {v["name"] for v in pro_q2["variants"]} == {"FabFilter Pro-Q 2 x64", "FF Pro-Q 2"}
    assert sum(v["instances"] for v in pro_q2["variants"]) == pro_q2["instances"]
    one = indexed.get("/api/products/" + quote("fabfilter|pro-q 2")).get_json()
    assert one == pro_q2
    assert indexed.get("/api/products?category=EQ&limit=500").get_json()["total_count"] >= 3
    assert indexed.get("/api/products/nothing|here").status_code == 404
    refused = indexed.get("/api/products?limit=0&colour=red")
    assert refused.status_code == 422
    assert {d["path"] for d in refused.get_json()["error"]["details"]} == {"limit", "colour"}


def _post(client, path, **form):
    response = client.post(path, data=form | {"csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.data[:500]
    return response


def _product_counts(client, key):
    return client.get("/api/products/" + quote(key)).get_json()


def searched(client, words: str) -> int:
    return client.get("/api/sessions/", query_string={"q": words, "limit": 1}).get_json()["total_count"]


def test_corrections_move_every_figure_and_undo_restores(indexed, client, read):
    before = _product_counts(client, "fabfilter|pro-q 2")
    target = _product_counts(client, "fabfilter|pro-q 3")
    _post(client, "/products/merge", key="fabfilter|pro-q 2", into="fabfilter|pro-q 3")
    merged = _product_counts(client, "fabfilter|pro-q 3")
    assert merged["instances"] == before["instances"] + target["instances"]
    assert client.get("/api/products/" + quote("fabfilter|pro-q 2")).status_code == 404
    assert exact(read)
    # Ingesting the same files again keeps the merge.
    assert ingest(client, *corpus_sessions()).status_code == 200
    assert client.get("/api/products/" + quote("fabfilter|pro-q 2")).status_code == 404
    # Rename, then set a category and remove the vendor.
    _post(client, "/products/correct", key="fabfilter|pro-q 3", name="Pro-Q Zephyr", vendor="", category="")
    assert _product_counts(client, "fabfilter|pro-q zephyr")["instances"] == merged["instances"]
    _post(client, "/products/correct", key="fabfilter|pro-q zephyr", name="Pro-Q Zephyr", vendor="-",
          category="Filter")
    renamed = _product_counts(client, "|pro-q zephyr")
    assert renamed["category"] == "Filter" and renamed["vendor"] is None
    # Search follows at once: the new name and category find the product's sessions.
    assert searched(client, "zephyr") == searched(client, "pro-q zephyr filter") == renamed["sessions"]
    # Split the AU spelling out.
    au = next(v["plugin_id"] for v in renamed["variants"] if v["name"] == "FF Pro-Q 2")
    _post(client, "/products/split", key="|pro-q zephyr", plugin=au, name="Pro-Q 2 AU", vendor="FabFilter")
    assert [v["name"] for v in _product_counts(client, "fabfilter|pro-q 2 au")["variants"]] == ["FF Pro-Q 2"]
    assert exact(read)
    audit = read(lambda s: s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("product.%"))
                                     .order_by(AuditEntry.pk)).all())
    assert audit == ["product.merged", "product.corrected", "product.corrected", "product.split"]
    # Undo everything, newest first: the products are as the normaliser derives them again.
    for correction in reversed(corrections(read)):
        _post(client, f"/products/corrections/{correction}/undo")
    assert _product_counts(client, "fabfilter|pro-q 2") == before
    assert searched(client, "zephyr") == 0
    assert exact(read)
    assert corrections(read) == []


@pytest.mark.parametrize("path, form, message", [
    ("/products/merge", {"key": "fabfilter|pro-q 2", "into": "fabfilter|pro-q 2"}, "cannot be merged into itself"),
    ("/products/merge", {"key": "fabfilter|pro-q 2", "into": "no|such"}, "Choose the product"),
    ("/products/merge", {"key": "no|such", "into": "fabfilter|pro-q 2"}, "no product with this key"),
    ("/products/correct", {"key": "fabfilter|pro-q 2", "name": "", "vendor": ""}, "Give the product"),
    ("/products/correct", {"key": "fabfilter|pro-q 2", "name": "Pro-Q 2", "vendor": "FabFilter"}, "nothing to change"),
    ("/products/correct", {"key": "fabfilter|pro-q 2", "name": "x", "category": "Kazoo"}, "category must be one of"),
    ("/products/correct", {"key": "fabfilter|pro-q 2", "name": "x" * 1001}, "at most 1000"),
    ("/products/correct", {"key": "fabfilter|pro-q 2", "name": "a\x00b"}, "without NUL"),
    ("/products/correct", {"key": "fabfilter|pro-q 2", "name": "x", "vendor": "\u4e00" * 334}, "at most 1,000 bytes"),
    ("/products/split", {"key": "fabfilter|pro-q 2", "name": "New"}, "Tick the spellings"),
    ("/products/split", {"key": "fabfilter|pro-q 2", "name": "New", "plugin": "|sylenth1||vst2"}, "not part of"),
    ("/products/split", {"key": "fabfilter|pro-q 2", "name": "Pro-Q 2", "vendor": "FabFilter",
                         "plugin": "fabfilter|ff pro-q 2||au"}, "own name"),
    ("/products/corrections/99999999/undo", {}, "no such correction"),
])
def test_a_correction_that_cannot_be_made_changes_nothing(few, client, read, path, form, message):
    plugins = plugin_products(read)
    response = client.post(path, data=form | {"csrf_token": csrf_token(client)}, follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert plugin_products(read) == plugins
    assert corrections(read) == []


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_correct_products(few, auth, role):
    other = auth.client(role, token_role=role)
    response = other.post("/products/merge", data={"key": "fabfilter|pro-q 2", "into": "fabfilter|pro-q 3",
                                                   "csrf_token": csrf_token(other)})
    assert response.status_code == 403
    assert other.get("/products/corrections").status_code == 403
    page = BeautifulSoup(other.get("/products/" + quote("fabfilter|pro-q 2")).data, "html.parser")
    assert page.select_one("#correct-product") is None


def test_a_rule_added_outside_the_app_is_found_by_a_check_and_applied_by_a_rebuild(app, few, runner):
    """As a new catalogue would: the products derived now differ from those stored until a rebuild."""
    with app.app_context(), unit_of_work():
        db.session.add(ProductCorrection(match_kind="product", match="fabfilter|pro-q 2", name="Pro-Q 3",
                                         created_by="test", created_at=utc_now()))
    checked = runner.invoke(cli, ["rollups", "rebuild", "--check"])
    assert checked.exit_code == 1
    assert "plugins: 2 rows differ" in checked.output
    assert "2 plugin instances in live sessions would move to another product." in checked.output
    rebuilt = runner.invoke(cli, ["rollups", "rebuild"])
    assert rebuilt.exit_code == 0 and "Repaired" in rebuilt.output
    assert runner.invoke(cli, ["rollups", "rebuild", "--check"]).exit_code == 0
    assert few.get("/api/products/" + quote("fabfilter|pro-q 3")).get_json()["instances"] == 3


HOSTILE = ["\x00", "%00", "' OR 1=1 --", "<script>alert(1)</script>", "x" * 5000, "-1", "1e309", "NaN", "../../etc",
           "\u202e\U0001F600", "|"]


@pytest.mark.parametrize("path, parameter", [
    ("/plugins", "q"), ("/plugins", "vendor"), ("/plugins", "format"), ("/plugins", "category"),
    ("/plugins", "sort"), ("/plugins", "dir"), ("/plugins", "view"), ("/plugins", "page"),
    ("/products/fabfilter%7Cpro-q%202", "page"), ("/sessions", "plugin"),
    ("/api/products", "q"), ("/api/products", "vendor"), ("/api/products", "category"),
    ("/api/products", "limit"), ("/api/products", "offset"), ("/api/sessions/", "product"),
])
def test_hostile_values_get_an_answer_not_an_error(few, read, path, parameter):
    plugins = plugin_products(read)
    for value in HOSTILE:
        response = few.get(path, query_string={parameter: value})
        assert response.status_code in (200, 400, 404, 414, 422), (value, response.status_code)
        if response.status_code != 200:
            text = response.get_data(as_text=True)
            assert ("error" in response.get_json()) if response.is_json else ("<h1" in text)
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert plugin_products(read) == plugins


def test_hostile_product_keys_are_not_found_or_refused(few):
    for key in HOSTILE:
        for path in ("/products/", "/api/products/"):
            # A NUL is refused before any lookup.
            assert few.get(path + quote(key, safe="")).status_code in (400, 404), key
