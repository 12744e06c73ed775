"""Where the time went across the archive: the analytics API and page give the same figures as a count from the raw
activities, kept on every write, on both databases."""
import csv
import io
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from app.extensions import db
from app.services.derived import check_derived
from tests.helpers import ingest

# (session, kind, start, minutes): March and April 2025, two artists, one session later trashed.
WORK = [
    ("a", "tracking", datetime(2025, 3, 3, 10, tzinfo=UTC), 180),
    ("a", "mixing", datetime(2025, 3, 4, 14, tzinfo=UTC), 150),
    ("b", "mixing", datetime(2025, 3, 11, 9, tzinfo=UTC), 90),
    ("b", "editing", datetime(2025, 3, 31, 23, 30, tzinfo=UTC), 60),  # crosses into April: counts in March
    ("c", "mastering", datetime(2025, 4, 2, 10, tzinfo=UTC), 48),  # counts as 45 minutes in the median
    ("a", "mixing", datetime(2025, 4, 15, 10, tzinfo=UTC), 120),
    ("gone", "mixing", datetime(2025, 3, 5, 10, tzinfo=UTC), 600),  # its session goes to the trash
]
SESSIONS = {"a": ("Lumen", "Tides"), "b": ("Lumen", "Harbour"), "c": ("North Pier", "EP"), "gone": ("Lumen", "Tides")}
DAWS = {"a": "Pro Tools", "b": "REAPER", "c": "Pro Tools", "gone": "REAPER"}
# Who did each kind of work.
PEOPLE = {"tracking": "Jon", "editing": "Jon", "mixing": "Mara", "mastering": "Ife"}


@pytest.fixture
def logged(client):
    ingest(client, *[{"name": f"Song {key}", "fingerprint": key, "artist": artist, "project": project, "daw": DAWS[key],
                      "startedAt": "2025-03-01T09:00:00Z"} for key, (artist, project) in SESSIONS.items()])
    ids = {s["fingerprint"]: s["id"] for s in client.get("/api/session-stats").get_json()["sessions"]}
    for key, kind, start, minutes in WORK:
        answer = client.post(f"/api/sessions/{ids[key]}/activities", json={
            "kind": kind, "started_at": start.isoformat(), "duration_seconds": minutes * 60, "person": PEOPLE[kind]})
        assert answer.status_code == 201, answer.get_json()
    deleted = client.post(f"/api/sessions/{ids['c']}/activities", json={
        "kind": "other", "started_at": "2025-04-03T10:00:00Z", "duration_seconds": 3600}).get_json()
    assert client.delete(f"/api/activities/{deleted['id']}").status_code == 200
    assert client.delete(f"/api/session-stats/{ids['gone']}").status_code == 200
    return [entry for entry in WORK if entry[0] != "gone"]


def expected(work, period_of) -> dict[str, tuple[float, int, dict]]:
    """Per period: hours, sessions worked on, hours by kind, counted from the raw entries."""
    seconds, sessions, kinds = defaultdict(int), defaultdict(set), defaultdict(lambda: defaultdict(int))
    for key, kind, start, minutes in work:
        period = period_of(start)
        seconds[period] += minutes * 60
        sessions[period].add(key)
        kinds[period][kind] += minutes * 60
    return {period: (round(seconds[period] / 3600, 2), len(sessions[period]),
                     {kind: round(value / 3600, 2) for kind, value in kinds[period].items()}) for period in seconds}


