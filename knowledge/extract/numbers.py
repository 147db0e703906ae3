"""Numbers and figures as Vietnamese reports write them.

"8.000.000 đồng" (dot thousands), "1,5 tỷ" (comma decimals), "1 tỷ 700 triệu", "trên 3600
suất quà", "77 cuộc/2288 lượt người" (a pair), "8.000.000/21.000.000 đồng" (achieved/target),
"3/3 thôn" (achieved/total), "90 – 95%" (a range). A figure is kept only with a unit of measure
we know, which is what keeps years, dates, document numbers and "Covid 19" out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from knowledge.extract.record import Figure

_NUM = r"\d+(?:[.,]\d+)*"
_SCALES = {
    "tỷ": 1_000_000_000,
    "tỉ": 1_000_000_000,
    "triệu": 1_000_000,
    "nghìn": 1_000,
    "ngàn": 1_000,
}
_SCALE = r"(?:tỷ|tỉ|triệu|nghìn|ngàn)"
# "1 tỷ 700 triệu", "2 triệu 500 nghìn", "150 triệu", "8.000.000"
_AMOUNT = rf"{_NUM}(?:\s*{_SCALE}(?:\s+{_NUM}\s*{_SCALE})*)?"

# Units of measure, longest first; each maps to its canonical name.
_UNIT_WORDS: dict[str, str] = {
    "suất quà": "suất quà",
    "phần quà": "phần quà",
    "suất học bổng": "suất học bổng",
    "lượt người": "lượt người",
    "lượt ý kiến": "ý kiến",
    "lượt": "lượt",
    "ý kiến": "ý kiến",
    "vụ việc": "vụ việc",
    "vụ": "vụ việc",
    "cuộc": "cuộc",
    "buổi": "buổi",
    "lớp": "lớp",
    "căn nhà": "nhà",
    "ngôi nhà": "nhà",
    "căn": "nhà",
    "nhà": "nhà",
    "hộ": "hộ",
    "người": "người",
    "đồng chí": "người",
    "đại biểu": "đại biểu",
    "hội viên": "hội viên",
    "đoàn viên": "đoàn viên",
    "học sinh": "học sinh",
    "cháu": "cháu",
    "em": "em",
    "thôn": "thôn",
    "xóm": "xóm",
    "ấp": "ấp",
    "bản": "bản",
    "khu phố": "khu phố",
    "tổ dân phố": "tổ dân phố",
    "khu dân cư": "khu dân cư",
    "chi hội": "chi hội",
    "xã": "xã",
    "phường": "phường",
    "cơ sở": "cơ sở",
    "gia đình": "gia đình",
    "trường hợp": "trường hợp",
    "kiến nghị": "kiến nghị",
    "đơn thư": "đơn thư",
    "đơn": "đơn",
    "công trình": "công trình",
    "mô hình": "mô hình",
    "tập thể": "tập thể",
    "cá nhân": "cá nhân",
    "suất": "suất quà",
    "phần": "phần quà",
    "thẻ": "thẻ",
    "tấn": "tấn",
    "kg": "kg",
    "ha": "ha",
    "km": "km",
    "ngày công": "ngày công",
    "con": "con",
    "chiếc": "chiếc",
    "cây": "cây",
    "bộ": "bộ",
    "văn bản": "văn bản",
    "tin bài": "tin bài",
    "bài": "bài",
    "cụ": "cụ",
    "đồng": "đồng",
    "đ": "đồng",
    "vnđ": "đồng",
    "vnd": "đồng",
    "usd": "USD",
    "%": "%",
}


def _alternation(words: list[str]) -> str:
    """``a|b|c`` for the regex engine, grouped by first letter ("s(?:uất quà|uất)|p(?:hần)…"):
    at each position only the group of that letter is tried, not every word. Words keep
    their order inside a group, and words of different groups never start at one place, so
    it matches what the plain alternation matches."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0].lower(), []).append(word)
    return "|".join(
        re.escape(group[0][0]) + "(?:" + "|".join(re.escape(w[1:]) for w in group) + ")"
        for group in groups.values()
    )


_UNIT = _alternation(sorted(_UNIT_WORDS, key=len, reverse=True))
_QUALIFIERS = [
    "trên",
    "gần",
    "hơn",
    "khoảng",
    "dưới",
    "xấp xỉ",
    "tối thiểu",
    "tối đa",
    "ít nhất",
    "gần như",
    "đạt",
]
_QUALIFIER = "(?:" + "|".join(_QUALIFIERS) + ")"
# A figure starts with a digit or a qualifier: the lookahead lets every other position fail
# at once instead of trying each qualifier there.
_FIGURE_START = "(?=[\\d" + "".join(sorted({q[0] for q in _QUALIFIERS})) + "])"

