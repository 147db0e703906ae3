"""Dates, periods, terms and session numbers.

The meeting date is the one the lead gives for the meeting itself ("Ngày 15/7, Ủy ban MTTQ
... tổ chức"), not a document's date ("05-CT/TW ngày 15/5/2016"), an anniversary
("11/6/1948-11/6/2021") or a later event in the body. A date without a year takes it from
the period the report covers ("6 tháng cuối năm 2020"), else from the date the page was
published (never later than it), else from the years the lead names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from knowledge.extract.record import Period

# "ngày 15/7", "Sáng 22-6", "chiều nay 15.5", "ngày 2 tháng 7 năm 2021", "06/7/2023".
_DAY_MONTH = re.compile(
    r"(?P<prefix>(?:sáng|chiều|tối|trưa)(?:\s+(?:nay|qua|mai))?,?\s+(?:ngày\s+)?|ngày\s+)?"
    r"(?<![\d/])(?P<d>\d{1,2})\s*(?:[/.]\s*|(?P<dash>-)(?=\d)|\s+tháng\s+)(?P<m>\d{1,2})"
    r"(?:\s*(?:[/.]|-(?=\d{4})|\s+năm)\s*(?P<y>\d{4}))?(?![\d/]*\d)",
    re.IGNORECASE,
)
_EVENT = re.compile(
    r"tổ chức|diễn ra|khai mạc|tiến hành|họp|hội nghị|sơ kết|tổng kết|giao ban|hiệp thương|đại hội",
    re.IGNORECASE,
)
_DOC_CODE_BEFORE = re.compile(r"[A-ZĐ]{1,5}/[A-ZĐƯ]{1,6}\S*\s*(?:ngày\s*)?$")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
_WORD_NUMBERS = {
    "nhất": 1,
    "một": 1,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
}
_HALF = re.compile(
    r"(?:6|sáu)\s+tháng\s+(?P<which>đầu|cuối)\s+năm(?:\s+(?P<y>\d{4}))?", re.IGNORECASE
)
_QUARTER = re.compile(
    r"quý\s+(?P<q>IV|III|II|I|[1-4])\b(?:\s*(?:năm|/)\s*(?P<y>\d{4}))?", re.IGNORECASE
)
_MONTH = re.compile(
    r"(?:giao ban|sơ kết|kết quả|công tác|hoạt động)(?:\s+\S+){0,4}?\s+tháng\s+(?P<m>\d{1,2})"
    r"(?:\s*(?:năm|/)\s*(?P<y>\d{4}))?(?!\s*/)",
    re.IGNORECASE,
)
_YEAR_REVIEW = re.compile(r"tổng kết(?:\s+\S+){0,6}?\s+năm\s+(?P<y>\d{4})", re.IGNORECASE)
_REVIEW_WORDS = re.compile(r"sơ kết|tổng kết|đánh giá|kết quả|trong|qua", re.IGNORECASE)
_PLAN_WORDS = re.compile(
    r"triển khai|phương hướng|nhiệm vụ|chương trình|kế hoạch|đề ra", re.IGNORECASE
)
_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b")
_TERM = re.compile(r"(?:nhiệm kỳ|khóa)\s+(?P<a>\d{4})\s*[-–—]\s*(?P<b>\d{4})", re.IGNORECASE)
_FRONT_WORDS = re.compile(r"mttq|mặt trận|ủy ban|ub\b|hội nghị|lần thứ|uỷ ban", re.IGNORECASE)
_OTHER_BODIES = re.compile(
    r"đảng bộ|đại hội đảng|hđnd|hội đồng nhân dân|quốc hội|ban ctmt|ban công tác|chi bộ|đoàn",
    re.IGNORECASE,
)
_SESSION = re.compile(
    r"(?:hội nghị|kỳ họp|phiên họp)(?P<between>[^.;]{0,80}?)\blần\s+thứ\s+(?P<n>[IVXL]+|\d{1,2}|[^\W\d_]+)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Found:
    value: str
    sentence: str


def iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def number_word(token: str) -> int | None:
    """'4' → 4, 'II' → 2, 'tư' → 4, 'nhất' → 1."""
    if token.isdigit():
        return int(token)
    upper = token.upper()
    if upper and all(c in _ROMAN for c in upper):
        total = 0
        for index, char in enumerate(upper):
            value = _ROMAN[char]
            following = _ROMAN[upper[index + 1]] if index + 1 < len(upper) else 0
            total += -value if value < following else value
        return total
    return _WORD_NUMBERS.get(token.lower())


def meeting_date(
    lead: list[str],
    *,
    covered: Period | None,
    fallback_year: int | None,
    published: str | None = None,
    news: bool = False,
) -> Found | None:
    """The first date in the lead that a meeting sentence gives for itself; with ``news``, also
    the date a story opens with ("Sáng 6/2, tại …"), the day of the event it tells.

    A date without a year takes the period's, else the published date's (never later than
    it: a post published on 23/11/2025 telling of "Sáng ngày 23/11" or "ngày 28/12" means
    23/11/2025 and 28/12/2024), else ``fallback_year``, the document's own.

    A story is dated only beside its published date, and only within the year before it: its
    lead's first date is as often a birth, an anniversary or a law's, and the years it
    mentions tell the day's year no better than chance (2017 news: 25 right of 61)."""
    if news and not published:
        return None
    for sentence in lead:
        event = _EVENT.search(sentence) is not None
        if not event and not news:
            continue
        for match in _DAY_MONTH.finditer(sentence):
            if _not_meeting_date(sentence, match) or not (event or _opens(sentence, match)):
                continue
            day, month = int(match["d"]), int(match["m"])
            if match["y"]:
                value = iso(int(match["y"]), month, day)
            else:
                # "Sáng 22-6" is how news write; the years such a lead mentions ("khóa VIII,
                # nhiệm kỳ 2014 - 2019") name its year no better than chance.
                guess = None if match["dash"] else fallback_year
                value = yearless(
                    day, month, covered=covered, published=published, fallback_year=guess
                )
            if value and (not news or (published is not None and _told(value, published))):
                return Found(value, sentence)
    return None


