"""The backup file: a .tar.gz whose first member, manifest.json, lists every other member's SHA-256 and size.

Members are `database/…` (the copy of the database) and `instance/…` (files of the instance folder). Reading an
archive extracts it and refuses anything its manifest does not vouch for: a member that is missing, unlisted, of
another content, not a regular file, or named outside those folders.
"""
import hashlib
import json
import os
import tarfile
import zlib
from datetime import datetime
from io import BytesIO
from pathlib import Path, PurePosixPath

FORMAT = 1
MANIFEST = "manifest.json"
MEMBER_FOLDERS = ("database", "instance")
MAX_MANIFEST_BYTES = 1024 * 1024
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be made, checked or restored, and why; a refused restore changed nothing."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entries(members: dict[str, Path]) -> dict[str, dict]:
    """The manifest's `files`: the SHA-256 and size of each member."""
    return {name: {"sha256": sha256(path), "size": path.stat().st_size} for name, path in members.items()}


def write_archive(path: Path, manifest: dict, members: dict[str, Path], now: datetime) -> None:
    """Write a new archive at `path`: the manifest first, then the members, flushed to the disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        # Level 6: nearly the size of level 9 (tarfile's default) in a fraction of the time.
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, indent=2).encode()
            tar.addfile(_tar_info(MANIFEST, len(data), now), BytesIO(data))
            for name, member in members.items():
                with member.open("rb") as handle:
                    tar.addfile(_tar_info(name, manifest["files"][name]["size"], now), handle)
        raw.flush()
        os.fsync(raw.fileno())


def _tar_info(name: str, size: int, now: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(now.timestamp()), 0o600
    return info


def publish(partial: Path, target: Path) -> None:
    """Give the finished archive its name; BackupError when that name is taken (even since the start)."""
    taken = BackupError(f"{target} exists: a backup never replaces a file. Choose another path.")
    try:
        # A hard link never replaces an existing file, even one that appeared meanwhile.
        os.link(partial, target)
    except FileExistsError:
        raise taken from None
    except OSError:
        # Filesystems without hard links (some network shares): check, then rename.
        if target.exists():
            raise taken from None
        os.rename(partial, target)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def read_archive(path, folder: Path) -> tuple[dict, dict[str, Path]]:
    """Extract the archive at `path` into `folder`; its manifest and {member: extracted file}, every member checked
    against the manifest (BackupError saying what does not match)."""
    name = Path(path).name
    extracted, found, manifest = {}, {}, None
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                _check_member(member, name, found)
                if member.name == MANIFEST:
                    manifest = _read_manifest(tar.extractfile(member), name)
                    found[MANIFEST] = None
                    continue
                extracted[member.name] = folder / member.name
                found[member.name] = _extract(tar.extractfile(member), extracted[member.name])
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise BackupError(f"{name} is not a readable backup archive ({exc}).") from None
    if manifest is None:
        raise BackupError(f"{name} has no {MANIFEST}: it is not a Session Stats backup.")
    listed = manifest["files"]
    missing, unlisted = sorted(set(listed) - set(extracted)), sorted(set(extracted) - set(listed))
    if missing:
        raise BackupError(f"{name} lacks {missing[0]}, which its manifest lists: the archive is incomplete.")
    if unlisted:
        raise BackupError(f"{name} holds {unlisted[0]}, which its manifest does not list: it was changed after it "
                          "was made.")
    for member in sorted(extracted):
        if found[member] != (listed[member].get("sha256"), listed[member].get("size")):
            raise BackupError(f"{member} in {name} does not match its SHA-256 in the manifest: the archive was "
                              "changed or damaged after it was made.")
    return manifest, extracted


def _check_member(member: tarfile.TarInfo, name: str, found: dict) -> None:
    parts = PurePosixPath(member.name).parts
    allowed = member.name == MANIFEST or (len(parts) > 1 and parts[0] in MEMBER_FOLDERS and ".." not in parts)
    if not member.isfile() or not allowed or member.name in found:
        raise BackupError(f"{name} holds {member.name!r}, which no Session Stats backup holds: it is refused.")


def _read_manifest(handle, name: str) -> dict:
    try:
        manifest = json.loads(handle.read(MAX_MANIFEST_BYTES + 1)[:MAX_MANIFEST_BYTES])
        if manifest["format"] != FORMAT:
            raise BackupError(f"{name} is a backup of format {manifest['format']!r}; this version reads format "
                              f"{FORMAT}. Restore it with the version of Session Stats that made it, or a newer one.")
        if not isinstance(manifest["database"], dict) or not all(
                isinstance(entry, dict) for entry in manifest["files"].values()):
            raise TypeError("the database and each file are described by objects")
        manifest["counts"] = dict(manifest.get("counts") or {})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"{name} has a damaged {MANIFEST} ({exc}).") from None
    return manifest


def _extract(source, target: Path) -> tuple[str, int]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size
