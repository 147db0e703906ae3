"""Sort a report's sentences into achievements, limitations, directions and directives.

Reports follow one plan: results first, then "Bên cạnh những kết quả ... còn hạn chế", then
the programme for the next period (a heading or a line ending in ':'), and the leaders'
speeches ("đề nghị", "yêu cầu"). A section heading switches the mode for what follows; a
sentence's own trigger words decide for that sentence; a request carries on through the rest
of its paragraph.
"""

from __future__ import annotations

import re

from knowledge.errors import check_time
from knowledge.extract.people import Roles, people_in
from knowledge.extract.record import Item, Person
from knowledge.extract.sentences import Piece

_DIRECTION_HEAD = re.compile(
    r"phương hướng|nhiệm vụ trọng tâm|chương trình công tác|chương trình phối hợp"
    r"|nhiệm vụ[^.:]{0,40}(?:cuối năm|năm 20\d\d|thời gian tới|tiếp theo)"
    r"|kế hoạch[^.:]{0,40}(?:năm 20\d\d|thời gian tới)|giải pháp",
    re.IGNORECASE,
)
_LIMIT_HEAD = re.compile(r"hạn chế|tồn tại|khó khăn|yếu kém|bất cập", re.IGNORECASE)
_RESULT_HEAD = re.compile(r"kết quả|đánh giá|tình hình thực hiện|mặt làm được", re.IGNORECASE)
_LIMIT = re.compile(
    r"hạn chế|tồn tại|yếu kém|bất cập|vướng mắc"
    r"|chưa (?:kịp thời|đáp ứng|cao|đồng đều|thường xuyên|sâu|hiệu quả|được quan tâm|quyết liệt)",
    re.IGNORECASE,
)
_REQUEST = re.compile(r"đề nghị|yêu cầu|chỉ đạo|giao nhiệm vụ|lưu ý|đề ra", re.IGNORECASE)
_NEXT_PERIOD = re.compile(
    r"(?:6 tháng cuối năm|sáu tháng cuối năm|trong năm|năm)\s+20\d\d", re.IGNORECASE
)
_PRONOUN = re.compile(r"\b(?:đồng chí|đ/c|ông|bà)\b", re.IGNORECASE)
_META = re.compile(
    r"^(?:tham dự|dự hội nghị|về dự|dự đại hội|đến dự|tới dự|tại hội nghị|kết thúc hội nghị"
    r"|hội nghị đã|qua hội nghị|một số hình ảnh)",
    re.IGNORECASE,
)
_ORGANISED = re.compile(
    r"tổ chức (?:hội nghị|sơ kết|tổng kết|giao ban|hiệp thương|đại hội)", re.IGNORECASE
)
_RESULT_WORDS = re.compile(
    r"\bđã\b|\bđược\b|\bđạt\b|hoàn thành|trao|tặng|vận động|ủng hộ", re.IGNORECASE
)


_SHORT = 45
_NUMBERED = re.compile(r"^(?:\d{1,2}[.)]|[IVX]{1,4}\.|[a-zđ]\)|điều\s+\d+)", re.IGNORECASE)


def classify(
    pieces: list[Piece], *, doc_type: str, people: list[Person], lead_paragraph: int = 1
) -> list[Item]:
    items: list[Item] = []
    mode = "results"
    request: tuple[int, str, str | None] | None = None  # (paragraph, kind, by)
    speaker: str | None = None
    roles = Roles(people)  # built once: who holds a role is asked of many sentences
    for position, piece in enumerate(pieces):
        check_time()
        if piece.is_heading:
            if piece.paragraph > 0 or not piece.first_in_paragraph:
                mode = _heading_mode(piece.text, mode)
            if doc_type == "văn bản" and _NUMBERED.match(piece.text):
                items.append(Item("provision", piece.text, _path(piece), None, position))
            continue
        named = [
            p.name
            for p in people_in(piece.sentence)
            if p.relation in {"directed", "spoke", "chaired"}
        ]
        speaker = named[0] if named else speaker
        if request and request[0] != piece.paragraph:
            request = None
        previous = items[-1] if items else None
        if previous and piece.text is not piece.sentence and _same_sentence(pieces, position):
            # A later clause of a list sentence belongs where the sentence's first clause went.
            items.append(Item(previous.kind, piece.text, _path(piece), previous.by, position))
            continue
        kind, by, text = _kind(piece, mode, doc_type, roles, speaker, request, lead_paragraph)
        if kind in {"directive", "direction"} and by and request is None:
            request = (piece.paragraph, kind, by)
        if piece.sentence.rstrip().endswith(":") and _DIRECTION_HEAD.search(piece.sentence):
            mode = "direction"
        items.append(Item(kind, text, _path(piece), by, position))
    return items


