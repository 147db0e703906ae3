"""Understand stage: a Vietnamese question → facets (unit, period, intent, measure, codes).

Everything is matched on the folded form, so "phuong 2 dat duoc gi 6 thang dau nam" and
"Phường 2 đạt được gì trong 6 tháng đầu năm" give the same facets. Units are matched
against the units actually stored (the catalog): exact names first, then a typo-tolerant
match (rapidfuzz) for written-out names — never for numbered ones, so "Phường 2" can only
be Phường 2, not Phường 12.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz, process

from knowledge import gazetteer
from knowledge.catalog import Catalog, Place, ReportInfo, Unit
from knowledge.terms import DOC_CODE, bigrams, code_token, has_diacritics, syllables
from knowledge.text import fold, normalize, squash

MAX_QUESTION = 1000
FRONT_TOKENS = frozenset({"mttq", "ubmttq", "ubtu", "ctmt", "btt"})  # characters looked at; a pasted page is cut, never an error

_LEVELS = {
    "thanh pho": "thành phố",
    "tp": "thành phố",
    "tinh": "tỉnh",
    "huyen": "huyện",
    "quan": "quận",
    "thi xa": "thị xã",
    "tx": "thị xã",
    "thi tran": "thị trấn",
    "tt": "thị trấn",
    "xa": "xã",
    "phuong": "phường",
    "p": "phường",
    "q": "quận",
}
_LEVEL_WORDS = "|".join(sorted((re.escape(k) for k in _LEVELS), key=len, reverse=True))
_LEVEL_RE = re.compile(rf"\b({_LEVEL_WORDS})(?:\.\s*|\s+)")  # "P.2", "Q. Long Biên", "TX Kiến Tường"
_LEVEL_BEFORE = re.compile(rf"(?:^|\s)({_LEVEL_WORDS})\.?\s+$")
# Words that follow a level word without naming a unit ("huyện ủy", "xã hội", "phường đã").
_NOT_NAMES = {
    "uy", "hoi", "nha", "ta", "minh", "da", "se", "dang", "co", "va", "cung", "nay", "do",
    "doi", "trong", "duoc", "toi", "khu", "ban", "nao", "thuoc", "cac", "cua", "mien", "vung",
    "xa", "ho", "thon",
}  # fmt: skip
_COMMITTEES = {"thi uy": "thị xã", "huyen uy": "huyện", "tinh uy": "tỉnh", "thanh uy": "thành phố",
               "quan uy": "quận"}  # fmt: skip
# Chat shorthand, read as the words it stands for before anything else.
_SHORTHAND = {
    "kq": "ket qua", "bn": "bao nhieu", "ko": "khong", "hn": "hoi nghi", "dh": "dai hoi",
    "nk": "nhiem ky", "nd": "nhan dan", "sl": "so luong", "pct": "pho chu tich", "ubmt": "ubmttq",
    "mt": "mat tran", "cb": "can bo", "tphcm": "thanh pho ho chi minh", "hcm": "ho chi minh",
    "tw": "trung uong",
}  # fmt: skip
_SHORTHAND_RE = re.compile(r"(?<![\w/.-])(" + "|".join(_SHORTHAND) + r")(?![\w/-])")
_CITY_HANOI = re.compile(r"\b(tp|thanh pho)\.?\s*hn\b")
_MEETING_KINDS = ("so ket", "tong ket", "giao ban", "hiep thuong", "dai hoi", "hoi nghi uy ban")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# Intent cues on the folded question, most specific first.
_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("coverage", r"\b(nhung|cac|danh sach|liet ke) (bao cao|hoi nghi|van ban)\b|\bco (nhung )?bao cao nao\b|\bbao cao nao\b"),
        ("timeline", r"\b(qua cac (nam|ky)|theo thoi gian|dien bien qua|tien trinh|cac ky|tung ky|tung nam)\b"),
        ("compare", r"\b(so sanh|so voi|doi chieu|khac nhau)\b"),
        ("followup", r"\b(da (duoc )?thuc hien|thuc hien (chua|den dau)|theo doi|ket qua thuc hien) (cac |nhung )?(chi dao|y kien chi dao|yeu cau|de nghi)|\b(chi dao|yeu cau).{0,40}\b(thuc hien chua|da lam chua|den dau)\b"),
        ("aggregate", r"\b(tong (so|cong|cac)|cong lai|tat ca cac (don vi|bao cao)|toan bo cac)\b"),
        ("event", r"\b(lan thu may|thu may|nhiem ky nao|ky hop)\b"),
        ("author", r"\b(ai viet|tac gia|nguoi viet|phong vien|ai dua tin|but danh|viet boi|ai thuc hien bai)\b"),
        ("people", r"\b(ai|la ai|nguoi nao|chu tri|ai du|thanh phan|dai bieu nao|ong nao|ba nao|ten gi)\b"),
        ("date", r"\b(khi nao|ngay nao|bao gio|hom nao|thoi gian nao|luc nao|vao ngay|thang nao)\b"),
        ("figure", r"\b(bao nhieu|may|so luong|ty le|ti le|con so|tong tien|muc)\b"),
        ("place", r"\b(o dau|tai dau|dia diem|noi nao)\b"),
        ("limitation", r"\b(han che|ton tai|yeu kem|kho khan|vuong mac|bat cap|chua lam duoc|thieu sot|nhuoc diem)\b"),
        ("directive", r"\b(chi dao|yeu cau|de nghi|giao nhiem vu|ket luan|quan triet)\b"),
        ("direction", r"\b(phuong huong|nhiem vu (trong tam|thoi gian toi|sap toi)|can lam gi|se lam gi|lam gi tiep|ke hoach (thoi gian toi|sap toi)|chuong trinh (cong tac|hanh dong)|thoi gian toi|sap toi)\b"),
        ("achievement", r"\b(dat duoc|ket qua|thanh tich|lam duoc|noi bat|thanh tuu|dat gi)\b"),
    )
)
_ITEM_KIND = {"limitation": "limitation", "direction": "direction", "directive": "directive",
              "achievement": "achievement"}  # fmt: skip
# Measure asked for by "bao nhiêu X" / "mấy X" → the figure unit it should have.
_MEASURE = re.compile(r"\b(?:bao nhieu|may|so luong)\s+((?:[a-z]+\s?){1,2})")  # not "số": it folds like "sơ"
_MONEY = re.compile(r"\b(tien|kinh phi|ung ho|quy|gia tri|tri gia|dong|trieu|ty)\b")
_PERCENT = re.compile(r"\b(ty le|ti le|phan tram)\b")
_MEASURE_NOT = {"nam", "thang", "ngay", "lan", "nguoi ung"}
_FOLLOW = re.compile(r"\b(thi sao|con .* thi|the con|con gi nua|con nua|vay con)\b|^(con|the|vay) ")
_FOLLOW_WORDS = re.compile(r"\b(thi sao|thi the nao|the con|con gi nua|con nua|vay con)\b|^(con|the|vay)\b")
# Words that say what kind of question it is, not what it is about: left out of the query.
# Folded words that are also content ("hội", "ban", "thị", "thể", "Đảng", "Minh") stay.
STOPWORDS = frozenset(
    ["la", "gi", "ai", "nao", "bao", "nhieu", "may", "duoc", "co", "khong", "sao", "nhu", "nhung", "cac", "cua", "cho", "trong", "voi", "va", "o", "dau", "khi", "nay", "vay", "con", "hay", "biet", "toi", "xin", "oi", "a", "nhe", "u", "ha", "ve", "viec", "roi", "chua", "da", "se", "muon"]
)
_PUNCTUATION = re.compile(r"[^\w\s/%.,–—-]|[.,](?=\s|$)|(?<=\s)[.,–—-]+(?=\s)")


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


@dataclass(slots=True)
class Question:
    text: str
    folded: str
    tokens: list[str]  # content tokens in index spelling
    exact: list[str]  # accented words, when the user typed accents
    numbers: set[str]  # numbers that must appear in an answer passage
    intent: str = "search"
    units: list[Unit] = field(default_factory=list)
    scope: str | None = None  # "Tỉnh Hải Dương" when the units are those inside a place named
    mentions: list[frozenset[Unit]] = field(default_factory=list)  # each unit name written
    unknown_unit: str | None = None  # named, but nothing of it is stored
    places: list[Place] = field(default_factory=list)
    period: Period | None = None
    measure: str | None = None
    codes: list[str] = field(default_factory=list)
    meeting_kind: str | None = None  # folded: "so ket", "tong ket", "giao ban", "hiep thuong"...
    follow_up: bool = False
    cues: list[str] = field(default_factory=list)  # the intent's own words, left out of tokens
    required: set[str] = field(default_factory=set)  # tokens an answer passage must hold
    anchors: set[str] = field(default_factory=set)  # ...or its report ("lần thứ 7")
    near: set[str] = field(default_factory=set)  # ...or the passage's neighbours (a place)
    explicit: set[str] = field(default_factory=set)  # facets the question itself gave

    @property
    def about_front(self) -> bool:
        """The question names the Front itself ("Ủy ban MTTQ …", "Mặt trận …")."""
        return any(t in FRONT_TOKENS for t in self.tokens)

    @property
    def item_kind(self) -> str | None:
        return _ITEM_KIND.get(self.intent)


def understand(text: str, *, catalog: Catalog, today: date | None = None) -> Question:
    text = normalize(squash(text[:MAX_QUESTION]))
    folded = _expand(squash(_PUNCTUATION.sub(" ", fold(text))))
    question = Question(text=text, folded=folded, tokens=[], exact=[], numbers=set())
    question.intent = intent(folded)
    question.codes = [m.group() for m in DOC_CODE.finditer(text)]
    question.period = period(folded, today=today or date.today())
    spans = _resolve_units(question, catalog)
    if question.intent == "aggregate" and len(set(question.mentions)) == 1:
        question.intent = "figure"  # a total within one unit is one of its figures
    question.meeting_kind = next((k for k in _MEETING_KINDS if k in folded), None)
    question.measure = measure(folded)
    question.follow_up = bool(_FOLLOW.search(folded)) or (
        len(folded.split()) <= 4 and not question.units and not question.unknown_unit
    )
    question.explicit = {
        name
        for name, present in (
            ("unit", bool(question.units or question.unknown_unit)),
            ("period", question.period is not None),
            ("intent", question.intent != "search"),
        )
        if present
    }
    _content(question, spans + _facet_spans(question))
    if question.intent == "search" and not question.tokens:
        question.intent = "achievement"  # only a unit or a period: what did it achieve?
    return question


_CHAIR = re.compile(r"\b(p?)ct(?= (?:ubmttq|ubmt|uy ban|ub|ubnd|hdnd|mttq|ubtu|hoi|nuoc|xa|tinh|huyen|phuong|thi|quan))")
_SPELLED = {"dc": "duoc", "c.trinh": "chuong trinh", "ctrinh": "chuong trinh", "tgian": "thoi gian"}
_SPELLED_RE = re.compile(r"(?<![\w/.-])(" + "|".join(re.escape(k) for k in _SPELLED) + r")(?![\w/-])")


def _expand(folded: str) -> str:
    folded = _CITY_HANOI.sub("thanh pho ha noi", folded)
    folded = _CHAIR.sub(lambda m: "pho chu tich" if m[1] else "chu tich", folded)
    folded = _SPELLED_RE.sub(lambda m: _SPELLED[m[1]], folded)
    return _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m[1]], folded)


# Intents whose cue words only say what kind of item is wanted ("hạn chế", "phương hướng"):
# the items themselves rarely repeat them, so they are not searched for.
_CUE_ONLY = {
    "limitation", "direction", "directive", "achievement", "people", "date", "figure", "event",
    "place", "author",
    "compare", "timeline", "coverage", "followup", "aggregate",
}  # fmt: skip


def _facet_spans(question: Question) -> list[tuple[int, int]]:
    folded = question.folded
    spans: list[tuple[int, int]] = []
    if question.period is not None:
        for pattern in (_P_TERM, _P_HALF, _P_QUARTER, _P_MONTH, _P_YEAR):
            spans += [m.span() for m in pattern.finditer(folded)]
        spans += [m.span() for k in _P_RELATIVE for m in re.finditer(k, folded)]
    if question.intent in _CUE_ONLY:
        found = [m.span() for m in dict(_INTENTS)[question.intent].finditer(folded)]
        question.cues = [t for a, b in found for t in syllables(folded[a:b])]
        spans += found
    spans += [m.span() for m in _FOLLOW_WORDS.finditer(folded)]
    return spans


def intent(folded: str) -> str:
    for name, pattern in _INTENTS:
        if pattern.search(folded):
            if name == "directive" and re.search(r"\b(noi ve gi|ve van de gi|noi dung gi)\b", folded):
                return "directive"
            return name
    return "search"


def measure(folded: str) -> str | None:
    if _PERCENT.search(folded):
        return "%"
    found = _MEASURE.search(folded)
    if found:
        words = found.group(1).split()
        head = " ".join(w for w in words if w not in STOPWORDS)
        if head and head not in _MEASURE_NOT and head.split()[0] not in {"tien"}:
            return head
    return "đồng" if _MONEY.search(folded) else None


# -- periods ---------------------------------------------------------------------------------

_P_HALF = re.compile(r"\b(6 thang|sau thang|nua) (dau|cuoi)(?: nam)?(?: (\d{4}))?")
_P_QUARTER = re.compile(r"\bquy (iv|iii|ii|i|[1-4])(?: (?:nam )?(\d{4}))?")
_P_MONTH = re.compile(r"\bthang (1[0-2]|0?[1-9])(?:(?: nam |/)(\d{4}))")
_P_TERM = re.compile(r"\b(?:nhiem ky|khoa) (\d{4}) ?[-–—] ?(\d{4})")
_P_YEAR = re.compile(r"\b(?:nam )?((?:19[5-9]|20[0-9])\d)\b")
_P_RELATIVE = {"nam ngoai": -1, "nam truoc": -1, "nam nay": 0, "nam sau": 1, "nam toi": 1}


def period(folded: str, *, today: date) -> Period | None:
    if found := _P_TERM.search(folded):
        return Period(term=f"{found[1]}-{found[2]}")
    relative = next((today.year + d for k, d in _P_RELATIVE.items() if k in folded), None)
    if found := _P_HALF.search(folded):
        year = int(found[3]) if found[3] else relative or _bare_year(folded)
        return Period(year, "H1" if found[2] == "dau" else "H2")
    if found := _P_QUARTER.search(folded):
        year = int(found[2]) if found[2] else relative or _bare_year(folded)
        return Period(year, f"Q{_ROMAN[found[1]]}")
    if found := _P_MONTH.search(folded):
        return Period(int(found[2]), f"M{int(found[1])}")
    year = relative or _bare_year(folded)
    return Period(year, "Y") if year else None


def _bare_year(folded: str) -> int | None:
    cleaned = _P_TERM.sub(" ", DOC_CODE.sub(" ", folded))
    found = _P_YEAR.search(re.sub(r"\d+/\d{4}", " ", cleaned))  # 15/5/2016 is a date, not a period
    return int(found[1]) if found else None


# -- units -----------------------------------------------------------------------------------


def _resolve_units(question: Question, catalog: Catalog) -> list[tuple[int, int]]:
    """Fill units/places/unknown_unit; returns the character spans the unit names used."""
    folded = question.folded
    mentions: list[tuple[set[Unit], tuple[int, int]]] = []
    unknown: str | None = None
    for match in _LEVEL_RE.finditer(folded):
        level = _LEVELS[match[1]]
        found, span, written = _named_after(folded, match.end(), level, catalog)
        if found:
            mentions.append((found, (match.start(), span)))
        elif unknown is None and written and (written.split()[0].isdigit() or _real(level, written)):
            unknown = f"{level} {_written_name(question.text, written)}"
    for committee, level in _COMMITTEES.items():
        for match in re.finditer(rf"\b{committee}\s+", folded):
            found, span, _ = _named_after(folded, match.end(), level, catalog)
            if found:
                mentions.append((found, (match.start(), span)))
    used = [span for _, span in mentions]
    mentions += _bare_names(folded, catalog, used)
    used = [span for _, span in mentions]
    within = _parent_names(folded, catalog, used)
    units = _narrow(mentions, [p for p, _ in within])
    if not units and within:  # only a province or district named: the units inside it
        units = {u for u in catalog.by_unit if any(u.within(p) for p, _ in within) and catalog.trusted(u)}
        question.scope = within[0][0].label[:1].upper() + within[0][0].label[1:]
    question.mentions = [frozenset(m) for m, _ in sorted(mentions, key=lambda m: m[1])]
    question.units = sorted(units, key=lambda u: u.label)
    question.places = [Place(u.level, u.name) for m, _ in mentions for u in m if u not in units]
    question.places += [p for p, _ in within]
    if not units and unknown:
        question.unknown_unit = unknown
    used = [span for _, span in mentions] + [span for _, span in within]
    question.near |= _provinces_named(folded, used)
    return used


def _provinces_named(folded: str, used: list[tuple[int, int]]) -> set[str]:
    """Provinces written bare that no stored report is of or within ("Vĩnh Phúc" when the
    page about it was filed under another unit): the answer's report must name them."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    anchors = set()
    for size in (3, 2):
        for i in range(len(words) - size + 1):
            start, end = words[i][0], words[i + size - 1][1]
            if any(start < b and a < end for a, b in used):
                continue
            if gazetteer.province(folded[start:end]):
                anchors |= set(bigrams(folded[start:end].split()))
                used.append((start, end))
    return anchors


