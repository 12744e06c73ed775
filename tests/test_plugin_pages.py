"""The plugins list (exact and by product) and one plugin's page."""
from collections import Counter, defaultdict
from urllib.parse import quote, unquote

import pytest
from bs4 import BeautifulSoup

from app.normalize import plugin_id, product_key
from app.services.plugins import every_month
from app.sample_data import generate_sessions
from tests.helpers import ingest

SAMPLES = list(generate_sessions(40, seed=9))


def soup(response):
    assert response.status_code == 200, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def usage(key):
    """Per key: instances, the sessions using it (by name), tracks; counted from the payloads."""
    instances, sessions, tracks = Counter(), defaultdict(set), Counter()
    for session in SAMPLES:
        for track in session["tracks"]:
            on_track = set()
            for p in track.get("plugins", []):
                k = key(p)
                instances[k] += 1
                sessions[k].add(session["name"])
                on_track.add(k)
            for k in on_track:
                tracks[k] += 1
    return instances, sessions, tracks


def exact(p):
    return plugin_id(p["name"], p.get("vendor"), p.get("version"), p.get("format"))


def product(p):
    return product_key(p["name"], p.get("vendor"))


def table(page, selector):
    return [[td.get_text(strip=True) for td in row.select("td")] for row in page.select(f"{selector} tbody tr")]


@pytest.fixture
def archive(client):
    assert ingest(client, *SAMPLES).status_code == 200
    return client


def test_exact_and_product_totals_equal_a_recount(archive):
    instances, sessions, tracks = usage(exact)
    page = soup(archive.get("/plugins?view=exact&sort=name&dir=asc"))
    assert int(page.select_one("#summary strong").get_text()) == len(instances)
    rows = table(page, "#plugins")
    links = [a["href"] for a in page.select("#plugins tbody td:first-child a")]
    assert len(rows) == min(len(instances), 50)
    for row, link in zip(rows, links):
        key = unquote(link.removeprefix("/plugins/"))
        assert [int(v.replace(",", "")) for v in row[6:9]] == [instances[key], len(sessions[key]), tracks[key]]

    p_instances, p_sessions, p_tracks = usage(product)
    page = soup(archive.get("/plugins?sort=instances"))
    links = [a["href"] for a in page.select("#plugins tbody td:first-child a")]
    for row, link in zip(table(page, "#plugins"), links):
        key = unquote(link.removeprefix("/products/"))
        assert [int(v.replace(",", "")) for v in row[4:7]] == [p_instances[key], len(p_sessions[key]), p_tracks[key]]


def test_filters_and_sorting(archive):
    rows = table(soup(archive.get("/plugins?view=exact&vendor=FabFilter&format=VST3")), "#plugins")
    assert rows and all(r[1] == "FabFilter" and r[4] == "VST3" for r in rows)
    instances = [int(r[6].replace(",", "")) for r in rows]
    assert instances == sorted(instances, reverse=True)
    assert {r[0] for r in table(soup(archive.get("/plugins?q=pro-q")), "#plugins")} == {"Pro-Q 3"}
    by_category = table(soup(archive.get("/plugins?category=EQ")), "#plugins")
    assert by_category and {r[2] for r in by_category} == {"EQ"}
    assert archive.get("/plugins?view=both").status_code == 400
    assert archive.get("/plugins?sort=colour").status_code == 400


def test_a_plugin_page_lists_exactly_the_sessions_that_use_it(archive):
    instances, sessions, tracks = usage(exact)
    key = max(instances, key=lambda k: (len(sessions[k]), k))
    page = soup(archive.get(f"/plugins/{quote(key)}"))
    names = [r[0] for r in table(page, "#plugin-sessions")]
    assert sorted(names) == sorted(sessions[key])
    by_name = {s["name"]: s for s in SAMPLES}
    assert names == sorted(names, key=lambda n: by_name[n]["createdAt"], reverse=True)
    bars = [int(t.get_text().split(": ")[1].replace(",", "")) for t in page.select("#months rect title")]
    numbers = [int(td.get_text().replace(",", "")) for td in page.select("#months .chart-numbers td.num")]
    assert sum(bars) == sum(numbers) == len(sessions[key])
    assert page.select_one("#variants tr.current")

    p_instances, p_sessions, _ = usage(product)
    pkey = product(next(p for s in SAMPLES for t in s["tracks"] for p in t.get("plugins", []) if exact(p) == key))
    product_page = soup(archive.get(f"/products/{quote(pkey)}"))
    assert int(product_page.select_one("#using .count").get_text()) == len(p_sessions[pkey])
    assert archive.get("/plugins/no%7Csuch").status_code == 404
    fragment = BeautifulSoup(archive.get(f"/plugins/{quote(key)}", headers={"HX-Request": "true"}).data,
                             "html.parser")
    assert fragment.find(True)["id"] == "using"


