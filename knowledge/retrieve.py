"""Retrieve stage: candidate passages from the index, ranked by the fitted model.

BM25 (tantivy) over folded syllables and syllable pairs finds candidate passages three ways:
over every passage, inside the reports the question's unit and period allow, and among the
passages of the reports whose whole text matches best. Nothing is filtered out by a facet: a
unit or period the question names, like every other signal (coverage, the kind of item, the
measure of a figure, a number that must appear), is a feature of knowledge/rank.py, whose
weights were fitted on real questions, not set by hand.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import tantivy

from knowledge import rank
from knowledge.catalog import Catalog, ReportInfo
from knowledge.index import SCHEMA, Hit, PassageIndex
from knowledge.rank import said
from knowledge.terms import syllables
from knowledge.understand import Question

CANDIDATES = 120  # passages from the open search
SCOPED = 60  # ... from inside the reports the unit and period allow
DOCUMENTS = 20  # reports by whole-text BM25
PER_DOCUMENT = 3  # passages of each of those not already among the candidates
PARAGRAPHS = 40  # paragraphs by BM25
PER_PARAGRAPH = 3  # passages of each of those not already among the candidates
SHORTLIST = 60  # candidates given the full features (see _shortlist)
SCOPED_SHORTLIST = 20  # ... and at most this many more from the reports the facets allow
_COMMON = 0.02  # a token in more passages than this share is common: no context clause
_PHRASES = 4  # word pairs searched as phrases, rarest first
_FILTER_BY_IDS = 1024  # up to this many allowed reports, filter by id; else by unit key


@dataclass(frozen=True, slots=True)
class Scored:
    hit: Hit
    score: float  # the fitted model's probability that this passage's report answers
    coverage: float  # share of the question's content matched by the passage
    report: ReportInfo
    anchored: bool = True  # its report says the question's anchors (meeting number, place)
    features: tuple[float, ...] = ()  # rank.FEATURES, as the model read them


@dataclass(slots=True)
class Retrieved:
    passages: list[Scored]
    allowed: list[ReportInfo] | None  # reports the facets allow (None: no facet given)
    unit_reports: list[ReportInfo]  # reports of the named units, whatever the period
    confidence: float = 0.0  # the fitted probability that the best passage's report answers


def allowed_reports(
    question: Question, catalog: Catalog
) -> tuple[list[ReportInfo] | None, list[ReportInfo]]:
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


def retrieve(
    question: Question,
    *,
    index: PassageIndex,
    catalog: Catalog,
    limit: int = CANDIDATES,
    fitted: bool = True,
) -> Retrieved:
    """Candidates from three searches, ranked by the fitted model (knowledge/rank.py):

    - the question's words over every passage (nothing filtered: a page is filed under one
      unit but may report on another);
    - the same inside the reports the question's unit and period allow, when it names them;
    - the best reports by BM25 over their whole text, and their best passages: a report that
      matches the question throughout must not lose to one that shares a fragment.

    ``fitted=False`` leaves every score 0 (bench/fit_ranking.py reads the features to fit).
    """
    allowed, of_units = allowed_reports(question, catalog)
    if allowed == [] and of_units and all(r.doc_type != "tin tức" for r in of_units):
        # The unit's own reports (no news page, whose unit and period are guesses) say which
        # periods it reported on, and none is the one asked: that is the answer ("Chưa có
        # báo cáo … cho năm 2019"), not another year's.
        return Retrieved([], allowed, of_units)
    total = max(index.size, 1)
    words = [*question.tokens, *facet_words(question)]
    seen = {t: index.doc_freq("f", t) for t in dict.fromkeys(words)}
    content = _query(words, seen, total)
    hits = index.search(content, limit=limit)
    if allowed:
        hits += index.search(
            _within(content, [r.id for r in allowed], _unit_keys(allowed)), limit=SCOPED
        )
    # Paragraphs and whole reports are matched on every word of the question: BM25 weighs the
    # common ones down, and "ai", "ngày nào" still say which paragraph answers.
    every = [*syllables(question.text), *words]
    docs = index.search_reports(every, limit=DOCUMENTS)
    present = {h.report_id for h in hits}
    missing = [r for r in docs if r not in present]
    if missing:
        hits += index.search(_within(content, missing, []), limit=PER_DOCUMENT * len(missing))
    paragraphs = index.search_paragraphs(every, limit=PARAGRAPHS)
    held = {(h.report_id, h.para) for h in hits}
    hits += index.passages_of(
        [key for key in paragraphs if key not in held], limit=PER_PARAGRAPH * PARAGRAPHS
    )
    weights, unseen = term_weights({t: seen[t] for t in question.tokens}, total)
    anchored = anchored_reports(question, index)
    scored = rerank(
        question,
        _unique(hits),
        catalog,
        weights=weights,
        unseen=unseen,
        anchored=anchored,
        docs=docs,
        paragraphs=paragraphs,
        allowed={r.id for r in allowed} if allowed is not None else None,
        fitted=fitted,
    )
    sure = confidence(scored) if fitted else 0.0
    return Retrieved(_best_report_first(scored) if fitted else scored, allowed, of_units, sure)


def _unique(hits: list[Hit]) -> list[Hit]:
    """One hit a passage (the searches overlap), BM25 order kept."""
    best: dict[tuple[int, int, str], Hit] = {}
    for hit in hits:
        key = (hit.report_id, hit.item_id, hit.kind)
        if key not in best or hit.score > best[key].score:
            best[key] = hit
    return sorted(best.values(), key=lambda h: h.score, reverse=True)


def _best_report_first(scored: list[Scored]) -> list[Scored]:
    """The best report's passages first, the one most likely to hold the answer leading
    (the passage model), then every other candidate as ranked."""
    if not scored:
        return scored
    report = scored[0].report.id
    passage = rank.model().passage
    own = sorted(
        (s for s in scored if s.report.id == report),
        key=lambda s: passage.probability(list(s.features)),
        reverse=True,
    )
    return [*own, *(s for s in scored if s.report.id != report)]


def holds(question: Question, scored: Scored) -> bool:
    """What an answer must satisfy whatever the ranking says: a number or code the question
    requires is written in the passage, its neighbours or its report's title ("62 suất" is
    never "162 suất"); the meeting it anchors on is its report's ("lần thứ 7"); a place it
    names is said where the answer is; a question about the Front is not answered by a page
    that never names it."""
    if question.required:
        present = {
            *scored.hit.line.split(),
            *scored.hit.context.split(),
            *rank.title_tokens(scored.report.title),
        }
        if not question.required <= present:
            return False
    if not scored.anchored:
        return False
    if question.units and not _may_speak_for(scored.report, question):
        return False
    if question.near and not said_near(
        question.near, scored.hit.line.split(), scored.hit.context.split()
    ):
        return False
    return not (question.about_front and not scored.report.front)


def _may_speak_for(report: ReportInfo, question: Question) -> bool:
    """A unit's own report (a meeting report, an issued document) speaks for that unit, its
    parents and the units inside it, never for an unrelated one: a question about Phường 2
    is not answered from Phường 12's or Liêm Hải's report. A news page's unit is a guess
    from its text, so it may speak for any unit it names (its words are ranked)."""
    unit = report.unit
    if report.doc_type == "tin tức" or unit is None:
        return True
    for asked in question.units:
        if unit == asked or (unit.key == asked.key and not (unit.parents and asked.parents)):
            return True
        if any(p.key == unit.key for p in asked.parents) or any(
            p.key == asked.key for p in unit.parents
        ):
            return True
    return False


def confidence(scored: list[Scored]) -> float:
    """How likely the best candidate's report answers the question (the fitted model)."""
    if not scored:
        return 0.0
    ranked = [(s.score, list(s.features), s.report.id) for s in scored[:20]]
    return rank.sure(rank.model(), ranked)


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