def _parent_names(
    folded: str, catalog: Catalog, used: list[tuple[int, int]]
) -> list[tuple[Place, tuple[int, int]]]:
    """Parent places written in the question ("Phường 2 Sóc Trăng", "thị xã Kiến Tường"),
    with or without their level word, two syllables or more."""
    found: list[tuple[Place, tuple[int, int]]] = []
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    for size in (4, 3, 2):
        for i in range(len(words) - size + 1):
            start, end = words[i][0], words[i + size - 1][1]
            if any(start < b and a < end for a, b in used):
                continue
            places = catalog.places_named(folded[start:end])
            if places:
                level = _level_before(folded, start)
                found += [(p, (level[0] if level else start, end)) for p in places
                          if level is None or p.level == level[1]]
                used.append((start, end))
    return found


def _level_before(folded: str, start: int) -> tuple[int, str] | None:
    """The level word just before a name, if any: (its start, the level)."""
    match = _LEVEL_BEFORE.search(folded[:start])
    return (match.start(1), _LEVELS[match[1]]) if match else None


def _named_after(
    folded: str, start: int, level: str, catalog: Catalog
) -> tuple[set[Unit], int, str]:
    """Units of ``level`` whose name starts at ``start`` (longest first), the end of the
    name, and the words written there (for an 'unknown unit' message)."""
    words = folded[start:].split()[:4]
    if not words:
        return set(), start, ""
    if words[0].isdigit():  # numbered units: exact only
        found = {u for u in catalog.units_named(words[0]) if u.level == level}
        return found, start + len(words[0]), words[0]
    initial = _INITIAL.match(folded, start)
    if initial:  # "Q.Nghiệp" for Quảng Nghiệp
        found, tail = _by_initial(initial[1], initial[2], level, catalog)
        if found:
            return found, initial.start(2) + len(tail), initial[0]
    for size in range(min(4, len(words)), 0, -1):
        name = " ".join(words[:size])
        found = {u for u in catalog.units_named(name) if u.level == level}
        if found:
            return found, start + len(name), name
    for size in range(min(3, len(words)), 0, -1):  # a real unit we hold nothing about
        name = " ".join(words[:size])
        if _real(level, name):
            return set(), start + len(name), name
    name = " ".join(w for w in words[:2] if not w.isdigit() and w not in STOPWORDS)
    fuzzy = _fuzzy_unit(name, level, catalog) if len(name) >= 5 else set()
    return fuzzy, start + len(name), name


