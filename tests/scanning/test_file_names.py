"""File names as archives hold them, on both databases: bytes that are not UTF-8, names from Macs (decomposed) and
from PC shares (private-use stand-ins), names that differ only in case, and paths too long to keep."""
import json
import os
import shutil
import subprocess

from bs4 import BeautifulSoup
from sqlalchemy import select

from app.extensions import db
from app.file_paths import real_path, shown_path, stored_path
from app.models import JobError, ScannedFile, Session
from app.scanning.walk import MAX_PATH_BYTES
from tests.scanning.conftest import COMMAND, copy, scan, state

SONG = "rpp/exvertus_track2.rpp"


def on_disk(folder, name: bytes) -> str:
    """A path below `folder` whose last part is these exact bytes, as os functions take it."""
    return os.fsdecode(os.fsencode(folder) + b"/" + name)


def names_by_path() -> dict[str, str]:
    return dict(db.session.execute(select(Session.path, Session.name)).all())


def test_stored_paths_turn_back_into_exactly_the_names_on_disk():
    for name in (b"caf\xe9", b"\xff\xfe", b"a\\b", b"a\\xE9", b"a\\\\xE9\xe9", b"plain", "Café".encode()):
        path = os.fsdecode(b"/archive/" + name)
        assert real_path(stored_path(path)) == path
    assert stored_path(os.fsdecode(b"/archive/caf\xe9.rpp")) == "/archive/caf\\xE9.rpp"
    # Almost every path is stored as it is.
    assert stored_path("/archive/Café/Mix: final.rpp") == "/archive/Café/Mix: final.rpp"
    # A literal "\xE9" in a name stays text: only a real undecodable byte is marked.
    shown = BeautifulSoup(shown_path(stored_path(os.fsdecode(b"/a\\xE9/caf\xe9"))), "html.parser")
    assert [span.text for span in shown.select(".raw-byte")] == ["\\xE9"]
    assert shown.text == "/a\\\\xE9/caf\\xE9"


def test_names_that_are_not_utf8_are_indexed_kept_exactly_shown_marked_and_found_again(app, client, corpus, tmp_path):
    root = tmp_path / "archive"
    for name in ("a.rpp", "b.rpp"):
        copy(corpus(SONG), root / name)
    latin = on_disk(root, b"caf\xe9.rpp")
    shutil.copyfile(corpus(SONG), latin)
    folder = on_disk(root, b"mix\xff")
    os.mkdir(folder)
    shutil.copyfile(corpus(SONG), os.path.join(folder, "inner.rpp"))
    with app.app_context():
        job = scan(root)
        assert (job.status, job.result["indexed"], job.failed) == ("succeeded", 4, 0)
        assert names_by_path() == {f"{root}/a.rpp": "a", f"{root}/b.rpp": "b", f"{root}/caf\\xE9.rpp": "caf\ufffd",
                                   f"{root}/mix\\xFF/inner.rpp": "inner"}
        assert set(db.session.scalars(select(ScannedFile.path))) == set(names_by_path())
        latin_session = db.session.scalar(select(Session).where(Session.path == f"{root}/caf\\xE9.rpp"))
        assert os.path.samefile(real_path(latin_session.path), latin)
        assert latin_session.fingerprint == f"file:{root}/caf\\xE9.rpp"
        session_id, session_pk = latin_session.id, latin_session.pk

        again = scan(root)
        assert (again.result["unchanged"], again.result.get("added", 0), again.failed) == (4, 0, 0)
    page = BeautifulSoup(client.get(f"/sessions/{session_id}").text, "html.parser")
    path = page.select_one("#session-path")
    assert path.text == f"{root}/caf\\xE9.rpp" and path.select_one(".raw-byte").text == "\\xE9"
    assert "not UTF-8" in path.select_one(".raw-byte")["title"]

    # Read again on request through its stored path, and noticed when it goes.
    refreshed = client.post(f"/api/sessions/{session_id}/stats/refresh")
    assert refreshed.status_code == 200 and refreshed.json["source"] == "file", refreshed.json
    os.remove(latin)
    with app.app_context():
        gone = scan(root)
        assert gone.result["missing_sessions"] == 1
        assert db.session.scalar(select(Session.missing_at).where(Session.pk == session_pk)) is not None


