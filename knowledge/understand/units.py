"""Units: the xã, phường, huyện… a question names, matched against the units actually stored
(exact first, then typo-tolerant for written-out names, never for numbered ones: "Phường 2"
is never "Phường 12"), with the parents that tell same-named units apart, and places that
no report is of but some may speak of."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from knowledge import gazetteer
from knowledge.catalog import UNPLACED, Catalog, Place, Unit
from knowledge.terms import bigrams
from knowledge.text import fold
from knowledge.understand.question import Question
from knowledge.understand.words import STOPWORDS

_LEVELS = {
    "thanh pho": "thành phố",
    "tp": "thành phố",
    "tinh": "tỉnh",
    "huyen": "huyện",
    "quan": "quận",
    "thi xa": "thị xã",
    "tx": "thị xã",
    "thi tran": "thị trấn",
    "tt": "thị trấn",
    "xa": "xã",
    "phuong": "phường",
    "p": "phường",
    "q": "quận",
}
_LEVEL_WORDS = "|".join(sorted((re.escape(k) for k in _LEVELS), key=len, reverse=True))
_LEVEL_RE = re.compile(
    rf"\b({_LEVEL_WORDS})(?:\.\s*|\s+)"
)  # "P.2", "Q. Long Biên", "TX Kiến Tường"
_LEVEL_BEFORE = re.compile(rf"(?:^|\s)({_LEVEL_WORDS})\.?\s+$")
# Words that follow a level word without naming a unit ("huyện ủy", "xã hội", "phường đã").
_NOT_NAMES = {
    "uy", "hoi", "nha", "ta", "minh", "da", "se", "dang", "co", "va", "cung", "nay", "do",
    "doi", "trong", "duoc", "toi", "khu", "ban", "nao", "thuoc", "cac", "cua", "mien", "vung",
    "xa", "ho", "thon",
}  # fmt: skip
_COMMITTEES = {"thi uy": "thị xã", "huyen uy": "huyện", "tinh uy": "tỉnh", "thanh uy": "thành phố",
               "quan uy": "quận"}  # fmt: skip


def resolve_units(question: Question, catalog: Catalog) -> list[tuple[int, int]]:
    """Fill units/places/unknown_unit; returns the character spans the unit names used."""
    folded = question.folded
    mentions: list[tuple[set[Unit], tuple[int, int]]] = []
    unknown: str | None = None
    for match in _LEVEL_RE.finditer(folded):
        level = _LEVELS[match[1]]
        found, span, written = _named_after(folded, match.end(), level, catalog)
        if found:
            mentions.append((found, (match.start(), span)))
        elif (
            unknown is None and written and (written.split()[0].isdigit() or _real(level, written))
        ):
            unknown = f"{level} {_written_name(question.text, written)}"
        elif unknown is None:
            named = _capitalised_after(question.text, level)
            if named:  # "xã Không Có Thật": written as a name, whatever the gazetteer says
                unknown = f"{level} {named}"
    for committee, level in _COMMITTEES.items():
        for match in re.finditer(rf"\b{committee}\s+", folded):
            found, span, _ = _named_after(folded, match.end(), level, catalog)
            if found:
                mentions.append((found, (match.start(), span)))
    used = [span for _, span in mentions]
    mentions += _bare_names(folded, catalog, used)
    used = [span for _, span in mentions]
    within = _parent_names(folded, catalog, used)
    units = _narrow(mentions, [p for p, _ in within])
    if _UNPLACED in folded and any(not u.parents for u in units):  # a choice sent back
        units = {u for u in units if not u.parents}
    elsewhere = _placed_elsewhere(question.text, folded, units, mentions)
    if elsewhere is not None:  # "Phường 2, thành phố Vị Thanh": not the Phường 2 we hold
        units, unknown = set(), elsewhere
    if not units and within:  # only a province or district named: the units inside it
        units = {
            u for u in catalog.by_unit if any(u.within(p) for p, _ in within) and catalog.trusted(u)
        }
        question.scope = within[0][0].label[:1].upper() + within[0][0].label[1:]
    question.mentions = [frozenset(m) for m, _ in sorted(mentions, key=lambda m: m[1])]
    question.units = sorted(units, key=lambda u: u.label)
    if not units and unknown and not within:
        units_before = _reformed(unknown, catalog)
        if units_before:  # "xã Liêm Hải": held only under the unit it went into
            question.reform_asked, unknown = unknown, None
            question.related = units_before
    elif len(units) <= 3:
        question.related = {
            u: r
            for asked in question.units
            for u, r in catalog.lineage(asked).items()
            if u not in units
        }
    question.units += sorted(question.related, key=lambda u: u.label)
    question.places = [Place(u.level, u.name) for m, _ in mentions for u in m if u not in units]
    question.places += [p for p, _ in within]
    if not units and unknown:
        question.unknown_unit = unknown
    used = [span for _, span in mentions] + [span for _, span in within]
    question.near |= _provinces_named(folded, used)
    return used


def _reformed(unknown: str, catalog: Catalog) -> dict[Unit, str]:
    """The stored units a real unit we hold nothing of went into, or took in, in 2025."""
    level, _, name = unknown.partition(" ")
    if level in ("thành", "thị"):
        head, _, name = name.partition(" ")
        level = f"{level} {head}"
    admin = gazetteer.resolve(level, name)
    return catalog.lineage_of(admin) if admin is not None else {}


def _provinces_named(folded: str, used: list[tuple[int, int]]) -> set[str]:
    """Provinces written bare that no stored report is of or within ("Vĩnh Phúc" when the
    page about it was filed under another unit): the answer's report must name them."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    anchors = set()
    for size in (3, 2):
        for i in range(len(words) - size + 1):
            start, end = words[i][0], words[i + size - 1][1]
            if any(start < b and a < end for a, b in used):
                continue
            if gazetteer.province(folded[start:end]):
                anchors |= set(bigrams(folded[start:end].split()))
                used.append((start, end))
    return anchors


