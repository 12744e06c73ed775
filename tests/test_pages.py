"""The dashboard's pages: whole pages and htmx fragments, filters, facets, sort, pages, trash."""
from datetime import date

import pytest
from bs4 import BeautifulSoup

from app.normalize import plugin_id
from app.sample_data import generate_sessions
from app.services.queries import PAGE_SIZE
from tests.auth import csrf_token
from tests.helpers import ingest

SAMPLES = list(generate_sessions(80, seed=5))


def soup(response):
    assert response.status_code == 200, response.data[:500]
    return BeautifulSoup(response.data, "html.parser")


def listed(client, query=""):
    """(total, names on the page) of the sessions list for a query string."""
    page = soup(client.get(f"/sessions?{query}"))
    total = int(page.select_one("#summary strong").get_text().replace(",", ""))
    return total, [td.get_text() for td in page.select("#sessions tbody td.name a")]


def expected(predicate):
    return sorted(s["name"] for s in SAMPLES if predicate(s))


def all_names(client, query):
    total, names = listed(client, query + "&sort=name&dir=asc")
    pages = -(-total // PAGE_SIZE)
    for number in range(2, pages + 1):
        names += listed(client, f"{query}&sort=name&dir=asc&page={number}")[1]
    assert len(names) == total
    return sorted(names)


def plugin_ids(session):
    return {plugin_id(p["name"], p.get("vendor"), p.get("version"), p.get("format"))
            for t in session["tracks"] for p in t.get("plugins", [])}


@pytest.fixture
def archive(client):
    assert ingest(client, *SAMPLES).status_code == 200
    return client


def test_every_filter_selects_what_an_independent_check_selects(archive):
    first = SAMPLES[0]
    some_plugin = sorted(plugin_ids(first))[0]
    day = lambda s: date.fromisoformat(s["createdAt"][:10])  # noqa: E731
    cases = {
        f"artist={first['artist']}": lambda s: s.get("artist") == first["artist"],
        f"daw={first['daw']}&daw=REAPER": lambda s: s.get("daw") in (first["daw"], "REAPER"),
        f"project={first['project']}": lambda s: s.get("project") == first["project"],
        "tag=mix": lambda s: "mix" in s.get("tags", []),
        f"product={some_plugin}": lambda s: some_plugin in plugin_ids(s),
        "vendor=Soundtoys": lambda s: any(p.get("vendor") == "Soundtoys" for t in s["tracks"] for p in t.get("plugins", [])),
        "format=CLAP": lambda s: any(p.get("format") == "CLAP" for t in s["tracks"] for p in t.get("plugins", [])),
        "liked=1": lambda s: s.get("isFavorite") is True,
        "test=0": lambda s: not s.get("isTest"),
        "complete=1": lambda s: s.get("isComplete") is True,
        "from_date=2020-01-01&to_date=2022-12-31": lambda s: date(2020, 1, 1) <= day(s) <= date(2022, 12, 31),
        "sample_rate=48000": lambda s: s.get("sampleRate") == 48000,
        f"artist={first['artist']}&liked=0": lambda s: s.get("artist") == first["artist"] and not s.get("isFavorite"),
    }
    for query, predicate in cases.items():
        assert all_names(archive, query) == expected(predicate), query
        assert expected(predicate) or query.startswith(("liked", "complete", "format")), f"{query} selects nothing"


def test_search_sort_and_pages(archive):
    total, names = listed(archive)
    assert total == len(SAMPLES) and len(names) == PAGE_SIZE
    newest = sorted(SAMPLES, key=lambda s: s["createdAt"], reverse=True)
    assert names == [s["name"] for s in newest[:PAGE_SIZE]]
    assert listed(archive, "page=2")[1] == [s["name"] for s in newest[PAGE_SIZE:]]
    assert listed(archive, "page=99")[1] == [s["name"] for s in newest[PAGE_SIZE:]]

    by_tracks = soup(archive.get("/sessions?sort=tracks&dir=desc"))
    counts = [int(td.get_text().replace(",", "")) for td in by_tracks.select("#sessions tbody td.tracks")]
    assert counts == sorted((len(s["tracks"]) for s in SAMPLES), reverse=True)[:PAGE_SIZE]
    assert listed(archive, "sort=name&dir=asc")[1] == sorted(s["name"] for s in SAMPLES)[:PAGE_SIZE]

    word = SAMPLES[3]["name"].split()[0][:4].lower()
    assert all_names(archive, f"q={word}") == expected(
        lambda s: any(w.lower().startswith(word) for w in " ".join(
            [s["name"], s.get("artist") or "", s.get("project") or "", s.get("notes") or "", *s.get("tags", []),
             *(t["name"] for t in s["tracks"]), *(p["name"] for t in s["tracks"] for p in t.get("plugins", []))]
        ).replace("-", " ").replace("#", " ").split()))


@pytest.mark.parametrize("query", ["sort=size", "dir=up", "page=0", "page=x", "liked=maybe", "from_date=yesterday",
                                   "sample_rate=high"])
def test_nonsense_in_the_query_string_is_a_clear_400(client, query):
    response = client.get(f"/sessions?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in BeautifulSoup(response.data, "html.parser").select_one("main p").get_text()


def test_facets_count_the_filtered_sessions_and_toggle(archive):
    page = soup(archive.get("/sessions/facets?tag=mix"))
    for daw, count in facet_counts(page, "daw").items():
        assert count == len(expected(lambda s: "mix" in s.get("tags", []) and s.get("daw") == daw))
    mix = page.select_one('.facet[data-facet="tag"] li.selected a')
    assert mix.get_text() == "mix" and mix["href"] == "/sessions"
    first_daw = page.select_one('.facet[data-facet="daw"] li a')
    assert first_daw["href"].startswith("/sessions?tag=mix&daw=")


def test_facet_links_carry_values_with_spaces_and_symbols_exactly(archive):
    page = soup(archive.get("/sessions/facets?tag=mix"))
    values = []
    for name in ("daw", "vendor"):
        for link in page.select(f'.facet[data-facet="{name}"] li a'):
            value, (path, _, query) = link.get_text(), link["href"].partition("?")
            assert path == "/sessions" and query.startswith("tag=mix&"), link["href"]
            assert all_names(archive, query) == expected(
                lambda s: "mix" in s.get("tags", []) and (name, value) in facet_values(s)), link["href"]
            values.append(value)
    assert any(" " in value for value in values), "no facet value with a space to check"


def facet_counts(page, name):
    return {li.a.get_text(): int(li.select_one(".count").get_text().replace(",", ""))
            for li in page.select(f'.facet[data-facet="{name}"] li') if li.a}


def facet_values(session):
    """(facet, value) pairs of a sample session, each once."""
    plugins = [p for track in session["tracks"] for p in track.get("plugins", [])]
    return ({("artist", session.get("artist")), ("daw", session.get("daw"))}
            | {("tag", tag) for tag in session.get("tags", [])}
            | {("vendor", p.get("vendor")) for p in plugins} | {("format", p.get("format")) for p in plugins})


def expected_facets(sessions):
    counts = {}
    for session in sessions:
        for name, value in facet_values(session):
            if value is not None:
                counts.setdefault(name, {}).setdefault(value, 0)
                counts[name][value] += 1
    return {name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:10]) for name, values in counts.items()}


