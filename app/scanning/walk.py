"""Finding session files under archive roots: by name, skipping backups, surviving what a real drive holds.

The walk never recurses (a stack of folders), follows a symbolic link only to a place inside
the allowed roots and only once (so a link loop ends), and reports every folder or file it
cannot read as a problem instead of stopping. Paths are reported resolved, as fingerprints are, and
as the index stores them (app.file_paths): a name that is not UTF-8 is walked like any other.
"""
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from app.extractors import extractor_for, text_export_beside
from app.extractors.limits import file_kind
from app.file_paths import stored_path

# Folders of copies a DAW keeps beside a session: reading them would count each session many times.
BACKUP_FOLDERS = frozenset({"session file backups", "backup"})
# FL Studio names its autosaves and overwritten copies like this.
AUTOSAVE_MARKERS = ("(autosave)", "(overwritten at")
# The index is unique on paths and on fingerprints ("file:" and the path), and PostgreSQL indexes at most about
# 2,700 bytes of a text (MAX_FINGERPRINT_BYTES): longer paths cannot be kept, by either database, as an archive
# may move from one to the other.
MAX_PATH_BYTES = 2500


@dataclass(frozen=True)
class FoundFile:
    """A session file: resolved path, size and modification time; a text export read along with it."""

    path: str
    size: int
    mtime_ns: int
    companion: "FoundFile | None" = None


@dataclass(frozen=True)
class Folder:
    """A folder the walk enters, so that a long walk can show where it is."""

    path: str


@dataclass(frozen=True)
class WalkProblem:
    """A folder or file the walk could not read, and why; `folder` when nothing below it was seen."""

    path: str
    message: str
    folder: bool = False


def is_backup(path: Path) -> bool:
    """Whether a path is a backup or autosave copy by its name or the folder it is in."""
    if any(part.lower() in BACKUP_FOLDERS for part in path.parent.parts):
        return True
    lowered = path.name.lower()
    return lowered.endswith(".rpp-bak") or any(marker in lowered for marker in AUTOSAVE_MARKERS)


def wanted(path: Path, backups: bool) -> bool:
    """Whether a scan reads this file: a session format, and not a backup unless asked."""
    if path.name.startswith("._"):  # macOS keeps resource forks beside files on foreign drives
        return False
    return extractor_for(path, backups=True) is not None and (backups or not is_backup(path))


def is_under(path: str, folders) -> bool:
    """Whether `path` is one of `folders` or lies below one (resolved paths, compared as text)."""
    return any(path == str(folder) or path.startswith(str(folder).rstrip(os.sep) + os.sep) for folder in folders)


def walk(paths: list[Path], allowed_roots: list[Path],
         backups: bool = False) -> Iterator[Folder | FoundFile | WalkProblem]:
    """Every folder entered, session file found and problem met below `paths`, folder by folder in name order."""
    for item in _walk(paths, allowed_roots, backups):
        companion = getattr(item, "companion", None)
        yield replace(item, path=stored_path(item.path), **(
            {"companion": replace(companion, path=stored_path(companion.path))} if companion else {}))


def _walk(paths: list[Path], allowed_roots: list[Path], backups: bool) -> Iterator[Folder | FoundFile | WalkProblem]:
    allowed = [str(root) for root in allowed_roots]
    seen_folders: set[tuple[int, int]] = set()
    seen_files: set[str] = set()
    stack = [str(path) for path in reversed(paths)]
    while stack:
        folder = stack.pop()
        if too_long := _too_long(folder):
            yield WalkProblem(folder, f"{too_long}, so nothing below it is read", folder=True)
            continue
        try:
            info = os.stat(folder)
            if not stat.S_ISDIR(info.st_mode):
                yield from _single_file(folder, backups, seen_files)
                continue
            if (info.st_dev, info.st_ino) in seen_folders:
                continue
            seen_folders.add((info.st_dev, info.st_ino))
            yield Folder(folder)
            with os.scandir(folder) as entries:
                listing = sorted(entries, key=lambda entry: entry.name)
        except FileNotFoundError:
            yield WalkProblem(folder, "the folder disappeared during the scan", folder=True)
            continue
        except OSError as exc:
            yield WalkProblem(folder, f"cannot read the folder: {exc.strerror or exc}", folder=True)
            continue
        subfolders, files = [], []
        for entry in listing:
            found = yield from _entry(entry, folder, allowed, backups, seen_files)
            if found == "folder":
                subfolders.append(entry)
            elif found is not None:
                files.append(found)
        yield from _with_companions(files)
        stack.extend(_followed(entry) for entry in reversed(subfolders))


