"""Answers that span reports: document look-up, coverage, timeline, totals and comparison
(directive follow-through is knowledge/followup.py). Each returns the same Answer shape as a
plain search, with a ``lead`` of its own kind and every report it used cited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Engine

from knowledge import store
from knowledge.answer import (
    Answer,
    Group,
    Passage,
    Source,
    in_passage,
    not_found,
    period_asked,
    period_of,
    pick_figure,
    unit_asked,
)
from knowledge.catalog import Catalog, Place
from knowledge.citing import shown_name
from knowledge.index import PassageIndex
from knowledge.retrieve import Retrieved, allowed_reports, retrieve
from knowledge.terms import code_token, syllables
from knowledge.text import fold
from knowledge.understand import Period, Question


def _answer(question: Question, lead: dict[str, Any], groups: list[Group]) -> Answer:
    answer = Answer(True, question.intent, question.text, unit_asked(question), period_asked(question))
    answer.lead = lead
    answer.groups = groups
    return answer


# -- documents -------------------------------------------------------------------------------


def document(question: Question, *, engine: Engine, catalog: Catalog) -> Answer | None:
    """'Chỉ thị 05-CT/TW nói về gì?': the document's subject and the reports that cite it."""
    code = question.codes[0]
    token = code_token(code)
    number = code.split("-")[0].split("/")[0]
    refs = [r for r in store.doc_refs_numbered(engine, number) if code_token(r["code"]) == token]
    if question.units:
        mine = {i for u in question.units for i in catalog.by_unit.get(u, ())}
        refs = [r for r in refs if r["report_id"] in mine] or refs
    refs = [r for r in refs if r["report_id"] in catalog.reports]
    own = [
        d for d in store.documents_numbered(engine, number)
        if code_token(d["doc_code"]) == token and d["id"] in catalog.reports
    ]  # fmt: skip
    if own:  # the document itself is stored: it describes itself, its provisions come first
        return _stored_document(question, own[-1], refs, engine=engine, catalog=catalog)
    if not refs:
        return None
    described = max(refs, key=lambda r: (bool(r["subject"]), bool(r["issuer"]), bool(r["date"])))
    lead = {
        "kind": "document",
        "code": described["code"],
        "doc_kind": described["kind"],
        "issuer": described["issuer"],
        "date": described["date"].isoformat() if described["date"] else None,
        "subject": described["subject"],
        "cited_by": len({r["report_id"] for r in refs}),
    }
    return _document_answer(question, lead, refs, [], catalog=catalog)


_PROVISIONS = 3


def _stored_document(
    question: Question, document_row: dict[str, Any], refs: list[dict[str, Any]], *, engine: Engine, catalog: Catalog
) -> Answer:
    """"Kế hoạch 25/KH-MTTQ-BTT": its issuer, date and subject, its first provisions, then the
    reports that cite it."""
    code = document_row["doc_code"]
    kind = document_row["title"].split(code, 1)[0].strip().lower() or "văn bản"
    issued = document_row["published_date"]
    citing = [r for r in refs if r["report_id"] != document_row["id"]]
    lead = {
        "kind": "document",
        "code": code,
        "doc_kind": kind,
        "issuer": document_row["issuer"],
        "date": issued.isoformat() if issued else None,
        "subject": document_row["subject"],
        "cited_by": len({r["report_id"] for r in citing}),
        "stored": True,
    }
    report = catalog.reports[document_row["id"]]
    items = store.items_of(engine, [report.id])
    # Section headings ("II. NỘI DUNG") say nothing on their own.
    provisions = [i for i in items if i["kind"] != "other" and not i["text"].isupper()] or items
    own = Group(Source.of(report), period_of(report), [Passage(i["text"], i["kind"]) for i in provisions[:_PROVISIONS]])
    return _document_answer(question, lead, citing, [own], catalog=catalog)


