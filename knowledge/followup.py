"""Directive follow-through: "các chỉ đạo tại hội nghị sơ kết 6 tháng đầu năm đã được thực
hiện đến đâu?".

The meeting asked is found among the unit's own reports (its kind — sơ kết, tổng kết, giao
ban… — and its period, strictly: never another meeting's directives when the one asked is not
held). Its directives and the directions it set are then followed, one by one, into the same
unit's later reports: the later item (a result or a shortfall, not a new plan) that says the
same thing by content is shown with its date and report, else "chưa thấy báo cáo". Content is
what is left of a sentence once its boilerplate ("tiếp tục đẩy mạnh công tác …", the unit's
name, numbers) is dropped; a match needs enough of the directive's content words and of their
pairs in the later item (FOLLOWED, fitted on the test series; the constants are all here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Engine

from knowledge import store
from knowledge.answer import Answer, Group, Source, describe, period_asked, period_of, unit_asked
from knowledge.catalog import Catalog, ReportInfo
from knowledge.citing import shown_name
from knowledge.terms import bigrams, syllables
from knowledge.text import fold
from knowledge.understand import STOPWORDS, Period, Question

# A later item reports on a directive when it holds at least FOLLOWED_WORDS of the directive's
# content words and its score (the mean of the shares of the directive's content words and of
# their pairs that the item also holds) reaches FOLLOWED. Fitted on the series of
# tests/fixtures/analytic/followup-can-loc (tests/test_followup.py checks the labelled pairs):
# the items that report on a directive score 0.44–1.00, the closest unrelated ones 0.31 ("xây
# dựng nhà văn hóa thôn" against "xây dựng 2 nhà Đại đoàn kết"), 0.27 and below; FOLLOWED sits
# in that gap, nearer the true side (a wrong "đã báo cáo" misleads more than a missed one).
FOLLOWED = 0.38
FOLLOWED_WORDS = 2
ROWS = 12  # directives shown
MEETINGS = 200  # reports of the meeting asked whose directives are read (newest first)
ACTED_KINDS = frozenset({"achievement", "limitation"})  # what a later report says was done (or not)
ASKED_KINDS = ("directive", "direction")

# What every directive and report says ("tiếp tục đẩy mạnh, nâng cao chất lượng công tác Mặt
# trận …"): it tells nothing about which task is meant. Folded syllables.
_GENERIC_LINES = (
    "tiep tuc day manh tang cuong nang cao thuc hien trien khai to chuc cong tac chat luong hieu qua",
    "phat huy vai tro trach nhiem mat tran uy ban ubmttq mttq ubtu doan the thanh vien nhan dan tot",
    "lam can tap trung quan tam phoi hop de nghi yeu cau chi dao giao thang cuoi dau nam dat duoc",
    "tren xa phuong thi tran huyen tinh quan trong tai nhung cac va voi cho o cua ve den nham theo",
    "hon nua ngay cang hoat dong viec kip thoi chua con mot so chi tieu ke hoach tong tong so",
    "phan tram nguoi van dong trieu ty nghin",
)
GENERIC = frozenset(word for line in _GENERIC_LINES for word in line.split())
_REQUEST = re.compile(r"\b(?:đề nghị|yêu cầu|chỉ đạo|giao nhiệm vụ|giao cho)\b", re.IGNORECASE)
_REQUEST_MIN = 15  # characters a request keeps after its verb to be shown without its preamble


@dataclass(frozen=True, slots=True)
class _Content:
    words: frozenset[str]
    pairs: frozenset[str]
    text: str  # the content words in order (for rapidfuzz)


def content(text: str) -> _Content:
    """A sentence's content words: folded syllables without boilerplate, stopwords or numbers."""
    kept = [
        t
        for t in syllables(text)
        if t not in GENERIC and t not in STOPWORDS and not t[:1].isdigit() and len(t) > 1
    ]
    return _Content(frozenset(kept), frozenset(bigrams(kept)), " ".join(kept))