def _followed(entry: os.DirEntry) -> str:
    return os.path.realpath(entry.path) if entry.is_symlink() else entry.path


def _entry(entry: os.DirEntry, folder: str, allowed: list[str], backups: bool, seen_files: set[str]):
    """'folder' for a folder to enter, a FoundFile for a session file, else None; yields problems."""
    if entry.name.startswith("._"):
        return None
    try:
        is_link = entry.is_symlink()
        is_folder = entry.is_dir()
    except OSError as exc:
        yield WalkProblem(entry.path, f"cannot read: {exc.strerror or exc}")
        return None
    if is_folder:
        if entry.name.startswith(".") or (not backups and entry.name.lower() in BACKUP_FOLDERS):
            return None
        if is_link:
            target = os.path.realpath(entry.path)
            if folder == target or folder.startswith(target.rstrip(os.sep) + os.sep):
                yield WalkProblem(entry.path, f"a symbolic link loop: it leads back to {target}")
                return None
            if not is_under(target, allowed):
                yield WalkProblem(entry.path, f"a symbolic link to {target}, outside the archive roots")
                return None
        return "folder"
    if not wanted(Path(entry.name), backups):
        return None
    path = os.path.realpath(entry.path) if is_link else entry.path
    if is_link and not is_under(path, allowed):
        yield WalkProblem(entry.path, f"a symbolic link to {path}, outside the archive roots")
        return None
    if path in seen_files:
        return None
    seen_files.add(path)
    if too_long := _too_long(path):
        yield WalkProblem(entry.path, too_long)
        return None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        yield WalkProblem(entry.path, "the file disappeared during the scan"
                          if not is_link else "a symbolic link to a file that does not exist")
        return None
    except OSError as exc:
        yield WalkProblem(entry.path, f"cannot read the file: {exc.strerror or exc}")
        return None
    if (kind := file_kind(info.st_mode)) is not None:
        yield WalkProblem(entry.path, f"{kind}, not a regular file: scans read regular files only")
        return None
    return FoundFile(path, info.st_size, info.st_mtime_ns)


def _too_long(path: str) -> str | None:
    """Why the index cannot keep this path, or None when it can."""
    size = len(stored_path(path).encode())
    if size <= MAX_PATH_BYTES:
        return None
    return f"the path is {size:,} bytes long and the index keeps paths of up to {MAX_PATH_BYTES:,} bytes"


def _single_file(path: str, backups: bool, seen_files: set[str]):
    """A scan of one file rather than a folder."""
    if not wanted(Path(path), backups):
        yield WalkProblem(path, "not a session file a scan reads (or a backup, and backups were not asked for)")
        return
    resolved = os.path.realpath(path)
    if resolved in seen_files:
        return
    seen_files.add(resolved)
    try:
        info = os.stat(resolved)
    except OSError as exc:
        yield WalkProblem(path, f"cannot read the file: {exc.strerror or exc}")
        return
    if (kind := file_kind(info.st_mode)) is not None:
        yield WalkProblem(path, f"{kind}, not a regular file: scans read regular files only")
        return
    yield FoundFile(resolved, info.st_size, info.st_mtime_ns)


def _with_companions(files: list[FoundFile]) -> Iterator[FoundFile]:
    """A folder's session files, each Pro Tools session with the text export that extraction completes it with."""
    by_path = {found.path: found for found in files}
    companions = {}
    for found in files:
        export = text_export_beside(Path(found.path))
        if export is not None and str(export) in by_path:
            companions[found.path] = by_path[str(export)]
    taken = {companion.path for companion in companions.values()}
    for found in files:
        if found.path in taken:
            continue
        companion = companions.get(found.path)
        yield FoundFile(found.path, found.size, found.mtime_ns, companion) if companion else found
