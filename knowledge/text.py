"""Vietnamese text normalisation shared by every stage (clean, extract, index, query).

One form for storage (NFC, one tone-mark placement) and one folded form for matching
(lower case, no diacritics, đ → d), so "phuong 2 dat duoc gi" meets "Phường 2 đạt được gì".
"""

from __future__ import annotations

import importlib.util
import pickle
import re
import unicodedata
from functools import cache
from pathlib import Path

# underthesea ships a curated table of misplaced tone marks ("Uỷ" → "Ủy", "hoá" → "hóa",
# "Qũy" → "Quỹ"). Its text_normalize() re-tokenises and drops line breaks, so we apply the
# table word by word ourselves and keep the layout intact.
_TONE_RULES = "pipeline/text_normalize/tn_rules_2023_07_14.bin"


def _tone_fixes() -> dict[str, str]:
    """underthesea's table, read from the file its text normaliser loads. Importing the
    package for it took about a second of every command's start (the package imports its
    whole pipeline, requests and joblib); the file is a plain pickle of two dicts, read in
    milliseconds. Another underthesea release without that file: imported as before."""
    spec = importlib.util.find_spec("underthesea")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        try:
            rules = pickle.loads((Path(folder) / _TONE_RULES).read_bytes())
            table = rules["token"]
        except (OSError, pickle.UnpicklingError, KeyError, TypeError, EOFError):
            continue
        if isinstance(table, dict) and table:
            return table
    from underthesea.pipeline.text_normalize.text_normalizer import token_map

    return dict(token_map)


_TONE_FIXES: dict[str, str] = _tone_fixes()

_WORD = re.compile(r"\w+")
# Runs of spaces, and any other space character: a lone ' ' is already what it becomes.
_SPACES = re.compile(
    r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]"
)
_WORD_CHAR = re.compile(r"\w")
# Characters that look like đ/Đ in pasted text (Icelandic eth).
_LOOKALIKES = str.maketrans({"ð": "đ", "Ð": "Đ", "\ufeff": None, "\u200c": None, "\u200d": None})
_LOOKALIKE_CHARS = "ðÐ\ufeff\u200c\u200d"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _fix_word(match: re.Match[str]) -> str:
    word = match.group()
    return _TONE_FIXES.get(word, word)


def normalize(text: str) -> str:
    """NFC, look-alike letters fixed, one tone-mark placement, runs of spaces collapsed."""
    text = nfc(text)
    if any(char in text for char in _LOOKALIKE_CHARS):  # rare; translate reads every character
        text = text.translate(_LOOKALIKES)
    return _SPACES.sub(" ", _fix_tone_marks(text))


_FEW_FIXES = 64


def _fix_tone_marks(text: str) -> str:
    """Each word the table knows, spelled the one way. The words needing it are found first
    (in C): calling back into Python for every word of a long text took a third of cleaning."""
    misplaced = set(_WORD.findall(text)).intersection(_TONE_FIXES)
    if not misplaced:
        return text
    if len(misplaced) > _FEW_FIXES:
        return _WORD.sub(_fix_word, text)
    # Whole words only, as _WORD finds them: no word character after (in the pattern, which
    # then starts with a letter and is searched fast) and none before (in _fix_whole_word).
    words = re.compile("(?:" + "|".join(map(re.escape, sorted(misplaced))) + r")(?!\w)")
    return words.sub(_fix_whole_word, text)


def _fix_whole_word(match: re.Match[str]) -> str:
    start = match.start()
    if start and _WORD_CHAR.match(match.string, start - 1):
        return match.group()  # the end of a longer word
    return _fix_word(match)


@cache
def _fold_table() -> dict[int, str]:
    """A translate table from every precomposed Vietnamese letter to its bare ASCII base.

    Built once from Unicode decompositions; str.translate with it is several times faster
    than decomposing at query time.
    """
    table: dict[int, str] = {}
    for code in range(0xC0, 0x1EFF + 1):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base.isascii() and base.isalpha():
            table[code] = base.lower()
        elif char.isupper():
            table[code] = char.lower()
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    table[ord("đ")] = table[ord("Đ")] = "d"
    return table


@cache
def _fold_list() -> list[str]:
    """The same table as a list over every code point up to U+1EFF, each character that
    the table leaves alone mapped to itself: str.translate finds every character of most
    texts there instead of missing in a dict (a raised and caught LookupError each), twice
    as fast; characters past the list are left alone as before."""
    table = _fold_table()
    return [table.get(code, chr(code)) for code in range(0x1EFF + 1)]


_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower case without diacritics, đ → d: the key for diacritic-insensitive matching."""
    folded = _FOLDED.get(text)
    if folded is None:
        folded = nfc(text).translate(_fold_list())
        # Combining marks survive only on letters without a precomposed form; drop them too.
        if not folded.isascii():
            folded = _COMBINING.sub("", folded)
        _remember(text, folded)
    return folded


# Texts folded lately. Extraction folds the same page, paragraphs and sentences again and
# again (each part of it reads them): 13,000 characters folded an article for 2,800
# distinct ones. Bounded by characters, not entries: a 20 MB page must not stay in memory.
_FOLDED: dict[str, str] = {}
_FOLDED_CHARACTERS = [0]
_FOLD_CACHE_CHARACTERS = 1_000_000


def _remember(text: str, folded: str) -> None:
    if len(text) > _FOLD_CACHE_CHARACTERS // 4:
        return
    if _FOLDED_CHARACTERS[0] + len(text) > _FOLD_CACHE_CHARACTERS:
        _FOLDED.clear()  # everything at once: the pages being read now come back at once
        _FOLDED_CHARACTERS[0] = 0
    _FOLDED[text] = folded
    _FOLDED_CHARACTERS[0] += len(text)


def squash(text: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces and strip."""
    return " ".join(text.split())
