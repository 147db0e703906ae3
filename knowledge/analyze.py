"""Answers that span reports: document look-up, coverage, timeline, totals and comparison
(directive follow-through is knowledge/followup.py). Each returns the same Answer shape as a
plain search, with a ``lead`` of its own kind and every report it used cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine

from knowledge import store, totals
from knowledge.answer import (
    Answer,
    Group,
    Passage,
    Source,
    not_found,
    period_asked,
    period_of,
    unit_asked,
)
from knowledge.catalog import Catalog, Place
from knowledge.citing import shown_name
from knowledge.index import PassageIndex
from knowledge.retrieve import Retrieved, allowed_reports
from knowledge.terms import code_token
from knowledge.understand import Period, Question


def _answer(question: Question, lead: dict[str, Any], groups: list[Group]) -> Answer:
    answer = Answer(
        True, question.intent, question.text, unit_asked(question), period_asked(question)
    )
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
    question: Question,
    document_row: dict[str, Any],
    refs: list[dict[str, Any]],
    *,
    engine: Engine,
    catalog: Catalog,
) -> Answer:
    """ "Kế hoạch 25/KH-MTTQ-BTT": its issuer, date and subject, its first provisions, then the
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
    own = Group(
        Source.of(report),
        period_of(report),
        [Passage(i["text"], i["kind"]) for i in provisions[:_PROVISIONS]],
    )
    return _document_answer(question, lead, citing, [own], catalog=catalog)


