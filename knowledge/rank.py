"""Rank stage: what each candidate passage says about the question, which of its
passages answers, and how much to trust the best one. Fitted, not hand-set.

Every candidate passage gets the same named features (BM25 of the passage and of its whole
report, how much of the question it and its report hold, whether its unit, period, kind and
numbers are the ones asked...). A logistic model fitted on the tuning half of the real
question sets (eval/questions, by ``bench/fit_ranking.py``) turns them into the probability that
the passage's report is the one that answers; candidates are ranked by it. A second one,
fitted on the passages of right reports, says which passage of the chosen report holds the
answer (a "Căn cứ …" preamble names the subject but answers nothing). A third reads the best
candidate against the others and gives the probability that the answer is right: below the
fitted threshold the question is not answered.

All weights live in ``ranking.json`` beside this file, named; nothing that ranks is a
constant in the code. ``bench/fit_ranking.py`` rewrites the file, reproducibly.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from knowledge.catalog import ReportInfo
from knowledge.index import Hit
from knowledge.terms import syllables, terms
from knowledge.text import fold
from knowledge.understand import Question

MODEL_FILE = Path(__file__).with_name("ranking.json")

# The candidate's features, in the model's order. Question-level ones (the same for every
# candidate of a question) do not rank but let the confidence model read the question.
FEATURES = (
    "bm25",  # the passage's BM25 over the best candidate's
    "doc_bm25",  # its report's whole-text BM25 over the best report's (0: not among them)
    "para_bm25",  # its paragraph's BM25 over the best paragraph's (0: not among them)
    "para_coverage",  # IDF-weighted share of the question's words in the paragraph
    "para_fuzz",  # rapidfuzz token_set_ratio of question and paragraph
    "para_pairs",  # share of the question's word pairs written together in the paragraph
    "coverage",  # IDF-weighted share of the question's words in the passage
    "coverage_around",  # ... in the passage, its neighbours and its report's title
    "title_coverage",  # ... in the report's title
    "missing",  # the weightiest question word not in the passage, its neighbours or its
    # paragraph, over the weightiest question word (0: nothing of weight is missing)
    "pairs",  # share of the question's word pairs written together in the passage
    "fuzz",  # rapidfuzz token_set_ratio of question and passage
    "exact",  # share of the accented words typed that the passage writes the same way
    "is_title",  # the passage is the report's title
    "title_asked",  # ... and the question asks when, which event, which reports
    "kind_match",  # the passage is an item of the kind asked (limitation, direction...)
    "kind_other",  # an item kind is asked and the passage is of another
    "figure_number",  # a figure is asked and the passage holds a number
    "figure_measure",  # ... a number counting the measure asked ("607 phần quà")
    "figure_missing",  # a figure is asked and the passage has no number
    "target_for_figure",  # a figure is asked and the passage is a direction or directive
    "required_missing",  # a number or code the question requires is not in the passage
    "anchor_missing",  # the meeting or place the question anchors on is not in the report
    "anchor_here",  # ... and the passage itself names it
    "near_missing",  # the place asked about is not named in or around the passage
    "unit_match",  # the report is of a unit the question names
    "unit_parent",  # the report is of a place inside (or above) the unit named
    "unit_other",  # the question names a unit; the report is of another one
    "unit_said",  # the unit named is written in or around the passage
    "unit_match_news",  # unit_match on a news page (whose unit is a guess)
    "unit_other_news",  # unit_other on a news page
    "in_scope",  # the report is among those the question's unit and period allow
    "in_scope_generic",  # ... and the question has no word beyond those every report uses
    "unit_match_generic",  # unit_match, and the question has no word of its own
    "period_match",  # the report's period is the one asked
    "period_other",  # the report is dated, and not in the period asked
    "front",  # the page names the Front
    "front_missing",  # the question names the Front; the page never does
    "news",  # a news page (not a meeting report or an issued document)
    "central",  # the question names the central committee and the report is of it
    "meeting_kind",  # the meeting kind asked (sơ kết, tổng kết...) is the report's
    "deputy",  # "Tổng biên tập là ai?" and the passage names a "Phó Tổng biên tập"
    "recency",  # the report's age, capped (years before 2024 are negative)
    "report_para",  # the best paragraph BM25 among the report's candidates
    "report_coverage",  # the best coverage (with neighbours) among the report's candidates
    "report_missing",  # the least "missing" among the report's candidates
    "unseen",  # question: share of its words the index never saw (typos, absent names)
    "words",  # question: how many content words it has (log)
    "has_unit",  # question: names a unit
    "has_period",  # question: names a period
    "generic",  # question: no word beyond those every report uses ("Phường 3 đạt được gì?")
    "asks_figure",  # question: how many / how much
    "asks_person",  # question: who
    "asks_date",  # question: when
    "asks_items",  # question: achievements, limitations, directions, directives
)
# Words of every Front report: they say nothing about which of a report's items is meant.
GENERIC = frozenset(
    [
        "mttq",
        "ubmttq",
        "ctmt",
        "btt",
        "bch",
        "ubnd",
        "hdnd",
        "cong",
        "tac",
        "chuong",
        "trinh",
        "hoat",
        "dong",
        "ket",
        "qua",
        "nhiem",
        "vu",
        "phuong",
        "huong",
        "bao",
        "cao",
        "so",
        "tong",
        "hoi",
        "nghi",
        "to",
        "chuc",
        "thanh",
        "vien",
        "cac",
        "cap",
        "nam",
        "thang",
        "ky",
        "dau",
        "cuoi",
        "doan",
        "the",
        "chinh",
        "tri",
        "xa",
        "moi",
        "tren",
        "dia",
        "ban",
        "lanh",
        "dao",
        "lam",
        "thoi",
        "gian",
        "toi",
        "sap",
        "can",
        "tinh",
        "huyen",
        "thi",
        "uy",
        "nhan",
        "dan",
    ]
)
_RECENT = date(2024, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class Asked:
    """What features need from the question, computed once for all candidates."""

    question: Question
    weights: dict[str, float]  # content token → IDF
    unseen: frozenset[str]  # tokens the index never saw
    line: str
    pairs: tuple[str, ...]  # adjacent tokens "a_b"
    measure: tuple[str, ...]
    top_bm25: float
    docs: dict[int, float]  # report → whole-text BM25
    doc_order: dict[int, int]  # report → rank by whole-text BM25
    top_doc: float
    paragraphs: dict[tuple[int, int], tuple[float, str]]  # (report, paragraph) → BM25, tokens
    para_order: dict[tuple[int, int], int]
    top_para: float
    anchored: frozenset[int] | None  # reports that say the question's anchors
    allowed: frozenset[int] | None
    unit_names: tuple[tuple[str, ...], ...]  # the units named, as token sequences
    generic: bool  # no content word beyond those every Front report uses
    # What a report or a paragraph gives every candidate of it, computed once a question.
    cache: dict[object, dict[str, float]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0


def asked(
    question: Question,
    *,
    weights: dict[str, float],
    unseen: set[str],
    top_bm25: float,
    docs: dict[int, float],
    paragraphs: dict[tuple[int, int], tuple[float, str]],
    anchored: set[int] | None,
    allowed: set[int] | None,
) -> Asked:
    order = {report: n for n, report in enumerate(docs)}
    # A numbered unit is said with its level ("phường 3"): a bare "3" is any number.
    names = tuple(
        tuple(syllables(f"{u.level} {u.name}" if u.name[:1].isdigit() else u.name))
        for u in question.units
    )
    return Asked(
        question=question,
        weights=weights or dict.fromkeys(question.tokens, 1.0),
        unseen=frozenset(unseen),
        line=" ".join(question.tokens),
        pairs=tuple(f"{a}_{b}" for a, b in itertools.pairwise(question.tokens)),
        measure=tuple(syllables(question.measure)) if question.measure else (),
        top_bm25=top_bm25 or 1.0,
        docs=docs,
        doc_order=order,
        top_doc=max(docs.values(), default=0.0) or 1.0,
        paragraphs=paragraphs,
        para_order={key: n for n, key in enumerate(paragraphs)},
        top_para=max((score for score, _ in paragraphs.values()), default=0.0) or 1.0,
        anchored=frozenset(anchored) if anchored is not None else None,
        allowed=frozenset(allowed) if allowed is not None else None,
        unit_names=names,
        generic=all(t in GENERIC for t in question.tokens),
    )


def features(asked: Asked, hit: Hit, report: ReportInfo) -> list[float]:
    """The candidate's features, in the order of FEATURES. What depends only on its report
    or its paragraph is computed once a question (many candidates share them)."""
    q = asked.question
    tokens = hit.line.split()
    around = hit.context.split()
    own = set(tokens)
    figure = q.intent in {"figure", "aggregate"}
    numbers = [i for i, t in enumerate(tokens) if t[:1].isdigit()]
    wanted = q.item_kind
    found = {
        "bm25": hit.score / asked.top_bm25,
        "coverage": _held(asked, own) / asked.total,
        "coverage_around": _held(asked, own.union(around)) / asked.total,
        "missing": _missing(
            asked, own.union(around), asked.paragraphs.get((report.id, hit.para), (0.0, ""))[1]
        ),
        "pairs": _pairs(asked.pairs, tokens),
        "fuzz": fuzz.token_set_ratio(asked.line, hit.line) / 100 if asked.line else 0.0,
        "exact": _exact(q, hit.text),
        "is_title": float(hit.kind == "title"),
        "title_asked": float(
            hit.kind == "title" and q.intent in {"coverage", "timeline", "date", "event"}
        ),
        "kind_match": float(wanted is not None and hit.kind == wanted),
        "kind_other": float(wanted is not None and hit.kind not in {wanted, "title"}),
        "figure_number": float(figure and bool(numbers)),
        "figure_measure": float(
            figure and bool(asked.measure) and _counts(tokens, numbers, asked.measure)
        ),
        "figure_missing": float(figure and not numbers),
        "target_for_figure": float(figure and hit.kind in {"directive", "direction"}),
        "required_missing": float(bool(q.required) and not q.required <= own),
        "anchor_here": float(bool(q.anchors) and all(said(a, tokens) for a in q.anchors)),
        "near_missing": float(
            bool(q.near) and not all(said(w, tokens) or said(w, around) for w in q.near)
        ),
        "unit_said": float(
            any(_written(name, tokens) or _written(name, around) for name in asked.unit_names)
        ),
        "deputy": _deputy(q, tokens),
        "report_para": 0.0,  # report_para, report_coverage, report_missing: with_report_features
        "report_coverage": 0.0,
        "report_missing": 0.0,
    }
    found.update(_of_paragraph(asked, (report.id, hit.para)))
    found.update(_of_report(asked, report))
    return [found[name] for name in FEATURES]


def _of_paragraph(asked: Asked, key: tuple[int, int]) -> dict[str, float]:
    cached = asked.cache.get(key)
    if cached is None:
        score, line = asked.paragraphs.get(key, (0.0, ""))
        cached = {
            "para_bm25": score / asked.top_para,
            "para_coverage": _held(asked, set(line.split())) / asked.total if line else 0.0,
            "para_fuzz": fuzz.token_set_ratio(asked.line, line) / 100
            if line and asked.line
            else 0.0,
            "para_pairs": _pairs(asked.pairs, line.split()) if line else 0.0,
        }
        asked.cache[key] = cached
    return cached


def _of_report(asked: Asked, report: ReportInfo) -> dict[str, float]:
    cached = asked.cache.get(report.id)
    if cached is not None:
        return cached
    q = asked.question
    units = set(q.units)
    parent_keys = {p.key for u in q.units for p in u.parents}
    unit_keys = {u.key for u in q.units}
    unit = report.unit
    period = q.period
    dated = report.year is not None or report.when is not None
    ahead = q.intent == "direction"
    news = report.doc_type == "tin tức"
    match = unit is not None and unit in units
    other = bool(units) and not match
    cached = {
        "doc_bm25": asked.docs.get(report.id, 0.0) / asked.top_doc,
        "title_coverage": _held(asked, title_tokens(report.title)) / asked.total,
        "anchor_missing": float(asked.anchored is not None and report.id not in asked.anchored),
        "unit_match": float(match),
        "unit_parent": float(
            unit is not None
            and not match
            and (unit.key in parent_keys or any(p.key in unit_keys for p in unit.parents))
        ),
        "unit_other": float(other),
        "unit_match_news": float(news and match),
        "unit_other_news": float(news and other),
        "in_scope": float(asked.allowed is not None and report.id in asked.allowed),
        "in_scope_generic": float(
            asked.generic and asked.allowed is not None and report.id in asked.allowed
        ),
        "unit_match_generic": float(asked.generic and match),
        "period_match": float(period is not None and dated and period.covers(report, ahead=ahead)),
        "period_other": float(
            period is not None and dated and not period.covers(report, ahead=ahead)
        ),
        "front": float(report.front),
        "front_missing": float(q.about_front and not report.front),
        "news": float(news),
        "central": float(q.central and unit is not None and unit.level == "trung ương"),
        "meeting_kind": float(
            bool(
                q.meeting_kind
                and report.meeting_kind
                and q.meeting_kind in fold(report.meeting_kind)
            )
        ),
        "recency": _recency(report),
        "unseen": len(asked.unseen) / max(len(asked.weights), 1),
        "words": math.log1p(len(asked.weights)),
        "has_unit": float(bool(q.units)),
        "has_period": float(period is not None),
        "generic": float(asked.generic),
        "asks_figure": float(q.intent in {"figure", "aggregate"}),
        "asks_person": float(q.intent in {"people", "author"}),
        "asks_date": float(q.intent == "date"),
        "asks_items": float(q.item_kind is not None),
    }
    asked.cache[report.id] = cached
    return cached


_PARA = FEATURES.index("para_bm25")
_COVERAGE = FEATURES.index("coverage_around")
_MISSING = FEATURES.index("missing")
_REPORT = FEATURES.index("report_para")


def with_report_features(candidates: list[tuple[int, list[float]]]) -> None:
    """Fill in what each candidate's report shows across all its candidates (in place):
    ``candidates`` are (report id, features)."""
    best_para: dict[int, float] = {}
    best_coverage: dict[int, float] = {}
    least_missing: dict[int, float] = {}
    for report, values in candidates:
        best_para[report] = max(best_para.get(report, 0.0), values[_PARA])
        best_coverage[report] = max(best_coverage.get(report, 0.0), values[_COVERAGE])
        least_missing[report] = min(least_missing.get(report, 1.0), values[_MISSING])
    for report, values in candidates:
        values[_REPORT] = best_para[report]
        values[_REPORT + 1] = best_coverage[report]
        values[_REPORT + 2] = least_missing[report]


@lru_cache(maxsize=65536)
def title_tokens(title: str) -> frozenset[str]:
    return frozenset(terms(title).tokens)


def _held(asked: Asked, present: set[str] | frozenset[str]) -> float:
    """Weight of the question's tokens present; a typo (a token the index never saw) still
    counts when a present word is one edit away (never a number)."""
    held = 0.0
    for token, weight in asked.weights.items():
        if token in present or (
            token in asked.unseen and not token.isdigit() and _near(token, present)
        ):
            held += weight
    return held


def _missing(asked: Asked, present: set[str], paragraph: str) -> float:
    """The weightiest question word absent from the passage, its neighbours and its
    paragraph, over the weightiest question word: a rare name or number the text never
    says is the surest sign that it does not answer."""
    if not asked.weights:
        return 0.0
    words = set(paragraph.split()) if paragraph else set()
    absent = [
        w
        for t, w in asked.weights.items()
        if t not in present and t not in words and not (t in asked.unseen and _near(t, present))
    ]
    return max(absent, default=0.0) / max(asked.weights.values())


def _near(token: str, present: set[str] | frozenset[str]) -> bool:
    if len(token) < 5:
        return False  # short words are too close to call typos
    return any(
        abs(len(t) - len(token)) <= 1 and not t.isdigit() and Levenshtein.distance(token, t) <= 1
        for t in present
    )


def _pairs(pairs: tuple[str, ...], tokens: list[str]) -> float:
    if not pairs:
        return 0.0
    written = {f"{a}_{b}" for a, b in itertools.pairwise(tokens)}
    return sum(p in written for p in pairs) / len(pairs)


def _exact(question: Question, text: str) -> float:
    """Share of the accented words typed that the passage writes with the same accents (a
    substring test: cheap, and a word inside a longer one is rare with syllables)."""
    if not question.exact:
        return 0.0
    lowered = text.lower()
    return sum(w in lowered for w in question.exact) / len(question.exact)


def _counts(tokens: list[str], numbers: list[int], measure: tuple[str, ...]) -> bool:
    """A number in the passage counts the measure asked: its first word within five tokens."""
    head = measure[0]
    return any(head in tokens[i + 1 : i + 6] for i in numbers)


def _written(name: tuple[str, ...], seq: list[str]) -> bool:
    if not name or name[0] not in seq:
        return False
    size = len(name)
    return any(tuple(seq[i : i + size]) == name for i in range(len(seq) - size + 1))


def said(term: str, seq: list[str]) -> bool:
    """Whether a token, or words "a_b_c" written one after another, occur in ``seq``."""
    words = term.split("_")
    if len(words) == 1:
        return term in seq
    if any(w not in seq for w in words):  # cheap: most candidates stop here
        return False
    size = len(words)
    return any(seq[i : i + size] == words for i in range(len(seq) - size + 1))


_ROLE_WORDS = {"chu", "tong", "bi", "truong", "giam", "chanh"}


def _deputy(question: Question, tokens: list[str]) -> float:
    if question.intent != "people" or "pho" in question.tokens:
        return 0.0
    asked_roles = set(question.tokens) & _ROLE_WORDS
    return float(any(a == "pho" and b in asked_roles for a, b in itertools.pairwise(tokens)))


def _recency(report: ReportInfo) -> float:
    when = report.when
    if when is None:
        return -1.0
    return max(-5.0, min(2.0, (when.toordinal() - _RECENT) / 365.25)) / 5


# -- the fitted models -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Logistic:
    """A fitted logistic model over named, standardised features."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def logit(self, values: list[float]) -> float:
        total = self.bias
        for value, mean, scale, weight in zip(
            values, self.mean, self.scale, self.weights, strict=True
        ):
            total += weight * (value - mean) / scale
        return total

    def probability(self, values: list[float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.logit(values)))))

    @classmethod
    def of(cls, data: dict[str, object]) -> Logistic:
        names = tuple(str(n) for n in data["names"])  # type: ignore[attr-defined]
        weights = data["weights"]
        assert isinstance(weights, dict)
        return cls(
            names,
            tuple(float(x) for x in data["mean"]),  # type: ignore[attr-defined]
            tuple(float(x) for x in data["scale"]),  # type: ignore[attr-defined]
            tuple(float(weights[n]) for n in names),
            float(data["bias"]),  # type: ignore[arg-type]
        )


