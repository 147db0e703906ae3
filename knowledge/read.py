"""Read stage: input files -> raw decoded text.

Every format ends up as ``RawDocument`` objects holding NFC text that is *not* cleaned yet
(the clean stage owns that). Bad input never surfaces as a library exception: it becomes a
``ReadError`` whose ``reason`` is one of

    not_found, io_error, unsupported_format, too_large, empty, binary, decode_error,
    bad_docx, bad_pdf, no_text_layer, bad_record

so the renderer can explain it in Vietnamese and the CLI can show the English ``detail``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import logging
import os
import re
import threading
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from knowledge.errors import ReadError
from knowledge.layout import rejoin
from knowledge.pagemeta import html_meta, published_of, url_of

log = logging.getLogger(__name__)

__all__ = ["SUPPORTED_SUFFIXES", "RawDocument", "decode_bytes", "iter_path", "read_path"]


@dataclass(frozen=True, slots=True)
class RawDocument:
    source: str  # the path as given (or "FILE#id" for a jsonl record); cited back to users
    text: str  # decoded, NFC, not cleaned
    fmt: str  # "txt" | "html" | "docx" | "pdf" | "jsonl"
    meta: dict[str, str] = field(default_factory=dict)


_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS)

DEFAULT_MAX_BYTES = 20_000_000


# --------------------------------------------------------------------------- public API


def read_path(
    path: Path, *, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[RawDocument]:
    """One file -> its documents (a jsonl file gives many; prefer iter_path for those).

    Raises ReadError. For jsonl the first bad record raises, because a list cannot carry
    partial failures; iter_path yields them one by one instead.
    """
    src = str(path) if source is None else source
    fmt = _format_of(path)
    if fmt is None:
        _require_file(path, src)  # a missing file is "not_found", whatever its suffix
        raise ReadError(
            "unsupported_format",
            f"{src}: unsupported file type {_suffix_of(path)!r}; "
            f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}",
            source=src,
        )
    if fmt == "jsonl":
        docs: list[RawDocument] = []
        for item in _iter_jsonl(path, source=src, max_bytes=max_bytes):
            if isinstance(item, ReadError):
                raise item
            docs.append(item)
        return docs
    data = _read_bounded(path, source=src, max_bytes=max_bytes)
    document = _READERS[fmt](data, src)
    check_text(document.text, source=src)
    return [document]


def iter_path(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawDocument | ReadError]:
    """A file or a folder (recursively, sorted) -> documents, with errors yielded in place.

    Inside folders, hidden files and unsupported suffixes are skipped silently (they are
    normal clutter); a single unsupported file given directly is an error, because the user
    asked for it by name. jsonl(.gz) is streamed line by line. Never raises for bad input.
    """
    if path.is_dir():
        yield from _iter_folder(path, max_bytes=max_bytes)
        return
    yield from _iter_file(path, source=str(path), max_bytes=max_bytes)


def decode_bytes(data: bytes, *, source: str) -> tuple[str, str]:
    """Bytes of a text file -> (NFC text, encoding name).

    Raises ReadError("binary" | "empty" | "decode_error").
    """
    if not data.strip():
        raise ReadError("empty", f"{source}: the file is empty or only whitespace", source=source)
    by_bom = _decode_by_bom(data, source=source)
    if by_bom is not None:
        text, encoding = by_bom
    elif b"\x00" in data:
        text, encoding = _decode_nul_bearing(data, source=source)
    else:
        _reject_control_bytes(data, source=source)
        text, encoding = _decode_8bit(data, source=source)
    text = unicodedata.normalize("NFC", text)
    _check_decoded(text, source=source)
    return text, encoding


# --------------------------------------------------------------------------- files & folders


def _suffix_of(path: Path) -> str:
    # Path.suffix sees only ".gz" in "dump.jsonl.gz"; the double suffix is a format of its own.
    name = path.name.lower()
    if name.endswith(".jsonl.gz"):
        return ".jsonl.gz"
    return path.suffix.lower()


def _format_of(path: Path) -> str | None:
    return _FORMATS.get(_suffix_of(path))


def _is_skipped_in_folder(relative: Path) -> bool:
    # Hidden files/folders (.git, .DS_Store) and Office lock files (~$report.docx) are clutter,
    # never documents; skipping them keeps bulk imports free of noise errors.
    return any(part.startswith(".") for part in relative.parts) or relative.name.startswith("~$")


def _iter_folder(folder: Path, *, max_bytes: int) -> Iterator[RawDocument | ReadError]:
    found = False
    for relative in _walk_sorted(folder):
        if _is_skipped_in_folder(relative) or _format_of(relative) is None:
            continue
        found = True
        target = folder / relative
        yield from _iter_file(target, source=str(target), max_bytes=max_bytes)
    if not found:
        src = str(folder)
        yield ReadError("empty", f"{src}: no supported files in {src}", source=src)


def _walk_sorted(folder: Path) -> list[Path]:
    """Relative paths of all files under folder, sorted so runs are reproducible."""
    found: list[Path] = []
    # os.walk does not follow directory symlinks, so a link loop cannot hang an import.
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(root).relative_to(folder)
        found.extend(base / name for name in files)
    return sorted(found, key=lambda p: p.parts)


def _iter_file(path: Path, *, source: str, max_bytes: int) -> Iterator[RawDocument | ReadError]:
    if _format_of(path) == "jsonl":
        # Streamed: never materialise a multi-GB dump as one list.
        yield from _iter_jsonl(path, source=source, max_bytes=max_bytes)
        return
    try:
        yield from read_path(path, source=source, max_bytes=max_bytes)
    except ReadError as exc:
        yield exc
    except Exception as exc:  # a reader's library failing on hostile bytes: this file only
        yield ReadError("read_failed", f"{source}: {type(exc).__name__}: {exc}", source=source)


def _require_file(path: Path, source: str) -> int:
    """-> the file size; ReadError if it is missing or not a regular file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReadError("not_found", f"{source}: no such file", source=source) from None
    except OSError as exc:
        raise ReadError(
            "io_error", f"{source}: cannot stat the file: {exc}", source=source
        ) from None
    if path.is_dir():
        raise ReadError(
            "io_error",
            f"{source}: is a folder, not a file (use iter_path for folders)",
            source=source,
        )
    return info.st_size