def _document_answer(
    question: Question, lead: dict[str, Any], refs: list[dict[str, Any]], first: list[Group], *, catalog: Catalog
) -> Answer:
    groups: dict[int, Group] = {}
    for ref in sorted(refs, key=lambda r: catalog.reports[r["report_id"]].sort_key, reverse=True):
        report = catalog.reports[ref["report_id"]]
        group = groups.setdefault(report.id, Group(Source.of(report), period_of(report)))
        if len(group.passages) < 3:
            group.passages.append(Passage(ref["sentence"], "reference"))
    answer = _answer(question, lead, [*first, *groups.values()][:5])
    answer.intent = "document"
    return answer


# -- coverage and timeline -------------------------------------------------------------------


def coverage(question: Question, *, catalog: Catalog) -> Answer:
    """'Có những báo cáo nào của xã Liêm Hải?': the unit's reports, newest first."""
    allowed, of_units = allowed_reports(question, catalog)
    reports = allowed if allowed is not None else list(catalog.reports.values())
    inside = {u for u in catalog.by_unit if any(u.within(Place(q.level, q.name)) for q in question.units)}
    if inside:  # a province's list holds its districts' and communes' reports too
        reports = list({r.id: r for r in [*reports, *catalog.reports_of(inside)]}.values())
    if not reports:
        return not_found(question, Retrieved([], allowed, of_units), "no_period" if of_units else "no_match")
    reports = sorted(reports, key=lambda r: (r.front, r.sort_key), reverse=True)
    lead = {"kind": "reports", "count": len(reports)}
    groups = [Group(Source.of(r), period_of(r)) for r in reports[:10]]
    return _answer(question, lead, groups)


def timeline(question: Question, *, engine: Engine, catalog: Catalog) -> Answer:
    """A unit's reports oldest first, each with its headline figures."""
    allowed, of_units = allowed_reports(question, catalog)
    if not question.units or not allowed:
        return not_found(question, Retrieved([], allowed, of_units), "no_match")
    reports = sorted(allowed, key=lambda r: r.sort_key)[-12:]
    figures = store.figures_of(engine, [r.id for r in reports])
    rows = []
    for report in reports:
        own = list({f["raw"]: f for f in figures if f["report_id"] == report.id}.values())
        if question.tokens:
            own.sort(key=lambda f: -fuzz.partial_ratio(" ".join(question.tokens), " ".join(syllables(f["text"]))))
        rows.append(
            {
                "report_id": report.id,
                "source": report.source,
                "name": shown_name(report.source),
                "url": report.url,
                "period": period_of(report),
                "date": report.when.isoformat() if report.when else None,
                "date_kind": report.date_kind,
                "figures": [{"value": f["value"], "unit": f["unit"], "raw": f["raw"], "text": f["text"]} for f in own[:3]],
            }
        )
    lead = {"kind": "timeline", "rows": rows}
    groups = [Group(Source.of(r), period_of(r)) for r in reversed(reports)]
    return _answer(question, lead, groups)


# -- totals ----------------------------------------------------------------------------------


# Funds and drives a total is asked of by name: a figure counts only where its passage names it.
_FUNDS = ("vi nguoi ngheo", "nha dai doan ket", "nha tinh nghia", "nha nhan ai", "khuyen hoc", "den on dap nghia",
          "bao hiem y te", "ao am")  # fmt: skip


