"""Figures across reports that may be added up, and why others may not.

A total is only as good as its parts: one measure (a count of gifts is never added to đồng),
one subject (the fund or activity asked), one figure per report (the report's own total, not
its parts as well), one report per unit and period (the same event in two outlets counts
once; a year's review replaces its months; a district's total holds its communes), and never
a rate, a unit price or a share. ``collect`` picks the parts and says what it left out and
why; ``analyze`` turns that into totals, comparisons and timelines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from knowledge import store
from knowledge.catalog import Catalog, Place, ReportInfo, Unit
from knowledge.extract.numbers import _UNIT_WORDS, MONEY, describe, measure_of
from knowledge.extract.record import Figure
from knowledge.identity import parents_agree
from knowledge.index import PassageIndex
from knowledge.retrieve import retrieve
from knowledge.terms import syllables
from knowledge.text import fold
from knowledge.understand import Period, Question

TOPIC_SHARE = 0.5  # of the question's topic words a figure's sentence must say
# A passage this close brings its report in; its figures must still be about the topic.
CANDIDATE_COVERAGE = 0.3
PASSAGE_COVERAGE = 0.5  # a passage saying this much of the question speaks for its figures
LIMIT = 40  # parts at most in one total

# -- the measure asked -----------------------------------------------------------------------

# Folded measure words → the measure (longest first, so "suất quà" before "suất").
_WORDS = sorted(
    {fold(w): measure_of(u) for w, u in _UNIT_WORDS.items() if len(w) > 1}.items(),
    key=lambda p: -len(p[0]),
)
_MEASURE_WORD = "|".join(
    re.escape(w)
    for w, _ in _WORDS
    if w not in {"ha", "em", "con", "cay", "bo", "bai", "ban", "don", "lop", "thon"}
)
_MONEY_WORDS = r"tien|kinh phi|gia tri|tri gia|so tien|ung ho|dong"
_CUE = r"(?:tong so|tong cong|tong|bao nhieu|may|so luong|so)"
_ASKED = re.compile(rf"\b{_CUE}\s+(?:luong\s+)?({_MONEY_WORDS}|{_MEASURE_WORD})\b")
_AND = re.compile(
    rf"\b({_MONEY_WORDS}|{_MEASURE_WORD})\s+(?:va|cung)\s+(?:so\s+|tong so\s+)?({_MONEY_WORDS}|{_MEASURE_WORD})\b"
)
_SHARE = re.compile(r"\b(ty le|ti le|phan tram)\b")
_FUNDISH = re.compile(r"\b(quy|tien|kinh phi|ung ho|tri gia|gia tri|trieu|ty)\b")


def _measure_word(word: str) -> str:
    if re.fullmatch(_MONEY_WORDS, word):
        return "đồng"
    return dict(_WORDS).get(word, word)


def asked_measures(question: Question) -> list[str]:
    """The measures a question asks for: "tổng số suất quà" → suất quà, "bao nhiêu tiền" →
    đồng, "tỷ lệ" → %; two when it asks two at once ("số tiền và số suất quà")."""
    folded = question.folded
    both = _AND.search(folded)
    if both:
        found = list(dict.fromkeys([_measure_word(both[1]), _measure_word(both[2])]))
        if len(found) > 1:
            return found
    if _SHARE.search(folded):
        return ["%"]
    asked = _ASKED.search(folded)
    if asked:
        return [_measure_word(asked[1])]
    if question.measure:
        return [
            measure_of(question.measure)
            if question.measure in _UNIT_WORDS.values()
            else question.measure
        ]
    return ["đồng"] if _FUNDISH.search(folded) else []


# -- what a stored figure is -----------------------------------------------------------------


def known(figure: dict[str, Any]) -> dict[str, Any]:
    """A stored figure with its measure, kind, rate and subject: rows stored before those
    were extracted (migration 0010) are read again from their sentence."""
    if figure.get("kind"):
        return figure
    sentence = str(figure.get("sentence") or "")
    raw = str(figure["raw"])
    at = sentence.find(raw)
    before = sentence[max(0, at - 160) : at] if at >= 0 else ""
    after = sentence[at + len(raw) : at + len(raw) + 60] if at >= 0 else ""
    made = Figure(float(figure["value"]), str(figure["unit"]), figure.get("qualifier"), str(figure.get("text") or ""), raw,
                  role=figure.get("role"))  # fmt: skip
    describe(made, before=before, after=after)
    return {**figure, "measure": made.measure, "kind": made.kind, "per": made.per, "subject": made.subject,
            "role": made.role}  # fmt: skip


# -- periods and units -----------------------------------------------------------------------


def span(report: ReportInfo) -> tuple[int, frozenset[int]] | None:
    """The months a report speaks of: its period's, else its date's month."""
    if report.year is not None:
        return report.year, frozenset(Period(report.year, report.part).months())
    when = report.when
    return (when.year, frozenset([when.month])) if when else None


def within(report: ReportInfo, period: Period | None) -> bool:
    """Whether a report's period lies inside the one asked: "6 tháng đầu năm" takes its
    months and its half-year review, never the full year's."""
    if period is None:
        return True
    if period.term:
        return period.covers(report)
    found = span(report)
    if found is None:
        return False
    year, months = found
    if period.year is not None and year != period.year:
        return False
    return months <= frozenset(period.months())