def _format_size(n: int) -> str:
    if n >= 1_000_000:
        return f"{round(n / 1_000_000, 1):g} MB"
    if n >= 1_000:
        return f"{round(n / 1_000, 1):g} kB"
    return f"{n} bytes"


def _too_large(source: str, size: int, max_bytes: int, what: str = "the file") -> ReadError:
    return ReadError(
        "too_large",
        f"{source}: {what} is too large: {_format_size(size)} exceeds the "
        f"{_format_size(max_bytes)} limit; split it or raise max_bytes",
        source=source,
    )


def _read_bounded(path: Path, *, source: str, max_bytes: int) -> bytes:
    # stat first so a 30 MB upload is refused without reading it; then read at most one byte
    # past the limit in case the file grew between stat and read.
    size = _require_file(path, source)
    if size > max_bytes:
        raise _too_large(source, size, max_bytes)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ReadError(
            "io_error", f"{source}: cannot read the file: {exc}", source=source
        ) from None
    if len(data) > max_bytes:
        raise _too_large(source, len(data), max_bytes)
    return data


# --------------------------------------------------------------------------- decoding

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Precomposed Vietnamese letters (NFC). ASCII letters are neutral when scoring decodings.
_VIET_LOWER = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_VIET_LETTERS = frozenset(_VIET_LOWER + _VIET_LOWER.upper())
# Non-ASCII punctuation that real Vietnamese documents (typed in Word) are full of.
_USUAL_SYMBOLS = frozenset("“”‘’–—…«»°·•€₫§©®±×÷\u00a0")
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền sắc ngã hỏi nặng
_TONED_LETTERS = frozenset(
    ch for ch in _VIET_LETTERS if _TONE_MARKS.intersection(unicodedata.normalize("NFD", ch))
)