def test_unfiltered_facets_are_the_maintained_counts_of_every_live_session(archive):
    page = soup(archive.get("/sessions/facets"))
    assert page.select_one("#facet-sample") is None
    wanted = expected_facets(SAMPLES)
    for name in ("artist", "daw", "tag", "vendor", "format"):
        assert facet_counts(page, name) == wanted[name], name


def test_facets_of_a_large_selection_count_its_newest_sessions_and_say_so(archive, monkeypatch):
    monkeypatch.setattr("app.services.facets.FACET_SAMPLE", 10)
    matching = [s for s in SAMPLES if s.get("daw") != "Pro Tools"]
    page = soup(archive.get("/sessions/facets?" + "&".join(f"daw={d}" for d in {s["daw"] for s in matching})))
    note = " ".join(page.select_one("#facet-sample").get_text().split())
    assert note.startswith("Counts over the newest 10 sessions of this list.")
    newest = sorted(matching, key=lambda s: s["createdAt"], reverse=True)[:10]
    wanted = expected_facets(newest)
    for name in ("artist", "tag", "vendor", "format"):
        assert facet_counts(page, name) == wanted.get(name, {}), name

    artist = SAMPLES[0]["artist"]
    theirs = [s for s in SAMPLES if s["artist"] == artist]
    assert len(theirs) <= 10
    narrow = soup(archive.get(f"/sessions/facets?artist={artist}&sort=name"))
    assert narrow.select_one("#facet-sample") is None
    assert facet_counts(narrow, "vendor") == expected_facets(theirs)["vendor"]


