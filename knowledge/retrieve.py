"""Retrieve stage: candidates from the index, filtered by the question's facets, reranked.

BM25 (tantivy) over folded syllables and syllable pairs finds ~150 candidate passages inside
the reports the facets allow (unit, period); rapidfuzz and the answer type then rerank those
short passages only, never whole documents: a "bao nhiêu" question prefers the passage whose
figure carries the measure asked for, a "hạn chế" question the limitation items, and a
number the user typed must be in the passage as a whole token ("62" never matches "162").
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date

import tantivy
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from knowledge.catalog import Catalog, ReportInfo
from knowledge.index import SCHEMA, Hit, PassageIndex
from knowledge.terms import accented, syllables
from knowledge.text import fold
from knowledge.understand import Question

CANDIDATES = 120
_RECENT = date(2024, 1, 1).toordinal()  # recency is measured from here, capped both ways
_RECENCY_CAP = 0.1
_COMMON = 0.02  # a token in more passages than this share is common: no context clause
_PHRASES = 8  # word pairs searched as phrases, rarest first
_FILTER_BY_IDS = 1024  # up to this many allowed reports, filter by id; else by unit key


@dataclass(frozen=True, slots=True)
class Scored:
    hit: Hit
    score: float
    coverage: float  # share of the question's content matched by the passage
    report: ReportInfo
    anchored: bool = True  # its report says the question's anchors (meeting number, place)


@dataclass(slots=True)
class Retrieved:
    passages: list[Scored]
    allowed: list[ReportInfo] | None  # reports the facets allow (None: no facet given)
    unit_reports: list[ReportInfo]  # reports of the named units, whatever the period


def allowed_reports(question: Question, catalog: Catalog) -> tuple[list[ReportInfo] | None, list[ReportInfo]]:
    """Reports the unit and period facets allow, newest first (None when neither is given)."""
    of_units = catalog.reports_of(set(question.units)) if question.units else []
    if not question.units:
        # A period alone ranks (see _period_bonus) but filters nothing: most pages, news
        # above all, carry no period, and a year in the question is often about the content.
        return None, of_units
    pool = of_units
    if question.period is not None:
        # A meeting report states its period: it must match. A page without one (news) is
        # kept, and ranked by its date (a year in the question is often the content's).
        ahead = question.intent == "direction"
        pool = [r for r in pool if _undated(r, question) or question.period.covers(r, ahead=ahead)]
    return sorted(pool, key=lambda r: r.sort_key, reverse=True), of_units


def _undated(report: ReportInfo, question: Question) -> bool:
    """A page with neither a period nor a date is kept under a period for a fact ("năm 2017
    … bao nhiêu"), never for what a unit did in the period (that needs a dated report)."""
    return report.year is None and report.when is None and question.item_kind is None


def retrieve(question: Question, *, index: PassageIndex, catalog: Catalog, limit: int = CANDIDATES) -> Retrieved:
    allowed, of_units = allowed_reports(question, catalog)
    if allowed is not None and not allowed:
        return Retrieved([], allowed, of_units)
    seen = {t: index.doc_freq("f", t) for t in dict.fromkeys(question.tokens)}
    query = _query(question, seen, max(index.size, 1), allowed)
    hits = index.search(query, limit=limit)
    weights, unseen = term_weights(seen, max(index.size, 1))
    anchored = anchored_reports(question, index)
    scored = rerank(question, hits, catalog, weights=weights, unseen=unseen, anchored=anchored)
    return Retrieved(scored, allowed, of_units)


def anchored_reports(question: Question, index: PassageIndex) -> set[int] | None:
    """Reports that say every anchor somewhere ("lần thứ 7" in the lead, the answer further
    down); None when the question has no anchors."""
    if not question.anchors:
        return None
    found: set[int] | None = None
    for anchor in question.anchors:
        query = _phrase(anchor.split("_"))
        reports = {h.report_id for h in index.search(query, limit=5000, stored=False)}
        found = reports if found is None else found & reports
    return found or set()


def _phrase(words: list[str]) -> tantivy.Query:
    """Words written together in a passage (a single word is a term)."""
    if len(words) == 1:
        return tantivy.Query.term_query(SCHEMA, "f", words[0])
    phrase: list[str | tuple[int, str]] = list(words)
    return tantivy.Query.phrase_query(SCHEMA, "f", phrase)


def term_weights(seen: dict[str, int], total: int) -> tuple[dict[str, float], set[str]]:
    """IDF of each content token: a passage covering "Yagi" (rare) covers more of the
    question than one covering "ủng hộ" (everywhere). A token the index has never seen
    weighs the most: if no passage has it, the question is probably not answered here."""
    weights, unseen = {}, set()
    for token, count in seen.items():
        weights[token] = math.log(1 + (total - count + 0.5) / (count + 0.5))
        if not count:
            unseen.add(token)
    return weights, unseen


def _query(
    question: Question, seen: dict[str, int], total: int, allowed: list[ReportInfo] | None
) -> tantivy.Query:
    """Every content token, the rarer ones also in the passage's context, and the question's
    word pairs as phrases (the rarest few: a phrase of two common syllables costs the most
    and says the least)."""
    should: list[tuple[tantivy.Occur, tantivy.Query]] = []
    common = total * _COMMON
    for token, count in seen.items():
        clause = tantivy.Query.term_query(SCHEMA, "f", token)
        if not token.isdigit() and len(token) >= 4 and count == 0:
            # A word the index has never seen: probably a typo; numbers are never fuzzy.
            clause = tantivy.Query.boost_query(
                tantivy.Query.fuzzy_term_query(SCHEMA, "f", token, distance=1), 0.7
            )
        should.append((tantivy.Occur.Should, clause))
        if 0 < count < common:
            context = tantivy.Query.term_query(SCHEMA, "c", token)
            should.append((tantivy.Occur.Should, tantivy.Query.boost_query(context, 0.25)))
    pairs = sorted(
        dict.fromkeys(itertools.pairwise(question.tokens)),
        key=lambda p: min(seen.get(p[0], 0), seen.get(p[1], 0)),
    )
    for pair in [p for p in pairs if min(seen.get(p[0], 0), seen.get(p[1], 0)) > 0][:_PHRASES]:
        should.append((tantivy.Occur.Should, tantivy.Query.boost_query(_phrase(list(pair)), 1.5)))
    if not should:
        should.append((tantivy.Occur.Should, tantivy.Query.all_query()))
    content = tantivy.Query.boolean_query(should)
    if allowed is None:
        return content
    if len(allowed) <= _FILTER_BY_IDS:
        scope = tantivy.Query.term_set_query(SCHEMA, "report", [r.id for r in allowed])
    else:
        keys = sorted({r.unit.key for r in allowed if r.unit}) or [""]
        scope = tantivy.Query.term_set_query(SCHEMA, "unit", keys)
    # Inside the reports the facets allow, every passage is a candidate: the content words
    # only rank them (a limitation need not repeat the question's words).
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, content), (tantivy.Occur.Must, scope)]
    )


