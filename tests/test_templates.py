"""Templates: registered from a folder of real template files or from a session, recognised in the sessions started
from them by their opening tracks, corrected by hand, filtered and counted on the list, and summed up on the
analytics page and in the API."""
import csv
import io
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.extractors import extract_file, extractor_for
from app.models import LiveCount, Session, Template
from app.services.derived import check_derived
from app.services.templates import Candidate, best_template, similarity
from tests.auth import csrf_token
from tests.helpers import ingest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# Template file → the corpus file it is a copy of: a Pro Tools template is a session file named .ptxt.
TEMPLATE_FILES = {"Band Tracking.ptxt": "ptx/ptformat_TestPTX.ptx", "Rock Mix.RPP": "rpp/exvertus_lighterfluid.rpp",
                  "Beat Starter.als": "als/pyableton_test.als", "Empty.rpp": "rpp/exvertus_bwv879.rpp"}
HX = {"HX-Request": "true"}


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "archive"
    (root / "Templates").mkdir(parents=True)
    for name, source in TEMPLATE_FILES.items():
        shutil.copyfile(CORPUS / source, root / "Templates" / name)
    return root


@pytest.fixture
def app_config(archive):
    return {"ARCHIVE_ROOTS": [str(archive)]}


def wire(path: Path, fingerprint: str, **changes) -> dict:
    """A corpus file's session as the ingest API takes it."""
    session = extract_file(path).model_dump(mode="json", by_alias=True, exclude_none=True)
    session.pop("sources", None)
    return {**session, "fingerprint": fingerprint, **changes}


def listed(client, **filters) -> dict[str, tuple]:
    sessions = client.get("/api/sessions/", query_string=filters).get_json()["sessions"]
    return {item["name"]: (item["template"], item["template_from"]) for item in sessions}


def register_folder(client, folder):
    return client.post("/templates/folder", data={"csrf_token": csrf_token(client), "folder": str(folder)})


def test_a_layout_matches_with_a_track_added_or_missing_and_not_when_unrelated():
    template = (("kick", "audio"), ("snare", "audio"), ("bass", "audio"), ("keys", "midi"), ("vox", "audio"))
    assert similarity(template, template) == 1.0
    assert similarity(template, template[:2] + (("tamb", "audio"),) + template[2:]) == 1.0
    assert similarity(template, template[:4]) == 0.8
    assert similarity(template, (("vox", "audio"), ("keys", "midi"))) == 0.2
    candidates = [Candidate("Five", "REAPER", template), Candidate("Two", "REAPER", template[:2])]
    assert best_template([list(t) for t in template], "reaper", candidates) == ("Five", 1.0)
    # The larger of two templates wholly present wins; a session of another DAW matches neither.
    assert best_template([list(t) for t in template[:2]], "REAPER", candidates) == ("Two", 1.0)
    assert best_template([list(t) for t in template], "Pro Tools", candidates) is None
    assert best_template([["pad", "midi"], ["lead", "midi"], ["fx", "audio"]], "REAPER", candidates) is None


def test_corpus_templates_from_a_folder_are_recognised_in_sessions_started_from_them(app, client, archive):
    response = register_folder(client, archive / "Templates")
    assert response.status_code == 302
    page = BeautifulSoup(client.get("/templates").data, "html.parser")
    flashes = [flash.get_text(" ", strip=True) for flash in page.select(".flash")]
    assert any("3 registered" in text for text in flashes), flashes
    assert any("Empty.rpp" in text and "1 tracks" in text for text in flashes), flashes
    rows = {row.select("td")[0].get_text(strip=True): row.select("td")[1].get_text(strip=True)
            for row in page.select("#templates tbody tr")}
    assert rows == {"Band Tracking": "Pro Tools", "Beat Starter": "Ableton Live", "Rock Mix": "REAPER"}

    lighterfluid = wire(CORPUS / "rpp/exvertus_lighterfluid.rpp", "a", name="Same layout")
    extra = wire(CORPUS / "rpp/exvertus_lighterfluid.rpp", "b", name="One track added")
    extra["tracks"].insert(1, {"name": "Tambourine", "type": lighterfluid["tracks"][0].get("type")})
    as_pro_tools = dict(lighterfluid, fingerprint="c", name="Other DAW", daw="Pro Tools")
    assert ingest(client, lighterfluid, extra, as_pro_tools,
                  wire(CORPUS / "ptx/ptformat_TestPTX.ptx", "d", name="From the ptxt"),
                  wire(CORPUS / "rpp/exvertus_track2.rpp", "e", name="Unrelated"),
                  wire(CORPUS / "rpp/exvertus_lighterfluid.rpp", "f", name="Named", template="Client Mix"),
                  ).status_code == 200
    assert listed(client) == {
        "Same layout": ("Rock Mix", "layout"), "One track added": ("Rock Mix", "layout"), "Other DAW": (None, None),
        "From the ptxt": ("Band Tracking", "layout"), "Unrelated": (None, None), "Named": ("Client Mix", "file")}
    assert set(listed(client, template="rock mix")) == {"Same layout", "One track added"}
    with app.app_context():
        assert check_derived(db.session) == []
        assert db.session.scalar(select(LiveCount.count).where(LiveCount.dimension == "template",
                                                               LiveCount.value == "Rock Mix")) == 2


