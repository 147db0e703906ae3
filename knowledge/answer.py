"""Answer stage: ranked passages → the direct answer, supporting passages and citations.

Plain data only; handlers/render.py turns it into the Vietnamese a reader sees. The direct
answer comes first (the figure with its unit and qualifier, the person with their role, the
date), then a few supporting passages grouped by report, each report cited (unit, meeting
date, source). When nothing fits, ``found`` is false, nothing is cited, and ``suggestions``
say what the collection does hold for that unit or period.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Engine

from knowledge import rank, store
from knowledge.catalog import ReportInfo, choice_labels
from knowledge.citing import shown_name
from knowledge.extract.dates import explicit_dates
from knowledge.rank import GENERIC, said
from knowledge.retrieve import Retrieved, Scored, confidence, counts, holds
from knowledge.terms import bigrams, code_token, syllables
from knowledge.text import fold
from knowledge.understand import Question

NEAREST_COVERAGE = 0.3  # a passage this close is worth showing as a hint when nothing fits
PER_REPORT = 4
MAX_REPORTS = 3


@dataclass(slots=True)
class Source:
    """A cited report. ``meeting_date`` is the date shown (the meeting's, else the date
    published, as ``date_kind`` says); ``name`` is how a member is shown the source (never a
    server path, see knowledge/citing.py) and ``url`` the page's address when its source gave
    one; ``source`` stays the report's source as ingested."""

    report_id: int
    source: str
    title: str
    unit: str | None
    meeting_date: str | None
    published_date: str | None = None
    date_kind: str | None = None  # "meeting" | "published" | None
    url: str | None = None
    name: str = ""
    # The 2025 reform, when the question's unit went into or took in this one: {"now": the
    # units a legacy one is part of} or {"took_in": the legacy units a 2025 one took in}.
    reform: dict[str, list[str]] | None = None

    @classmethod
    def of(cls, report: ReportInfo) -> Source:
        when = report.when
        return cls(
            report.id,
            report.source,
            report.title,
            report.unit.label if report.unit else None,
            when.isoformat() if when else None,
            report.published_date.isoformat() if report.published_date else None,
            report.date_kind,
            report.url,
            shown_name(report.source),
        )


@dataclass(slots=True)
class Passage:
    text: str
    kind: str
    by: str | None = None
    heading: str = ""


@dataclass(slots=True)
class Group:
    """One report's contribution to an answer."""

    source: Source
    period: dict[str, Any] | None
    passages: list[Passage] = field(default_factory=list)


@dataclass(slots=True)
class Answer:
    found: bool
    intent: str
    question: str
    unit: str | None = None
    period: dict[str, Any] | None = None
    lead: dict[str, Any] | None = None  # the direct answer; "kind" says which shape
    groups: list[Group] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)  # reports close to the ask
    reason: str | None = None  # why nothing was found: unknown_unit | no_period | no_match | empty
    nearest: dict[str, Any] | None = None  # when nothing fits: the closest passage, as a hint
    context: dict[str, Any] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    @property
    def sources(self) -> list[Source]:
        return [g.source for g in self.groups] if self.found else []

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = [asdict(s) for s in self.sources]
        return data


def period_of(report: ReportInfo) -> dict[str, Any] | None:
    return {"year": report.year, "part": report.part} if report.year else None


def period_asked(question: Question) -> dict[str, Any] | None:
    p = question.period
    return {"year": p.year, "part": p.part, "term": p.term} if p else None


def unit_asked(question: Question) -> str | None:
    if question.scope:
        return question.scope
    if question.reform_asked:
        return question.reform_asked
    if question.units:
        return question.units[0].label
    return question.unknown_unit


def not_found(question: Question, retrieved: Retrieved | None, reason: str) -> Answer:
    """Nothing fits: say what is close (the unit's reports, other periods), cite nothing."""
    answer = Answer(
        False, question.intent, question.text, unit_asked(question), period_asked(question)
    )
    answer.reason = reason
    close = retrieved.unit_reports if retrieved else []
    answer.suggestions = [describe(r) for r in close[:5]]
    answer.choices = list(dict.fromkeys(s["unit"] for s in answer.suggestions if s["unit"]))
    nearest = _nearest(retrieved)
    if nearest is not None:
        answer.nearest = {"text": nearest.hit.text, **describe(nearest.report)}
    return answer