def facet_words(question: Question) -> list[str]:
    """The words of the facets understood (unit names, the places around them, the year):
    taken out of the content words, they still tell BM25 which pages speak of them."""
    words: list[str] = []
    for unit in question.units[:3]:
        words += syllables(unit.name)
        for place in unit.parents:
            words += syllables(place.name)
    if question.unknown_unit:
        words += syllables(question.unknown_unit.split(" ", 1)[-1])
    if question.period is not None and question.period.year:
        words.append(str(question.period.year))
    return [w for w in dict.fromkeys(words) if w not in question.tokens]


def _query(words: list[str], seen: dict[str, int], total: int) -> tantivy.Query:
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
        dict.fromkeys(itertools.pairwise(words)),
        key=lambda p: min(seen.get(p[0], 0), seen.get(p[1], 0)),
    )
    for pair in [p for p in pairs if min(seen.get(p[0], 0), seen.get(p[1], 0)) > 0][:_PHRASES]:
        should.append((tantivy.Occur.Should, tantivy.Query.boost_query(_phrase(list(pair)), 1.5)))
    if not should:
        should.append((tantivy.Occur.Should, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(should)


def _unit_keys(allowed: list[ReportInfo]) -> list[str]:
    return sorted({r.unit.key for r in allowed if r.unit}) or [""]


def _within(content: tantivy.Query, report_ids: list[int], unit_keys: list[str]) -> tantivy.Query:
    """Every passage of these reports is a candidate; the content words only rank them (a
    limitation need not repeat the question's words)."""
    if len(report_ids) <= _FILTER_BY_IDS or not unit_keys:
        scope = tantivy.Query.term_set_query(SCHEMA, "report", report_ids)
    else:
        scope = tantivy.Query.term_set_query(SCHEMA, "unit", unit_keys)
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, content), (tantivy.Occur.Must, scope)]
    )