# The confidence model's features: the best candidate against the rest.
CONFIDENCE = (
    "top",  # the best candidate's probability
    "margin",  # ... minus the best candidate's of another report
    "top_coverage",
    "top_coverage_around",
    "top_doc_bm25",
    "top_missing",
    "top_report_missing",
    "top_para_coverage",
    "top_report_para",
    "top_unit_other",
    "top_period_other",
    "top_required_missing",
    "top_anchor_missing",
    "top_front_missing",
    "top_figure_missing",
    "unseen",
    "words",
    "has_unit",
    "has_period",
    "second",  # the best probability of another report
    "top_figure_measure",
    "top_near_missing",
    "top_kind_match",
    "top_para_bm25",
    "asks_figure",
    "asks_person",
    "asks_date",
    "asks_items",
    "top_unit_match",
    "top_in_scope",
    "top_period_match",
    "generic",
    "top_in_scope_generic",
)


@dataclass(frozen=True, slots=True)
class Model:
    rank: Logistic  # P(the candidate's report answers)
    passage: Logistic  # within that report, P(this passage holds the answer)
    confidence: Logistic
    calibration: tuple[float, float]  # Platt scaling of the confidence's logit (slope, intercept)
    threshold: float  # answer only at or above this (calibrated) confidence
    supporting: float  # other reports quoted when their best is at least this share of the best's
    exact_preference: float  # near-equal candidates: the share of lead exact accents give