def _nearest(retrieved: Retrieved | None) -> Scored | None:
    """The passage that came closest, offered as a lead to follow (never as the answer)."""
    if retrieved is None:
        return None
    for scored in retrieved.passages[:3]:
        if scored.hit.kind != "title" and scored.coverage >= NEAREST_COVERAGE and scored.anchored:
            return scored
    return None


def describe(report: ReportInfo) -> dict[str, Any]:
    """Data for 'Có báo cáo của …' (the renderer phrases it)."""
    return {
        "report_id": report.id,
        "unit": report.unit.label if report.unit else None,
        "title": report.title,
        "period": period_of(report),
        "date": report.when.isoformat() if report.when else None,
    }


def compose(
    question: Question, retrieved: Retrieved, *, engine: Engine, sources: int = MAX_REPORTS
) -> Answer:
    """The answer from the retrieved passages: the best passage's report first (the fitted
    ranking chose it), then up to ``sources`` reports quoted; nothing when the fitted
    confidence is under its threshold (the best passage is then offered as a hint)."""
    if not retrieved.passages:
        reason = "no_period" if retrieved.unit_reports else "no_match"
        return not_found(question, retrieved, reason)
    passages = [p for p in retrieved.passages if holds(question, p)]
    if question.item_kind and question.units and retrieved.allowed and not specific(question):
        # "Phường 2 có hạn chế gì?": the unit and the kind say it all, nothing to rank or
        # doubt; the unit's report lists them, or it lists none.
        return _listed(question, passages, retrieved, engine, sources=sources)
    sure = retrieved.confidence if passages[:1] == retrieved.passages[:1] else confidence(passages)
    # A question that names a unit and asks nothing beyond what every report says ("ai ký báo
    # cáo của phường 3", "Phường 2 họp ngày nào") is answered by that unit's report: the
    # facets chose it, there is no ranking to doubt.
    determined = (
        bool(passages)
        and bool(retrieved.allowed)
        and not specific(question)
        and (passages[0].report in (retrieved.allowed or []))
    )
    if (
        not passages
        or (sure < rank.model().threshold and not determined)
        or not _counted(question, passages)
    ):
        return not_found(question, retrieved, "no_match")
    passages = _anchored_first(question, passages)
    best = passages[0]
    answer = Answer(
        True, question.intent, question.text, unit_asked(question), period_asked(question)
    )
    groups = (
        kind_groups(question, passages, retrieved, engine, sources=sources)
        if question.item_kind
        else []
    )
    if question.item_kind and (not groups or groups[0].source.report_id != best.report.id):
        if not specific(question):
            # "Xã X có hạn chế gì?" and its report lists none: say so, quote nothing else.
            return not_found(question, retrieved, "no_kind")
        # The kind was read from a word of a question about something else ("vướng mắc
        # thì liên hệ ai"): what the best report says is the answer.
        groups = []
    if not groups:
        groups = _groups(question, passages, engine, sources=sources)
    answer.groups = groups
    first = answer.groups[0]
    answer.unit = (
        answer.unit or first.source.unit or (best.report.unit.label if best.report.unit else None)
    )
    answer.period = answer.period or first.period or period_of(best.report)
    answer.lead = _lead(question, passages, answer.groups, engine) or _passage_lead(best, question)
    asked = [u for u in question.units if u not in question.related]
    if len(asked) > 1:
        answer.choices = choice_labels(asked)
    return answer


def _anchored_first(question: Question, passages: list[Scored]) -> list[Scored]:
    """Of the best report's passages, those that name the meeting asked ("lần thứ ba") lead:
    its date or its decisions, not the second meeting's written beside them."""
    if not question.anchors:
        return passages
    report = passages[0].report.id
    own = [p for p in passages if p.report.id == report]
    here = [p for p in own if all(said(a, p.hit.line.split()) for a in question.anchors)]
    rest = [p for p in own if p not in here]
    return [*here, *rest, *(p for p in passages if p.report.id != report)]


def _listed(
    question: Question,
    passages: list[Scored],
    retrieved: Retrieved,
    engine: Engine,
    *,
    sources: int,
) -> Answer:
    own = [p for p in passages if retrieved.allowed and p.report in retrieved.allowed]
    groups = kind_groups(question, own or passages, retrieved, engine, sources=sources)
    if not groups:
        return not_found(question, retrieved, "no_kind")
    answer = Answer(
        True, question.intent, question.text, unit_asked(question), period_asked(question)
    )
    answer.groups = groups
    answer.period = answer.period or groups[0].period
    answer.lead = {
        "kind": "items",
        "item_kind": question.item_kind,
        "count": len(groups[0].passages),
    }
    asked = [u for u in question.units if u not in question.related]
    if len(asked) > 1:
        answer.choices = choice_labels(asked)
    return answer


