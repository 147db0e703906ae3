"""Clean stage: page text → the report's own paragraphs.

Scraped local-government pages carry visit counters, ad placeholders, related-news lists,
comment forms and site footers. We drop them line by line, keep the footer's editor, phone,
e-mail and address as source metadata (not content), keep a repeated paragraph once, and
flag text that stops in the middle of a list ("... như:") as truncated.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from datetime import date

from knowledge.errors import check_time
from knowledge.text import fold, normalize, squash

# Matched against the folded line (no diacritics, lower case, bullets stripped).
_CHROME = re.compile(
    r"^(?:"
    r"anh tin bai|image (?:advertisement|banner)|skip to (?:main )?content"
    r"|(?:thong ke|so luot|luot) truy cap.*"
    r"|(?:dang online|dang truy cap|online|hom nay|hom qua|trong tuan|tuan nay|trong thang"
    r"|thang nay|nam nay|tat ca|tong so luot|tong truy cap|thong ke|luot xem)\s*:?\s*[\d.,\s]*"
    r"|luot danh gia.*|ma xac thuc.*|ban do .{1,60}|cac ca khuc .{1,80}|lien ket website"
    r"|thu vien (?:anh|video|hinh anh)|(?:mot so )?hinh anh (?:cua )?(?:hoi nghi|dai hoi|buoi le).{0,40}"
    r"|chia se|share|in bai(?: viet)?|gui email|print|facebook|zalo|twitter|trang chu|home"
    r"|ban quyen.*|copyright.*|©.*|ghi ro nguon.*|(?:quay )?(?:ve )?dau trang|top"
    r")$"
)
# Everything after one of these lines is page chrome (related links, comment forms).
_TAIL = re.compile(
    r"^(?:tin lien quan|bai viet lien quan|tin cung chuyen muc|cac tin khac|tin khac|xem them"
    r"|tin moi(?: nhat)?|tin bai khac|bai lien quan|cac bai viet khac|danh gia|binh luan"
    r"|y kien ban doc|gui binh luan|viet binh luan)\s*:?$"
)
_META = re.compile(
    r"^(?P<key>truong ban bien tap|chiu trach nhiem(?: noi dung| xuat ban)?|dia chi|dien thoai"
    r"|so dien thoai|dt|fax|e-?mail|website)\s*:\s*",
)
_META_KEYS = {
    "truong ban bien tap": "editor",
    "chiu trach nhiem": "editor",
    "chiu trach nhiem noi dung": "editor",
    "chiu trach nhiem xuat ban": "editor",
    "dia chi": "address",
    "dien thoai": "phone",
    "so dien thoai": "phone",
    "dt": "phone",
    "fax": "fax",
    "email": "email",
    "e-mail": "email",
    "website": "website",
}
_SITE = re.compile(r"^(?:trang|cong) thong tin dien tu\b")
_BANNER = re.compile(
    r"^(?:quyet tam|nhiet liet chao mung|chao mung|thi dua|dang cong san viet nam quang vinh"
    r"|mung dang|mung xuan)\b"
)
# A publication timestamp, alone on its line (folded): "Ngày đăng: 28/12/2023", "Đăng lúc
# 08:30 ngày 23/11/2025", "Thứ Năm, 20/04/2017, 07:40", "Cập nhật: 23-11-2025 08h30 (GMT+7)".
_CLOCK = r"\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*(?:am|pm|sa|ch))?"
_STAMP_LABEL = (
    r"(?P<label>ngay dang|dang ngay|dang luc|dang vao(?: luc)?|thoi gian dang|ngay xuat ban|xuat ban"
    r"|(?:ngay |lan )?cap nhat(?: luc| ngay| vao| lan cuoi)?|posted(?: on)?|published(?: on)?)"
)
_TIMESTAMP = re.compile(
    rf"^(?:{_STAMP_LABEL}\s*[:,]?\s*)?"
    r"(?:(?:thu \w+|chu nhat)\s*[:,-]?\s*)?"
    rf"(?:{_CLOCK}\s*[-,|]?\s*)?(?:ngay\s+)?"
    r"(?P<d>\d{1,2})(?:[/.-](?P<m>\d{1,2})[/.-]|\s+thang\s+(?P<month>\d{1,2})\s+nam\s+)(?P<y>\d{4})"
    rf"(?:\s*[-,|]?\s*(?:luc\s+)?{_CLOCK})?"
    r"(?:\s*\(?\s*gmt\s*\+?\s*7?\s*\)?)?$"
)
# A menu or breadcrumb: "Trang chủ | Giới thiệu | Tin tức", "Trang chủ » Tin tức » Mặt trận".
_MENU_SPLIT = re.compile(r"\s*[|»›]\s*|\s+>\s+")
_MENU_ITEM_WORDS = 5
# A site's own name over every page: "UBND XÃ TÂN PHÚ - HUYỆN ĐỒNG PHÚ - TỈNH BÌNH PHƯỚC".
_ORG_HEADER = re.compile(
    r"^(?:ubnd|uy ban nhan dan|hdnd|dang uy|dang bo|uy ban mat tran|uy ban mttq|ubmttq"
    r"|mat tran to quoc|mttq|cong thong tin|trang thong tin|trang tin)\b"
)
_EVENT_WORDS = re.compile(
    r"\b(?:to chuc|hoi nghi|so ket|tong ket|dai hoi|hiep thuong|giao ban|trien khai|ky niem"
    r"|tham|trao|ra quan|phat dong|hop|khai mac|be mac|van dong|ban hanh|thong bao|ke hoach)\b"
)
_SECTION = re.compile(r"^(?:tin|tin tuc|hoat dong|su kien|thoi su|chuyen muc|tin bai)\b")
_BULLET = re.compile(r"^[\s•·●▪■◦*]+")
_CATEGORY_MAX_WORDS = 5
_MIN_DUPLICATE = 40
_EDGE = 4  # characters of a word cut at a line's edge that still select the lines to compare


@dataclass(slots=True)
class Cleaned:
    text: str
    title: str | None
    truncated: bool
    meta: dict[str, str] = field(default_factory=dict)
    # Lines dropped as page chrome: not content, but they still name the site's unit
    # ("Bản đồ thị xã Hồng Lĩnh"), so extraction may use them as weak hints.
    removed: list[str] = field(default_factory=list)


def clean(raw_text: str) -> Cleaned:
    """Clean one page's text. Never raises on odd input; an all-chrome page gives empty text."""
    lines = [_BULLET.sub("", squash(line)) for line in normalize(raw_text).splitlines()]
    check_time()
    meta: dict[str, str] = {}
    removed: list[str] = []
    body = _drop_chrome([line for line in lines if line], meta, removed)
    if _is_official(body):  # an official document's header is its issuer, not chrome
        body = _drop_distribution(body, meta, removed)
    else:
        body = _take_header(body, meta, removed)
    if "updated" in meta:
        meta.setdefault("published", meta["updated"])
    body = _dedupe(body)
    truncated = _is_truncated(body)
    title = body[0] if body and _looks_like_title(body[0]) else None
    return Cleaned("\n".join(body), title, truncated, meta, removed)


