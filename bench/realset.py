"""The real question sets (eval/questions/*.tsv) and the corpus they were written over.

Questions name their documents where they lie in the shared material (``../shared``):
``data/baomoi-2017.jsonl.gz#ID`` (a 2017 news article), ``data/front-docs-2025/e2-01.txt`` (a
2025 Front document) or ``data/seeds/000_….txt`` (a bundled sample); several references
joined by ``|`` when more than one document gives the answer (outlets report one meeting),
``-`` when no document does. Nothing is copied into the repository: the corpus is read from
``../shared`` and stored under each document's reference, so a cited source compares to the
expected one by name.

The corpus is every document of the 2025 folder, every sample and every 2017 article that
mentions the Front (the ~200 the questions were written from), whether or not a question
names it: the others are the distractors they would meet in use.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
QUESTIONS = ROOT / "eval/questions"
NEWS = "data/baomoi-2017.jsonl.gz"
FRONT = "data/front-docs-2025"
SEEDS = "data/seeds"
# How the question writers found "the Front-related articles" (eval/README.md).
ABOUT_FRONT = re.compile(r"Mặt trận Tổ quốc|MTTQ|Ủy ban Mặt trận|UBMTTQ")


@dataclass(frozen=True, slots=True)
class Row:
    file: str
    id: str
    question: str
    expected: tuple[str, ...]  # references; empty: no document answers
    must_match: str
    kind: str
    style: str
    split: str  # "tune" | "heldout"


def question_files() -> list[Path]:
    return sorted(QUESTIONS.glob("*.tsv"))


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle, delimiter="\t"))
    rows = []
    for record in records:
        expected = record["expected_source"].strip()
        rows.append(
            Row(
                file=path.name,
                id=record["id"],
                question=record["question"],
                expected=() if expected == "-" else tuple(expected.split("|")),
                must_match=""
                if record["must_match"].strip() == "-"
                else record["must_match"].strip(),
                kind=record.get("kind", ""),
                style=record.get("style", ""),
                split=record.get("split", "tune"),
            )
        )
    return rows


def references(rows: list[Row]) -> set[str]:
    return {reference for row in rows for reference in row.expected}


def corpus_references() -> list[str]:
    """Every document of the evaluation corpus, as its reference."""
    found = [f"{FRONT}/{p.name}" for p in sorted((SHARED / FRONT).glob("*.txt"))]
    found += [f"{SEEDS}/{p.name}" for p in sorted((SHARED / SEEDS).glob("*.txt"))]
    with gzip.open(SHARED / NEWS, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if ABOUT_FRONT.search(record["text"]):
                found.append(f"{NEWS}#{record['id']}")
    return found


def read_documents(wanted: list[str]) -> Iterator[tuple[str, str, str]]:
    """(reference, text, format) of each reference, read from ../shared."""
    articles = {r.partition("#")[2] for r in wanted if r.startswith(NEWS + "#")}
    if articles:
        with gzip.open(SHARED / NEWS, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if str(record["id"]) in articles:
                    yield f"{NEWS}#{record['id']}", record["text"], "jsonl"
    for reference in wanted:
        if not reference.startswith(NEWS + "#"):
            yield reference, (SHARED / reference).read_text(encoding="utf-8"), "txt"


def build(url: str) -> dict[str, int]:
    """Store the evaluation corpus in the database at ``url`` and index it."""
    from knowledge import store
    from knowledge.index import PassageIndex, index_path
    from knowledge.ingest import ingest
    from knowledge.read import RawDocument

    engine = store.connect(url)
    documents = (
        RawDocument(reference, text, fmt)
        for reference, text, fmt in read_documents(corpus_references())
    )
    summary = ingest(engine, documents, workers=2)
    PassageIndex(engine, index_path(url)).sync(force=True)
    engine.dispose()
    counts = summary.as_dict()["counts"]
    assert isinstance(counts, dict)
    return counts