def specific(question: Question) -> bool:
    """Whether the question has words of its own beyond those every Front report uses (and a
    document's code): "Phường 2 có hạn chế gì?" has none, "vướng mắc về hiệp thương thì liên
    hệ ai" has."""
    codes = {code_token(c) for c in question.codes} | {
        t for c in question.codes for t in syllables(c)
    }
    return any(t not in GENERIC and t not in codes for t in question.tokens)


# What is asked of a document itself, not of its content: "nói về gì", "được nhắc đến ở đâu",
# "ban hành ngày nào", "ai ký", "của cơ quan nào".
_OF_A_DOCUMENT = frozenset(
    ["noi", "ve", "nhac", "den", "dau", "ban", "hanh", "ky", "co", "quan", "van", "noi", "dung",
     "quy", "dinh", "chi", "thi", "ke", "hoach", "huong", "dan", "quyet", "thong", "tri", "nq"]
)  # fmt: skip


def about_the_document(question: Question) -> bool:
    """A question with a document's code that asks only of the document itself."""
    codes = {code_token(c) for c in question.codes} | {
        t for c in question.codes for t in syllables(c)
    }
    return bool(codes) and all(
        t in GENERIC or t in codes or t in _OF_A_DOCUMENT for t in question.tokens
    )


def kind_groups(
    question: Question,
    passages: list[Scored],
    retrieved: Retrieved,
    engine: Engine,
    *,
    sources: int = MAX_REPORTS,
) -> list[Group]:
    """Items of the kind asked (limitations, directions...) from the best matching reports,
    those carrying figures first, then by relevance, then in document order."""
    wanted = question.item_kind
    # With nothing to match but the kind and words every report uses ("chương trình công tác
    # Mặt trận"), scores say nothing: keep the report's own order, figures first.
    kinds = {wanted, _RELATED.get(wanted or "")}
    # Within a report, which items answer is the passage model's call (the report model
    # scores every passage of one report alike).
    passage = rank.model().passage
    relevance = {
        s.hit.item_id: passage.probability(list(s.features))
        for s in passages
        if s.hit.kind in kinds and specific(question)
    }
    # The best passage's report first: the ranking chose it; then reports with items asked.
    ranked = list(
        dict.fromkeys(
            [
                *(s.report.id for s in passages[:1]),
                *(s.report.id for s in passages if s.hit.kind == wanted),
            ]
        )
    )
    if retrieved.allowed is not None:  # the unit/period named: its reports, newest first
        ranked += [r.id for r in retrieved.allowed if r.id not in ranked][:sources]
    reports = {s.report.id: s.report for s in passages} | {r.id: r for r in retrieved.allowed or []}
    considered = ranked[: sources * 2]
    items = store.items_of(engine, considered, kind=wanted)
    if not items and wanted in _RELATED:  # "đề nghị ... thời gian tới": either list will do
        items = store.items_of(engine, considered, kind=_RELATED[wanted])
    items = _by_person_asked(question, items, engine)
    figures = _figure_raws(engine, considered)
    groups: list[Group] = []
    for report_id in considered:
        own = [i for i in items if i["report_id"] == report_id]
        if not own:
            continue
        own.sort(key=lambda i: (-_item_rank(i, relevance, figures), i["position"]))
        report = reports[report_id]
        limit = PER_REPORT + 1 if not groups else 2
        passages_ = [
            Passage(snippet(i["text"], question), i["kind"], i["by"], i["heading"] or "")
            for i in own[:limit]
        ]
        groups.append(Group(Source.of(report), period_of(report), passages_))
        if len(groups) >= (1 if retrieved.allowed is not None and question.units else sources):
            break
    return groups


_RELATED = {"directive": "direction", "direction": "directive"}