def rerank(
    question: Question,
    hits: list[Hit],
    catalog: Catalog,
    *,
    weights: dict[str, float] | None = None,
    unseen: set[str] | None = None,
    anchored: set[int] | None = None,
    docs: dict[int, float] | None = None,
    paragraphs: dict[tuple[int, int], tuple[float, str]] | None = None,
    allowed: set[int] | None = None,
    fitted: bool = True,
) -> list[Scored]:
    """The candidates with their features and the fitted model's probability, best first."""
    if not hits:
        return []
    context = rank.asked(
        question,
        weights=weights or {},
        unseen=unseen or set(),
        top_bm25=max(h.score for h in hits),
        docs=docs or {},
        paragraphs=paragraphs or {},
        anchored=anchored,
        allowed=allowed,
    )
    model = rank.model().rank if fitted else None
    found = []
    for hit in _shortlist(context, hits):
        report = catalog.reports.get(hit.report_id)
        if report is not None:  # else deleted since the index was read
            found.append((hit, report, rank.features(context, hit, report)))
    rank.with_report_features([(report.id, values) for _, report, values in found])
    scored = []
    for hit, report, values in found:
        at = dict(zip(rank.FEATURES, values, strict=True))
        scored.append(
            Scored(
                hit,
                model.probability(values) if model else 0.0,
                max(at["coverage"], 0.7 * at["coverage_around"]),
                report,
                not at["anchor_missing"],
                tuple(values),
            )
        )
    if model is not None and question.exact:
        # Typed accents are the user's own disambiguation ("đê điều" is not "đề điều"),
        # which the folded index cannot see: among near-equal candidates they decide.
        lean = rank.model().exact_preference
        exact = rank.FEATURES.index("exact")
        # The lead goes to a passage that writes every accented word typed (a share would
        # give "đề điều tra" 4/5 of it against "đê điều").
        scored.sort(key=lambda s: s.score * (1 + lean * (s.features[exact] >= 1.0)), reverse=True)
    else:
        scored.sort(key=lambda s: s.score, reverse=True)
    return scored


def _ranks(hits: list[Hit]) -> list[int]:
    """Each hit's BM25 rank, equal scores sharing one (the index's order breaks no tie)."""
    ranks, previous, rank_of_previous = [], None, 0
    for position, hit in enumerate(hits):
        if hit.score != previous:
            previous, rank_of_previous = hit.score, position
        ranks.append(rank_of_previous)
    return ranks


def _shortlist(asked: rank.Asked, hits: list[Hit]) -> list[Hit]:
    """The candidates worth the full features, with their BM25 rank: the best by their
    passage's, paragraph's and report's BM25 together (each over its best). Measured on the
    tuning questions, the best SHORTLIST keep a right report for 99 % of those that have one
    among all candidates, at a quarter of the cost."""
    paragraphs = asked.paragraphs
    cheap = [
        (
            hit.score / asked.top_bm25
            + paragraphs.get((hit.report_id, hit.para), (0.0, ""))[0] / asked.top_para
            + asked.docs.get(hit.report_id, 0.0) / asked.top_doc,
            position,
            hit,
        )
        for position, hit in zip(_ranks(hits), hits, strict=True)
    ]
    cheap.sort(key=lambda c: (-c[0], c[1]))
    chosen = cheap[:SHORTLIST]
    if asked.allowed:
        # The reports the unit and period allow keep their best passages whatever their BM25:
        # "Phường 3 đạt được gì?" has no content word, and its report is the answer.
        taken = {id(c[2]) for c in chosen}
        chosen += [c for c in cheap if c[2].report_id in asked.allowed and id(c[2]) not in taken][
            :SCOPED_SHORTLIST
        ]
    return [hit for _, _, hit in chosen]


def said_near(words: set[str], tokens: list[str], around: list[str]) -> bool:
    """Whether each word (or pair "long_bien") is written in the passage or its context."""
    return all(said(w, tokens) or said(w, around) for w in words)


def counts(tokens: list[str], measure: list[str]) -> bool:
    """Whether a number in the passage counts the measure asked ("607 phần quà", "5 cuộc/300
    lượt người" for "người", "10 đồng chí đại diện ban …" for "ban"): its first word within
    five tokens after the number."""
    head = measure[0]
    return any(t[0].isdigit() and head in tokens[i + 1 : i + 6] for i, t in enumerate(tokens))
