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
    r"(?:ủy ban|uỷ ban) (?:trung ương|t\.ư\.?|tw) (?:mttq|mặt trận tổ quốc)|ubtư|ubtw|ub tw|ub tư"
    r"|trung ương mặt trận",
    re.IGNORECASE,
)
# "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam tỉnh Hà Tĩnh" (sic): a province's committee.
_LOCAL_AFTER = re.compile(
    r"(?:\s+(?:việt nam|vn))?\s+(?:tỉnh|thành phố|tp\.?|huyện|quận|thị xã|xã|phường|thị trấn)\s+\w",
    re.IGNORECASE,
)
# "Tham dự lễ phát động có … Chủ tịch Ủy ban T.Ư MTTQ": the national committee as a guest.
_GUEST = re.compile(r"^\W*(?:tham dự|dự|đến dự|cùng dự|về dự)\b", re.IGNORECASE)
_TITLED = re.compile(r"(?:chủ tịch|phó chủ tịch|ủy viên|uỷ viên|tổng thư ký)\s+$", re.IGNORECASE)
# Committees named by their level only: "Thị ủy" is the town's Party committee.
_BARE = re.compile(
    r"(?i:(?P<committee>thị ủy|thị uỷ|huyện ủy|huyện uỷ|tỉnh ủy|tỉnh uỷ|thành ủy|thành uỷ|quận ủy|quận uỷ)"
    r"|(?:mttq|mặt trận tổ quốc|mặt trận)(?:\s+việt nam|\s+vn)?\s+(?P<level>thị xã|thị trấn|xã|phường|huyện|quận|tỉnh|thành phố)"
    r"(?-i:(?!\s+[" + _UPPER + r"\d])))"
)
_COMMITTEE_LEVEL = {
    "thị": "thị xã",
    "huyện": "huyện",
    "tỉnh": "tỉnh",
    "thành": "thành phố",
    "quận": "quận",
}
_EVENT = re.compile(
    r"(?<!ban )tổ chức|hội nghị|sơ kết|tổng kết|giao ban|hiệp thương|đại hội|họp", re.IGNORECASE
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
    at: int = 0  # where in its sentence
    shorthand: bool = False  # "TP.HCM", "TPHCM": the city's initials run together


def find_unit(*, lead: list[str], body: list[str], page: list[str]) -> Unit | None:
    for sentence in lead:
        central = _CENTRAL.search(sentence)
        if (
            central
            and _TITLED.search(sentence, 0, central.start())
            and "t.ư" in central.group().lower()
        ):
            continue  # "Chủ tịch Ủy ban T.Ư MTTQ Nguyễn Thiện Nhân": a guest's title, not the host
        if (
            central
            and not _LOCAL_AFTER.match(sentence, central.end())
            and not _GUEST.search(sentence, 0, central.start())
        ):
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
        found = [
            (m.start(), m.end(), m.group(), m["level"], m["name"], False)
            for m in _MENTION.finditer(sentence)
        ]
        # "TP.HCM", "TPHCM": the city written as its initials, with no space to part them.
        found += [(m.start(), m.end(), m.group(), "thành phố", "Hồ Chí Minh", True) for m in _HCM.finditer(sentence)
                  if not any(a <= m.start() < b for a, b, *_ in found)]  # fmt: skip
        for start, _end, written, level_word, raw, shorthand in sorted(found):
            name = _clean_name(raw)
            if not name:
                continue
            level = _LEVEL_WORDS[level_word.lower()]
            name = _trim_to_gazetteer(level, name)
            if _shouted(written) and not (name.isdigit() or gazetteer.candidates(level, name)):
                # In capitals every word looks like a name ("AN SINH XÃ HỘI", "XÃ LIÊM HẢI TỔ
                # CHỨC"): only a unit the gazetteer knows is one.
                continue
            if _is_person(level, name):
                continue  # "Chủ tịch UBMTTQ thị xã Đặng Ngọc Sơn": the name is the chairman's
            front = bool(_FRONT.search(sentence[max(0, start - 40) : start]))
            out.append(Mention(level, name, written, sentence, front, zone, start, shorthand))
    return out


_HCM = re.compile(r"(?<![^\W_])(?:TP\.?\s?HCM|TP\.\s?Hồ Chí Minh)(?![^\W_])")


def _shouted(written: str) -> bool:
    """Whether the mention is written in capitals, level word and name alike."""
    letters = [c for c in written if c.isalpha()]
    return len(letters) > 3 and all(c.isupper() for c in letters)


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
    """The Front body that held the meeting, else a level named bare plus the page's name;
    else the Front body the title names, the byline's or the footer's, the page's most
    named one, the lead's most named unit."""
    for sentence in lead:
        events = [e.start() for e in _EVENT.finditer(sentence)]
        if not events:
            continue
        # Who did it: the body written last before the event ("Thực hiện kế hoạch của
        # UBMTTQ tỉnh, Ủy ban MTTQ xã Liêm Hải tổ chức …"), else the first one named.
        bodies: list[tuple[int, Mention | None, str | None]] = [
            (m.at, m, None) for m in mentions if m.sentence is sentence and m.front
        ]
        for bare in _BARE.finditer(sentence):
            level = (
                bare["level"].lower()
                if bare["level"]
                else _COMMITTEE_LEVEL[bare["committee"].split()[0].lower()]
            )
            bodies.append((bare.start(), None, level))
        if not bodies:
            continue
        bodies.sort(key=lambda b: b[0])
        before = [b for b in bodies if b[0] < max(events)]
        subject = (
            next((b for b in reversed(before) if any(b[0] < e for e in events)), bodies[0])
            if before
            else bodies[0]
        )
        _, mention, level = subject
        if mention is not None:
            return mention
        assert level is not None
        return _most_named(level, mentions, sentence, lead)
    fronts = [m for m in mentions if m.front]
    titled = [m for m in fronts if lead and m.sentence is lead[0] and m.zone == "lead"]
    paged = [m for m in fronts if m.zone == "page"]
    for found in (titled, paged, fronts):
        if found:
            return _most_frequent(found, mentions)
    # No Front body named: a unit the page merely mentions counts only if it is a real
    # Vietnamese one ("thành phố Marawi", "Xã Hội Để" are not).
    lead_mentions = [m for m in mentions if m.zone == "lead" and _real(m)]
    return _most_frequent(lead_mentions, mentions) if lead_mentions else None


def _real(mention: Mention) -> bool:
    """A real Vietnamese unit written out: "TP.HCM" counts only as a Front body's or a
    committee's city, never as a place merely named (a university's, a newspaper's,
    a hospital's: "Đại học Kinh tế - Luật TP.HCM", "Pháp Luật TP.HCM")."""
    if mention.shorthand:
        return False
    return mention.name.isdigit() or bool(gazetteer.candidates(mention.level, mention.name))


def _most_named(
    level: str, mentions: list[Mention], sentence: str, lead: list[str]
) -> Mention | None:
    """The unit of ``level`` the page names most; when it names none of that level, the one
    its named units lie in ("HĐND tỉnh" beside "TP Vinh": Nghệ An) or the one province it
    names bare ("UBMTTQ tỉnh … ở Hà Tĩnh")."""
    same = [m for m in mentions if m.level == level]
    if same:
        best = _most_frequent(same)
        return (
            Mention(best.level, best.name, best.written, sentence, True, "lead") if best else None
        )
    around: set[gazetteer.Place] = set()
    for m in mentions:
        if _rank(m.level, m.name) <= _rank(level, ""):
            continue
        found = gazetteer.resolve(m.level, m.name)
        around |= {p for p in (found.parents if found else ()) if p.level == level}
    if level in ("tỉnh", "thành phố") and not around:
        around = _bare_provinces(lead, level)
    if len(around) == 1:
        place = next(iter(around))
        return Mention(level, place.name, f"{level} {place.name}", sentence, True, "lead")
    return None


_CAPITALISED_RUN = re.compile(rf"{_SYLLABLE}(?: {_SYLLABLE}){{1,3}}")


def _bare_provinces(lead: list[str], level: str) -> set[gazetteer.Place]:
    """Provinces (of that level) the lead names without a level word."""
    found: set[gazetteer.Place] = set()
    for sentence in lead:
        for run in _CAPITALISED_RUN.finditer(sentence):
            words = run.group().split()
            for size in range(len(words), 1, -1):
                place = gazetteer.province(" ".join(words[:size]))
                if place is not None:
                    if place.level == level:
                        found.add(place)
                    break
    return found


def _most_frequent(mentions: list[Mention], every: list[Mention] | None = None) -> Mention | None:
    """The unit named most; a tie goes to the one the whole page (``every``) names most,
    then to the lower level (a commune's Front beside the city whose newspaper reports it)."""
    counts = Counter((m.level, fold(m.name)) for m in mentions)
    if not counts:
        return None
    overall = Counter((m.level, fold(m.name)) for m in every or ())
    first = {
        key: i for i, key in reversed(list(enumerate((m.level, fold(m.name)) for m in mentions)))
    }
    level, key = max(counts, key=lambda k: (counts[k], overall[k], _rank(k[0], k[1]), -first[k]))
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
            Place(p.level, p.name)
            for p in found.parents
            if (p.level, gazetteer.fold(p.name)) in named
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
