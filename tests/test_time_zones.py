"""Each person's time zone: times shown and typed in it, stored in UTC, across the daylight saving time jumps."""
import re
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from wtforms.widgets import Select

from app import create_app
from app.extensions import db
from app.models import Activity, AuditEntry, Session, User
from app.time_zones import time_zone, wall_clock_to_utc
from app.web.forms import TimeZoneForm
from tests.auth import csrf_token
from tests.helpers import ingest

HX = {"HX-Request": "true"}
NEW_YORK = time_zone("America/New_York")


def test_the_hour_the_clocks_skip_is_refused_and_the_repeated_one_is_the_first():
    spring_1_30, spring_3_30 = (wall_clock_to_utc(datetime(2026, 3, 8, hour, 30), NEW_YORK) for hour in (1, 3))
    assert (spring_1_30, spring_3_30) == (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC))
    with pytest.raises(ValueError, match="2026-03-08 02:30 does not exist in America/New_York"):
        wall_clock_to_utc(datetime(2026, 3, 8, 2, 30), NEW_YORK)
    assert wall_clock_to_utc(datetime(2026, 11, 1, 1, 30), NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time zone"):
        time_zone("Mars/Olympus_Mons")


def test_the_server_zone_is_a_setting_refused_when_unknown(tmp_path):
    with pytest.raises(ValueError, match="SESSION_STATS_TIME_ZONE: “Europe/Atlantis” is not a time zone"):
        create_app({"INSTANCE_PATH": str(tmp_path), "TIME_ZONE": "Europe/Atlantis"})


def zone_of(app, username):
    with app.app_context():
        return db.session.scalar(select(User.time_zone).where(User.username == username))


def settings(client, zone):
    return client.post("/settings/time-zone", data={"csrf_token": csrf_token(client), "time_zone": zone})


def test_a_person_chooses_their_zone_and_an_unknown_one_changes_nothing(app, client):
    assert settings(client, "America/New_York").status_code == 302
    assert zone_of(app, client.username) == "America/New_York"
    page = BeautifulSoup(client.get("/settings").data, "html.parser")
    assert page.select_one("#time_zone option[selected]")["value"] == "America/New_York"
    assert "Times are now shown in America/New_York." in page.text

    refused = settings(client, "America/Gotham")
    assert refused.status_code == 422
    assert "Not a valid choice" in BeautifulSoup(refused.data, "html.parser").select_one("#time-zone .error").text
    assert zone_of(app, client.username) == "America/New_York"

    assert settings(client, "").status_code == 302  # back to the server's zone
    assert zone_of(app, client.username) is None
    with app.app_context():
        changes = db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "user.time_zone_changed")).all()
    assert changes == [{"time_zone": "America/New_York"}, {"time_zone": None}]


def test_the_zone_list_is_what_wtforms_own_select_draws(app, client):
    """The settings page writes its few hundred zones from HTML made once per option: it must say the same."""
    for zone in ("", "America/New_York"):
        assert settings(client, zone).status_code == 302
        html = client.get("/settings").get_data(as_text=True)
        shown = BeautifulSoup(html, "html.parser").select_one("select#time_zone")
        with app.test_request_context():
            form = TimeZoneForm(app.config["TIME_ZONE"], time_zone=zone)
            drawn = BeautifulSoup(str(Select()(form.time_zone)), "html.parser").select_one("select")
        assert shown.attrs == drawn.attrs == {"id": "time_zone", "name": "time_zone"}
        options = [(option["value"], option.text, option.has_attr("selected")) for option in shown.select("option")]
        assert options == [(option["value"], option.text, option.has_attr("selected"))
                           for option in drawn.select("option")]
        assert len(options) > 300 and [value for value, _, selected in options if selected] == [zone]
        # A field given no autocomplete has no such attribute, rather than autocomplete="None".
        assert "autocomplete=\"None\"" not in html


@pytest.fixture
def in_new_york(client):
    assert settings(client, "America/New_York").status_code == 302
    ingest(client, {"name": "Harbour", "fingerprint": "h", "startedAt": "2026-03-01T15:00:00Z"})
    return client.get("/api/session-stats").get_json()["sessions"][0]["id"]


