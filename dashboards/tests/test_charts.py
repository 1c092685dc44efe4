"""The SVG charts: escaped labels, no style attributes (CSP), bars scaled to the axis, gaps for no data."""

import re

from dashboards import charts


def rects(svg: str, css: str) -> list[dict]:
    return [dict(re.findall(r'(\w+)="([^"]*)"', m)) for m in re.findall(rf'<rect class="bar {css}"([^>]*)>', svg)]


def test_labels_and_titles_are_escaped():
    svg = charts.column_chart(['<script>alert(1)</script>'], [('"x"', [3], "found")], title="<b>标题</b>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg and "&quot;x&quot;" in svg


def test_charts_use_no_style_attribute_and_carry_a_title():
    for svg in (charts.column_chart(["1月"], [("发现", [1], "found")], title="趋势"),
                charts.line_chart(["1月", "2月"], [50.0, 75.5], title="完成率", unit="%", max_value=100),
                charts.bar_list([("待处理", 2, "state-reported")], title="状态")):
        assert "style=" not in svg and "<script" not in svg
        assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg


def test_columns_are_scaled_to_a_round_top_and_a_none_draws_nothing():
    svg = charts.column_chart(["a", "b", "c"], [("n", [40, 20, None], "found")], title="t")
    bars = rects(svg, "found")
    assert len(bars) == 2
    assert abs(float(bars[0]["height"]) - 2 * float(bars[1]["height"])) < 0.2
    assert ">50<" in svg  # the axis's top: 40 rounded up


def test_two_series_get_a_legend():
    svg = charts.column_chart(["1月"], [("发现", [2], "found"), ("销号", [1], "closed")], title="t")
    assert len(rects(svg, "found")) == 2 and len(rects(svg, "closed")) == 2  # a bar and a legend swatch each
    assert ">发现<" in svg and ">销号<" in svg


def test_a_line_breaks_where_a_month_has_no_data():
    svg = charts.line_chart(["1", "2", "3", "4", "5"], [10, 20, None, 30, 40], title="t", max_value=100)
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 4


def test_an_all_zero_chart_draws_without_dividing_by_zero():
    assert "<svg" in charts.column_chart(["a"], [("n", [0], "found")], title="t")
    assert "<svg" in charts.bar_list([("a", 0, "x")], title="t")
    assert "<svg" in charts.line_chart(["a"], [None], title="t")


def test_bar_lengths_follow_the_values():
    svg = charts.bar_list([("a", 4, "x"), ("b", 1, "y")], title="t")
    a, b = rects(svg, "x")[0], rects(svg, "y")[0]
    assert abs(float(a["width"]) - 4 * float(b["width"])) < 0.2