def _drop_chrome(lines: list[str], meta: dict[str, str], removed: list[str]) -> list[str]:
    body: list[str] = []
    in_tail = False
    for line in lines:
        check_time()
        key = fold(line)
        if _take_meta(line, key, meta) or _take_stamp(line, key, meta):
            removed.append(line)
            continue
        if in_tail or _TAIL.match(key):
            in_tail = True
            removed.append(line)
            continue
        if _CHROME.match(key) or _is_menu(key):
            removed.append(line)
            continue
        body.append(line)
    return body


def _take_meta(line: str, key: str, meta: dict[str, str]) -> bool:
    """Footer lines (editor, phone, e-mail, site name) become metadata, not content."""
    match = _META.match(key)
    if match:
        name = _META_KEYS.get(match.group("key"), match.group("key"))
        # The folded key has the same length as the original prefix: slice the original.
        meta.setdefault(name, line[match.end() :].strip())
        return True
    if _SITE.match(key) and len(line) < 160:
        meta.setdefault("site", line)
        return True
    return False


def _take_header(body: list[str], meta: dict[str, str], removed: list[str]) -> list[str]:
    """Leading banner slogans, a category label and a publication timestamp are metadata."""
    out: list[str] = []
    for index, line in enumerate(body):
        if index >= 6:  # nothing further down is header: keep the rest as it is
            out.extend(body[index:])
            break
        key = fold(line)
        leading = index < 4 and not out
        if leading and _BANNER.match(key) and index + 1 < len(body):
            meta.setdefault("banner", line)
            removed.append(line)
            continue
        if leading and _is_category(line) and index + 1 < len(body):
            meta.setdefault("category", line)
            removed.append(line)
            continue
        if leading and _is_site_header(line, key) and index + 1 < len(body):
            meta.setdefault("site", line)
            removed.append(line)
            continue
        published = _published(key)
        if published:
            meta.setdefault("published", published)
            removed.append(line)
            continue
        out.append(line)
    return out


_OFFICIAL = re.compile(
    r"^(?:cong hoa xa hoi chu nghia viet nam|dang cong san viet nam|so\s*:\s*\d)"
)
_OFFICIAL_HEAD = 8


