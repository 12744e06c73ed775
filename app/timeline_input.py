"""What a write to a session's timeline takes, validated: events to add (from people, scripts and extensions) and
changes to them."""
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models.timeline import MARKER, NOTE
from app.wire import MAX_NAME, NO_NUL, Attributes, LongText, Seconds, ShortText

# Kinds are short words, so that extensions' kinds read well in filters and URLs.
KIND = r"^[a-z][a-z0-9_-]{0,49}$"
MAX_EVENTS_PER_REQUEST = 1000
NoteText = Annotated[str, Field(min_length=1, max_length=100_000, pattern=NO_NUL)]


class EventInput(BaseModel):
    """An event to add: a note (text required, open unless said otherwise) or an extension's kind."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Annotated[str, Field(pattern=KIND, description="note, or an extension's kind; markers come from files.")]
    t_sec: Seconds = Field(description="Seconds from the session's start.")
    end_sec: Seconds | None = Field(None, description="Where a region ends; at or after t_sec.")
    text: LongText = ""
    label: ShortText | None = None
    track: ShortText | None = None
    status: Literal["open", "resolved"] | None = Field(None, description="Notes only; open by default.")
    attributes: Attributes | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind == MARKER:
            raise ValueError("markers come from the session's file: add a note, or another kind")
        if self.end_sec is not None and self.end_sec < self.t_sec:
            raise ValueError("end_sec cannot come before t_sec")
        if self.kind == NOTE:
            if not self.text.strip():
                raise ValueError("a note needs text")
            self.status = self.status or "open"
        elif self.status is not None:
            raise ValueError("only notes are open or resolved")
        return self


class EventsInput(BaseModel):
    """Events to add to one session, all or none."""

    model_config = ConfigDict(extra="forbid", strict=True)

    events: Annotated[list[EventInput], Field(min_length=1, max_length=MAX_EVENTS_PER_REQUEST)]


class EventChange(BaseModel):
    """A change to an event: only the fields given change."""

    model_config = ConfigDict(extra="forbid", strict=True)

    t_sec: Seconds = None
    end_sec: Seconds | None = None
    text: Annotated[str, Field(max_length=100_000, pattern=NO_NUL)] = None
    label: Annotated[str, Field(max_length=MAX_NAME, pattern=NO_NUL)] | None = None
    status: Literal["open", "resolved"] = None
