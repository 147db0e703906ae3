"""Lines a page layout broke, joined again (PDF text).

A PDF keeps no paragraphs: its text comes out one printed line a line, so a sentence of a
narrow column spans five lines, a title in capitals three, and each stage after reading (the
title is the first line, the lead the next paragraph, dates and units read there) would see
fragments. A line is joined to the one before when the layout, not the writer, ended it:

- the line before nearly reaches the column's edge and ends no sentence, and this one goes on
  in lower case ("… tổ chức sơ kết công tác Mặt" / "trận 6 tháng đầu năm"), or the line
  before ends with a comma or a dash ("… Lãnh đạo Đảng uỷ," / "HĐND, UBND xã"), or it fills
  the column;
- both are capitals at the top of a page that is no issued document, and the one before
  fills the heading's width ("MTTQ XÃ … PHỐI HỢP TỔ CHỨC HỘI NGHỊ TIẾP" / "XÚC CỬ TRI …").

Headings stay lines of their own: a line in capitals after a line in lower case, a numbered
heading ("II.", "2.", "a)", "-"), and any line after one that ends a sentence.
"""

from __future__ import annotations

import re

__all__ = ["rejoin"]

_ENDS_SENTENCE = tuple(".!?:;…")
_CLOSERS = "\"'”’»)]"
_CONTINUES = (",", "–", "-", "—", "(", "“")
_LIST_MARK = re.compile(r"^(?:[IVXLC]+[.)]|\d+(?:\.\d+)*[.)]|[a-zđ][.)]|[-–—•+*▪●■◦])(?:\s|$)")
_OFFICIAL = re.compile(
    r"CỘNG H(?:OÀ|ÒA) XÃ HỘI CHỦ NGHĨA|Độc lập\s*[-–]\s*Tự do|^Số\s*:", re.IGNORECASE
)
_NATION = re.compile(r"CỘNG H(?:OÀ|ÒA) XÃ HỘI CHỦ NGHĨA$", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^[^,]{2,40}, ngày .{0,6}tháng .{0,4}năm \d{4}\s*$")
_HEAD_LINES = 12  # where an issued document's header stands
_BROKEN = 0.6  # of the column's width: a line shorter than this was ended by its writer
_FULL = 0.8  # a line this long was ended by the layout, even before a capital
_HEADING_FULL = 0.6  # of the widest line in a run of capitals


def rejoin(text: str) -> str:
    """The text with the lines the layout broke joined; paragraphs one a line."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    width = _column_width(lines)
    official = any(_OFFICIAL.search(line) for line in lines[:_HEAD_LINES])
    out: list[str] = []
    last = ""  # the last printed line read (out[-1] may hold several)
    title: list[int] = []  # the widths of the printed lines of the title in capitals so far
    titled = official  # an issued document's capitals are its header, never joined
    for number, line in enumerate(lines):
        if not line:
            out.append("")
            last, title = "", []
            continue
        if _NATION.search(last) and line.upper() == "VIỆT NAM":  # the state's name, wrapped
            out[-1] = f"{out[-1]} {line}"
        elif title and _capitals(line) and len(last) >= _HEADING_FULL * max(*title, len(line)):
            out[-1] = f"{out[-1]} {line}"
            title.append(len(line))
        elif last and not title and _continues(last, line, width):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
            # The first run of capitals near the top is the title; later ones are headings.
            opens = not titled and not title and number < _HEAD_LINES and _capitals(line)
            title = [len(line)] if opens else []
            titled = titled or opens
        last = line
    return "\n".join(_paragraphs(out))


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank lines (page breaks) dropped, except where a sentence runs on to the next page."""
    kept: list[str] = []
    blank = False
    for line in lines:
        if not line:
            blank = True
            continue
        if (
            blank
            and kept
            and _lower_start(line)
            and not kept[-1].rstrip(_CLOSERS).endswith(_ENDS_SENTENCE)
        ):
            kept[-1] = f"{kept[-1]} {line}"
        else:
            kept.append(line)
        blank = False
    return kept


def _continues(before: str, line: str, width: int) -> bool:
    # A line the layout ended reaches near the column's edge: a short one was ended by its
    # writer (a title's last words, a label, a menu item), whatever follows it.
    if len(before) < _BROKEN * width or _LIST_MARK.match(line) or _capitals(line):
        return False
    if _OFFICIAL.search(before) or _PLACE_DATE.search(line):  # an issued document's header lines
        return False
    ending = before.rstrip(_CLOSERS)
    if ending.endswith(_ENDS_SENTENCE) or _capitals(before):
        return False
    if _lower_start(line) or before.endswith(_CONTINUES):
        return True
    return len(before) >= _FULL * width


def _lower_start(line: str) -> bool:
    """Goes on a sentence: a lower-case word, or a number counting something ("120 đại
    biểu"), never a line of numbers alone (a timestamp, a page number)."""
    first = line.lstrip("\"'“‘(«[ ")[:1]
    if first.isdigit():
        return not _LIST_MARK.match(line) and any(c.isalpha() for c in line)
    return first.islower()


def _capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return (len(letters) >= 2 and all(c.isupper() for c in letters)) or (
        not letters and line.isdigit()
    )


def _column_width(lines: list[str]) -> int:
    """The printed column's width in characters: the length most full lines reach."""
    lengths = sorted(len(line) for line in lines if line and not _capitals(line))
    if not lengths:
        return 0
    return lengths[int(0.8 * (len(lengths) - 1))]