_INITIAL = re.compile(r"([a-z])\.\s*([a-z]+(?: [a-z]+){0,2})")


def _by_initial(letter: str, rest: str, level: str, catalog: Catalog) -> tuple[set[Unit], str]:
    """Stored units of ``level`` whose name is ``letter``… followed by the words of ``rest``
    (longest name first), and the words it took."""
    best: tuple[set[Unit], str] = (set(), "")
    for name, units in catalog.by_name.items():
        head, _, tail = name.partition(" ")
        fits = head.startswith(letter) and tail and (rest == tail or rest.startswith(tail + " "))
        ofit = {u for u in units if u.level == level and catalog.trusted(u)} if fits else set()
        if ofit and len(tail) >= len(best[1]):
            best = (ofit | best[0] if tail == best[1] else ofit, tail)
    return best


def _real(level: str, name: str) -> bool:
    """Whether the gazetteer knows a unit of this level and name (so "xã Quảng Nghĩa" is a
    real commune we hold nothing about, not a typo of Quảng Nghiệp)."""
    return bool(name) and not name.isdigit() and bool(gazetteer.candidates(level, name))


def _fuzzy_unit(name: str, level: str, catalog: Catalog) -> set[Unit]:
    names = [n for n in catalog.by_name if not n.isdigit()]
    best = process.extractOne(name, names, scorer=fuzz.ratio, score_cutoff=84)
    if best is None:
        return set()
    return {u for u in catalog.units_named(best[0]) if u.level == level}