def _by_person_asked(
    question: Question, items: list[dict[str, Any]], engine: Engine
) -> list[dict[str, Any]]:
    """ "Ông Vi Văn Thắng chỉ đạo gì?", "Bí thư Huyện ủy Đình Lập chỉ đạo gì?": the items of
    the person the question names, by name or by the role they hold; otherwise all of them."""
    asked = f" {question.folded} "
    # An item made jointly names its people "A, B".
    authors = {
        name for i in items if i["by"] for name in i["by"].split(", ") if len(name.split()) >= 2
    }
    named = {name for name in authors if f" {fold(name)} " in asked}
    if not named and authors:
        holders = store.people_of(engine, sorted({int(i["report_id"]) for i in items if i["by"]}))
        named = {
            p["name"] for p in holders if p["name"] in authors and _role_named(p["role"], asked)
        }
    if not named:
        return items
    return [i for i in items if i["by"] and named & set(i["by"].split(", "))]


_ROLE_WORDS = 3  # "Bí thư Huyện ủy Đình Lập": a title and its body, not a bare "Chủ tịch"


def _role_named(role: str | None, asked: str) -> bool:
    parts = re.split(r"\s*(?:,|\s[–—-]\s)\s*", fold(role or ""))
    return any(len(part.split()) >= _ROLE_WORDS and f" {part} " in asked for part in parts)


def _figure_raws(engine: Engine, report_ids: list[int]) -> dict[int, set[tuple[str, float]]]:
    """Each report's figures as (raw, value): "77 cuộc/2288 lượt" is two, "6 khu phố" written
    in two items is one."""
    raws: dict[int, set[tuple[str, float]]] = {}
    for figure in store.figures_of(engine, report_ids):
        raws.setdefault(int(figure["report_id"]), set()).add((figure["raw"], figure["value"]))
    return raws


def _item_rank(
    item: dict[str, Any], relevance: dict[int, float], figures: dict[int, set[tuple[str, float]]]
) -> float:
    """Relevance to the question, plus a lift for items that carry figures (figure first)."""
    count = sum(raw in item["text"] for raw, _ in figures.get(int(item["report_id"]), set()))
    return relevance.get(int(item["id"]), 0.0) + 0.15 * min(count, 4)


def _counted(question: Question, passages: list[Scored]) -> bool:
    """A "bao nhiêu X" question needs a passage among the best that counts X at all:
    "Phường 2 có bao nhiêu con mèo?" is not answered by its other figures."""
    measure = (
        syllables(question.measure) if question.intent == "figure" and question.measure else []
    )
    return not measure or any(counts(p.hit.line.split(), measure) for p in passages[:10])


def _groups(
    question: Question, passages: list[Scored], engine: Engine, *, sources: int
) -> list[Group]:
    """The best report first, then the others that also match, newest first."""
    best = passages[0]
    threshold = best.score * rank.model().supporting
    chosen: dict[int, list[Scored]] = {}
    wanted = question.item_kind
    named = set(question.units)
    for scored in passages:
        if scored.score < threshold or scored.hit.kind == "title":
            continue
        if named and scored.report.id != best.report.id and scored.report.unit not in named:
            continue  # a unit was asked about: another unit's report is no support
        if wanted and best.hit.kind == wanted and scored.hit.kind != wanted:
            continue  # a list of limitations, not limitations and whatever else matched
        if len(chosen) >= sources and scored.report.id not in chosen:
            continue
        chosen.setdefault(scored.report.id, []).append(scored)
    if best.report.id not in chosen:  # the best was the report's title: cite it all the same
        chosen[best.report.id] = [best]
    rows = store.items_by_id(engine, [s.hit.item_id for v in chosen.values() for s in v])
    others = sorted(
        (i for i in chosen if i != best.report.id),
        key=lambda i: chosen[i][0].report.sort_key,
        reverse=True,
    )
    order = [best.report.id, *others]
    groups = []
    for report_id in order:
        report = chosen[report_id][0].report
        group = Group(Source.of(report), period_of(report))
        for scored in chosen[report_id][:PER_REPORT]:
            row = rows.get(scored.hit.item_id, {})
            group.passages.append(
                Passage(
                    snippet(scored.hit.text, question),
                    scored.hit.kind,
                    row.get("by"),
                    row.get("heading") or "",
                )
            )
        groups.append(group)
    return groups