def _decode_dropping_cut_tail(data: bytes, codec: str) -> str | None:
    """Strict decode, except that a multi-byte sequence cut at the very end is dropped.

    Files copied from chat apps or truncated downloads often end mid-character; that must
    not push us into a wrong legacy codepage for the whole file. None if any other error.
    """
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        cut_at_end = exc.end == len(data) and len(data) - exc.start < 4
        if cut_at_end and exc.reason in ("unexpected end of data", "truncated data"):
            try:
                return data[: exc.start].decode(codec)
            except UnicodeDecodeError:
                return None
        return None


def _decode_by_bom(data: bytes, *, source: str) -> tuple[str, str] | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _decode_dropping_cut_tail(data[len(bom) :], codec)
            if text is None:
                # A BOM is an explicit claim; bytes that contradict it are corrupt, not
                # another encoding.
                raise ReadError(
                    "decode_error",
                    f"{source}: starts with a {codec} byte-order mark but is not valid {codec}",
                    source=source,
                )
            return text, ("utf-8-sig" if codec == "utf-8" else codec)
    return None


def _utf16_order_without_bom(data: bytes) -> str | None:
    """Guess UTF-16 byte order from where the NULs fall (ASCII chars have a zero high byte)."""
    sample = data[:8192]
    pairs = len(sample) // 2
    if pairs == 0:
        return None
    even_nuls = sample[0::2].count(0) / pairs
    odd_nuls = sample[1::2].count(0) / pairs
    if odd_nuls > 0.2 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.2 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _decode_nul_bearing(data: bytes, *, source: str) -> tuple[str, str]:
    codec = _utf16_order_without_bom(data)
    text = _decode_dropping_cut_tail(data, codec) if codec else None
    if codec is None or text is None:
        raise ReadError(
            "binary",
            f"{source}: contains NUL bytes and is not UTF-16 text (binary file?)",
            source=source,
        )
    return text, codec


def _is_odd_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS


# The characters _is_odd_control accepts (Unicode's Cc is U+0000-U+001F and U+007F-U+009F),
# found by the regular expression engine rather than a Python call per character.
_ODD_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _reject_control_bytes(data: bytes, *, source: str) -> None:
    sample = data[:65536]
    controls = sum(1 for b in sample if (b < 0x20 and b not in b"\t\n\r\f\v") or b == 0x7F)
    if controls > 0.02 * len(sample):
        raise ReadError(
            "binary",
            f"{source}: {controls} control bytes in the first {len(sample)} (binary file?)",
            source=source,
        )


def _check_decoded(text: str, *, source: str) -> None:
    # U+FEFF is not whitespace to str.strip(), but a stray second BOM is no content either.
    if not text.replace("\ufeff", "").strip():
        raise ReadError("empty", f"{source}: the file has no text (only whitespace)", source=source)
    sample = text[:65536]
    controls = len(_ODD_CONTROL.findall(sample))
    if controls > 0.02 * len(sample):
        raise ReadError(
            "binary",
            f"{source}: decoded text is full of control characters (binary file?)",
            source=source,
        )


# An unaccented Vietnamese syllable: onset, vowel nucleus, coda. Lets a report typed without
# diacritics pass the language check while English or code does not.
_PLAIN_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"(?:uye|uya|oai|oay|uay|uoi|uou|ieu|yeu|[aeiouy]{1,2})"
    r"(?:ch|ng|nh|[cmnpt])?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
_WORD_SAMPLE = 200_000
_SURELY_VIETNAMESE = 20


def check_text(text: str, *, source: str) -> None:
    """The checks every reader's text gets, whatever the format: no flood of control
    characters, and Vietnamese words in it. Raises ReadError("binary" | "not_vietnamese")."""
    _check_decoded(text, source=source)
    if not has_vietnamese_words(text):
        raise ReadError(
            "not_vietnamese",
            f"{source}: no Vietnamese words in the text (only punctuation, numbers or another "
            "language); not a report",
            source=source,
        )