def _bare_names(
    folded: str, catalog: Catalog, used: list[tuple[int, int]]
) -> list[tuple[set[Unit], tuple[int, int]]]:
    """Unit names written without a level word ("Đình Lập", "Hồng Lĩnh"): two syllables or
    more, so ordinary words are not mistaken for places."""
    found: list[tuple[set[Unit], tuple[int, int]]] = []
    positions = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    taken = list(used)
    for size in (4, 3, 2):
        for i in range(len(positions) - size + 1):
            start, end = positions[i][0], positions[i + size - 1][1]
            if any(start < b and a < end for a, b in taken):
                continue
            name = folded[start:end]
            if name in _NOT_PLACES:
                continue
            units = {u for u in catalog.units_named(name) if u.level != "trung ương"}
            if units:
                found.append((units, (start, end)))
                taken.append((start, end))
    central = _CENTRAL.search(folded)
    if central:  # "Việt Nam" alone is every Front body's name; the central one is said so
        units = {u for u in catalog.by_unit if u.level == "trung ương"}
        if units:
            found.append((units, central.span()))
    return found


_NOT_PLACES = {"viet nam", "trung uong", "nha nuoc", "chinh phu", "quoc hoi"}  # written bare
_CENTRAL = re.compile(r"\b(uy ban trung uong|ubtu|ub tw|ubtw|uy ban t\.u|trung uong (mttq|mat tran))\b")