_NEWS_DAYS = 366  # a story tells of the year before it was published, not of history


def _told(value: str, published: str) -> bool:
    gap = (date.fromisoformat(published) - date.fromisoformat(value)).days
    return 0 <= gap <= _NEWS_DAYS


_OPENING = 40  # characters before a story's date: "(Baonghean) - Sáng nay, ngày 6.2, …"


def _opens(sentence: str, match: re.Match[str]) -> bool:
    """Whether the date opens the story ("Sáng 6/2, …", "NDĐT - Ngày 6/2, …"): said with
    ngày or the time of day, near the sentence's start."""
    return bool(match["prefix"]) and match.start() <= _OPENING


def yearless(
    day: int,
    month: int,
    *,
    covered: Period | None,
    published: str | None,
    fallback_year: int | None,
) -> str | None:
    """The date a day and month without a year stand for (see meeting_date)."""
    year = _year_for(month, covered)
    if year is None and published:
        year = int(published[:4])
    year = year or fallback_year
    if year is None:
        return None
    value = iso(year, month, day)
    if value and published and value > published:
        # A page tells of what happened before it was published, not of the next year.
        value = iso(year - 1, month, day)
    return value


def _year_for(month: int, covered: Period | None) -> int | None:
    """A review of the year or its second half meets early next year ("Ngày 10/1, tổng kết
    năm 2023" is in 2024); anything else meets in the year it covers."""
    if covered is None:
        return None
    late = covered.part in {"Y", "H2", "Q4", "M12"}
    return covered.year + 1 if late and month <= 3 else covered.year