def has_vietnamese_words(text: str) -> bool:
    """Twenty words in Vietnamese letters (ă â đ ê ô ơ ư or a tone mark); or mostly
    Vietnamese syllables with at least one such word; or, typed without diacritics, at least five syllables and most
    words Vietnamese syllables. Punctuation, numbers, English or Cyrillic are not."""
    sample = text[:_WORD_SAMPLE]
    # Twenty accented words settle it (lists of foreign names, sports pages, are still news):
    # most texts within their first few hundred characters, without reading further.
    accented = 0
    for match in _WORD.finditer(sample):
        if not _VIET_LETTERS.isdisjoint(match.group()):
            accented += 1
            if accented >= _SURELY_VIETNAMESE:
                return True
    words = _WORD.findall(sample)
    if not words:
        return False
    plain = sum(1 for word in words if word.isascii() and _PLAIN_SYLLABLE.fullmatch(word))
    if accented:
        return accented + plain >= 0.5 * len(words)
    return plain >= 5 and plain >= 0.6 * len(words)


def _viet_score(text: str) -> int:
    """-> the number of odd characters in an NFC candidate decoding.

    Odd: replacement chars, controls, unassigned/private code points, combining marks that
    did not compose, letters from other alphabets, stray Latin-1 symbols, and syllables with
    two tone marks. A wrong codepage turns Vietnamese into exactly those ("TÃ´Ì‰",
    "ChÆ°Æ¡ng", cp1252's "dýò" for "dự"); the right one leaves almost none.
    """
    odd = 0
    tones_in_word = 0
    for ch in text:
        if ch.isascii():
            odd += _is_odd_control(ch)
            if not ch.isalpha():
                tones_in_word = 0
        elif ch in _VIET_LETTERS:
            tones_in_word += ch in _TONED_LETTERS
            # A Vietnamese syllable carries one tone; count the first surplus only.
            odd += tones_in_word == 2
        else:
            tones_in_word = 0
            odd += ch not in _USUAL_SYMBOLS and not ch.isspace()
    return odd


def _utf8_lenient(data: bytes) -> str:
    # final=False keeps a sequence cut at the end in the decoder's buffer, i.e. drops it,
    # while bad bytes in the middle become U+FFFD.
    return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data, final=False)


def _normalise_codec_name(name: str) -> str:
    # "cp1258" and "windows-1258" are the same codepage; admins know the Windows name.
    match = re.fullmatch(r"(?:cp|windows[-_])(125\d)", name.lower())
    return f"windows-{match.group(1)}" if match else name


_Decoder = Callable[[bytes], str]


def _codepage(codec: str) -> _Decoder:
    return lambda data: data.decode(codec, errors="replace")


def _legacy_decoders(sample: bytes) -> list[tuple[str, _Decoder]]:
    """(encoding label, decoder) pairs that compete when the bytes are not clean UTF-8.

    Order matters: on a tie the earlier one wins, and cp1258 is this project's default.
    """
    decoders: list[tuple[str, _Decoder]] = [
        # cp1258 writes tone marks as combining characters; NFC (applied later) glues them.
        ("windows-1258", _codepage("cp1258")),
        # A UTF-8 file with a few stray bytes is still UTF-8; it competes with its U+FFFDs.
        ("utf-8 (repaired)", _utf8_lenient),
    ]
    guess = _charset_normalizer_guess(sample)
    guess = _text_codec(guess) if guess is not None else None
    if guess is not None and guess not in ("cp1258", "utf-8"):
        decoders.append((_normalise_codec_name(guess), _codepage(guess)))
    return decoders


def _charset_normalizer_guess(data: bytes) -> str | None:
    import charset_normalizer  # lazy: only legacy files need it

    try:
        best = charset_normalizer.from_bytes(data).best()
    except Exception:  # a guesser failing on hostile bytes must not fail the read
        return None
    return None if best is None else str(best.encoding)


# Encoding is chosen on a prefix: scoring is pure Python and charset_normalizer is slow on
# megabytes, while a few hundred kB of one file never change codepage half-way.
_SNIFF_BYTES = 262_144


