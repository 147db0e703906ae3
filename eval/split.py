"""Split the real question sets into a tuning half and a held-out half, by document.

    python eval/split.py            # (re)writes the `split` column of eval/questions/*.tsv

Every question goes with its document: the first document its `expected_source` names, or,
for a question no document answers ('-'), the document of the answerable question written
just before it (the writers put each no-answer question after the document it was written
beside). Within each collection (the 2025 Front documents, the 2017 news articles), the
documents are ordered by a hash of their reference with a fixed seed and dealt alternately
to `tune` and `heldout`: halves of equal size, the same on every machine, unchanged when
questions are added to documents already there.
Documents the project was tuned on before these sets existed (the five bundled samples and
the 24 news articles of tests/fixtures/reports/baomoi_mttq.jsonl) always go to `tune`: a
held-out figure over them would flatter us.

Rule: change ranking or answering only while looking at `tune` failures; report `heldout`
as figures only (`mttq eval --split heldout` prints no failures).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

SEED = "mttq-eval-2026"
HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions"
TUNED_BEFORE = HERE.parent / "tests/fixtures/reports/baomoi_mttq.jsonl"
COLUMNS = ["id", "question", "expected_source", "must_match", "kind", "style", "evidence", "split"]


def tuned_before() -> set[str]:
    with TUNED_BEFORE.open(encoding="utf-8") as handle:
        ids = {json.loads(line)["id"] for line in handle if line.strip()}
    return {f"data/baomoi-2017.jsonl.gz#{i}" for i in ids}


def halves(documents: set[str], forced: set[str]) -> dict[str, str]:
    """document → 'tune' | 'heldout'."""
    assigned = {d: "tune" for d in documents if d in forced or d.startswith("data/seeds/")}
    collections: dict[str, list[str]] = {}
    for document in sorted(documents - set(assigned)):
        collections.setdefault(document.split("/")[1].split("#")[0], []).append(document)
    for members in collections.values():
        members.sort(key=lambda d: hashlib.sha256(f"{SEED}|{d}".encode()).hexdigest())
        for position, document in enumerate(members):
            assigned[document] = "tune" if position % 2 == 0 else "heldout"
    return assigned


def documents_of(rows: list[dict[str, str]], path: Path) -> list[str]:
    """Each row's document (see the module's docstring)."""
    document, found = "", []
    for row in rows:
        expected = row["expected_source"].strip()
        if expected != "-":
            document = expected.split("|")[0]
        if not document:
            raise SystemExit(f"{path}: {row['id']} has no answerable question before it")
        found.append(document)
    return found


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, COLUMNS, delimiter="\t", lineterminator="\n", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    files = {path: read(path) for path in sorted(QUESTIONS.glob("*.tsv"))}
    owners = {path: documents_of(rows, path) for path, rows in files.items()}
    assigned = halves({d for found in owners.values() for d in found}, tuned_before())
    for path, rows in files.items():
        counts = {"tune": 0, "heldout": 0}
        for row, document in zip(rows, owners[path], strict=True):
            row["split"] = assigned[document]
            counts[row["split"]] += 1
        write(path, rows)
        print(path.name, counts)


if __name__ == "__main__":
    main()