def test_a_product_page_merges_its_variants_page_by_page(client):
    def instance(format_, version):
        return {"name": "Pro-Q 3", "vendor": "FabFilter", "version": version, "format": format_}

    sessions = []
    for day in range(120):
        tracks = []
        if day % 2 == 0:
            tracks += [{"name": "Bus", "plugins": [instance("VST3", "3.21")]},
                       {"name": "Vox", "plugins": [instance("VST3", "3.21")]}]
        if day % 3 == 0:
            tracks.append({"name": "Keys", "plugins": [instance("AU", "3.24")]})
        if day % 5 == 0:
            tracks.append({"name": "Undated", "plugins": [instance("AAX Native", "3.24")]})
        sessions.append({"name": f"Day {day:03d}", "fingerprint": f"day-{day}", "tracks": tracks,
                         **({"createdAt": f"2021-{1 + day // 28:02d}-{1 + day % 28:02d}T12:00:00Z"}
                            if day % 5 else {})})
    assert ingest(client, *sessions).status_code == 200
    trashed = next(s["id"] for s in client.get("/api/session-stats?limit=500").get_json()["sessions"]
                   if s["name"] == "Day 114")
    client.delete(f"/api/session-stats/{trashed}")

    def instances(day):
        return 2 * (day % 2 == 0) + (day % 3 == 0) + (day % 5 == 0)

    using = [day for day in range(120) if instances(day) and day != 114]
    # Newest first; sessions without a date last, newest-ingested first among them.
    wanted = sorted((d for d in using if d % 5), reverse=True) + sorted((d for d in using if not d % 5), reverse=True)
    url = f"/products/{quote(product_key('Pro-Q 3', 'FabFilter'))}"
    assert int(soup(client.get(url)).select_one("#using .count").get_text()) == len(using) == 87
    listed = []
    for number in (1, 2):
        listed += [(row[0], int(row[4])) for row in table(soup(client.get(f"{url}?page={number}")), "#plugin-sessions")]
    assert listed == [(f"Day {day:03d}", instances(day)) for day in wanted]


def test_months_without_sessions_are_shown_empty():
    assert every_month([("2023-11", 2), ("2024-02", 1)]) == [("2023-11", 2), ("2023-12", 0), ("2024-01", 0),
                                                            ("2024-02", 1)]
    assert every_month([]) == []


def test_a_chart_of_months_reads_with_one_month_or_ten_years_and_gives_its_numbers(client):
    ten_years = [{"name": f"Take {n}", "fingerprint": f"t{n}", "createdAt": f"{2016 + n // 12}-{1 + n % 12:02d}-05T10:00:00Z",
                  "tracks": [{"name": "Bus", "plugins": [{"name": "Decapitator", "vendor": "Soundtoys"}]}]}
                 for n in range(0, 120, 7)]
    ingest(client, *ten_years, {"name": "Once", "fingerprint": "once", "createdAt": "2020-06-01T00:00:00Z",
                                "tracks": [{"name": "Vox", "plugins": [{"name": "EchoBoy", "vendor": "Soundtoys"}]}]})
    url = f"/products/{quote(product_key('Decapitator', 'Soundtoys'))}"
    page = soup(client.get(url))
    chart = page.select_one("#months svg")
    assert len(chart.select("rect")) == 120  # every month from the first to the last, empty ones at 0
    labels = [float(text["x"]) for text in chart.select("text.axis[text-anchor=middle]")]
    assert 5 <= len(labels) <= 12 and all(b - a >= 50 for a, b in zip(labels, labels[1:]))
    assert [text.get_text() for text in chart.select("text.axis[text-anchor=end]")][:2] == ["0", "1"]
    assert not chart.select("text.value")  # too many bars to label each
    csv_link = page.select_one("#months a[download]")["href"]
    rows = client.get(csv_link).data.decode().splitlines()
    assert rows[0] == "month,sessions" and len(rows) == 1 + 120 and sum(int(r.split(",")[1]) for r in rows[1:]) == 18

    once = soup(client.get(f"/products/{quote(product_key('EchoBoy', 'Soundtoys'))}")).select_one("#months svg")
    assert [rect.title.get_text() for rect in once.select("rect")] == ["2020-06: 1"]
    assert [text.get_text() for text in once.select("text.value")] == ["1"]
    recent = soup(client.get(f"{url}?range=1y"))
    assert not recent.select("#months svg") and "in this time" in recent.select_one(".empty").get_text()
    assert client.get(f"{url}?range=2y").status_code == 400 and client.get(f"{url}?csv=all").status_code == 400
