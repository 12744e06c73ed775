"""Saved views: a list's state under a name, for its owner or shared with everyone."""
from bs4 import BeautifulSoup

from tests.auth import csrf_token
from tests.helpers import ingest


def views_of(client) -> dict[str, str]:
    page = BeautifulSoup(client.get("/sessions").data, "html.parser")
    return {link.get_text(): link["href"] for link in page.select(".saved-views .saved-view > a")}


def save(client, name, query, **form):
    return client.post("/views", data={"csrf_token": csrf_token(client), "page": "sessions", "name": name,
                                       "query": query, **form})


def test_views_are_their_owners_unless_shared_and_a_name_is_never_overwritten(auth, client):
    ingest(client, {"name": "Song", "fingerprint": "s", "daw": "REAPER"})
    viewer, other, editor = auth.client("viewer"), auth.client("viewer"), auth.client("editor")

    response = save(viewer, "  My   REAPER ", "daw=REAPER&size=25", shared="1")
    assert response.status_code == 302 and response.headers["Location"] == "/sessions?daw=REAPER&size=25"
    assert views_of(viewer) == {"My REAPER": "/sessions?daw=REAPER&size=25"}
    assert views_of(other) == {}  # a viewer's view is never shared

    save(editor, "Team mixes", "tag=mix", shared="1")
    assert views_of(other) == {"Team mixes": "/sessions?tag=mix"}
    page = BeautifulSoup(other.get("/sessions").data, "html.parser")
    assert "(shared)" in page.select_one(".saved-views").get_text()
    assert page.select_one(".saved-views form") is None  # not theirs to delete

    again = save(viewer, "My REAPER", "daw=Pro+Tools")
    assert "already have a view named" in viewer.get(again.headers["Location"]).data.decode()
    assert views_of(viewer)["My REAPER"] == "/sessions?daw=REAPER&size=25"
    assert "needs a name" in viewer.get(save(viewer, "   ", "").headers["Location"]).data.decode()
    assert save(viewer, "x", "", page="audit").status_code == 400

    page = BeautifulSoup(viewer.get("/sessions").data, "html.parser")
    delete_url = page.select_one(".saved-views form")["action"]
    assert other.post(delete_url, data={"csrf_token": csrf_token(other)}).status_code == 404
    deleted = viewer.post(delete_url, data={"csrf_token": csrf_token(viewer)})
    assert deleted.headers["Location"] == "/sessions?daw=REAPER&size=25"
    assert "What it showed: /sessions?daw=REAPER&amp;size=25" in viewer.get("/sessions").data.decode()
    assert "My REAPER" not in views_of(viewer)
    assert auth.client("viewer").post("/views", data={"page": "sessions", "name": "x"}).status_code == 400
