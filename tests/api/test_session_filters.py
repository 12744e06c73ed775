"""GET /api/sessions/ filters on a generated archive of a few hundred sessions.

Every filter's answer (which sessions, in which order, how many) is checked against the
same selection worked out in plain Python over the generated sessions.
"""
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

import pytest

from app.database import unit_of_work
from app.extensions import db
from app.services.ingest import ingest_sessions
from app.wire import SessionStatsSession

SEED = 20240611
SESSION_COUNT = 300
INGEST_BATCH = 50
PAGE_LIMIT = 500

ARTISTS = ["Marlow Keys", "Ivy Calder", "North Pier", "Dana Ruiz", "Static Garden", "Paper Moons", None]
PROJECTS = ["Debut LP", "Singles", "Film Score", None]
DAWS = ["Pro Tools", "Logic Pro", "Ableton Live", "REAPER", None]
TAGS = ["mix", "master", "vocals", "demo", "orchestral", "live"]
TITLE_WORDS = ["Night", "Drive", "Glass", "Hour", "Sunday", "Take", "River", "Song", "Lane", "Velvet"]
NOTE_WORDS = ["Wildfire", "moonlit", "harmonica", "retake", "bounce", "levels", "bridge", "chorus"]
TRACK_NAMES = ["Kick", "Snare", "Lead Vocal", "Bass DI", "Pads", "Room Mics", "Strings"]
# Names sharing parts in different cases, and names holding LIKE's wildcards, for the partial plugin filter.
PLUGINS = [
    ("Pro-Q 3", "FabFilter"), ("PRO-L 2", "FabFilter"), ("ProQ Legacy", "Retro Labs"), ("pro-c 2", "FabFilter"),
    ("Bus_Comp", "Studio Tools"), ("BusXComp", "Studio Tools"), ("Saturate 100%", "Heat Audio"),
    ("Saturate 1000", "Heat Audio"), ("EchoBoy", "Soundtoys"), ("Decapitator", "Soundtoys"),
    ("Room Verb", None), ("ValhallaRoom", "Valhalla DSP"),
]
ARCHIVE_START = datetime(2022, 1, 1, tzinfo=UTC)
ARCHIVE_SECONDS = 3 * 365 * 24 * 3600
PLUS_TWO = timezone(timedelta(hours=2))
WORD = re.compile(r"[^\W_]+")


@dataclass
class Generated:
    """One generated session as plain data, in ingest order."""

    index: int
    name: str
    artist: str | None
    project: str | None
    daw: str | None
    path: str | None
    notes: str | None
    created_at: datetime | None
    tags: list[str]
    tracks: list[tuple[str, list[tuple[str, str | None]]]] | None
    is_favorite: bool
    is_test: bool
    is_complete: bool
    wire: dict = field(repr=False, default_factory=dict)

    @property
    def session_id(self) -> str:
        """The id the session is ingested with."""
        return f"gen-{self.index:03d}"

    @property
    def plugin_names(self) -> list[str]:
        """The names of the plugins on the session's tracks, as spelled on each track."""
        return [name for _, plugins in self.tracks or () for name, _ in plugins]

    @property
    def vendors(self) -> set[str]:
        """The vendors of the session's plugins."""
        return {vendor for _, plugins in self.tracks or () for _, vendor in plugins if vendor}

    @property
    def words(self) -> list[str]:
        """The lower-cased words of everything full-text search looks at."""
        parts = [self.name, self.artist, self.project, self.notes, *self.tags,
                 *(name for name, _ in self.tracks or ()), *self.plugin_names]
        return WORD.findall(" ".join(part for part in parts if part).lower())

    @property
    def iso_created_at(self) -> str | None:
        """created_at as the API gives it."""
        return self.created_at and self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _created_at(rng: random.Random, earlier: list[datetime]) -> datetime | None:
    """A creation time over three years: some missing, some equal to an earlier one, some on a day's edge."""
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.18 and earlier:
        return rng.choice(earlier)
    moment = ARCHIVE_START + timedelta(seconds=rng.randrange(ARCHIVE_SECONDS))
    edge = rng.random()
    if edge < 0.06:
        return datetime.combine(moment.date(), time.min, UTC)
    if edge < 0.12:
        return datetime.combine(moment.date(), time(23, 59, 59), UTC)
    return moment