def _narrow(mentions: list[tuple[set[Unit], tuple[int, int]]], places: list[Place]) -> set[Unit]:
    """The units the question is about: the lowest-level mention, kept to the candidates
    inside the other places it names ("Phường 2 Kiến Tường")."""
    if not mentions:
        return set()
    ranked = sorted(mentions, key=lambda m: min(_RANK.get(u.level, 9) for u in m[0]))
    target = set(ranked[0][0])
    around = [[Place(o.level, o.name) for o in others] for others, _ in ranked[1:]]
    for group in [*around, places]:
        # A unit whose parents no report named may well be inside: keep it.
        inside = {u for u in target if not u.parents or any(u.within(p) for p in group)}
        if inside and any(u.parents for u in inside):
            target = inside
    return target


_RANK = {"xã": 0, "phường": 0, "thị trấn": 0, "huyện": 1, "quận": 1, "thị xã": 1, "thành phố": 2,
         "tỉnh": 3}  # fmt: skip


def _written_name(text: str, folded_name: str) -> str:
    """The name as the user wrote it, found through the folded form."""
    words = text.split()
    count = len(folded_name.split())
    for i in range(len(words) - count + 1):
        chunk = " ".join(words[i : i + count])
        if fold(chunk).strip("?.,!:;") == folded_name:
            return chunk.strip("?.,!:;")
    return folded_name


