"""The question-answering commands' shared plumbing: one Assistant a process, the JSON shape
of `mttq ask --json`, and the scoring of a question file (`mttq eval`)."""

from __future__ import annotations

import csv
import re
import statistics
from pathlib import Path
from typing import Any

from bot.settings import get_settings
from handlers import render
from knowledge import store
from knowledge.answer import Answer
from knowledge.assistant import Assistant


def open_assistant(*, load_samples: bool = False, read_only: bool = False) -> tuple[Assistant, int]:
    """The assistant over the configured database; with ``load_samples`` an empty database
    first gets the bundled sample reports. Returns how many samples were loaded.
    ``read_only``: the caller only answers, so a database that cannot be written will do."""
    settings = get_settings()
    assistant = Assistant.open(
        settings.database_url, index_dir=settings.index_dir, read_only=read_only
    )
    loaded = 0
    if load_samples and not assistant.catalog.reports:
        store.require_writable(
            assistant.engine,
            purpose="the database is empty and the sample reports cannot be loaded",
        )
        from knowledge.ingest import documents, ingest, sample_paths  # the readers: only here

        paths = sample_paths()
        summary = ingest(
            assistant.engine, documents(paths, sources={p: p.name for p in paths}), workers=1
        )
        loaded = len(summary.added)
        assistant.refresh(force=True)
    return assistant, loaded


def as_json(answer: Answer) -> dict[str, Any]:
    """`ask --json`: the contract's keys first, then the structured parts of the answer."""
    data = answer.to_dict()
    return {
        "found": answer.found,
        "answer": render.answer(data),
        "intent": answer.intent,
        "unit": answer.unit,
        "period": answer.period,
        "sources": data["sources"],
        "choices": answer.choices,
        "context": answer.context,
        "elapsed_ms": answer.elapsed_ms,
        "lead": answer.lead,
        "suggestions": answer.suggestions,
        "nearest": answer.nearest,
        "reason": answer.reason,
    }


def read_questions(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if rows and "question" not in rows[0]:
        raise ValueError(f"{path}: no 'question' column (expected the dev_questions.tsv header)")
    return rows


def evaluate(assistant: Assistant, rows: list[dict[str, str]]) -> dict[str, Any]:
    """hit@1 on the expected source, must_match on the answer text, no-answer correctness on
    '-' rows, and latency percentiles."""
    outcomes = [_score(assistant, row) for row in rows]
    held_out = sum(1 for o in outcomes if o["split"] == "heldout")
    latencies = sorted(o["elapsed_ms"] for o in outcomes)
    answerable = [o for o in outcomes if o["expected"] != "-"]
    unanswerable = [o for o in outcomes if o["expected"] == "-"]
    matchable = [o for o in answerable if o["must_match"] is not None]
    return {
        "questions": len(outcomes),
        "hit_at_1": _share(o["hit"] for o in answerable),
        "must_match": _share(o["must_match"] for o in matchable),
        "no_answer": _share(o["hit"] for o in unanswerable),
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        # A held-out question's failure is counted, never shown: ranking is changed looking
        # at the tuning half only (eval/split.py).
        "failures": [
            o
            for o in outcomes
            if (not o["hit"] or o["must_match"] is False) and o["split"] != "heldout"
        ],
        "held_out": held_out,
    }


def _share(values: Any) -> float:
    values = list(values)
    return sum(1 for v in values if v) / len(values) if values else 1.0


def _score(assistant: Assistant, row: dict[str, str]) -> dict[str, Any]:
    answer = assistant.ask(row["question"])
    data = as_json(answer)
    sources = [Path(s["source"]).name for s in data["sources"]]
    expected = (row.get("expected_source") or "-").strip()
    # Several documents may give the answer (outlets report one meeting): "a|b" takes any.
    names = {Path(e).name for e in expected.split("|")}
    hit = not sources if expected == "-" else bool(sources) and sources[0] in names
    pattern = (row.get("must_match") or "").strip()
    pattern = "" if pattern == "-" else pattern
    matched = bool(re.search(pattern, data["answer"])) if pattern and expected != "-" else None
    return {
        "id": row.get("id", ""),
        "question": row["question"],
        "expected": expected,
        "got": sources[:1],
        "hit": hit,
        "must_match": matched,
        "elapsed_ms": answer.elapsed_ms,
        "answer": data["answer"],
        "split": (row.get("split") or "").strip(),
    }
