"""What the /api analytics routes give (see app/api/schemas.py)."""
from pydantic import BaseModel, Field


class PeriodAnswer(BaseModel):
    """A month (YYYY-MM) or an ISO week (YYYY-Www) and the work logged in it."""

    period: str
    hours: float = Field(description="Hours worked, to the hundredth.")
    sessions: int = Field(description="Live sessions worked on in the period.")
    started: int = Field(description="Live sessions whose work started in the period (by their started_at, UTC), of "
                                     "every artist, project, DAW and person whatever narrows the hours.")
    average_hours: float | None = Field(description="Hours per session worked on in the period (hours / sessions), "
                                                    "to the hundredth; null when none was.")
    median_hours: float | None = Field(description="The median session's hours of work in the month (counted in "
                                                   "steps of five minutes, rounded down); null in a week, when the "
                                                   "hours are narrowed, or when none was worked on.")
    by_kind: dict[str, float] = Field(description="Hours per kind of work (every kind, 0 when none).")


class HoursAnswer(BaseModel):
    """The work logged per period, oldest first, every period of the span included."""

    periods: list[PeriodAnswer]


class ProductMonths(BaseModel):
    """A product and its live sessions in each month of the span (by the sessions' dates)."""

    key: str
    name: str = Field(description="The product's vendor and name.")
    sessions: list[int] = Field(description="Per month of `months`, in order.")


class ProductMove(BaseModel):
    """A product whose use moved: its sessions a month in the span's first half and in its second."""

    key: str
    name: str
    before: float
    after: float
    change: float = Field(description="after − before.")


class TemplateAnswer(BaseModel):
    """A template and the live sessions started from it that were made in the span."""

    template: str
    sessions: int
    timed_sessions: int = Field(description="Those of its sessions that have a worked time.")
    hours: float = Field(description="Their worked time added up, in hours.")
    average_hours: float | None = Field(description="Their mean worked time in hours; null when none has one.")


class TemplatesAnswer(BaseModel):
    """Every template of sessions made in the span's months, the most sessions first."""

    months: list[str]
    templates: list[TemplateAnswer]


class AdoptionAnswer(BaseModel):
    """The sessions using each product asked for, per month; and the products whose use grew or fell most."""

    months: list[str]
    products: list[ProductMonths]
    grew: list[ProductMove]
    fell: list[ProductMove]
