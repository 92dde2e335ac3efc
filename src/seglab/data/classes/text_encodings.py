"""The text of a side file (a class table, a split list, a README) in whichever encoding it was
saved: UTF-16 led by its byte-order mark (Windows Notepad's "Unicode", Excel's "Unicode Text"),
UTF-8 (a BOM dropped), else the one legacy code page whose decoding reads as a language's
letters. Windows Notepad and Excel save "ANSI" text in the system's code page: GBK in China
(AI Studio's labels.txt), Shift-JIS in Japan, EUC-KR in Korea, CP1251 in Russia, CP1252 in Western
Europe. Short files defeat statistical detectors (charset_normalizer reads four GBK class names
as UTF-16), so each code page is tried in turn and taken only where its letters are those its
language is written in, mostly its common ones.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)
_said: set[str] = set()  # files whose code page was said: several readers try one file


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _kana(char: str) -> bool:
    return "\u3041" <= char <= "\u30fe" and char != "\u30fb"  # hiragana, katakana and ー, less the middle dot


def _coded_between(char: str, encoding: str, low: bytes, high: bytes) -> bool:
    """Whether `char` has a code in `encoding` from `low` up to, not including, `high`."""
    try:
        return low <= char.encode(encoding) < high
    except UnicodeEncodeError:
        return False


def _common_hanzi(char: str) -> bool:
    """GB2312's first level, the 3,755 hanzi of nearly all Chinese text."""
    return _coded_between(char, "gb2312", b"\xb0\xa1", b"\xd8")


def _common_japanese(char: str) -> bool:
    """Kana or JIS X 0208's first level of kanji (2,965)."""
    return _kana(char) or _coded_between(char, "cp932", b"\x88\x9f", b"\x98\x9f")


def _hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


_PLAIN_FINALS = (0, 1, 4, 8, 16, 17, 21)  # none, ㄱ, ㄴ, ㄹ, ㅁ, ㅂ, ㅇ
_RARE_VOWELS = (3, 7, 10, 15)  # ㅒ, ㅖ, ㅙ, ㅞ


def _plain_hangul(char: str) -> bool:
    """A syllable of the vowels and finals most Korean words are written with (98% of class
    names'); GBK's hanzi read as EUC-KR make syllables of any (under half such)."""
    index = ord(char) - 0xAC00
    return _hangul(char) and index % 28 in _PLAIN_FINALS and index // 28 % 21 not in _RARE_VOWELS


_CYRILLIC = frozenset("ЁёІіЇїЄєҐґЎў")  # beside А-я: Ukrainian's and Belarusian's


def _cyrillic(char: str) -> bool:
    return "\u0410" <= char <= "\u044f" or char in _CYRILLIC


def _latin(char: str) -> bool:
    return ("\u00c0" <= char <= "\u00ff" and char not in "×÷") or char in "ŒœŠšŽžŸ"


@dataclass(frozen=True)
class _CodePage:
    """A legacy encoding, with the letters text in it is written in (`letter`), those most of it
    is (`common`, at least `least_common` of the letters) and whether its words mix in no Latin
    letters (`apart`: Latin text read as CP1251 makes words such as 'Plantaciуn')."""

    name: str
    letter: Callable[[str], bool]
    common: Callable[[str], bool]
    least_common: float = 0.5
    apart: bool = False


# tried in this order: EUC-KR before GBK, whose bytes it shares (GBK read as EUC-KR makes rare
# syllables, EUC-KR read as GBK common hanzi); Cyrillic before Latin, whose letters CP1251's bytes are too
_CODE_PAGES = (
    _CodePage("euc-kr", _hangul, _plain_hangul, least_common=0.8),
    _CodePage("gb18030", _han, _common_hanzi, least_common=0.8),
    _CodePage("cp932", lambda char: _han(char) or _kana(char), _common_japanese),
    _CodePage("cp1251", _cyrillic, _cyrillic, apart=True),
    _CodePage("cp1252", _latin, _latin),
)
_PUNCTUATION = frozenset("、。，．：；？！（）「」『』【】《》〈〉・…〜～—–«»№°·\u00a0\u3000")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # in no text: a binary file's bytes
_WORD = re.compile(r"[^\W\d_]+")
_JUDGED = 1 << 16  # the characters a code page is judged on: a metadata table may run to megabytes


def side_text(data: bytes, path: Path) -> str:
    """The text of `data`, the bytes of the side file `path`: UTF-16 where a byte-order mark leads
    it, UTF-8 (a BOM dropped), else the first code page of `_CODE_PAGES` that reads it as its
    language's letters, said once in the log.

    Raises:
        UnicodeDecodeError: no encoding reads it, with the position of the first byte not UTF-8
            and the route to a file that reads (convert it to UTF-8).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Windows Notepad's "Unicode"
        try:
            return data.decode("utf-16")  # the mark says the byte order
        except UnicodeDecodeError as err:
            raise UnicodeDecodeError("utf-16", data, err.start, err.end, f"{err.reason}, though its byte-order mark "
                                     f"says UTF-16; save it as UTF-8: {_to_utf8(path, 'utf-16')}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        utf8_error = err
    for page in _CODE_PAGES:
        try:
            text = data.decode(page.name)
        except UnicodeDecodeError:
            continue
        if _reads_as(text[:_JUDGED], page):
            _say_code_page(path, page.name)
            return text
    raise UnicodeDecodeError(
        "utf-8", data, utf8_error.start, utf8_error.end,
        f"{utf8_error.reason}, and it reads as no legacy code page ({', '.join(p.name for p in _CODE_PAGES)}); "
        f"save it as UTF-8: {_to_utf8(path, 'ENCODING')} (ENCODING the one it was written in)")


def _to_utf8(path: Path, encoding: str) -> str:
    """The command that saves `path`, written in `encoding`, as UTF-8 in its place."""
    return (f"iconv -f {encoding} -t utf-8 {shlex.quote(str(path))} > utf8.tmp && mv utf8.tmp "
            f"{shlex.quote(str(path))}")


def _reads_as(text: str, page: _CodePage) -> bool:
    """Whether `text`, decoded from `page`, reads as text of its language: no control codes, every
    letter past ASCII one of its letters, enough of them common, and none mixed into a Latin word
    where its words are apart."""
    if _CONTROL.search(text):
        return False
    letters = [c for c in text if not c.isascii() and c not in _PUNCTUATION and not "\uff01" <= c <= "\uff5e"]
    if not all(map(page.letter, letters)) or sum(map(page.common, letters)) < page.least_common * len(letters):
        return False
    return not page.apart or all(word.isascii() or not re.search("[a-zA-Z]", word) for word in _WORD.findall(text))


def _say_code_page(path: Path, encoding: str) -> None:
    """Say, the first time it is read, that `path` is read in `encoding`."""
    if os.path.abspath(path) not in _said:
        _said.add(os.path.abspath(path))
        logger.info("'%s' is not UTF-8: read as %s, the code page its letters read in (if its text shows garbled, "
                    "save it as UTF-8)", path, encoding)