def test_work_typed_across_the_spring_jump_lasts_one_hour_and_is_stored_in_utc(app, client, in_new_york):
    logged = client.post(f"/sessions/{in_new_york}/work", headers=HX, data={
        "csrf_token": csrf_token(client), "kind": "mixing", "started_at": "2026-03-08T01:30",
        "ended_at": "2026-03-08T03:30"})
    assert logged.status_code == 200
    region = BeautifulSoup(logged.data, "html.parser")
    assert region.select_one("#worked-time").text == "1 h 00 min"
    assert region.select_one("#activities tbody td").text.strip() == "2026-03-08 01:30 EST"
    assert region.select_one("#work-zone").text.startswith("Times in America/New_York")
    with app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        assert (activity.started_at, activity.ended_at) == (datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
                                                            datetime(2026, 3, 8, 7, 30, tzinfo=UTC))

    skipped = client.post(f"/sessions/{in_new_york}/work", headers=HX, data={
        "csrf_token": csrf_token(client), "kind": "mixing", "started_at": "2026-03-08T02:30", "duration": "1:00"})
    assert skipped.status_code == 422
    assert BeautifulSoup(skipped.data, "html.parser").select_one("#work-error").text == (
        "Start: 2026-03-08 02:30 does not exist in America/New_York: the clocks skip it when daylight saving "
        "time begins")


def edit(client, session_id, field, value):
    return client.patch(f"/sessions/{session_id}/fields/{field}", headers=HX,
                        data={"csrf_token": csrf_token(client), "value": value})


def stored_timing(app):
    with app.app_context():
        return db.session.execute(select(Session.started_at, Session.ended_at, Session.worked_seconds,
                                         Session.worked_from)).one()


def test_a_sessions_start_and_end_are_edited_in_the_persons_zone(app, client, in_new_york):
    shown = BeautifulSoup(client.get(f"/sessions/{in_new_york}").data, "html.parser")
    assert shown.select_one("#field-started_at .value").text == "2026-03-01 10:00 EST"
    form = BeautifulSoup(client.get(f"/sessions/{in_new_york}/fields/started_at/edit", headers=HX).data, "html.parser")
    assert form.select_one("#edit-started_at")["value"] == "2026-03-01T10:00"
    assert form.select_one("label").text == "Started (America/New_York)"

    edited = BeautifulSoup(edit(client, in_new_york, "started_at", "2026-03-08T01:30").data, "html.parser")
    assert edited.select_one(".reset").text == "Use the file’s value (2026-03-01 10:00 EST)"
    last_ingest = BeautifulSoup(client.get("/").data, "html.parser").select_one("#last-ingest time").text
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} E[SD]T", last_ingest)
    saved = edit(client, in_new_york, "ended_at", "2026-03-08T03:30")
    assert BeautifulSoup(saved.data, "html.parser").select_one(".value").text == "2026-03-08 03:30 EDT"
    assert stored_timing(app) == (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
                                  3600, "start_end")

    for field, value, words in (("ended_at", "2026-03-08T01:00", "Ended must not come before the start"),
                                ("started_at", "2026-03-08T04:00", "Started must not come after the end"),
                                ("started_at", "2026-03-08T02:15", "does not exist in America/New_York"),
                                ("started_at", "yesterday", "Started must be a date and time")):
        refused = edit(client, in_new_york, field, value)
        assert refused.status_code == 422
        assert words in BeautifulSoup(refused.data, "html.parser").select_one(".error").text
    assert stored_timing(app)[:2] == (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC))

    # The file's start comes back on request; a later ingest of the file keeps the edited one until then.
    ingest(client, {"name": "Harbour", "fingerprint": "h", "startedAt": "2026-03-02T15:00:00Z"})
    assert stored_timing(app)[0] == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    reset = client.post(f"/sessions/{in_new_york}/fields/started_at/reset", headers=HX,
                        data={"csrf_token": csrf_token(client)})
    assert BeautifulSoup(reset.data, "html.parser").select_one(".value").text == "2026-03-02 10:00 EST"
    assert stored_timing(app)[0] == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