def same_unit(a: Unit | None, b: Unit | None) -> bool:
    """One unit written with more or fewer of its parents ("xã Cổ Loa, huyện Đông Anh" and
    "…, thành phố Hà Nội"): same level and name, one's parents among the other's."""
    if a is None or b is None or a.key != b.key:
        return False
    return parents_agree(a.parents, b.parents)  # the identity rule: tier by tier


def _same_or_inside(unit: Unit, wanted: list[Unit]) -> bool:
    return any(same_unit(unit, w) for w in wanted) or any(
        unit.within(Place(w.level, w.name)) for w in wanted
    )


def scoped_reports(
    question: Question, catalog: Catalog, *, units: list[Unit] | None = None
) -> list[ReportInfo]:
    """The reports of the units named and of the units inside them, in the period asked."""
    wanted = units if units is not None else question.units
    found = [u for u in catalog.by_unit if _same_or_inside(u, wanted)]
    return [r for r in catalog.reports_of(set(found)) if within(r, question.period)]


# -- topic -----------------------------------------------------------------------------------

_GENERIC = frozenset(
    ["tong", "so", "cong", "cac", "don", "vi", "bao", "cao", "nhieu", "luong", "da", "duoc", "cua", "trong", "nam",
     "thang", "mttq", "mat", "tran", "uy", "ban", "to", "quoc", "ket", "qua", "gi", "nao", "nhu", "the", "va", "theo",
     "tung", "ky", "dien", "bien", "hang", "quy", "sanh", "voi"]
)  # fmt: skip
_MEASURE_TOKENS = frozenset(t for w, _ in _WORDS for t in w.split()) | {
    "tien",
    "dong",
    "gia",
    "tri",
}
_FUNDS = ("vi nguoi ngheo", "nha dai doan ket", "nha tinh nghia", "nha nhan ai", "khuyen hoc", "den on dap nghia",
          "bao hiem y te", "ao am", "cuu tro", "phong chong thien tai", "vac xin", "an sinh xa hoi")  # fmt: skip


# Verbs of raising a fund ("vận động", "ủng hộ", "quyên góp"): with a fund named, any of them.
_RAISING = frozenset(["ung", "ho", "van", "quyen", "gop", "tiep", "nhan", "dong"])
# Words of giving, any of which says it ("trao", "tặng", "trao tặng").
_GIVING = frozenset(["trao", "tang", "tao", "chuyen"])


def topic(question: Question) -> tuple[list[str], list[str]]:
    """(the funds the question names, its other topic words): what a figure must be about."""
    folded = question.folded
    funds = [f for f in _FUNDS if f in folded]
    fund_tokens = {t for f in funds for t in f.split()} | (_RAISING if funds else set())
    words = [
        t
        for t in question.tokens
        if t not in _GENERIC
        and t not in _MEASURE_TOKENS
        and t not in fund_tokens
        and not t.isdigit()
    ]
    return funds, list(dict.fromkeys(words))


def about(figure: dict[str, Any], funds: list[str], words: list[str]) -> bool:
    """Whether a figure counts what the question asks: for the fund named, a figure of that
    fund (its subject: a sentence naming the fund may count gifts beside it), and most of
    the other topic words in its sentence."""
    subject = fold(str(figure.get("subject") or ""))
    if any(fund not in subject for fund in funds):
        return False
    if not words or figure.get("matched"):
        return True
    said = set(syllables(fold(str(figure.get("sentence") or ""))))
    if said & _GIVING:
        said |= _GIVING
    return sum(w in said for w in words) / len(words) >= TOPIC_SHARE


