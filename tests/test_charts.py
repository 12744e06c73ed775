"""The server's charts keep their labels within the drawing and their lines on the value axis."""
from app.web.charts import HALF_CHARACTER, WIDTH, bar_chart, line_chart


def test_the_last_label_under_the_bars_stays_within_the_drawing():
    quarters = [f"{year}-Q{quarter}" for year in range(2020, 2027) for quarter in range(1, 5)]
    chart = bar_chart([(quarter, 3) for quarter in quarters])
    assert chart.labels[-1][1] == "2026-Q4"
    assert all(x + len(text) * HALF_CHARACTER <= WIDTH for x, text in chart.labels)


def test_each_line_has_a_point_per_label_and_the_highest_value_sets_the_axis():
    chart = line_chart(["2025-01", "2025-02", "2025-03"], [("Pro-Q 3", [4, 2, 0]), ("Pro-Q 4", [0, 3, 9])])
    assert [name for name, _ in chart.lines] == ["Pro-Q 3", "Pro-Q 4"]
    assert [[value for *_, value in points] for _, points in chart.lines] == [[4, 2, 0], [0, 3, 9]]
    assert chart.ticks[-1][1] >= 9
    bottom, top = chart.ticks[0][0], chart.ticks[-1][0]
    zero, nine = chart.lines[0][1][2][1], chart.lines[1][1][2][1]
    assert zero == bottom and top <= nine < zero