def _decode_8bit(data: bytes, *, source: str) -> tuple[str, str]:
    text = _decode_dropping_cut_tail(data, "utf-8")
    # A cut tail after pure ASCII is no evidence of UTF-8: "vu\xf2" is cp1258 "vụ".
    if text is not None and (len(text) == len(data) or not text.isascii()):
        return text, "utf-8"
    sample = data[:_SNIFF_BYTES]
    best: tuple[tuple[int, int], str, _Decoder, str] | None = None
    for encoding, decode in _legacy_decoders(sample):
        candidate = unicodedata.normalize("NFC", decode(sample))
        # Fewest odd characters wins; then the shortest text, because composing tone marks
        # (cp1258) or multi-byte sequences is what a right guess does to the byte count.
        key = (-_viet_score(candidate), -len(candidate))
        if best is None or key > best[0]:
            best = (key, encoding, decode, candidate)
    assert best is not None  # _legacy_decoders always returns candidates
    (neg_odd, _), encoding, decode, candidate = best
    visible = sum(1 for ch in candidate if not ch.isspace())
    if -neg_odd > 0.25 * max(visible, 1):
        raise ReadError(
            "decode_error",
            f"{source}: not UTF-8 and no known encoding gives readable text "
            f"(best guess {encoding} leaves {-neg_odd} odd characters of {visible})",
            source=source,
        )
    return (candidate if len(sample) == len(data) else decode(data)), encoding


# --------------------------------------------------------------------------- txt


def _read_txt(data: bytes, source: str) -> RawDocument:
    text, encoding = decode_bytes(data, source=source)
    return RawDocument(source=source, text=text, fmt="txt", meta={"encoding": encoding})


# --------------------------------------------------------------------------- html

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
# Browsers (WHATWG) read these labels as windows-1252; pages rely on it.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    label = match.group(1).decode("ascii").lower()
    label = _CHARSET_ALIASES.get(label, label)
    codec = _text_codec(label)
    # A page whose bytes we are reading as ASCII-compatible cannot really be UTF-16/32.
    return None if codec is None or codec.startswith(("utf-16", "utf-32")) else codec


def _text_codec(label: str) -> str | None:
    """The codec's canonical name when ``label`` names a text encoding; None for unknown
    labels and for bytes-to-bytes codecs ("hex", "base64", "zlib", "rot13"...) that a page
    may name but that cannot decode it."""
    try:
        codec = codecs.lookup(label).name
        # Not b"": decoding nothing skips the text-encoding check.
        b"a".decode(codec, errors="replace")
    except (LookupError, ValueError):
        return None
    return codec


def _decode_html(data: bytes, source: str) -> tuple[str, str]:
    declared = None if any(data.startswith(bom) for bom, _ in _BOMS) else _declared_charset(data)
    sniffed: tuple[str, str] | None = None
    try:
        sniffed = decode_bytes(data, source=source)
    except ReadError:
        if declared is None:
            raise
    if declared is not None:
        text = _decode_dropping_cut_tail(data, declared)
        if text is not None:
            text = unicodedata.normalize("NFC", text)
            # A declaration is a claim, not proof: pages saved as UTF-8 keep a template's
            # "koi8-r" or "iso-8859-1". The declared decoding stands unless the sniffed one
            # reads as cleaner Vietnamese, the same test a .txt file gets.
            if sniffed is None or _viet_score(text) <= _viet_score(sniffed[0]):
                _check_decoded(text, source=source)
                return text, _normalise_codec_name(declared)
    if sniffed is None:
        raise ReadError(
            "decode_error", f"{source}: the page's declared charset cannot decode it", source=source
        )
    return sniffed


_PRUNE_XPATH = ["//nav", "//footer", "//noscript", "//script", "//style"]


def _trafilatura_extract(html: str) -> tuple[str, dict[str, str]] | None:
    import trafilatura  # lazy: heavy import, only HTML needs it

    try:
        doc: Any = trafilatura.bare_extraction(
            html,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            # With favor_recall, trafilatura's baseline fallback dumps the whole <body> of short
            # pages, menus and footers included; prune them before it looks.
            prune_xpath=_PRUNE_XPATH,
        )
    except Exception:  # trafilatura on malformed markup: fall back rather than fail the read
        return None
    if doc is None:
        return None
    text = _field(doc, "text")
    if not isinstance(text, str) or not text.strip():
        return None
    meta: dict[str, str] = {}
    for key in ("title", "date"):
        value = _field(doc, key)
        if isinstance(value, str) and value.strip():
            meta[key] = value.strip()
    return text, meta