# -- collecting ------------------------------------------------------------------------------


@dataclass(slots=True)
class Part:
    report: ReportInfo
    figure: dict[str, Any]

    @property
    def value(self) -> float:
        return float(self.figure["value"])


@dataclass(slots=True)
class Collected:
    measure: str | None
    parts: list[Part] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason → figures left out
    examples: dict[str, str] = field(default_factory=dict)  # reason → one of them, as written
    refused: str | None = None  # mixed | single | parts | rates | shares | none
    measures: list[str] = field(default_factory=list)  # the measures found (mixed)
    others: list[Part] = field(default_factory=list)  # what is known when no total is given

    def skip(self, reason: str, figure: dict[str, Any] | None = None) -> None:
        self.skipped[reason] += 1
        if figure is not None:
            self.examples.setdefault(reason, str(figure["raw"]))

    @property
    def total(self) -> float | None:
        return None if self.refused or not self.parts else sum(p.value for p in self.parts)

    @property
    def merged(self) -> bool:
        """Whether reports were told apart as the same figure (a unit's year and its months,
        a district and its communes, one event in two outlets): a single part is then the
        total of all of them."""
        return any(self.skipped[r] for r in ("child", "nested", "duplicate"))


@dataclass(slots=True)
class Candidates:
    reports: list[ReportInfo]
    passages: dict[int, list[str]] = field(default_factory=dict)  # report → passages that match


def candidates(
    question: Question,
    *,
    engine: Any,
    index: PassageIndex,
    catalog: Catalog,
    units: list[Unit] | None = None,
) -> Candidates:
    """Reports that may hold the figures asked: those of the units named (and inside them),
    else those the question's words find, in the period asked, with the passages that say
    most of the question (a figure there is about it, whatever its own sentence says)."""
    # Every unit written ("xã Tiền Phong và xã Tráng Việt"), not only the first.
    named = sorted({u for mention in question.mentions for u in mention}, key=lambda u: u.label)
    scope = (
        units if units is not None else (named if len(question.mentions) > 1 else question.units)
    )
    if scope:
        return Candidates(scoped_reports(question, catalog, units=scope))
    retrieved = retrieve(question, index=index, catalog=catalog, limit=300)
    seen: dict[int, ReportInfo] = {}
    passages: dict[int, list[str]] = {}
    for scored in retrieved.passages:
        if (
            scored.coverage >= CANDIDATE_COVERAGE
            and scored.hit.kind != "title"
            and within(scored.report, question.period)
        ):
            seen.setdefault(scored.report.id, scored.report)
            if scored.coverage >= PASSAGE_COVERAGE:
                passages.setdefault(scored.report.id, []).append(scored.hit.text)
    return Candidates(list(seen.values())[:200], passages)


def collect(
    question: Question, found: Candidates, *, engine: Any, measure: str | None = None
) -> Collected:
    """The parts of a total of what ``question`` asks over the reports found."""
    figures = figures_of(engine, found.reports)
    for figure in figures:
        said = found.passages.get(int(figure["report_id"]), [])
        figure["matched"] = any(str(figure["raw"]) in text for text in said)
    return collect_from(question, found.reports, figures, measure=measure)