@dataclass(slots=True)
class _Asked:
    """What reranking needs from the question, computed once for all candidates."""

    wanted: dict[str, float]  # content token → weight (IDF)
    unseen: set[str]  # tokens the index never saw (typos): matched within one edit
    line: str
    measure: list[str]
    pairs: dict[str, float]  # adjacent token pairs → weight
    top: float  # the best BM25 score, to normalise

    @property
    def total(self) -> float:
        return sum(self.wanted.values()) or 1.0


def rerank(
    question: Question,
    hits: list[Hit],
    catalog: Catalog,
    *,
    weights: dict[str, float] | None = None,
    unseen: set[str] | None = None,
    anchored: set[int] | None = None,
) -> list[Scored]:
    if not hits:
        return []
    wanted = weights or dict.fromkeys(question.tokens, 1.0)
    asked = _Asked(
        wanted=wanted,
        unseen=unseen or set(),
        line=" ".join(question.tokens),
        measure=syllables(question.measure) if question.measure else [],
        pairs={f"{a}_{b}": wanted.get(a, 1.0) + wanted.get(b, 1.0) for a, b in itertools.pairwise(question.tokens)},
        top=max(h.score for h in hits) or 1.0,
    )
    scored = []
    for hit in hits:
        report = catalog.reports.get(hit.report_id)
        if report is not None:  # else deleted since the index was read
            scored.append(_score(question, asked, hit, report, anchored))
    scored.sort(key=lambda s: s.score, reverse=True)
    return scored


