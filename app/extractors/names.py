"""Names as the wire model takes them, a session's name when its file states none, and the people its fields credit."""
import re
from pathlib import PurePath

from app.wire import MAX_DETAIL, MAX_NAME, MAX_NAME_BYTES, SessionStatsCredit, utf8_size


def clip(text: str | None, limit: int = MAX_NAME, size: int = MAX_NAME_BYTES) -> str | None:
    """`text` trimmed and cut to the longest name the wire format takes (`limit` characters of at most `size` bytes
    in UTF-8); None stays None."""
    if text is None:
        return None
    text = text.strip()[:limit]
    while len(text) * 4 > size and utf8_size(text) > size:
        text = text[:-max(1, (utf8_size(text) - size) // 4)]  # at most the excess: a character is 1 to 4 bytes
    return text


def clip_detail(text: str | None) -> str | None:
    """`clip` for a plugin's version or format."""
    return clip(text, MAX_DETAIL, MAX_DETAIL)


def file_title(filename: str) -> str:
    """The file name without its extension, as DAWs title a session that names none."""
    return clip(PurePath(filename).stem) or clip(filename) or "Untitled"


# How a file's artist text names guests ("Lumen feat. Mara Quist"), and how it separates several people: an act's
# own name may hold "&" or "," ("Earth, Wind & Fire"), a list of guests separates them so.
FEATURING = re.compile(r"\s+(?:feat\.?|ft\.|featuring)\s+", re.IGNORECASE)
PEOPLE = re.compile(r"\s*[;/]\s*")
GUESTS = re.compile(r"\s*(?:[;/,]|&|\band\b)\s*")


def credits_of(roles: dict[str, str | None]) -> list[SessionStatsCredit]:
    """The credits a file's fields give, from role → the text naming the people: guests after "feat." in the
    artist's text are featured artists; several people are separated by ";" or "/". Each person once per role."""
    credits, seen = [], set()
    for role, text in roles.items():
        if not text or not text.strip():
            continue
        parts = FEATURING.split(text.strip(), maxsplit=1) if role == "artist" else [text]
        for part, part_role, separator in zip(parts, (role, "featured artist"), (PEOPLE, GUESTS)):
            for name in filter(None, (clip(piece) for piece in separator.split(part))):
                if (name.casefold(), part_role) not in seen:
                    seen.add((name.casefold(), part_role))
                    credits.append(SessionStatsCredit(name=name, role=part_role))
    return credits