def collect_from(
    question: Question,
    reports: list[ReportInfo],
    figures: list[dict[str, Any]],
    *,
    measure: str | None = None,
) -> Collected:
    """``collect`` over figures already read (each told what it is, see ``figures_of``)."""
    measures = [measure] if measure else asked_measures(question)
    funds, words = topic(question)
    by_id = {r.id: r for r in reports}
    relevant = [f for f in figures if not _attendance(f) and about(f, funds, words)]
    if len(measures) > 1:
        result = Collected(None, refused="mixed", measures=measures)
        result.others = _best_parts(relevant, by_id, measures, Collected(None))
        return result
    if not measures:  # no measure asked: the one the figures about it are in, if only one
        found = Counter(
            f["measure"]
            for f in relevant
            if f["kind"] in {"amount", "count"} and f["role"] != "part"
        )
        if len(found) > 1:
            result = Collected(None, refused="mixed", measures=[m for m, _ in found.most_common(4)])
            result.others = _best_parts(relevant, by_id, result.measures, Collected(None))
            return result
        measures = list(found) or ["đồng"]
    wanted = measures[0]
    result = Collected(wanted)
    mine = [
        f
        for f in relevant
        if f["measure"] == wanted
        or (wanted in MONEY and f["measure"] in MONEY and f["unit"] == wanted)
    ]
    if wanted == "%":
        result.refused = "shares"
        result.others = [Part(by_id[f["report_id"]], f) for f in mine][:LIMIT]
        return result
    usable = []
    for figure in mine:
        if figure["kind"] == "rate":
            result.skip(f"rate:{figure.get('per') or 'đơn vị'}", figure)
        elif figure["kind"] == "share":
            result.skip("share", figure)
        elif figure["role"] in {"target", "max"}:
            result.skip("target", figure)
        elif figure.get("planned"):
            result.skip("planned", figure)
        else:
            usable.append(figure)
    per_report: dict[int, list[dict[str, Any]]] = {}
    for figure in usable:
        per_report.setdefault(int(figure["report_id"]), []).append(figure)
    chosen: list[Part] = []
    only_parts = 0
    for report_id, own in per_report.items():
        whole = [f for f in own if f["role"] != "part"]
        if not whole:
            only_parts += 1
            continue
        best = max(whole, key=lambda f: _preference(f, words))
        for other in own:
            if other is not best:
                result.skip("part" if other["role"] == "part" else "same_report", other)
        chosen.append(Part(by_id[report_id], best))
    result.parts = _comparable(chosen, result)
    if not result.parts:
        if only_parts:
            result.refused = "parts"
            result.others = [Part(by_id[f["report_id"]], f) for f in usable][:LIMIT]
        elif any(r.startswith("rate:") for r in result.skipped):
            result.refused = "rates"
        elif result.skipped:
            result.refused = "none"  # only goals, bounds or shares: nothing done to add up
        return result
    # Unit by unit, each unit's periods in order.
    result.parts = sorted(
        result.parts,
        key=lambda p: (p.report.unit.label if p.report.unit else "", p.report.sort_key),
    )[:LIMIT]
    return result


def figures_of(engine: Any, reports: list[ReportInfo]) -> list[dict[str, Any]]:
    """The reports' figures, each told what it is, and ``planned`` when its sentence is a
    directive or a direction ("vận động Quỹ … năm 2025 đạt trên 30 triệu đồng"): a goal set
    for later, never a result."""
    ids = [r.id for r in reports]
    figures = [known(f) for f in store.figures_of(engine, ids)]
    ahead: dict[int, list[str]] = {}
    for kind in ("directive", "direction"):
        for item in store.items_of(engine, ids, kind=kind):
            ahead.setdefault(int(item["report_id"]), []).append(str(item["text"]))
    for figure in figures:
        sentence = str(figure.get("sentence") or "")
        texts = ahead.get(int(figure["report_id"]), [])
        figure["planned"] = any(
            str(figure["raw"]) in t and (sentence[:80] in t or t[:80] in sentence) for t in texts
        )
    return figures


def _best_parts(
    figures: list[dict[str, Any]],
    by_id: dict[int, ReportInfo],
    measures: list[str],
    into: Collected,
) -> list[Part]:
    """What is known of each measure (one figure a report and measure), for an answer that
    gives no total."""
    kept: dict[tuple[int, str], dict[str, Any]] = {}
    for figure in figures:
        if (
            figure["measure"] not in measures
            or figure["kind"] not in {"amount", "count"}
            or figure["role"] in {"part", "target", "max"}
        ):
            continue
        key = (int(figure["report_id"]), str(figure["measure"]))
        if key not in kept or float(figure["value"]) > float(kept[key]["value"]):
            kept[key] = figure
    parts = [Part(by_id[r], f) for (r, _), f in kept.items()]
    return sorted(parts, key=lambda p: (p.report.sort_key, str(p.figure["measure"])))[:LIMIT]


def _attendance(figure: dict[str, Any]) -> bool:
    """ "Dự hội nghị có 25 đồng chí", "135/135 đại biểu": who came, never what was done."""
    if figure["unit"] not in {"người", "đại biểu"}:
        return False
    before = fold(str(figure.get("text") or ""))[-40:]
    return figure["unit"] == "đại biểu" or bool(re.search(r"\b(du|tham du|co mat|gom)\b", before))


