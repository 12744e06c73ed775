"""The sessions list shows its rows first and its count after when counting every match would take longer.

With the threshold at 0, PostgreSQL always expects more matches than that, so a list no kept
figure counts comes without its count there. SQLite keeps no estimates: its lists always come
counted. Both must end up showing the same numbers.
"""
import pytest
from bs4 import BeautifulSoup

from app.extensions import db
from app.services.queries import SessionQuery, count_sessions, list_sessions
from tests.helpers import ingest

SESSIONS = 30


@pytest.fixture
def app_config():
    return {"COUNT_LATER_ABOVE": 0}


@pytest.fixture
def archive(client):
    ingest(client, *[{"name": f"Take {n:02}", "fingerprint": f"t{n}", "daw": "REAPER" if n % 2 else "Pro Tools",
                      "notes": "drums" if n < 27 else "strings", "tags": ["mix"] if n % 3 else []}
                     for n in range(SESSIONS)])
    return client


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def counted_later(app) -> bool:
    return app.config["DATABASE_URL"].startswith("postgresql")


def test_a_list_left_to_count_has_its_rows_and_whether_more_follow(app, archive):
    query = SessionQuery(q="drums", page_size=25)
    with app.app_context():
        page = list_sessions(db.session, query, count_later_above=0)
        counted = list_sessions(db.session, query)
        assert [row.name for row, _ in page.rows] == [row.name for row, _ in counted.rows]
        assert len(page.rows) == 25 and page.more and counted.more
        assert (page.total, page.pages) == ((None, None) if counted_later(app) else (27, 2))
        assert (counted.total, counted.pages) == (27, 2)
        assert count_sessions(db.session, query) == 27

        last = list_sessions(db.session, SessionQuery(q="drums", page_size=25, page=2), count_later_above=0)
        assert [row.name for row, _ in last.rows] == ["Take 01", "Take 00"] and not last.more
        # Past the last page the list is counted, to show the last page instead.
        past = list_sessions(db.session, SessionQuery(q="drums", page_size=25, page=9), count_later_above=0)
        assert (past.total, past.page, past.pages, len(past.rows)) == (27, 2, 2, 2)


def test_a_list_a_kept_figure_counts_is_always_counted_at_once(app, archive):
    with app.app_context():
        for query, total in ((SessionQuery(), 30), (SessionQuery(daw=("REAPER",)), 15),
                             (SessionQuery(tag=("mix",)), 20), (SessionQuery(daw=("Pro Tools",), tag=("mix",)), 10)):
            page = list_sessions(db.session, query, count_later_above=0)
            assert page.total == count_sessions(db.session, query) == total


def test_the_page_asks_for_its_count_and_the_count_fills_in_the_pager(app, archive):
    page = soup(archive.get("/sessions?q=drums&size=25"))
    assert len(page.select("#sessions tbody tr")) == 25
    assert page.select_one("#csv-link") is not None
    summary, pager = page.select_one("#session-count"), page.select_one(".pager")
    if counted_later(app):
        assert summary["hx-get"] == "/sessions/count?q=drums&size=25" and summary["aria-busy"] == "true"
        assert summary.get_text(" ", strip=True).startswith("Counting the sessions")
        assert pager.select_one("span").get_text() == "Page 1"
        assert page.select_one("#bulk-total").get_text() == ""
    else:
        assert summary.get_text(" ", strip=True) == "27 sessions"
        assert pager.select_one("span").get_text() == "Page 1 of 2"
        assert page.select_one("#bulk-total").get_text() == "27 "
    assert pager.select_one("a[rel=next]")["href"].endswith("page=2")
    assert pager.select_one("a[rel=prev]") is None

    fragment = soup(archive.get("/sessions/count?q=drums&size=25", headers={"HX-Request": "true"}))
    assert fragment.select_one("#session-count").get_text(" ", strip=True) == "27 sessions"
    assert fragment.select_one("#bulk-total[hx-swap-oob]").get_text() == "27 "
    assert fragment.select_one("#pages-of[hx-swap-oob]").get_text() == " of 2"
    assert fragment.select_one("html, nav, h1") is None


def test_the_count_opened_directly_is_a_page_leading_back_to_the_list(archive):
    page = soup(archive.get("/sessions/count?q=strings&daw=Pro+Tools"))
    assert page.select_one("h1").get_text() == "Sessions matching"
    assert page.select_one(".summary").get_text(" ", strip=True) == \
        "1 session pass the filters and the search of this list."
    assert page.select_one(".page-head a")["href"] == "/sessions?q=strings&daw=Pro+Tools"
    assert page.select("[hx-swap-oob]") == []


def test_the_last_page_and_a_page_past_it(app, archive):
    last = soup(archive.get("/sessions?q=drums&size=25&page=2"))
    assert [cell.get_text(strip=True) for cell in last.select("#sessions td.name")] == ["Take 01", "Take 00"]
    pager = last.select_one(".pager")
    assert pager.select_one("a[rel=next]") is None and pager.select_one("a[rel=prev]") is not None
    past = soup(archive.get("/sessions?q=drums&size=25&page=9"))
    assert past.select_one("#session-count").get_text(" ", strip=True) == "27 sessions"
    assert past.select_one(".pager span").get_text() == "Page 2 of 2"


def test_a_count_with_bad_parameters_is_refused_and_one_without_a_match_is_zero(archive):
    assert archive.get("/sessions/count?sort=nope").status_code == 400
    assert soup(archive.get("/sessions/count?q=zzzz", headers={"HX-Request": "true"})).select_one(
        "#session-count").get_text(" ", strip=True) == "0 sessions"


@pytest.mark.parametrize(("query", "later"), [
    (SessionQuery(plugin="100%_x", q="drums"), False),  # no plugin has such a name: the database knows it is empty
    (SessionQuery(artist=("O'Brien %s", "x"), q="it's"), True),
    (SessionQuery(q="drums", daw=("Pro Tools", "REAPER"), tag=("mix",)), True),
])
def test_the_database_is_asked_for_its_estimate_with_any_value(app, archive, query, later):
    """The estimate is asked with the list's own statement: quotes, percent signs and lists of values included."""
    with app.app_context():
        page = list_sessions(db.session, query, count_later_above=0)
        counted = count_sessions(db.session, query)
        assert page.total == (None if counted_later(app) and later else counted)
        assert len(page.rows) == min(counted, query.page_size)
