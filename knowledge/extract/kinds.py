"""What kind of document this is, what kind of meeting, and a directive document's header.

A directive document (nghị quyết, chỉ thị, kết luận, kế hoạch, quy chế, chương trình phối hợp)
opens with its issuer, "Số: 15-NQ/TU", "<place>, ngày ... tháng ... năm ..." and its title;
officials look such documents up by code, issuer, subject and date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.extract.dates import iso
from knowledge.extract.refs import CODE
from knowledge.text import fold

_DIRECTIVE_TITLE = re.compile(
    r"^(?:nghi quyet|chi thi|ket luan|ke hoach|quy che|chuong trinh phoi hop|quy dinh|huong dan"
    r"|thong tri|quyet dinh|chuong trinh hanh dong)\b"
)
_DIRECTIVE_KINDS = {
    "nghi quyet": "nghị quyết",
    "chi thi": "chỉ thị",
    "ket luan": "kết luận",
    "ke hoach": "kế hoạch",
    "quy che": "quy chế",
    "chuong trinh phoi hop": "chương trình phối hợp",
    "quy dinh": "quy định",
    "huong dan": "hướng dẫn",
    "thong tri": "thông tri",
    "quyet dinh": "quyết định",
    "chuong trinh hanh dong": "chương trình hành động",
    "bao cao": "báo cáo",
}
# The header's own "Số: 25/KH-MTTQ-BTT" line starts its paragraph; "căn cứ … số 102/2025/…"
# cites another document. A draft leaves the number blank ("Số: /HD-MTTQ-BTT"): no code.
_NUMBER_LINE = re.compile(rf"^\s*(?i:số)\s*:?\s*(?:(?P<code>{CODE})|/)")
_ISSUE_DATE = re.compile(
    r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})", re.IGNORECASE
)
_ISSUER_LINE = re.compile(
    r"ỦY|UỶ|BAN|ĐẢNG|MẶT TRẬN|MTTQ|HỘI|UBND|SỞ|PHÒNG|TỈNH|HUYỆN|THÀNH|XÃ|PHƯỜNG"
)
_MEETING = re.compile(
    r"hội nghị|sơ kết|tổng kết|giao ban|hiệp thương|đại hội|kỳ họp|cuộc họp|họp", re.IGNORECASE
)
_MEETING_KINDS = (
    ("giao ban", re.compile(r"giao ban", re.IGNORECASE)),
    ("hiệp thương", re.compile(r"hiệp thương", re.IGNORECASE)),
    (
        "hội nghị Ủy ban",
        re.compile(
            r"hội nghị\s+(?:ủy ban|uỷ ban|ub)\b[^.;]{0,80}lần thứ|hội nghị lần thứ", re.IGNORECASE
        ),
    ),
    ("sơ kết 6 tháng", re.compile(r"sơ kết[^.;]{0,60}(?:6|sáu) tháng", re.IGNORECASE)),
    ("tổng kết năm", re.compile(r"tổng kết[^.;]{0,60}năm", re.IGNORECASE)),
    ("đại hội", re.compile(r"(?:tổ chức|khai mạc|diễn ra)\s+đại hội|^đại hội", re.IGNORECASE)),
)


@dataclass(slots=True)
class Directive:
    kind: str
    code: str | None
    issuer: str | None
    issued: str | None
    subject: str | None
    title_at: int = 0  # the paragraph holding "KẾ HOẠCH", "BÁO CÁO"…

    @property
    def is_report(self) -> bool:
        """A report as issued ("BÁO CÁO / Sơ kết công tác Mặt trận 6 tháng…"): a meeting's or a
        period's summary, not a directive, though it has the same header."""
        return self.kind == "báo cáo"


_REPORT_TITLE = re.compile(r"^bao cao\b")


def directive_header(paragraphs: list[str]) -> Directive | None:
    """A directive document's header, or None for meeting reports and news."""
    head = paragraphs[:12]
    number = next((m for p in head if (m := _NUMBER_LINE.search(p))), None)
    code = number["code"] if number and number["code"] else None
    title_at = next((i for i, p in enumerate(head) if _DIRECTIVE_TITLE.match(fold(p))), None)
    if title_at is None:
        # "BÁO CÁO" under a numbered header, or alone on its line ("báo cáo viên" is no report).
        title_at = next(
            (
                i
                for i, p in enumerate(head)
                if _REPORT_TITLE.match(fold(p)) and (number or fold(p).strip() == "bao cao")
            ),
            None,
        )
        if title_at is None:
            return None
    title_line = head[title_at]
    if number is None and not title_line.isupper():
        return None  # a news story that starts with "Kế hoạch ..." is not the plan itself
    kind_key = _DIRECTIVE_TITLE.match(fold(title_line)) or _REPORT_TITLE.match(fold(title_line))
    kind = _DIRECTIVE_KINDS.get(kind_key.group() if kind_key else "", "văn bản")
    # The place-and-date line stands above the title; a date further down is a law's or a
    # plan's the preamble cites ("Căn cứ Luật … ngày 25 tháng 6 năm 2015"), never the issue's.
    issued = next((m for p in head[:title_at] if (m := _ISSUE_DATE.search(p))), None)
    issuer = _issuer(head[:title_at])
    subject = _subject(head, title_at)
    return Directive(
        kind,
        code,
        issuer,
        iso(int(issued["y"]), int(issued["m"]), int(issued["d"])) if issued else None,
        subject,
        title_at,
    )


