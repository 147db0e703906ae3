"""Pictures: every kind of chart is drawn (few and many points, long labels, huge and tiny
values), its PNG has a sensible size, and no two of its labels overlap, measured on the drawn
text extents (matplotlib's renderer), with a check of its own rather than the module's."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from handlers import charts, render

LONG_UNIT = "Xã Liêm Hải, huyện Trực Ninh, tỉnh Nam Định (trước sáp nhập)"


def sum_answer(values: list[float], *, measure: str = "đồng", long: bool = False) -> dict[str, Any]:
    names = [f"{LONG_UNIT} số {n}" if long else f"Phường {n + 1}" for n in range(len(values))]
    parts = [
        {"unit": u, "value": v, "raw": f"{render.format_number(v)} {measure}"}
        for u, v in zip(names, values, strict=True)
    ]
    return {
        "found": True,
        "unit": None,
        "lead": {"kind": "sum", "total": sum(values), "unit": measure, "parts": parts},
        "sources": [{"unit": u, "source": f"{n}.txt"} for n, u in enumerate(names)],
    }


def compare_answer(
    values: list[float], *, measure: str = "đồng", long: bool = False
) -> dict[str, Any]:
    labels = [LONG_UNIT if long else "Phường 2, thị xã Kiến Tường", "Phường 12, thành phố Vũng Tàu"]
    sides = [
        {"label": label, "found": True, "lead": {"kind": "figure", "value": v, "unit": measure}}
        for label, v in zip(labels, values, strict=True)
    ]
    return {"found": True, "lead": {"kind": "compare", "sides": sides}, "sources": []}


def timeline_answer(
    values: list[float], *, measure: str = "đồng", halves: bool = False
) -> dict[str, Any]:
    rows = []
    for n, value in enumerate(values):
        period = (
            {"year": 2010 + n, "part": "H1"}
            if halves
            else {"year": 2024 + n // 12, "part": f"M{n % 12 + 1}"}
        )
        rows.append(
            {
                "period": period,
                "date": None,
                "figures": [{"value": value, "unit": measure, "raw": "", "text": ""}],
            }
        )
    return {
        "found": True,
        "unit": LONG_UNIT,
        "lead": {"kind": "timeline", "rows": rows[::-1]},
        "sources": [],
    }


CASES = {
    "sum, two parts": sum_answer([8e6, 45e6]),
    "sum, twenty long names": sum_answer([12_345_678.0 * (n + 1) for n in range(20)], long=True),
    "sum, huge values": sum_answer([1.25e12, 3.5e11, 9.9e9]),
    "sum, tiny values": sum_answer([0.004, 0.0125, 0.25], measure="%"),
    "sum, counts": sum_answer([3, 5, 1], measure="cuộc"),
    "compare, two sides": compare_answer([8e6, 45e6]),
    "compare, long label, far apart": compare_answer([250_000.0, 750_000_000.0], long=True),
    "timeline, three months": timeline_answer([12e6, 40e6, 25e6]),
    "timeline, twelve months": timeline_answer([12e6 + n * 2.5e6 for n in range(12)]),
    "timeline, twenty-four months": timeline_answer([250_000.0 * (n + 1) for n in range(24)]),
    "timeline, twelve half-years": timeline_answer(
        [1.5e9 * (n + 1) for n in range(12)], halves=True
    ),
    "timeline, tiny percentages": timeline_answer([0.5, 0.25, 0.125, 1.0], measure="%"),
}


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def drawn_labels(figure: Figure) -> list[tuple[str, Bbox]]:
    """Every text drawn on the figure with its extent: title, axis labels, tick labels (the
    ones inside the axis's range, the others are not drawn) and texts written on the axes."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    found = []
    for axes in figure.get_axes():
        texts = [axes.title, axes.xaxis.label, axes.yaxis.label, *axes.texts]
        for axis, limits in ((axes.xaxis, axes.get_xlim()), (axes.yaxis, axes.get_ylim())):
            low, high = sorted(limits)
            texts += [t.label1 for t in axis.get_major_ticks() if low <= t.get_loc() <= high]
        found += [
            (t.get_text(), t.get_window_extent(renderer))
            for t in texts
            if t.get_visible() and t.get_text().strip()
        ]
    return found


def clashes(figure: Figure) -> list[str]:
    labels = drawn_labels(figure)
    found = [
        f"{a!r} over {b!r}"
        for n, (a, box) in enumerate(labels)
        for b, other in labels[n + 1 :]
        if box.overlaps(other)
    ]
    whole = figure.bbox
    found += [
        f"{a!r} outside"
        for a, box in labels
        if not (
            whole.x0 - 1 <= box.x0
            and box.x1 <= whole.x1 + 1
            and whole.y0 - 1 <= box.y0
            and box.y1 <= whole.y1 + 1
        )
    ]
    return found


@pytest.mark.parametrize("name", CASES)
def test_every_chart_is_readable(name: str) -> None:
    data = CASES[name]
    picture = charts.chart(data)
    assert picture is not None
    width, height = png_size(picture)
    assert 600 <= width <= 1400 and 300 <= height <= 1400, (width, height)
    assert 5_000 < len(picture) < 1_000_000
    figure = charts.figure_for(data)
    assert figure is not None
    try:
        assert clashes(figure) == []
        axes = figure.get_axes()[0]
        found = charts.points(data)
        assert found is not None
        measure_axis = axes.yaxis if found.kind == "timeline" else axes.xaxis
        assert measure_axis.label.get_text() == f"Đơn vị tính: {found.measure}"
        assert axes.title.get_text().replace("\n", " ") == render.chart_title(data)
        ticks = [t.get_text() for t in measure_axis.get_ticklabels() if t.get_text()]
        # Values read as Vietnamese write them: a decimal comma and "tr", "tỷ", never "1e9".
        assert all("e+" not in t and "." not in t for t in ticks), ticks
    finally:
        charts.close(figure)


def test_the_check_catches_overlapping_labels() -> None:
    """The measure itself can fail: full numbers on a narrow axis smear together, as the
    old charts did ("250.000.0500.000.0750…")."""
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(3, 2), dpi=110)
    try:
        axes.barh([0, 1], [250_000_000, 1_750_000_000])
        axes.set_xticks([n * 250_000_000 for n in range(8)])
        axes.set_xticklabels([render.format_number(n * 250_000_000) for n in range(8)])
        figure.canvas.draw()
        assert clashes(figure)
    finally:
        pyplot.close(figure)