def _document_answer(
    question: Question,
    lead: dict[str, Any],
    refs: list[dict[str, Any]],
    first: list[Group],
    *,
    catalog: Catalog,
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
    inside = {
        u for u in catalog.by_unit if any(u.within(Place(q.level, q.name)) for q in question.units)
    }
    if inside:  # a province's list holds its districts' and communes' reports too
        reports = list({r.id: r for r in [*reports, *catalog.reports_of(inside)]}.values())
    if not reports:
        return not_found(
            question, Retrieved([], allowed, of_units), "no_period" if of_units else "no_match"
        )
    reports = sorted(reports, key=lambda r: (r.front, r.sort_key), reverse=True)
    lead = {"kind": "reports", "count": len(reports)}
    groups = [Group(Source.of(r), period_of(r)) for r in reports[:10]]
    return _answer(question, lead, groups)


def timeline(question: Question, *, engine: Engine, catalog: Catalog) -> Answer:
    """A unit's reports oldest first, one row each: its date and period, the figure asked (or
    the main figure of the series' measure) and the sentence it came from."""
    allowed, of_units = allowed_reports(question, catalog)
    if not question.units or not allowed:
        return not_found(question, Retrieved([], allowed, of_units), "no_match")
    reports = sorted(
        (r for r in allowed if totals.within(r, question.period)), key=lambda r: r.sort_key
    )[-24:]
    if not reports:
        return not_found(question, Retrieved([], allowed, of_units), "no_period")
    figures = totals.figures_of(engine, reports)
    funds, words = totals.topic(question)
    asked = totals.asked_measures(question)
    measure = asked[0] if len(asked) == 1 else totals.main_measure(figures, funds, words)
    funds = funds or totals.main_fund(figures, measure)
    rows = []
    for report in reports:
        own = [f for f in figures if f["report_id"] == report.id]
        best = totals.main_figure(own, measure, funds, words) if measure else None
        rows.append(
            {
                "report_id": report.id,
                "source": report.source,
                "name": shown_name(report.source),
                "url": report.url,
                "unit": report.unit.label if report.unit else None,
                "period": period_of(report),
                "date": report.when.isoformat() if report.when else None,
                "date_kind": report.date_kind,
                "figures": [_figure_row(best)] if best else [],
                "sentence": best["sentence"] if best else None,
            }
        )
    lead = {"kind": "timeline", "measure": measure, "rows": rows}
    groups = [Group(Source.of(r), period_of(r)) for r in reversed(reports)]
    return _answer(question, lead, groups)


def _figure_row(figure: dict[str, Any]) -> dict[str, Any]:
    return {"value": figure["value"], "unit": figure["unit"], "raw": figure["raw"], "text": figure["text"],
            "measure": figure["measure"], "role": figure["role"], "sentence": figure["sentence"]}  # fmt: skip


# -- totals ----------------------------------------------------------------------------------


def aggregate(
    question: Question,
    *,
    engine: Engine,
    index: PassageIndex,
    catalog: Catalog,
    within_unit: bool = False,
) -> Answer | None:
    """'Tổng số tiền vận động Quỹ Vì người nghèo năm 2024': the figures of the measure and
    subject asked, one per unit and period, added up, with the parts shown and what was left
    out and why; no total when the figures cannot be added (see knowledge/totals.py).
    ``within_unit``: a total of one unit's reports, or None when it has fewer than two parts
    (its own report's figure is then the answer)."""
    found = totals.candidates(question, engine=engine, index=index, catalog=catalog)
    collected = totals.collect(question, found, engine=engine)
    single = len(collected.parts) == 1 and not collected.merged
    if within_unit and collected.refused not in {"mixed", "rates", "none"}:
        if (
            collected.refused
            or not collected.parts
            or (single and not totals.asked_measures(question))
        ):
            return None  # a plain search answers it from the unit's report, with its passage
        if single:  # the unit's one figure of the measure asked ("120 suất quà", never its price)
            return _one_figure(question, collected.parts[0])
    shown = collected.parts or collected.others
    if not shown and not collected.skipped:
        return not_found(question, Retrieved([], None, []), "no_match")
    refused = collected.refused or ("single" if single else None)
    lead: dict[str, Any] = {
        "kind": "sum",
        "total": collected.total if not refused else None,
        "reports": len({p.report.id for p in collected.parts}),
        "unit": collected.measure,
        "measure": collected.measure,
        "refused": refused,
        "measures": collected.measures,
        "skipped": [
            {"reason": reason, "count": count, "example": collected.examples.get(reason)}
            for reason, count in collected.skipped.most_common()
        ],
    }
    described = [_part(p) for p in shown]
    # A total's parts are what it adds; with no total they are only what is known.
    lead["parts" if not refused else "known"] = described
    lead["parts" if refused else "known"] = []
    groups = [
        Group(Source.of(p.report), period_of(p.report), [Passage(_around(p.figure), "figure")])
        for p in shown
    ]
    answer = _answer(question, lead, groups)
    answer.intent = "aggregate"
    return answer


def _one_figure(question: Question, part: totals.Part) -> Answer:
    figure = part.figure
    lead = {"kind": "figure", "value": part.value, "unit": figure["unit"], "qualifier": figure["qualifier"],
            "raw": figure["raw"], "role": figure["role"], "text": figure["text"], "passage": figure["sentence"]}  # fmt: skip
    group = Group(
        Source.of(part.report), period_of(part.report), [Passage(_around(figure), "figure")]
    )
    answer = _answer(question, lead, [group])
    answer.intent = "figure"
    return answer


_AROUND = 300  # characters of a long sentence shown around the figure it holds


def _around(figure: dict[str, Any]) -> str:
    """The figure's sentence, or the part of a long one around the figure."""
    sentence, raw = str(figure["sentence"]), str(figure["raw"])
    at = sentence.find(raw)
    if len(sentence) <= _AROUND or at < 0:
        return sentence
    start = max(0, min(at - _AROUND // 2, len(sentence) - _AROUND))
    start = sentence.rfind(" ", 0, start) + 1 if start else 0
    end = sentence.find(" ", start + _AROUND)
    end = len(sentence) if end < 0 else end
    return (
        ("…" if start else "") + sentence[start:end].strip() + ("…" if end < len(sentence) else "")
    )


def _part(part: totals.Part) -> dict[str, Any]:
    report = part.report
    return {
        "unit": report.unit.label if report.unit else report.title[:60],
        "value": part.value,
        "raw": part.figure["raw"],
        "measure": part.figure["measure"],
        "report_id": report.id,
        "period": period_of(report),
        "date": report.when.isoformat() if report.when else None,
        "text": part.figure["sentence"],
    }


# -- comparison ------------------------------------------------------------------------------


_MONTHS = re.compile(r"\bthang (1[0-2]|0?[1-9])\b")
_QUARTERS = re.compile(r"\bquy (iv|iii|ii|i|[1-4])\b")
_HALVES = re.compile(r"\b(?:6|sau) thang (dau|cuoi)\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def sides(question: Question) -> list[Question]:
    """Two questions, one a side: two units named, or two years, months, quarters or halves."""
    named = list(dict.fromkeys(question.mentions))
    if len(named) >= 2:
        return [
            replace(question, units=sorted(units, key=lambda u: u.label), mentions=[units])
            for units in named[:2]
        ]
    folded = question.folded
    years = sorted({int(t) for t in folded.split() if t.isdigit() and 1990 <= int(t) <= 2100})
    if len(years) >= 2:
        part = question.period.part if question.period else None
        return [
            replace(question, period=Period(y, part if part != "Y" else None)) for y in years[:2]
        ]
    year = question.period.year if question.period else (years[0] if years else None)
    parts = [f"M{int(m)}" for m in _MONTHS.findall(folded)]
    parts = (
        parts
        if len(parts) >= 2
        else [f"Q{_ROMAN.get(q) or int(q)}" for q in _QUARTERS.findall(folded)]
    )
    parts = (
        parts
        if len(parts) >= 2
        else ["H1" if h == "dau" else "H2" for h in _HALVES.findall(folded)]
    )
    parts = list(dict.fromkeys(parts))
    if len(parts) >= 2 and year:
        return [replace(question, period=Period(year, p)) for p in parts[:2]]
    return []


def compare(
    question: Question,
    answer_side: Callable[[Question], Answer],
    *,
    engine: Engine,
    index: PassageIndex,
    catalog: Catalog,
) -> Answer | None:
    """Each side from its own unit's and period's reports. A question about figures compares
    each side's figure of the measure asked (its total over the side's reports); a side with
    none says so, never borrowing the other side's."""
    parts = sides(question)
    if len(parts) < 2:
        return None
    by_year = len(question.mentions) < 2
    measures = totals.asked_measures(question)
    if _side_intent(question) == "figure" and len(measures) <= 1:
        measure = measures[0] if measures else None
        found = [
            _figure_side(p, measure, engine=engine, index=index, catalog=catalog) for p in parts
        ]
        measure = measure or next((s[1]["lead"]["unit"] for s in found if s[1]["found"]), None)
        if measure and not measures:  # the measure one side found, asked of the other too
            found = [
                _figure_side(p, measure, engine=engine, index=index, catalog=catalog) for p in parts
            ]
        if any(side["found"] for _, side in found):
            sides_ = [
                {**side, "label": _side_label(p, by_year=by_year)}
                for p, (_, side) in zip(parts, found, strict=True)
            ]
            groups = [g for g, _ in found if g is not None]
            answer = _answer(
                question, {"kind": "compare", "measure": measure, "sides": sides_}, groups
            )
            answer.unit = (
                " / ".join(dict.fromkeys(u.label for p in parts for u in p.units)) or answer.unit
            )
            return answer
    answers = [answer_side(replace(p, intent=_side_intent(question))) for p in parts]
    answers = [
        a if _of_side(a, p, catalog) else _missing(p, a)
        for p, a in zip(parts, answers, strict=True)
    ]
    found_answers = [a for a in answers if a.found]
    if not found_answers:
        return None
    lead = {
        "kind": "compare",
        "sides": [_side(p, a, by_year=by_year) for p, a in zip(parts, answers, strict=True)],
    }
    groups = [
        replace(a.groups[0], passages=a.groups[0].passages[:1]) for a in found_answers if a.groups
    ]
    answer = _answer(question, lead, groups)
    answer.unit = " / ".join(filter(None, (a.unit for a in answers))) or None
    return answer


def _figure_side(
    part: Question, measure: str | None, *, engine: Engine, index: PassageIndex, catalog: Catalog
) -> tuple[Group | None, dict[str, Any]]:
    """One side's figure: the total of its unit's (or every unit's) reports of its period."""
    found = totals.candidates(part, engine=engine, index=index, catalog=catalog)
    collected = totals.collect(part, found, engine=engine, measure=measure)
    if collected.refused in {None, "single"} and collected.parts:
        value = sum(p.value for p in collected.parts)
        first = collected.parts[-1]
        lead = {
            "kind": "figure", "value": value, "unit": collected.measure, "qualifier": None,
            "raw": first.figure["raw"] if len(collected.parts) == 1 else None, "role": None,
            "text": first.figure["text"], "passage": first.figure["sentence"] if len(collected.parts) == 1 else None,
            "parts": len(collected.parts),
        }  # fmt: skip
        group = Group(
            Source.of(first.report),
            period_of(first.report),
            [Passage(_around(first.figure), "figure")],
        )
        return group, {
            "found": True,
            "lead": lead,
            "passage": first.figure["sentence"],
            "measure": collected.measure,
        }
    return None, {
        "found": False,
        "lead": None,
        "passage": None,
        "measure": measure,
        "missing": True,
    }


def _of_side(answer: Answer, part: Question, catalog: Catalog) -> bool:
    """Whether a side's answer comes from that side's unit and period (a ranking that found
    another year's report answers nothing for this side)."""
    if not answer.found or not answer.groups:
        return answer.found
    report = catalog.reports.get(answer.groups[0].source.report_id)
    if report is None:
        return False
    if (
        part.units
        and report.unit is not None
        and not any(
            report.unit == u or report.unit.within(Place(u.level, u.name)) for u in part.units
        )
    ):
        return False
    return (
        part.period is None
        or part.period.year is None
        or totals.within(report, part.period)
        or (report.year is None and report.when is not None and part.period.covers(report))
    )


def _missing(part: Question, answer: Answer) -> Answer:
    missing = Answer(False, answer.intent, answer.question, answer.unit, period_asked(part))
    missing.reason = "no_period"
    return missing


def _side(part: Question, answer: Answer, *, by_year: bool) -> dict[str, Any]:
    first = (
        answer.groups[0].passages[0].text if answer.found and answer.groups[0].passages else None
    )
    label = _side_label(part, by_year=by_year)
    return {"label": label, "found": answer.found, "lead": answer.lead, "passage": first}


def _side_intent(question: Question) -> str:
    """A comparison about a topic ("về vận động Quỹ …") compares its figures."""
    return "figure" if question.tokens or question.measure else "achievement"


def _side_label(question: Question, *, by_year: bool) -> str:
    unit = question.units[0].label if question.units else ""
    p = question.period
    if by_year and p and p.year:
        when = (
            f"{_PART_LABEL.get(p.part or 'Y', '')}{p.year}"
            if p.part and p.part != "Y"
            else str(p.year)
        )
        if p.part and p.part.startswith("M"):
            when = f"tháng {p.part[1:]}/{p.year}"
        elif p.part and p.part.startswith("Q"):
            when = f"quý {p.part[1]}/{p.year}"
        return f"{unit} ({when})" if unit else when
    return unit


_PART_LABEL = {"H1": "6 tháng đầu năm ", "H2": "6 tháng cuối năm "}