def _not_meeting_date(sentence: str, match: re.Match[str]) -> bool:
    # What comes just before the date decides: a short window, not everything before it, or
    # a lead sentence full of dates costs the square of its length.
    before = sentence[max(0, match.start() - 30) : match.start()]
    after = sentence[match.end() : match.end() + 3]
    if _DOC_CODE_BEFORE.search(before):
        return True  # "05-CT/TW ngày 15/5/2016" is the directive's date
    ending = before.rstrip() or sentence[: match.start()].rstrip()  # the last visible character
    if after.lstrip().startswith(("-", "–")) or ending.endswith(("-", "–", "(")):
        return True  # "(11/6/1948-11/6/2021)": an anniversary span
    # A bare "d/m" without "ngày" and without a year is too often a ratio or a code.
    return not match["prefix"] and not match["y"]


def period(lead: list[str], *, fallback_year: int | None) -> tuple[Period, str] | None:
    """The period the report reviews (H1/H2, Q1–Q4, a month, or the year) and its sentence."""
    # The year a yearless period phrase shares, read once: reading the lead again for each
    # phrase cost the square of a long lead.
    lead_year = next((int(m["y"]) for m in _HALF.finditer(" ".join(lead)) if m["y"]), None)
    for sentence in lead:
        found = _period_in(sentence, lead_year, fallback_year)
        if found:
            return found, sentence
    return None


def _period_in(sentence: str, lead_year: int | None, fallback_year: int | None) -> Period | None:
    for match in _HALF.finditer(sentence):
        before = sentence[max(0, match.start() - 60) : match.start()]
        reviewed = match["which"].lower() == "đầu" or (
            _REVIEW_WORDS.search(before) and not _PLAN_WORDS.search(before)
        )
        if reviewed:
            year = _year(match["y"], lead_year, fallback_year)
            if year:
                return Period(year, "H1" if match["which"].lower() == "đầu" else "H2")
    for regex, part in ((_QUARTER, "Q"), (_MONTH, "M")):
        numbered = regex.search(sentence)
        if numbered:
            number = number_word(numbered.group(1))
            year = _year(numbered["y"], lead_year, fallback_year)
            if (
                number
                and year
                and ((part == "Q" and number <= 4) or (part == "M" and number <= 12))
            ):
                return Period(year, f"{part}{number}")
    review = _YEAR_REVIEW.search(sentence)
    if review:
        return Period(int(review["y"]), "Y")
    return None


def _year(explicit: str | None, lead_year: int | None, fallback: int | None) -> int | None:
    """A period phrase without a year ("6 tháng đầu năm, ... cuối năm 2023") shares the year the
    lead gives elsewhere, or the meeting's."""
    if explicit:
        return int(explicit)
    return lead_year if lead_year is not None else fallback


def any_year(texts: list[str]) -> int | None:
    counts = Counter(int(y) for text in texts for y in _YEAR.findall(text))
    return counts.most_common(1)[0][0] if counts else None


def term(lead: list[str]) -> Found | None:
    """The Front committee's term ("nhiệm kỳ 2019 – 2024"), not a Party or council term."""
    for sentence in lead:
        for match in _TERM.finditer(sentence):
            before = sentence[max(0, match.start() - 90) : match.start()]
            front = list(_FRONT_WORDS.finditer(before))
            other = list(_OTHER_BODIES.finditer(before))
            if front and (not other or other[-1].start() < front[-1].start()):
                return Found(f"{match['a']}-{match['b']}", sentence)
    return None


def session_number(lead: list[str]) -> Found | None:
    for sentence in lead:
        for match in _SESSION.finditer(sentence):
            if re.search(r"đại hội|đảng bộ|hiệp thương", match["between"], re.IGNORECASE):
                continue
            number = number_word(match["n"])
            if number:
                return Found(str(number), sentence)
    return None


def explicit_dates(text: str) -> list[str]:
    """Every full date (with a year) in a text, ISO: used for document dates."""
    out = []
    for match in _DAY_MONTH.finditer(text):
        if match["y"]:
            value = iso(int(match["y"]), int(match["m"]), int(match["d"]))
            if value:
                out.append(value)
    return out
