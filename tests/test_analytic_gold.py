"""The analytic gold (eval/analytic/*.jsonl, format in eval/README.md): every total, count,
comparison, timeline and refusal asked of the invented series (tests/fixtures/analytic) and
of the real corpus (bench/realset.py, from ../shared) gets the exact answer. And, whatever
the figures, a total's parts add up to it, no rate, unit price, share or goal is ever a
part, and no report (nor a unit twice for the same months) appears twice in a total."""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import render
from knowledge import totals
from knowledge.catalog import Place, ReportInfo, Unit
from knowledge.understand import Period, Question

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared/data"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analytic_bench", ROOT / "bench/analytic.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["analytic_bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()
GOLD = bench.read_gold()


def test_the_gold_is_well_formed() -> None:
    """Unique ids, known kinds and corpora, patterns that compile; at least 50 questions of
    the totals, counts, comparisons, timelines and refusals, on both corpora."""
    mine = [g for g in GOLD if g.kind != "followup"]
    assert len(mine) >= 50
    assert {g.corpus for g in mine} == {"series", "real"}
    assert {"sum", "count", "compare", "timeline", "refuse"} <= {g.kind for g in mine}
    assert all(g.total is None for g in GOLD if g.refuse)


def _failures(results: list[tuple[Any, list[str], str]]) -> list[str]:
    return [f"{g.id} {g.question}: {'; '.join(w)}\n{a[:400]}" for g, w, a in results if w]


def test_series_gold(tmp_path: Path) -> None:
    asked = [g for g in GOLD if g.corpus == "series"]
    assert asked
    failures = _failures(bench.run_series(asked, tmp_path))
    assert not failures, "\n\n".join(failures)


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared (the real documents)")
def test_real_gold(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import realset  # type: ignore[import-not-found]

    url = f"sqlite:///{tmp_path / 'real.db'}"
    realset.build(url)
    failures = _failures(bench.run([g for g in GOLD if g.corpus == "real"], bench.asker(url)))
    assert not failures, "\n\n".join(failures)


def test_a_wrong_answer_fails_the_gold() -> None:
    """The checks can fail: a total off by one part, a count in đồng, a refusal that totals."""
    total = next(g for g in GOLD if g.id == "sum-01")
    right = {"found": True, "answer": "Tổng cộng: 315.000.000 đồng từ 12 báo cáo:",
             "lead": {"kind": "sum", "total": 315_000_000, "parts": [{}] * 12}}  # fmt: skip
    assert bench.check(total, right) == []
    short = {**right, "lead": {"kind": "sum", "total": 275_000_000, "parts": [{}] * 11}}
    assert len(bench.check(total, short)) == 2
    refuse = next(g for g in GOLD if g.id == "ref-01")
    assert bench.check(
        refuse, {"found": True, "answer": "Tổng cộng: 1 đồng", "lead": {"kind": "sum", "total": 1}}
    )


# -- properties of any total -------------------------------------------------------------------

_PROVINCE = Place("thành phố", "Hà Nội")
_DISTRICT = Unit("huyện", "Mê Linh", (_PROVINCE,))
_UNITS = [
    _DISTRICT,
    Unit("xã", "Tiền Phong", (Place("huyện", "Mê Linh"), _PROVINCE)),
    Unit("xã", "Tráng Việt", (Place("huyện", "Mê Linh"), _PROVINCE)),
    Unit("xã", "Tiền Phong", (Place("huyện", "Mê Linh"),)),  # the same commune, fewer parents
    Unit("xã", "Cổ Loa", (Place("huyện", "Đông Anh"), _PROVINCE)),
    None,
]
_PARTS = [None, "Y", "H1", "H2", "Q1", "Q2", "Q3", "Q4", *(f"M{m}" for m in range(1, 13))]
_ROLES = [None, None, None, "total", "part", "achieved", "target", "max", "min"]
_KINDS = ["amount", "amount", "amount", "rate", "share", "count"]


@st.composite
def collections(draw: st.DrawFn) -> tuple[list[ReportInfo], list[dict[str, Any]]]:
    reports = []
    for number in range(1, draw(st.integers(1, 12)) + 1):
        part = draw(st.sampled_from(_PARTS))
        year = draw(st.sampled_from([2024, 2025])) if part else None
        day = draw(st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2025, 12, 31))))
        reports.append(ReportInfo(number, f"r{number}.txt", f"Báo cáo {number}", draw(st.sampled_from(["hội nghị", "tin tức"])),
                                  draw(st.sampled_from(_UNITS)), day, None, year, part, None, None))  # fmt: skip
    figures = []
    for report in reports:
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(_KINDS))
            measure = "%" if kind == "share" else ("suất quà" if kind == "count" else "đồng")
            value = float(draw(st.integers(1, 500)) * 1_000_000)
            figures.append({
                "report_id": report.id, "value": value, "unit": measure, "measure": measure, "kind": kind,
                "per": "suất quà" if kind == "rate" else None, "role": draw(st.sampled_from(_ROLES)),
                "qualifier": None, "raw": f"{render.format_number(value)} {measure}", "text": "vận động",
                "subject": "Quỹ Vì người nghèo", "planned": draw(st.booleans()) and draw(st.booleans()),
                "sentence": f"vận động Quỹ Vì người nghèo được {render.format_number(value)} {measure}",
            })  # fmt: skip
    return reports, figures