def _wire_time(moment: datetime, index: int) -> str:
    """`moment` written as UTC with Z, with a +02:00 offset, or naive (which means UTC)."""
    if index % 3 == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if index % 3 == 1:
        return moment.astimezone(PLUS_TWO).isoformat()
    return moment.replace(tzinfo=None).isoformat()


def _flag(rng: random.Random, chance: float, wire: dict, key: str) -> bool:
    """A flag that is on with `chance`; sometimes left out of the wire (which means off)."""
    value = rng.random() < chance
    if value or rng.random() > 0.2:
        wire[key] = value
    return value


def _tracks(rng: random.Random):
    """0-4 tracks with 0-3 plugins each, a plugin's name sometimes in another case; or None (no tracks sent)."""
    count = rng.randint(0, 4)
    if count == 0 and rng.random() < 0.5:
        return None
    tracks = []
    for _ in range(count):
        plugins = []
        for _ in range(rng.randint(0, 3)):
            name, vendor = rng.choice(PLUGINS)
            plugins.append((name.swapcase() if rng.random() < 0.15 else name, vendor))
        tracks.append((rng.choice(TRACK_NAMES), plugins))
    return tracks


def generate_archive(seed: int = SEED, count: int = SESSION_COUNT) -> list[Generated]:
    """`count` sessions with varied artists, DAWs, tags, plugins, dates, flags and notes."""
    rng = random.Random(seed)
    sessions, earlier = [], []
    for index in range(count):
        wire = {"id": f"gen-{index:03d}", "fingerprint": f"generated-{index}"}
        name = f"{rng.choice(TITLE_WORDS)} {rng.choice(TITLE_WORDS)} {index}"
        artist, project, daw = rng.choice(ARTISTS), rng.choice(PROJECTS), rng.choice(DAWS)
        path = None if rng.random() < 0.1 else f"/archive/{index:03d}/{name}.ptx"
        notes = None if rng.random() < 0.3 else " ".join(rng.sample(NOTE_WORDS, rng.randint(1, 4))) + "."
        created_at = _created_at(rng, earlier)
        tags = rng.sample(TAGS, rng.randint(0, 3))
        tracks = _tracks(rng)
        wire |= {"name": name, "tags": tags}
        for key, value in (("artist", artist), ("project", project), ("daw", daw), ("path", path),
                           ("notes", notes)):
            if value is not None:
                wire[key] = value
        if created_at is not None:
            earlier.append(created_at)
            wire["createdAt"] = _wire_time(created_at, index)
        if tracks is not None:
            wire["tracks"] = [{"name": track, "plugins": [{"name": plugin, **({"vendor": vendor} if vendor else {})}
                                                          for plugin, vendor in plugins]}
                              for track, plugins in tracks]
        sessions.append(Generated(
            index=index, name=name, artist=artist, project=project, daw=daw, path=path, notes=notes,
            created_at=created_at, tags=tags, tracks=tracks,
            is_favorite=_flag(rng, 0.3, wire, "isFavorite"), is_test=_flag(rng, 0.15, wire, "isTest"),
            is_complete=_flag(rng, 0.4, wire, "isComplete"), wire=wire))
    return sessions


ARCHIVE = generate_archive()
BY_ID = {session.session_id: session for session in ARCHIVE}


@pytest.fixture
def archive(app):
    """The generated sessions, ingested in batches in their order (so their pks follow it)."""
    with app.app_context():
        for start in range(0, len(ARCHIVE), INGEST_BATCH):
            batch = ARCHIVE[start:start + INGEST_BATCH]
            with unit_of_work():
                ingest_sessions(db.session, [SessionStatsSession.model_validate(s.wire) for s in batch])
    return ARCHIVE


@pytest.fixture
def viewer(auth):
    """A client sending a viewer's token."""
    return auth.client(token_role="viewer")


