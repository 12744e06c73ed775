"""Finding session files: names, backups, links, companions and problems, without a database."""
import os
from pathlib import Path

from app.scanning.walk import Folder, FoundFile, WalkProblem, walk


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def found(items) -> list[str]:
    return [item.path for item in items if isinstance(item, FoundFile)]


def problems(items) -> dict[str, str]:
    return {item.path: item.message for item in items if isinstance(item, WalkProblem)}


def test_session_files_are_found_by_extension_in_name_order_and_everything_else_is_passed_over(tmp_path):
    for name in ["b/Song.RPP", "a/set.als", "a/notes.md", "a/._set.als", ".hidden/x.rpp", "c/beat.flp",
                 "c/Backup/beat (autosave).flp", "d/Session File Backups/Mix.bak.001.ptx", "d/Mix.ptx",
                 "e/x.rpp-bak", "e/project.xml", "e/Mix (overwritten at 1200).flp"]:
        touch(tmp_path / name)
    items = list(walk([tmp_path], [tmp_path]))
    assert found(items) == [str(tmp_path / p) for p in ("a/set.als", "b/Song.RPP", "c/beat.flp", "d/Mix.ptx",
                                                         "e/project.xml")]
    assert problems(items) == {}
    assert [item.path for item in items if isinstance(item, Folder)][:2] == [str(tmp_path), str(tmp_path / "a")]


def test_backups_and_autosaves_are_found_when_asked_for(tmp_path):
    for name in ["c/Backup/beat (autosave).flp", "d/Session File Backups/Mix.bak.001.ptx", "e/x.rpp-bak"]:
        touch(tmp_path / name)
    assert len(found(walk([tmp_path], [tmp_path], backups=True))) == 3


def test_links_are_followed_inside_the_roots_once_and_refused_outside_them(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    real = touch(root / "real" / "song.rpp")
    touch(outside / "secret.rpp")
    os.symlink(root / "real", root / "alias")
    os.symlink(outside, root / "escape")
    os.symlink(outside / "secret.rpp", root / "linked.rpp")
    os.symlink(root, root / "real" / "loop")
    os.symlink(tmp_path / "nowhere.rpp", root / "dangling.rpp")
    items = list(walk([root], [root]))
    assert found(items) == [str(real)]
    assert problems(items) == {
        str(root / "escape"): f"a symbolic link to {outside}, outside the archive roots",
        str(root / "linked.rpp"): f"a symbolic link to {outside / 'secret.rpp'}, outside the archive roots",
        str(root / "real" / "loop"): f"a symbolic link loop: it leads back to {root}",
        str(root / "dangling.rpp"): f"a symbolic link to {tmp_path / 'nowhere.rpp'}, outside the archive roots",
    }


def test_a_text_export_named_like_a_pro_tools_session_goes_with_it(tmp_path):
    session = touch(tmp_path / "Song.ptx")
    export = touch(tmp_path / "song.txt", "SESSION NAME:\tSong\n")
    alone = touch(tmp_path / "Other.txt", "SESSION NAME:\tOther\n")
    items = [item for item in walk([tmp_path], [tmp_path]) if isinstance(item, FoundFile)]
    assert [item.path for item in items] == [str(alone), str(session)]
    assert items[1].companion.path == str(export) and items[1].companion.size == export.stat().st_size
    assert items[0].companion is None


def test_a_missing_folder_is_a_problem_of_that_folder(tmp_path):
    items = list(walk([tmp_path / "gone"], [tmp_path]))
    assert [(p.path, p.folder) for p in items if isinstance(p, WalkProblem)] == [(str(tmp_path / "gone"), True)]