def test_a_folder_outside_the_archive_or_without_templates_is_refused_and_changes_nothing(app, client, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for folder, reason in ((outside, "outside the archive roots"), (tmp_path / "archive" / "nope", "is not a folder"),
                           (tmp_path / "archive" / ("\u4e00" * 300), "File name too long"),
                           (tmp_path / "archive", "No template could be read")):
        if folder == tmp_path / "archive":
            for name in TEMPLATE_FILES:
                if name != "Empty.rpp":
                    (folder / "Templates" / name).unlink()
        response = register_folder(client, folder)
        assert response.status_code == 422
        error = BeautifulSoup(response.data, "html.parser").select_one("#register-folder .error")
        assert reason in error.get_text(), error
    assert register_folder(client, "").status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Template)).all() == []


def test_a_session_used_as_template_matches_the_stored_sessions_and_an_editor_corrects_one(app, client, auth):
    tracks = [{"name": name, "type": "audio"} for name in ("Kick", "Snare", "OH L", "OH R", "Bass DI", "Vox")]
    ingest(client, {"name": "Original", "fingerprint": "o", "daw": "REAPER", "tracks": tracks},
           {"name": "Later", "fingerprint": "l", "daw": "REAPER", "tracks": tracks[:5] + [{"name": "Gtr"}]},
           {"name": "Other", "fingerprint": "x", "daw": "REAPER", "tracks": [{"name": "Pad"}, {"name": "Lead"}]})
    ids = {item["name"]: item["session_id"] for item in client.get("/api/sessions/").get_json()["sessions"]}
    editor = auth.client("editor")
    refused = editor.post(f"/templates/from-session/{ids['Original']}",
                          data={"csrf_token": csrf_token(editor), "name": "Live Room"})
    assert refused.status_code == 403
    response = client.post(f"/templates/from-session/{ids['Original']}",
                           data={"csrf_token": csrf_token(client), "name": "  Live Room "})
    assert response.status_code == 303
    assert listed(client) == {"Original": ("Live Room", "layout"), "Later": ("Live Room", "layout"),
                              "Other": (None, None)}
    blank = client.post(f"/templates/from-session/{ids['Other']}", data={"csrf_token": csrf_token(client), "name": " "})
    assert blank.status_code == 303 and blank.headers["Location"].endswith(f"/sessions/{ids['Other']}")

    # Corrected by hand, the template stays through a new ingest of the file; the file's value can come back.
    editor.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(editor)
    edited = editor.patch(f"/sessions/{ids['Later']}/fields/template", data={"value": "Overdubs"}, headers=HX)
    assert edited.status_code == 200
    ingest(client, {"name": "Later", "fingerprint": "l", "daw": "REAPER", "tracks": tracks})
    assert listed(client)["Later"][0] == "Overdubs"
    form = BeautifulSoup(editor.get(f"/sessions/{ids['Later']}/fields/template/edit", headers=HX).data,
                         "html.parser")
    assert [option["value"] for option in form.select("#template-names option")] == ["Live Room"]
    reset = editor.post(f"/sessions/{ids['Later']}/fields/template/reset", headers=HX)
    assert reset.status_code == 200
    assert listed(client)["Later"] == ("Live Room", "layout")
    shown = BeautifulSoup(client.get(f"/sessions/{ids['Later']}").data, "html.parser")
    assert shown.select_one("#field-template .value").get_text() == "Live Room"
    assert shown.select_one("#template-recognised") is not None

    # Removed, a template recognises no new session, and its sessions keep its name; restored, it does again.
    with app.app_context():
        template_id = db.session.scalar(select(Template.id))
    client.post(f"/templates/{template_id}/remove", data={"csrf_token": csrf_token(client)})
    ingest(client, {"name": "New", "fingerprint": "n", "daw": "REAPER", "tracks": tracks})
    assert listed(client)["New"] == (None, None) and listed(client)["Original"][0] == "Live Room"
    page = BeautifulSoup(client.get("/templates").data, "html.parser")
    assert "Live Room" in page.select_one("#removed-templates").get_text()
    client.post(f"/templates/{template_id}/restore", data={"csrf_token": csrf_token(client)})
    assert listed(client)["New"] == ("Live Room", "layout")
    with app.app_context():
        assert check_derived(db.session) == []


