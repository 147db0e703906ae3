"""People named in a report, their roles, and what they did at the meeting.

Reports name officials in a few fixed shapes, which rules read exactly:
"Đ/c Hoàng Xuân Thuận, Bí thư huyện ủy Đình Lập phát biểu", "Ông Đào Văn Hùng – Phó Chủ tịch
Ủy ban MTTQ thị xã Kiến Tường", and the role first: "Chủ tịch UBMTTQ thị xã Đặng Ngọc Sơn
phát biểu". The sentence's verb gives the relation (chủ trì → chaired, dự → attended...).
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from knowledge import gazetteer
from knowledge.extract.record import Person

_UPPER = "A-ZĐÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚĂĨŨƠƯẠ-Ỹ"
_SYL = rf"[{_UPPER}][^\W\d_]*"
_NAME = rf"{_SYL}(?:\s+{_SYL}){{1,3}}"
_HONORIFIC = r"(?:đồng chí|đ/c|ông|bà)"
_ROLE_HEAD = (
    r"(?:nguyên\s+)?(?:phó\s+)?(?:bí thư|chủ tịch|trưởng|giám đốc|chủ nhiệm|chánh|tổng|thủ tướng"
    r"|bộ trưởng|thứ trưởng|hiệu trưởng|hội trưởng|ủy viên|uỷ viên|tỉnh ủy viên|huyện ủy viên"
    r"|thành ủy viên|tuv|huv|đại biểu|thường trực|đại tá|thượng tá|trung tá|thiếu tá|cán bộ"
    r"|chuyên viên|thành viên|người phát ngôn|trưởng ban|phó ban|bí thư chi bộ)"
)
_WITH_HONORIFIC = re.compile(
    rf"(?<![^\W_])(?i:{_HONORIFIC})\s+(?P<name>{_NAME})(?P<after>\s*(?:[,–—(]|-)\s*|\s+(?=(?i:{_ROLE_HEAD})))?"
)
_ROLE_STOP = re.compile(
    r"\s+(?:và|cùng|đã|đồng chủ trì|chủ trì|phát biểu|đề nghị|yêu cầu|kết luận|chỉ đạo|dự|tham dự"
    r"|trình bày|báo cáo|nhấn mạnh|ghi nhận|cho biết|khẳng định|tặng|trao|thăm|làm|được|tới|đến"
    r"|đánh giá|biểu dương|mong muốn|lưu ý|giao|nêu|với)\b"
    rf"|\s*[;:.()]|,\s*(?i:{_HONORIFIC}|các)\b",
    re.IGNORECASE,
)
_ROLE_START = re.compile(rf"^(?i:{_ROLE_HEAD})\b")
_ROLE_FIRST = re.compile(
    rf"(?P<role>(?<![^\W_])(?i:{_ROLE_HEAD})[^;:.()]{{0,70}}?)\s+(?P<name>{_NAME})(?=\s+[a-zđà-ỹ]|\s*[,;:.–-]|$)"
)
SURNAMES = frozenset(
    [
        "Nguyễn",
        "Trần",
        "Lê",
        "Phạm",
        "Hoàng",
        "Huỳnh",
        "Phan",
        "Vũ",
        "Võ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Hồ",
        "Ngô",
        "Dương",
        "Lý",
        "Đào",
        "Đoàn",
        "Đinh",
        "Lâm",
        "Mai",
        "Trịnh",
        "Trương",
        "Hà",
        "Cao",
        "Lương",
        "Tạ",
        "Chu",
        "Nông",
        "Lò",
        "Vi",
        "Hứa",
        "Thái",
        "Quách",
        "Tô",
        "Tăng",
        "La",
        "Kiều",
        "Lưu",
        "Lục",
        "Mạc",
        "Khổng",
        "Châu",
        "Văn",
        "Từ",
        "Triệu",
        "Thân",
        "Tôn",
        "Giang",
        "Âu",
        "Ông",
        "Thạch",
        "Kim",
        "Hầu",
        "Viên",
        "Phùng",
        "Bạch",
        "Doãn",
        "Quan",
        "Lã",
        "Lại",
        "Vương",
        "Tống",
        "Nghiêm",
        "Diệp",
        "Đàm",
        "Khúc",
        "Bế",
        "Ma",
        "Sầm",
        "Lộc",
        "Mông",
        "Vàng",
        "Thào",
        "Sùng",
        "Giàng",
        "Lù",
        "Điểu",
        "Đồng",
        "Ninh",
        "Nghiêm",
        "Phí",
        "Chử",
        "Thiều",
        "Trình",
        "Vi",
        "Lò",
        "Cầm",
        "Hà",
        "Lưu",
        "Khương",
        "Đậu",
        "Đới",
        "Tiêu",
        "Bành",
        "Cù",
        "Phó",
        "Phương",
    ]
)
_RELATIONS = (
    ("chaired", re.compile(r"chủ trì", re.IGNORECASE)),
    ("directed", re.compile(r"chỉ đạo|kết luận|đề nghị|yêu cầu|giao nhiệm vụ", re.IGNORECASE)),
    ("reported", re.compile(r"báo cáo|trình bày|thông qua", re.IGNORECASE)),
    ("spoke", re.compile(r"phát biểu|tham luận|cho biết|nhấn mạnh", re.IGNORECASE)),
    (
        "attended",
        re.compile(r"tham dự|dự hội nghị|về dự|dự đại hội|có sự tham gia|^dự\b", re.IGNORECASE),
    ),
)
_PRIORITY = {
    "chaired": 0,
    "directed": 1,
    "reported": 2,
    "spoke": 3,
    "attended": 4,
    "author": 5,
    "mentioned": 6,
}
_AUTHOR_LINE = re.compile(
    rf"^(?:t/h|th|tin|bài|ảnh|tin,? ảnh|tin và ảnh|bài,? ảnh|bài và ảnh|tác giả|người viết|nhóm pv|pv)\s*:\s*(?P<name>{_NAME}(?:\s*[,-]\s*{_NAME})*)\s*$",
    re.IGNORECASE,
)
_LONE_NAME = re.compile(rf"^(?P<name>{_NAME})$")
_ORG_SPLIT = re.compile(
    r"\b(?:ủy ban|uỷ ban|ub|ubnd|hđnd|mttq|ubmttq|huyện ủy|thị ủy|tỉnh ủy|thành ủy|đảng ủy|hội|ban|mặt trận|sở|phòng|trung tâm|chi bộ)\b",
    re.IGNORECASE,
)


_HEAD_END = re.compile(r"[;:]")
# Named everywhere (ideology, city, anniversaries) but never a meeting participant.
_NOT_PARTICIPANTS = frozenset({"Hồ Chí Minh"})


@lru_cache(maxsize=1024)
def relation_of(sentence: str) -> str:
    """The relation a sentence gives its people, read from its head only: the tasks listed
    after ';' ("các phong trào do Mặt trận chủ trì") say nothing about the speaker.

    Cached: each clause of a long list sentence asks again for the same sentence."""
    end = _HEAD_END.search(sentence)
    head = sentence[: end.start()] if end else sentence
    for relation, regex in _RELATIONS:
        if regex.search(head):
            return relation
    return "mentioned"


# The people of each (sentence, clause) of the document being extracted in this thread:
# classification asks again for the sentences content extraction read. Kept per document
# rather than in a process-wide LRU cache, which a report of over 8,192 sentences outgrew
# (every sentence then read twice), and which kept the last sentences alive after it.
_REMEMBERED: ContextVar[dict[tuple[str, str | None], tuple[Person, ...]] | None] = ContextVar(
    "people_remembered", default=None
)


@contextmanager
def remembered() -> Iterator[None]:
    """Within the block, people_in() reads each sentence (or clause) once."""
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def people_in(sentence: str, clause: str | None = None) -> tuple[Person, ...]:
    """People named in a clause; the relation is read from the whole sentence.

    Remembered within remembered(). Callers must not mutate the returned people (merge()
    copies them)."""
    seen = _REMEMBERED.get()
    if seen is None:
        return _people_in(sentence, clause)
    key = (sentence, clause)
    found = seen.get(key)
    if found is None:
        found = seen[key] = _people_in(sentence, clause)
    return found


def _people_in(sentence: str, clause: str | None) -> tuple[Person, ...]:
    text = clause or sentence
    relation = relation_of(sentence)
    found: dict[str, Person] = {}
    for match in _WITH_HONORIFIC.finditer(text):
        name = match["name"]
        if name in _NOT_PARTICIPANTS:
            continue
        role = _role_after(text, match.end()) if match["after"] is not None else None
        found.setdefault(name, Person(name, role, relation, _organisation(role), sentence))
    for match in _ROLE_FIRST.finditer(text):
        name = match["name"]
        if name in found or name in _NOT_PARTICIPANTS or name.split()[0] not in SURNAMES:
            continue
        role = _trim_role(match["role"])
        if not _ends_like_a_title(role) or _names_a_place(role, name):
            continue  # "Đại biểu trồng cây tại khu Văn Miếu": a place, not a person
        found[name] = Person(name, role, relation, _organisation(role), sentence)
    return tuple(found.values())


_TITLE_END = re.compile(
    rf"(?:^(?i:{_ROLE_HEAD})$|(?:xã|phường|huyện|quận|tỉnh|thị trấn|thành phố|ủy|uỷ|[A-ZĐ]{{2,}}|\d+)$)"
)


_LEVEL_END = re.compile(r"(?:xã|phường|huyện|quận|tỉnh|thị trấn|thành phố|thị xã)$", re.IGNORECASE)


def _names_a_place(role: str, name: str) -> bool:
    """ "Phó Chủ tịch Ủy ban MTTQ huyện Đồng Phú": the words after the level are the unit's
    name when the gazetteer knows that unit (Đồng is also a surname). "Chủ tịch UBMTTQ thị xã
    Đặng Ngọc Sơn" names a person: no thị xã is called that."""
    level = _LEVEL_END.search(role)
    return level is not None and gazetteer.known(level.group().lower(), name)


