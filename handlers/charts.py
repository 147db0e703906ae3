"""Charts sent beside an answer's text: totals by unit, a comparison, a timeline of figures.

A chart is drawn only when it can be read right: at least two valid points (a finite,
non-negative value each), all of one measure (adding đồng to người would mislead). Values are
labelled compactly ("20 tr", "1,2 tỷ", "500 nghìn", a decimal comma), the axis says the
measure, long category labels are wrapped and a timeline's dates turned when they do not fit.
Every layout is checked after drawing: when two labels would overlap, a more compact one is
tried (labels turned, bar values dropped, every other date shown), so what is sent is never a
smear of digits. matplotlib is imported on first use, with the Agg backend (no screen needed);
the knowledge layer never imports it.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers import render

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

MIN_POINTS = 2  # one bar compares nothing
MAX_BARS = 20  # categories (units, sides) drawn; a total lists at most 20 parts
MAX_TIMELINE = 24  # points of a timeline (two years of monthly reports)
WRAP = 28  # characters a category label line holds before it is wrapped
WRAP_LINES = 2  # lines a category label keeps (the rest is cut with "…")
TITLE_WRAP = 70  # characters a title line holds
DPI = 110


@dataclass(frozen=True, slots=True)
class Points:
    """What a chart draws: one value a label, all of one measure. ``kind`` is the answer's
    ("sum", "compare", "timeline"): a timeline runs left to right, the others are bars
    by category."""

    kind: str
    labels: list[str]
    values: list[float]
    measure: str


def points(data: Mapping[str, Any]) -> Points | None:
    """The points worth drawing for this answer, else None."""
    lead = data.get("lead") or {}
    kind = str(lead.get("kind"))
    found: list[tuple[str, Any, str]] = []
    if kind == "sum":
        found = [
            (str(p.get("unit") or "?"), p.get("value"), str(lead.get("unit") or ""))
            for p in lead.get("parts", [])
        ]
    elif kind == "compare":
        for side in lead.get("sides", []):
            inner = side.get("lead") or {}
            if side.get("found") and inner.get("kind") == "figure":
                found.append(
                    (
                        str(side.get("label") or "?"),
                        inner.get("value"),
                        str(inner.get("unit") or ""),
                    )
                )
    elif kind == "timeline":
        dated = []
        for row in lead.get("rows", []):
            first = row.get("figure") or next(iter(row.get("figures") or []), None)
            if first is not None:
                dated.append(
                    (_time(row), (_when(row), first.get("value"), str(first.get("unit") or "")))
                )
        # Time runs left to right, whichever order the rows come in.
        found = [point for _, point in sorted(dated, key=lambda d: d[0])]
    else:
        return None
    valid = [(label, float(value), measure) for label, value, measure in found if _valid(value)]
    measures = {m for _, _, m in valid}
    if len(valid) < MIN_POINTS or len(measures) != 1:
        return None
    valid = valid[-MAX_TIMELINE:] if kind == "timeline" else valid[:MAX_BARS]
    return Points(kind, [v[0] for v in valid], [v[1] for v in valid], measures.pop())


def _valid(value: object) -> bool:
    """A value a bar can stand for: a finite number, not negative (figures count things)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return math.isfinite(number) and number >= 0


