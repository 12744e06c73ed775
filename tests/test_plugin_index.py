"""Plugin filters over versions and formats, in each form they take, and the index behind them kept current."""
import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Plugin, Session
from app.services.derived import check_derived
from app.services.queries import SessionQuery, select_sessions
from app.services.search import PLUGIN_TABLE
from tests.helpers import ingest

PRO_Q_31 = {"name": "Pro-Q 3", "vendor": "FabFilter", "version": "3.1", "format": "VST3"}
PRO_Q_32 = {"name": "Pro-Q 3", "vendor": "FabFilter", "version": "3.2", "format": "AAX"}
PRO_L = {"name": "Pro-L 2", "vendor": "FabFilter", "version": "2.0", "format": "VST3"}
ECHOBOY_AU = {"name": "EchoBoy", "vendor": "Soundtoys", "version": "5", "format": "AU"}
ECHOBOY_VST3 = {"name": "EchoBoy", "vendor": "Soundtoys", "version": "5", "format": "VST3"}
DECAPITATOR = {"name": "Decapitator", "vendor": "Soundtoys", "version": "5", "format": "AAX"}
ROOM_VERB = {"name": "Room Verb"}
# One product (names are compared trimmed), but only the first holds " tape".
TAPE_1 = {"name": " Tape Echo", "vendor": "Reel", "version": "1"}
TAPE_2 = {"name": "Tape Echo", "vendor": "Reel", "version": "2"}
# Non-ASCII values: the index spells vendors in SQL and queries spell them in Python.
ORESUND = {"name": "Øresund Verb", "vendor": "Sønder Audio", "version": "1", "format": "CLAP"}
SESSIONS = {
    "s1": [PRO_Q_31, ECHOBOY_AU],
    "s2": [PRO_Q_32],
    "s3": [PRO_L, DECAPITATOR],
    "s4": [ROOM_VERB],
    "s5": [ECHOBOY_VST3],
    "s6": [],
    "s7": [TAPE_1],
    "s8": [TAPE_2],
    "s9": [ORESUND, ROOM_VERB],
}


def session(session_id, plugins, day=1):
    return {"id": session_id, "name": session_id.upper(), "createdAt": f"2024-03-{day:02d}T12:00:00Z",
            "tracks": [{"name": "Bus", "plugins": plugins}]}


@pytest.fixture
def archive(client):
    for day, (session_id, plugins) in enumerate(SESSIONS.items(), start=1):
        assert ingest(client, session(session_id, plugins, day)).status_code == 200
    return dict(SESSIONS)


def selected(app, **filters) -> tuple[list[str], int]:
    with app.app_context():
        rows, total = select_sessions(db.session, SessionQuery(**filters), [Session.id], limit=100, offset=0)
        return sorted(row.id for row in rows), total


def plugin_pk_id(app, plugin) -> str:
    with app.app_context():
        return db.session.scalar(select(Plugin.id).where(Plugin.name == plugin["name"],
                                                         Plugin.version == plugin.get("version")))


def expect(sessions, test) -> tuple[list[str], int]:
    ids = sorted(session_id for session_id, plugins in sessions.items() if test(plugins))
    return ids, len(ids)


def test_each_plugin_filter_matches_exactly_its_sessions(app, archive, plugin_filter_form):
    pro_q_31 = plugin_pk_id(app, PRO_Q_31)
    cases = [
        ({"product": (pro_q_31,)}, lambda plugins: PRO_Q_31 in plugins),  # one version of a product with two
        ({"vendor": ("FabFilter",)}, lambda plugins: any(p.get("vendor") == "FabFilter" for p in plugins)),
        ({"format": ("VST3",)}, lambda plugins: any(p.get("format") == "VST3" for p in plugins)),
        ({"format": ("AU",)}, lambda plugins: any(p.get("format") == "AU" for p in plugins)),
        ({"plugin": "pro-q"}, lambda plugins: any("pro-q" in p["name"].lower() for p in plugins)),
        ({"plugin": "o"}, lambda plugins: any("o" in p["name"].lower() for p in plugins)),
        ({"vendor": ("FabFilter",), "format": ("AAX",)},
         lambda plugins: any(p.get("vendor") == "FabFilter" for p in plugins)
         and any(p.get("format") == "AAX" for p in plugins)),
        ({"vendor": ("Soundtoys", "FabFilter"), "plugin": "echo"},
         lambda plugins: any(p.get("vendor") in ("Soundtoys", "FabFilter") for p in plugins)
         and any("echo" in p["name"].lower() for p in plugins)),
        ({"plugin": "verb"}, lambda plugins: ROOM_VERB in plugins),
        ({"plugin": " tape"}, lambda plugins: TAPE_1 in plugins),
        ({"vendor": ("Sønder Audio",)}, lambda plugins: ORESUND in plugins),
        ({"format": ("CLAP",)}, lambda plugins: ORESUND in plugins),
        ({"plugin": "Øresund"}, lambda plugins: ORESUND in plugins),
        ({"plugin": "tape"}, lambda plugins: TAPE_1 in plugins or TAPE_2 in plugins),
        ({"plugin": "nothing like it"}, lambda plugins: False),
    ]
    for filters, test in cases:
        assert selected(app, **filters) == expect(archive, test), filters


def test_filters_follow_changed_trashed_and_restored_sessions(app, client, archive, plugin_filter_form):
    echo = lambda plugins: any("echoboy" in p["name"].lower() for p in plugins)  # noqa: E731
    assert ingest(client, session("s5", [DECAPITATOR], 5)).status_code == 200
    archive["s5"] = [DECAPITATOR]
    assert selected(app, plugin="echoboy") == expect(archive, echo)
    assert selected(app, vendor=("Soundtoys",))[0] == ["s1", "s3", "s5"]

    assert client.delete("/api/session-stats/s1").status_code == 200
    assert selected(app, plugin="echoboy") == ([], 0)
    assert selected(app, format=("VST3",)) == (["s3"], 1)
    assert client.post("/api/session-stats/s1/restore").status_code == 200
    assert selected(app, plugin="echoboy") == (["s1"], 1)

    replaced = ingest(client, session("s2", [PRO_Q_32], 2), session("s7", [ECHOBOY_VST3], 7),
                      action="replaceSessions")
    assert replaced.status_code == 200
    assert selected(app, plugin="echoboy") == (["s7"], 1)
    assert selected(app, vendor=("FabFilter",)) == (["s2"], 1)


def test_the_plugin_index_kept_on_write_equals_a_recount(app, backend, client, archive):
    if backend != "sqlite":
        pytest.skip("only SQLite has a plugin index")
    assert client.delete("/api/session-stats/s3").status_code == 200
    with app.app_context():
        drift = [difference for difference in check_derived(db.session) if difference.table == PLUGIN_TABLE]
        indexed = db.session.scalars(text(f"SELECT rowid FROM {PLUGIN_TABLE}")).all()
        live_with_plugins = db.session.scalar(select(db.func.count()).select_from(Session).where(
            Session.deleted_at.is_(None), Session.plugin_count > 0))
    assert drift == []
    assert len(indexed) == live_with_plugins == 7
