"""What a write to a session's work log takes, validated: an activity to log (or a timer to start) and a change to
one."""
import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from app.models.types import utc_now
from app.models.work import ACTIVITY_KINDS
from app.wire import NO_NUL, LongText, ShortText, Timestamp

# One block of work lasts at most a day: longer is a timer left running, or a typo.
MAX_ACTIVITY_SECONDS = 24 * 3600
# Clocks differ a little between a laptop and the server; work does not start later than that from now.
CLOCK_SKEW = timedelta(minutes=5)
Kind = Literal[ACTIVITY_KINDS]
DurationSeconds = Annotated[int, Field(gt=0, le=MAX_ACTIVITY_SECONDS, description="Instead of ended_at.")]


def check_start(started_at: datetime) -> datetime:
    """Refuse a start in the future (ValueError)."""
    if started_at > utc_now() + CLOCK_SKEW:
        raise ValueError("cannot be in the future")
    return started_at


def check_end(started_at: datetime, ended_at: datetime) -> datetime:
    """Refuse an end before the start or in the future, and a block longer than a day (ValueError)."""
    if ended_at > utc_now() + CLOCK_SKEW:
        raise ValueError("cannot be in the future")
    if ended_at <= started_at:
        raise ValueError("must come after started_at")
    if ended_at - started_at > timedelta(seconds=MAX_ACTIVITY_SECONDS):
        raise ValueError("must be at most 24 hours after started_at: log longer work as several activities")
    return ended_at


StartedAt = Annotated[Timestamp, AfterValidator(check_start)]


class ActivityInput(BaseModel):
    """An activity to log: a finished block (with ended_at or duration_seconds), or, with neither, a timer that
    starts running for the account that sends it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Kind
    started_at: StartedAt = Field(description="When the work started (ISO 8601 with a zone, e.g. ...Z).")
    ended_at: Timestamp | None = Field(None, description="When it ended; neither this nor duration_seconds starts "
                                                         "a timer.")
    duration_seconds: DurationSeconds | None = None
    note: LongText = ""
    person: ShortText | None = Field(None, description="Who did the work; the account's name by default.")

    @field_validator("ended_at")
    @classmethod
    def _after_start(cls, ended_at, info):
        if ended_at is None or "started_at" not in info.data:
            return ended_at
        return check_end(info.data["started_at"], ended_at)

    @field_validator("duration_seconds")
    @classmethod
    def _one_end(cls, duration_seconds, info):
        if duration_seconds is not None and info.data.get("ended_at") is not None:
            raise ValueError("give ended_at or duration_seconds, not both")
        return duration_seconds

    def values(self) -> dict:
        """The activity's columns: duration_seconds gives its end."""
        values = self.model_dump(exclude={"duration_seconds"})
        if self.duration_seconds is not None:
            values["ended_at"] = self.started_at + timedelta(seconds=self.duration_seconds)
        return values


class ActivityChange(BaseModel):
    """A change to an activity: only the fields given change."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Kind = None
    started_at: StartedAt = None
    ended_at: Timestamp = None
    duration_seconds: DurationSeconds = None
    note: LongText = None
    person: Annotated[str, Field(min_length=1, max_length=1000, pattern=NO_NUL)] = None

    @field_validator("duration_seconds")
    @classmethod
    def _one_end(cls, duration_seconds, info):
        if info.data.get("ended_at") is not None:
            raise ValueError("give ended_at or duration_seconds, not both")
        return duration_seconds


DURATION = re.compile(r"^(?:(\d+):([0-5]\d)|(\d+(?:\.\d+)?)\s*h(?:\s*(\d+)\s*m(?:in)?)?|(\d+)\s*m(?:in)?|(\d+(?:\.\d+)?))$")


def parse_duration(text: str) -> int:
    """Seconds for a duration as people type it: "2:30", "2h 30m", "2.5h", "90m" or "2.5" (hours); ValueError
    saying why not."""
    match = DURATION.match(text.strip().lower())
    if not match:
        raise ValueError("must be a duration such as 2:30, 2h 30m, 90m or 2.5 (hours)")
    hours, minutes, decimal_hours, extra_minutes, only_minutes, bare_hours = match.groups()
    if hours is not None:
        seconds = int(hours) * 3600 + int(minutes) * 60
    elif decimal_hours is not None:
        seconds = float(decimal_hours) * 3600 + int(extra_minutes or 0) * 60
    elif only_minutes is not None:
        seconds = int(only_minutes) * 60
    else:
        seconds = float(bare_hours) * 3600
    seconds = round(seconds)
    if not 0 < seconds <= MAX_ACTIVITY_SECONDS:
        raise ValueError("must be more than nothing and at most 24 hours")
    return seconds


def format_duration(seconds: float | None) -> str:
    """Worked time as people read it: "2 h 05 min", "45 min", "30 s"; "—" for none."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours:,} h {minutes:02} min" if hours else f"{minutes} min"
