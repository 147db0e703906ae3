"""Charts sent beside an answer's text: totals by unit, a comparison, a timeline of figures.

Only answers whose figures share one measure get a chart (adding đồng to người would
mislead). matplotlib is imported with the Agg backend (no screen needed) by `warm`, which
the bot runs in a thread at start, or else on first use."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from handlers import render

MAX_BARS = 12


def points(data: Mapping[str, Any]) -> tuple[list[str], list[float], str] | None:
    """(labels, values, measure) worth drawing for this answer, else None."""
    lead = data.get("lead") or {}
    kind = lead.get("kind")
    found: list[tuple[str, float, str]] = []
    if kind == "sum":
        found = [(str(p["unit"]), float(p["value"]), str(lead["unit"])) for p in lead.get("parts", []) if "value" in p]
    elif kind == "compare":
        for side in lead.get("sides", []):
            inner = side.get("lead") or {}
            if side.get("found") and inner.get("kind") == "figure":
                found.append((str(side["label"]), float(inner["value"]), str(inner.get("unit") or "")))
    elif kind == "timeline":
        for row in lead.get("rows", []):
            first = next(iter(row.get("figures") or []), None)
            if first is not None:
                when = render.format_period(row["period"]["year"], row["period"]["part"]) if row.get("period") else row.get("date") or "?"
                found.append((str(when), float(first["value"]), str(first.get("unit") or "")))
        found.reverse()  # oldest first, as time runs
    measures = {m for _, _, m in found}
    if len(found) < 2 or len(measures) != 1:
        return None
    found = found[:MAX_BARS]
    return [f[0] for f in found], [f[1] for f in found], measures.pop()


def chart(data: Mapping[str, Any]) -> bytes | None:
    """A PNG for the answer, or None when it has no figures to compare."""
    found = points(data)
    if found is None:
        return None
    labels, values, measure = found
    return _draw(labels, values, measure, title=render.chart_title(data))


def warm() -> None:
    """Import matplotlib (and its font list) now: about a second the first chart would wait."""
    _pyplot()


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _draw(labels: Sequence[str], values: Sequence[float], measure: str, *, title: str) -> bytes:
    pyplot = _pyplot()
    from matplotlib.ticker import FuncFormatter

    figure, axes = pyplot.subplots(figsize=(8, 4.5), dpi=110)
    try:
        short = [label if len(label) <= 28 else label[:27] + "…" for label in labels]
        bars = axes.barh(short[::-1], list(values)[::-1], color="#c8102e")
        axes.bar_label(bars, labels=[render.format_number(v) for v in list(values)[::-1]], padding=3, fontsize=8)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: render.format_number(v)))
        axes.set_xlabel(measure)
        axes.set_title(title, fontsize=11)
        axes.margins(x=0.15)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)