def medians(work) -> dict[str, float]:
    """Per month, the median of the sessions' minutes of work in it (each rounded down to five), in hours, from the
    raw entries."""
    minutes = defaultdict(lambda: defaultdict(int))
    for key, _, start, length in work:
        minutes[start.strftime("%Y-%m")][key] += length
    return {month: round(statistics.median(length // 5 * 5 for length in by_session.values()) / 60, 2)
            for month, by_session in minutes.items()}


def figures(answer) -> dict[str, tuple[float, int, dict]]:
    return {p["period"]: (p["hours"], p["sessions"], {k: v for k, v in p["by_kind"].items() if v})
            for p in answer["periods"] if p["hours"]}


def test_hours_per_month_and_week_equal_a_count_of_the_raw_activities(app, client, logged):
    months = client.get("/api/analytics/hours?period=month&from=2025-02-01&to=2025-05-31").get_json()
    assert [p["period"] for p in months["periods"]] == ["2025-02", "2025-03", "2025-04", "2025-05"]
    assert figures(months) == expected(logged, lambda start: start.strftime("%Y-%m"))
    assert months["periods"][0] == {"period": "2025-02", "hours": 0, "sessions": 0, "started": 0,
                                    "average_hours": None, "median_hours": None,
                                    "by_kind": {kind: 0 for kind in ("tracking", "editing", "production", "mixing",
                                                                     "mastering", "other")}}
    by_month = expected(logged, lambda start: start.strftime("%Y-%m"))
    assert {p["period"]: p["average_hours"] for p in months["periods"] if p["sessions"]} == {
        month: round(hours / sessions, 2) for month, (hours, sessions, _) in by_month.items()}
    assert {p["period"]: p["median_hours"] for p in months["periods"] if p["sessions"]} == medians(logged)
    # Every session of the fixture but the trashed one started on 2025-03-01.
    assert [p["started"] for p in months["periods"]] == [0, 3, 0, 0]
    weeks = client.get("/api/analytics/hours?period=week&from=2025-03-01&to=2025-04-30").get_json()
    assert weeks["periods"][0]["period"] == "2025-W09" and weeks["periods"][-1]["period"] == "2025-W18"
    assert figures(weeks) == expected(logged, lambda start: f"{start.isocalendar()[0]}-W{start.isocalendar()[1]:02d}")
    with app.app_context():
        assert check_derived(db.session) == []


def test_the_page_charts_the_same_figures_with_their_tables_and_csv(client, logged):
    url = "/analytics?from=2025-03-01&to=2025-04-30&month=2025-03"
    soup = BeautifulSoup(client.get(url).data, "html.parser")
    by_month = expected(logged, lambda start: start.strftime("%Y-%m"))
    assert soup.select_one("#hours-total").text.startswith(f"{sum(h for h, _, _ in by_month.values()):.1f} hours")
    legend = [item.text for item in soup.select("#hours-chart .legend li")]
    assert legend == sorted({kind for _, kind, _, _ in logged})
    # One segment per kind worked in each month.
    assert len(soup.select("#hours-chart svg rect")) == sum(len(kinds) for _, _, kinds in by_month.values())
    table = {row.select("td")[0].text: float(row.select("td")[-1].text) for row in soup.select("#hours-chart tbody tr")}
    assert table == {month: hours for month, (hours, _, _) in by_month.items()}
    assert [row.select("td")[1].text for row in soup.select("#started-chart tbody tr")] == ["3", "0"]
    averages = {row.select("td")[0].text: (float(row.select("td")[1].text), float(row.select("td")[2].text))
                for row in soup.select("#average-chart tbody tr")}
    assert [name.text for name in soup.select("#average-chart .legend li")] == ["Average", "Median"]
    assert averages == {month: (round(hours / sessions, 2), medians(logged)[month])
                        for month, (hours, sessions, _) in by_month.items()}
    average_csv = list(csv.reader(io.StringIO(client.get(url + "&csv=average").data.decode())))
    assert average_csv[0] == ["month", "hours per session", "median hours per session"]
    assert average_csv[1:] == [[month, str(value), str(median)] for month, (value, median) in averages.items()]

    billing = [[cell.text for cell in row.select("td")[:4]] for row in soup.select("#billing tbody tr")]
    assert billing == [["Lumen", "Tides", "5.5", "1"], ["Lumen", "Harbour", "2.5", "1"]]
    exported = client.get(url + "&csv=billing")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="hours-2025-03.csv"'
    assert list(csv.reader(io.StringIO(exported.data.decode())))[1:] == [["Lumen", "Tides", "5.5", "1"],
                                                                         ["Lumen", "Harbour", "2.5", "1"]]
    hours_csv = list(csv.reader(io.StringIO(client.get(url + "&csv=hours").data.decode())))
    assert hours_csv[0] == ["month", "kind", "hours", "sessions"]
    assert sum(float(row[2]) for row in hours_csv[1:]) == pytest.approx(sum(h for h, _, _ in by_month.values()))


def test_sessions_started_per_week_equal_a_count_of_their_starts(app, client):
    starts = ["2024-12-29T23:59:00Z", "2024-12-30T00:00:00Z", "2025-01-05T12:00:00Z", "2025-01-06T08:00:00Z",
              "2025-01-06T09:00:00Z", "2025-01-20T10:00:00Z"]
    ingest(client, *[{"name": f"Start {n}", "fingerprint": f"s{n}", "startedAt": start} for n, start in
                     enumerate(starts)])
    ingest(client, {"name": "Binned", "fingerprint": "binned", "startedAt": "2025-01-06T10:00:00Z"})
    binned = next(s["id"] for s in client.get("/api/session-stats").get_json()["sessions"] if s["name"] == "Binned")
    assert client.delete(f"/api/session-stats/{binned}").status_code == 200
    expected = defaultdict(int)
    for start in starts:
        year, week, _ = datetime.fromisoformat(start).isocalendar()
        expected[f"{year}-W{week:02d}"] += 1
    query = {"period": "week", "from": "2024-12-23", "to": "2025-01-26"}
    soup = BeautifulSoup(client.get("/analytics", query_string=query).data, "html.parser")
    assert soup.select_one("#started-title").text == "Sessions started per week"
    shown = {row.select("td")[0].text: int(row.select("td")[1].text) for row in soup.select("#started-chart tbody tr")}
    assert list(shown) == ["2024-W52", "2025-W01", "2025-W02", "2025-W03", "2025-W04"]
    assert shown == {week: expected.get(week, 0) for week in shown}
    exported = list(csv.reader(io.StringIO(client.get("/analytics", query_string={**query, "csv": "started"})
                                           .data.decode())))
    assert exported == [["week", "sessions"], *([week, str(count)] for week, count in shown.items())]
    answer = client.get("/api/analytics/hours", query_string=query).get_json()
    assert {period["period"]: period["started"] for period in answer["periods"]} == shown


def test_the_default_span_is_the_last_twelve_months_and_empty_says_so(client):
    answer = client.get("/api/analytics/hours").get_json()
    today = date.today()
    assert len(answer["periods"]) == 12 and answer["periods"][-1]["period"] == today.strftime("%Y-%m")
    soup = BeautifulSoup(client.get("/analytics").data, "html.parser")
    assert "No work is logged in this span" in soup.select_one("section").text
    assert soup.select_one("#billing .empty").text.startswith("No work is logged in")


@pytest.mark.parametrize("query, path", [
    ("period=day", "period"), ("from=2025-05-01&to=2025-04-01", "query"), ("from=yesterday", "from"),
    ("to=2025-02-30", "to"), ("from=1900-01-01&to=2025-01-01&period=week", "query"), ("colour=red", "colour"),
    ("period=week&period=month", "period"), ("to=0", "to"), ("from=9999-12-25&to=9999-12-31&period=week", "query"),
])
def test_the_api_refuses_a_span_that_makes_no_sense(client, query, path):
    answer = client.get(f"/api/analytics/hours?{query}")
    assert answer.status_code == 422
    assert path in [problem["path"] for problem in answer.get_json()["error"]["details"]]


def test_the_page_refuses_a_bad_month_in_words(client):
    answer = client.get("/analytics?month=2025-13")
    assert answer.status_code == 400 and b"month" in answer.data
    assert client.get(f"/analytics?from={(date.today() + timedelta(days=1)).isoformat()}").status_code == 400


def test_each_daws_sessions_per_quarter_equal_a_count_of_the_sessions_with_the_rest_as_other(client):
    daws = ["Pro Tools", "REAPER", "Ableton Live", "FL Studio", "Studio One", "Logic Pro", "Bitwig Studio"]
    sessions = [{"name": f"Song {number}", "fingerprint": f"f{number}", "daw": daws[number % 7 if number % 3 else 0],
                 "createdAt": f"2025-{number % 12 + 1:02d}-15T12:00:00Z"} for number in range(60)]
    ingest(client, *sessions, {"name": "Trashed", "fingerprint": "gone", "daw": "REAPER",
                               "createdAt": "2025-02-01T00:00:00Z"})
    trashed = client.get("/api/sessions/?q=Trashed").get_json()["sessions"][0]["session_id"]
    assert client.delete(f"/api/session-stats/{trashed}").status_code == 200
    counted = defaultdict(lambda: defaultdict(int))
    for session in sessions:
        if "2025-02" <= session["createdAt"][:7] <= "2025-10":
            counted[session["daw"]][f"2025-Q{(int(session['createdAt'][5:7]) - 1) // 3 + 1}"] += 1
    ranked = sorted(counted, key=lambda daw: (-sum(counted[daw].values()), daw))
    named, other = ranked[:5], defaultdict(int)
    for daw in ranked[5:]:
        for quarter, count in counted[daw].items():
            other[quarter] += count

    url = "/analytics?from=2025-02-01&to=2025-10-31"
    soup = BeautifulSoup(client.get(url).data, "html.parser")
    assert [item.text for item in soup.select("#daws-chart .legend li")] == [*named, "Other"]
    header = [cell.text for cell in soup.select("#daws-chart thead th")]
    rows = {row.select("td")[0].text: [int(cell.text) for cell in row.select("td")[1:]]
            for row in soup.select("#daws-chart tbody tr")}
    assert header == ["Quarter", *named, "Other", "All"]
    assert list(rows) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    for quarter, cells in rows.items():
        expected_row = [counted[daw].get(quarter, 0) for daw in named] + [other.get(quarter, 0)]
        assert cells == [*expected_row, sum(expected_row)]
    assert len(soup.select("#daws-chart svg rect")) == sum(1 for cells in rows.values() for count in cells[:-1] if count)

    exported = list(csv.reader(io.StringIO(client.get(url + "&csv=daws").data.decode())))
    assert exported[0] == ["quarter", "daw", "sessions", "share %"]
    for quarter in rows:
        shares = [float(row[3]) for row in exported[1:] if row[0] == quarter]
        assert sum(shares) == pytest.approx(100, abs=0.5)


def plugin(name, vendor):
    return {"name": name, "vendor": vendor, "format": "VST3"}


def test_plugin_adoption_per_month_and_the_products_that_moved_equal_a_count_of_the_sessions(client):
    old, new, steady = plugin("Pro-Q 3", "FabFilter"), plugin("Pro-Q 4", "FabFilter"), plugin("EchoBoy", "Soundtoys")
    # Pro-Q 3 in the first months, Pro-Q 4 in the last ones, EchoBoy in every month: January to June 2025.
    uses = {1: [old, steady], 2: [old, steady], 3: [old, new, steady], 4: [new, steady], 5: [new, steady],
            6: [new, steady]}
    ingest(client, *[{"name": f"Song {month}-{copy}", "fingerprint": f"s{month}-{copy}",
                      "createdAt": f"2025-{month:02d}-10T12:00:00Z", "tracks": [{"name": "Bus", "plugins": plugins}]}
                     for month, plugins in uses.items() for copy in range(month % 3 + 1)])
    copies = {month: month % 3 + 1 for month in uses}
    keys = {product["name"]: product["key"] for product in client.get("/api/products?limit=100").get_json()["products"]}
    expected = {name: [copies[month] if any(p["name"] == name for p in uses[month]) else 0 for month in uses]
                for name in ("Pro-Q 3", "Pro-Q 4", "EchoBoy")}

    answer = client.get("/api/analytics/plugins", query_string={
        "from": "2025-01-01", "to": "2025-06-30", "product": [keys["Pro-Q 4"], keys["Pro-Q 3"]]}).get_json()
    assert answer["months"] == [f"2025-{month:02d}" for month in uses]
    assert [(p["name"], p["sessions"]) for p in answer["products"]] == [
        ("FabFilter Pro-Q 4", expected["Pro-Q 4"]), ("FabFilter Pro-Q 3", expected["Pro-Q 3"])]
    halves = {name: (sum(counts[:3]) / 3, sum(counts[3:]) / 3) for name, counts in expected.items()}
    moved = {name: after - before for name, (before, after) in halves.items() if after != before}
    assert [(m["key"], m["change"]) for m in answer["grew"]] == sorted(
        ((keys[name], round(change, 2)) for name, change in moved.items() if change > 0), key=lambda m: -m[1])
    assert [(m["key"], m["change"]) for m in answer["fell"]] == sorted(
        ((keys[name], round(change, 2)) for name, change in moved.items() if change < 0), key=lambda m: m[1])

    refused = client.get("/api/analytics/plugins", query_string={"product": ["no|such"]})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"][0]["path"] == "product"
    too_many = client.get("/api/analytics/plugins", query_string={"product": [f"p{n}" for n in range(6)]})
    assert too_many.status_code == 422

    url = f"/analytics?from=2025-01-01&to=2025-06-30&product={keys['Pro-Q 3']}&product={keys['Pro-Q 4']}"
    soup = BeautifulSoup(client.get(url).data, "html.parser")
    assert len(soup.select("#adoption-chart svg polyline")) == 2
    assert len(soup.select("#adoption-chart svg circle")) == 2 * len(uses)
    table = [[int(cell.text) for cell in row.select("td")[1:]] for row in soup.select("#adoption-chart tbody tr")]
    assert table == [list(pair) for pair in zip(expected["Pro-Q 3"], expected["Pro-Q 4"])]
    assert [a.text for a in soup.select("#grew a")] == ["FabFilter Pro-Q 4"]
    exported = list(csv.reader(io.StringIO(client.get(url + "&csv=adoption").data.decode())))
    assert exported[0] == ["month", "product", "name", "sessions"] and len(exported) == 1 + 2 * len(uses)
    unknown = BeautifulSoup(client.get("/analytics?product=no%7Csuch").data, "html.parser")
    assert "No product has the key" in unknown.select_one("#adoption-unknown").text


@pytest.mark.parametrize("artists, projects", [(["Lumen"], []), ([], ["EP"]), (["Lumen"], ["Harbour", "EP"]),
                                               (["Nobody"], [])])
def test_hours_of_some_artists_and_projects_equal_a_count_of_their_activities(client, logged, artists, projects):
    mine = [entry for entry in logged if (not artists or SESSIONS[entry[0]][0] in artists)
            and (not projects or SESSIONS[entry[0]][1] in projects) and entry[0] != "gone"]
    query = {"period": "month", "from": "2025-02-01", "to": "2025-05-31", "artist": artists, "project": projects}
    answer = client.get("/api/analytics/hours", query_string=query).get_json()
    assert [p["period"] for p in answer["periods"]] == ["2025-02", "2025-03", "2025-04", "2025-05"]
    assert figures(answer) == expected(mine, lambda start: start.strftime("%Y-%m"))
    page = BeautifulSoup(client.get("/analytics", query_string=query).data, "html.parser")
    shown = float(page.select_one("#hours-total").text.split(" hours")[0].replace(",", ""))
    assert shown == round(sum(minutes for *_, minutes in mine) / 60, 1)
    # The other forms of the page keep the filter, and so do the CSV links.
    assert [field["value"] for field in page.select('#adoption-products input[name="artist"]')] == artists
    assert [field["value"] for field in page.select('#adoption-products input[name="project"]')] == projects
    if mine:
        exported = client.get(page.select_one("#hours-chart figcaption a")["href"]).data.decode()
        assert sum(float(row[2]) for row in list(csv.reader(io.StringIO(exported)))[1:]) == pytest.approx(
            sum(minutes for *_, minutes in mine) / 60)


@pytest.mark.parametrize("name, chosen, of", [("daw", ["REAPER"], lambda entry: DAWS[entry[0]]),
                                              ("daw", ["Pro Tools", "REAPER"], lambda entry: DAWS[entry[0]]),
                                              ("person", ["Mara"], lambda entry: PEOPLE[entry[1]]),
                                              ("person", ["Jon", "Ife"], lambda entry: PEOPLE[entry[1]])])
def test_hours_of_some_daws_or_people_equal_a_count_of_their_activities(client, logged, name, chosen, of):
    mine = [entry for entry in logged if of(entry) in chosen]
    query = {"period": "month", "from": "2025-02-01", "to": "2025-05-31", name: chosen}
    answer = client.get("/api/analytics/hours", query_string=query).get_json()
    assert figures(answer) == expected(mine, lambda start: start.strftime("%Y-%m"))
    assert all(period["median_hours"] is None for period in answer["periods"])
    page = BeautifulSoup(client.get("/analytics", query_string=query).data, "html.parser")
    assert ", ".join(chosen) in page.select_one("#hours-title").text
    assert [field["value"] for field in page.select(f'#adoption-products input[name="{name}"]')] == chosen
    if name == "person":
        assert [option["value"] for option in page.select("#people option")] == ["Ife", "Jon", "Mara"]


@pytest.mark.parametrize("query", [{"period": "week", "daw": "REAPER"}, {"period": "week", "person": "Mara"},
                                   {"artist": "Lumen", "daw": "REAPER"}, {"daw": "REAPER", "person": "Mara"}])
def test_the_hours_narrow_by_months_and_one_kind_of_filter_at_a_time(client, query):
    refused = client.get("/api/analytics/hours", query_string=query)
    assert refused.status_code == 422
    message = refused.get_json()["error"]["details"][0]["message"]
    assert "period=month" in message if query.get("period") == "week" else "one of" in message
    page = client.get("/analytics", query_string=query)
    assert page.status_code == 400 and message in page.data.decode()


def test_artist_and_project_narrow_months_only(client):
    refused = client.get("/api/analytics/hours", query_string={"period": "week", "artist": "Lumen"})
    assert refused.status_code == 422
    assert "ask for period=month" in refused.get_json()["error"]["details"][0]["message"]