def _lead(
    question: Question, passages: list[Scored], groups: list[Group], engine: Engine
) -> dict[str, Any] | None:
    best = passages[0]
    if question.intent in {"figure", "aggregate"}:
        return figure_lead(question, best, engine)
    if question.intent == "author":
        return author_lead(question, best, engine) or _passage_lead(best, question)
    if question.intent == "people":
        said = [p.hit.text for p in passages[:5] if p.report.id == best.report.id]
        own = best.report.unit in question.units
        return person_lead(question, best.report.id, engine, said=said, own=own) or _passage_lead(
            best, question
        )
    if question.intent == "date":
        return date_lead(best)
    if question.item_kind:
        return {"kind": "items", "item_kind": question.item_kind, "count": len(groups[0].passages)}
    if question.intent == "place":
        return place_lead(best, question)
    return _passage_lead(best, question)


def _passage_lead(best: Scored, question: Question | None = None) -> dict[str, Any]:
    return {
        "kind": "passage",
        "text": snippet(best.hit.text, question) if question else best.hit.text,
    }


SNIPPET = 320  # characters of a long passage shown: the clauses that hold the question's words
_CLAUSE = re.compile(r"(?<=[,;:.…])\s+")


def _pieces(clause: str, size: int) -> list[str]:
    """A clause longer than ``size`` as runs of whole words (so a window can start inside it)."""
    if len(clause) <= size:
        return [clause]
    pieces, current = [], ""
    for word in clause.split():
        if current and len(current) + len(word) + 1 > size:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*pieces, current] if current else pieces


