"""What a page says about itself: when it was published and where it lives.

A post's own text often dates its meeting without a year ("Sáng ngày 23/11"); the date the
page was published settles the year, and its address is what a member can open. Sources give
them in several ways: a JSON Lines record's ``published`` and ``url``, an HTML page's
``article:published_time`` (or ``datePublished``, ``<time datetime>``) and canonical link.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

__all__ = ["html_meta", "published_of", "url_of"]

# Vietnam's own time: "2025-11-22T23:30:00Z" was published on the 23rd there.
_VIETNAM = timezone(timedelta(hours=7))
_ISO = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_DAY_FIRST = re.compile(
    r"^\s*(?:(?P<time>\d{1,2}:\d{2}(?::\d{2})?)\s*,?\s*)?(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})"
    r"(?:\s*,?\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
_EARLIEST = 1945  # the Front's documents and the web pages about them are no older
_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_MAX_URL = 2000


def published_of(value: object) -> str | None:
    """An ISO date ("2025-11-23"), date-time ("2025-11-23T08:30:00+07:00", "2025-11-23
    08:30") or day-first date ("23/11/2025") → "2025-11-23"; None for anything else. A time
    with an offset is read in Vietnam's time (UTC+7)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    iso = _ISO.match(value)
    if iso:
        return _iso_date(iso)
    day_first = _DAY_FIRST.match(value)
    if day_first:
        return _valid(int(day_first["y"]), int(day_first["m"]), int(day_first["d"]))
    return None


def _iso_date(match: re.Match[str]) -> str | None:
    day = _valid(int(match["y"]), int(match["m"]), int(match["d"]))
    if day is None or not match["tz"] or not match["time"]:
        return day
    offset = match["tz"].upper().replace(":", "")
    try:
        moment = datetime.fromisoformat(
            f"{day}T{_padded(match['time'])}{'+0000' if offset == 'Z' else offset}"
        )
    except ValueError:
        return day
    return moment.astimezone(_VIETNAM).date().isoformat()


def _padded(clock: str) -> str:
    hours, rest = clock.split(":", 1)
    return f"{int(hours):02d}:{rest.split('.')[0]}"


def _valid(year: int, month: int, day: int) -> str | None:
    if year < _EARLIEST:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def url_of(value: object) -> str | None:
    """An absolute http(s) address, as given; None for anything else (a relative path, a
    javascript: link, text)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if len(value) <= _MAX_URL and _URL.match(value) else None


# Where a page names its publication, most explicit first.
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.created",
    "pubdate",
    "publishdate",
)


def html_meta(html: str) -> dict[str, str]:
    """{"published": ISO date, "url": address} as far as the page's markup says them: its
    meta tags, JSON-LD, first ``<time datetime>`` and canonical link (``og:url`` after it)."""
    parser = _Head()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # html.parser on some malformed declarations: keep what was read
        pass
    found: dict[str, str] = {}
    published = next(
        (value for key in _PUBLISHED_META if (value := published_of(parser.meta.get(key)))), None
    )
    published = published or _json_ld_published(parser.scripts) or published_of(parser.time)
    if published:
        found["published"] = published
    url = url_of(parser.canonical) or url_of(parser.meta.get("og:url"))
    if url:
        found["url"] = url
    return found


def _json_ld_published(scripts: list[str]) -> str | None:
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        found = _date_published(data, depth=0)
        if found:
            return found
    return None


def _date_published(data: Any, *, depth: int) -> str | None:
    """The first ``datePublished`` in a JSON-LD tree (an object, a list, an @graph)."""
    if depth > 6:
        return None
    if isinstance(data, dict):
        value = published_of(data.get("datePublished"))
        if value:
            return value
        children: list[Any] = list(data.values())
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        if isinstance(child, dict | list):
            found = _date_published(child, depth=depth + 1)
            if found:
                return found
    return None


class _Head(HTMLParser):
    """The meta tags (by property, name or itemprop, lower case), JSON-LD scripts, the first
    ``<time datetime>`` and the canonical link of a page."""

    _MAX_SCRIPTS = 8

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.scripts: list[str] = []
        self.canonical: str | None = None
        self.time: str | None = None
        self._in_json_ld = False
        self._script: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key.lower(): value or "" for key, value in attrs}
        if tag == "meta":
            key = (
                named.get("property") or named.get("name") or named.get("itemprop") or ""
            ).lower()
            content = named.get("content") or named.get("datetime")
            if key and content:
                self.meta.setdefault(key, content.strip())
        elif tag == "link" and "canonical" in named.get("rel", "").lower().split():
            self.canonical = self.canonical or named.get("href")
        elif tag == "time" and self.time is None and named.get("datetime"):
            self.time = named["datetime"]
        elif tag == "script" and "ld+json" in named.get("type", "").lower():
            self._in_json_ld, self._script = True, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_json_ld:
            self._in_json_ld = False
            if len(self.scripts) < self._MAX_SCRIPTS:
                self.scripts.append("".join(self._script))

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self._script.append(data)