def newest_first(sessions) -> list[str]:
    """Session ids in the list's order: newest first, undated last, ties later-ingested first."""
    ordered = sorted(sessions, key=lambda s: (s.created_at is None,
                                              -(s.created_at.timestamp() if s.created_at else 0), -s.index))
    return [s.session_id for s in ordered]


def expected_ids(predicate) -> list[str]:
    """The ids of the generated sessions passing `predicate`, in the list's order."""
    return newest_first(s for s in ARCHIVE if predicate(s))


def assert_summary_matches(summary: dict):
    """A listed session says what was generated for it: fields, date, flags, tags, notes and counts."""
    session = BY_ID[summary["session_id"]]
    assert (summary["name"], summary["artist"], summary["project"], summary["session_path"]) == (
        session.name, session.artist, session.project, session.path)
    assert summary["created_at"] == session.iso_created_at
    metadata = summary["metadata"]
    assert (metadata["is_favorite"], metadata["is_test"], metadata["is_complete"]) == (
        session.is_favorite, session.is_test, session.is_complete), session.session_id
    assert metadata["tags"] == session.tags
    assert metadata["user_note"] == session.notes
    stats = summary["stats"]
    assert stats["daw"] == session.daw
    assert stats["track_count"] == len(session.tracks or ())
    assert stats["plugin_instances"] == len(session.plugin_names)


def page(client, params: list[tuple[str, str]], limit: int, offset: int) -> dict:
    """One page of the list for `params` (pairs, so a parameter may repeat)."""
    response = client.get("/api/sessions/?" + urlencode(params + [("limit", limit), ("offset", offset)]))
    assert response.status_code == 200, (params, response.get_json())
    body = response.get_json()
    assert (body["limit"], body["offset"]) == (limit, offset)
    for summary in body["sessions"]:
        assert_summary_matches(summary)
    return body


def listed(client, params: list[tuple[str, str]], limit: int = PAGE_LIMIT) -> tuple[list[str], int]:
    """Every session id the list gives for `params`, page after page, and its total_count."""
    ids, offset, totals = [], 0, set()
    while True:
        body = page(client, params, limit, offset)
        totals.add(body["total_count"])
        ids += [summary["session_id"] for summary in body["sessions"]]
        if len(body["sessions"]) < limit:
            break
        offset += limit
    assert len(totals) == 1, f"total_count changed between pages: {totals}"
    return ids, totals.pop()


def assert_filter(client, params, predicate, *, some=True):
    """The list for `params` is exactly the sessions passing `predicate`, in order, with their count.

    With `some`, the archive must hold both sessions that pass and sessions that do not, so
    that the check can tell a working filter from one that is ignored or matches nothing.
    """
    expected = expected_ids(predicate)
    if some:
        assert 0 < len(expected) < len(ARCHIVE), f"the generated archive does not exercise {params}"
    ids, total = listed(client, params)
    assert ids == expected, params
    assert total == len(expected), params


def has_word_prefix(session: Generated, *terms: str) -> bool:
    """Whether each of `terms` starts some word of the session's searchable text."""
    return all(any(word.startswith(term) for word in session.words) for term in terms)


def day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The first and last second of `moment`'s UTC day."""
    start = datetime.combine(moment.date(), time.min, UTC)
    return start, start + timedelta(days=1, seconds=-1)


def created_within(session: Generated, low: datetime | None = None, high: datetime | None = None) -> bool:
    """Whether the session has a created_at within [low, high] (either may be open)."""
    moment = session.created_at
    return moment is not None and (low is None or moment >= low) and (high is None or moment <= high)