def _field(doc: Any, key: str) -> Any:
    # trafilatura 2.x returns a Document object; 1.x returned a dict.
    return doc.get(key) if isinstance(doc, dict) else getattr(doc, key, None)


class _TextDump(HTMLParser):
    """Visible text of a page, one block a line; chrome and code dropped."""

    _SKIP = frozenset({"script", "style", "noscript", "nav", "footer", "template", "svg", "head"})
    _BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "table",
            "section",
            "article",
            "header",
            "main",
            "aside",
            "blockquote",
            "pre",
            "dd",
            "dt",
            "hr",
            "form",
            "figure",
            "figcaption",
            "address",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag in ("body", "html"):
            self._skip_depth = 0  # an unclosed <nav> must not swallow the rest of the page
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip_depth:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line.strip(" |") for line in lines if line.strip(" |"))


def _fallback_extract(html: str) -> tuple[str, dict[str, str]]:
    parser = _TextDump()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:
        # html.parser asserts on some malformed declarations ("<![if x]>"); the text
        # gathered up to that point is still the best we can do.
        pass
    title = " ".join("".join(parser.title_parts).split())
    return parser.text(), ({"title": title} if title else {})


def _read_html(data: bytes, source: str) -> RawDocument:
    html, encoding = _decode_html(data, source)
    extracted = _trafilatura_extract(html)
    extractor = "trafilatura"
    if extracted is None:
        extracted, extractor = _fallback_extract(html), "fallback"
    text, meta = extracted
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise ReadError("empty", f"{source}: the HTML page has no visible text", source=source)
    return RawDocument(
        source=source,
        text=text,
        fmt="html",
        # What the markup states (published, url) beside the extractor's guesses (date).
        meta={"encoding": encoding, "extractor": extractor, **meta, **html_meta(html)},
    )


# --------------------------------------------------------------------------- docx

# Cap on the unzipped size of a .docx: a small zip can inflate to gigabytes (zip bomb).
_MAX_DOCX_UNZIPPED = 500_000_000


def _bad_docx(source: str, cause: str) -> ReadError:
    return ReadError("bad_docx", f"{source}: not a valid .docx file: {cause}", source=source)


def _check_docx_container(data: bytes, source: str) -> None:
    """Explain *why* a .docx is unreadable, instead of python-docx's KeyError/BadZipFile."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _bad_docx(source, "it is an old binary Word .doc; open it in Word and save as .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # zipfile raises BadZipFile, NotImplementedError, ValueError...
        raise _bad_docx(source, f"not a zip archive ({type(exc).__name__}: {exc})") from None
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise _bad_docx(source, "a zip archive without word/document.xml (not a Word document)")
    if unzipped > _MAX_DOCX_UNZIPPED:
        raise _bad_docx(source, f"unzips to {_format_size(unzipped)} (zip bomb?)")


def _docx_table_lines(table: Any) -> list[str]:
    lines: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        nested: list[str] = []
        seen: list[Any] = []
        for cell in row.cells:
            # Merged cells come back once per grid column; keep one copy.
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
            for inner in cell.tables:
                nested.extend(_docx_table_lines(inner))
        if any(cells):
            lines.append(" | ".join(cells))
        lines.extend(nested)
    return lines


def _read_docx(data: bytes, source: str) -> RawDocument:
    _check_docx_container(data, source)
    import docx  # lazy: only .docx needs it
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        # iter_inner_content keeps paragraphs and tables in document order.
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_docx_table_lines(block))
            else:
                lines.append(block.text)
    except Exception as exc:  # python-docx raises assorted KeyError/XML errors on damaged parts
        raise _bad_docx(source, f"{type(exc).__name__}: {exc}") from None
    text = unicodedata.normalize("NFC", "\n".join(lines))
    if not text.strip():
        raise ReadError("empty", f"{source}: the Word document has no text", source=source)
    return RawDocument(source=source, text=text, fmt="docx", meta={})


# --------------------------------------------------------------------------- pdf


def _bad_pdf(source: str, cause: str) -> ReadError:
    return ReadError("bad_pdf", f"{source}: cannot read the PDF: {cause}", source=source)


class _LibraryWarnings(logging.Handler):
    """Catches what a library logs while it reads one file on this thread, so its warnings
    ("EOF marker not found", "incorrect startxref pointer") name the file instead of going
    to stderr bare. Other threads reading other files are left alone."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


