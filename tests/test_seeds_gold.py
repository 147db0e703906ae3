"""Every seed report yields what ../shared/eval/seeds_gold.json states, read back through the
`show --json` contract from a real database."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from knowledge import store

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seeds_gold.json"
_FIXTURE = Path(__file__).parent / "fixtures" / "seeds_gold.json"
GOLD: dict[str, Any] = json.loads((_SHARED if _SHARED.exists() else _FIXTURE).read_text("utf-8"))
SEEDS = sorted(k for k in GOLD if not k.startswith("_"))


def nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def items_of(report: dict[str, Any], kind: str) -> list[str]:
    return [i["text"] for i in report["items"] if i["kind"] == kind]


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_matches_gold(seeded: Engine, seed: str) -> None:
    gold = GOLD[seed]
    report = store.find(seeded, seed)
    unit = report["unit"]
    assert {"level": unit["level"], "name": unit["name"], "parents": unit["parents"]} == {
        "level": nfc(gold["unit"]["level"]),
        "name": nfc(gold["unit"]["name"]),
        "parents": [{k: nfc(v) for k, v in p.items()} for p in gold["unit"]["parents"]],
    }
    for key in (
        "meeting_date",
        "published_date",
        "period",
        "session_number",
        "term",
        "author",
        "truncated",
        "doc_type",
    ):
        if key in gold:
            assert report[key] == gold[key], key
    if "meeting_kind" in gold:
        accepted = (
            gold["meeting_kind"]
            if isinstance(gold["meeting_kind"], list)
            else [gold["meeting_kind"]]
        )
        assert report["meeting_kind"] in [nfc(k) for k in accepted]
    for wanted in gold.get("people_include", []):
        person = next((p for p in report["people"] if p["name"] == nfc(wanted["name"])), None)
        assert person is not None, wanted["name"]
        assert re.search(wanted["role_match"], person["role"] or ""), (person, wanted)
    figures = {(f["value"], f["unit"]) for f in report["figures"]}
    for wanted in gold.get("figures_include", []):
        assert (wanted["value"], nfc(wanted["unit"])) in figures, wanted
    codes = {r["code"] for r in report["doc_refs"]}
    assert {nfc(c) for c in gold.get("doc_refs_include", [])} <= codes
    for key, kind in (
        ("achievements_match", "achievement"),
        ("limitations_match", "limitation"),
        ("directions_match", "direction"),
        ("directives_match", "directive"),
    ):
        texts = items_of(report, kind)
        for pattern in gold.get(key, []):
            assert any(re.search(nfc(pattern), t, re.IGNORECASE) for t in texts), (kind, pattern)
    for excluded in gold.get("text_excludes", []):
        assert nfc(excluded) not in report["text"]
    if "duplicate_paragraph_once" in gold:
        assert report["text"].count(nfc(gold["duplicate_paragraph_once"])) == 1
    assert report["meeting_date"] not in gold.get("not_meeting_dates", [])
