"""The parameters of the analytics page and API: which periods, over which span, and the month of the billing view."""
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.list_params import Params
from app.params import Day, Texts
from app.models.types import utc_now

# A chart of weeks over more than this many days would hold more bars than it can show.
MAX_WEEK_SPAN = 10 * 366
MAX_MONTH_SPAN = 100 * 366
FIRST_YEAR, LAST_YEAR = 1900, 2999
# Products compared side by side on one chart.
MAX_COMPARED = 5
Products = Annotated[Texts, Field(max_length=MAX_COMPARED, description="A product's key as /api/products gives it "
                                                                       f"(repeat for up to {MAX_COMPARED}).")]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="A month, YYYY-MM.")]


class AnalyticsParams(Params):
    """Periods of a span: from the month (or week) holding `from` to the one holding `to`; the last twelve months
    by default."""

    period: Literal["month", "week"] = "month"
    from_: Day | None = Field(None, alias="from", description="The span's first day, YYYY-MM-DD; a year before "
                                                               "`to` by default.")
    to: Day | None = Field(None, description="The span's last day, YYYY-MM-DD; today (UTC) by default.")

    @model_validator(mode="after")
    def _ordered(self):
        first, last = self.span()
        if first.year < FIRST_YEAR or last.year > LAST_YEAR:
            raise ValueError(f"from and to must fall between {FIRST_YEAR} and {LAST_YEAR}")
        if first > last:
            raise ValueError("from must not come after to")
        if (last - first).days > (MAX_WEEK_SPAN if self.period == "week" else MAX_MONTH_SPAN):
            raise ValueError("the span is too long for these periods: at most 10 years of weeks, 100 of months")
        return self

    def span(self) -> tuple[date, date]:
        """The first and last day the periods cover."""
        last = self.to or utc_now().date()
        if self.from_ is not None:
            return self.from_, last
        first = last.replace(day=1)
        for _ in range(11):
            first = (first - timedelta(days=1)).replace(day=1)
        return first, last


class HoursParams(AnalyticsParams):
    """The hours worked per period, of every session or of some artists' and projects' (months only)."""

    artist: Texts = Field([], description="Only the work on sessions of this artist (exact; repeat for any of "
                                          "several); months only.")
    project: Texts = Field([], description="Only the work on sessions of this project (exact; repeat for any of "
                                           "several); months only.")
    daw: Texts = Field([], description="Only the work on sessions made in this DAW (exact; repeat for any of "
                                       "several); months only, not with artist, project or person.")
    person: Texts = Field([], description="Only the work this person did (exact; repeat for any of several); months "
                                          "only, not with artist, project or DAW.")

    @model_validator(mode="after")
    def _months_when_narrowed(self):
        narrowed = [name for name, chosen in (("artist and project", self.artist or self.project),
                                              ("daw", self.daw), ("person", self.person)) if chosen]
        if narrowed and self.period == "week":
            raise ValueError(f"the hours narrowed by {narrowed[0]} are kept per month: ask for period=month")
        if len(narrowed) > 1:
            raise ValueError(f"narrow the hours by one of artist and project, daw or person at a time, not by "
                             f"{' and '.join(narrowed)}")
        return self


class AdoptionParams(AnalyticsParams):
    """The products whose sessions per month to compare, over a span of months."""

    period: Literal["month"] = "month"
    product: Products = []


class TemplatesParams(AnalyticsParams):
    """The span of months whose sessions are counted per template."""

    period: Literal["month"] = "month"


class AnalyticsPageParams(HoursParams):
    """The analytics page's state: its span, the month whose hours per artist and project it lists (this month by
    default), the products compared, and `csv` for a table as CSV."""

    month: Month | None = None
    product: Products = []
    csv: Literal["hours", "average", "started", "daws", "templates", "adoption", "billing"] | None = None
