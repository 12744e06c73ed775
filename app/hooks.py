"""Extensions: Python packages that add to Session Stats through the entry-point group `session_stats.extensions`.

An extension is any object (usually a module) named by an entry point in that group; the entry point's name is
the extension's. It may have:

- `on_session_indexed(session)`: called after a session was ingested or scanned, with the session in the wire
  format (a dict, camelCase);
- `on_attachment_added(session, attachment)`: called in a background job after a file was attached, with the
  attachment as the API gives it plus `path`, where its content is stored;
- `extractors`: {".suffix": extract(data: bytes, filename: str) -> wire session (dict or model)}, read like the
  built-in formats for files with that suffix.

A hook returns None or {"events": [...], "attributes": {...}}: events as the events API takes them (stored with
the extension's name as their source, replacing those it gave the same session or attachment before), and
attributes kept under the extension's name (on the session, or in the attachment's analysis). A hook that raises,
returns something invalid or runs longer than SLOW_SECONDS is recorded (log, the session's page, the job's errors)
and never stops an ingest or a scan. The built-in loudness analysis is an extension like any other.
"""
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from types import SimpleNamespace
from typing import Annotated, Any

from flask import current_app, has_app_context
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.timeline_input import MAX_EVENTS_PER_REQUEST, EventInput
from app.wire import Attributes, problem_message

GROUP = "session_stats.extensions"
HOOKS = ("on_session_indexed", "on_attachment_added")
# A hook slower than this is reported (it still runs to its end: a hook cannot be stopped from outside).
SLOW_SECONDS = 10.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extension:
    """An installed extension: its name, where it comes from, the object its entry point names (None when it
    failed to load, with why)."""

    name: str
    origin: str
    target: Any = None
    error: str | None = None

    @property
    def hooks(self) -> list[str]:
        """The hooks it has, and "extractors" when it reads files."""
        found = [hook for hook in HOOKS if callable(getattr(self.target, hook, None))]
        return found + (["extractors"] if getattr(self.target, "extractors", None) else [])


class HookResult(BaseModel):
    """What a hook gives back: events for the timeline and attributes to keep under the extension's name."""

    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[EventInput], Field(max_length=MAX_EVENTS_PER_REQUEST)] = []
    attributes: Attributes | None = None


def _builtin() -> list[Extension]:
    from app.analysis import loudness_extension
    return [Extension("loudness", "built in", loudness_extension)]


@cache
def installed_extensions() -> tuple[Extension, ...]:
    """Every extension: the built-in ones, then those installed packages name, by name (loaded once)."""
    found = {extension.name: extension for extension in _builtin()}
    for point in sorted(entry_points(group=GROUP), key=lambda point: point.name):
        origin = f"{point.dist.name} {point.dist.version}" if point.dist else point.value
        try:
            found.setdefault(point.name, Extension(point.name, origin, point.load()))
        except Exception as exc:  # a broken package must not stop the app: it is listed with its error
            log.warning("extension %s cannot be loaded: %s", point.name, exc)
            found.setdefault(point.name, Extension(point.name, origin, error=f"{type(exc).__name__}: {exc}"))
    return tuple(found.values())


def disabled_names() -> set[str]:
    """The extensions the settings turn off (SESSION_STATS_DISABLED_EXTENSIONS, comma-separated names); read from
    the environment in a scan's reading processes, which have no app."""
    setting = current_app.config.get("DISABLED_EXTENSIONS") if has_app_context() else \
        os.environ.get("SESSION_STATS_DISABLED_EXTENSIONS")
    return {name.strip() for name in str(setting or "").split(",") if name.strip()}


def enabled_extensions() -> list[Extension]:
    """The loaded extensions the settings do not turn off."""
    off = disabled_names()
    return [extension for extension in installed_extensions() if extension.target is not None and
            extension.name not in off]


def extension_extractors() -> dict[str, Any]:
    """Suffix → an object with `extract` and the extension's `name`, for the files enabled extensions read (a
    scan asks for every file it walks past: worked out once per setting)."""
    return _readers(frozenset(disabled_names()))


@cache
def _readers(disabled: frozenset[str]) -> dict[str, Any]:
    readers = {}
    for extension in installed_extensions():
        if extension.target is None or extension.name in disabled:
            continue
        for suffix, extract in (getattr(extension.target, "extractors", None) or {}).items():
            readers.setdefault(suffix.lower(), SimpleNamespace(extract=extract, name=extension.name))
    return readers


@dataclass
class Outcome:
    """One extension's answer to one hook call: what it gave, or why not; and how long it took."""

    extension: str
    result: HookResult | None
    error: str | None
    seconds: float


def call_hooks(hook: str, *args) -> Iterable[Outcome]:
    """Call `hook` of every enabled extension that has it with `args`, each apart: a failure is an outcome."""
    for extension in enabled_extensions():
        function = getattr(extension.target, hook, None)
        if not callable(function):
            continue
        started = time.monotonic()
        result, error = None, None
        try:
            given = function(*args)
            result = HookResult.model_validate(given) if given is not None else HookResult()
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            error = f"gave something invalid: {where} {problem_message(problem)}"
        except Exception as exc:  # an extension's bug must never break what called it: it is recorded instead
            error = f"failed: {type(exc).__name__}: {exc}"
        seconds = time.monotonic() - started
        if error is None and seconds > SLOW_SECONDS:
            error = f"took {seconds:.1f} s (more than {SLOW_SECONDS:.0f} s)"
        if error:
            log.warning("extension %s, %s: %s", extension.name, hook, error)
        yield Outcome(extension.name, result, error, seconds)