def _score(
    question: Question, asked: _Asked, hit: Hit, report: ReportInfo, anchored: set[int] | None
) -> Scored:
    tokens = hit.line.split()
    around_list = hit.context.split()
    own, around = set(tokens), set(around_list)
    # The passage's own words count in full; what only its neighbours or title say, less.
    coverage = max(_held(asked, own), 0.7 * _held(asked, own | around)) / asked.total
    if len(asked.pairs) >= 2 and not _has_pair(asked.pairs, tokens, around_list):
        coverage *= 0.7  # syllables scattered, no word kept: "thực hiện … máu" ≠ "hiến máu"
    score = 0.45 * hit.score / asked.top + 0.35 * coverage
    score += 0.2 * fuzz.token_set_ratio(asked.line, hit.line) / 100
    score += _kind_bonus(question, hit.kind) + _figure_bonus(question, tokens, asked.measure)
    score += _deputy_penalty(question, tokens)
    if question.required and not question.required <= own:
        score -= 0.5
    if question.near and not said_near(question.near, tokens, around_list):
        score -= 0.5  # the place asked about is not named here nor around
    if anchored is not None and hit.report_id not in anchored:
        score -= 0.5  # another meeting ("lần thứ 12" for "lần thứ 7"), another place
    elif question.anchors and all(said(a, tokens) for a in question.anchors):
        score += 0.15  # the passage itself names the meeting ("lần thứ ba", not "lần thứ hai")
    if question.exact:
        present = set(accented(hit.text))
        score += 0.1 * sum(w in present for w in question.exact) / len(question.exact)
    score += _report_bonus(question, report)
    return Scored(hit, score, coverage, report, anchored is None or hit.report_id in anchored)


def _report_bonus(question: Question, report: ReportInfo) -> float:
    bonus = 0.05 if report.doc_type != "tin tức" else 0.0
    bonus += 0.12 if report.front else 0.0  # what members ask about: the Front's own pages
    if question.central and report.unit is not None and report.unit.level == "trung ương":
        bonus += 0.1
    if question.about_front and not report.front:
        bonus -= 0.3  # "Ủy ban MTTQ …" is not answered by a page that never names the Front
    bonus += _period_bonus(question, report)
    bonus += _recency(report, per_year=0.04 if question.units else 0.01)
    kind = question.meeting_kind
    if kind and report.meeting_kind and kind in fold(report.meeting_kind):
        bonus += 0.1
    return bonus


def _held(asked: _Asked, present: set[str]) -> float:
    """Weight of the question's tokens present; a word with one typo still counts (never a
    number): "Quảng Nghiêp" folds right, "nghiepp" is one edit away."""
    held = 0.0
    for token, weight in asked.wanted.items():
        if token in present or (token in asked.unseen and not token.isdigit() and _near(token, present)):
            held += weight
    return held


def _has_pair(pairs: dict[str, float], tokens: list[str], around: list[str]) -> bool:
    return any(said(pair, seq) for pair in pairs for seq in (tokens, around))


def said_near(words: set[str], tokens: list[str], around: list[str]) -> bool:
    """Whether each word (or pair "long_bien") is written in the passage or its context."""
    return all(said(w, tokens) or said(w, around) for w in words)


