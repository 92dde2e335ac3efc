"""Text files that hold an outline, a point a line: two numbers, x then y, separated by spaces,
a tab, a comma or a semicolon (DRIONS-DB's `271 , 198`, Sunnybrook's `112.5 96.25`). Told by
their content alone: a text file of words, or of more numbers a line (YOLO's `class x y w h`), is
no point list."""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.classes.text_files import regular_text

POINT_TEXT = ".txt"
MIN_POINTS = 3  # the fewest points of an outline
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_POINT_LINE = re.compile(rf"\s*({_NUMBER})(?:\s*[,;]\s*|\s+)({_NUMBER})\s*")  # one point: 271 , 198
_POINT_TEXT_BYTES = 1 << 20  # a longer text file is no point list, and is not read to tell


def read_points(path: Path) -> list[tuple[float, float]] | None:
    """A text file's points (x, y), in order; None when it is no point list: unreadable, not
    UTF-8, over a megabyte, fewer than `MIN_POINTS` lines, or a line that is not two numbers
    (blank lines aside)."""
    try:
        if path.stat().st_size > _POINT_TEXT_BYTES:
            return None
        lines = [line for line in regular_text(path, encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError):
        return None
    found = [_POINT_LINE.fullmatch(line) for line in lines]
    if len(found) < MIN_POINTS or not all(found):
        return None
    return [(float(point.group(1)), float(point.group(2))) for point in found if point]


def holds_points(path: Path) -> bool:
    """Whether a text file is a point list (`read_points`)."""
    return read_points(path) is not None