class _PdfLogger(logging.Handler):
    """pypdf's log (its loggers are "pypdf.*", so this sits on their parent, which does not
    propagate): a warning raised while a file is read on the same thread goes to that file's
    capture; anything else goes on to the root handlers as before."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.captures: list[_LibraryWarnings] = []
        self.guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self.guard:
            captured = [c for c in self.captures if c.thread == record.thread]
        for capture in captured:
            capture.emit(record)
        if not captured:
            logging.getLogger().handle(record)


_PDF_LOG = _PdfLogger()
logging.getLogger("pypdf").addHandler(_PDF_LOG)
logging.getLogger("pypdf").propagate = False


def _pdf_page_texts(data: bytes, source: str) -> tuple[list[str], list[str]]:
    """The pages' text and the warnings pypdf gave while reading them."""
    capture = _LibraryWarnings()
    with _PDF_LOG.guard:
        _PDF_LOG.captures.append(capture)
    try:
        pages = _pdf_pages(data, source)
    finally:
        with _PDF_LOG.guard:
            _PDF_LOG.captures.remove(capture)
        # Logged even when the read fails: they say why.
        warnings = list(dict.fromkeys(capture.messages))
        for message in warnings:
            log.warning("%s: pypdf: %s", source, message)
    return pages, warnings


def _pdf_pages(data: bytes, source: str) -> list[str]:
    from pypdf import PdfReader  # lazy: only PDFs need it

    if b"%PDF" not in data[:1024]:
        raise _bad_pdf(source, "no %PDF header (not a PDF file)")
    try:
        reader = PdfReader(io.BytesIO(data))
        # Many PDFs are "encrypted" with an empty user password just to block editing.
        if reader.is_encrypted and not reader.decrypt(""):
            raise _bad_pdf(source, "it is password-protected; remove the password and retry")
        return [page.extract_text() or "" for page in reader.pages]
    except ReadError:
        raise
    except Exception as exc:  # pypdf raises many types on corrupt files
        raise _bad_pdf(source, f"{type(exc).__name__}: {exc}") from None


def _read_pdf(data: bytes, source: str) -> RawDocument:
    pages, warnings = _pdf_page_texts(data, source)
    texts = [page.strip() for page in pages]
    if not any(texts):
        raise ReadError(
            "no_text_layer",
            f"{source}: the PDF ({len(pages)} pages) has no text layer (scanned?); run OCR first, "
            f"e.g. `ocrmypdf -l vie in.pdf out.pdf`",
            source=source,
        )
    meta = {"pages": str(len(pages))}
    blank = sum(1 for text in texts if not text)
    if blank:
        meta["pages_without_text"] = str(blank)  # partly scanned: admins should know
    if warnings:
        meta["pdf_warnings"] = "; ".join(warnings)[:500]  # a damaged file: admins should know
    # A PDF has printed lines, not paragraphs: join what the layout broke (knowledge/layout.py).
    text = rejoin(unicodedata.normalize("NFC", "\n\n".join(text for text in texts if text)))
    return RawDocument(source=source, text=text, fmt="pdf", meta=meta)


# --------------------------------------------------------------------------- jsonl

# JSON escapes (\uXXXX) can make a line up to 6x its text; beyond that a line is not a record
# worth holding in memory.
_JSON_LINE_FACTOR = 6
_MAX_ID = 200  # a record id is cited back to users; anything longer is not an id
_READ_CHUNK = 1 << 20


