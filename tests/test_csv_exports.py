"""Every table as CSV: same filters and sort as its page, every page, RFC 4180, UTF-8, formulas neutralised."""
import csv
import io

import pytest
from bs4 import BeautifulSoup

from app.sample_data import generate_sessions
from tests.helpers import ingest


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data().decode("utf-8")
    assert "\r\n" in text  # RFC 4180 ends lines with CRLF
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def archive(client):
    assert ingest(client, *generate_sessions(60, seed=3)).status_code == 200
    assert ingest(client, {"name": "=1+1", "fingerprint": "formula", "artist": "@Evil", "project": "-2+3",
                           "tags": ["+cmd", "ok"], "notes": "x", "markers": [{"name": "=HYPERLINK(\"x\")", "tSec": 1}],
                           "tracks": [{"name": "Ünïcode ✓", "plugins": [{"name": "EQ", "vendor": "=Vendor"}]},
                                      {"name": "Empty"}],
                           "mediaFiles": [{"path": "/gone/=a.wav", "exists": False}]}).status_code == 200
    return client


def page_ids(client, query):
    ids, page = [], 1
    while True:
        html = BeautifulSoup(client.get(f"/sessions?{query}&size=200&page={page}").data, "html.parser")
        ids += [a["href"].rsplit("/", 1)[-1] for a in html.select("#sessions td.name a")]
        if not html.select_one("a[rel=next]"):
            return ids
        page += 1


@pytest.mark.parametrize("query", ["", "sort=name&dir=asc", "artist=Ivy+Calder&artist=North+Pier", "q=vocal",
                                   "liked=1", "from_date=2024-01-01&sort=tracks"])
def test_the_sessions_csv_holds_exactly_the_filtered_list_in_its_order(archive, query):
    exported = rows_of(archive.get(f"/sessions.csv?{query}"))
    assert [row["id"] for row in exported] == page_ids(archive, query)


def test_the_sessions_csv_neutralises_formulas_and_keeps_unicode(archive):
    row = next(row for row in rows_of(archive.get("/sessions.csv?q=1")) if "1+1" in row["name"])
    assert (row["name"], row["artist"], row["project"], row["tags"]) == ("'=1+1", "'@Evil", "'-2+3", "'+cmd; ok")
    assert (row["open_notes"], row["missing_media_files"], row["tracks"]) == ("0", "1", "2")
    tracks = rows_of(archive.get(f"/sessions/{row['id']}/tracks.csv"))
    assert [(t["track_name"], t["plugin"], t["vendor"]) for t in tracks] == [("Ünïcode ✓", "EQ", "'=Vendor"),
                                                                            ("Empty", "", "")]
    events = rows_of(archive.get(f"/sessions/{row['id']}/events.csv"))
    assert [(e["position"], e["kind"], e["text"]) for e in events] == [("0:01", "marker", "'=HYPERLINK(\"x\")")]
    plugins = rows_of(archive.get(f"/sessions/{row['id']}/plugins.csv"))
    assert [(p["plugin"], p["instances"], p["tracks"]) for p in plugins] == [("EQ", "1", "1")]
    missing = rows_of(archive.get("/media/missing.csv"))
    assert [(m["session"], m["path"], m["why"]) for m in missing] == [("'=1+1", "/gone/=a.wav",
                                                                      "not found by the last scan")]


def test_the_plugins_csv_lists_every_product_or_exact_plugin(archive):
    products = rows_of(archive.get("/plugins.csv"))
    total = int(BeautifulSoup(archive.get("/plugins").data, "html.parser").select_one("#summary strong").get_text()
                .replace(",", ""))
    assert len(products) == total and {"key", "name", "instances", "sessions"} <= set(products[0])
    instances = [int(row["instances"]) for row in products]
    assert instances == sorted(instances, reverse=True)
    exact = rows_of(archive.get("/plugins.csv?view=exact&sort=name&dir=asc"))
    page = BeautifulSoup(archive.get("/plugins?view=exact&sort=name&dir=asc").data, "html.parser")
    shown = [row.select_one("td a").get_text() for row in page.select("#results tbody tr")]
    assert len(shown) == 50 and [row["name"] for row in exact[:50]] == shown


def test_csv_links_carry_the_lists_state(archive):
    page = BeautifulSoup(archive.get("/sessions?artist=Ivy+Calder&artist=North+Pier&sort=name").data, "html.parser")
    assert page.select_one("#csv-link")["href"] == "/sessions.csv?artist=Ivy+Calder&artist=North+Pier&sort=name"
    session_id = next(row["id"] for row in rows_of(archive.get("/sessions.csv")) if row["name"] == "'=1+1")
    show = BeautifulSoup(archive.get(f"/sessions/{session_id}").data, "html.parser")
    for link, path in (("#tracks-csv", "tracks.csv"), ("#plugins-csv", "plugins.csv"), ("#events-csv", "events.csv")):
        assert show.select_one(link)["href"] == f"/sessions/{session_id}/{path}"


def test_a_csv_of_nothing_is_its_header_and_bad_filters_are_refused(archive):
    assert rows_of(archive.get("/sessions.csv?q=nothing-matches-this")) == []
    assert archive.get("/sessions.csv?liked=maybe").status_code == 400
    assert archive.get("/sessions/none/tracks.csv").status_code == 404
    assert archive.get("/sessions/none/events.csv").status_code == 404
    assert archive.get("/plugins.csv?view=other").status_code == 400