def _comparable(parts: list[Part], result: Collected) -> list[Part]:
    """One part per unit and period: a wider period of a unit replaces the narrower ones it
    holds (a year's review its months, the same period twice is one event told twice), and a
    unit's total replaces its child units' for the same months."""
    # Widest periods first, then the unit's own meeting report before news of it.
    ordered = sorted(
        parts,
        key=lambda p: (
            -len((span(p.report) or (0, frozenset()))[1]),
            p.report.doc_type == "tin tức",
            -p.report.sort_key[0].toordinal(),
        ),
    )
    kept: list[Part] = []
    for part in ordered:
        mine = span(part.report)
        reason = None
        for other in kept:
            theirs = span(other.report)
            # Undated pages: the same only when they say the same figure.
            overlap = (
                (part.value == other.value)
                if mine is None or theirs is None
                else (mine[0] == theirs[0] and bool(mine[1] & theirs[1]))
            )
            if same_unit(part.report.unit, other.report.unit) and overlap:
                reason = "duplicate" if mine == theirs else "nested"
            elif (
                part.report.unit is None
                and other.report.unit is None
                and part.value == other.value
                and overlap
            ):
                reason = "duplicate"
            elif (
                part.report.unit is not None
                and other.report.unit is not None
                and overlap
                and part.report.unit.within(Place(other.report.unit.level, other.report.unit.name))
            ):
                reason = "child"
            if reason:
                break
        if reason is None:
            kept.append(part)
        else:
            result.skip(reason, part.figure)
    # A parent kept after its children (a narrower period of the parent) still holds them.
    final = []
    for part in kept:
        unit = part.report.unit
        parent = next(
            (o for o in kept if o is not part and unit is not None and o.report.unit is not None
             and unit.within(Place(o.report.unit.level, o.report.unit.name)) and _overlaps(o.report, part.report)),
            None,
        )  # fmt: skip
        if parent is None:
            final.append(part)
        else:
            result.skip("child", part.figure)
    return final


def _overlaps(a: ReportInfo, b: ReportInfo) -> bool:
    sa, sb = span(a), span(b)
    return sa is not None and sb is not None and sa[0] == sb[0] and bool(sa[1] & sb[1])


def main_figure(
    figures: list[dict[str, Any]], measure: str, funds: list[str], words: list[str]
) -> dict[str, Any] | None:
    """A report's figure of this measure about the topic: its total, else the largest."""
    own = [f for f in figures if f["measure"] == measure and f["kind"] in {"amount", "count"} and not f.get("planned")
           and f["role"] not in {"part", "target", "max"} and not _attendance(f) and about(f, funds, words)]  # fmt: skip
    if not own:
        return None
    return max(own, key=lambda f: _preference(f, words))


def _preference(figure: dict[str, Any], words: list[str]) -> tuple[int, bool, bool, float]:
    """Which of a report's figures answers: the one whose sentence says the most of the
    question's words ("chùa Ngái tặng …"), then its total, its result, the largest."""
    said = set(syllables(fold(str(figure.get("sentence") or "")))) if words else set()
    return (
        sum(w in said for w in words),
        figure["role"] == "total",
        figure["role"] == "achieved",
        float(figure["value"]),
    )


def main_fund(figures: list[dict[str, Any]], measure: str | None) -> list[str]:
    """The fund most reports of a series give a figure of this measure for (a series is
    followed by one thing, not by whichever figure is largest in each report)."""
    reports: dict[str, set[int]] = {}
    for figure in figures:
        if figure["measure"] != measure or figure.get("planned"):
            continue
        subject = fold(str(figure.get("subject") or ""))
        for fund in _FUNDS:
            if fund in subject:
                reports.setdefault(fund, set()).add(int(figure["report_id"]))
    if not reports:
        return []
    fund, having = max(reports.items(), key=lambda p: len(p[1]))
    series = {int(f["report_id"]) for f in figures if f["measure"] == measure}
    return [fund] if 2 * len(having) >= len(series) else []


def main_measure(figures: list[dict[str, Any]], funds: list[str], words: list[str]) -> str | None:
    """The measure a series of reports is best followed in: money first, else the most
    common count (never who attended)."""
    found = Counter(
        f["measure"] for f in figures
        if f["kind"] in {"amount", "count"} and f["role"] not in {"target", "max"} and not f.get("planned")
        and not _attendance(f) and about(f, funds, words)
    )  # fmt: skip
    if not found:
        return None
    if any(m in MONEY for m in found):
        return next(m for m in ("đồng", "USD") if m in found)
    return found.most_common(1)[0][0]
