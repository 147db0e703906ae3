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
_QUALIFIERS = ["trên", "gần", "hơn", "khoảng", "dưới", "xấp xỉ", "tối thiểu", "tối đa", "ít nhất", "gần như", "đạt"]
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
    """Figures in one clause. Share ``groups`` across a document so pair numbers are unique."""
    groups = groups if groups is not None else itertools.count()
    for match in _FIGURE.finditer(text):
        if not _skip(text, match):
            yield from _from_match(text, match, sentence, groups)


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