def _is_official(body: list[str]) -> bool:
    """A document with the state or Party header ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 25/KH-…")
    in its first lines: a plan, resolution or directive as issued."""
    return any(_OFFICIAL.match(fold(line)) for line in body[:_OFFICIAL_HEAD])


_DISTRIBUTION = re.compile(r"^noi nhan\b")
_SIGNER = re.compile(r"^(?:[A-ZĐ][^\W\d_]*\s+){1,3}[A-ZĐ][^\W\d_]*$")
_SIGNER_ROLE = re.compile(
    r"^(?:k/?t\.?\s+|tm\.?\s+)?(?:pho\s+)?(?:chu tich|bi thu|truong ban|pho ban)\b"
)


def _drop_distribution(body: list[str], meta: dict[str, str], removed: list[str]) -> list[str]:
    """ "Nơi nhận:" and the signature block close an issued document: not content, but the
    signer ("CHỦ TỊCH" / "Trần Văn Bình") is kept as metadata."""
    at = next((i for i, line in enumerate(body) if _DISTRIBUTION.match(fold(line))), None)
    if at is None:
        return body
    tail = body[at:]
    removed.extend(tail)
    names = [i for i, line in enumerate(tail) if _SIGNER.match(line) and not line.isupper()]
    if names:
        meta["signer"] = tail[names[-1]]
        roles = [
            line for line in tail[: names[-1]] if _SIGNER_ROLE.match(fold(line)) and line.isupper()
        ]
        if roles:
            meta["signer_role"] = roles[-1].capitalize()
    return body[:at]


def _is_menu(key: str) -> bool:
    """Three or more short items between separators, or a breadcrumb from the home page."""
    if not any(separator in key for separator in "|»›>"):
        return False  # one item (a quick test: most lines, and lines can be long)
    items = [item for item in _MENU_SPLIT.split(key) if item]
    if len(items) < 2 or any(len(item.split()) > _MENU_ITEM_WORDS for item in items):
        return False
    return len(items) >= 3 or items[0] in {"trang chu", "home"}


def _is_site_header(line: str, key: str) -> bool:
    return (
        any(c.isalpha() for c in line)
        and all(c.isupper() for c in line if c.isalpha())
        and not any(c.isdigit() for c in line)
        and bool(_ORG_HEADER.match(key))
        and not _EVENT_WORDS.search(key)
    )


_STAMP_MAX = 120  # characters: a timestamp line, even with its counters, is short


def _take_stamp(line: str, key: str, meta: dict[str, str]) -> bool:
    """A timestamp that says what it is ("Ngày đăng: …", "Đăng lúc …", "Cập nhật: …") is the
    page's, wherever it stands (above the title, under the story, in the footer): the date
    published, or the date updated, which stands for it when no other is given."""
    if len(line) > _STAMP_MAX or not key[:1].isalpha():
        return False
    stamp = _stamp(key)
    if stamp is None or stamp[1] is None:
        return False
    meta.setdefault("updated" if "cap nhat" in stamp[1] else "published", stamp[0])
    return True


def _published(key: str) -> str | None:
    """The date of a timestamp line, also one sharing its line with counters
    ("Ngày đăng: 28/12/2023 | Lượt xem: 152")."""
    stamp = _stamp(key)
    return stamp[0] if stamp else None


def _stamp(key: str) -> tuple[str, str | None] | None:
    """(ISO date, its label or None) of a timestamp line."""
    parts = [part.strip() for part in key.split("|") if part.strip()]
    stamps = [_TIMESTAMP.match(part) for part in parts]
    found = [stamp for stamp in stamps if stamp and _iso(stamp)]
    others = [
        part for part, stamp in zip(parts, stamps, strict=True) if not (stamp and _iso(stamp))
    ]
    if len(found) != 1 or any(not _CHROME.match(part) for part in others):
        return None
    day = _iso(found[0])
    return (day, found[0]["label"]) if day else None


def _is_category(line: str) -> bool:
    """A section label over the article: in capitals ("TIN TỨC"), or a few words naming a
    news section ("Tin hoạt động", "Hoạt động Mặt trận")."""
    # Short first: a long line is no label, and is not read letter by letter.
    short = len(line.split(maxsplit=_CATEGORY_MAX_WORDS)) <= _CATEGORY_MAX_WORDS
    if not short or any(c.isdigit() for c in line) or not any(c.isalpha() for c in line):
        return False
    return all(c.isupper() for c in line if c.isalpha()) or (
        bool(_SECTION.match(fold(line))) and not line.rstrip().endswith((".", ":", "!", "?"))
    )


def _iso(match: re.Match[str]) -> str | None:
    try:
        return date(int(match["y"]), int(match["m"] or match["month"]), int(match["d"])).isoformat()
    except ValueError:
        return None