# -- content ---------------------------------------------------------------------------------


def _content(question: Question, facet_spans: list[tuple[int, int]]) -> None:
    """Content tokens: the question minus its question words and the text of the facets
    already understood (unit names, the period, the intent's cue words). The numbers left
    must appear in an answer passage as whole tokens."""
    folded = question.folded
    kept = "".join(
        " " if any(a <= i < b for a, b in facet_spans) else ch for i, ch in enumerate(folded)
    )
    # Single letters are leftovers ("Q." of "Q. Long Biên", "C&T"), not words to match.
    tokens = [t for t in syllables(kept) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]
    question.tokens = tokens + [code_token(c) for c in question.codes]
    question.numbers = {t for t in tokens if t.isdigit()}
    dated = {str(int(n)) for m in _DATE_IN_TEXT.finditer(kept) for n in m.groups() if n}
    question.required = _figures_asked(tokens) - dated
    # "lần thứ 9", "khóa VIII": which meeting; said in the passage or around it.
    question.anchors |= {
        f"{tokens[i - 1]}_{t}" for i, t in enumerate(tokens) if t.isdigit() and i and tokens[i - 1] in {"thu", "khoa"}
    }
    if has_diacritics(question.text):
        question.exact = [
            w
            for w in re.findall(r"\w+", kept_accented(question.text, folded, kept))
            if not w.isdigit() and fold(w) not in STOPWORDS
        ]


