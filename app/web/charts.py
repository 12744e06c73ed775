"""Charts drawn on the server as SVG: bars (or lines), an axis of values with round steps, and labels under them
that never crowd each other, whether the chart has one bar or hundreds."""
import math
import re
from dataclasses import dataclass, field

from app.models.types import utc_now

# The drawing's size in SVG units, and the margins that hold the axes' labels.
WIDTH, HEIGHT = 640, 200
LEFT, BOTTOM, TOP = 44, 22, 14
# Labels under the bars are at least this far apart.
LABEL_SPACING = 56
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
# Half the width of a label's character, in SVG units (labels are 11 px digits and letters).
HALF_CHARACTER = 3.4
# Up to this many bars each show their value above them.
VALUES_SHOWN = 24


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass
class StackedBar:
    """One bar made of a segment per series, bottom up: (series index, y, height, value)."""

    x: float
    width: float
    label: str
    total: int
    segments: list[tuple[int, float, float, int]]


@dataclass
class BarChart:
    """What a template needs to draw a bar chart, in SVG units."""

    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) of each line of the value axis
    labels: list[tuple[float, str]]  # (x, text) under the bars
    show_values: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = field(default=HEIGHT - BOTTOM)


def _step(peak: int) -> int:
    """A round step (1, 2 or 5 times a power of ten) that divides 0..peak into at most five parts."""
    raw = max(peak / 5, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def _labelled(bars: list[Bar], every: int) -> list[Bar]:
    """Every `every`-th bar; for months (YYYY-MM), whole quarters, halves or years from a January on."""
    if every <= 1 or not all(MONTH.fullmatch(bar.label) for bar in bars):
        return bars[::max(every, 1)]
    months = next(step for step in (2, 3, 4, 6, 12, 24, 60, 120, 1200) if step >= every)
    return [bar for bar in bars if (int(bar.label[:4]) * 12 + int(bar.label[5:]) - 1) % months == 0]


def bar_chart(points: list[tuple[str, int]]) -> BarChart:
    """A chart of one bar per (label, value), in the order given."""
    plot_width, plot_height = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    peak = max((value for _, value in points), default=0)
    step = _step(peak)
    top = max(step * math.ceil(peak / step), step)
    slot = plot_width / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        height = value / top * plot_height
        bars.append(Bar(round(LEFT + index * slot + slot * 0.1, 2), round(TOP + plot_height - height, 2),
                        round(max(slot * 0.8, 0.5), 2), round(height, 2), label, value))
    # A label under the last bars moves left as far as it must to stay within the drawing.
    labels = [(round(min(bar.x + bar.width / 2, WIDTH - len(bar.label) * HALF_CHARACTER), 2), bar.label)
              for bar in _labelled(bars, math.ceil(LABEL_SPACING / slot))]
    ticks = [(round(TOP + plot_height - value / top * plot_height, 2), value) for value in range(0, top + 1, step)]
    return BarChart(bars, ticks, labels, len(points) <= VALUES_SHOWN)


def stacked_bar_chart(labels: list[str], series: list[tuple[str, dict[str, int]]]) -> BarChart:
    """A chart of one bar per label, each stacked from the series' values for that label (series in order, the
    first at the bottom)."""
    totals = [(label, sum(values.get(label, 0) for _, values in series)) for label in labels]
    chart = bar_chart(totals)
    plot_height = HEIGHT - BOTTOM - TOP
    scale = plot_height / max(chart.ticks[-1][1], 1)
    stacked = []
    for bar in chart.bars:
        bottom, segments = TOP + plot_height, []
        for index, (_, values) in enumerate(series):
            value = values.get(bar.label, 0)
            if value:
                height = value * scale
                bottom -= height
                segments.append((index, round(bottom, 2), round(height, 2), value))
        stacked.append(StackedBar(bar.x, bar.width, bar.label, bar.value, segments))
    chart.bars = stacked
    chart.show_values = False
    return chart


@dataclass
class LineChart:
    """What a template needs to draw lines side by side, in SVG units: per series its points (x, y, label, value)."""

    lines: list[tuple[str, list[tuple[float, float, str, int]]]]
    ticks: list[tuple[float, int]]
    labels: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = field(default=HEIGHT - BOTTOM)


def line_chart(labels: list[str], series: list[tuple[str, list[int]]]) -> LineChart:
    """A line per series over the labels (a value per label, in order), on one value axis."""
    plot_width, plot_height = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    # The axis and the labels under it are those of a bar chart of the highest values.
    axis = bar_chart([(label, max((values[index] for _, values in series), default=0))
                      for index, label in enumerate(labels)])
    top = max(axis.ticks[-1][1], 1)
    slot = plot_width / max(len(labels), 1)
    lines = [(name, [(round(LEFT + index * slot + slot / 2, 2), round(TOP + plot_height - value / top * plot_height, 2),
                      label, value) for index, (label, value) in enumerate(zip(labels, values))])
             for name, values in series]
    return LineChart(lines, axis.ticks, axis.labels)


def in_range(months: list, years: str) -> list:
    """The months (YYYY-MM, or (YYYY-MM, count) pairs) of the last `years` ("1y", "3y", "10y") up to this one,
    or all of them ("all")."""
    if years == "all":
        return months
    today = utc_now()
    start = today.year * 12 + today.month - 1 - (int(years[:-1]) * 12 - 1)
    first = f"{start // 12:04d}-{start % 12 + 1:02d}"
    return [month for month in months if (month if isinstance(month, str) else month[0]) >= first]