_FIGURE = re.compile(
    rf"{_FIGURE_START}(?:(?P<qual>{_QUALIFIER})\s+)?"
    rf"(?P<a>{_AMOUNT})\s*(?P<ua>(?:{_UNIT})(?!\w|/[cC]\b))?"
    rf"(?:\s*(?P<sep>/|[-–—]|đến)\s*(?:(?P<qual2>{_QUALIFIER})\s+)?(?P<b>{_AMOUNT})\s*(?P<ub>(?:{_UNIT})(?!\w|/[cC]\b))?)?",
    re.IGNORECASE,
)
# Numbers glued to context that is never a figure: dates, codes, times, ordinals.
_NOT_AFTER = re.compile(
    r"(?:ngày|tháng|năm|lần thứ|thứ|khóa|khoá|số|kỳ|covid|quý|giai đoạn|phường|quận|khu phố"
    r"|khu|tổ|ấp|khóm|xóm|thôn|đội|điều|khoản|chương|mục|lô|phòng|tầng|đường)\s*$",
    re.IGNORECASE,
)
_MONEY_SCALE = re.compile(_SCALE, re.IGNORECASE)
_NUMBER_TOKEN = re.compile(rf"{_NUM}|{_SCALE}")


def parse_number(text: str) -> float | None:
    """'8.000.000' → 8e6, '1,5' → 1.5, '1 tỷ 700 triệu' → 1.7e9, '120.390.000' → 120390000."""
    text = text.strip().lower()
    total = 0.0
    pending: float | None = None
    for token in _NUMBER_TOKEN.findall(text):
        if token in _SCALES:
            total += (pending if pending is not None else 1.0) * _SCALES[token]
            pending = None
        else:
            if pending is not None:
                return None
            pending = _plain(token)
            if pending is None:
                return None
    if pending is not None:
        total += pending
    return total


def _plain(token: str) -> float | None:
    if "." in token and "," in token:
        token = token.replace(".", "").replace(",", ".")
    elif token.count(".") >= 1 and all(len(g) == 3 for g in token.split(".")[1:]):
        token = token.replace(".", "")
    elif token.count(",") > 1 and all(len(g) == 3 for g in token.split(",")[1:]):
        token = token.replace(",", "")
    elif token.count(",") == 1:
        token = token.replace(",", ".")
    try:
        return float(token)
    except ValueError:
        return None


def figures(text: str, *, sentence: str, groups: Iterator[int] | None = None) -> Iterator[Figure]:
    """Figures in one clause, each told what it is (see ``describe``). Share ``groups``
    across a document so pair numbers are unique."""
    groups = groups if groups is not None else itertools.count()
    # The last figure of each measure in this clause (where it ended, whether it was a part):
    # "25 triệu đồng, trong đó tiền mặt 20 triệu đồng" — the second is a part of the first.
    last: dict[str, tuple[int, bool]] = {}
    for match in _FIGURE.finditer(text):
        if _skip(text, match):
            continue
        for figure in _from_match(text, match, sentence, groups):
            describe(figure, before=text[max(0, match.start() - _WINDOW) : match.start()],
                     after=text[match.end() : match.end() + _AFTER])  # fmt: skip
            measure = figure.measure or ""
            previous = last.get(measure)
            if figure.role is None and figure.kind in {"amount", "count"} and previous is not None:
                between = text[previous[0] : match.start()]
                if _PART_MARK.search(between) or (previous[1] and not _NEW_THING.search(between)):
                    figure.role = "part"
            last[measure] = (match.end(), figure.role == "part")
            yield figure


# -- what a figure is ----------------------------------------------------------------------

