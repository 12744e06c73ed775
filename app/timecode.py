"""Positions on a session's timeline as people type and read them: m:ss, m:ss.mmm, h:mm:ss, or seconds."""
import re

from app.wire import MAX_SECONDS

POSITION = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d{1,3})?)$")


def parse_position(text: str) -> float:
    """Seconds from the session's start for "1:23", "1:23.456", "1:02:03" or "83.5"; ValueError saying why not."""
    match = POSITION.match(text.strip())
    if not match:
        raise ValueError("must be a position such as 1:23, 1:23.456 or 1:02:03")
    hours, minutes, seconds = match.groups()
    if minutes is not None and float(seconds) >= 60:
        raise ValueError("has more than 59 seconds after the minutes")
    if hours is not None and int(minutes) >= 60:
        raise ValueError("has more than 59 minutes after the hours")
    total = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)
    if total > MAX_SECONDS:
        raise ValueError("is beyond 100 days")
    return round(total, 3)


def format_position(seconds: float | None) -> str:
    """A position as m:ss (h:mm:ss from an hour on), with milliseconds when it has them."""
    if seconds is None:
        return ""
    millis = round(seconds * 1000)
    whole, fraction = divmod(millis, 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{fraction:03d}" if fraction else text
