"""Cut cleaned text into sentences and list clauses, each with its heading path.

Reports are written as numbered sections ("1.", "a)"), dash bullets and long sentences whose
results are separated by ';'. Items and figures are read from these pieces, so each piece
is short enough to answer with and still carries the heading it sits under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.errors import check_time

_HEADING = re.compile(r"^(?:(?P<num>\d{1,2}|[IVX]{1,4})[.)]|(?P<letter>[a-zđ])\))\s+(?=\S)")
_BULLET = re.compile(r"^[-–—+•]\s*(?=\S)")
# A sentence ends at . ! ? … (and closing quotes) followed by space and an upper-case letter,
# a digit, an opening quote or a dash.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”»')]*\s+(?=[\"“«'(\-–]?[A-ZĐÀ-Ỹ0-9])")
# Abbreviations that end with a dot but do not end a sentence.
_ABBREVIATIONS = ("TP.", "Tp.", "TS.", "ThS.", "PGS.", "GS.", "BS.", "CN.", "KS.", "St.", "v.v.")
_CLAUSE_SPLIT = re.compile(r"\s*;\s*")
_MIN_CLAUSE = 25
_MIN_LIST_SENTENCE = 200
# A list marker alone ("1.", "a)"), matched whole on a span that may start with spaces.
_MARKER = re.compile(r"\s*(?:\d{1,2}|[IVX]{1,4}|[a-zđ])[.)]")
_MAX_HEADING = 250


@dataclass(slots=True)
class Piece:
    text: str  # the sentence, or one ';' clause of a long sentence
    sentence: str  # the whole sentence it came from (provenance)
    heading: tuple[str, ...]
    paragraph: int
    first_in_paragraph: bool
    is_heading: bool = False
    is_bullet: bool = False


def pieces(text: str, *, has_title: bool = False) -> list[Piece]:
    """Pieces in reading order. With ``has_title`` the first paragraph is the page title:
    it becomes a heading piece but not part of the heading path of what follows."""
    out: list[Piece] = []
    headings: list[tuple[int, str]] = []  # (depth, text)
    for number, paragraph in enumerate(p for p in text.split("\n") if p.strip()):
        check_time()
        if number == 0 and has_title:
            out.append(Piece(paragraph, paragraph, (), 0, True, is_heading=True))
            continue
        depth = _heading_depth(paragraph)
        if depth is not None:
            headings = [h for h in headings if h[0] < depth] + [(depth, paragraph)]
            path = tuple(h[1] for h in headings)
            out.append(Piece(paragraph, paragraph, path[:-1], number, True, is_heading=True))
            continue
        path = tuple(h[1] for h in headings)
        bullet = bool(_BULLET.match(paragraph))
        body = _BULLET.sub("", paragraph)
        for index, sentence in enumerate(split_sentences(body)):
            check_time()
            for clause in split_clauses(sentence):
                out.append(Piece(clause, sentence, path, number, index == 0, is_bullet=bullet))
    return out


def _heading_depth(paragraph: str) -> int | None:
    if len(paragraph) > _MAX_HEADING or len(split_sentences(paragraph)) > 1:
        return None
    match = _HEADING.match(paragraph)
    if match:
        return 2 if match.group("letter") else 1
    letters = [c for c in paragraph if c.isalpha()]
    if len(letters) >= 8 and all(c.isupper() for c in letters):
        return 0
    return None


def split_sentences(paragraph: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        end = match.start()  # just after the stop: the candidate ends with no space
        # "1. Công tác..." is a numbered heading, not a one-word sentence. Both are tested in
        # place: a candidate kept growing past "TP." after "TP." must not be copied each time.
        if paragraph.endswith(_ABBREVIATIONS, start, end) or _MARKER.fullmatch(
            paragraph, start, end
        ):
            continue
        candidate = paragraph[start:end].strip()
        if candidate:
            sentences.append(candidate)
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_clauses(sentence: str) -> list[str]:
    """Split a ';'-separated list into clauses when each part can stand alone."""
    if len(sentence) < _MIN_LIST_SENTENCE:
        return [sentence]
    parts = [p.strip(" .") for p in _CLAUSE_SPLIT.split(sentence)]
    if len(parts) < 2 or any(len(p) < _MIN_CLAUSE for p in parts):
        return [sentence]
    return parts