def test_the_list_shows_its_table_and_loads_its_facets_after(archive):
    page = soup(archive.get("/sessions?tag=mix&sort=name"))
    assert page.select(".facet") == [] and page.select("#sessions tbody tr")
    panel = page.select_one("#facets #facet-panel")
    assert panel["hx-get"] == "/sessions/facets?tag=mix&sort=name" and panel["hx-trigger"] == "load"
    assert panel["hx-swap"] == "outerHTML"
    assert page.select_one("#facet-panel noscript a")["href"] == "/sessions/facets?tag=mix&sort=name"


def test_the_facet_panel_is_a_fragment_for_htmx_and_a_page_of_its_own(archive):
    tagged = expected(lambda s: "mix" in s.get("tags", []))
    part = archive.get("/sessions/facets?tag=mix", headers={"HX-Request": "true"})
    assert "HX-Request" in part.headers["Vary"]
    fragment = soup(part)
    assert fragment.find("html") is None and fragment.find(True)["id"] == "facet-panel"
    mix = fragment.select_one('.facet[data-facet="tag"] li.selected a')
    assert mix["href"] == mix["hx-get"] == "/sessions" and mix["hx-target"] == "#results"
    assert sum(facet_counts(fragment, "daw").values()) == len(tagged)
    assert "mix" in [option["value"] for option in fragment.select("datalist#bulk-tags option")]

    whole = soup(archive.get("/sessions/facets?tag=mix"))
    assert whole.h1.get_text() == "Filters"
    assert whole.find("a", string="Back to the sessions")["href"] == "/sessions?tag=mix"
    links = whole.select(".facet li a")
    assert links and all(link["href"].startswith("/sessions") and not link.has_attr("hx-get") for link in links)
    assert facet_counts(whole, "daw") == facet_counts(fragment, "daw")


def test_the_facet_panel_refuses_what_the_list_refuses(archive):
    for query in ("size=7", "sort=nonesuch", "from_date=yesterday"):
        assert archive.get(f"/sessions/facets?{query}").status_code == archive.get(f"/sessions?{query}").status_code \
            == 400, query