def _open_jsonl(path: Path) -> io.BufferedIOBase:
    if _suffix_of(path) == ".jsonl.gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _iter_lines(fh: io.BufferedIOBase, limit: int) -> Iterator[bytes | None]:
    """Lines of a byte stream; None for a line longer than limit (skipped, not buffered)."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # drain the rest of the oversized line in bounded chunks
                rest = fh.readline(_READ_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _bad_record(source: str, line_no: int, cause: str) -> ReadError:
    src = f"{source}#line{line_no}"
    return ReadError("bad_record", f"{source}: line {line_no}: {cause}", source=src)


def _parse_record(
    raw: bytes, *, source: str, line_no: int, max_bytes: int
) -> RawDocument | ReadError:
    if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return _bad_record(source, line_no, f"not UTF-8 ({exc.reason} at byte {exc.start})")
    except json.JSONDecodeError as exc:
        return _bad_record(source, line_no, f"invalid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return _bad_record(source, line_no, "invalid JSON (nested too deeply)")
    except ValueError as exc:  # an integer of more than 4,300 digits, and the like
        return _bad_record(source, line_no, f"invalid JSON ({exc})")
    if not isinstance(record, dict):
        return _bad_record(source, line_no, f"expected a JSON object, got {type(record).__name__}")
    ident = record.get("id")
    if isinstance(ident, bool) or not isinstance(ident, str | int) or str(ident).strip() == "":
        return _bad_record(source, line_no, 'missing or invalid "id" (need a string or integer)')
    text = record.get("text")
    if not isinstance(text, str):
        return _bad_record(source, line_no, 'missing "text" string')
    if isinstance(ident, int):
        ident = str(ident)
    if len(ident) > _MAX_ID:
        return _bad_record(
            source, line_no, f'"id" is {len(ident)} characters long (at most {_MAX_ID})'
        )
    try:
        # A lone surrogate ("\\ud800") is valid JSON but no Unicode text: it cannot be stored.
        size = len(text.encode("utf-8"))
        ident.encode("utf-8")
    except UnicodeEncodeError as exc:
        return _bad_record(
            source, line_no, f"invalid Unicode in the record ({exc.reason} at {exc.start})"
        )
    src = f"{source}#{ident}"
    if size > max_bytes:
        return _too_large(src, size, max_bytes, what=f"record on line {line_no}")
    if not text.strip():
        return _bad_record(source, line_no, f'record {ident!r} has an empty "text"')
    try:
        check_text(text, source=src)
    except ReadError as exc:
        return exc
    return RawDocument(
        source=src,
        text=unicodedata.normalize("NFC", text),
        fmt="jsonl",
        meta=_record_meta(record, line_no),
    )


def _record_meta(record: dict[str, Any], line_no: int) -> dict[str, str]:
    """The record's line, title, publication date (``published``, else ``date``: an ISO date
    or date-time, read as a date) and address (``url``, absolute http(s) only)."""
    meta = {"line": str(line_no)}
    title = record.get("title")
    if isinstance(title, str) and title.strip() and _encodable(title):
        meta["title"] = title.strip()
    published = published_of(record.get("published")) or published_of(record.get("date"))
    if published:
        meta["published"] = published
    url = url_of(record.get("url"))
    if url and _encodable(url):
        meta["url"] = url
    return meta


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _iter_jsonl(path: Path, *, source: str, max_bytes: int) -> Iterator[RawDocument | ReadError]:
    # No file-size limit here: bulk dumps are streamed; max_bytes applies to each record.
    try:
        _require_file(path, source)
    except ReadError as exc:
        yield exc
        return
    line_limit = max_bytes * _JSON_LINE_FACTOR + 1024
    line_no = 0
    nonblank = 0
    try:
        with _open_jsonl(path) as fh:
            for line_no, raw in enumerate(_iter_lines(fh, line_limit), start=1):
                if raw is not None and not raw.strip():
                    continue
                nonblank += 1
                if raw is None:
                    yield ReadError(
                        "too_large",
                        f"{source}: line {line_no} is longer than {_format_size(line_limit)}; "
                        f"a record's text may not exceed {_format_size(max_bytes)}",
                        source=f"{source}#line{line_no}",
                    )
                    continue
                yield _parse_record(raw, source=source, line_no=line_no, max_bytes=max_bytes)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        yield ReadError(
            "decode_error",
            f"{source}: corrupt or truncated stream after line {line_no}: {type(exc).__name__}: {exc}",
            source=source,
        )
        return
    if nonblank == 0:
        yield ReadError("empty", f"{source}: the file has no records", source=source)


_READERS = {"txt": _read_txt, "html": _read_html, "docx": _read_docx, "pdf": _read_pdf}