def _ends_like_a_title(role: str) -> bool:
    """A role written before the name ends with its body ("Chủ tịch UBMTTQ thị xã") or is a
    bare title ("Bí thư")."""
    return bool(_TITLE_END.search(role))


_NEW_POST = re.compile(r"\s+giữ chức(?: vụ)?\s+", re.IGNORECASE)
_TERM_TAIL = re.compile(r",?\s+nhiệm kỳ\s+\d{4}\s*[-–]\s*\d{4}$", re.IGNORECASE)


def _role_after(text: str, start: int) -> str | None:
    # Searched from ``start`` in place: copying the rest of the clause for every name made a
    # clause naming many people cost the square of its length.
    stop = _ROLE_STOP.search(text, start)
    role = text[start : stop.start()] if stop else text[start:]
    # "bà Vàng Thị Mai, Bí thư Đoàn thị trấn giữ chức Phó Chủ tịch …": the post she now holds.
    role = _TERM_TAIL.sub("", _NEW_POST.split(role, maxsplit=1)[-1])
    role = _trim_role(role)
    return role if role and _ROLE_START.match(role) else None


def _trim_role(role: str) -> str:
    role = " ".join(role.split()).strip(" ,;–-")
    return role[:1].upper() + role[1:] if role else role


def _organisation(role: str | None) -> str | None:
    if not role:
        return None
    match = _ORG_SPLIT.search(role)
    if not match:
        return None
    return re.split(r"\s*(?:,|\s[–—-]\s)\s*", role[match.start() :], maxsplit=1)[0]


