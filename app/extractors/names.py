"""Names as the wire model takes them, and a session's name when its file states none."""
from pathlib import PurePath

from app.wire import MAX_NAME


def clip(text: str | None) -> str | None:
    """`text` trimmed and cut to the longest name the wire format takes; None stays None."""
    return text.strip()[:MAX_NAME] if text is not None else None


def file_title(filename: str) -> str:
    """The file name without its extension, as DAWs title a session that names none."""
    return clip(PurePath(filename).stem) or clip(filename) or "Untitled"
