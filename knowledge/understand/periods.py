"""Periods: "6 tháng đầu năm 2024", "quý III", "nhiệm kỳ 2024-2029", "năm ngoái", and which
stored reports speak of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from knowledge.catalog import ReportInfo
from knowledge.terms import DOC_CODE

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True, slots=True)
class Period:
    year: int | None = None
    part: str | None = None  # H1 H2 Y Q1..Q4 M1..M12; None: any part of the year
    term: str | None = None  # "2024-2029"

    def months(self) -> range:
        part = self.part or "Y"
        if part == "H1":
            return range(1, 7)
        if part == "H2":
            return range(7, 13)
        if part.startswith("Q"):
            start = 3 * (int(part[1]) - 1) + 1
            return range(start, start + 3)
        if part.startswith("M"):
            return range(int(part[1:]), int(part[1:]) + 1)
        return range(1, 13)

    def covers(self, report: ReportInfo, *, ahead: bool = False) -> bool:
        """Whether a report speaks of this period. ``ahead``: its directions do too (a
        mid-year review plans the second half; a year review plans the next year)."""
        if self.term:
            return report.term == self.term or (
                report.year is not None and _in_term(report.year, self.term)
            )
        if self.year is None:
            return self.part is None or report.part == self.part or report.part == "Y"
        when = report.when
        if when is not None and when.year == self.year and when.month in self.months():
            return True  # the meeting itself falls in the period asked
        if report.year is None and when is not None and _reviews(when, self):
            return True  # a review held in the weeks after the period asked
        if report.year is not None:
            spans = [(report.year, Period(report.year, report.part).months())]
            if ahead:
                spans.append(_next(report.year, report.part))
            return any(y == self.year and set(m) & set(self.months()) for y, m in spans)
        return False


def _reviews(when: date, period: Period) -> bool:
    """Whether a meeting on ``when`` (a page with no period of its own) can review
    ``period``: held within three months after it ends ("tổng kết năm 2016" in February 2017)."""
    if period.year is None:
        return False
    last = max(period.months())
    months_after = (when.year - period.year) * 12 + when.month - last
    return 0 < months_after <= 3


def _next(year: int, part: str | None) -> tuple[int, range]:
    if part == "H1":
        return year, range(7, 13)
    if part and part.startswith("Q") and part != "Q4":
        return year, Period(year, f"Q{int(part[1]) + 1}").months()
    return year + 1, range(1, 13)


def _in_term(year: int, term: str) -> bool:
    start, _, end = term.partition("-")
    return start.isdigit() and end.isdigit() and int(start) <= year <= int(end)


P_HALF = re.compile(r"\b(6 thang|sau thang|nua) (dau|cuoi)(?: nam)?(?: (\d{4}))?")
P_QUARTER = re.compile(r"\bquy (iv|iii|ii|i|[1-4])(?: (?:nam )?(\d{4}))?")
P_MONTH = re.compile(r"\bthang (1[0-2]|0?[1-9])(?:(?: nam |/)(\d{4}))")
P_TERM = re.compile(r"\b(?:nhiem ky|khoa) (\d{4}) ?[-–—] ?(\d{4})")
P_YEAR = re.compile(r"\b(?:nam )?((?:19[5-9]|20[0-9])\d)\b")
P_RELATIVE = {"nam ngoai": -1, "nam truoc": -1, "nam nay": 0, "nam sau": 1, "nam toi": 1}


def period(folded: str, *, today: date) -> Period | None:
    if found := P_TERM.search(folded):
        return Period(term=f"{found[1]}-{found[2]}")
    relative = next((today.year + d for k, d in P_RELATIVE.items() if k in folded), None)
    if found := P_HALF.search(folded):
        year = int(found[3]) if found[3] else relative or _bare_year(folded)
        return Period(year, "H1" if found[2] == "dau" else "H2")
    if found := P_QUARTER.search(folded):
        year = int(found[2]) if found[2] else relative or _bare_year(folded)
        return Period(year, f"Q{_ROMAN[found[1]]}")
    if found := P_MONTH.search(folded):
        return Period(int(found[2]), f"M{int(found[1])}")
    year = relative or _bare_year(folded)
    return Period(year, "Y") if year else None


def _bare_year(folded: str) -> int | None:
    cleaned = P_TERM.sub(" ", DOC_CODE.sub(" ", folded))
    found = P_YEAR.search(re.sub(r"\d+/\d{4}", " ", cleaned))  # 15/5/2016 is a date, not a period
    return int(found[1]) if found else None