def merge(people: list[Person]) -> list[Person]:
    """One entry a name: the strongest relation, the longest role."""
    merged: dict[str, Person] = {}
    for person in people:
        known = merged.get(person.name)
        if known is None:
            merged[person.name] = Person(
                person.name, person.role, person.relation, person.organisation, person.sentence
            )
            continue
        if _PRIORITY[person.relation] < _PRIORITY[known.relation]:
            known.relation = person.relation
            known.sentence = person.sentence
        if person.role and (not known.role or len(person.role) > len(known.role)):
            known.role, known.organisation = person.role, person.organisation
    return list(merged.values())


def author(paragraphs: list[str]) -> tuple[str, str] | None:
    """The byline among the last paragraphs: "T/h: Nông Tùng", or a lone name ("Thúy An")."""
    for paragraph in reversed(paragraphs[-3:]):
        match = _AUTHOR_LINE.match(paragraph.strip())
        if match:
            return match["name"], paragraph
    last = paragraphs[-1].strip() if paragraphs else ""
    match = _LONE_NAME.match(last)
    if match and len(last) <= 40:
        return match["name"], last
    return None


class Roles:
    """The roles a report's people hold, to name a person from a role alone ("đồng chí Bí thư
    Thị ủy yêu cầu" names who holds it): the longest role part (of six characters or more)
    the sentence contains, the first person's on a tie.

    One Aho–Corasick automaton over every part, built on first use, reads a sentence once
    whatever the number of people: testing each part against each sentence cost people ×
    sentences, the square of a long report's size.
    """

    def __init__(self, people: list[Person]) -> None:
        self._people = people
        self._goto: list[dict[str, int]] = []
        self._fail: list[int] = []
        # The best part ending in each state (its own or a shorter suffix's): (length, -rank, name).
        self._best: list[tuple[int, int, str] | None] = []

    def holder(self, sentence: str) -> str | None:
        if not self._goto:
            self._build()
        goto, fail, best = self._goto, self._fail, self._best
        state, found = 0, None
        for char in sentence.lower():
            while state and char not in goto[state]:
                state = fail[state]
            state = goto[state].get(char, 0)
            candidate = best[state]
            if candidate is not None and (found is None or candidate[:2] > found[:2]):
                found = candidate
        return found[2] if found else None

    def _build(self) -> None:
        goto: list[dict[str, int]] = [{}]
        own: list[tuple[int, int, str] | None] = [None]
        rank = 0
        for person in self._people:
            for part in re.split(r"\s*[,–—-]\s*", person.role or ""):
                part_l = part.lower()
                if len(part_l) < 6:
                    continue
                state = 0
                for char in part_l:
                    if char not in goto[state]:
                        goto[state][char] = len(goto)
                        goto.append({})
                        own.append(None)
                    state = goto[state][char]
                if own[state] is None:  # the same part held by a later person never wins
                    own[state] = (len(part_l), -rank, person.name)
                rank += 1
        fail, best = [0] * len(goto), list(own)
        queue = collections.deque(goto[0].values())
        while queue:
            state = queue.popleft()
            for char, child in goto[state].items():
                back = fail[state]
                while back and char not in goto[back]:
                    back = fail[back]
                fail[child] = goto[back].get(char, 0)
                suffix, mine = best[fail[child]], best[child]
                if suffix is not None and (mine is None or suffix[:2] > mine[:2]):
                    best[child] = suffix
                queue.append(child)
        self._goto, self._fail, self._best = goto, fail, best