def _question(period: Period | None) -> Question:
    folded = "tong so tien van dong quy vi nguoi ngheo"
    return Question(text=folded, folded=folded, tokens=folded.split(), exact=[], numbers=set(), intent="aggregate",
                    period=period, measure="đồng")  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    collections(),
    st.sampled_from([None, Period(2024, "Y"), Period(2025, "H1"), Period(2024, "Q3")]),
)
def test_a_total_is_its_parts_and_only_comparable_ones(
    collection: tuple[list[ReportInfo], list[dict[str, Any]]], period: Period | None
) -> None:
    reports, figures = collection
    reports = [r for r in reports if totals.within(r, period)]  # as totals.candidates gives them
    kept = {r.id for r in reports}
    found = totals.collect_from(
        _question(period), reports, [f for f in figures if f["report_id"] in kept]
    )
    parts = found.parts
    ids = [p.report.id for p in parts]
    assert len(ids) == len(set(ids))  # no report twice
    for part in parts:
        figure = part.figure
        assert (
            figure["kind"] == "amount" and figure["measure"] == "đồng"
        )  # never a rate, share or count
        assert figure["role"] not in {"target", "max", "part"} and not figure["planned"]
        assert totals.within(part.report, period)
    for (
        a
    ) in parts:  # one part per unit and months; never a unit with its parent for the same months
        for b in parts:
            if a is b or a.report.unit is None or b.report.unit is None:
                continue
            sa, sb = totals.span(a.report), totals.span(b.report)
            if sa is None or sb is None or sa[0] != sb[0] or not sa[1] & sb[1]:
                continue
            assert not totals.same_unit(a.report.unit, b.report.unit)
            assert not a.report.unit.within(Place(b.report.unit.level, b.report.unit.name))
    if found.total is not None:
        assert found.total == sum(p.value for p in parts)
        lead = {"kind": "sum", "total": found.total, "unit": "đồng", "refused": None, "skipped": [],
                "parts": [{"unit": "x", "raw": p.figure["raw"], "value": p.value} for p in parts]}  # fmt: skip
        text = render.answer({"found": True, "lead": lead, "groups": []})
        shown = [float(n.replace(".", "")) for n in re.findall(r"– x: ([\d.]+) đồng", text)]
        assert sum(shown) == found.total
        assert (
            f"Tổng cộng: {render.format_number(found.total)} đồng từ {len(parts)} báo cáo" in text
        )
