"""The overview page and HTML errors."""
from bs4 import BeautifulSoup

from tests.helpers import SEED_EXAMPLE


def test_overview_shows_totals_and_last_ingest(client):
    empty = BeautifulSoup(client.get("/").data, "html.parser")
    assert "Nothing ingested yet" in empty.select_one("#last-ingest").get_text()

    client.post("/api/session-stats", json=SEED_EXAMPLE)
    client.post("/api/session-stats", json={"action": "ingestSessions", "payload": {"name": "B", "tracks": [
        {"name": "1", "plugins": [{"name": "X"}, {"name": "X"}]}, {"name": "2"}]}})
    page = BeautifulSoup(client.get("/").data, "html.parser")
    totals = {div.dt.get_text(): div.dd.get_text() for div in page.select("#totals div")}
    assert totals == {"Sessions": "2", "Tracks": "3", "Plugin instances": "3", "Products": "2", "Distinct plugins": "2"}
    assert page.select_one("#last-ingest time")["datetime"].endswith("Z")


def test_trashed_sessions_leave_the_totals(client):
    client.post("/api/session-stats", json=SEED_EXAMPLE)
    client.post("/api/session-stats", json={"action": "replaceSessions", "payload": []})
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert [dd.get_text() for dd in page.select("#totals dd")] == ["0", "0", "0", "0", "0"]


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert BeautifulSoup(response.data, "html.parser").h1.get_text().startswith("404")
