"""Understand stage: a Vietnamese question → facets (unit, period, intent, measure, codes).

Everything is matched on the folded form, so "phuong 2 dat duoc gi 6 thang dau nam" and
"Phường 2 đạt được gì trong 6 tháng đầu năm" give the same facets:

  words.py     chat shorthand ("bn", "kq", "P.2"), question words, the Front's own tokens
  intents.py   what kind of answer is wanted, and the measure of a "bao nhiêu X"
  periods.py   "6 tháng đầu năm 2024", "quý III", "nhiệm kỳ …", "năm ngoái"
  units.py     the units named, against those stored (numbers never fuzzy)
  question.py  the understood question

This module puts them together, keeps the content words to search for, and carries the
facets of one turn into the next ("còn hạn chế thì sao?").
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from pydantic import BaseModel, ValidationError

from knowledge.catalog import Catalog, Unit
from knowledge.terms import DOC_CODE, code_token, has_diacritics, syllables
from knowledge.text import fold, normalize, squash
from knowledge.understand.intents import (
    CUE_ONLY,
    FOLLOW,
    FOLLOW_WORDS,
    INTENTS,
    MEETING_KINDS,
    intent,
    measure,
)
from knowledge.understand.periods import (
    P_HALF,
    P_MONTH,
    P_QUARTER,
    P_RELATIVE,
    P_TERM,
    P_YEAR,
    Period,
    period,
)
from knowledge.understand.question import Question
from knowledge.understand.units import central_named, resolve_units
from knowledge.understand.words import (
    FRONT_TOKENS,
    MAX_QUESTION,
    PUNCTUATION,
    STOPWORDS,
    cities,
    expand,
    plain,
    says_something,
    without_syntax,
)

__all__ = [
    "FRONT_TOKENS",
    "STOPWORDS",
    "Period",
    "Question",
    "context_of",
    "intent",
    "measure",
    "merge",
    "period",
    "understand",
]


def understand(text: str, *, catalog: Catalog, today: date | None = None) -> Question:
    # Query syntax typed around a question ("Phường 2 ^5", "quỹ AND hạn~2") is no part of it.
    # "~~6~~" is Markdown's strike-through, "hạn~2" a search engine's fuzziness: the pairs go
    # first, then query syntax, then the rest of the markup.
    text = normalize(squash(cities(plain(without_syntax(text[:MAX_QUESTION].replace("~~", " "))))))
    folded = expand(squash(PUNCTUATION.sub(" ", fold(text))))
    question = Question(
        text=text, folded=folded, tokens=[], exact=[], numbers=set(), bare=not says_something(text)
    )
    question.intent = intent(folded)
    question.codes = [m.group() for m in DOC_CODE.finditer(text)]
    question.period = period(folded, today=today or date.today())
    spans = resolve_units(question, catalog)
    question.central = central_named(folded)
    if question.intent == "aggregate" and len(set(question.mentions)) == 1:
        question.intent = "figure"  # a total within one unit is one of its figures...
        question.total_asked = True  # ...or the sum of its reports' (knowledge/totals.py)
    question.meeting_kind = next((k for k in MEETING_KINDS if k in folded), None)
    question.measure = measure(folded)
    question.follow_up = bool(FOLLOW.search(folded)) or (
        len(folded.split()) <= 4 and not question.units and not question.unknown_unit
    )
    question.explicit = {
        name
        for name, present in (
            ("unit", bool(question.units or question.unknown_unit)),
            ("period", question.period is not None),
            ("intent", question.intent != "search"),
        )
        if present
    }
    _content(question, spans + _facet_spans(question))
    if question.intent == "search" and not question.tokens:
        question.intent = "achievement"  # only a unit or a period: what did it achieve?
    return question


def _facet_spans(question: Question) -> list[tuple[int, int]]:
    folded = question.folded
    spans: list[tuple[int, int]] = []
    if question.period is not None:
        for pattern in (P_TERM, P_HALF, P_QUARTER, P_MONTH, P_YEAR):
            spans += [m.span() for m in pattern.finditer(folded)]
        spans += [m.span() for k in P_RELATIVE for m in re.finditer(k, folded)]
    if question.intent in CUE_ONLY:
        found = [m.span() for m in dict(INTENTS)[question.intent].finditer(folded)]
        question.cues = [t for a, b in found for t in syllables(folded[a:b])]
        spans += found
    spans += [m.span() for m in FOLLOW_WORDS.finditer(folded)]
    return spans


def _content(question: Question, facet_spans: list[tuple[int, int]]) -> None:
    """Content tokens: the question minus its question words and the text of the facets
    already understood (unit names, the period, the intent's cue words). The numbers left
    must appear in an answer passage as whole tokens."""
    folded = question.folded
    kept = "".join(
        " " if any(a <= i < b for a, b in facet_spans) else ch for i, ch in enumerate(folded)
    )
    # Single letters are leftovers ("Q." of "Q. Long Biên", "C&T"), not words to match.
    tokens = [t for t in syllables(kept) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]
    question.tokens = tokens + [code_token(c) for c in question.codes]
    question.numbers = {t for t in tokens if t.isdigit()}
    dated = {str(int(n)) for m in _DATE_IN_TEXT.finditer(kept) for n in m.groups() if n}
    question.required = _figures_asked(tokens) - dated
    # "lần thứ 9", "khóa VIII": which meeting; said in the passage or around it.
    question.anchors |= {
        f"{tokens[i - 1]}_{t}"
        for i, t in enumerate(tokens)
        if t.isdigit() and i and tokens[i - 1] in {"thu", "khoa"}
    }
    if has_diacritics(question.text):
        question.exact = [
            w
            for w in re.findall(r"\w+", kept_accented(question.text, folded, kept))
            if not w.isdigit() and fold(w) not in STOPWORDS
        ]


_DATE_IN_TEXT = re.compile(r"\b(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\b")  # "16/5", "9-2016"
_NOT_FIGURE_BEFORE = {
    "thu",
    "lan",
    "khoa",
    "ky",
    "thang",
    "ngay",
    "quy",
    "dieu",
    "chuong",
    "khoan",
    "so",
}
_NOT_FIGURE_AFTER = {"nam", "thang", "ngay", "tuan", "quy", "gio", "phut"}


def _figures_asked(tokens: list[str]) -> set[str]:
    """Numbers an answer must contain as they are: "62 suất", not "sau 3 năm", "lần thứ 7",
    "tháng 9", "Điều 21" (those say which event or text, and the answer sentence may not)."""
    asked = set()
    for i, token in enumerate(tokens):
        if not token.isdigit():
            continue
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before not in _NOT_FIGURE_BEFORE and after not in _NOT_FIGURE_AFTER:
            asked.add(token)
    return asked


def kept_accented(text: str, folded: str, kept: str) -> str:
    """The user's own (accented, lower-case) words at the positions content was kept, when
    folding kept the length (it does for NFC Vietnamese); else all of them."""
    lowered = fold_aligned(text)
    if len(lowered) != len(folded):
        return text.lower()
    return "".join(c if k != " " else " " for c, k in zip(lowered, kept, strict=True))


def fold_aligned(text: str) -> str:
    return squash(PUNCTUATION.sub(" ", text.lower()))


class _Previous(BaseModel):
    """The context a client hands back (the bot's database, `--context`): validated, since a
    malformed one must be ignored rather than break the answer."""

    unit_keys: list[str] = []
    period: dict[str, int | str | None] | None = None
    intent: str | None = None
    tokens: list[str] = []


def merge(question: Question, previous: dict[str, object] | None, catalog: Catalog) -> Question:
    """A follow-up ("còn hạn chế thì sao?", "năm 2023 thì sao?") keeps the facets the new
    question does not give from the previous turn's context."""
    try:
        before = _Previous.model_validate(previous or {})
        period = _period_from(before.period)
    except (ValidationError, TypeError, ValueError):
        return question
    merged = replace(question)
    if "unit" not in question.explicit:
        keys = set(before.unit_keys)
        merged.units = sorted(
            (u for u in catalog.by_unit if _unit_id(u) in keys), key=lambda u: u.label
        )
        # The units the 2025 reform links to them, as the first question had them.
        merged.related = {
            r: how
            for u in merged.units
            for r, how in catalog.lineage(u).items()
            if r not in merged.units
        }
        merged.units += sorted(merged.related, key=lambda u: u.label)
    if "period" not in question.explicit and period is not None:
        merged.period = period
    if "intent" not in question.explicit and before.intent in _KNOWN_INTENTS:
        merged.intent = before.intent
    # The previous words only make sense for the same kind of answer: "còn năm 2023?" after a
    # figure keeps asking for that figure, but "còn hạn chế?" after "ai là Bí thư" does not
    # mean a limitation of that person.
    if not question.tokens and "intent" not in question.explicit:
        merged.tokens = [t for t in before.tokens if isinstance(t, str)][:12]
    return merged


def _period_from(raw: dict[str, int | str | None] | None) -> Period | None:
    if not raw:
        return None
    year, part, term = raw.get("year"), raw.get("part"), raw.get("term")
    return Period(
        int(year) if year is not None else None,
        str(part) if part in _PARTS else None,
        str(term) if isinstance(term, str) and _TERM_TEXT.fullmatch(term) else None,
    )


_PARTS = {"H1", "H2", "Y", "Q1", "Q2", "Q3", "Q4", *(f"M{m}" for m in range(1, 13))}
_TERM_TEXT = re.compile(r"\d{4}-\d{4}")
_KNOWN_INTENTS = {name for name, _ in INTENTS} | {"search", "document"}


def _unit_id(unit: Unit) -> str:
    return unit.key + "|" + ";".join(p.key for p in unit.parents)


def context_of(question: Question, report_ids: list[int]) -> dict[str, object]:
    """What a follow-up needs from this turn (JSON-safe; the bot keeps it per chat)."""
    p = question.period
    return {
        "unit_keys": [_unit_id(u) for u in question.units if u not in question.related],
        "units": [u.label for u in question.units if u not in question.related],
        "period": {"year": p.year, "part": p.part, "term": p.term} if p else None,
        "intent": question.intent,
        "tokens": question.tokens[:12],
        "report_ids": report_ids[:5],
    }