def test_one_point_gives_no_chart() -> None:
    assert charts.chart(sum_answer([8e6])) is None
    assert charts.chart(timeline_answer([8e6])) is None
    one_side = compare_answer([8e6, 45e6])
    one_side["lead"]["sides"][1]["found"] = False
    assert charts.chart(one_side) is None


def test_only_valid_points_count() -> None:
    """A missing, negative or not-a-number value is not a point; two left still chart."""
    broken = sum_answer([8e6, 45e6, 3e6])
    broken["lead"]["parts"][2]["value"] = float("nan")
    assert charts.points(broken) is not None and len(charts.points(broken).labels) == 2  # type: ignore[union-attr]
    broken["lead"]["parts"][1]["value"] = -5.0
    assert charts.chart(broken) is None
    missing = sum_answer([8e6, 45e6])
    del missing["lead"]["parts"][0]["value"]
    assert charts.chart(missing) is None


def test_mixed_measures_give_no_chart() -> None:
    data = compare_answer([8e6, 45e6])
    data["lead"]["sides"][1]["lead"]["unit"] = "người"
    assert charts.points(data) is None


def test_timeline_runs_oldest_first() -> None:
    found = charts.points(timeline_answer([5, 8], measure="cuộc", halves=True))
    assert found is not None
    assert found.labels == ["6 tháng đầu năm 2010", "6 tháng đầu năm 2011"] and found.values == [
        5,
        8,
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(20e6, "20 tr"), (1.2e9, "1,2 tỷ"), (500e3, "500 nghìn"), (12.5e6, "12,5 tr"), (2.5, "2,5"),
     (0.004, "0,004"), (0, "0"), (999.96, "1 nghìn"), (1.5e12, "1,5 nghìn tỷ"), (125e6, "125 tr")],
)  # fmt: skip
def test_compact_numbers(value: float, shown: str) -> None:
    assert render.format_compact(value) == shown


def test_titles_and_captions_are_vietnamese() -> None:
    data = compare_answer([8e6, 45e6])
    assert (
        render.chart_title(data)
        == "So sánh: Phường 2, thị xã Kiến Tường và Phường 12, thành phố Vũng Tàu"
    )
    total = sum_answer([8e6, 45e6])
    assert render.chart_title(total) == "Tổng 53.000.000 đồng theo đơn vị"
    assert render.chart_caption(total).startswith(
        "Tổng 53.000.000 đồng theo đơn vị. Nguồn: Phường 1, Phường 2"
    )
