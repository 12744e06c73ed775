"""The overview page and HTML errors."""
from bs4 import BeautifulSoup

from app.extensions import db
from app.services.derived import check_derived
from tests.helpers import SEED_EXAMPLE, ingest


def test_overview_shows_totals_and_last_ingest(client):
    empty = BeautifulSoup(client.get("/").data, "html.parser")
    assert "Nothing ingested yet" in empty.select_one("#last-ingest").get_text()

    client.post("/api/session-stats", json=SEED_EXAMPLE)
    client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"name": "B", "tracks": [
        {"name": "1", "plugins": [{"name": "X"}, {"name": "X"}]}, {"name": "2"}]}})
    page = BeautifulSoup(client.get("/").data, "html.parser")
    totals = {div.dt.get_text(): div.dd.get_text(strip=True) for div in page.select("#totals dl div")}
    assert totals == {"Sessions": "2", "Tracks": "3", "Plugin instances": "3", "Products": "2", "Distinct plugins": "2",
                      "Open notes": "0", "Missing media files": "0"}
    assert page.select_one("#last-ingest time")["datetime"].endswith("Z")


def test_trashed_sessions_leave_the_totals(client):
    client.post("/api/session-stats", json=SEED_EXAMPLE)
    client.post("/api/session-stats", json={"action": "replaceSessions", "payload": []})
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert [dd.get_text(strip=True) for dd in page.select("#totals dd")] == ["0"] * 7


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert BeautifulSoup(response.data, "html.parser").h1.get_text().startswith("404")


def test_the_overview_charts_sessions_per_month_by_daw_from_the_counts_kept(app, client):
    daws = ["Pro Tools"] * 4 + ["REAPER"] * 3 + ["Ableton Live", "FL Studio", "Studio One", "Bitwig Studio", "Cubase"]
    ingest(client, *({"name": f"S{n}", "fingerprint": f"s{n}", "daw": daw, "createdAt": f"2024-0{1 + n % 3}-10T10:00:00Z"}
                     for n, daw in enumerate(daws)), {"name": "Undated", "fingerprint": "u", "daw": "REAPER"})
    page = BeautifulSoup(client.get("/").data, "html.parser")
    legend = [item.get_text(strip=True) for item in page.select("#daw-months .legend li")]
    assert legend == ["Pro Tools", "REAPER", "Ableton Live", "Bitwig Studio", "Cubase", "Other"]
    table = [[cell.get_text() for cell in row.select("td")] for row in page.select("#daw-months .chart-numbers tbody tr")]
    assert [row[0] for row in table] == ["2024-01", "2024-02", "2024-03"]
    assert sum(int(row[-1]) for row in table) == len(daws)
    assert sum(int(row[1]) for row in table) == 4 and sum(int(row[-2]) for row in table) == 2  # Other: FL, Studio One
    assert len(page.select("#daw-months svg rect")) == sum(1 for row in table for cell in row[1:-1] if cell != "0")
    csv_rows = client.get("/?csv=months").data.decode().splitlines()
    assert csv_rows[0] == "month,daw,sessions" and sum(int(row.rsplit(",", 1)[1]) for row in csv_rows[1:]) == len(daws)

    trashed = client.get("/api/session-stats?limit=1").get_json()["sessions"][0]["id"]
    client.delete(f"/api/session-stats/{trashed}")
    with app.app_context():
        assert check_derived(db.session) == []
    assert "No dated sessions in this time" in client.get("/?range=1y").data.decode()
    assert client.get("/?range=forever").status_code == 400


def test_the_overview_charts_the_top_products_and_gives_them_as_csv(client):
    ingest(client, *({"name": f"S{n}", "fingerprint": f"s{n}", "tracks": [{"name": "Bus", "plugins": [
        {"name": "Pro-Q 3", "vendor": "FabFilter", "format": "VST3"}] * (1 + n % 3) + [
        {"name": "EchoBoy", "vendor": "Soundtoys", "format": "AU"}]}]} for n in range(6)))
    page = BeautifulSoup(client.get("/").data, "html.parser")
    bars = [rect.title.get_text() for rect in page.select("#top-products-chart rect")]
    assert bars == ["Pro-Q 3: 12", "EchoBoy: 6"]
    widths = [float(rect["width"]) for rect in page.select("#top-products-chart rect")]
    assert widths[0] == 400 and widths[1] == 200
    rows = client.get("/?csv=products").data.decode().splitlines()
    assert rows == ["product,vendor,category,instances,sessions", "Pro-Q 3,FabFilter,EQ,12,6", "EchoBoy,Soundtoys,Delay,6,6"]
