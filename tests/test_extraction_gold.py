"""Extraction against the hand-made gold of 78 real documents (eval/extraction_gold.json,
read from ../shared): the unit each is of, its meeting or issue date, its own code.
Measured by bench/extraction.py; the floors keep what was reached."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {"unit": 0.95, "date": 0.25, "code": 1.0}


@pytest.mark.skipif(
    not (ROOT.parent / "shared/data").is_dir(), reason="needs ../shared (the real documents)"
)
def test_real_documents_are_extracted_as_the_gold_says() -> None:
    spec = importlib.util.spec_from_file_location("extraction_bench", ROOT / "bench/extraction.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["extraction_bench"] = bench
    spec.loader.exec_module(bench)
    entries = json.loads(bench.GOLD.read_text(encoding="utf-8"))["entries"]
    found = bench.score(entries)
    figures = bench.shares(found)
    misses = {field: [s.ref for s in found if getattr(s, field) is False] for field in FLOORS}
    for field, floor in FLOORS.items():
        assert figures[field] >= floor, (field, figures[field], misses[field])


def test_a_drafts_blank_number_is_no_code_and_a_cited_one_is_not_its_own() -> None:
    from knowledge.extract.kinds import directive_header

    header = [
        "ỦY BAN MTTQ VIỆT NAM", "XÃ LƯƠNG MINH", "BAN THƯỜNG TRỰC", "Số: /HD-MTTQ-BTT",
        "Lương Minh, ngày 22 tháng 12 năm 2025", "HƯỚNG DẪN",
        "Căn cứ Nghị quyết liên tịch số 102/2025/NQLT-UBTVQH15-CP ngày 18/9/2025",
    ]  # fmt: skip
    found = directive_header(header)
    assert found is not None and found.code is None
    numbered = directive_header(
        ["ỦY BAN MTTQ VIỆT NAM", "HUYỆN THẠCH HÀ", "Số: 25/KH-MTTQ-BTT", "KẾ HOẠCH"]
    )
    assert numbered is not None and numbered.code == "25/KH-MTTQ-BTT"