_WINDOW = 160  # characters before a figure read for its subject, rate or total words
_AFTER = 60
MONEY = frozenset({"đồng", "USD"})
# Measures written two ways that count the same thing.
_SAME_MEASURE = {"phần quà": "suất quà", "lượt người": "lượt"}
# "600.000 đồng/suất", "100.000 đồng/ hộ gia đình", "2 triệu đồng mỗi hộ", "… cho 1 người"
_PER_AFTER = re.compile(
    r"\s*/\s*(?:1\s+|một\s+)?(?P<slash>[^\W\d_]+(?:\s[^\W\d_]+)?)"
    r"|\s+(?:cho\s+)?(?:mỗi|một|1)\s+(?P<each>suất(?:\s+quà)?|phần(?:\s+quà)?|hộ|người|em|cháu|học sinh"
    r"|căn|ngôi nhà|nhà|gia đình|tháng|năm|ngày|cụ|trường hợp|đối tượng|lượt|hội viên|xã|thôn)\b",
    re.IGNORECASE,
)
# "mỗi suất trị giá 500.000 đồng", "bình quân 40 khách", "mức hỗ trợ 2 triệu đồng"
_RATE_BEFORE = re.compile(
    r"(?:\b(?:mỗi|bình quân|trung bình|đơn giá|định mức)|\bmức (?:hỗ trợ|chi|thưởng|đóng|giá))\b[^,;:.\d]{0,40}$",
    re.IGNORECASE,
)
_EACH_WORD = re.compile(r"\b(?:mỗi|bình quân|trung bình)\s+([^\W\d_]+(?:\s+quà)?)", re.IGNORECASE)
# "tổng số tiền 1,2 tỷ", "với tổng trị giá", "tổng cộng" (not "tổng kết")
_TOTAL_BEFORE = re.compile(r"\btổng\b(?!\s+kết)[^,;:.\d]{0,30}$", re.IGNORECASE)
_PART_MARK = re.compile(r"\b(?:trong đó|bao gồm|gồm có|gồm|cụ thể)\b", re.IGNORECASE)
# After the parts of a total, a new verb starts another thing counted.
_NEW_THING = re.compile(
    r"\b(?:vận động|trao|tặng|hỗ trợ|xây dựng|tổ chức|thăm|phối hợp|ủng hộ)\b", re.IGNORECASE
)
# Funds and drives a figure is counted for, as written (any case), with the name shown.
_FUNDS: tuple[tuple[str, str], ...] = (
    ("vì người nghèo", "Quỹ Vì người nghèo"),
    ("khuyến học", "Quỹ Khuyến học"),
    ("đền ơn đáp nghĩa", "Quỹ Đền ơn đáp nghĩa"),
    ("cứu trợ", "Quỹ Cứu trợ"),
    ("phòng, chống thiên tai", "Quỹ Phòng, chống thiên tai"),
    ("phòng chống thiên tai", "Quỹ Phòng, chống thiên tai"),
    ("vắc xin", "Quỹ Vắc xin"),
    ("vắc-xin", "Quỹ Vắc xin"),
    ("an sinh xã hội", "an sinh xã hội"),
    ("nhà đại đoàn kết", "nhà Đại đoàn kết"),
    ("nhà tình nghĩa", "nhà tình nghĩa"),
    ("nhà nhân ái", "nhà nhân ái"),
    ("bảo hiểm y tế", "bảo hiểm y tế"),
    ("áo ấm", "Áo ấm"),
    ("vì biển đảo", "Vì biển, đảo"),
    ("mái ấm", "mái ấm"),
)
_FUND = re.compile("|".join(re.escape(w) for w, _ in _FUNDS), re.IGNORECASE)
_FUND_NAME = {w: name for w, name in _FUNDS}
_SUBJECT_WORDS = 8
_BOUNDS = frozenset({"ít nhất", "tối thiểu", "tối đa"})
_BOUND_BEFORE = re.compile(
    r"\b(?:ít nhất|tối thiểu|tối đa|không quá|không dưới)(?:\s+là)?\s*$", re.IGNORECASE
)


def measure_of(unit: str) -> str:
    """The measure a unit counts in: "phần quà" and "suất quà" are both gifts."""
    return _SAME_MEASURE.get(unit, unit)


def describe(figure: Figure, *, before: str, after: str) -> Figure:
    """Fill in what a figure is from the words around it: its measure, kind (an amount of
    money, a count, a rate or unit price, a share), a rate's denominator, a total's role,
    and its subject. ``before`` and ``after`` are the clause's text either side (short
    windows: a clause full of figures stays linear)."""
    figure.measure = measure_of(figure.unit)
    per = _per(after, before)
    if figure.unit == "%":
        figure.kind = "share"
    elif per is not None:
        figure.kind, figure.per = "rate", per
    else:
        figure.kind = "amount" if figure.unit in MONEY else "count"
    if figure.role is None and (figure.qualifier in _BOUNDS or _BOUND_BEFORE.search(before)):
        figure.role = "target"  # "ít nhất 12 cuộc": a bound set, not a result
    elif (
        figure.role is None and figure.kind in {"amount", "count"} and _TOTAL_BEFORE.search(before)
    ):
        figure.role = "total"
    house = _HOUSE.match(after) if figure.measure == "nhà" else None
    figure.subject = (
        _FUND_NAME[f"nhà {house[1].lower()}"] if house else subject(before, after, figure.text)
    )
    return figure


_HOUSE = re.compile(r"\s*(đại đoàn kết|tình nghĩa|nhân ái)", re.IGNORECASE)  # "3 nhà Đại đoàn kết"