def _dedupe(body: list[str]) -> list[str]:
    """Keep a repeated paragraph once, and drop one that another paragraph already contains.

    Portals often render the lead twice (once as a teaser, once opening the article). The
    first line is never dropped as "contained": it is usually the title, which the lead
    repeats on purpose.
    """
    unique = list(dict.fromkeys(body))
    contained = _inside_longer(unique)
    return [line for index, line in enumerate(unique) if index == 0 or index not in contained]


def _inside_longer(lines: list[str]) -> set[int]:
    """The lines of _MIN_DUPLICATE characters or more that a longer line contains."""
    held = _Held(lines)
    found: set[int] = set()
    for index, line in enumerate(lines):
        check_time()
        if len(line) >= _MIN_DUPLICATE and held.elsewhere(index):
            found.add(index)
    return found


class _Held:
    """The words of a page's lines, to find whether a longer line contains a given one.

    Comparing every line with every other costs the square of the page, so a line is compared
    only with the lines holding the rarest of what a line containing it must hold: its inner
    words (all but the first and last) as whole words, its last word as the start of a word,
    its first word as the end of one (those two may be cut). A line of one word lies inside
    one word of the other line: the same word, or a longer one, looked for among the page's
    longer words all at once. Lines hold single spaces and no newline (clean squashed them),
    and are distinct.
    """

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._words: dict[str, list[int]] = {}
        self._starts: dict[str, list[int]] = {}  # a word's first _EDGE characters → lines
        self._ends: dict[str, list[int]] = {}
        for index, line in enumerate(lines):
            if len(line) <= _MIN_DUPLICATE:
                continue  # too short to contain a line that is checked
            words = line.split(" ")
            for key in set(words):
                self._words.setdefault(key, []).append(index)
            for key in {word[:_EDGE] for word in words if len(word) >= _EDGE}:
                self._starts.setdefault(key, []).append(index)
            for key in {word[-_EDGE:] for word in words if len(word) >= _EDGE}:
                self._ends.setdefault(key, []).append(index)
        # Built when a line of one word asks: every word longer than a checked line, longest
        # first, one a line; the words longer than a given one are a prefix of it.
        self._long_words: str | None = None
        self._long_sizes: list[int] = []  # minus each word's length: ascending
        self._long_ends: list[int] = []  # where each word's line ends

    def elsewhere(self, index: int) -> bool:
        line = self._lines[index]
        words = line.split(" ")
        if len(words) == 1:
            return self._in_a_word(index)
        shared = [self._words.get(word, []) for word in words[1:-1]]
        if len(words[0]) >= _EDGE:
            shared.append(self._ends.get(words[0][-_EDGE:], []))
        if len(words[-1]) >= _EDGE:
            shared.append(self._starts.get(words[-1][:_EDGE], []))
        candidates = min(shared, key=len) if shared else range(len(self._lines))
        return any(len(self._lines[o]) > len(line) and line in self._lines[o] for o in candidates)

    def _in_a_word(self, index: int) -> bool:
        word = self._lines[index]
        if any(other != index for other in self._words.get(word, [])):
            return True  # a whole word of another line, which is longer
        if self._long_words is None:
            longest = sorted(
                (w for w in self._words if len(w) > _MIN_DUPLICATE), key=len, reverse=True
            )
            self._long_words = "\n".join(longest)
            self._long_sizes = [-len(w) for w in longest]
            self._long_ends = list(itertools.accumulate(len(w) + 1 for w in longest))
        longer = bisect.bisect_left(self._long_sizes, -len(word))  # how many words are longer
        return longer > 0 and self._long_words.find(word, 0, self._long_ends[longer - 1]) != -1


def _is_truncated(body: list[str]) -> bool:
    """A paragraph that announces a list (ends with ':') and is followed by nothing, or by a
    lower-case continuation, lost its list when the page was scraped."""
    for index, line in enumerate(body):
        if not line.endswith(":"):
            continue
        following = body[index + 1] if index + 1 < len(body) else ""
        if not following or following[0].islower():
            return True
    return bool(body) and _fold_tail(body[-1]).endswith((" nhu", " gom", " sau"))


def _fold_tail(line: str, size: int = 32) -> str:
    """The end of fold(line) without folding a long line whole: folding maps a character to
    one or none, so the last characters' fold ends the same unless marks ate too many."""
    if len(line) <= size:
        return fold(line)
    tail = fold(line[-size:])
    return tail if len(tail) >= 8 else fold(line)


def _looks_like_title(line: str) -> bool:
    return len(line) <= 250 and not line.endswith((".", ":", ";"))