def snippet(text: str, question: Question, *, limit: int = SNIPPET) -> str:
    """The run of clauses, at most ``limit`` characters, holding the most of the question's
    words, with "…" where text was left out: short answers, the part that answers kept."""
    if len(text) <= limit:
        return text
    parts = [piece for clause in _CLAUSE.split(text) for piece in _pieces(clause, limit // 2)]
    wanted = set(question.tokens)
    pairs = set(bigrams(question.tokens))
    numbers = question.intent in {"figure", "aggregate", "date", "event"}
    best, best_score = (0, 1), -1
    for start in range(len(parts)):
        end, size = start, 0
        while end < len(parts) and size + len(parts[end]) + 1 <= limit:
            size += len(parts[end]) + 1
            end += 1
        if end == start:
            continue
        tokens = syllables(" ".join(parts[start:end]))
        score = len(wanted & set(tokens)) + 2 * len(pairs & set(bigrams(tokens)))
        if numbers and any(t[0].isdigit() for t in tokens):
            score += 3  # a "bao nhiêu" question is answered by the clause with the number
        if score > best_score:
            best, best_score = (start, end), score
    start, end = best
    body = " ".join(parts[start:end])
    return ("…" if start else "") + body + ("…" if end < len(parts) else "")


# -- figures ---------------------------------------------------------------------------------


def figure_lead(question: Question, best: Scored, engine: Engine) -> dict[str, Any] | None:
    figures = [
        f for f in store.figures_of(engine, [best.report.id]) if in_passage(f, best.hit.text)
    ]
    if not figures:
        return _passage_lead(best, question)
    figure = pick_figure(question, figures)
    lead = {"kind": "figure", **_figure_data(figure)}
    if figure["grp"] is not None:  # "77 cuộc/2288 lượt", "8.000.000/21.000.000": read together
        lead["together"] = [
            _figure_data(f) for f in figures if f["grp"] == figure["grp"] and f is not figure
        ]
    lead["passage"] = best.hit.text
    return lead


def in_passage(figure: dict[str, Any], passage: str) -> bool:
    return figure["raw"] in passage or fold(figure["raw"]) in fold(passage)


def pick_figure(question: Question, figures: list[dict[str, Any]]) -> dict[str, Any]:
    """The figure whose unit of measure is the one asked, else the one whose phrase best
    matches the question; an achieved value before its target."""
    wanted = question.measure

    def score(figure: dict[str, Any]) -> float:
        value = (
            fuzz.partial_ratio(" ".join(question.tokens), " ".join(syllables(figure["text"]))) / 100
        )
        if wanted and _unit_matches(figure["unit"], wanted):
            value += 1.0
        if figure["role"] in {"target", "max"}:
            value -= 0.2
        return value

    return max(figures, key=score)


def _unit_matches(unit: str, wanted: str) -> bool:
    have, want = fold(unit), fold(wanted)
    return (
        have == want
        or have.startswith(want)
        or want.startswith(have)
        or have.split()[-1] == want.split()[-1]
    )


def _figure_data(figure: dict[str, Any]) -> dict[str, Any]:
    return {
        "value": figure["value"],
        "unit": figure["unit"],
        "qualifier": figure["qualifier"],
        "raw": figure["raw"],
        "role": figure["role"],
        "text": figure["text"],
    }


# -- people ----------------------------------------------------------------------------------

_RELATIONS = {
    "chaired": r"chu tri|chu toa",
    "directed": r"chi dao|ket luan|phat bieu chi dao",
    "attended": r"du|tham du|dai bieu",
    "spoke": r"phat bieu",
    "reported": r"bao cao|trinh bay",
}


_NOT_NAME_ENDS = {"chủ", "phó", "bí", "tổng", "trưởng", "thường", "ủy", "ban"}


def _a_name(name: str) -> bool:
    """Extraction can take "Đoàn Chủ (tịch)" or "Ủy ban T" for a name: two words or more,
    none of them a role's first word."""
    words = name.split()
    return len(words) >= 2 and words[-1].lower() not in _NOT_NAME_ENDS and len(words[-1]) > 1


_ROLE_MATCH = 1.0  # partial role match + exact head ("Chủ tịch" for "Chủ tịch") or relation
# "Ai chỉ đạo?": the one who directed outranks one the best passages merely name as present.
_ASKED_RELATION = 0.5
_EDITOR = re.compile(r"\b(bien tap|chiu trach nhiem (noi dung|xuat ban)|trang thong tin)\b")


def person_lead(
    question: Question,
    report_id: int,
    engine: Engine,
    *,
    said: list[str] | None = None,
    own: bool = True,
) -> dict[str, Any] | None:
    """The person the question asks for: among those the best passages name (in the report's
    people, with their roles), else one of the report's people whose role matches well;
    else None (the passage itself is then the answer)."""
    if _EDITOR.search(question.folded):
        editor = store.report_meta(engine, report_id).get("editor")
        if editor:
            return {"kind": "person", "name": editor, "role": None, "relation": "editor",
                    "passage": None, "others": []}  # fmt: skip
    people = [p for p in store.people_of(engine, [report_id]) if _a_name(p["name"])]
    places = _places_asked(question)
    if places:  # the role of the place asked, not a visitor's from elsewhere
        people = [p for p in people if _holds_role_here(p, places, own=own)]
    if not people:
        return None
    folded = question.folded
    named = {p["name"] for p in people if said and any(p["name"] in text for text in said)}

    def score(person: dict[str, Any]) -> float:
        role = fold(person["role"] or "")
        value = fuzz.partial_ratio(role, folded) / 100 if role else 0.0
        value += _role_head_bonus(role, folded) + _role_level_bonus(role, question)
        pattern = _RELATIONS.get(person["relation"])
        if pattern and re.search(rf"\b({pattern})\b", folded):
            value += _ASKED_RELATION
        return value + (0.4 if person["name"] in named else 0.0)

    person = max(people, key=score)
    if person["name"] not in named and score(person) < _ROLE_MATCH:
        return None  # nobody the passages name: a report-wide guess would mislead
    pattern = _RELATIONS.get(person["relation"])
    if pattern and re.search(rf"\b({pattern})\b", folded):
        # "Ai chủ trì?" when two co-chaired: name them all, in the report's order.
        fellows = [p for p in people if p["relation"] == person["relation"]]
        person, others = fellows[0], fellows[1:4]
    else:
        others = []
    return {
        "kind": "person",
        "name": person["name"],
        "role": person["role"],
        "relation": person["relation"],
        "passage": person["sentence"],
        "others": [{"name": p["name"], "role": p["role"]} for p in others],
    }


def author_lead(question: Question, best: Scored, engine: Engine) -> dict[str, Any] | None:
    """ "Ai viết bài?": the byline, or who signed an issued document; else the page's editor
    in charge (its footer)."""
    meta = store.report_meta(engine, best.report.id)
    if best.report.author and best.report.author == meta.get("signer"):
        return {"kind": "person", "name": best.report.author, "role": meta.get("signer_role"),
                "relation": "signed", "passage": None, "others": []}  # fmt: skip
    if best.report.author:
        return {"kind": "person", "name": best.report.author, "role": None, "relation": "author",
                "passage": None, "others": []}  # fmt: skip
    editor = meta.get("editor")
    if editor:
        return {"kind": "person", "name": editor, "role": None, "relation": "editor",
                "passage": None, "others": []}  # fmt: skip
    return None


_CENTRAL_ROLE = re.compile(r"\b(trung uong|t\.u|tw|ubtu)\b")


def _holds_role_here(person: dict[str, Any], places: list[str], *, own: bool) -> bool:
    """The person's role or sentence names the place asked; or the report is that unit's
    own and the role is not a national one ("Chủ tịch UBMTTQ thị xã" in Hồng Lĩnh's report)."""
    text = fold(f"{person['role'] or ''} {person['sentence']}")
    if any(name in text for name in places):
        return True
    return own and not _central(person)


_NEAR_NAME = 60  # characters either side of a name without a role that may still say "TƯ"


def _central(person: dict[str, Any]) -> bool:
    """A national role: read from the role, not the whole sentence, whose "Chỉ thị 05-CT/TW"
    says nothing about the person."""
    role = fold(person["role"] or "")
    if role:
        return bool(_CENTRAL_ROLE.search(role))
    sentence, name = fold(person["sentence"]), fold(person["name"])
    at = sentence.find(name)
    near = sentence[max(0, at - _NEAR_NAME) : at + len(name) + _NEAR_NAME] if at >= 0 else sentence
    return bool(_CENTRAL_ROLE.search(near))


def _places_asked(question: Question) -> list[str]:
    """The folded names of the units a question names (not the national committee)."""
    return [
        fold(u.name) for u in question.units if u.level != "trung ương" and not u.name.isdigit()
    ]


def _role_head_bonus(role: str, folded: str) -> float:
    """'Phó Chủ tịch' and 'Chủ tịch' differ in one word that matters: match the head exactly."""
    heads = ("pho chu tich", "chu tich", "pho bi thu", "bi thu", "truong ban", "uy vien")
    asked = next((h for h in heads if h in folded), None)
    have = next((h for h in heads if role.startswith(h) or f" {h}" in role[:20]), None)
    if asked is None or have is None:
        return 0.0
    return 0.5 if asked == have else -0.5


_ROLE_LEVEL = re.compile(r"\b(thi tran|thi xa|thanh pho|xa|phuong|huyen|quan|tinh)\b")


def _role_level_bonus(role: str, question: Question) -> float:
    """'Phó Chủ tịch MTTQ thị trấn Đồng Văn' is not the district's Phó Chủ tịch who attended:
    the level the role names must be the first level the question names (the role's own,
    "… MTTQ tỉnh Lạng Sơn dự hội nghị ở Đình Lập")."""
    asked, have = _ROLE_LEVEL.search(question.folded), _ROLE_LEVEL.search(role)
    if asked is None or have is None:
        return 0.0
    return 0.3 if have.group(1) == asked.group(1) else -0.5


# -- places ---------------------------------------------------------------------------------

_AT = re.compile(
    r"\b(?:tại|ở)\s+((?:[^\W\d_]+\s?){1,8}?)(?=[,.;:(]|\s+(?:đã|sẽ|vào|từ|với|nhằm|để)\b|$)"
)


def place_lead(best: Scored, question: Question) -> dict[str, Any]:
    """ "Ở đâu?": the place the passage writes after "tại"/"ở", else the passage itself."""
    found = _AT.search(best.hit.text)
    if found is None:
        return _passage_lead(best, question)
    return {"kind": "place", "place": found[1].strip(), "passage": best.hit.text}


# -- dates -----------------------------------------------------------------------------------


_WRITTEN_DATE = re.compile(r"\b(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\b")


def date_lead(best: Scored) -> dict[str, Any]:
    """The date the passage writes ("Ngày 18/3/2021", "(18-11-2018)", "ngày 15/6" with the
    report's year), else the meeting's own date."""
    when = best.report.when
    if best.hit.kind == "title":  # the meeting itself: its date, the passages tell the rest
        return {"kind": "date", "date": when.isoformat() if when else None, "passage": None}
    written = _written_date(best.hit.text, best.report)
    if written:
        return {"kind": "date", "date": written, "passage": best.hit.text}
    return {"kind": "date", "date": when.isoformat() if when else None, "passage": best.hit.text}


def _written_date(text: str, report: ReportInfo) -> str | None:
    dates = explicit_dates(text)
    if dates:
        return dates[0]
    fallback = report.year or (report.when.year if report.when else None)
    for match in _WRITTEN_DATE.finditer(text):
        day, month, year = int(match[1]), int(match[2]), int(match[3]) if match[3] else fallback
        if year and 1 <= month <= 12 and 1 <= day <= 31:
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                continue
    return None