def _parent_names(
    folded: str, catalog: Catalog, used: list[tuple[int, int]]
) -> list[tuple[Place, tuple[int, int]]]:
    """Parent places written in the question ("Phường 2 Sóc Trăng", "thị xã Kiến Tường"),
    with or without their level word, two syllables or more."""
    found: list[tuple[Place, tuple[int, int]]] = []
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    for size in (4, 3, 2):
        for i in range(len(words) - size + 1):
            start, end = words[i][0], words[i + size - 1][1]
            if any(start < b and a < end for a, b in used):
                continue
            places = catalog.places_named(folded[start:end])
            if places:
                level = _level_before(folded, start)
                found += [
                    (p, (level[0] if level else start, end))
                    for p in places
                    if level is None or p.level == level[1]
                ]
                used.append((start, end))
    return found


def _level_before(folded: str, start: int) -> tuple[int, str] | None:
    """The level word just before a name, if any: (its start, the level)."""
    match = _LEVEL_BEFORE.search(folded[:start])
    return (match.start(1), _LEVELS[match[1]]) if match else None


def _named_after(
    folded: str, start: int, level: str, catalog: Catalog
) -> tuple[set[Unit], int, str]:
    """Units of ``level`` whose name starts at ``start`` (longest first), the end of the
    name, and the words written there (for an 'unknown unit' message)."""
    words = folded[start:].split()[:4]
    if not words:
        return set(), start, ""
    if words[0].isdigit():  # numbered units: exact only
        found = {u for u in catalog.units_named(words[0]) if u.level == level}
        return found, start + len(words[0]), words[0]
    initial = _INITIAL.match(folded, start)
    if initial:  # "Q.Nghiệp" for Quảng Nghiệp
        found, tail = _by_initial(initial[1], initial[2], level, catalog)
        if found:
            return found, initial.start(2) + len(tail), initial[0]
    for size in range(min(4, len(words)), 0, -1):
        name = " ".join(words[:size])
        found = {u for u in catalog.units_named(name) if u.level == level}
        if found:
            return found, start + len(name), name
    for size in range(min(3, len(words)), 0, -1):  # a real unit we hold nothing about
        name = " ".join(words[:size])
        if _real(level, name):
            return set(), start + len(name), name
    name = " ".join(w for w in words[:2] if not w.isdigit() and w not in STOPWORDS)
    fuzzy = _fuzzy_unit(name, level, catalog) if len(name) >= 5 else set()
    return fuzzy, start + len(name), name


_INITIAL = re.compile(r"([a-z])\.\s*([a-z]+(?: [a-z]+){0,2})")


def _by_initial(letter: str, rest: str, level: str, catalog: Catalog) -> tuple[set[Unit], str]:
    """Stored units of ``level`` whose name is ``letter``… followed by the words of ``rest``
    (longest name first), and the words it took."""
    best: tuple[set[Unit], str] = (set(), "")
    for name, units in catalog.by_name.items():
        head, _, tail = name.partition(" ")
        fits = head.startswith(letter) and tail and (rest == tail or rest.startswith(tail + " "))
        ofit = {u for u in units if u.level == level and catalog.trusted(u)} if fits else set()
        if ofit and len(tail) >= len(best[1]):
            best = (ofit | best[0] if tail == best[1] else ofit, tail)
    return best


def _real(level: str, name: str) -> bool:
    """Whether the gazetteer knows a unit of this level and name (so "xã Quảng Nghĩa" is a
    real commune we hold nothing about, not a typo of Quảng Nghiệp)."""
    return bool(name) and not name.isdigit() and gazetteer.known(level, name)


def _fuzzy_unit(name: str, level: str, catalog: Catalog) -> set[Unit]:
    names = [n for n in catalog.by_name if not n.isdigit()]
    best = process.extractOne(name, names, scorer=fuzz.ratio, score_cutoff=84)
    if best is None:
        return set()
    return {u for u in catalog.units_named(best[0]) if u.level == level}