_DATE_IN_TEXT = re.compile(r"\b(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\b")  # "16/5", "9-2016"
_NOT_FIGURE_BEFORE = {"thu", "lan", "khoa", "ky", "thang", "ngay", "quy", "dieu", "chuong", "khoan", "so"}
_NOT_FIGURE_AFTER = {"nam", "thang", "ngay", "tuan", "quy", "gio", "phut"}


def _figures_asked(tokens: list[str]) -> set[str]:
    """Numbers an answer must contain as they are: "62 suất", not "sau 3 năm", "lần thứ 7",
    "tháng 9", "Điều 21" (those say which event or text, and the answer sentence may not)."""
    asked = set()
    for i, token in enumerate(tokens):
        if not token.isdigit():
            continue
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before not in _NOT_FIGURE_BEFORE and after not in _NOT_FIGURE_AFTER:
            asked.add(token)
    return asked


def kept_accented(text: str, folded: str, kept: str) -> str:
    """The user's own (accented, lower-case) words at the positions content was kept, when
    folding kept the length (it does for NFC Vietnamese); else all of them."""
    lowered = fold_aligned(text)
    if len(lowered) != len(folded):
        return text.lower()
    return "".join(c if k != " " else " " for c, k in zip(lowered, kept, strict=True))


def fold_aligned(text: str) -> str:
    return squash(_PUNCTUATION.sub(" ", text.lower()))


class _Previous(BaseModel):
    """The context a client hands back (the bot's database, `--context`): validated, since a
    malformed one must be ignored rather than break the answer."""

    unit_keys: list[str] = []
    period: dict[str, int | str | None] | None = None
    intent: str | None = None
    tokens: list[str] = []


def merge(question: Question, previous: dict[str, object] | None, catalog: Catalog) -> Question:
    """A follow-up ("còn hạn chế thì sao?", "năm 2023 thì sao?") keeps the facets the new
    question does not give from the previous turn's context."""
    try:
        before = _Previous.model_validate(previous or {})
        period = _period_from(before.period)
    except (ValidationError, TypeError, ValueError):
        return question
    merged = replace(question)
    if "unit" not in question.explicit:
        keys = set(before.unit_keys)
        merged.units = sorted((u for u in catalog.by_unit if _unit_id(u) in keys), key=lambda u: u.label)
    if "period" not in question.explicit and period is not None:
        merged.period = period
    if "intent" not in question.explicit and before.intent in _KNOWN_INTENTS:
        merged.intent = before.intent
    if not question.tokens:
        merged.tokens = [t for t in before.tokens if isinstance(t, str)][:12]
    return merged


def _period_from(raw: dict[str, int | str | None] | None) -> Period | None:
    if not raw:
        return None
    year, part, term = raw.get("year"), raw.get("part"), raw.get("term")
    return Period(
        int(year) if year is not None else None,
        str(part) if part in _PARTS else None,
        str(term) if isinstance(term, str) and _P_TERM_TEXT.fullmatch(term) else None,
    )


_PARTS = {"H1", "H2", "Y", "Q1", "Q2", "Q3", "Q4", *(f"M{m}" for m in range(1, 13))}
_P_TERM_TEXT = re.compile(r"\d{4}-\d{4}")
_KNOWN_INTENTS = {name for name, _ in _INTENTS} | {"search", "document"}


def _unit_id(unit: Unit) -> str:
    return unit.key + "|" + ";".join(p.key for p in unit.parents)


def context_of(question: Question, report_ids: list[int]) -> dict[str, object]:
    """What a follow-up needs from this turn (JSON-safe; the bot keeps it per chat)."""
    p = question.period
    return {
        "unit_keys": [_unit_id(u) for u in question.units],
        "units": [u.label for u in question.units],
        "period": {"year": p.year, "part": p.part, "term": p.term} if p else None,
        "intent": question.intent,
        "tokens": question.tokens[:12],
        "report_ids": report_ids[:5],
    }