def test_mac_and_pc_names_are_kept_as_on_disk_and_named_as_people_typed_them(app, corpus, tmp_path):
    root = tmp_path / "archive"
    decomposed, composed = "Cafe\u0301.rpp", "Caf\u00e9.rpp"
    # The same name twice, as a Mac and as a PC write it; a colon and a trailing dot, as such and as shares keep them.
    names = [decomposed, composed, "Mix: final.rpp", "Mix\uf022 final v2.rpp", "Album v2./song.rpp",
             "Album v3\uf029/song.rpp", "What\uf03f.rpp"]
    for name in names:
        copy(corpus(SONG), root / name)
    with app.app_context():
        job = scan(root)
        assert (job.result["indexed"], job.failed) == (len(names), 0)
        assert names_by_path() == {
            f"{root}/{decomposed}": "Café", f"{root}/{composed}": "Café", f"{root}/Mix: final.rpp": "Mix: final",
            f"{root}/Mix\uf022 final v2.rpp": "Mix: final v2", f"{root}/Album v2./song.rpp": "song",
            f"{root}/Album v3\uf029/song.rpp": "song", f"{root}/What\uf03f.rpp": "What?"}
        assert scan(root).result["unchanged"] == len(names)
        (root / decomposed).unlink()
        gone = scan(root)
        assert gone.result["missing"] == 1
        assert db.session.scalar(select(ScannedFile.path).where(ScannedFile.status == "missing")) == (
            f"{root}/{decomposed}")


def test_names_that_differ_only_in_case_are_two_files(app, corpus, tmp_path):
    root = tmp_path / "archive"
    copy(corpus(SONG), root / "Song.rpp")
    copy(corpus(SONG), root / "song.rpp")
    copy(corpus(SONG), root / "Live" / "take.rpp")
    copy(corpus(SONG), root / "live" / "take.rpp")
    with app.app_context():
        assert scan(root).result["indexed"] == 4
        (root / "song.rpp").unlink()
        (root / "live" / "take.rpp").unlink()
        gone = scan(root)
        assert (gone.result["missing"], gone.result["unchanged"]) == (2, 2)
        assert set(db.session.scalars(select(ScannedFile.path).where(ScannedFile.status == "indexed"))) == {
            f"{root}/Song.rpp", f"{root}/Live/take.rpp"}


def test_a_path_too_long_to_keep_is_a_file_error_and_the_rest_is_read(app, corpus, tmp_path):
    root = tmp_path / "archive"
    copy(corpus(SONG), root / "short.rpp")
    # Folders of 200 random-looking characters (PostgreSQL compresses what repeats, and then keeps longer paths),
    # as deep as a file's path can be kept, and then two more.
    shallow = root
    while len(str(shallow / ("x" * 200) / "shallow enough.rpp").encode()) <= MAX_PATH_BYTES:
        shallow = shallow / os.urandom(100).hex()
    first, second = os.urandom(100).hex(), os.urandom(100).hex()
    copy(corpus(SONG), shallow / "shallow enough.rpp")
    copy(corpus(SONG), shallow / first / second / "too deep.rpp")
    with app.app_context():
        job = scan(root)
        assert (job.status, job.result["indexed"]) == ("succeeded", 2)
        error = db.session.scalar(select(JobError).where(JobError.job_pk == job.pk))
        assert error.path in (str(shallow / first), str(shallow / first / second))
        assert f"keeps paths of up to {MAX_PATH_BYTES:,} bytes, so nothing below it is read" in error.message
        assert {row.rsplit("/", 1)[-1] for row in db.session.scalars(select(ScannedFile.path))} == {
            "short.rpp", "shallow enough.rpp"}


def test_the_scan_command_indexes_a_folder_holding_a_latin1_name(environment, corpus, tmp_path):
    root = tmp_path / "archive"
    for name in ("a.rpp", "b.rpp"):
        copy(corpus(SONG), root / name)
    shutil.copyfile(corpus(SONG), on_disk(root, b"caf\xe9.rpp"))
    scanned = subprocess.run([*COMMAND, "scan", str(root)], env=environment, capture_output=True, text=True,
                             timeout=120)
    assert scanned.returncode == 0, scanned.stderr
    summary = json.loads(scanned.stdout)
    assert (summary["status"], summary["indexed"], summary["errors"]) == ("succeeded", 3, 0)
    with state(environment).app_context():
        assert sorted(db.session.scalars(select(Session.path))) == [
            f"{root}/a.rpp", f"{root}/b.rpp", f"{root}/caf\\xE9.rpp"]