def test_top_templates_count_sessions_and_their_worked_time_as_the_rows_do(app, client):
    sessions = [{"name": f"S{index}", "fingerprint": f"s{index}", "template": template, "createdAt": created,
                 **({"startedAt": "2026-02-01T10:00:00Z", "endedAt": f"2026-02-01T{10 + hours}:00:00Z"}
                    if hours else {})}
                for index, (template, created, hours) in enumerate((
                    ("Mix", "2026-02-03T10:00:00Z", 2), ("Mix", "2026-03-03T10:00:00Z", 0),
                    ("Mix", "2026-03-09T10:00:00Z", 4), ("Track", "2026-03-10T10:00:00Z", 1),
                    ("Track", "2025-01-10T10:00:00Z", 5), (None, "2026-03-10T10:00:00Z", 3)))]
    assert ingest(client, *sessions).status_code == 200
    answer = client.get("/api/analytics/templates", query_string={"from": "2026-01-01", "to": "2026-06-30"}).get_json()
    assert answer["months"][0] == "2026-01" and answer["months"][-1] == "2026-06"
    # Independently from the rows: sessions made in the span, per template, and the mean of those with a time.
    with app.app_context():
        rows = db.session.execute(select(Session.template, Session.created_at, Session.worked_seconds)
                                  .where(Session.template.is_not(None))).all()
    expected = {}
    for template, created_at, seconds in rows:
        if "2026-01" <= created_at.strftime("%Y-%m") <= "2026-06":
            entry = expected.setdefault(template, [0, []])
            entry[0] += 1
            entry[1] += [seconds] if seconds is not None else []
    assert [(t["template"], t["sessions"], t["timed_sessions"], t["average_hours"]) for t in answer["templates"]] == [
        (name, count, len(times), round(sum(times) / len(times) / 3600, 2) if times else None)
        for name, (count, times) in sorted(expected.items(), key=lambda item: -item[1][0])]
    assert answer["templates"][0] == {"template": "Mix", "sessions": 3, "timed_sessions": 2, "hours": 6.0,
                                      "average_hours": 3.0}

    state = {"from": "2026-01-01", "to": "2026-06-30"}
    page = BeautifulSoup(client.get("/analytics", query_string=state).data, "html.parser")
    assert [row.select("td")[0].get_text(strip=True) for row in page.select("#templates-table tbody tr")] == [
        "Mix", "Track"]
    assert len(page.select("#templates-chart rect")) == 2
    table = list(csv.reader(io.StringIO(client.get("/analytics", query_string={**state, "csv": "templates"})
                                        .get_data(as_text=True))))
    assert table[0] == ["template", "sessions", "sessions timed", "hours", "average hours"]
    assert table[1:] == [["Mix", "3", "2", "6.0", "3.0"], ["Track", "1", "1", "1.0", "1.0"]]
    for bad in ({"from": "2026-13-01"}, {"from": "2026-06-01", "to": "2026-01-01"}, {"period": "week"}):
        assert client.get("/api/analytics/templates", query_string=bad).status_code == 422


def test_the_template_facet_and_the_ptxt_name_only_count_in_a_templates_folder(client, archive):
    assert ingest(client, {"name": "A", "fingerprint": "a", "template": "Mix"},
                  {"name": "B", "fingerprint": "b", "template": "Mix"},
                  {"name": "C", "fingerprint": "c", "template": "Vocal"}).status_code == 200
    page = BeautifulSoup(client.get("/sessions/facets").data, "html.parser")
    facet = page.select_one("section[data-facet=template]")
    assert facet is not None and "Mix" in facet.get_text() and "2" in facet.get_text()
    narrowed = BeautifulSoup(client.get("/sessions?template=mix").data, "html.parser")
    assert narrowed.select_one("#summary strong").get_text() == "2"
    assert "Template: Mix" in narrowed.select_one("#summary").get_text(" ", strip=True)
    # An archive scan does not take a .ptxt for a session: only a templates folder reads it.
    assert extractor_for(archive / "Templates" / "Band Tracking.ptxt") is None
    assert extractor_for(archive / "Templates" / "Band Tracking.ptxt", templates=True).name == "protools-session"
