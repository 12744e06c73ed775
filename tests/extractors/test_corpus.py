"""Every real session file in the corpus: read, or refused for a stated reason; in the one vocabulary."""
import json

import pytest
from sqlalchemy import select

from app.cli import cli
from app.extensions import db
from app.extractors import ExtractError, extract_file, extractor_for
from app.extractors.vocabulary import PLUGIN_FORMATS, TRACK_TYPES, vendor_name
from app.models import Session
from app.wire import SessionStatsSession
from tests.extractors.conftest import CORPUS

# Corpus files a reader refuses on purpose, with the words of the refusal.
REFUSED = {"dawproject/bitwig_v0.1_sends.dawproject": "unsupported DAWproject version"}


def corpus_files():
    if not CORPUS.is_dir():
        return []
    return sorted(str(path.relative_to(CORPUS)) for path in CORPUS.glob("*/*") if extractor_for(path))


@pytest.mark.parametrize("name", corpus_files() or ["(no corpus)"])
def test_each_corpus_file_reads_in_the_shared_vocabulary(corpus, name):
    path = corpus(name)
    if name in REFUSED:
        with pytest.raises(ExtractError, match=REFUSED[name]):
            extract_file(path)
        return
    session = extract_file(path)
    assert SessionStatsSession.model_validate(session.model_dump()) == session
    for track in session.tracks:
        assert track.type is None or track.type in TRACK_TYPES, (track.name, track.type)
        for instance in track.plugins or ():
            assert instance.format is None or instance.format in PLUGIN_FORMATS, (instance.name, instance.format)
            assert instance.vendor == vendor_name(instance.vendor), instance.vendor
    for usage in session.plugins or ():
        assert usage.format is None or usage.format in PLUGIN_FORMATS
        assert usage.vendor == vendor_name(usage.vendor)


def test_the_corpus_covers_every_format(corpus):
    corpus("rpp/perlence_vst.RPP")  # skips without the corpus
    readers = {extractor_for(CORPUS / name).name for name in corpus_files()}
    assert readers == {"protools-text", "reaper", "ableton", "fl-studio", "studio-one", "dawproject",
                       "protools-session"}


def test_extract_prints_what_the_ingest_api_takes_unchanged(app, auth, corpus):
    corpus("rpp/perlence_vst.RPP")  # skips without the corpus
    paths = [CORPUS / name for name in corpus_files()]
    result = app.test_cli_runner().invoke(cli, ["extract", *map(str, paths)])
    assert result.exit_code == 1 and "unsupported DAWproject version" in result.stderr
    body = json.loads(result.stdout)
    readable = len(paths) - len(REFUSED)
    assert len(body["payload"]["sessions"]) == readable

    response = auth.client("editor", token_role="editor").post("/api/session-stats", json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["inserted"] == readable
    with app.app_context():
        stored = dict(db.session.execute(select(Session.fingerprint, Session.track_count)).all())
    sessions = body["payload"]["sessions"]
    assert stored == {session["fingerprint"]: len(session.get("tracks") or ()) for session in sessions}