def test_htmx_gets_the_fragment_and_a_browser_the_page(archive):
    whole = archive.get("/sessions?q=a")
    part = archive.get("/sessions?q=a", headers={"HX-Request": "true"})
    restore = archive.get("/sessions?q=a", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    for response in (whole, part, restore):
        assert "HX-Request" in response.headers["Vary"]
    assert BeautifulSoup(whole.data, "html.parser").select_one("html #results")
    fragment = BeautifulSoup(part.data, "html.parser")
    assert fragment.find("html") is None and fragment.find(True)["id"] == "results"
    assert BeautifulSoup(restore.data, "html.parser").select_one("html #q")["value"] == "a"

    totals = BeautifulSoup(archive.get("/", headers={"HX-Request": "true"}).data, "html.parser")
    root = totals.find(True)
    assert root["id"] == "totals" and root["hx-trigger"] == "every 10s"


def test_home_shows_top_plugins_and_latest_sessions(archive):
    page = soup(archive.get("/"))
    rows = page.select("#top-plugins tbody tr")
    instances = [int(r.select("td")[2].get_text().replace(",", "")) for r in rows]
    assert len(rows) == 10 and instances == sorted(instances, reverse=True)
    latest = [a.get_text() for a in page.select("#latest-sessions tbody a")]
    assert latest == [s["name"] for s in sorted(SAMPLES, key=lambda s: s["createdAt"], reverse=True)[:10]]


def test_a_session_page_shows_tracks_chains_usage_and_sources(client):
    ingest(client, {"name": "Chain", "fingerprint": "c", "tags": ["mix", "vocals"], "notes": "two takes",
                    "sources": [{"type": "manual", "path": "/archive/chain.ptx"}],
                    "tracks": [{"name": "Vox", "plugins": [
                        {"name": "Pro-Q 3", "vendor": "FabFilter", "slot": "A", "preset": "Air"},
                        {"name": "CLA-76", "vendor": "Waves", "slot": "B", "active": False}]},
                               {"name": "Bass"}]})
    session_id = client.get("/api/session-stats").get_json()["sessions"][0]["id"]
    page = soup(client.get(f"/sessions/{session_id}"))
    assert page.h1.get_text().strip() == "Chain"
    assert [li.select_one(".track-name").contents[0].strip() for li in page.select("#tracks > li")] == ["Vox", "Bass"]
    chain = page.select("#tracks > li")[0].select(".chain li")
    assert [li.get_text(" ", strip=True) for li in chain] == ["A Pro-Q 3 “Air”", "B CLA-76 (inactive)"]
    assert "inactive" in chain[1]["class"]
    assert [a.get_text() for a in page.select("#tags a")] == ["mix", "vocals"]
    assert [r.select("td")[0].get_text() for r in page.select("#usage tbody tr")] == ["CLA-76", "Pro-Q 3"]
    assert page.select_one("#sources code").get_text() == "/archive/chain.ptx"
    assert client.get("/sessions/unknown").status_code == 404


def test_trash_restore_and_purge_from_the_page(auth, client):
    ingest(client, {"name": "Old mix", "fingerprint": "o"}, {"name": "Kept", "fingerprint": "k"})
    ids = {s["name"]: s["id"] for s in client.get("/api/session-stats").get_json()["sessions"]}
    client.delete(f"/api/session-stats/{ids['Old mix']}")
    assert listed(client)[1] == ["Kept"]

    editor = auth.client("editor")
    page = soup(editor.get("/trash"))
    assert [a.get_text() for a in page.select("#trash tbody a")] == ["Old mix"]
    assert page.select("#trash form button")[0].get_text() == "Restore" and len(page.select("#trash form")) == 1
    assert editor.post(f"/trash/{ids['Old mix']}/restore", data={"csrf_token": csrf_token(editor)}).status_code == 302
    assert sorted(listed(client)[1]) == ["Kept", "Old mix"]

    client.delete(f"/api/session-stats/{ids['Old mix']}")
    assert client.post(f"/trash/{ids['Old mix']}/purge", data={"csrf_token": csrf_token(client)}).status_code == 302
    assert client.get(f"/api/session-stats/{ids['Old mix']}").status_code == 404
    assert "empty" in soup(client.get("/trash")).select_one("#trash td").get_text()


def test_page_size_and_columns_are_list_state(archive):
    page = soup(archive.get("/sessions?size=25&cols=path&cols=artist"))
    assert len(page.select("#sessions tbody tr")) == 25
    assert [th.get_text(strip=True) for th in page.select("#sessions thead th")][-3:] == ["Name", "Artist", "Path"]
    assert page.select_one("#sessions tbody td.path code").get_text().startswith("/")
    # The search box's form carries them, as it carries the rest of the list's state.
    carried = {(field["name"], field["value"]) for field in page.select("input[type=hidden][form=filters]")}
    assert {("size", "25"), ("cols", "path"), ("cols", "artist")} <= carried
    default = soup(archive.get("/sessions"))
    assert len(default.select("#sessions tbody tr")) == PAGE_SIZE and not default.select("td.path")
    for query in ("size=30", "size=x", "cols=secret"):
        assert archive.get(f"/sessions?{query}").status_code == 400, query
