"""Words of questions: chat shorthand read as what it stands for, question words left out
of the search, and the tokens that name the Front itself."""

from __future__ import annotations

import re

from knowledge.terms import DOC_CODE
from knowledge.text import fold

MAX_QUESTION = 1000  # characters looked at; a pasted page is cut, never an error
FRONT_TOKENS = frozenset({"mttq", "ubmttq", "ubtu", "ctmt", "btt"})

# Chat shorthand, read as the words it stands for before anything else.
_SHORTHAND = {
    "kq": "ket qua", "bn": "bao nhieu", "ko": "khong", "hn": "hoi nghi", "dh": "dai hoi",
    "nk": "nhiem ky", "nd": "nhan dan", "sl": "so luong", "pct": "pho chu tich", "ubmt": "ubmttq",
    "mt": "mat tran", "cb": "can bo", "tphcm": "thanh pho ho chi minh", "hcm": "ho chi minh",
    "tw": "trung uong",
}  # fmt: skip
_SHORTHAND_RE = re.compile(r"(?<![\w/.-])(" + "|".join(_SHORTHAND) + r")(?![\w/-])")
_CITY_HANOI = re.compile(r"\b(tp|thanh pho)\.?\s*hn\b")
# Words that say what kind of question it is, not what it is about: left out of the query.
# Folded words that are also content ("hội", "ban", "thị", "thể", "Đảng", "Minh") stay.
STOPWORDS = frozenset(
    [
        "la",
        "gi",
        "ai",
        "nao",
        "bao",
        "nhieu",
        "may",
        "duoc",
        "co",
        "khong",
        "sao",
        "nhu",
        "nhung",
        "cac",
        "cua",
        "cho",
        "trong",
        "voi",
        "va",
        "o",
        "dau",
        "khi",
        "nay",
        "vay",
        "con",
        "hay",
        "biet",
        "toi",
        "xin",
        "oi",
        "a",
        "nhe",
        "u",
        "ha",
        "ve",
        "viec",
        "roi",
        "chua",
        "da",
        "se",
        "muon",
    ]
)
PUNCTUATION = re.compile(r"[^\w\s/%.,–—-]|[.,](?=\s|$)|(?<=\s)[.,–—-]+(?=\s)")


_CHAIR = re.compile(
    r"\b(p?)ct(?= (?:ubmttq|ubmt|uy ban|ub|ubnd|hdnd|mttq|ubtu|hoi|nuoc|xa|tinh|huyen|phuong|thi|quan))"
)
_SPELLED = {"dc": "duoc", "c.trinh": "chuong trinh", "ctrinh": "chuong trinh", "tgian": "thoi gian"}
_SPELLED_RE = re.compile(
    r"(?<![\w/.-])(" + "|".join(re.escape(k) for k in _SPELLED) + r")(?![\w/-])"
)


# Cities as people write them, read before folding: the case tells "HN" (Hà Nội) from
# "hn" (hội nghị) and "ĐN" (Đà Nẵng) from "DN" (doanh nghiệp).
_CITIES = (
    # "Hồ Chí Minh" alone is as often the President ("tư tưởng Hồ Chí Minh"): the city needs "TP".
    (
        re.compile(
            r"(?i)\b(?:tp|thành phố|thanh pho)\s*\.?\s*(?:hcm|hồ chí minh|ho chi minh)\b|\bsài gòn\b|(?i:\bsai gon\b)"
        ),
        "thành phố Hồ Chí Minh",
    ),
    (re.compile(r"\bTP\.?\s*HN\b|(?i:\btp\.?\s*hn\b)|\bHN\b"), "Hà Nội"),
    (re.compile(r"\b(?:TP\.?\s*)?Đ[Nn]\b|(?i:\btp\.?\s*đn\b)"), "Đà Nẵng"),
)


def cities(text: str) -> str:
    """The question with the cities' shorthand written out (TP.HCM, TPHCM, tp hcm, Sài Gòn,
    HN, ĐN)."""
    text = re.sub(r"(?i)\btphcm\b", "TP HCM", text)
    for pattern, name in _CITIES:
        text = pattern.sub(f" {name} ", text)
    return text


# Chat apps and pasted pages bring markup: HTML tags and entities, Markdown's marks.
_TAG = re.compile(r"</?[A-Za-z!][^<>]{0,200}>")
_MARKS = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")


def plain(text: str) -> str:
    """The question's words without HTML tags, entities and Markdown marks: "<b>Phường
    2</b>&nbsp;đạt được gì", "_Phường 2_ đạt được gì" and "Phường 2 đạt được gì" are one."""
    import html

    return _MARKS.sub(" ", html.unescape(_TAG.sub(" ", text))).replace("\u00a0", " ")


def expand(folded: str) -> str:
    folded = _CITY_HANOI.sub("thanh pho ha noi", folded)
    folded = _CHAIR.sub(lambda m: "pho chu tich" if m[1] else "chu tich", folded)
    folded = _SPELLED_RE.sub(lambda m: _SPELLED[m[1]], folded)
    return _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m[1]], folded)


# Search-engine query syntax (Lucene, tantivy, most search boxes): what is left of it once
# the punctuation is gone is the arguments of "~" and "^" (fuzziness, boosts: "hạn~2",
# "^5") and the boolean words as such engines write them. Lower-case "to" and "not" stay:
# they are folded Vietnamese ("tổ", "nốt").
_OPERATOR_ARGUMENT = re.compile(r"[~^]\s*\d+(?:[.,]\d+)?")
_BOOLEAN = re.compile(r"\b(?:AND|OR|NOT|TO)\b|(?i:\b(?:and|or)\b)")
_LETTERS_AND_DIGITS = re.compile(r"[a-z0-9]+")


def without_syntax(text: str) -> str:
    """The question without the words and numbers of query syntax: "^5" asks for no 5, and
    "AND" for no word "and"."""
    return _BOOLEAN.sub(" ", _OPERATOR_ARGUMENT.sub(" ", text))


def says_something(text: str) -> bool:
    """``text`` (without query syntax) holds a word of two letters or more (a lone letter is a
    leftover, as in "[a TO z]"), a number or a document code: "~2 ?", "^5 ^5 ?" or
    "* OR AND" ask nothing, whatever a search engine would make of them."""
    if DOC_CODE.search(text):
        return True
    return any(len(w) > 1 or w.isdigit() for w in _LETTERS_AND_DIGITS.findall(fold(text).lower()))
