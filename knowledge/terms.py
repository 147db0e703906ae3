"""Index terms: the one tokenizer the index and the question share.

A passage becomes folded syllables (no diacritics, đ → d), with abbreviations and their long
forms brought to one spelling ("Mặt trận Tổ quốc" and "MTTQ" both give ``mttq``), numbers
written one way ("8.000.000" → ``8000000``, "03" → ``3``) and Party document codes kept whole
("05-CT/TW" → ``k05cttw``, beside its parts). Adjacent syllables of a question are also searched as
phrases ("đại đoàn"), which stand in for Vietnamese words: nearly all are one or two
syllables, and a phrase never depends on a word segmenter agreeing between the question and
the page. The accented form (lower case, accents kept) lets a user who typed accents rank
exact words above folded look-alikes (checked when reranking).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from knowledge.text import fold, nfc

# Long form (folded) → the one spelling used in the index. Longest first when applied.
ABBREVIATIONS: dict[str, str] = {
    "uy ban mat tran to quoc viet nam": "ubmttq",
    "uy ban mat tran to quoc": "ubmttq",
    "uy ban mttq viet nam": "ubmttq",
    "uy ban mttq vn": "ubmttq",
    "uy ban mttq": "ubmttq",
    "ub mttq vn": "ubmttq",
    "ub mttq": "ubmttq",
    "ubmttqvn": "ubmttq",
    "uy ban mat tran": "ubmttq",
    "mat tran to quoc viet nam": "mttq",
    "mat tran to quoc": "mttq",
    "mttq viet nam": "mttq",
    "mttq vn": "mttq",
    "mttqvn": "mttq",
    "mat tran": "mttq",  # in these reports "Mặt trận" alone is the Front
    "uy ban trung uong": "ubtu",
    "uy ban t.u": "ubtu",
    "ubtw": "ubtu",
    "uy ban nhan dan": "ubnd",
    "hoi dong nhan dan": "hdnd",
    "ban thuong truc": "btt",
    "ban thuong vu": "btv",
    "ban chap hanh": "bch",
    "cong tac mat tran": "ctmt",
    "thanh tra nhan dan": "ttnd",
    "nong thon moi": "ntm",
    "do thi van minh": "dtvm",
    "cuu chien binh": "ccb",
    "nguoi cao tuoi": "nct",
    "hoi lien hiep phu nu": "lhpn",
    "lien hiep phu nu": "lhpn",
    "hoi phu nu": "lhpn",
    "doan thanh nien": "dtn",
    "bao hiem y te": "bhyt",
    "bao hiem xa hoi": "bhxh",
    "dai doan ket": "ddk",
    "pho bien giao duc phap luat": "pbgdpl",
    "uy ban thuong vu quoc hoi": "ubtvqh",
    "bo chinh tri": "bct",
    "ban bi thu": "bbt",
    "thu tuong": "ttg",
    "chinh phu": "cp",
    "quoc hoi": "qh",
    "nghi quyet": "nq",
    "xa hoi": "xh",
    "dong chi": "dc",
    "d/c": "dc",
}
_ABBREVIATION = re.compile(
    r"(?<![\w/])("
    + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w/])"
)
# Party/State document codes: 05-CT/TW, 124-QĐ/TW, 15-NQ/TU, 35/2021/NĐ-CP.
DOC_CODE = re.compile(
    r"\b\d{1,4}(?:/\d{4})?[-/][A-Za-zĐđ]{1,6}(?:[-/][A-Za-zĐđ]{1,6}){0,2}\b"
)  # 25/KH-MTTQ-BTT
_NUMBER = re.compile(r"(?<![a-z0-9])(?:\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:,\d+)?)")
_TOKEN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"\w+")
# "lần thứ ba", "lần thứ III" and "lần thứ 3" are one thing.
_ORDINAL_WORDS = {"nhat": 1, "hai": 2, "ba": 3, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8,
                  "chin": 9, "muoi": 10}  # fmt: skip
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}
_ORDINAL = re.compile(r"\bthu (nhat|hai|ba|tu|nam|sau|bay|tam|chin|muoi|[ivxl]{1,7})\b")
_CENTRAL = re.compile(r"(?<=[/-])T(?:\u01af|\u01b0)(?=\b|$)")  # "QĐ/TƯ" is "QĐ/TW" (Trung ương)


def _number(match: re.Match[str]) -> str:
    raw = match.group()
    if "," in raw:  # decimal comma: 12,5 % → 12.5 kept as one token
        whole, _, frac = raw.partition(",")
        return f" {int(whole)}p{frac} "
    return f" {int(raw.replace('.', ''))} "


def code_token(code: str) -> str:
    """One index token for a whole document code: "05-CT/TW" → ``k05cttw`` ("TƯ" = "TW")."""
    return "k" + "".join(_TOKEN.findall(fold(_CENTRAL.sub("TW", code))))


def _roman(text: str) -> int | None:
    values = [_ROMAN_VALUES[c] for c in text]
    total = sum(
        -v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)
    )
    return total if 0 < total < 100 else None


def _ordinal(match: re.Match[str]) -> str:
    word = match[1]
    value = _ORDINAL_WORDS.get(word) or _roman(word)
    return f"thu {value}" if value else match[0]


def _code(match: re.Match[str]) -> str:
    return f" {code_token(match.group())} {match.group()} "


_DIGIT = re.compile(r"\d")


def canonical(text: str) -> str:
    """Folded text in index spelling: abbreviations merged, numbers and codes normalised.

    Each rewrite runs only when the text holds what its every match needs ("TƯ", a '-' or
    '/', "thu ", a digit): a regular expression starting with a look-behind tries every
    position, and the index runs this over every passage (most have none of them)."""
    if "T\u01af" in text or "T\u01b0" in text:
        text = _CENTRAL.sub("TW", text)
    folded = fold(text).replace("%", " phantram ")
    if "-" in folded or "/" in folded:
        folded = DOC_CODE.sub(_code, folded)
    if "thu " in folded:
        folded = _ORDINAL.sub(_ordinal, folded)
    if _DIGIT.search(folded):
        folded = _NUMBER.sub(_number, folded)
    return _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group()], folded)


def syllables(text: str) -> list[str]:
    """Index tokens of a text: folded syllables, numbers and whole document codes."""
    return _TOKEN.findall(canonical(text))


def bigrams(tokens: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]


def accented(text: str) -> list[str]:
    """Lower-case words with their diacritics, for the exact-spelling field."""
    return [w for w in _WORD.findall(nfc(text).lower()) if not w.isdigit()]


def has_diacritics(text: str) -> bool:
    return any(ord(c) > 127 and c.isalpha() for c in text)


@dataclass(frozen=True, slots=True)
class Terms:
    """What the index stores for one passage."""

    tokens: tuple[str, ...]

    @property
    def line(self) -> str:
        """The pre-folded passage text kept for reranking (no folding at question time)."""
        return " ".join(self.tokens)


def terms(text: str) -> Terms:
    return Terms(tuple(syllables(text)))


_FRONT = re.compile(r"\b(mttq|ubmttq|mttqvn|ubmttqvn|mat tran to quoc|uy ban mat tran|ubtu mttq)\b")


def mentions_front(text: str) -> bool:
    """Whether a page speaks of the Fatherland Front (any spelling, accents or not)."""
    return bool(_FRONT.search(fold(text)))