def _per(after: str, before: str) -> str | None:
    found = _PER_AFTER.match(after)
    if found:
        word = (found["slash"] or found["each"]).lower()
        if word in _UNIT_WORDS:
            return _UNIT_WORDS[word]
        head = word.split()[0]
        return _UNIT_WORDS.get(head, head)
    rate = _RATE_BEFORE.search(before)
    if rate:
        each = _EACH_WORD.findall(rate.group())
        word = each[-1].lower() if each else "đơn vị"
        return _UNIT_WORDS.get(word, word)
    return None


def subject(before: str, after: str, phrase: str) -> str | None:
    """What a figure counts: the fund or drive named nearest before it in its clause (or
    just after: "ủng hộ 10 triệu đồng vào Quỹ Vì người nghèo"), else the last words of the
    phrase before it ("trao quà Tết cho hộ nghèo")."""
    named = None
    for found in _FUND.finditer(before):
        named = found
    if named is None:
        ahead = _FUND.search(after[:40])
        named = ahead if ahead and not re.search(r"[,;.]", after[: ahead.start()]) else None
    if named is not None:
        return _FUND_NAME[named.group().lower()]
    words = phrase.split()[-_SUBJECT_WORDS:]
    return " ".join(words).strip(" ,:;–-(") or None


def _skip(text: str, match: re.Match[str]) -> bool:
    # Only the characters just before the number matter: look at a short window, never at
    # everything before it, or a clause full of figures costs the square of its length.
    start = match.start("a")
    before = text[max(0, start - 14) : start]
    if before and not before.endswith(" ") and _glued(before):
        return True
    return bool(_NOT_AFTER.search(before))


def _glued(before: str) -> bool:
    """Whether the number is glued to a word, '/' or '-' (a code or a date): the last
    character, or the one before a final newline, is a letter, digit, '_', '/' or '-'.
    Plain string tests instead of a regex call for every figure."""
    last = before[-2] if before.endswith("\n") and len(before) > 1 else before[-1]
    return last.isalnum() or last in "_/-"


def _from_match(
    text: str, match: re.Match[str], sentence: str, groups: Iterator[int]
) -> Iterator[Figure]:
    first, second = match["a"], match["b"]
    unit_a, unit_b = _unit(match["ua"], first), _unit(match["ub"], second) if second else None
    if second and match["sep"] == "/" and second.isdigit() and not unit_b and len(second) == 4:
        return  # "11/6/1948"-style dates
    phrase = _phrase(text, match.start())
    raw = match.group().strip()
    if not second or not (unit_b or (unit_a and match["sep"] != "/")):
        if unit_a:
            value = parse_number(first)
            if value is not None:
                yield Figure(value, unit_a, _q(match["qual"]), phrase, raw, sentence=sentence)
        return
    unit_first = unit_a or unit_b or ""
    roles = _roles(match["sep"], unit_a, unit_b)
    group = next(groups)
    for amount, unit, qual, role in (
        (first, unit_first, match["qual"], roles[0]),
        (second, unit_b or unit_first, match["qual2"] or match["qual"], roles[1]),
    ):
        value = parse_number(amount)
        if value is not None:
            yield Figure(
                value, unit, _q(qual), phrase, raw, role=role, group=group, sentence=sentence
            )


def _roles(sep: str, unit_a: str | None, unit_b: str | None) -> tuple[str | None, str | None]:
    if sep != "/":
        return "min", "max"
    if unit_a and unit_b and unit_a != unit_b:
        return None, None  # "77 cuộc/2288 lượt người": two counts of one activity
    return "achieved", "target"


def _unit(word: str | None, amount: str) -> str | None:
    if word:
        return _UNIT_WORDS[word.lower()]
    # "680 triệu", "1 tỷ 700 triệu": a scale word without a unit is money.
    return "đồng" if amount and _MONEY_SCALE.search(amount) else None


def _q(word: str | None) -> str | None:
    return word.lower() if word and word.lower() != "đạt" else None


_PHRASE_MAX = 140


def _phrase(text: str, start: int) -> str:
    """What the figure counts: the words before it, back to a clause boundary."""
    # A boundary further back than the phrase's longest would be cut off anyway, so the
    # search stays inside the last _PHRASE_MAX + 1 characters (linear in the clause).
    low = max(0, start - _PHRASE_MAX - 1)
    cut = max(
        text.rfind(": ", low, start),
        text.rfind("; ", low, start),
        text.rfind(". ", low, start),
        text.rfind(" – ", low, start),
    )
    head = text[cut + 1 : start] if cut >= 0 else text[low:start]
    if len(head) > _PHRASE_MAX:
        head = head[-_PHRASE_MAX:].split(" ", 1)[-1]
    return head.strip(" ,:;–-")