def score(asked: _Content, done: _Content) -> float:
    """How much of the directive the later item says: shares of its content words and of their
    pairs, averaged (0 below FOLLOWED_WORDS shared words)."""
    shared = len(asked.words & done.words)
    if shared < FOLLOWED_WORDS or not asked.words:
        return 0.0
    words = shared / len(asked.words)
    pairs = len(asked.pairs & done.pairs) / len(asked.pairs) if asked.pairs else words
    return (words + pairs) / 2


def follow_up(question: Question, *, engine: Engine, catalog: Catalog) -> Answer:
    """The meeting's directives and, for each, the later report of the same unit that says it
    was done (or is still not), or that none does yet."""
    pool = (
        catalog.reports_of(set(question.units))
        if question.units
        else list(catalog.reports.values())
    )
    # Newest first, a bounded number: with no unit named a large collection holds many.
    meetings = sorted(_meetings(question, pool), key=lambda r: r.sort_key, reverse=True)[:MEETINGS]
    asked = store.items_of(engine, [r.id for r in meetings])
    asked = [i for i in asked if i["kind"] in ASKED_KINDS]
    having = [r for r in meetings if any(i["report_id"] == r.id for i in asked)]
    if not having:
        return _no_meeting(question, pool, "no_kind" if meetings else "no_meeting")
    source = _followed_report(question, having, catalog)
    later = sorted(
        (r for r in catalog.reports_of({source.unit}) if r.sort_key > source.sort_key)
        if source.unit
        else [],
        key=lambda r: r.sort_key,
    )
    later_items = [
        i for i in store.items_of(engine, [r.id for r in later]) if i["kind"] in ACTED_KINDS
    ]
    by_id = {r.id: r for r in later}
    done = [(i, content(i["text"])) for i in later_items]
    rows = [_row(item, done, by_id) for item in asked if item["report_id"] == source.id][:ROWS]
    others = sorted({r.unit.label for r in having if r.unit and r.unit != source.unit})
    lead = {
        "kind": "followup",
        "meeting": {
            "kind": source.meeting_kind,
            "title": source.title,
            "date": source.when.isoformat() if source.when else None,
            "period": period_of(source),
            "unit": source.unit.label if source.unit else None,
        },
        "rows": rows,
        "later_reports": len(later),
        "followed": sum(1 for r in rows if r["followed"]),
        "other_units": others[:5] if not question.units else [],
    }
    answer = Answer(
        True, question.intent, question.text, unit_asked(question), period_asked(question)
    )
    answer.lead = lead
    acted = {f["report_id"] for row in rows for f in row["followed"]}
    answer.groups = [Group(Source.of(source), period_of(source))]
    answer.groups += [Group(Source.of(r), period_of(r)) for r in later if r.id in acted]
    return answer


def _row(
    item: dict[str, Any],
    done: list[tuple[dict[str, Any], _Content]],
    reports: dict[int, ReportInfo],
) -> dict[str, Any]:
    text = request_of(item["text"])
    asked = content(text)
    scored = [(score(asked, c), fuzz.token_set_ratio(asked.text, c.text), i) for i, c in done]
    best = sorted(
        (s for s in scored if s[0] >= FOLLOWED),
        key=lambda s: (-s[0], -s[1], reports[s[2]["report_id"]].sort_key),
    )
    followed = []
    for value, _, later in best[:1]:
        report = reports[later["report_id"]]
        followed.append(
            {
                "report_id": report.id,
                "text": later["text"],
                "kind": later["kind"],
                "score": round(value, 3),
                "date": report.when.isoformat() if report.when else None,
                "date_kind": report.date_kind,
                "name": shown_name(report.source),
                "period": period_of(report),
                "meeting_kind": report.meeting_kind,
            }
        )
    shown = text[:1].upper() + text[1:]  # a later clause of the request starts in lower case
    return {"text": shown, "by": item["by"], "kind": item["kind"], "followed": followed}


