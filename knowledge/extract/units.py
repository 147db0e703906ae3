"""Which unit a document is about, and the parent units the document itself names.

The unit is the body that held the meeting: the lead's "Ủy ban MTTQ <level> <Name> tổ chức".
When the lead names only a level ("Thường trực Thị ủy đã tổ chức"), the name comes from the
most frequent named unit of that level anywhere on the page, the site footer included
("Bản đồ thị xã Hồng Lĩnh"). The gazetteer confirms it and gives the code; parents are
listed only where the document names them (level and name).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from knowledge import gazetteer
from knowledge.errors import check_time
from knowledge.extract.people import SURNAMES
from knowledge.extract.record import Place, Unit
from knowledge.text import fold

# Upper-case letters only: a range such as "À-Ỹ" also holds "đ" and "ã", and took the verb in
# "thành phố đã …" for a city called "Đã".
_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x1EFA)) if c.isupper())
_SYLLABLE = rf"[{_UPPER}][^\W\d_]*"
_LEVEL_WORDS = {
    "thành phố": "thành phố",
    "tp.": "thành phố",
    "tp": "thành phố",
    "tỉnh": "tỉnh",
    "huyện": "huyện",
    "quận": "quận",
    "thị xã": "thị xã",
    "xã": "xã",
    "phường": "phường",
    "thị trấn": "thị trấn",
}
_LEVEL = "|".join(re.escape(w) for w in sorted(_LEVEL_WORDS, key=len, reverse=True))
_MENTION = re.compile(
    rf"(?<![^\W_])(?P<level>(?i:{_LEVEL}))\s+"
    rf"(?P<name>\d{{1,2}}(?!\d)|{_SYLLABLE}(?:(?:[ \-]| [\-–] ){_SYLLABLE}){{0,3}})"
)
_FRONT = re.compile(
    r"(?:ủy ban|uỷ ban|ub|ban thường trực|btt|thường trực|ban thường vụ)?\s*"
    r"(?:mttq|mặt trận tổ quốc|mặt trận|ubmttq|ubmttqvn)(?:\s+việt nam|\s+vn)?\s*$",
    re.IGNORECASE,
)
_CENTRAL = re.compile(
    r"ủy ban trung ương (?:mttq|mặt trận tổ quốc)|ubtư|ubtw|ub tw|ub tư|trung ương mặt trận",
    re.IGNORECASE,
)
# Committees named by their level only: "Thị ủy" is the town's Party committee.
_BARE = re.compile(
    r"(?i:(?P<committee>thị ủy|thị uỷ|huyện ủy|huyện uỷ|tỉnh ủy|tỉnh uỷ|thành ủy|thành uỷ|quận ủy|quận uỷ)"
    r"|(?:mttq|mặt trận tổ quốc|mặt trận)(?:\s+việt nam|\s+vn)?\s+(?P<level>thị xã|thị trấn|xã|phường|huyện|quận|tỉnh|thành phố)"
    r"(?!\s+[" + _UPPER + r"\d]))"
)
_COMMITTEE_LEVEL = {
    "thị": "thị xã",
    "huyện": "huyện",
    "tỉnh": "tỉnh",
    "thành": "thành phố",
    "quận": "quận",
}
_EVENT = re.compile(
    r"tổ chức|hội nghị|sơ kết|tổng kết|giao ban|hiệp thương|đại hội|họp", re.IGNORECASE
)
_RANK = {
    "trung ương": 0,
    "tỉnh": 1,
    "thành phố": 2,
    "huyện": 2,
    "quận": 2,
    "thị xã": 2,
    "xã": 3,
    "phường": 3,
    "thị trấn": 3,
}
# Province-level cities: "thành phố Hà Nội" sits at rank 1.
_CITIES = {"ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue"}
# Words that can start a capitalised run after a level word but are not part of a name.
_NOT_NAME = {"ủy", "uỷ", "ban", "mttq", "hđnd", "ubnd", "đảng", "tham", "phát", "trong", "về", "và"}


@dataclass(slots=True)
class Mention:
    level: str
    name: str
    written: str
    sentence: str
    front: bool  # written as the Front body of that unit ("Ủy ban MTTQ xã ...")
    zone: str  # lead | body | page (footer, removed chrome)


def find_unit(*, lead: list[str], body: list[str], page: list[str]) -> Unit | None:
    for sentence in lead:
        central = _CENTRAL.search(sentence)
        if central:
            return Unit("trung ương", "Việt Nam", central.group(), [], None, sentence)
    mentions = [
        *_mentions(lead, "lead"),
        *_mentions(body, "body"),
        *_mentions(page, "page"),
    ]
    chosen = _organiser(lead, mentions)
    if chosen is None:
        return None
    return _resolve(chosen, mentions)


def _mentions(texts: list[str], zone: str) -> list[Mention]:
    out = []
    for sentence in texts:
        check_time()
        for match in _MENTION.finditer(sentence):
            name = _clean_name(match["name"])
            if not name:
                continue
            level = _LEVEL_WORDS[match["level"].lower()]
            name = _trim_to_gazetteer(level, name)
            if _is_person(level, name):
                continue  # "Chủ tịch UBMTTQ thị xã Đặng Ngọc Sơn": the name is the chairman's
            front = bool(_FRONT.search(sentence[max(0, match.start() - 40) : match.start()]))
            out.append(Mention(level, name, match.group(), sentence, front, zone))
    return out


def _trim_to_gazetteer(level: str, name: str) -> str:
    """A capitalised run can run on into the next words ("tỉnh Bình Phước Nguyễn Quang",
    "quận Hoàn Kiếm Đã"): keep the longest start of it that is a real unit of that level."""
    words = name.split()
    if len(words) < 2 or words[0].isdigit() or gazetteer.candidates(level, name):
        return name
    for size in range(len(words) - 1, 0, -1):
        prefix = " ".join(words[:size])
        if gazetteer.candidates(level, prefix):
            return prefix
    return name


def _is_person(level: str, name: str) -> bool:
    words = name.split()
    return len(words) >= 3 and words[0] in SURNAMES and not gazetteer.candidates(level, name)


def _clean_name(raw: str) -> str:
    words = raw.replace("-", " ").replace("–", " ").split()
    while words and words[-1].lower() in _NOT_NAME:
        words.pop()
    if not words or words[0].lower() in _NOT_NAME:
        return ""
    if words[0].isdigit():
        return str(int(words[0]))
    name = " ".join(w[:1].upper() + w[1:].lower() for w in words)
    return _ALIASES.get(fold(name), name)


# Names written as initials: "TP HCM", "TP.HCM".
_ALIASES = {"hcm": "Hồ Chí Minh", "tphcm": "Hồ Chí Minh"}


def _organiser(lead: list[str], mentions: list[Mention]) -> Mention | None:
    """The Front body that held the meeting, else a level named bare plus the page's name."""
    for sentence in lead:
        if not _EVENT.search(sentence):
            continue
        named = [m for m in mentions if m.sentence is sentence and m.front]
        bare = _BARE.search(sentence)
        if named and (not bare or sentence.find(named[0].written) < bare.start()):
            return named[0]
        if bare:
            level = (
                bare["level"].lower()
                if bare["level"]
                else _COMMITTEE_LEVEL[bare["committee"].split()[0].lower()]
            )
            return _most_named(level, mentions, sentence)
    fronts = [m for m in mentions if m.front]
    if fronts:
        return _most_frequent(fronts)
    lead_mentions = [m for m in mentions if m.zone == "lead"]
    return _most_frequent(lead_mentions) if lead_mentions else None


