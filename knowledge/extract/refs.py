"""Party and State document references ("Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính
trị về ...") and named campaigns and funds ("Cuộc vận động “Toàn dân đoàn kết ...”")."""

from __future__ import annotations

import re

from knowledge.extract.dates import explicit_dates
from knowledge.extract.record import Campaign, DocRef
from knowledge.text import fold

_KIND_WORD = (
    r"(?P<kind>nghị quyết|chỉ thị|quy định|quyết định|kết luận|hướng dẫn|kế hoạch|thông tri"
    r"|quy chế|chương trình|nghị định|thông tư|luật|thông báo|công văn)"
)
CODE = r"\d{1,4}(?:/\d{4})?[-/][A-ZĐ]{1,4}[a-z]?(?:[-/][A-ZĐƯ][A-ZĐƯa-z0-9]{0,9}){1,2}"
# A reference starts with a kind word or the code's digits: the lookahead (the kind words'
# first letters) lets every other position fail at once instead of trying each kind word.
_REF = re.compile(
    rf"(?=(?i:[chklnqt])|\d)(?:(?i:{_KIND_WORD})\s+(?:(?i:số)\s*)?)?(?<![\w/-])(?P<code>{CODE})(?![\w/-])"
)
# Matched at the end of the code, in place (no '^': match() anchors at its position; copying
# the rest of the sentence for each code cost the square of a sentence citing many codes).
_AFTER = re.compile(
    r"\s*(?:,\s*)?(?:ngày\s+(?P<date>\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}))?\s*,?\s*"
    r"(?:của\s+(?P<issuer>[^,;.“”\"'()]{3,80}?))?"
    r"(?=\s+(?:về|đối với|nhằm|để|trong|tại|gắn với|và)\b|[,;.()“”\"']|$)"
    r"(?:\s+về\s+(?P<subject>[“\"'‘]{1,2}[^”\"'’]{3,200}[”\"'’]{1,2}|[^,;.“”\"']{3,160}(?=[,;.()]|$)))?",
)
_CODE_KINDS = {
    "NQ": "nghị quyết",
    "CT": "chỉ thị",
    "QĐ": "quyết định",
    "QĐi": "quy định",
    "KL": "kết luận",
    "HD": "hướng dẫn",
    "KH": "kế hoạch",
    "TT": "thông tri",
    "QC": "quy chế",
    "CTr": "chương trình",
    "NĐ": "nghị định",
    "TB": "thông báo",
    "BC": "báo cáo",
    "CV": "công văn",
    "TTg": "quyết định",
}
_CODE_ISSUERS = {
    "TW": "Trung ương Đảng",
    "TƯ": "Trung ương Đảng",
    "TU": "Tỉnh ủy",
    "ThU": "Thành ủy",
    "HU": "Huyện ủy",
    "QU": "Quận ủy",
    "ĐU": "Đảng ủy",
    "CP": "Chính phủ",
    "TTg": "Thủ tướng Chính phủ",
    "MTTQ": "Ủy ban MTTQ",
    "BTT": "Ban Thường trực Ủy ban MTTQ",
}
_CAMPAIGN = re.compile(
    r"(?P<kind>(?i:cuộc vận động|phong trào|quỹ|qũy|ngày hội))\s*[“\"'‘]{1,2}\s*(?P<name>[^”\"'’]{4,140}?)\s*[”\"'’]{1,2}"
)
_KNOWN_FUNDS = re.compile(
    r"(?i:quỹ\s+(?P<name>vì người nghèo|đền ơn đáp nghĩa|khuyến học|an sinh xã hội|phòng,? chống thiên tai))"
)


def doc_refs(sentence: str) -> list[DocRef]:
    refs = []
    for match in _REF.finditer(sentence):
        code = match["code"]
        after = _AFTER.match(sentence, match.end())
        kind = match["kind"].lower() if match["kind"] else _kind_from_code(code)
        issuer = after["issuer"].strip() if after and after["issuer"] else _issuer_from_code(code)
        date_text = after["date"] if after and after["date"] else None
        dates = explicit_dates(f"ngày {date_text}") if date_text else []
        subject = after["subject"].strip(" “”\"'‘’") if after and after["subject"] else None
        refs.append(DocRef(code, kind, issuer, dates[0] if dates else None, subject, sentence))
    return refs


def _kind_from_code(code: str) -> str | None:
    letters = re.split(r"[-/]", code)
    for part in letters[1:]:
        if part in _CODE_KINDS:
            return _CODE_KINDS[part]
    return None


def _issuer_from_code(code: str) -> str | None:
    return _CODE_ISSUERS.get(re.split(r"[-/]", code)[-1])


def campaigns(sentence: str) -> list[Campaign]:
    found = []
    for match in _CAMPAIGN.finditer(sentence):
        kind = "quỹ" if fold(match["kind"]) == "quy" else match["kind"].lower()
        name = " ".join(match["name"].split()).replace(" – ", ", ").replace(" - ", ", ")
        found.append(Campaign(name, kind))
    for match in _KNOWN_FUNDS.finditer(sentence):
        found.append(Campaign(match["name"][:1].upper() + match["name"][1:], "quỹ"))
    return found


def unique_campaigns(found: list[Campaign]) -> list[Campaign]:
    seen: dict[tuple[str, str], Campaign] = {}
    for campaign in found:
        seen.setdefault((campaign.kind, fold(campaign.name)), campaign)
    return list(seen.values())