def request_of(text: str) -> str:
    """The request itself, without who made it: "Phát biểu chỉ đạo, đồng chí X đề nghị Ủy ban
    MTTQ xã tập trung kiện toàn …" → "Ủy ban MTTQ xã tập trung kiện toàn …"."""
    verbs = list(_REQUEST.finditer(text))
    if verbs:
        rest = text[verbs[-1].end() :].strip(" :,")
        if len(rest) >= _REQUEST_MIN:
            return rest
    return text


# -- which meeting ---------------------------------------------------------------------------


def _meetings(question: Question, pool: list[ReportInfo]) -> list[ReportInfo]:
    """The reports of the meeting asked: its kind and its period, both as the question gives
    them. With only a period of plans ("phương hướng 6 tháng cuối năm 2024"), the review
    that set them (the first half's)."""
    kind, period = question.meeting_kind, question.period
    exact = [r for r in pool if _is_meeting(r, kind) and _in_period(r, period)]
    if exact or kind or period is None or period.year is None:
        return exact
    return [r for r in pool if _plans(r, period)]


def _is_meeting(report: ReportInfo, kind: str | None) -> bool:
    if kind is None:
        return True
    if kind in fold(report.meeting_kind or "") or kind in fold(report.title):
        return True
    # A Front committee's meeting (of a known kind: "hội nghị Ủy ban lần thứ II") that reviews a
    # half or a quarter is its sơ kết, a year's its tổng kết; a news page's "kỳ họp" is neither.
    if not report.front or report.meeting_kind in {None, "other"}:
        return False
    if kind == "so ket":
        return report.part in {"H1", "H2", "Q1", "Q2", "Q3", "Q4"}
    return kind == "tong ket" and report.part == "Y"


def _in_period(report: ReportInfo, period: Period | None) -> bool:
    if period is None:
        return True
    if period.term:
        return report.term == period.term
    year = report.year or (report.when.year if report.when else None)
    if period.year is not None and year != period.year:
        return False
    # "năm 2024" alone names the year, not a year review: any part of it.
    return period.part in {None, "Y"} or report.part == period.part


def _plans(report: ReportInfo, period: Period) -> bool:
    """Whether the report set the directions for ``period`` (the next half, quarter or year)."""
    if report.year is None or report.part is None:
        return False
    following = {"H1": (report.year, "H2"), "Y": (report.year + 1, "Y")}
    if report.part in {"Q1", "Q2", "Q3"}:
        following[report.part] = (report.year, f"Q{int(report.part[1]) + 1}")
    following["Q4"] = (report.year + 1, "Q1")
    return following.get(report.part) == (period.year, period.part or "Y")


def _followed_report(question: Question, having: list[ReportInfo], catalog: Catalog) -> ReportInfo:
    """The meeting followed. Of one unit: the newest of the meeting asked (this year's sơ kết,
    even when nothing reports on it yet); with no meeting or period named, the newest that
    later reports answer. Of no unit named: each unit's newest, and of those one that later
    reports answer, the newest."""
    newest = sorted(having, key=lambda r: r.sort_key)
    if question.units and (question.meeting_kind or question.period):
        return newest[-1]
    if not question.units:
        by_unit = {r.unit or r.id: r for r in newest}  # the newest stays
        newest = sorted(by_unit.values(), key=lambda r: r.sort_key)
    answered = [
        r
        for r in newest
        if r.unit and any(o.sort_key > r.sort_key for o in catalog.reports_of({r.unit}))
    ]
    return (answered or newest)[-1]


def _no_meeting(question: Question, pool: list[ReportInfo], reason: str) -> Answer:
    """The meeting asked is not held (or says nothing to follow): say so, with the unit's
    reports that are held, and borrow nothing from another meeting."""
    answer = Answer(
        False, question.intent, question.text, unit_asked(question), period_asked(question)
    )
    answer.reason = reason
    answer.lead = {"kind": "followup", "meeting_asked": question.meeting_kind}
    if question.units:
        answer.suggestions = [
            describe(r) for r in sorted(pool, key=lambda r: r.sort_key, reverse=True)[:5]
        ]
    return answer
