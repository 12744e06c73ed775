"""The markers and media files of a Pro Tools text export, as the wire model takes them.

A marker's position is in seconds from the session start. When its UNITS is Samples (an absolute
marker), TIME REFERENCE is its sample from the session start, exact; otherwise (Ticks: a marker
that follows the tempo) LOCATION is read, written in the session's main time scale:
- timecode `HH:MM:SS:FF` (`;` before the frames in drop frame, `.SS` subframes when shown),
  counted from SESSION START TIMECODE at the header's TIMECODE FORMAT;
- min:sec `M:SS` or `M:SS.mmm`, which Pro Tools counts from the session start (to the second
  unless subframes are shown);
- samples, a plain number from the session start.
Bars|beats and feet+frames locations need the tempo map or a film rate the export does not give:
such a marker is not placed.

Pro Tools names a file's folder as a classic Mac path, `Volume:Folder:Folder:`; it becomes the
POSIX path macOS uses for it, so that it reads like the paths of the other formats.
"""
import re
from fractions import Fraction

from app.extractors.names import clip
from app.wire import MAX_MARKERS, MAX_MEDIA_FILES, MAX_SECONDS, MAX_TEXT, SessionStatsMarker, SessionStatsMediaFile

TIMECODE = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})[:;](\d{2,3})(?:\.(\d{1,2}))?", re.ASCII)
MIN_SEC = re.compile(r"(?:(\d{1,4}):)?(\d{1,6}):(\d{2})(\.\d{1,9})?", re.ASCII)
SAMPLES = re.compile(r"\d{1,18}", re.ASCII)
FRAME_RATE = re.compile(r"(\d{1,3}(?:\.\d{1,3})?)\s*(drop)?\s*frame", re.IGNORECASE | re.ASCII)
# The volume a Mac starts from: macOS names it "Macintosh HD" unless someone renamed it.
STARTUP_VOLUME = "Macintosh HD"


def markers(rows: list[dict], sample_rate: int | None, start: str | None,
            timecode_format: str | None) -> tuple[list[SessionStatsMarker], int]:
    """The markers of the listing's rows that can be placed, and how many cannot."""
    rate = frame_rate(timecode_format)
    placed, unplaced = [], 0
    for row in rows:
        seconds = _sample_seconds(row, sample_rate)
        if seconds is None:
            seconds = location_seconds(row.get("location", ""), sample_rate, start, rate)
        if seconds is None or not 0 <= seconds <= MAX_SECONDS:
            unplaced += 1
            continue
        if len(placed) < MAX_MARKERS:  # more is junk; the attributes keep the listing
            on_track = (row.get("trackType") or "").casefold() == "track"
            placed.append(SessionStatsMarker(
                name=clip(row.get("name") or ""), t_sec=seconds,
                comment=(row.get("comments") or "").strip()[:MAX_TEXT] or None,
                track=(clip(row.get("trackName")) or None) if on_track else None))
    return placed, unplaced


def _sample_seconds(row: dict, sample_rate: int | None) -> float | None:
    """An absolute marker's seconds from its TIME REFERENCE in samples; None for others or without a rate."""
    samples = row.get("timeReference")
    if (row.get("units") or "").casefold() != "samples" or not isinstance(samples, int) or not sample_rate:
        return None
    return samples / sample_rate


def frame_rate(label: str | None) -> tuple[int, Fraction, bool] | None:
    """"29.97 Drop Frame" as (30 frames counted a second, 30000/1001 played a second, drop frame); None if unknown."""
    match = FRAME_RATE.fullmatch((label or "").strip())
    if not match:
        return None
    written = Fraction(match.group(1))
    counted = round(written)
    if counted <= 0:
        return None
    # The NTSC rates (23.976, 29.97, 59.94...) play 1000/1001 of the frames their timecode counts.
    pulled_down = Fraction(counted * 1000, 1001)
    played = counted if written == counted else pulled_down if abs(written - pulled_down) < Fraction(1, 100) else None
    return (counted, Fraction(played), match.group(2) is not None) if played else None


def timecode_frames(text: str, counted: int, drop: bool) -> Fraction | None:
    """The frames from 00:00:00:00 to a timecode (subframes are hundredths); None when it is not one."""
    match = TIMECODE.fullmatch(text.strip())
    if not match:
        return None
    hours, minutes, seconds, frames = (int(part) for part in match.group(1, 2, 3, 4))
    if minutes > 59 or seconds > 59 or frames >= counted:
        return None
    total = ((hours * 60 + minutes) * 60 + seconds) * counted + frames
    if drop:  # drop frame skips the first frame numbers of each minute but every tenth
        minutes_in = hours * 60 + minutes
        total -= (counted // 15) * (minutes_in - minutes_in // 10)
    return total + Fraction(int(match.group(5) or 0), 100)


def location_seconds(location: str, sample_rate: int | None, start: str | None,
                     rate: tuple[int, Fraction, bool] | None) -> float | None:
    """Seconds from the session start of a LOCATION in timecode, min:sec or samples; None otherwise."""
    location = location.strip()
    if SAMPLES.fullmatch(location):
        return int(location) / sample_rate if sample_rate else None
    if match := MIN_SEC.fullmatch(location):
        hours, minutes, seconds = (int(part or 0) for part in match.group(1, 2, 3))
        if seconds > 59 or (hours and minutes > 59):
            return None
        return (hours * 60 + minutes) * 60 + seconds + float(match.group(4) or 0)
    if rate is None or not start:
        return None
    counted, played, drop = rate
    at, origin = timecode_frames(location, counted, drop), timecode_frames(start, counted, drop)
    if at is None or origin is None:
        return None
    if at < origin:  # the timecode went past midnight
        at += timecode_frames("24:00:00:00", counted, drop)
    return float((at - origin) / played)


def media_files(listings: list[tuple[list[dict], bool | None]]) -> list[SessionStatsMediaFile]:
    """Each file of the files listings once (the first listing naming it wins), with whether it is offline."""
    found: dict[str, SessionStatsMediaFile] = {}
    for rows, offline in listings:
        for row in rows:
            filename = row.get("name") or ""
            if not filename.strip() or len(found) >= MAX_MEDIA_FILES:
                continue
            path = file_path(row.get("location") or "", filename)
            if path not in found:
                found[path] = SessionStatsMediaFile(path=path, name=clip(filename), offline=offline)
    return list(found.values())


def file_path(location: str, filename: str) -> str:
    """A file's path from the folder Pro Tools prints and its name.

    A classic Mac path `Volume:Folder:` becomes `/Volumes/Volume/Folder/name`, the startup volume's
    `/Folder/name` (macOS links /Volumes/Macintosh HD to /, so both name the same file); a "/" in a
    name becomes ":", as macOS shows it in POSIX paths. A folder already written with / or \\ is kept.
    """
    location = location.strip()
    if "\\" in location:
        return location.rstrip("\\") + "\\" + filename
    if location.startswith("/") or ":" not in location:
        return f"{location.rstrip('/')}/{filename}" if location else filename
    parts = [part for part in location.split(":") if part]
    if not parts:
        return filename
    volume, *folders = parts
    root = "" if volume == STARTUP_VOLUME else f"/Volumes/{volume.replace('/', ':')}"
    return "/".join([root, *(part.replace("/", ":") for part in folders), filename.replace("/", ":")])
