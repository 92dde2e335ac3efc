"""Fonts that draw a figure's class names and titles.

Matplotlib draws text in DejaVu Sans, which has no Chinese, Japanese or Korean glyphs: class
names such as 背景 and 建筑 came out as empty boxes, with a "Glyph ... missing" warning per
character. `drawing_fonts` finds installed fonts that have the glyphs (Noto Sans CJK, WenQuanYi,
...) to list after Matplotlib's own, which Matplotlib (3.6+) falls back on glyph by glyph; where
none has them, figures label the classes by id (`class_labels`) and the log says so once.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache

import matplotlib
from matplotlib import font_manager

log = logging.getLogger(__name__)

_PLACEHOLDER_FONTS = ("Last Resort",)  # Matplotlib's own: a box for every character, which draws nothing
_MISSING_GLYPH = r"Glyph \d+ .* missing from font"


def drawing_fonts(texts: Iterable[str]) -> list[str]:
    """The font families (`fontfamily=`) to draw `texts` in: Matplotlib's, then the installed
    fonts that draw the characters those lack (as many as some font draws)."""
    return [*matplotlib.rcParams["font.family"], *_fallbacks(_characters_of(texts))[0]]


def class_labels(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The labels of the classes in a figure and the font families to draw them in: the names,
    or the class ids (0, 1, ...) where no installed font draws them (logged once, id by name;
    the report's table lists them by id too)."""
    fonts, undrawn = _fallbacks(_characters_of(names))
    if undrawn:
        _say_undrawn(undrawn, tuple(names))
        return [str(k) for k in range(len(names))], list(matplotlib.rcParams["font.family"])
    return list(names), [*matplotlib.rcParams["font.family"], *fonts]


@contextmanager
def quiet_missing_glyphs() -> Iterator[None]:
    """Draw without Matplotlib's warning per missing character (a file name in a title that no
    installed font draws): one warning a glyph flooded the terminal."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_MISSING_GLYPH, category=UserWarning)
        yield


def _characters_of(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(c for text in texts for c in text if c.isprintable() and not c.isspace())


def _drawn_by(path: str, characters: Iterable[str]) -> set[str]:
    """Those of `characters` that the font file at `path` has glyphs for."""
    charmap = font_manager.get_font(path).get_charmap()
    return {c for c in characters if ord(c) in charmap}


@cache
def _fallbacks(wanted: frozenset[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The installed font families that draw the characters of `wanted` Matplotlib's font
    lacks, the fullest first, and the characters none draws. Fonts are read only for such
    characters: Latin, Greek and Cyrillic names need none."""
    missing = wanted - _drawn_by(font_manager.findfont(font_manager.FontProperties()), wanted)
    if not missing:
        return (), frozenset()
    family = {entry.fname: entry.name for entry in font_manager.fontManager.ttflist
              if entry.style == "normal" and not entry.name.startswith(_PLACEHOLDER_FONTS)}
    drawn = {path: _drawn_by(path, missing) for path in family}
    chosen: dict[str, None] = {}
    left = set(missing)
    while left:
        best = max(drawn, key=lambda path: len(drawn[path] & left), default=None)
        if best is None or not drawn[best] & left:
            break
        chosen[family[best]] = None
        left -= drawn[best]
    return tuple(chosen), frozenset(left)


@cache
def _say_undrawn(undrawn: frozenset[str], names: tuple[str, ...]) -> None:
    """Log once that no installed font draws `undrawn`, which ids stand for `names`, and the
    route to a font that draws them."""
    characters = [c for c in dict.fromkeys("".join(names)) if c in undrawn]
    shown = "".join(characters[:10]) + ("..." if len(characters) > 10 else "")
    ids = ", ".join(f"{k} {name}" for k, name in enumerate(names[:20])) + (", ..." if len(names) > 20 else "")
    log.warning("no installed font draws %s: figures label the classes by id (%s). To draw the names, install a "
                "font that has them (Noto Sans CJK: apt install fonts-noto-cjk) and delete Matplotlib's font list "
                "(%s/fontlist-*.json)", shown, ids, matplotlib.get_cachedir())
