"""The analytic gold (eval/analytic/*.jsonl): totals, counts, comparisons, timelines and
follow-through questions with the exact number or rows expected, or a total that must be
refused. The format is described in eval/README.md. tests/test_analytic_gold.py runs every
question; bench/answer.py prints the accuracy per file.

    python bench/analytic.py [-v]      # both corpora, failures listed with -v

"series" questions are asked of the invented series under tests/fixtures/analytic (every
folder there ingested into one database); "real" ones of the real evaluation corpus
(bench/realset.py, from ../shared).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ comes first on sys.path, where bench/bot.py would shadow `bot`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
GOLD = ROOT / "eval/analytic"
SERIES = ROOT / "tests/fixtures/analytic"
KINDS = {"sum", "count", "compare", "timeline", "followup", "refuse"}


@dataclass(frozen=True, slots=True)
class Gold:
    file: str
    id: str
    question: str
    corpus: str
    kind: str
    must_match: str
    must_not_match: str | None = None
    total: float | None = None
    rows: int | None = None
    refuse: bool = False
    series: tuple[str, ...] = ()  # the folders of tests/fixtures/analytic asked over; () all


def read_gold(folder: Path = GOLD) -> list[Gold]:
    """Every question of every file; a malformed line or a repeated id is an error."""
    found: list[Gold] = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            gold = Gold(
                file=path.name,
                id=str(row["id"]),
                question=str(row["question"]),
                corpus=str(row["corpus"]),
                kind=str(row["kind"]),
                must_match=str(row["must_match"]),
                must_not_match=row.get("must_not_match") or None,
                total=row.get("total"),
                rows=row.get("rows"),
                refuse=bool(row.get("refuse", False)),
                series=tuple(
                    [row["series"]]
                    if isinstance(row.get("series"), str)
                    else row.get("series") or ()
                ),
            )
            if gold.corpus not in {"series", "real"} or gold.kind not in KINDS:
                raise ValueError(f"{path.name}:{number}: corpus or kind unknown: {row}")
            re.compile(gold.must_match)
            missing = [f for f in gold.series if not (SERIES / f).is_dir()]
            if missing:
                raise ValueError(f"{path.name}:{number}: no series folder {missing}")
            found.append(gold)
    ids = [g.id for g in found]
    repeated = {i for i in ids if ids.count(i) > 1}
    if repeated:
        raise ValueError(f"ids used twice: {sorted(repeated)}")
    return found


def _rows(lead: dict[str, Any]) -> int | None:
    kind = lead.get("kind")
    if kind == "sum":
        return len(lead.get("parts") or lead.get("known") or [])
    if kind == "compare":
        return len(lead.get("sides") or [])
    if kind in {"timeline", "followup"}:
        return len(lead.get("rows") or [])
    return None


def check(gold: Gold, data: dict[str, Any]) -> list[str]:
    """What is wrong with one answer (``mttq ask --json``'s dict), empty when it is right.
    Patterns are searched case-blind, '.' across lines."""
    text = str(data.get("answer") or "")
    lead = data.get("lead") or {}
    wrong = []
    if not re.search(gold.must_match, text, re.IGNORECASE | re.DOTALL):
        wrong.append(f"must_match {gold.must_match!r} not found")
    if gold.must_not_match and re.search(gold.must_not_match, text, re.IGNORECASE | re.DOTALL):
        wrong.append(f"must_not_match {gold.must_not_match!r} found")
    if gold.total is not None and (lead.get("kind") != "sum" or lead.get("total") != gold.total):
        wrong.append(f"total {lead.get('total')!r}, not {gold.total}")
    if gold.rows is not None and _rows(lead) != gold.rows:
        wrong.append(f"rows {_rows(lead)!r}, not {gold.rows}")
    if gold.refuse and (not data.get("found") or lead.get("total") is not None):
        wrong.append("a total was given (or nothing said) where it must be refused")
    return wrong


def run(
    golds: Iterable[Gold], ask: Callable[[str], dict[str, Any]]
) -> list[tuple[Gold, list[str], str]]:
    """(gold, what is wrong, the answer) for each question."""
    results = []
    for gold in golds:
        data = ask(gold.question)
        results.append((gold, check(gold, data), str(data.get("answer") or "")))
    return results


def series_documents(folders: tuple[str, ...] = ()) -> list[Any]:
    from knowledge.read import iter_path

    chosen = sorted(
        p for p in SERIES.iterdir() if p.is_dir() and (not folders or p.name in folders)
    )
    return [d for folder in chosen for d in iter_path(folder)]


def build_series(url: str, folders: tuple[str, ...] = ()) -> None:
    """The invented series (those ``folders`` of it; all when none) in the database at
    ``url`` (empty), indexed."""
    from knowledge import store
    from knowledge.index import PassageIndex, index_path
    from knowledge.ingest import ingest

    engine = store.connect(url)
    summary = ingest(engine, series_documents(folders), workers=1)
    if summary.failed:
        raise RuntimeError(f"series not ingested: {summary.failed}")
    PassageIndex(engine, index_path(url)).sync(force=True)
    engine.dispose()


def asker(url: str) -> Callable[[str], dict[str, Any]]:
    from bot.answering import as_json
    from knowledge.assistant import Assistant

    assistant = Assistant.open(url)

    def ask(question: str) -> dict[str, Any]:
        return as_json(assistant.ask(question))

    return ask


def run_series(golds: Iterable[Gold], folder: Path) -> list[tuple[Gold, list[str], str]]:
    """The series questions, each over a database of the series folders it names (one
    database for each set of folders, built under ``folder``)."""
    by_series: dict[tuple[str, ...], list[Gold]] = {}
    for gold in golds:
        by_series.setdefault(gold.series, []).append(gold)
    results = []
    for number, (folders, asked) in enumerate(sorted(by_series.items())):
        url = f"sqlite:///{folder}/series-{number}.db"
        build_series(url, folders)
        results += run(asked, asker(url))
    order = {id(g): i for i, g in enumerate(golds if isinstance(golds, list) else [])}
    return sorted(results, key=lambda r: order.get(id(r[0]), 0))


def accuracy(results: list[tuple[Gold, list[str], str]]) -> dict[str, tuple[int, int]]:
    """file → (right, asked)."""
    by_file: dict[str, tuple[int, int]] = {}
    for gold, wrong, _ in results:
        right, asked = by_file.get(gold.file, (0, 0))
        by_file[gold.file] = (right + (not wrong), asked + 1)
    return by_file


def main(argv: list[str]) -> int:
    import tempfile

    sys.path.insert(0, str(ROOT))
    from bench import realset  # type: ignore[import-not-found]

    verbose = "-v" in argv
    golds = read_gold()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results += run_series([g for g in golds if g.corpus == "series"], Path(folder))
        real = [g for g in golds if g.corpus == "real"]
        if real:
            real_url = f"sqlite:///{folder}/real.db"
            realset.build(real_url)
            results += run(real, asker(real_url))
    for file, (right, asked) in sorted(accuracy(results).items()):
        print(f"{file:20} {right}/{asked} ({100 * right / asked:.0f} %)")
    right = sum(not w for _, w, _ in results)
    print(f"{'all':20} {right}/{len(results)} ({100 * right / max(1, len(results)):.0f} %)")
    if verbose:
        for gold, wrong, answer in results:
            if wrong:
                print(
                    f"\n{gold.id} {gold.question}\n  "
                    + "\n  ".join(wrong)
                    + "\n  "
                    + answer[:600].replace("\n", "\n  ")
                )
    return 0 if right == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
