"""Display colours of classes: a palette clear of black and of the error red; `#rrggbb` and JSON
colours read."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from seglab.data.classes.names import is_background

# a qualitative palette (Tableau 10 without its red, which marks errors in the reports): no black,
# so a class never looks unlabelled, and no colour near the error red
_PALETTE = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (148, 103, 189), (23, 190, 207),
    (227, 119, 194), (188, 189, 34), (140, 86, 75), (127, 127, 127), (174, 199, 232),
    (255, 187, 120), (152, 223, 138), (197, 176, 213), (158, 218, 229), (247, 182, 210),
    (219, 219, 141), (196, 156, 148), (57, 59, 121), (82, 84, 163), (99, 121, 57),
)  # fmt: skip
BACKGROUND_COLOUR = (200, 200, 200)  # light grey: the class that fills most pictures stays quiet
ERROR_COLOUR = (230, 25, 25)  # wrong pixels in reports and figures; no class colour comes near it


def default_colours(n: int, names: Sequence[str] = ()) -> tuple[tuple[int, int, int], ...]:
    """`n` distinct display colours: a class named like background gets light grey, the others a
    qualitative palette, then generated colours kept away from black and from the error red.
    """
    if n < 0:
        raise ValueError(f"number of colours must be >= 0, got {n}")
    extra = (c for c in _interleaved() if _usable(c) and c not in _PALETTE and c != BACKGROUND_COLOUR)
    palette = iter(_PALETTE)
    colours = []
    for i in range(n):
        if i < len(names) and is_background(names[i]) and BACKGROUND_COLOUR not in colours:
            colours.append(BACKGROUND_COLOUR)
        else:
            colours.append(next(palette, None) or next(extra))
    return tuple(colours)


def _interleaved() -> Iterator[tuple[int, int, int]]:
    """The PASCAL VOC colour sequence (bit-interleaved), distinct for every index."""
    i = 0
    while True:
        r = g = b = 0
        code = i
        for bit in range(7, -1, -1):
            r |= (code & 1) << bit
            g |= ((code >> 1) & 1) << bit
            b |= ((code >> 2) & 1) << bit
            code >>= 3
        yield (r, g, b)
        i += 1


def _usable(colour: tuple[int, int, int]) -> bool:
    r, g, b = colour
    near_error = (r - ERROR_COLOUR[0]) ** 2 + (g - ERROR_COLOUR[1]) ** 2 + (b - ERROR_COLOUR[2]) ** 2 < 90**2
    return r + g + b >= 120 and not near_error


def hex_colour(value: object, what: str) -> tuple[int, int, int]:
    """A `#rrggbb` colour (Supervisely's class colours) as (r, g, b).

    Raises:
        ValueError: anything else, saying `what` has it.
    """
    text = str(value)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError(f"{what} has colour {text!r}, not #rrggbb")
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


def is_rgb(value: object) -> bool:
    """Whether `value` is a list or tuple of three integers 0-255: not a value beyond a byte, nor
    `true`, which Python counts an integer but no file means as a channel value."""
    return isinstance(value, (list, tuple)) and len(value) == 3 and all(
        isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value)


def json_colour(value: object) -> tuple[int, int, int] | None:
    """A colour as a JSON class list writes it, `[r, g, b]` of integers 0-255 (COCO panoptic's
    categories, `is_rgb`) or `#rrggbb`, as (r, g, b); None for anything else."""
    if isinstance(value, list) and is_rgb(value):
        return value[0], value[1], value[2]
    try:
        return hex_colour(value, "a class") if isinstance(value, str) else None
    except ValueError:
        return None