def said(term: str, seq: list[str]) -> bool:
    """Whether a token, or a pair "a_b" written as a then b, occurs in ``seq``."""
    first, _, second = term.partition("_")
    if not second:
        return first in seq
    if first not in seq or second not in seq:  # cheap: most candidates stop here
        return False
    return any(a == first and b == second for a, b in itertools.pairwise(seq))


def _near(token: str, present: set[str]) -> bool:
    if len(token) < 5:
        return False  # "meo" one edit from "mo": short words are too close to call typos
    return any(
        abs(len(t) - len(token)) <= 1 and not t.isdigit() and Levenshtein.distance(token, t) <= 1
        for t in present
    )


_TARGET_WORDS = ("chi tieu", "phan dau", "ke hoach", "muc tieu", "nam toi", "sap toi", "de ra")


_ROLE_WORDS = {"chu", "tong", "bi", "truong", "giam", "chanh"}


def _deputy_penalty(question: Question, tokens: list[str]) -> float:
    """"Tổng Biên tập là ai?" is not answered by the "Phó Tổng Biên tập"."""
    if question.intent != "people" or "pho" in question.tokens:
        return 0.0
    asked = set(question.tokens) & _ROLE_WORDS
    for a, b in itertools.pairwise(tokens):
        if a == "pho" and b in asked:
            return -0.2
    return 0.0


def _kind_bonus(question: Question, kind: str) -> float:
    wanted = question.item_kind
    if question.intent in {"figure", "aggregate"} and kind in {"directive", "direction"}:
        # A figure asked for is one achieved, unless the question is about targets.
        return 0.0 if any(w in question.folded for w in _TARGET_WORDS) else -0.15
    if kind == "title":
        return 0.1 if question.intent in {"coverage", "timeline", "date", "event"} else -0.25
    if wanted is None:
        return 0.0
    if kind == wanted:
        return 0.3
    if wanted == "achievement" and kind == "other":
        return -0.05
    if (wanted == "direction" and kind == "directive") or (wanted == "directive" and kind == "direction"):
        return 0.1
    return -0.15


def counts(tokens: list[str], measure: list[str]) -> bool:
    """Whether a number in the passage counts the measure asked ("607 phần quà", "5 cuộc/300
    lượt người" for "người", "10 đồng chí đại diện ban …" for "ban"): its first word within
    five tokens after the number."""
    head = measure[0]
    return any(t[0].isdigit() and head in tokens[i + 1 : i + 6] for i, t in enumerate(tokens))


def _figure_bonus(question: Question, tokens: list[str], measure: list[str]) -> float:
    if question.intent not in {"figure", "aggregate"}:
        return 0.0
    numbers = [i for i, t in enumerate(tokens) if t[0].isdigit()]
    if not numbers:
        return -0.3
    if measure:
        size = len(measure)
        for i in numbers:
            if tokens[i + 1 : i + 1 + size] == measure:
                return 0.4
        return 0.0
    return 0.1


def _period_bonus(question: Question, report: ReportInfo) -> float:
    """'năm 2024' is best answered by the year review, '6 tháng đầu năm' by the half-year one;
    with no unit named, a report of the period asked ranks above one of another period."""
    p = question.period
    if p is None:
        return 0.0
    bonus = 0.1 if p.part is not None and p.part == report.part and p.year in {None, report.year} else 0.0
    if report.year or report.when:
        bonus += 0.1 if p.covers(report, ahead=question.intent == "direction") else -0.2
    return bonus


def _recency(report: ReportInfo, *, per_year: float) -> float:
    """A tie-breaker: of two equally good passages, the newer report's. Stronger once the
    unit is named: a unit's latest report is what its members usually mean."""
    when = report.when
    if when is None:
        return -per_year  # undated: as if a year older than the reference
    years = (when.toordinal() - _RECENT) / 365.25
    return max(-_RECENCY_CAP, min(_RECENCY_CAP, years * per_year))