_PART_START = {"Y": 1, "H1": 1, "H2": 7, "Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10}


def _time(row: Mapping[str, Any]) -> tuple[int, int, str]:
    """When a row's figure stands: its period's start, else its date."""
    period = row.get("period") or {}
    date = str(row.get("date") or "")
    if period.get("year"):
        part = str(period.get("part") or "Y")
        month = (
            int(part[1:])
            if part.startswith("M") and part[1:].isdigit()
            else _PART_START.get(part, 1)
        )
        return int(period["year"]), month, date
    if len(date) >= 7 and date[:4].isdigit() and date[5:7].isdigit():
        return int(date[:4]), int(date[5:7]), date
    return 0, 0, date


def _when(row: Mapping[str, Any]) -> str:
    period = row.get("period") or {}
    if period.get("year") and period.get("part"):
        return render.format_period(int(period["year"]), str(period["part"]))
    return render.format_date(row.get("date")) or "không rõ kỳ"


def chart(data: Mapping[str, Any]) -> bytes | None:
    """A PNG for the answer, or None when it has nothing that compares."""
    figure = figure_for(data)
    if figure is None:
        return None
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()
    finally:
        close(figure)


def figure_for(data: Mapping[str, Any]) -> Figure | None:
    """The drawn figure (the caller closes it with ``close``), or None with nothing to draw.
    Layouts are tried from the roomiest to the most compact; the first whose labels do not
    overlap is kept (the last one otherwise)."""
    found = points(data)
    if found is None:
        return None
    title = render.chart_title(data)
    figure = None
    for layout in _layouts(found):
        if figure is not None:
            close(figure)
        figure = _draw(found, layout, title=title)
        if not overlapping(figure):
            break
    return figure


def warm() -> None:
    """Import matplotlib (and its font list) now: about a second the first chart would wait.
    The bot runs it in a thread at start."""
    _pyplot()


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def close(figure: Figure) -> None:
    _pyplot().close(figure)


@dataclass(frozen=True, slots=True)
class _Layout:
    turned: bool = False  # a timeline's dates written upwards
    values: bool = True  # each bar's value written at its end
    every: int = 1  # every n-th date labelled


def _layouts(found: Points) -> Iterator[_Layout]:
    if found.kind != "timeline":
        yield _Layout()
        yield _Layout(values=False)
        return
    yield _Layout()
    yield _Layout(turned=True)
    yield _Layout(turned=True, values=False)
    for every in (2, 3, 4, 6):
        yield _Layout(turned=True, values=False, every=every)


def _draw(found: Points, layout: _Layout, *, title: str) -> Figure:
    pyplot = _pyplot()
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    count = len(found.values)
    integers = all(float(v).is_integer() for v in found.values)
    ticks = MaxNLocator(nbins=5, integer=integers, min_n_ticks=2)
    compact = FuncFormatter(lambda v, _: render.format_compact(v))
    if found.kind == "timeline":
        width = 8.0 if count <= 12 else 10.5
        figure, axes = pyplot.subplots(figsize=(width, 5.0), dpi=DPI)
        positions = list(range(count))
        bars = axes.bar(positions, found.values, color="#c8102e", width=0.6)
        axes.set_xticks(positions[:: layout.every])
        slot = width * 0.8 / count * layout.every  # inches a date may take
        chars = max(6, int(slot * 72 / 5.2))  # ~5.2 points a character at 8.5 points
        shown = found.labels[:: layout.every]
        wrapped = [textwrap.fill(label, chars) for label in shown]  # a date is never cut
        if layout.turned or any(label.count("\n") >= WRAP_LINES + 1 for label in wrapped):
            axes.set_xticklabels(shown, rotation=90, fontsize=8.5)
        else:
            axes.set_xticklabels(wrapped, fontsize=8.5)
        axes.yaxis.set_major_locator(ticks)
        axes.yaxis.set_major_formatter(compact)
        axes.set_ylabel(render.chart_axis(found.measure))
        axes.margins(y=0.15)
        if layout.values:
            axes.bar_label(
                bars, labels=[render.format_compact(v) for v in found.values], padding=2, fontsize=8
            )
    else:
        labels = [_wrap(label, WRAP) for label in found.labels]
        lines = sum(label.count("\n") + 1 for label in labels)
        height = max(3.2, 1.5 + 0.17 * lines + 0.1 * count)
        figure, axes = pyplot.subplots(figsize=(8.0, height), dpi=DPI)
        positions = list(range(count))[::-1]  # the first label on top
        bars = axes.barh(positions, found.values, color="#c8102e", height=0.6)
        axes.set_yticks(positions)
        axes.set_yticklabels(labels, fontsize=9)
        axes.xaxis.set_major_locator(ticks)
        axes.xaxis.set_major_formatter(compact)
        axes.set_xlabel(render.chart_axis(found.measure))
        axes.margins(x=0.18)
        if layout.values:
            axes.bar_label(
                bars, labels=[render.format_compact(v) for v in found.values], padding=3, fontsize=8
            )
    if found.kind != "timeline":
        axes.set_xlim(left=0)
    else:
        axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(_wrap(title, TITLE_WRAP, lines=2), fontsize=11)
    figure.tight_layout()
    figure.canvas.draw()
    return figure


def _wrap(label: str, width: int, *, lines: int = WRAP_LINES) -> str:
    return "\n".join(textwrap.wrap(label, width, max_lines=lines, placeholder=" …") or [label])


def labels_of(figure: Figure) -> list[Text]:
    """Every piece of text drawn that a reader must be able to read: the title, the axis
    labels, the ticks' labels and the values written at the bars."""
    found: list[Text] = []
    for axes in figure.get_axes():
        found += [axes.title, axes.xaxis.label, axes.yaxis.label]
        for axis, (low, high) in ((axes.xaxis, axes.get_xlim()), (axes.yaxis, axes.get_ylim())):
            low, high = sorted((low, high))
            # A locator names ticks past the ends too; only those inside are drawn.
            found += [
                tick.label1 for tick in axis.get_major_ticks()
                if low - 1e-9 * abs(high - low) <= tick.get_loc() <= high + 1e-9 * abs(high - low)
            ]  # fmt: skip
        found += list(axes.texts)
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def overlapping(figure: Figure) -> list[tuple[str, str]]:
    """Pairs of labels whose drawn extents overlap, or that leave the picture."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels_of(figure)]
    picture = figure.bbox
    clashes = [
        (a, b) for n, (a, box) in enumerate(boxes) for b, other in boxes[n + 1:]
        if box.overlaps(other)
    ]  # fmt: skip
    clashes += [
        (a, "ngoài hình") for a, box in boxes
        if box.x0 < picture.x0 - 0.5 or box.y0 < picture.y0 - 0.5
        or box.x1 > picture.x1 + 0.5 or box.y1 > picture.y1 + 0.5
    ]  # fmt: skip
    return clashes
