"""Colour masks of benchmarks that publish their colour table, read with its class names and order.

Without a classes.json, colour masks become one class per colour found, named `#rrggbb` and
ordered by colour code, white first on the most pixels (`colours.discover_colours`). When every
colour found belongs to one of these tables, and most of it is present, the table's classes are
used instead, in its order. A colour the table marks as void (ISPRS's black boundary) is not ignored unasked, unless
so many of the table's colours are found that no hand-made masks match them by chance (GID-15).
A colour found within a shift of a table's colour (the `near` colour discovery merges) is that
colour: JPEG masks (Kaggle's Cityscapes Image Pairs) hold road's (128, 64, 128) as (128, 63, 127).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.data.encodings import cityscapes

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
    # GID's 15 fine classes share none of GID-5's colours: black, unlabelled, is their only common one
    Palette("GID-15 (Gaofen Image Dataset, 15 classes)", (
        ("industrial land", (200, 0, 0)), ("urban residential", (250, 0, 150)), ("rural residential", (200, 150, 150)),
        ("traffic land", (250, 150, 150)), ("paddy field", (0, 200, 0)), ("irrigated land", (150, 250, 0)),
        ("dry cropland", (150, 200, 150)), ("garden plot", (200, 0, 200)), ("arbor woodland", (150, 0, 250)),
        ("shrub land", (150, 150, 250)), ("natural grassland", (250, 200, 0)), ("artificial grassland", (200, 200, 0)),
        ("river", (0, 0, 200)), ("lake", (0, 150, 200)), ("pond", (0, 200, 250)),
    ), void=((0, 0, 0),)),
    Palette("UAVid", (
        ("clutter", (0, 0, 0)), ("building", (128, 0, 0)), ("road", (128, 64, 128)), ("tree", (0, 128, 0)),
        ("low vegetation", (128, 128, 0)), ("moving car", (64, 0, 128)), ("static car", (192, 0, 192)),
        ("human", (64, 64, 0)),
    )),
    # Cityscapes' renderings (`*_gtFine_color.png`) and the driving datasets drawn in its colours:
    # its 19 evaluated classes, the other labels' colours void (black for unlabeled, ego vehicle, ...)
    Palette("Cityscapes", tuple(zip(cityscapes.CLASSES.names, cityscapes.CLASSES.colours)),
            void=cityscapes.VOID_COLOURS),
)  # fmt: skip
MIN_SHARE = 0.8  # of a table's class colours present before the masks are taken for its benchmark's
# a table's class colours found beyond which hand-made masks, whose black may be a class, match by
# no chance (ISPRS' six, primaries and white, they may): its void colour is then ignored unasked
UNMISTAKABLE = 10
PARTLY_SHOWN = 3  # a table's class colours found, and no other, before masks are said to be drawn in part of it


def known_palette(colours: Sequence[Colour], near: int = 0) -> tuple[Palette, bool] | None:
    """The table whose classes hold every one of `colours` (or all but its void colours), when
    most of its classes are present (all, for a table of primaries: `_primaries`) and no other table fits, or it is the one fitting table whose
    classes are all present (GID's five colours are five of ISPRS' six); and whether void colours
    are present too. Those are not ignored unasked (`void_unasked`): black is a class in many
    hand-made masks, so the caller says how to declare them (classes.json "void_colours").
    A colour within `near` (every channel) of a table's colour is that colour (`table_colours`)."""
    fitting, complete = [], []
    for palette in PALETTES:
        classes = {c for _, c in palette.classes}
        found = table_colours(colours, palette, near)
        share = 1.0 if _primaries(classes) else MIN_SHARE
        if found - set(palette.void) <= classes and len(found & classes) >= share * len(classes):
            fitting.append((palette, bool(found & (set(palette.void) - classes))))
            if classes <= found:
                complete.append(fitting[-1])
    if len(fitting) == 1:
        return fitting[0]
    return complete[0] if len(complete) == 1 else None


def partly_known(colours: Sequence[Colour], near: int = 0) -> tuple[Palette, int] | None:
    """The table whose class colours hold every one of `colours` but its void colours,
    `PARTLY_SHOWN` or more though too few for `known_palette` (masks drawn in some of Cityscapes'
    colours), with how many it holds; None for a table of primaries (`_primaries`), whose few
    colours any hand-made mask may use, or where none or several fit. Such masks may be the
    table's benchmark's, or hand-made ones in its colours: its classes are offered, not taken."""
    fitting = []
    for palette in PALETTES:
        classes = {c for _, c in palette.classes}
        found = table_colours(colours, palette, near) - set(palette.void)
        if not _primaries(classes) and found <= classes and len(found) >= PARTLY_SHOWN:
            fitting.append((palette, len(found)))
    return fitting[0] if len(fitting) == 1 else None


def _primaries(colours: set[Colour]) -> bool:
    """Whether a table's colours are all primaries, secondaries or white (every channel 0 or 255):
    the first colours of any hand-made or rendered mask (Unity Perception's red, green, blue and
    yellow are four of GID's five), so such a table names masks only when all of its colours are there."""
    return all(channel in (0, 255) for colour in colours for channel in colour)


def void_unasked(palette: Palette, colours: Sequence[Colour], near: int = 0) -> bool:
    """Whether `palette`'s void colours read as the ignore label unasked: `colours` hold so many of
    its class colours (`UNMISTAKABLE`) that the masks are its benchmark's (GID-15's 15, black
    unlabelled), not hand-made ones whose black is a class."""
    return len(table_colours(colours, palette, near) & {c for _, c in palette.classes}) >= UNMISTAKABLE


def table_colours(colours: Sequence[Colour], palette: Palette, near: int = 0) -> set[Colour]:
    """`colours`, each that lies within `near` (every channel) of one of `palette`'s colours as
    the nearest such: a lossy save shifts the colours of JPEG masks by a few levels."""
    table = [c for _, c in palette.classes] + list(palette.void)
    found = set()
    for colour in colours:
        gaps = np.abs(np.array(table) - np.array(colour)).max(axis=1)
        nearest = int(gaps.argmin())
        found.add(table[nearest] if gaps[nearest] <= near else colour)
    return found