def _most_named(level: str, mentions: list[Mention], sentence: str) -> Mention | None:
    same = [m for m in mentions if m.level == level]
    if not same:
        return None
    best = _most_frequent(same)
    return Mention(best.level, best.name, best.written, sentence, True, "lead") if best else None


def _most_frequent(mentions: list[Mention]) -> Mention | None:
    counts = Counter((m.level, fold(m.name)) for m in mentions)
    if not counts:
        return None
    (level, key), _ = counts.most_common(1)[0]
    return next(m for m in mentions if m.level == level and fold(m.name) == key)


def _resolve(chosen: Mention, mentions: list[Mention]) -> Unit:
    named = {(m.level, gazetteer.fold(m.name)) for m in mentions}
    higher = [
        gazetteer.Place(m.level, m.name)
        for m in mentions
        if _rank(m.level, m.name) < _rank(chosen.level, chosen.name)
    ]
    found = gazetteer.resolve(chosen.level, chosen.name, mentioned=higher)
    if found is not None:
        parents = [
            Place(p.level, p.name) for p in found.parents if (p.level, gazetteer.fold(p.name)) in named
        ]
        return Unit(
            chosen.level, found.place.name, chosen.written, parents, found.code, chosen.sentence
        )
    return Unit(
        chosen.level,
        chosen.name,
        chosen.written,
        _named_parents(chosen, mentions),
        None,
        chosen.sentence,
    )


def _named_parents(chosen: Mention, mentions: list[Mention]) -> list[Place]:
    """Without a gazetteer match: at each higher level, the one unit the document names."""
    by_level: dict[str, set[str]] = {}
    names: dict[tuple[str, str], str] = {}
    for m in mentions:
        if _rank(m.level, m.name) < _rank(chosen.level, chosen.name):
            by_level.setdefault(m.level, set()).add(fold(m.name))
            names[(m.level, fold(m.name))] = m.name
    parents = [
        Place(level, names[(level, next(iter(keys)))])
        for level, keys in by_level.items()
        if len(keys) == 1
    ]
    return sorted(parents, key=lambda p: -_rank(p.level, p.name))


def _rank(level: str, name: str) -> int:
    if level == "thành phố" and fold(name) in _CITIES:
        return 1
    return _RANK.get(level, 9)