_NOT_ISSUER = re.compile(r"^(?:cong hoa|doc lap|dang cong san viet nam|so\s*:|\*)")
_LEVEL_WORDS = {"xã", "phường", "thị", "trấn", "huyện", "quận", "tỉnh", "thành", "phố"}
_COMMITTEE_OF = {"huyen", "tinh", "thanh", "thi", "dang", "xa", "phuong", "quan"}
_KEEP_UPPER = {"MTTQ", "UBMTTQ", "UBND", "HĐND", "UBTƯ", "TW", "BCH", "BTV", "BTT", "CCB", "LHPN",
               "NCT", "TTND", "VN", "II", "III", "IV"}  # fmt: skip


def _issuer(lines: list[str]) -> str | None:
    """The issuing body: the first run of capitalised header lines ("ỦY BAN MTTQ VIỆT NAM" /
    "HUYỆN THẠCH HÀ"), written as in running text ("Ủy ban MTTQ Việt Nam huyện Thạch Hà")."""
    block: list[str] = []
    for line in lines:
        is_issuer = line.isupper() and not _NOT_ISSUER.match(fold(line))
        if is_issuer and (block or _ISSUER_LINE.search(line)):
            block.append(line.strip())
        elif block:
            break
    return _running_case(" ".join(block)) if block else None


def _running_case(upper: str) -> str:
    """Capitals as a sentence writes them: abbreviations kept, level words lower case, the
    words of a name after them capitalised ("ỦY BAN MTTQ HUYỆN THẠCH HÀ" → "Ủy ban MTTQ
    huyện Thạch Hà")."""
    words, out, in_name = upper.split(), [], False
    for index, word in enumerate(words):
        if word in _KEEP_UPPER:
            out.append(word)
            in_name = False
        elif word in {"ỦY", "UỶ"} and out and fold(out[-1]) in _COMMITTEE_OF:
            out.append("ủy")  # "HUYỆN ỦY ĐÌNH LẬP" → "Huyện ủy Đình Lập"
            in_name = True
        elif word.lower() in _LEVEL_WORDS:
            out.append(word.lower() if index else word.capitalize())
            in_name = True
        elif index == 0 or in_name or word in {"VIỆT", "NAM"}:
            out.append(word.capitalize())
        else:
            out.append(word.lower())
    return " ".join(out)


def _subject(head: list[str], title_at: int) -> str | None:
    title = head[title_at]
    inline = re.search(r"\bvề\s+(.+)$", title, re.IGNORECASE)
    if inline:
        return inline.group(1).strip()
    following = head[title_at + 1] if title_at + 1 < len(head) else ""
    if fold(following).startswith("ve "):
        return following[3:].strip()
    bare = _DIRECTIVE_TITLE.fullmatch(fold(title).strip()) or _REPORT_TITLE.fullmatch(
        fold(title).strip()
    )
    if (
        bare
        and following
        and len(following) <= _SUBJECT_MAX
        and not _NOT_SUBJECT.match(fold(following))
    ):
        return following.strip()  # "KẾ HOẠCH" / "Tổ chức các hoạt động chăm lo Tết …"
    return None


_SUBJECT_MAX = 250
_NOT_SUBJECT = re.compile(r"^(?:thuc hien|can cu|so\s*:|ngay\b|[ivx]+\.|\d+\.)")


def doc_type(title: str, lead: list[str], directive: Directive | None) -> str:
    if directive is not None and directive.is_report:
        # A summary of a period or a meeting ("Sơ kết…", "Tổng kết…") is filed with meetings.
        return "hội nghị" if _MEETING.search(directive.subject or "") else "văn bản"
    if directive is not None:
        return "văn bản"
    if _MEETING.search(title) or any(_MEETING.search(s) for s in lead[:2]):
        return "hội nghị"
    return "tin tức"


def meeting_kind(title: str, lead: list[str]) -> str | None:
    texts = [title, *[s for s in lead[:3] if _MEETING.search(s)]]
    for text in texts:
        for kind, regex in _MEETING_KINDS:
            if regex.search(text):
                return kind
    return "other" if texts[1:] or _MEETING.search(title) else None
