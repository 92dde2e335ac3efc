"""Colour masks of benchmarks that publish their colour table, read with its class names and order.

Without a classes.json, colour masks become one class per colour found, named `#rrggbb` and
ordered by colour code (`colours.discover_colours`). When every colour found belongs to one
of these tables, and most of it is present, the table's classes are used instead, in its
order. A colour the table marks as void (ISPRS's black boundary) is not ignored unasked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seglab.data.classes import ClassSpec

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    """A benchmark's colour table.

    Args:
        name: the benchmark, as the log names it.
        classes: (name, colour) per class, in the benchmark's order.
        void: colours that mark no class (ISPRS's black boundary in its eroded ground truth).
    """

    name: str
    classes: tuple[tuple[str, Colour], ...]
    void: tuple[Colour, ...] = ()

    def spec(self, void: bool = False) -> ClassSpec:
        """The table's classes; with `void`, its void colours read as the ignore label."""
        return ClassSpec(names=tuple(n for n, _ in self.classes), colours=tuple(c for _, c in self.classes),
                         void_colours=self.void if void else ())


PALETTES = (
    Palette("ISPRS Vaihingen/Potsdam", (
        ("impervious surfaces", (255, 255, 255)), ("building", (0, 0, 255)), ("low vegetation", (0, 255, 255)),
        ("tree", (0, 255, 0)), ("car", (255, 255, 0)), ("clutter", (255, 0, 0)),
    ), void=((0, 0, 0),)),
    # GID's five colours are five of ISPRS' six: a complete table wins over a partial one
    Palette("GID (Gaofen Image Dataset, 5 classes)", (
        ("built-up", (255, 0, 0)), ("farmland", (0, 255, 0)), ("forest", (0, 255, 255)), ("meadow", (255, 255, 0)),
        ("water", (0, 0, 255)),
    ), void=((0, 0, 0),)),
    Palette("UAVid", (
        ("clutter", (0, 0, 0)), ("building", (128, 0, 0)), ("road", (128, 64, 128)), ("tree", (0, 128, 0)),
        ("low vegetation", (128, 128, 0)), ("moving car", (64, 0, 128)), ("static car", (192, 0, 192)),
        ("human", (64, 64, 0)),
    )),
)  # fmt: skip
MIN_SHARE = 0.8  # of a table's class colours present before the masks are taken for its benchmark's


def known_palette(colours: Sequence[Colour]) -> tuple[Palette, bool] | None:
    """The table whose classes hold every one of `colours` (or all but its void colours), when
    most of its classes are present and no other table fits, or it is the one fitting table whose
    classes are all present (GID's five colours are five of ISPRS' six); and whether void colours
    are present too. Those are not ignored unasked: black is a class in many hand-made masks, so
    the caller says how to declare them (classes.json "void_colours")."""
    found = set(colours)
    fitting, complete = [], []
    for palette in PALETTES:
        classes = {c for _, c in palette.classes}
        if found - set(palette.void) <= classes and len(found & classes) >= MIN_SHARE * len(classes):
            fitting.append((palette, bool(found & (set(palette.void) - classes))))
            if classes <= found:
                complete.append(fitting[-1])
    if len(fitting) == 1:
        return fitting[0]
    return complete[0] if len(complete) == 1 else None