def aggregate(question: Question, *, engine: Engine, index: PassageIndex, catalog: Catalog) -> Answer:
    """'Tổng số tiền vận động Quỹ Vì người nghèo năm 2024': one figure of the kind asked from
    each matching report, summed, with the parts shown."""
    measure = question.measure or "đồng"
    asked = replace(question, intent="figure", measure=measure)
    retrieved = retrieve(asked, index=index, catalog=catalog, limit=300)
    per_report: dict[int, tuple[Any, dict[str, Any]]] = {}
    period = question.period
    named = [phrase for phrase in _FUNDS if phrase in question.folded]
    candidates = [
        s for s in retrieved.passages
        if s.coverage >= 0.5 and s.hit.kind != "title"
        and (period is None or period.covers(s.report))  # a total is of the period asked only
        and all(phrase in fold(s.hit.text) for phrase in named)  # Tết gifts are not the Fund
    ]  # fmt: skip
    figures = store.figures_of(engine, list({s.report.id for s in candidates})[:200])
    for scored in candidates:
        if scored.report.id in per_report:
            continue
        own = [
            f for f in figures
            if f["report_id"] == scored.report.id and in_passage(f, scored.hit.text)
            and fold(f["unit"]).split()[-1] == fold(measure).split()[-1]
            and f["role"] not in {"target", "max"}
        ]
        if own:
            per_report[scored.report.id] = (scored, pick_figure(asked, own))
    if not per_report:
        return not_found(question, retrieved, "no_match")
    parts = _one_per_unit(sorted(per_report.values(), key=lambda p: p[0].report.sort_key, reverse=True))[:20]
    lead = {
        "kind": "sum",
        "total": sum(f["value"] for _, f in parts),
        "unit": parts[0][1]["unit"],
        "parts": [
            {"unit": s.report.unit.label if s.report.unit else s.report.title[:60], "value": f["value"],
             "raw": f["raw"], "report_id": s.report.id, "text": s.hit.text}
            for s, f in parts
        ],
    }
    groups = [Group(Source.of(s.report), period_of(s.report), [Passage(s.hit.text, s.hit.kind)]) for s, _ in parts]
    return _answer(question, lead, groups)


def _one_per_unit(parts: list[tuple[Any, dict[str, Any]]]) -> list[tuple[Any, dict[str, Any]]]:
    """A unit's year review repeats its half-year figures: count each unit once, from its
    newest report (parts come newest first)."""
    seen: set[object] = set()
    kept = []
    for scored, figure in parts:
        unit = scored.report.unit or scored.report.id
        if unit not in seen:
            seen.add(unit)
            kept.append((scored, figure))
    return kept


# -- comparison ------------------------------------------------------------------------------


def sides(question: Question) -> list[Question]:
    """Two questions, one a side: two units named, or two years."""
    named = list(dict.fromkeys(question.mentions))
    if len(named) >= 2:
        return [replace(question, units=sorted(units, key=lambda u: u.label)) for units in named[:2]]
    years = sorted({int(t) for t in question.folded.split() if t.isdigit() and 1990 <= int(t) <= 2100})
    if len(years) >= 2:
        part = question.period.part if question.period else None
        return [replace(question, period=Period(y, part if part != "Y" else None)) for y in years[:2]]
    return []


def compare(question: Question, answer_side: Callable[[Question], Answer]) -> Answer | None:
    """Each side answered as its own question, shown side by side."""
    parts = sides(question)
    if len(parts) < 2:
        return None
    answers = [answer_side(replace(p, intent=_side_intent(question))) for p in parts]
    found = [a for a in answers if a.found]
    if not found:
        return None
    lead = {
        "kind": "compare",
        "sides": [_side(p, a, by_year=len(question.mentions) < 2) for p, a in zip(parts, answers, strict=True)],
    }
    groups = [replace(a.groups[0], passages=a.groups[0].passages[:1]) for a in found if a.groups]
    answer = _answer(question, lead, groups)
    answer.unit = " / ".join(filter(None, (a.unit for a in answers))) or None
    return answer


def _side(part: Question, answer: Answer, *, by_year: bool) -> dict[str, Any]:
    first = answer.groups[0].passages[0].text if answer.found and answer.groups[0].passages else None
    label = _side_label(part, by_year=by_year)
    return {"label": label, "found": answer.found, "lead": answer.lead, "passage": first}


def _side_intent(question: Question) -> str:
    """A comparison about a topic ("về vận động Quỹ …") compares its figures."""
    return "figure" if question.tokens or question.measure else "achievement"


def _side_label(question: Question, *, by_year: bool) -> str:
    unit = question.units[0].label if question.units else ""
    p = question.period
    if by_year and p and p.year:
        return f"{unit} ({p.year})" if unit else str(p.year)
    return unit