def _heading_mode(heading: str, mode: str) -> str:
    if _LIMIT_HEAD.search(heading):
        return "limitation"
    if _DIRECTION_HEAD.search(heading):
        return "direction"
    if _RESULT_HEAD.search(heading):
        return "results"
    return mode


def _kind(
    piece: Piece,
    mode: str,
    doc_type: str,
    roles: Roles,
    speaker: str | None,
    request: tuple[int, str, str | None] | None,
    lead_paragraph: int,
) -> tuple[str, str | None, str]:
    sentence, text = piece.sentence, piece.text
    head = re.split(r"[;:]", sentence, maxsplit=1)[0]
    if doc_type == "văn bản":
        return ("provision" if piece.is_bullet or mode != "results" else "other"), None, text
    if _REQUEST.search(head) and (_PRONOUN.search(head) or people_in(sentence)):
        by = _speaker(sentence, roles, speaker)
        if by:
            kind = "direction" if _NEXT_PERIOD.search(head) else "directive"
            return kind, by, _after_colon(text, head)
    if request is not None:
        return request[1], request[2], text
    if _LIMIT.search(sentence):
        return "limitation", None, _after_colon(text, head)
    if mode in {"direction", "limitation"}:
        return mode, None, text
    if _is_meta(piece, lead_paragraph) or _is_aside(text, sentence):
        return "other", None, text
    if doc_type == "hội nghị" or _RESULT_WORDS.search(text) or any(c.isdigit() for c in text):
        return "achievement", None, text
    return "other", None, text


def _is_meta(piece: Piece, lead_paragraph: int) -> bool:
    """Who attended, who opened it: about the meeting, not what the unit achieved."""
    if _META.match(piece.sentence):
        return True
    return piece.paragraph <= lead_paragraph and bool(_ORGANISED.search(piece.sentence))


def _is_aside(text: str, sentence: str) -> bool:
    """A fragment, a byline, or a photo caption ("Đ/c X, Bí thư ... phát biểu tại hội nghị")."""
    if not (text[:1].isupper() or text[:1].isdigit()):
        return True
    if len(text) < _SHORT and not any(c.isdigit() for c in text):
        return True
    return len(sentence) < 150 and bool(people_in(sentence)) and not _RESULT_WORDS.search(sentence)


def _same_sentence(pieces: list[Piece], position: int) -> bool:
    return position > 0 and pieces[position - 1].sentence is pieces[position].sentence


def _speaker(sentence: str, roles: Roles | list[Person], last: str | None) -> str | None:
    """Who makes the request: everyone named before its verb ("Đ/c A … và Đ/c B … đề nghị":
    both), else the one named first, else the holder of a role named, else the last speaker."""
    named = people_in(sentence)
    if named:
        verb = _REQUEST.search(sentence)
        before = sentence[: verb.start()] if verb else ""
        joint = [p.name for p in named if p.name in before][:_JOINT]
        return ", ".join(joint) if len(joint) > 1 else named[0].name
    roles = roles if isinstance(roles, Roles) else Roles(roles)
    return roles.holder(sentence) or last


_JOINT = 3


def _after_colon(text: str, head: str) -> str:
    """'... đề nghị trong thời gian tới cần: Tiếp tục đổi mới ...' → the request itself."""
    if ":" in text and text.startswith(head):
        tail = text.split(":", 1)[1].strip()
        if len(tail) >= 15:
            return tail[:1].upper() + tail[1:]
    return text


def _path(piece: Piece) -> str:
    return " › ".join(piece.heading)