def test_generated_archive_has_what_the_filters_need():
    tied = [s.created_at for s in ARCHIVE if s.created_at]
    assert len(tied) > len(set(tied)), "no two sessions share a created_at"
    assert any(s.created_at is None for s in ARCHIVE)
    assert any(s.created_at and s.created_at.time() == time.min for s in ARCHIVE)
    assert any(s.created_at and s.created_at.time() == time(23, 59, 59) for s in ARCHIVE)
    assert any(s.tracks is None for s in ARCHIVE) and any(not s.plugin_names for s in ARCHIVE)
    assert any(name != name.swapcase() and name.swapcase() in s.plugin_names
               for s in ARCHIVE for name, _ in PLUGINS)
    # Ties across ingest batches and within one.
    first_of = {}
    batches = set()
    for s in ARCHIVE:
        if s.created_at in first_of:
            batches.add(first_of[s.created_at] // INGEST_BATCH == s.index // INGEST_BATCH)
        elif s.created_at:
            first_of[s.created_at] = s.index
    assert batches == {True, False}


def test_unfiltered_list_is_every_session_newest_first(viewer, archive):
    assert_filter(viewer, [], lambda s: True, some=False)
    ids, total = listed(viewer, [])
    assert total == len(ARCHIVE) and sorted(ids) == sorted(BY_ID)


@pytest.mark.parametrize("parameter, attribute", [
    ("liked", "is_favorite"), ("test", "is_test"), ("complete", "is_complete")])
def test_flag_filters(viewer, archive, parameter, attribute):
    for value in (True, False):
        assert_filter(viewer, [(parameter, "true" if value else "false")],
                      lambda s, value=value: getattr(s, attribute) is value)


PLUGIN_PARTS = [
    "pro-q",        # Pro-Q 3 only: not ProQ Legacy
    "PROQ",         # ProQ Legacy in another case
    "pro",          # Pro-Q 3, PRO-L 2, ProQ Legacy, pro-c 2
    "o-L 2",
    "room",         # plugins only: a track named Room Mics does not count
    "%",            # literal: only Saturate 100%
    "0%",
    "_",            # literal: only Bus_Comp
    "s_c",          # literal: Bus_Comp but not BusXComp
    "saturate 10",
]


def test_plugin_filter_is_a_literal_case_insensitive_part_of_a_name(viewer, archive, plugin_filter_form):
    for part in PLUGIN_PARTS:
        assert_filter(viewer, [("plugin", part)],
                      lambda s, part=part: any(part.lower() in name.lower() for name in s.plugin_names))


def test_plugin_filter_without_a_match_gives_nothing(viewer, archive, plugin_filter_form):
    assert_filter(viewer, [("plugin", "pro_q")], lambda s: False, some=False)
    assert listed(viewer, [("plugin", "pro_q")]) == ([], 0)


def test_exact_filters_take_any_of_their_repeated_values(viewer, archive, plugin_filter_form):
    cases = [
        ([("vendor", "FabFilter")], lambda s: "FabFilter" in s.vendors),
        ([("vendor", "Studio Tools"), ("vendor", "Valhalla DSP")],
         lambda s: bool(s.vendors & {"Studio Tools", "Valhalla DSP"})),
        ([("daw", "REAPER")], lambda s: s.daw == "REAPER"),
        ([("daw", "Pro Tools"), ("daw", "Ableton Live")], lambda s: s.daw in ("Pro Tools", "Ableton Live")),
        ([("artist", "Ivy Calder")], lambda s: s.artist == "Ivy Calder"),
        ([("artist", "Ivy Calder"), ("artist", "North Pier")], lambda s: s.artist in ("Ivy Calder", "North Pier")),
        ([("tag", "orchestral")], lambda s: "orchestral" in s.tags),
        ([("tag", "mix"), ("tag", "demo")], lambda s: bool({"mix", "demo"} & set(s.tags))),
    ]
    for params, predicate in cases:
        assert_filter(viewer, params, predicate)
    # A whole value in any case, never a part of one.
    for params in ([("vendor", "Fab")], [("daw", "REAP")], [("artist", "Ivy")], [("tag", "mi")]):
        assert listed(viewer, params) == ([], 0), params
    for params, stored in (([("daw", "reaper")], "REAPER"), ([("vendor", "FABFILTER")], "FabFilter"),
                           ([("artist", "ivy calder")], "Ivy Calder"), ([("tag", "Mix")], "mix")):
        assert listed(viewer, params) == listed(viewer, [(params[0][0], stored)]) != ([], 0), params


SEARCHES = [
    ("Wildfire", ["wildfire"]),           # notes
    ("wildf", ["wildf"]),                 # the start of a word
    ("orchestral", ["orchestral"]),       # tags
    ("CALDER", ["calder"]),               # artist, any case
    ("moonlit harmonica", ["moonlit", "harmonica"]),
    ("calder orchestral", ["calder", "orchestral"]),  # words from different fields
    ("velvet lead", ["velvet", "lead"]),  # name and track
    ("decap singles", ["decap", "singles"]),          # plugin and project
]


def test_full_text_search_needs_every_word_as_a_word_or_its_start(viewer, archive, search_form):
    for q, terms in SEARCHES:
        assert_filter(viewer, [("q", q)], lambda s, terms=terms: has_word_prefix(s, *terms))


def test_full_text_search_without_a_match_or_without_words(viewer, archive, search_form):
    assert listed(viewer, [("q", "ildfire")]) == ([], 0)  # a word's middle is not its start
    assert listed(viewer, [("q", "wildfire zzzz")]) == ([], 0)
    assert_filter(viewer, [("q", " - ")], lambda s: True, some=False)


def test_date_filters_take_whole_days(viewer, archive):
    midnight = next(s.created_at for s in ARCHIVE if s.created_at and s.created_at.time() == time.min)
    last_second = next(s.created_at for s in ARCHIVE if s.created_at and s.created_at.time() == time(23, 59, 59))
    for day in (midnight.date(), last_second.date(), date(2023, 6, 15)):
        start, end = day_bounds(datetime.combine(day, time.min, UTC))
        assert_filter(viewer, [("from_date", day.isoformat())], lambda s, start=start: created_within(s, low=start))
        assert_filter(viewer, [("to_date", day.isoformat())], lambda s, end=end: created_within(s, high=end))
    start, end = day_bounds(midnight)
    assert_filter(viewer, [("from_date", midnight.date().isoformat()), ("to_date", midnight.date().isoformat())],
                  lambda s: created_within(s, start, end))
    start, end = day_bounds(last_second)
    assert_filter(viewer, [("from_date", last_second.date().isoformat()), ("to_date", last_second.date().isoformat())],
                  lambda s: created_within(s, start, end))
    assert_filter(viewer, [("from_date", "2023-01-01"), ("to_date", "2023-12-31")],
                  lambda s: created_within(s, datetime(2023, 1, 1, tzinfo=UTC), datetime(2023, 12, 31, 23, 59, 59,
                                                                                          tzinfo=UTC)))


def test_date_time_filters_are_exact_inclusive_bounds(viewer, archive):
    tied = [s.created_at for s in ARCHIVE if s.created_at]
    moment = next(m for m in tied if tied.count(m) > 1)
    second = timedelta(seconds=1)
    zulu = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    cases = [
        ([("from_date", zulu)], lambda s: created_within(s, low=moment)),
        ([("to_date", zulu)], lambda s: created_within(s, high=moment)),
        ([("from_date", (moment + second).strftime("%Y-%m-%dT%H:%M:%SZ"))],
         lambda s: created_within(s, low=moment + second)),
        ([("to_date", (moment - second).strftime("%Y-%m-%dT%H:%M:%SZ"))],
         lambda s: created_within(s, high=moment - second)),
        # The same instant with an offset, and without a zone (UTC).
        ([("from_date", moment.astimezone(PLUS_TWO).isoformat())], lambda s: created_within(s, low=moment)),
        ([("to_date", moment.replace(tzinfo=None).isoformat())], lambda s: created_within(s, high=moment)),
    ]
    for params, predicate in cases:
        assert_filter(viewer, params, predicate)
    ids, total = listed(viewer, [("from_date", zulu), ("to_date", zulu)])
    assert ids == expected_ids(lambda s: s.created_at == moment) and total == tied.count(moment) > 1
    # Mixed kinds of bound, and a date-time bound inside a day that a date bound would include whole.
    noon = datetime.combine(moment.date(), time(12), UTC)
    assert_filter(viewer, [("from_date", moment.date().isoformat()), ("to_date", "2024-03-01T12:00:00Z")],
                  lambda s: created_within(s, datetime.combine(moment.date(), time.min, UTC),
                                           datetime(2024, 3, 1, 12, tzinfo=UTC)), some=False)
    assert_filter(viewer, [("to_date", noon.strftime("%Y-%m-%dT%H:%M:%SZ"))],
                  lambda s: created_within(s, high=noon))


def test_filters_together_must_all_hold(viewer, archive, plugin_filter_form):
    cases = [
        ([("liked", "true"), ("daw", "Pro Tools"), ("daw", "REAPER"), ("from_date", "2023-01-01")],
         lambda s: s.is_favorite and s.daw in ("Pro Tools", "REAPER")
         and created_within(s, low=datetime(2023, 1, 1, tzinfo=UTC))),
        ([("plugin", "pro"), ("vendor", "FabFilter"), ("complete", "false")],
         lambda s: any("pro" in n.lower() for n in s.plugin_names) and "FabFilter" in s.vendors
         and not s.is_complete),
        ([("tag", "mix"), ("tag", "vocals"), ("test", "false"), ("to_date", "2023-06-30")],
         lambda s: bool({"mix", "vocals"} & set(s.tags)) and not s.is_test
         and created_within(s, high=datetime(2023, 6, 30, 23, 59, 59, tzinfo=UTC))),
        ([("q", "bounce"), ("artist", "Ivy Calder"), ("artist", "Dana Ruiz"), ("liked", "false")],
         lambda s: has_word_prefix(s, "bounce") and s.artist in ("Ivy Calder", "Dana Ruiz") and not s.is_favorite),
        ([("q", "chorus"), ("plugin", "echo"), ("vendor", "Soundtoys"), ("from_date", "2022-06-01"),
          ("to_date", "2024-06-01T00:00:00Z"), ("complete", "true")],
         lambda s: has_word_prefix(s, "chorus") and any("echo" in n.lower() for n in s.plugin_names)
         and "Soundtoys" in s.vendors and s.is_complete
         and created_within(s, datetime(2022, 6, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))),
    ]
    for params, predicate in cases:
        assert_filter(viewer, params, predicate)


def test_pages_concatenate_to_the_whole_list(viewer, archive):
    for params in ([], [("liked", "false")], [("q", "bridge")]):
        whole, total = listed(viewer, params)
        # Pages of one session are checked over the start of the list only, to keep the test short.
        for limit, end in ((1, 25), (37, total), (100, total)):
            pages, offset = [], 0
            while offset < end:
                body = page(viewer, params, limit, offset)
                assert body["total_count"] == total
                assert len(body["sessions"]) == min(limit, total - offset)
                pages += [summary["session_id"] for summary in body["sessions"]]
                offset += limit
            assert len(set(pages)) == len(pages)
            assert pages == whole[:end]
        for offset in (total, total + 1, total + 1000):
            body = page(viewer, params, 10, offset)
            assert (body["sessions"], body["total_count"]) == ([], total)
    default = viewer.get("/api/sessions/").get_json()
    assert (default["limit"], default["offset"], default["total_count"]) == (100, 0, len(ARCHIVE))
    assert [s["session_id"] for s in default["sessions"]] == newest_first(ARCHIVE)[:100]


@pytest.mark.parametrize("query, path", [
    ("limit=0", "limit"),
    ("limit=501", "limit"),
    ("limit=abc", "limit"),
    ("offset=-1", "offset"),
    ("liked=maybe", "liked"),
    ("liked=yes", "liked"),
    ("complete=on", "complete"),
    ("missing=2", "missing"),
    ("test=yes%20please", "test"),
    ("from_date=yesterday", "from_date"),
    ("to_date=2024-02-30", "to_date"),
    ("from_date=2024-05-02&to_date=2024-05-01", "to_date"),
    ("from_date=2024-05-01T12:00:00Z&to_date=2024-05-01T11:59:59Z", "to_date"),
    ("likd=true", "likd"),
    ("q=a&q=b", "q"),
    ("plugin=pro&plugin=eq", "plugin"),
])
def test_invalid_parameters_are_refused_naming_them(viewer, query, path):
    response = viewer.get(f"/api/sessions/?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert [detail["path"] for detail in error["details"]] == [path]
    assert all(detail["message"] for detail in error["details"])
