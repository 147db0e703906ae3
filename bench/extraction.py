"""Extraction against the hand-made gold of real documents (eval/extraction_gold.json).

    python bench/extraction.py [-v]

The gold was written from 78 real documents alone (the 13 Front documents of 2025, the 5
samples, 60 news articles of 2017), by someone who never saw this system's output: the
unit each document is of (with the parents it names, and other acceptable answers), the
meeting or issue date, the document's code. Each document is read from ../shared, cleaned
and extracted exactly as `mttq ingest` does, and compared field by field: the unit's level
and name (folded), the date, the code. `-v` lists every difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
GOLD = ROOT / "eval/extraction_gold.json"


@dataclass
class Scored:
    ref: str
    unit: bool
    date: bool | None  # None: the gold has no date
    code: bool | None
    got_unit: str
    want_unit: str
    got_date: str | None
    want_date: str | None


def _key(unit: dict[str, object] | None) -> str:
    from knowledge.text import fold

    if not unit:
        return "-"
    if unit.get("level") == "trung ương":
        return "trung ương"
    return f"{unit['level']} {fold(str(unit['name']))}"


def _same_code(got: str | None, wanted: str) -> bool:
    """A draft's blank number ("Số: /KH-MTTQ-BTT") is no code: none is right."""
    if wanted.replace(" ", "").startswith("/"):
        return got is None or got.replace(" ", "") == wanted.replace(" ", "")
    return (got or "").replace(" ", "") == wanted.replace(" ", "")


def score(entries: list[dict[str, object]]) -> list[Scored]:
    import importlib.util

    from knowledge.ingest import process
    from knowledge.read import RawDocument

    spec = importlib.util.spec_from_file_location("realset", ROOT / "bench/realset.py")
    assert spec and spec.loader
    realset = importlib.util.module_from_spec(spec)
    sys.modules["realset"] = realset
    spec.loader.exec_module(realset)
    texts = {
        ref: (text, fmt)
        for ref, text, fmt in realset.read_documents([str(e["ref"]) for e in entries])
    }
    found = []
    for entry in entries:
        ref = str(entry["ref"])
        text, fmt = texts[ref]
        record = process(RawDocument(ref, text, fmt))
        got = record.unit
        got_key = _key({"level": got.level, "name": got.name} if got else None)
        wanted = [_key(entry["unit"]), *(_key(a) for a in entry.get("unit_alternatives") or [])]  # type: ignore[arg-type]
        want_date = entry.get("meeting_date")
        got_date = record.meeting_date or record.published_date
        code = entry.get("doc_code")
        found.append(
            Scored(
                ref,
                got_key in wanted,
                None if not want_date else got_date == want_date,
                None if not code else _same_code(record.doc_code, str(code)),
                got_key,
                " | ".join(wanted),
                got_date,
                str(want_date) if want_date else None,
            )
        )
    return found


def shares(found: list[Scored]) -> dict[str, float]:
    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 1.0

    return {
        "unit": share([s.unit for s in found]),
        "date": share([s.date for s in found if s.date is not None]),
        "code": share([s.code for s in found if s.code is not None]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every difference")
    args = parser.parse_args(argv)
    entries = json.loads(GOLD.read_text(encoding="utf-8"))["entries"]
    found = score(entries)
    for group in ("data/front-docs-2025", "data/seeds", "data/baomoi-2017"):
        own = [s for s in found if s.ref.startswith(group)]
        figures = shares(own)
        print(
            f"{group:24} {len(own):3} documents: "
            + ", ".join(f"{k} {100 * v:.0f}%" for k, v in figures.items())
        )
    figures = shares(found)
    print(
        f"{'all':24} {len(found):3} documents: "
        + ", ".join(f"{k} {100 * v:.0f}%" for k, v in figures.items())
    )
    if args.verbose:
        for s in found:
            if not s.unit:
                print(f"  unit {s.ref}: got {s.got_unit}, want {s.want_unit}")
            if s.date is False:
                print(f"  date {s.ref}: got {s.got_date}, want {s.want_date}")
            if s.code is False:
                print(f"  code {s.ref}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