def sure(model: Model, ranked: list[tuple[float, list[float], int]]) -> float:
    """The calibrated probability that the best candidate's report answers."""
    logit = model.confidence.logit(confidence_features(ranked))
    slope, intercept = model.calibration
    value = max(-30.0, min(30.0, slope * logit + intercept))
    return 1.0 / (1.0 + math.exp(-value))


def confidence_features(ranked: list[tuple[float, list[float], int]]) -> list[float]:
    """What the confidence model reads; ``ranked``: (probability, features, report id),
    best first."""
    top, values, report = ranked[0]
    other = next((p for p, _, r in ranked[1:] if r != report), 0.0)
    at = {name: values[i] for i, name in enumerate(FEATURES)}
    return [
        top,
        top - other,
        at["coverage"],
        at["coverage_around"],
        at["doc_bm25"],
        at["missing"],
        at["report_missing"],
        at["para_coverage"],
        at["report_para"],
        at["unit_other"],
        at["period_other"],
        at["required_missing"],
        at["anchor_missing"],
        at["front_missing"],
        at["figure_missing"],
        at["unseen"],
        at["words"],
        at["has_unit"],
        at["has_period"],
        other,
        at["figure_measure"],
        at["near_missing"],
        at["kind_match"],
        at["para_bm25"],
        at["asks_figure"],
        at["asks_person"],
        at["asks_date"],
        at["asks_items"],
        at["unit_match"],
        at["in_scope"],
        at["period_match"],
        at["generic"],
        at["in_scope_generic"],
    ]


@lru_cache(maxsize=1)
def model() -> Model:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    rank = Logistic.of(data["rank"])
    passage = Logistic.of(data["passage"])
    confidence = Logistic.of(data["confidence"])
    if rank.names != FEATURES or passage.names != FEATURES or confidence.names != CONFIDENCE:
        raise RuntimeError(f"{MODEL_FILE} was fitted on other features: run bench/fit_ranking.py")
    calibration = (float(data["calibration"]["slope"]), float(data["calibration"]["intercept"]))
    return Model(
        rank,
        passage,
        confidence,
        calibration,
        float(data["threshold"]),
        float(data["supporting"]),
        float(data["exact_preference"]),
    )