def _bare_names(
    folded: str, catalog: Catalog, used: list[tuple[int, int]]
) -> list[tuple[set[Unit], tuple[int, int]]]:
    """Unit names written without a level word ("Đình Lập", "Hồng Lĩnh"): two syllables or
    more, so ordinary words are not mistaken for places."""
    found: list[tuple[set[Unit], tuple[int, int]]] = []
    positions = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    taken = list(used)
    for size in (4, 3, 2):
        for i in range(len(positions) - size + 1):
            start, end = positions[i][0], positions[i + size - 1][1]
            if any(start < b and a < end for a, b in taken):
                continue
            name = folded[start:end]
            if name in _NOT_PLACES:
                continue
            units = {u for u in catalog.units_named(name) if u.level != "trung ương"}
            if units:
                found.append((units, (start, end)))
                taken.append((start, end))
    return found


def central_named(folded: str) -> bool:
    """ "Ủy ban Trung ương MTTQ": the national committee. Not a unit filter: national pages
    are filed under many units (the city an event was held in), so it only ranks."""
    return bool(_CENTRAL.search(folded))


_UNPLACED = fold(UNPLACED)
_NOT_PLACES = {"viet nam", "trung uong", "nha nuoc", "chinh phu", "quoc hoi"}  # written bare
_CENTRAL = re.compile(
    r"\b(uy ban trung uong|ubtu|ub tw|ubtw|uy ban t\.u|trung uong (mttq|mat tran))\b"
)


def _narrow(mentions: list[tuple[set[Unit], tuple[int, int]]], places: list[Place]) -> set[Unit]:
    """The units the question is about: the lowest-level mention, kept to the candidates
    inside the other places it names ("Phường 2 Kiến Tường")."""
    if not mentions:
        return set()
    ranked = sorted(mentions, key=lambda m: min(_RANK.get(u.level, 9) for u in m[0]))
    target = set(ranked[0][0])
    around = [[Place(o.level, o.name) for o in others] for others, _ in ranked[1:]]
    for group in [*around, places]:
        # The units placed inside a place named: a unit no report placed may be there too,
        # but the one placed there is what was asked ("Phường 2, thị xã Kiến Tường" is never
        # answered with a choice of itself and an unplaced Phường 2).
        inside = {u for u in target if any(u.within(p) for p in group)}
        if inside:
            target = inside
    return target


_RANK = {"xã": 0, "phường": 0, "thị trấn": 0, "huyện": 1, "quận": 1, "thị xã": 1, "thành phố": 2,
         "tỉnh": 3}  # fmt: skip


_PARENT_LEVELS = ("thành phố", "thị xã", "quận", "huyện", "tỉnh")


def _placed_elsewhere(
    text: str, folded: str, units: set[Unit], mentions: list[tuple[set[Unit], tuple[int, int]]]
) -> str | None:
    """A numbered unit named with a place around it that none of the stored same-named units
    lies in ("Phường 2 Vị Thanh" when the Phường 2 held is Kiến Tường's): the unit asked is
    another town's, of which nothing is held. Returns how to name it, else None."""
    numbered = [
        (m, span) for m, span in mentions if m and all(u.name.isdigit() for u in m) and m & units
    ]
    if not numbered:
        return None
    found, (_, end) = numbered[0]
    rest = folded[end:].lstrip(" ,-").split()[:5]
    words = (
        rest[1:]
        if rest[:1] and rest[0] in {"tp", "tx", "thanh", "thi", "quan", "huyen", "tinh"}
        else rest
    )
    if rest[:2] in (["thanh", "pho"], ["thi", "xa"]):
        words = rest[2:]
    for size in (3, 2):
        name = " ".join(words[:size])
        if len(name.split()) < size:
            continue
        level = next((lv for lv in _PARENT_LEVELS if gazetteer.known(lv, name)), None)
        if level is None and gazetteer.province(name):
            level = "tỉnh"
        if level is None:
            continue
        if any(fold(p.name) == name for u in found for p in u.parents):
            return None  # one of ours after all
        unit = next(iter(found))
        place = gazetteer.province(name) if level == "tỉnh" else None
        written = place.name if place else _written_name(text, name)
        return f"{unit.level} {unit.name}, {level} {written}"
    return None


def _capitalised_after(text: str, level: str) -> str | None:
    """The words written with capitals right after the level word ("xã Không Có Thật"):
    a user who capitalises a place's name means a place, known or not."""
    head = fold(level).split()[-1]
    words = [w.strip("?.,!:;()\"'") for w in text.split()]
    for i, word in enumerate(words[:-1]):
        if fold(word) != head:
            continue
        name = []
        for following in words[i + 1 : i + 5]:
            if not following or not following[0].isupper() or following.isupper():
                break
            name.append(following)
        if name:
            return " ".join(name)
    return None


def _written_name(text: str, folded_name: str) -> str:
    """The name as the user wrote it, found through the folded form."""
    words = text.split()
    count = len(folded_name.split())
    for i in range(len(words) - count + 1):
        chunk = " ".join(words[i : i + count])
        if fold(chunk).strip("?.,!:;") == folded_name:
            return chunk.strip("?.,!:;")
    return folded_name
